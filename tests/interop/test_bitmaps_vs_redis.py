"""Bitmap commands compared byte for byte with redis-server 7.0: replies, errors,
encodings, keyspace notifications and the replication stream."""

from __future__ import annotations

import random
from collections.abc import Sequence

from twisted.trial.unittest import SkipTest, SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd
from tests.support.replication import sync_events
from tests.support.resp_client import Arg

DEBUG_ON = ("--enable-debug-command", "yes")
# A replica connection that syncs with plain SYNC gets the snapshot as one bulk.
SYNC_ARGS = ("--repl-diskless-sync", "no")
HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])
SAMPLES = {
    "s": b"\xff\xf0\x00\x0f\x01\x80",
    "ff": b"\xff\xff\xff",
    "zz": b"\x00\x00\x00",
    "one": b"\x01",
    "e": b"",
    "n": b"12",  # an int-encoded string: its bits are its digits'
}
SETUP: list[Sequence[Arg]] = [["SET", key, value] for key, value in SAMPLES.items()] + [
    ["RPUSH", "l", "a"]
]
TYPES = ["i1", "i2", "i8", "i13", "i63", "i64", "u1", "u2", "u8", "u13", "u62", "u63"]


def limits(kind: str) -> tuple[int, int]:
    bits = int(kind[1:])
    if kind[0] == "i":
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def clamp64(value: int) -> int:
    return max(-(1 << 63), min((1 << 63) - 1, value))


