"""HyperLogLog commands compared byte for byte with redis-server 7.0.

The HLL itself is a string, so GET shows every register, opcode and header byte:
after each step both servers must hold the same bytes, sparse or dense.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd
from tests.support.replication import sync_events

HEADER_SPARSE = b"HYLL\x01\x00\x00\x00" + bytes(8)
HEADER_DENSE = b"HYLL\x00\x00\x00\x00" + bytes(8)
# Sparse strings whose opcodes do not cover exactly 16384 registers, and others.
CORRUPTED = [
    HEADER_SPARSE,  # no opcodes at all
    HEADER_SPARSE + b"\x7f\x00",  # XZERO:16129, short
    HEADER_SPARSE + b"\x40\x00\x7f\xff",  # XZERO:1 XZERO:16384, one too many
    HEADER_SPARSE + b"\x7f\xff\x80",  # a VAL past the last register
    HEADER_SPARSE + b"\xfc" * 5000,  # VAL runs overflowing
    HEADER_SPARSE + b"\x00" * 100 + b"\x7f\x00",  # ZEROs then a short XZERO
]
NOT_HLL = [
    b"hello",
    b"HYLL",
    b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",  # 15 bytes
    b"HYLX\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff",
    b"HYLL\x02\x00\x00\x00" + bytes(8) + b"\x7f\xff",
    HEADER_DENSE + b"\x7f\xff",  # dense of the wrong size
    HEADER_DENSE + bytes(12289),
    b"12345",
]


def elements(prefix: str, count: int, start: int = 0) -> list[bytes]:
    return [b"%s:%d" % (prefix.encode(), i) for i in range(start, start + count)]


class HyperLogLogVsRedisTests(DifferentialCase, SynchronousTestCase):
    redis_args = ("--enable-debug-command", "yes")
    replkv_args = ("--enable-debug-command", "yes")

    def same_pipeline(self, commands: list[list[bytes]]) -> None:
        """Send commands pipelined to both servers; every reply must be the same."""
        expected = self.redis_client.pipeline(commands)
        actual = self.replkv_client.pipeline(commands)
        for command, want, got in zip(commands, expected, actual, strict=True):
            if want != got:
                shown = b" ".join(arg[:30] for arg in command[:4])
                self.fail(f"{shown!r}: redis {want[:300]!r}, replkv {got[:300]!r}")

    def add_in_batches(self, key: bytes, items: list[bytes], batch: int = 1000) -> None:
        """PFADD items in batches, pipelined, comparing every reply."""
        commands = [[b"PFADD", key, *items[i : i + batch]] for i in range(0, len(items), batch)]
        for i in range(0, len(commands), 100):
            self.same_pipeline(commands[i : i + 100])

    def assertSameHLL(self, *keys: bytes) -> None:  # noqa: N802
        """GET, PFCOUNT (which refreshes the cache), GET again and the encoding."""
        script = []
        for key in keys:
            script += [
                [b"GET", key],
                [b"PFCOUNT", key],
                [b"GET", key],
                [b"PFCOUNT", key],
                [b"PFDEBUG", b"ENCODING", key],
            ]
        self.assertSameReplies(script)

    def test_empty_and_small(self) -> None:
        self.assertSameReplies(
            [
                ["PFCOUNT", "nokey"],
                ["PFADD", "e"],
                ["PFADD", "e"],
                ["GET", "e"],
                ["PFCOUNT", "e"],
                ["GET", "e"],
                ["PFADD", "one", "a"],
                ["PFADD", "one", "a"],
                ["PFADD", "few", "a", "b", "c", "", "a\x00b", "x" * 100],
                ["PFADD", "few", "c", "b"],
                ["PFADD", "few", "d"],
                ["GET", "few"],
                ["STRLEN", "few"],
                ["TYPE", "few"],
                ["OBJECT", "ENCODING", "few"],
                ["PFADD"],
                ["PFCOUNT"],
                ["PFMERGE"],
            ]
        )
        self.assertSameHLL(b"e", b"one", b"few")

    def test_growing_cardinalities(self) -> None:
        """1, 10, 1,000, 100,000 and 1,000,000 distinct elements."""
        total = 0
        for target in (1, 10, 1000, 100_000, 1_000_000):
            self.add_in_batches(b"big", elements("e", target - total, total))
            total = target
            self.assertSameHLL(b"big")
        # Elements already counted change nothing (PFADD answers 0).
        self.add_in_batches(b"big", elements("e", 5000))
        self.assertSameHLL(b"big")

    def test_every_step_up_to_promotion(self) -> None:
        """GET after each single-element PFADD, through the sparse → dense promotion."""
        commands = []
        for element in elements("p", 2200):
            commands += [[b"PFADD", b"s", element], [b"GET", b"s"]]
        for i in range(0, len(commands), 400):
            self.same_pipeline(commands[i : i + 400])
        self.assertSameHLL(b"s")

    def test_sparse_max_bytes(self) -> None:
        try:
            self.assertSameReplies(
                [
                    ["CONFIG", "GET", "hll-sparse-max-bytes"],
                    ["CONFIG", "SET", "hll-sparse-max-bytes", "100"],
                    ["CONFIG", "GET", "hll-sparse-max-bytes"],
                    ["CONFIG", "SET", "hll-sparse-max-bytes", "-1"],
                    ["CONFIG", "SET", "hll-sparse-max-bytes", "x"],
                    ["CONFIG", "GET", "hll-sparse-max-bytes"],
                ]
            )
            commands = []
            for element in elements("m", 60):
                commands += [[b"PFADD", b"small", element], [b"GET", b"small"]]
            self.same_pipeline(commands)
            self.assertSameHLL(b"small")
            # A larger limit keeps more elements sparse.
            self.assertSameReplies([["CONFIG", "SET", "hll-sparse-max-bytes", "5000"]])
            self.add_in_batches(b"large", elements("l", 3000), batch=250)
            self.assertSameHLL(b"large")
            # Zero: the first split that grows the string promotes.
            self.assertSameReplies([["CONFIG", "SET", "hll-sparse-max-bytes", "0"]])
            self.same_pipeline([[b"PFADD", b"zero", b"a"], [b"GET", b"zero"]])
            self.assertSameHLL(b"zero")
        finally:
            self.assertSameReplies([["CONFIG", "SET", "hll-sparse-max-bytes", "3000"]])

    def test_merge(self) -> None:
        self.add_in_batches(b"sp1", elements("a", 200))
        self.add_in_batches(b"sp2", elements("b", 300))
        self.add_in_batches(b"sp3", elements("c", 900))
        self.add_in_batches(b"dn1", elements("d", 5000))
        self.assertSameReplies(
            [
                ["PFMERGE", "m1", "sp1", "sp2"],  # sparse + sparse → sparse
                ["GET", "m1"],
                ["PFMERGE", "m2", "sp1", "dn1"],  # sparse + dense → dense
                ["GET", "m2"],
                ["PFMERGE", "m3", "sp2", "sp3"],  # outgrows the sparse limit midway
                ["GET", "m3"],
                ["PFMERGE", "sp1", "sp3"],  # into an existing sparse key
                ["GET", "sp1"],
                ["PFMERGE", "dn1", "sp2"],  # into an existing dense key
                ["GET", "dn1"],
                ["PFMERGE", "m4"],  # nothing to merge: an empty HLL
                ["GET", "m4"],
                ["PFMERGE", "m5", "nokey", "sp2"],
                ["GET", "m5"],
                ["PFMERGE", "sp2"],  # only itself
                ["GET", "sp2"],
                ["PFCOUNT", "sp1", "sp2"],
                ["PFCOUNT", "sp1", "dn1", "nokey"],
                ["PFCOUNT", "nokey", "nokey2"],
                ["SET", "str", "x"],
                ["PFMERGE", "m6", "sp1", "str"],
                ["PFMERGE", "str", "sp1"],
                ["PFCOUNT", "sp1", "str"],
                ["RPUSH", "list", "x"],
                ["PFMERGE", "m6", "list"],
                ["PFCOUNT", "sp1", "list"],
                ["EXISTS", "m6"],
            ]
        )
        self.assertSameHLL(b"m1", b"m2", b"m3", b"sp1", b"dn1", b"m4", b"m5", b"sp2")

    def test_not_hll_strings(self) -> None:
        script: list[list[object]] = [["HSET", "hash", "f", "v"]]
        for value in NOT_HLL:
            script += [
                ["SET", "bad", value],
                ["PFADD", "bad", "a"],
                ["PFCOUNT", "bad"],
                ["PFCOUNT", "bad", "nokey"],
                ["PFMERGE", "dest", "bad"],
                ["PFDEBUG", "ENCODING", "bad"],
                ["GET", "bad"],
            ]
        script += [["PFADD", "hash", "a"], ["PFCOUNT", "hash"], ["PFDEBUG", "GETREG", "hash"]]
        script += [["INCR", "counter"], ["PFADD", "counter", "a"], ["EXISTS", "dest"]]
        self.assertSameReplies(script)  # type: ignore[arg-type]

    def test_corrupted_sparse(self) -> None:
        script: list[list[object]] = []
        for value in CORRUPTED:
            script += [
                ["SET", "c", value],
                ["PFCOUNT", "c"],
                ["PFCOUNT", "c", "nokey"],
                ["PFMERGE", "dest", "c"],
                ["PFDEBUG", "DECODE", "c"],
                ["PFDEBUG", "GETREG", "c"],
                ["PFDEBUG", "TODENSE", "c"],
                ["PFADD", "c", "a", "b", "c", "d", "e", "f", "g", "h"],
                ["GET", "c"],
                ["PFADD", "c", *elements("z", 50)],
                ["GET", "c"],
                ["PFCOUNT", "c"],
            ]
        # A valid cache is trusted, whatever the registers say.
        script += [
            ["SET", "cached", HEADER_SPARSE[:8] + b"\x07" + bytes(7) + b"\x7f\x00"],
            ["PFCOUNT", "cached"],
            ["SET", "dense", HEADER_DENSE + b"\xff" * 12288],
            ["PFCOUNT", "dense"],
            ["PFCOUNT", "dense", "dense"],
            ["GET", "dense"],
            ["PFADD", "dense", "a"],
            ["PFCOUNT", "dense"],
            ["PFMERGE", "dm", "dense"],
            ["GET", "dm"],
            ["EXISTS", "dest"],
        ]
        self.assertSameReplies(script)  # type: ignore[arg-type]

    def test_pfdebug(self) -> None:
        self.add_in_batches(b"h", elements("q", 50))
        self.assertSameReplies(
            [
                ["PFDEBUG", "ENCODING", "h"],
                ["PFDEBUG", "decode", "h"],
                ["PFDEBUG", "DECODE", "nokey"],
                ["PFDEBUG", "GETREG", "nokey"],
                ["PFDEBUG", "bogus", "nokey"],
                ["PFDEBUG", "bogus", "h"],
                ["PFDEBUG", "bo\r\ngus", "h"],
                ["PFDEBUG", "GETREG"],
                ["PFDEBUG", "GETREG", "h", "x"],
                ["PFDEBUG", "TODENSE", "h"],
                ["PFDEBUG", "TODENSE", "h"],
                ["PFDEBUG", "DECODE", "h"],
                ["PFDEBUG", "encoding", "h"],
                ["GET", "h"],
                ["PFADD", "g", "a", "b"],
                ["PFDEBUG", "GetReg", "g"],  # converts a sparse HLL first
                ["PFDEBUG", "ENCODING", "g"],
                ["GET", "g"],
                ["PFDEBUG", "GETREG", "h"],
                ["PFADD", "e"],
                ["PFDEBUG", "DECODE", "e"],
                ["SET", "empty", HEADER_SPARSE],
                ["PFDEBUG", "DECODE", "empty"],
                cmd("PFSELFTEST"),
            ]
        )


class HyperLogLogPropagationVsRedisTests(DifferentialCase, SynchronousTestCase):
    """The replication stream and keyspace notifications, as redis-server's."""

    redis_args = ("--repl-diskless-sync", "no")

    def streams(self, script: list[list[bytes]]) -> tuple[list[list[bytes]], list[list[bytes]]]:
        return sync_events(self.redis_server.port, script), sync_events(
            self.replkv_server.port, script
        )

    def test_propagation(self) -> None:
        script = [
            [b"PFADD", b"h", b"a", b"b"],
            [b"PFADD", b"h", b"a"],  # nothing changed: not propagated
            [b"pfcount", b"h"],  # refreshes the cache: propagated
            [b"PFCOUNT", b"h"],  # served from the cache: not propagated
            [b"PFCOUNT", b"h", b"nokey"],  # a temporary merge: not propagated
            [b"PFADD", b"h2"],
            [b"PFMERGE", b"m", b"h", b"h2"],
            [b"PFMERGE", b"m"],
            [b"PFDEBUG", b"GETREG", b"m"],  # converted to dense: propagated
            [b"PFDEBUG", b"GETREG", b"m"],
            [b"PFDEBUG", b"TODENSE", b"h"],
            [b"PFDEBUG", b"TODENSE", b"h"],
            [b"PFDEBUG", b"ENCODING", b"h2"],
            [b"PFDEBUG", b"DECODE", b"h2"],
            [b"SET", b"s", b"x"],
            [b"PFADD", b"s", b"a"],
            [b"SET", b"c", HEADER_SPARSE + b"\x7f\x00"],
            [b"PFCOUNT", b"c"],
        ]
        expected, actual = self.streams(script)
        self.assertEqual(actual, expected)

    def test_notifications(self) -> None:
        script = [
            [b"PFADD", b"h", b"a"],
            [b"PFADD", b"h", b"a"],
            [b"PFCOUNT", b"h"],
            [b"PFMERGE", b"m", b"h"],
            [b"PFMERGE", b"new", b"nokey"],
            [b"PFDEBUG", b"TODENSE", b"h"],
            [b"PFADD", b"h", b"b"],
            [b"PFCOUNT", b"h", b"m"],
        ]
        self.assertSameReplies([["CONFIG", "SET", "notify-keyspace-events", "KEA"]])
        seen = self.assertSameNotifications(script)
        self.assertIn(b"pfadd", b"".join(raw for raws in seen for raw in raws))
