"""Generic key commands compared byte for byte with redis-server 7.0.

SCAN cursors and RANDOMKEY picks legitimately differ: SCAN is compared by the set of
keys a full iteration returns, RANDOMKEY where only one answer is possible.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, any_integer, cmd, unordered
from tests.support.resp_client import RawClient, parse_reply

# Active expiry off on both, so expired keys stay until a command touches them.
DEBUG_ON = ("--enable-debug-command", "yes")
BINARY_KEYS = [b"nul\0key", b"crlf\r\nkey", b"", b"\xff\xfe", b"sp ace"]


def scan_all(client: RawClient, *options: object) -> tuple[list[bytes], int]:
    """Every key a full SCAN iteration returns, and how many calls it took."""
    cursor, found, calls = b"0", [], 0
    while True:
        reply = parse_reply(client.call("SCAN", cursor, *options))
        assert isinstance(reply, list), reply
        cursor, keys = reply
        found.extend(keys)
        calls += 1
        assert calls < 100_000
        if cursor == b"0":
            return found, calls


def hello3() -> object:
    """HELLO 3, whose reply holds the connection id: only its success is compared."""
    return cmd("HELLO", "3", normalise=lambda raw: raw[:1])


class KeysVsRedisTests(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def setUp(self) -> None:
        super().setUp()
        self.assertSameReplies([["DEBUG", "SET-ACTIVE-EXPIRE", "0"]])

    def test_del_unlink_exists(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "a", "1"],
                ["SET", "b", "2"],
                ["EXISTS", "a", "b", "c", "a"],
                ["DEL", "a", "c", "a"],
                ["EXISTS", "a", "b"],
                ["UNLINK", "b", "b"],
                ["DEL", "nothing"],
                ["UNLINK", "nothing"],
                ["DEL"],
                ["UNLINK"],
                ["EXISTS"],
                *[["SET", key, key] for key in BINARY_KEYS],
                ["EXISTS", *BINARY_KEYS],
                ["DEL", *BINARY_KEYS],
                ["EXISTS", *BINARY_KEYS],
            ]
        )

    def test_type_touch_dbsize(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "s", "v"],
                ["TYPE", "s"],
                ["TYPE", "missing"],
                ["TYPE"],
                ["TYPE", "a", "b"],
                ["TOUCH", "s", "missing", "s"],
                ["TOUCH"],
                ["DBSIZE"],
                ["DBSIZE", "x"],
                ["SET", b"", b""],
                ["TYPE", b""],
                ["DBSIZE"],
            ]
        )

    def test_keys_patterns(self) -> None:
        keys = ["foo", "fob", "fo", "bar", "f*o", "f\\o", "Foo", "", "x\0y", "h[a]llo"]
        patterns = [
            "*",
            "**",
            "f*",
            "fo?",
            "f[o]*",
            "f[^o]*",
            "f[a-z]b",
            "[A-Z]*",
            "*o",
            "f\\*o",
            "f\\\\o",
            "",
            "x?y",
            "x\0y",
            "h[[]a]llo",
            "[",
            "f[o",
            "*[]*",
            "h\\[a\\]llo",
            "nope",
        ]
        self.assertSameReplies(
            [["SET", key, "1"] for key in keys]
            + [cmd("KEYS", pattern, normalise=unordered) for pattern in patterns]
            + [["KEYS"], ["KEYS", "a", "b"]]
        )

    def test_keys_hides_expired(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "gone", "1", "PXAT", "1"],
                ["SET", "kept", "1"],
                ["KEYS", "*"],
                ["DBSIZE"],
                ["EXISTS", "gone"],
                ["DBSIZE"],
            ]
        )

    def test_scan_errors(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "a", "1"],
                ["SCAN", "x"],
                ["SCAN", " 1"],
                ["SCAN", "1 "],
                ["SCAN", "1.5"],
                ["SCAN", "18446744073709551616"],
                ["SCAN", "-18446744073709551616"],
                ["SCAN", "-"],
                ["SCAN", "+"],
                ["SCAN", "0", "COUNT"],
                ["SCAN", "0", "COUNT", "0"],
                ["SCAN", "0", "COUNT", "-3"],
                ["SCAN", "0", "COUNT", "x"],
                ["SCAN", "0", "COUNT", "99999999999999999999"],
                ["SCAN", "0", "MATCH"],
                ["SCAN", "0", "TYPE"],
                ["SCAN", "0", "BOGUS", "1"],
                ["SCAN", "x", "BOGUS"],
                ["SCAN", "0", "COUNT", "x", "BOGUS"],
                ["SCAN"],
            ]
        )

    def test_scan_small_database_is_one_reply(self) -> None:
        scan_unordered = _scan_normaliser
        self.assertSameReplies(
            [["SET", f"k{i}", "v"] for i in range(7)]
            + [
                cmd("SCAN", "0", normalise=scan_unordered),
                cmd("SCAN", "", normalise=scan_unordered),
                cmd("SCAN", "+0", normalise=scan_unordered),
                cmd("scan", "0", "count", "100", "match", "k[1-3]", normalise=scan_unordered),
                cmd("SCAN", "0", "TYPE", "STRING", normalise=scan_unordered),
                cmd("SCAN", "0", "TYPE", "hash", normalise=scan_unordered),
                cmd("SCAN", "0", "TYPE", "nonsense", normalise=scan_unordered),
                cmd("SCAN", "0", "MATCH", "*", "MATCH", "k1", normalise=scan_unordered),
            ]
        )

    def test_scan_full_iterations(self) -> None:
        keys = [b"key:%d" % i for i in range(300)] + BINARY_KEYS
        for client in (self.redis_client, self.replkv_client):
            for key in keys:
                client.call("SET", key, "v")
        for options in [
            (),
            ("COUNT", "1"),
            ("COUNT", "7"),
            ("COUNT", "1000"),
            ("MATCH", "key:1*"),
            ("MATCH", "*\0*", "COUNT", "3"),
            ("TYPE", "string", "COUNT", "50"),
            ("TYPE", "list"),
        ]:
            expected, _ = scan_all(self.redis_client, *options)
            actual, calls = scan_all(self.replkv_client, *options)
            self.assertEqual(sorted(actual), sorted(set(expected)), options)
            self.assertEqual(len(actual), len(set(actual)), options)

    def test_scan_hides_expired(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "gone", "1", "PXAT", "1"],
                ["SET", "kept", "1"],
                ["DBSIZE"],
                cmd("SCAN", "0", normalise=_scan_normaliser),
                ["DBSIZE"],
            ]
        )

    def test_randomkey(self) -> None:
        self.assertSameReplies(
            [
                ["RANDOMKEY"],
                ["RANDOMKEY", "x"],
                ["SET", b"only\0one", "1"],
                ["RANDOMKEY"],
                ["SET", "gone", "1", "PXAT", "1"],
            ]
        )
        # Whether RANDOMKEY happens to pick (and so delete) the expired key is chance;
        # EXISTS then deletes it for sure, so DBSIZE is comparable.
        self.assertSameReplies(
            [["RANDOMKEY"], ["RANDOMKEY"], ["EXISTS", "gone"], ["DBSIZE"], hello3()]
        )
        self.assertSameReplies([["FLUSHALL"], ["RANDOMKEY"]])

    def test_rename(self) -> None:
        self.assertSameReplies(
            [
                ["RENAME", "a", "b"],
                ["RENAME", "a", "a"],
                ["RENAMENX", "a", "b"],
                ["SET", "a", "1"],
                ["PEXPIREAT", "a", "4000000000000"],
                ["RENAME", "a", "a"],
                ["RENAMENX", "a", "a"],
                ["RENAME", "a", "b"],
                ["EXISTS", "a"],
                ["GET", "b"],
                ["PEXPIRETIME", "b"],
                ["SET", "c", "3"],
                ["RENAMENX", "b", "c"],
                ["RENAMENX", "b", "d"],
                ["PEXPIRETIME", "d"],
                ["SET", "e", "5", "PXAT", "4100000000000"],
                ["RENAME", "c", "e"],
                ["PEXPIRETIME", "e"],
                ["RENAME", b"e", b"\0\r\n"],
                ["GET", b"\0\r\n"],
                ["RENAME", "a"],
                ["RENAMENX", "a", "b", "c"],
            ]
        )

    def test_copy(self) -> None:
        self.assertSameReplies(
            [
                ["COPY", "a", "b"],
                ["SET", "a", "1", "PXAT", "4000000000000"],
                ["COPY", "a", "a"],
                ["COPY", "a", "a", "DB", "0"],
                ["COPY", "a", "b"],
                ["COPY", "a", "b"],
                ["PEXPIRETIME", "b"],
                ["SET", "a", "2"],
                ["COPY", "a", "b", "replace"],
                ["GET", "b"],
                ["PEXPIRETIME", "b"],
                ["COPY", "a", "a", "db", "3"],
                ["COPY", "a", "a", "DB", "3", "REPLACE", "REPLACE"],
                ["COPY", "a", "b", "DB", "16"],
                ["COPY", "a", "b", "DB", "-1"],
                ["COPY", "a", "b", "DB", "x"],
                ["COPY", "a", "b", "DB", "4294967296"],
                ["COPY", "a", "b", "DB"],
                ["COPY", "a", "b", "FOO"],
                ["COPY", "a", "b", "DB", "1", "DB", "2"],
                ["SELECT", "3"],
                ["GET", "a"],
                ["SELECT", "2"],
                ["GET", "b"],
                ["COPY", "a"],
                ["SELECT", "0"],
                ["SET", "n", "12"],
                ["APPEND", "n", "3"],
                ["COPY", "n", "m"],
                ["OBJECT", "ENCODING", "m"],
            ]
        )

    def test_move(self) -> None:
        self.assertSameReplies(
            [
                ["MOVE", "a", "1"],
                ["SET", "a", "1", "PXAT", "4000000000000"],
                ["MOVE", "a", "0"],
                ["MOVE", "a", "16"],
                ["MOVE", "a", "-1"],
                ["MOVE", "a", "x"],
                ["MOVE", "a", "4294967296"],
                ["MOVE", "a", "01"],
                ["MOVE", "a", "1"],
                ["MOVE", "a", "1"],
                ["SELECT", "1"],
                ["PEXPIRETIME", "a"],
                ["SET", "b", "x"],
                ["SELECT", "0"],
                ["SET", "b", "y"],
                ["MOVE", "b", "1"],
                ["GET", "b"],
                ["MOVE", "a"],
            ]
        )

    def test_flush(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "a", "1"],
                ["SELECT", "1"],
                ["SET", "b", "1"],
                ["FLUSHDB", "foo"],
                ["FLUSHDB", "sync", "async"],
                ["FLUSHDB", "ASYNC"],
                ["DBSIZE"],
                ["SELECT", "0"],
                ["DBSIZE"],
                ["FLUSHDB", "sync"],
                ["DBSIZE"],
                ["SET", "a", "1"],
                ["SELECT", "9"],
                ["SET", "b", "1"],
                ["FLUSHALL", "bogus"],
                ["FLUSHALL", "Async"],
                ["DBSIZE"],
                ["SELECT", "0"],
                ["DBSIZE"],
                ["FLUSHALL", "SYNC"],
                ["FLUSHALL"],
            ]
        )

    def test_swapdb(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "a", "0"],
                ["SELECT", "1"],
                ["SET", "b", "1"],
                ["SWAPDB", "0", "1"],
                ["GET", "a"],
                ["GET", "b"],
                ["SWAPDB", "1", "1"],
                ["GET", "a"],
                ["SWAPDB", "x", "1"],
                ["SWAPDB", "1", "x"],
                ["SWAPDB", "x", "y"],
                ["SWAPDB", "0", "16"],
                ["SWAPDB", "-1", "0"],
                ["SWAPDB", "0", "4294967296"],
                ["SWAPDB", "4294967296", "x"],
                ["SWAPDB", "0"],
            ]
        )

    def test_object(self) -> None:
        values = [
            "0",
            "1",
            "9999",
            "10000",
            "-1",
            "123456789012345678",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "0123",
            "+1",
            "-0",
            " 1",
            "1.5",
            "",
            "x" * 44,
            "x" * 45,
            "x" * 100,
            "\0",
            "12345678901234567890",
        ]
        script: list = []
        for i, value in enumerate(values):
            script += [
                ["SET", f"v{i}", value],
                ["OBJECT", "ENCODING", f"v{i}"],
                ["OBJECT", "REFCOUNT", f"v{i}"],
            ]
        script += [
            ["INCR", "counter"],
            ["OBJECT", "ENCODING", "counter"],
            ["OBJECT", "REFCOUNT", "counter"],
            ["SET", "app", "12"],
            ["APPEND", "app", "3"],
            ["OBJECT", "ENCODING", "app"],
            ["OBJECT", "encoding", "missing"],
            ["OBJECT", "REFCOUNT", "missing"],
            ["OBJECT", "IDLETIME", "missing"],
            ["OBJECT", "FREQ", "missing"],
            cmd("OBJECT", "IDLETIME", "v1", normalise=any_integer),
            ["OBJECT", "FREQ", "v1"],
            ["OBJECT", "HELP"],
            ["object", "help"],
            ["OBJECT", "HELP", "x"],
            ["OBJECT", "nope"],
            ["OBJECT"],
            ["OBJECT", "ENCODING"],
            ["OBJECT", "ENCODING", "a", "b"],
            hello3(),
            ["OBJECT", "ENCODING", "missing"],
            ["OBJECT", "HELP"],
        ]
        self.assertSameReplies(script)

    def test_refcount_inside_exec(self) -> None:
        # EXEC holds the queued arguments until it ends, and a stored value is one of them.
        self.assertSameReplies(
            [
                ["SET", "before", "hello"],
                ["MULTI"],
                ["SET", "a", "hello"],
                ["MSET", "b", "12345", "c", "xyz"],
                ["APPEND", "d", "tail"],
                ["GETSET", "e", "long value"],
                ["SET", "f", "7"],
                ["INCR", "b"],
                ["RENAME", "c", "g"],
                *[["OBJECT", "REFCOUNT", key] for key in "abdefg"],
                ["OBJECT", "REFCOUNT", "before"],
                ["EXEC"],
                *[["OBJECT", "REFCOUNT", key] for key in "adeg"],
            ]
        )

    def test_object_freq_under_lfu(self) -> None:
        self.assertSameReplies(
            [
                ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
                ["SET", "k", "v"],
                ["OBJECT", "FREQ", "k"],
                ["OBJECT", "IDLETIME", "k"],
                ["OBJECT", "FREQ", "missing"],
                ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
            ]
        )

    def test_binary_keys_everywhere(self) -> None:
        script: list = []
        for key in BINARY_KEYS:
            script += [
                ["SET", key, b"v\0\r\n"],
                ["TYPE", key],
                ["OBJECT", "ENCODING", key],
                ["COPY", key, key + b"copy"],
                ["RENAME", key + b"copy", key + b"renamed"],
                ["MOVE", key + b"renamed", "2"],
                ["EXISTS", key, key + b"copy", key + b"renamed"],
                ["DEL", key],
            ]
        self.assertSameReplies(script)


def _scan_normaliser(raw: bytes) -> bytes:
    """A SCAN reply with its key list sorted (the cursor is kept: 0 means done)."""
    reply = parse_reply(raw)
    if not isinstance(reply, list):
        return raw
    cursor, keys = reply
    return repr((cursor, sorted(keys))).encode()