class BitmapsVsRedisTests(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON + SYNC_ARGS
    replkv_args = DEBUG_ON + SYNC_ARGS

    def both_protocols(self, commands: Sequence[Sequence[Arg]]) -> None:
        self.assertSameReplies([*SETUP, *commands])
        self.assertSameReplies([HELLO3, *commands, HELLO2])

    def test_setbit_getbit(self) -> None:
        self.assertSameReplies(
            [
                *SETUP,
                ["SETBIT", "k", "7", "1"],
                ["SETBIT", "k", "7", "1"],
                ["SETBIT", "k", "7", "0"],
                ["GETBIT", "k", "7"],
                ["SETBIT", "k", "100", "1"],
                ["GET", "k"],
                ["STRLEN", "k"],
                ["GETBIT", "k", "100"],
                ["GETBIT", "k", "101"],
                ["GETBIT", "k", "1000"],
                ["GETBIT", "nokey", "3"],
                ["GETBIT", "n", "2"],  # '1' is 0x31
                ["GETBIT", "n", "3"],
                ["GETBIT", "k", "4294967295"],  # the last bit of 512 MB
                ["GETBIT", "k", "4294967296"],
                ["SETBIT", "k", "4294967296", "1"],
                ["GETBIT", "k", "-1"],
                ["GETBIT", "k", "x"],
                ["GETBIT", "k", "1.0"],
                ["GETBIT", "k", "+1"],
                ["GETBIT", "k", "#1"],
                ["SETBIT", "k", "-1", "1"],
                ["SETBIT", "k", "", "1"],
                ["SETBIT", "k", "9223372036854775807", "1"],
                ["SETBIT", "k", "9223372036854775808", "1"],
                ["SETBIT", "k", "1", "2"],
                ["SETBIT", "k", "1", "-1"],
                ["SETBIT", "k", "1", "x"],
                ["SETBIT", "k", "1", "01"],
                ["SETBIT", "k", "1", ""],
                ["SETBIT", "k", "x", "x"],
                ["SETBIT", "l", "1", "1"],
                ["SETBIT", "l", "x", "1"],
                ["SETBIT", "l", "1", "x"],
                ["GETBIT", "l", "1"],
                ["GETBIT", "l", "x"],
                ["SETBIT", "e", "0", "1"],
                ["GET", "e"],
                ["SETBIT", "new", "0", "0"],
                ["GET", "new"],
                ["SETBIT", "k"],
                ["GETBIT", "k", "1", "2"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_string_encodings(self) -> None:
        """A string a bit command writes (even to an unchanged bit) becomes raw."""
        self.assertSameReplies(
            [
                *SETUP,
                ["SETBIT", "n", "0", "0"],
                ["OBJECT", "ENCODING", "n"],
                ["GET", "n"],
                ["SET", "m", "abc"],
                ["SETBIT", "m", "0", "0"],
                ["OBJECT", "ENCODING", "m"],
                ["SETBIT", "fresh", "3", "1"],
                ["OBJECT", "ENCODING", "fresh"],
                ["SET", "m2", "7"],
                ["BITFIELD", "m2", "GET", "u8", "0"],
                ["OBJECT", "ENCODING", "m2"],
                ["BITFIELD", "m2", "OVERFLOW", "FAIL", "SET", "u8", "0", "300"],
                ["OBJECT", "ENCODING", "m2"],
                ["BITOP", "AND", "dest", "n", "n"],
                ["OBJECT", "ENCODING", "dest"],
                ["SET", "big", "x" * 50],
                ["SETBIT", "big", "1", "1"],
                ["OBJECT", "ENCODING", "big"],
                ["APPEND", "fresh", "x"],
                ["OBJECT", "ENCODING", "fresh"],
            ]
        )

    def test_bitcount(self) -> None:
        self.both_protocols(
            [
                ["BITCOUNT", "s"],
                ["BITCOUNT", "s", "0", "-1"],
                ["BITCOUNT", "s", "1", "2"],
                ["BITCOUNT", "s", "-2", "-1"],
                ["BITCOUNT", "s", "-1", "-2"],
                ["BITCOUNT", "s", "-1", "-2", "bogus"],  # 0 before the unit is read
                ["BITCOUNT", "s", "0", "1", "bogus"],
                ["BITCOUNT", "s", "5", "20", "BIT"],
                ["BITCOUNT", "s", "3", "3", "bit"],
                ["BITCOUNT", "s", "-9", "-1", "Bit"],
                ["BITCOUNT", "s", "0", "100", "BYTE"],
                ["BITCOUNT", "s", "100", "200"],
                ["BITCOUNT", "s", "-100", "-50"],
                ["BITCOUNT", "s", "-100", "100", "BIT"],
                ["BITCOUNT", "s", "0"],
                ["BITCOUNT", "s", "0", "1", "BIT", "x"],
                ["BITCOUNT", "s", "x", "1"],
                ["BITCOUNT", "s", "1", "x"],
                ["BITCOUNT", "s", "x", "1", "bogus"],
                ["BITCOUNT", "s", "9223372036854775807", "-9223372036854775808", "BIT"],
                ["BITCOUNT", "e"],
                ["BITCOUNT", "e", "0", "-1"],
                ["BITCOUNT", "e", "0", "-1", "BIT"],
                ["BITCOUNT", "n"],
                ["BITCOUNT", "nokey"],
                ["BITCOUNT", "nokey", "x"],  # a missing key is 0 before the arguments
                ["BITCOUNT", "nokey", "0", "1", "bogus"],
                ["BITCOUNT", "l"],
                ["BITCOUNT", "l", "x"],
                ["BITCOUNT"],
            ]
        )

    def test_bitpos(self) -> None:
        self.both_protocols(
            [
                ["BITPOS", "s", "0"],
                ["BITPOS", "s", "1"],
                ["BITPOS", "s", "0", "1"],
                ["BITPOS", "s", "0", "2", "2"],
                ["BITPOS", "s", "1", "2", "2"],
                ["BITPOS", "s", "1", "3", "3", "BIT"],
                ["BITPOS", "s", "0", "3", "9", "bit"],
                ["BITPOS", "s", "0", "0", "3", "BIT"],
                ["BITPOS", "s", "1", "-3", "-1", "BIT"],
                ["BITPOS", "s", "0", "-1"],
                ["BITPOS", "s", "0", "10"],
                ["BITPOS", "ff", "0"],  # no end: the first bit past the string
                ["BITPOS", "ff", "0", "0"],
                ["BITPOS", "ff", "0", "1"],
                ["BITPOS", "ff", "0", "0", "-1"],  # an end given: -1
                ["BITPOS", "ff", "0", "0", "-1", "BIT"],
                ["BITPOS", "ff", "0", "3", "-1", "BIT"],
                ["BITPOS", "ff", "0", "3", "20", "BIT"],
                ["BITPOS", "ff", "1", "5", "5", "bit"],
                ["BITPOS", "zz", "1"],  # no set bits
                ["BITPOS", "zz", "1", "1"],
                ["BITPOS", "zz", "1", "0", "-1", "BIT"],
                ["BITPOS", "zz", "0", "2", "-1", "BIT"],
                ["BITPOS", "one", "1", "0", "6", "BIT"],
                ["BITPOS", "one", "1", "0", "7", "BIT"],
                ["BITPOS", "e", "0"],
                ["BITPOS", "e", "1"],
                ["BITPOS", "e", "0", "0"],
                ["BITPOS", "nokey", "0"],
                ["BITPOS", "nokey", "1"],
                ["BITPOS", "nokey", "1", "x", "y", "z", "w"],
                ["BITPOS", "nokey", "2"],
                ["BITPOS", "s", "2"],
                ["BITPOS", "s", "-1"],
                ["BITPOS", "s", "x"],
                ["BITPOS", "s", "0", "x"],
                ["BITPOS", "s", "0", "0", "x"],
                ["BITPOS", "s", "0", "0", "0", "bogus"],
                ["BITPOS", "s", "0", "0", "x", "bogus"],  # the unit is read before the end
                ["BITPOS", "s", "0", "0", "0", "BIT", "x"],
                ["BITPOS", "l", "3"],
                ["BITPOS", "l", "1", "x"],
                ["BITPOS", "n", "0"],
                ["BITPOS", "s"],
            ]
        )

    def test_random_ranges(self) -> None:
        """BITCOUNT and BITPOS over every kind of range, against random strings."""
        rnd = random.Random(7)
        commands: list[Sequence[Arg]] = []
        for index in range(4):
            value = bytes(rnd.choice([0, 0xFF, rnd.randrange(256)]) for _ in range(index * 3 + 1))
            commands.append(["SET", "r", value])
            for _ in range(90):
                bounds = [str(rnd.randint(-30, 30)) for _ in range(2)]
                unit = rnd.choice([[], ["BIT"], ["BYTE"]])
                commands.append(["BITCOUNT", "r", *bounds, *unit])
                bit = rnd.choice(["0", "1"])
                shape = rnd.choice([bounds[:1], bounds, [*bounds, *unit]])
                commands.append(["BITPOS", "r", bit, *shape])
        self.assertSameReplies(commands)

    def test_bitop(self) -> None:
        self.both_protocols(
            [
                ["BITOP", "AND", "d", "s", "ff"],
                ["GET", "d"],
                ["BITOP", "OR", "d", "s", "one", "nokey"],  # different lengths, a missing key
                ["GET", "d"],
                ["BITOP", "xor", "d", "s", "ff", "zz", "one"],
                ["GET", "d"],
                ["BITOP", "And", "d", "s", "nokey"],
                ["GET", "d"],
                ["BITOP", "NOT", "d", "s"],
                ["GET", "d"],
                ["BITOP", "NOT", "d", "e"],
                ["EXISTS", "d"],
                ["BITOP", "NOT", "d", "s", "ff"],
                ["BITOP", "NOT", "d"],
                ["BITOP", "NAND", "d", "s"],
                ["BITOP", "AND", "d", "nokey", "e"],  # empty result: destkey deleted
                ["EXISTS", "d"],
                ["BITOP", "AND", "d", "nokey"],
                ["BITOP", "AND", "d", "l"],
                ["BITOP", "AND", "d", "s", "l"],
                ["BITOP", "AND", "l", "s"],  # the destination's type does not matter
                ["TYPE", "l"],
                ["BITOP", "OR", "d", "n", "s"],
                ["GET", "d"],
                ["BITOP", "OR", "s", "s", "ff"],  # the destination among the sources
                ["GET", "s"],
                ["SET", "t", "v", "EX", "100"],
                ["BITOP", "OR", "t", "one"],
                ["TTL", "t"],
                ["BITOP", "AND", "d"],
            ]
        )

    def test_bitfield_reads(self) -> None:
        gets = [
            arg
            for kind in TYPES
            for offset in ["0", "3", "#1", "40", "100"]
            for arg in ("GET", kind, offset)
        ]
        self.both_protocols(
            [
                ["BITFIELD", "s", *gets],
                ["BITFIELD_RO", "s", *gets],
                ["BITFIELD", "nokey", "GET", "u8", "0", "GET", "i64", "3"],
                ["BITFIELD_RO", "nokey", "GET", "u63", "100"],
                ["BITFIELD", "n", "GET", "u16", "0"],
                ["BITFIELD", "s"],
                ["BITFIELD_RO", "s"],
                ["BITFIELD", "s", "OVERFLOW", "SAT", "GET", "u8", "0"],
                ["BITFIELD", "l"],
                ["BITFIELD", "l", "GET", "u8", "0"],
                ["BITFIELD_RO", "l", "GET", "u8", "0"],
                ["BITFIELD", "l", "SET", "u8", "0", "1"],
                ["BITFIELD_RO", "l", "SET", "u8", "0", "1"],
                ["BITFIELD_RO", "s", "GET", "u8", "0", "INCRBY", "u8", "0", "1"],
                ["BITFIELD_RO", "s", "SET", "u8", "0", "1", "GET", "x8", "0"],
                ["BITFIELD_RO", "s", "OVERFLOW", "FAIL"],
                ["GET", "s"],
            ]
        )

    def test_bitfield_argument_errors(self) -> None:
        bad_types = ["u64", "i65", "u0", "i0", "x8", "", "i08", "I8", "U8", "i+8", "i-8", "i",
                     "u 8", "i8 ", "i8\x00junk", "u99999999999999999999", "i1.0"]  # fmt: skip
        bad_offsets = ["-1", "#-1", "#", "x", "1.5", "#x", "4294967296", "#536870912",
                       "#2305843009213693953", "#2305843009213693952", "##1", "+1", "01",
                       "9223372036854775808", "4294967295", "#536870911"]  # fmt: skip
        self.both_protocols(
            [
                *[["BITFIELD", "s", "GET", kind, "0"] for kind in bad_types],
                *[["BITFIELD", "s", "GET", "u8", offset] for offset in bad_offsets],
                *[["BITFIELD_RO", "s", "GET", "i64", offset] for offset in bad_offsets],
                ["BITFIELD", "s", "GET", "i64", "#67108863"],
                ["BITFIELD", "s", "GET", "i64", "#67108864"],
                ["BITFIELD", "s", "GET", "i64", "#144115188075855873"],
                ["BITFIELD", "s", "GET", "u8"],
                ["BITFIELD", "s", "GET"],
                ["BITFIELD", "s", "SET", "u8", "0"],
                ["BITFIELD", "s", "INCRBY", "u8", "0"],
                ["BITFIELD", "s", "OVERFLOW"],
                ["BITFIELD", "s", "OVERFLOW", "bogus", "GET", "u8", "0"],
                ["BITFIELD", "s", "OVERFLOW", "wrap"],
                ["BITFIELD", "s", "overflow", "Sat", "get", "u8", "0"],
                ["BITFIELD", "s", "BOGUS", "u8", "0"],
                ["BITFIELD", "s", "SET", "u8", "0", "x"],
                ["BITFIELD", "s", "SET", "u8", "0", "9223372036854775808"],
                ["BITFIELD", "s", "INCRBY", "u8", "0", "1.5"],
                ["BITFIELD", "s", "GET", "u8", "0", "SET", "x8", "0", "1"],
                ["BITFIELD", "s", "SET", "u8", "0", "1", "GET", "u8", "-1"],
                ["BITFIELD", "l", "SET", "x8", "0", "1"],  # parsing comes before the type
                ["BITFIELD"],
                ["BITFIELD_RO"],
                ["GET", "s"],
            ]
        )

    def test_bitfield_overflow_at_type_limits(self) -> None:
        commands: list[Sequence[Arg]] = []
        for kind in TYPES:
            low, high = limits(kind)
            values = sorted({clamp64(v) for v in (low - 1, low, high, high + 1, -1, 0, 1)})
            values += [-(1 << 63), (1 << 63) - 1, 1000, -1000]
            increments = [1, -1, high - low, low - high, (1 << 63) - 1, -(1 << 63), 0]
            for mode in ["WRAP", "SAT", "FAIL"]:
                for value in values:
                    commands.append(
                        [
                            "BITFIELD",
                            "f",
                            "OVERFLOW",
                            mode,
                            "SET",
                            kind,
                            "3",
                            str(value),
                            "GET",
                            kind,
                            "3",
                        ]  # fmt: skip
                    )
                for start in (low, high):
                    for step in increments:
                        commands.append(
                            [
                                "BITFIELD",
                                "f",
                                "SET",
                                kind,
                                "#1",
                                str(start),
                                "OVERFLOW",
                                mode,
                                "INCRBY",
                                kind,
                                "#1",
                                str(clamp64(step)),
                                "GET",
                                kind,
                                "#1",
                            ]  # fmt: skip
                        )
        commands += [["GET", "f"], ["DEBUG", "DIGEST"]]
        self.assertSameReplies(commands)

    def test_bitfield_mixed_operations(self) -> None:
        self.both_protocols(
            [
                [
                    "BITFIELD",
                    "g",
                    "get",
                    "u8",
                    "0",
                    "set",
                    "u8",
                    "0",
                    "1",
                    "overflow",
                    "fail",
                    "set",
                    "u4",
                    "4",
                    "100",
                    "incrby",
                    "u4",
                    "4",
                    "-1",
                    "Get",
                    "i64",
                    "6",
                ],  # fmt: skip
                [
                    "BITFIELD",
                    "g",
                    "SET",
                    "i7",
                    "5",
                    "-33",
                    "GET",
                    "i7",
                    "5",
                    "GET",
                    "u7",
                    "5",
                    "INCRBY",
                    "u13",
                    "#3",
                    "-77",
                    "GET",
                    "u13",
                    "#3",
                    "SET",
                    "i33",
                    "3",
                    "-8",
                ],  # fmt: skip
                [
                    "BITFIELD",
                    "g",
                    "INCRBY",
                    "u2",
                    "100",
                    "1",
                    "INCRBY",
                    "u2",
                    "100",
                    "1",
                    "INCRBY",
                    "u2",
                    "100",
                    "1",
                    "INCRBY",
                    "u2",
                    "100",
                    "1",
                ],  # fmt: skip
                ["BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "100", "300"],
                ["STRLEN", "f"],
                [
                    "BITFIELD",
                    "f",
                    "OVERFLOW",
                    "FAIL",
                    "SET",
                    "u8",
                    "200",
                    "300",
                    "GET",
                    "u8",
                    "200",
                ],
                ["STRLEN", "f"],
                ["GET", "g"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_offset_limit_follows_proto_max_bulk_len(self) -> None:
        self.addCleanup(self.assertSameReplies, [["CONFIG", "SET", "proto-max-bulk-len", "512mb"]])
        self.assertSameReplies(
            [
                ["CONFIG", "SET", "proto-max-bulk-len", "1mb"],
                ["SETBIT", "k", "8388608", "1"],
                ["SETBIT", "k", "8388607", "1"],
                ["STRLEN", "k"],
                ["GETBIT", "k", "8388608"],
                ["BITCOUNT", "k"],
                ["BITPOS", "k", "1"],
                ["BITPOS", "k", "0", "-1"],
                ["BITPOS", "k", "1", "-1", "-1", "BIT"],
                ["BITFIELD", "k", "GET", "u8", "8388607", "GET", "i64", "8388600"],
                ["BITFIELD", "k", "GET", "u8", "8388608"],
                ["BITFIELD", "k", "SET", "i64", "8388600", "-1", "GET", "u8", "8388600"],
                ["STRLEN", "k"],
                ["BITFIELD", "k", "SET", "u8", "#1048576", "1"],
                ["BITFIELD", "k", "SET", "u8", "#1048575", "1"],
                ["BITFIELD", "k2", "SET", "i64", "#131071", "1"],
                ["STRLEN", "k2"],
                ["BITFIELD", "k2", "SET", "i64", "#131072", "1"],
                ["BITOP", "XOR", "k3", "k", "k2"],
                ["STRLEN", "k3"],
                ["BITCOUNT", "k3"],
                ["BITCOUNT", "k3", "-3", "-1", "BIT"],
                ["DEBUG", "DIGEST"],
                ["FLUSHALL"],
            ]
        )

    def test_the_last_offset_of_512_mb(self) -> None:
        """Offset 2**32 - 1 builds a 512 MB string on each server (briefly)."""
        self.assertSameReplies(
            [
                ["SETBIT", "k", "4294967295", "1"],
                ["STRLEN", "k"],
                ["GETBIT", "k", "4294967295"],
                ["BITPOS", "k", "1", "-1"],
                ["BITFIELD", "k", "GET", "u8", "#536870911", "GET", "u1", "4294967295"],
                ["SETBIT", "k", "4294967296", "1"],
                ["DEL", "k"],
            ]
        )

    def test_wrongtype_everywhere(self) -> None:
        self.assertSameReplies(
            [
                ["SADD", "set", "a"],
                ["HSET", "h", "f", "v"],
                ["SETBIT", "set", "0", "1"],
                ["GETBIT", "h", "0"],
                ["BITCOUNT", "set"],
                ["BITCOUNT", "set", "0", "1", "BIT"],
                ["BITPOS", "h", "1"],
                ["BITOP", "OR", "d", "set"],
                ["BITOP", "NOT", "d", "h"],
                ["BITFIELD", "set", "GET", "u8", "0"],
                ["BITFIELD", "set", "INCRBY", "u8", "0", "1"],
                ["BITFIELD_RO", "h", "GET", "u8", "0"],
                ["EXISTS", "d"],
            ]
        )

    # -- notifications and propagation -----------------------------------------------

    def test_keyspace_notifications(self) -> None:
        self.assertSameReplies([*SETUP, ["CONFIG", "SET", "notify-keyspace-events", "KEA"]])
        self.addCleanup(self.assertSameReplies, [["CONFIG", "SET", "notify-keyspace-events", ""]])
        self.assertSameNotifications(
            [
                ["SETBIT", "b", "3", "1"],
                ["SETBIT", "b", "3", "1"],  # no change: nothing
                ["SETBIT", "b", "100", "0"],  # grown: notified
                ["BITFIELD", "f", "SET", "u8", "0", "1", "GET", "u8", "0"],
                ["BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "0", "300"],
                ["BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "80", "300"],
                ["BITFIELD", "f", "GET", "u8", "0"],
                ["BITOP", "AND", "d", "nokey"],
                ["BITOP", "OR", "d", "b", "f"],
                ["BITOP", "AND", "d", "nokey"],
                ["BITOP", "NOT", "d", "nokey"],
            ]
        )

    def test_propagation(self) -> None:
        """Writes are propagated as themselves, and only when they changed something."""
        script: list[Sequence[Arg]] = [
            *SETUP,
            ["SETBIT", "b", "3", "1"],
            ["SETBIT", "b", "3", "1"],
            ["SETBIT", "b", "100", "0"],
            ["SETBIT", "b", "3", "0"],
            ["SETBIT", "s", "0", "1"],
            ["SETBIT", "b", "-1", "0"],
            ["GETBIT", "b", "3"],
            ["BITFIELD", "f", "SET", "u8", "0", "1"],
            ["BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "0", "300"],  # no change
            ["BITFIELD", "f", "GET", "u8", "0"],
            ["BITFIELD_RO", "f", "GET", "u8", "0"],
            ["BITFIELD", "f", "INCRBY", "i5", "3", "100"],
            ["BITOP", "AND", "d", "nokey"],
            ["BITOP", "OR", "d", "b", "f"],
            ["BITOP", "AND", "d", "nokey"],
            ["BITOP", "NOT", "d", "l"],
            ["BITCOUNT", "d"],
            ["BITPOS", "d", "1"],
        ]
        ports = (self.redis_server.port, self.replkv_server.port)
        redis_events, replkv_events = (sync_events(port, script) for port in ports)
        self.assertEqual(replkv_events, redis_events)
        self.assertIn([b"BITOP", b"AND", b"d", b"nokey"], redis_events)

    def test_fail_that_grows_the_string_is_propagated(self) -> None:
        """A known difference: Redis grows (or creates) the string and propagates
        nothing, so its replicas differ; replkv propagates the command."""
        if self.subject_kind != "replkv":
            raise SkipTest("a difference of replkv's on purpose")
        script = [["BITFIELD", "g", "OVERFLOW", "FAIL", "SET", "u8", "16", "300"]]
        redis_events = sync_events(self.redis_server.port, script)
        replkv_events = sync_events(self.replkv_server.port, script)
        self.assertEqual(redis_events, [])
        self.assertEqual(replkv_events, [[arg.encode() for arg in script[0]]])
        self.assertSameReplies([["STRLEN", "g"], ["DEBUG", "DIGEST"]])
