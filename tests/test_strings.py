"""Unit tests for replkv.commands.strings: replies, events, and replay of the events."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from replkv.commands import registry
from tests.support.harness import START_MS, Harness

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


class NotAString:
    """A stand-in for a value of another type (lists and hashes are not ours)."""


def _has(name: bytes) -> bool:
    registry.load()
    return name in registry.COMMANDS


class StringTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.r = Harness()

    def assertReplayMatches(self) -> None:  # noqa: N802
        self.assertEqual(self.r.replay().dataset(), self.r.dataset())


class GetSetTests(StringTestCase):
    def test_plain_set_and_get(self) -> None:
        self.assertEqual(self.r("SET", "k", "v"), b"+OK\r\n")
        self.assertEqual(self.r("GET", "k"), b"$1\r\nv\r\n")
        self.assertEqual(self.r("GET", "nokey"), b"$-1\r\n")
        self.assertEqual(self.r.writes(), [[b"SET", b"k", b"v"]])

    def test_binary_safe(self) -> None:
        self.r("SET", b"k\x00\r\n", b"\x00\r\nv")
        self.assertEqual(self.r("GET", b"k\x00\r\n"), b"$4\r\n\x00\r\nv\r\n")

    def test_plain_set_drops_ttl_keepttl_keeps_it(self) -> None:
        self.r("SET", "k", "v", "EX", 100)
        self.r("SET", "k", "w", "KEEPTTL")
        self.assertEqual(self.r.db.expires[b"k"], START_MS + 100_000)
        self.r("SET", "k", "x")
        self.assertNotIn(b"k", self.r.db.expires)
        self.assertReplayMatches()

    def test_relative_expiry_propagates_as_pxat(self) -> None:
        self.r("SET", "a", "1", "EX", 10)
        self.r("SET", "b", "2", "px", 1500)
        self.r("SET", "c", "3", "EXAT", START_MS // 1000 + 50)
        self.r("SET", "d", "4", "PXAT", START_MS + 7)
        self.r("SETEX", "e", 5, "5")
        self.r("PSETEX", "f", 5, "6")
        self.assertEqual(
            self.r.writes(),
            [
                [b"SET", b"a", b"1", b"PXAT", b"%d" % (START_MS + 10_000)],
                [b"SET", b"b", b"2", b"PXAT", b"%d" % (START_MS + 1500)],
                [b"SET", b"c", b"3", b"PXAT", b"%d" % (START_MS + 50_000)],
                [b"SET", b"d", b"4", b"PXAT", b"%d" % (START_MS + 7)],
                [b"SET", b"e", b"5", b"PXAT", b"%d" % (START_MS + 5000)],
                [b"SET", b"f", b"6", b"PXAT", b"%d" % (START_MS + 5)],
            ],
        )
        self.assertReplayMatches()

    def test_past_exat_is_stored_and_expires_later(self) -> None:
        # Redis 7.0.15 propagates `SET k v PXAT 1000`; the DEL comes when the key is seen.
        self.assertEqual(self.r("SET", "k", "v", "EXAT", 1), b"+OK\r\n")
        self.assertEqual(self.r.writes(), [[b"SET", b"k", b"v", b"PXAT", b"1000"]])
        self.assertEqual(self.r("GET", "k"), b"$-1\r\n")
        self.assertEqual(self.r.writes()[-1], [b"DEL", b"k"])

    def test_get_option(self) -> None:
        self.assertEqual(self.r("SET", "k", "v", "GET"), b"$-1\r\n")
        self.assertEqual(self.r("SET", "k", "w", "get", "GET"), b"$1\r\nv\r\n")
        self.assertEqual(self.r("SET", "k", "x", "NX", "GET"), b"$1\r\nw\r\n")
        self.assertEqual(self.r("SET", "k", "y", "GET", "EX", 5), b"$1\r\nw\r\n")
        self.assertEqual(
            self.r.writes(),
            [
                [b"SET", b"k", b"v"],
                [b"SET", b"k", b"w"],
                [b"SET", b"k", b"y", b"PXAT", b"%d" % (START_MS + 5000)],
            ],
        )

    def test_get_option_keeps_a_value_named_get(self) -> None:
        self.r("SET", "get", "get", "GET")
        self.assertEqual(self.r.writes(), [[b"SET", b"get", b"get"]])

    def test_get_option_on_wrong_type(self) -> None:
        self.r.db.store(b"l", NotAString())
        self.assertEqual(self.r("SET", "l", "v", "GET"), WRONGTYPE)
        self.assertEqual(self.r("GET", "l"), WRONGTYPE)
        self.assertEqual(self.r.writes(), [])

    def test_nx_xx(self) -> None:
        self.assertEqual(self.r("SET", "k", "v", "XX"), b"$-1\r\n")
        self.assertEqual(self.r("SET", "k", "v", "NX"), b"+OK\r\n")
        self.assertEqual(self.r("SET", "k", "w", "NX"), b"$-1\r\n")
        self.assertEqual(self.r("SET", "k", "w", "xx"), b"+OK\r\n")
        self.assertEqual(
            self.r.writes(), [[b"SET", b"k", b"v", b"NX"], [b"SET", b"k", b"w", b"xx"]]
        )

    def test_option_conflicts(self) -> None:
        syntax = b"-ERR syntax error\r\n"
        for options in [
            ["NX", "XX"], ["XX", "NX"], ["EX", 1, "PX", 1], ["KEEPTTL", "EX", 1],
            ["EX", 1, "KEEPTTL"], ["EXAT", 1, "PXAT", 1], ["EX"], ["PERSIST"], ["bogus"],
            ["PX", 1, "EXAT", 1],
        ]:  # fmt: skip
            self.assertEqual(self.r("SET", "k", "v", *options), syntax, options)
        self.assertEqual(self.r("SET", "k", "v", "EX", 1, "ex", 2), b"+OK\r\n")
        self.assertEqual(self.r.db.expires[b"k"], START_MS + 2000)

    def test_invalid_expire(self) -> None:
        invalid = b"-ERR invalid expire time in 'set' command\r\n"
        self.assertEqual(self.r("SET", "k", "v", "EX", 0), invalid)
        self.assertEqual(self.r("SET", "k", "v", "PX", -1), invalid)
        self.assertEqual(self.r("SET", "k", "v", "EX", 9223372036854776), invalid)
        self.assertEqual(self.r("SET", "k", "v", "PX", 9223372036854775807), invalid)
        self.assertEqual(
            self.r("SET", "k", "v", "EX", "x"),
            b"-ERR value is not an integer or out of range\r\n",
        )
        self.assertEqual(
            self.r("SETEX", "k", 0, "v"), b"-ERR invalid expire time in 'setex' command\r\n"
        )
        self.assertEqual(
            self.r("PSETEX", "k", -3, "v"), b"-ERR invalid expire time in 'psetex' command\r\n"
        )
        self.assertEqual(self.r.writes(), [])

    def test_setnx(self) -> None:
        self.assertEqual(self.r("SETNX", "k", "v"), b":1\r\n")
        self.assertEqual(self.r("SETNX", "k", "w"), b":0\r\n")
        self.assertEqual(self.r.writes(), [[b"SETNX", b"k", b"v"]])

    def test_resp3_null(self) -> None:
        self.r.client.set_resp(3)
        self.assertEqual(self.r("GET", "k"), b"_\r\n")
        self.assertEqual(self.r("SET", "k", "v", "XX"), b"_\r\n")
        self.assertEqual(self.r("GETEX", "k"), b"_\r\n")


class GetVariantsTests(StringTestCase):
    def test_getset_propagates_as_set(self) -> None:
        self.r("SET", "k", "v", "EX", 100)
        self.assertEqual(self.r("GETSET", "k", "w"), b"$1\r\nv\r\n")
        self.assertEqual(self.r("GETSET", "n", "x"), b"$-1\r\n")
        self.assertNotIn(b"k", self.r.db.expires)
        self.assertEqual(self.r.writes()[1:], [[b"SET", b"k", b"w"], [b"SET", b"n", b"x"]])
        self.assertReplayMatches()

    def test_getdel(self) -> None:
        self.r("SET", "k", "v")
        self.assertEqual(self.r("GETDEL", "k"), b"$1\r\nv\r\n")
        self.assertEqual(self.r("GETDEL", "k"), b"$-1\r\n")
        self.assertEqual(self.r.writes(), [[b"SET", b"k", b"v"], [b"DEL", b"k"]])
        self.assertEqual(self.r.db.data, {})

    def test_getex_events(self) -> None:
        self.r("SET", "k", "v")
        self.assertEqual(self.r("GETEX", "k"), b"$1\r\nv\r\n")
        self.assertEqual(self.r("GETEX", "k", "PERSIST"), b"$1\r\nv\r\n")  # no TTL: no event
        self.r("GETEX", "k", "EX", 10)
        self.r("GETEX", "k", "PERSIST")
        self.r("GETEX", "k", "PXAT", START_MS + 99)
        self.assertEqual(
            self.r.writes(),
            [
                [b"SET", b"k", b"v"],
                [b"PEXPIREAT", b"k", b"%d" % (START_MS + 10_000)],
                [b"PERSIST", b"k"],
                [b"PEXPIREAT", b"k", b"%d" % (START_MS + 99)],
            ],
        )
        self.assertEqual(self.r.db.expires, {b"k": START_MS + 99})

    def test_getex_past_time_deletes_on_a_master(self) -> None:
        self.r("SET", "k", "v")
        self.assertEqual(self.r("GETEX", "k", "EXAT", 1), b"$1\r\nv\r\n")
        self.assertEqual(self.r.writes()[-1], [b"DEL", b"k"])
        self.assertEqual(self.r.db.data, {})

    def test_getex_past_time_with_lazyfree_unlinks(self) -> None:
        self.r.server.config.lazyfree_lazy_expire = True
        self.r("SET", "k", "v")
        self.r("GETEX", "k", "PXAT", 5)
        self.assertEqual(self.r.writes()[-1], [b"UNLINK", b"k"])

    def test_getex_errors(self) -> None:
        syntax = b"-ERR syntax error\r\n"
        self.r("SET", "k", "v")
        for options in [["KEEPTTL"], ["NX"], ["GET"], ["PERSIST", "EX", 1], ["EX", 1, "PERSIST"],
                        ["EX"], ["EX", 1, "PX", 1]]:  # fmt: skip
            self.assertEqual(self.r("GETEX", "k", *options), syntax)
        self.assertEqual(
            self.r("GETEX", "k", "EX", 0), b"-ERR invalid expire time in 'getex' command\r\n"
        )
        # A missing key answers null before the time is checked.
        self.assertEqual(self.r("GETEX", "nokey", "EX", 0), b"$-1\r\n")
        self.r.db.store(b"l", NotAString())
        self.assertEqual(self.r("GETEX", "l", "EX", 1), WRONGTYPE)
        self.assertEqual(self.r.writes(), [[b"SET", b"k", b"v"]])

    def test_getex_replay(self) -> None:
        for name in (b"pexpireat", b"persist", b"del"):
            if not _has(name):
                raise self.skipTest(f"{name.decode()} is not implemented yet")
        self.r("SET", "k", "v")
        self.r("SET", "j", "v")
        self.r("GETEX", "k", "EX", 10)
        self.r("GETEX", "j", "EXAT", 1)
        self.assertReplayMatches()

    def test_mget(self) -> None:
        self.r("MSET", "a", "1", "b", "2")
        self.r.db.store(b"l", NotAString())
        self.assertEqual(
            self.r("MGET", "a", "l", "nokey", "b"),
            b"*4\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n2\r\n",
        )


class MultiSetTests(StringTestCase):
    def test_mset_arity(self) -> None:
        self.assertEqual(
            self.r("MSET", "a", "1", "b"), b"-ERR wrong number of arguments for 'mset' command\r\n"
        )
        self.assertEqual(
            self.r("MSETNX", "a", "1", "b"),
            b"-ERR wrong number of arguments for 'msetnx' command\r\n",
        )

    def test_msetnx_all_or_nothing(self) -> None:
        self.assertEqual(self.r("MSETNX", "a", "1", "b", "2"), b":1\r\n")
        self.assertEqual(self.r("MSETNX", "c", "3", "a", "9"), b":0\r\n")
        self.assertNotIn(b"c", self.r.db.data)
        self.assertEqual(self.r.writes(), [[b"MSETNX", b"a", b"1", b"b", b"2"]])
        self.assertReplayMatches()


class CounterTests(StringTestCase):
    def test_incr_family(self) -> None:
        self.assertEqual(self.r("INCR", "n"), b":1\r\n")
        self.assertEqual(self.r("INCRBY", "n", 10), b":11\r\n")
        self.assertEqual(self.r("DECR", "n"), b":10\r\n")
        self.assertEqual(self.r("DECRBY", "n", -5), b":15\r\n")
        self.assertEqual(type(self.r.db.data[b"n"]), bytes)
        self.assertEqual(len(self.r.writes()), 4)
        self.assertReplayMatches()

    def test_incr_keeps_ttl(self) -> None:
        self.r("SET", "n", "1", "EX", 100)
        self.r("INCR", "n")
        self.assertEqual(self.r.db.expires[b"n"], START_MS + 100_000)

    def test_incr_errors(self) -> None:
        not_int = b"-ERR value is not an integer or out of range\r\n"
        for value in [" 1", "01", "-0", "1.5", "", "abc", "9223372036854775808"]:
            self.r("SET", "n", value)
            self.assertEqual(self.r("INCR", "n"), not_int, value)
        self.assertEqual(self.r("INCRBY", "m", "x"), not_int)
        self.r("SET", "n", "9223372036854775807")
        self.assertEqual(self.r("INCR", "n"), b"-ERR increment or decrement would overflow\r\n")
        self.assertEqual(
            self.r("DECRBY", "m", "-9223372036854775808"),
            b"-ERR decrement would overflow\r\n",
        )
        self.r.db.store(b"l", NotAString())
        self.assertEqual(self.r("INCR", "l"), WRONGTYPE)
        self.assertEqual([e[0] for e in self.r.writes()], [b"SET"] * 8)

    def test_incrbyfloat(self) -> None:
        self.r("SET", "f", "10.5", "EX", 100)
        self.assertEqual(self.r("INCRBYFLOAT", "f", "0.1"), b"$4\r\n10.6\r\n")
        self.assertEqual(self.r("INCRBYFLOAT", "g", "3.0e3"), b"$4\r\n3000\r\n")
        self.assertEqual(self.r.db.expires[b"f"], START_MS + 100_000)
        self.assertEqual(
            self.r.writes()[1:],
            [[b"SET", b"f", b"10.6", b"KEEPTTL"], [b"SET", b"g", b"3000", b"KEEPTTL"]],
        )
        self.assertReplayMatches()

    def test_incrbyfloat_errors(self) -> None:
        not_float = b"-ERR value is not a valid float\r\n"
        self.r("SET", "f", "abc")
        self.assertEqual(self.r("INCRBYFLOAT", "f", "1"), not_float)
        self.assertEqual(self.r("INCRBYFLOAT", "g", " 1"), not_float)
        self.assertEqual(self.r("INCRBYFLOAT", "g", "nan"), not_float)
        self.assertEqual(self.r("INCRBYFLOAT", "g", "1e5000"), not_float)
        self.assertEqual(
            self.r("INCRBYFLOAT", "g", "inf"), b"-ERR increment would produce NaN or Infinity\r\n"
        )
        self.r.db.store(b"l", NotAString())
        self.assertEqual(self.r("INCRBYFLOAT", "l", "1"), WRONGTYPE)
        self.assertEqual(len(self.r.writes()), 1)


class RawStringTests(StringTestCase):
    def test_append_grows_in_place(self) -> None:
        self.assertEqual(self.r("APPEND", "k", "ab"), b":2\r\n")
        self.assertEqual(type(self.r.db.data[b"k"]), bytes)
        self.assertEqual(self.r("APPEND", "k", "cd"), b":4\r\n")
        value = self.r.db.data[b"k"]
        self.assertEqual(type(value), bytearray)
        self.assertEqual(self.r("APPEND", "k", "ef"), b":6\r\n")
        self.assertIs(self.r.db.data[b"k"], value)
        self.assertEqual(self.r("GET", "k"), b"$6\r\nabcdef\r\n")
        self.assertEqual(self.r("APPEND", "k", ""), b":6\r\n")
        self.assertEqual(len(self.r.writes()), 4)  # an empty APPEND is propagated too
        self.assertReplayMatches()

    def test_append_empty_creates_the_key(self) -> None:
        self.assertEqual(self.r("APPEND", "k", ""), b":0\r\n")
        self.assertEqual(self.r.db.data, {b"k": b""})

    def test_string_length_limit(self) -> None:
        self.r.server.config.proto_max_bulk_len = 10
        too_long = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
        self.r("SET", "k", "12345")
        self.assertEqual(self.r("APPEND", "k", "123456"), too_long)
        self.assertEqual(self.r("SETRANGE", "k", 8, "xyz"), too_long)
        self.assertEqual(self.r("SETRANGE", "new", 10, "x"), too_long)
        self.assertEqual(self.r("APPEND", "k", "12345"), b":10\r\n")
        self.assertEqual(self.r("SETRANGE", "new", 9, "x"), b":10\r\n")

    def test_master_stream_ignores_the_length_limit(self) -> None:
        self.r.server.config.proto_max_bulk_len = 10
        self.r("SET", "k", "12345")
        self.assertEqual(self.r.apply("APPEND", "k", "123456").errors, 0)
        self.assertEqual(self.r.db.data[b"k"], b"12345123456")

    def test_setrange(self) -> None:
        self.assertEqual(self.r("SETRANGE", "k", 0, ""), b":0\r\n")
        self.assertNotIn(b"k", self.r.db.data)
        self.assertEqual(self.r("SETRANGE", "k", 3, "ab"), b":5\r\n")
        self.assertEqual(self.r("GET", "k"), b"$5\r\n\x00\x00\x00ab\r\n")
        self.assertEqual(self.r("SETRANGE", "k", 1, "XYZWV"), b":6\r\n")
        self.assertEqual(self.r("GET", "k"), b"$6\r\n\x00XYZWV\r\n")
        self.assertEqual(self.r("SETRANGE", "k", 0, ""), b":6\r\n")
        self.assertEqual(self.r("SETRANGE", "k", -1, "x"), b"-ERR offset is out of range\r\n")
        self.assertEqual(
            self.r("SETRANGE", "k", "x", "x"), b"-ERR value is not an integer or out of range\r\n"
        )
        self.assertEqual(type(self.r.db.data[b"k"]), bytearray)
        self.assertEqual(len(self.r.writes()), 2)
        self.assertReplayMatches()

    def test_setrange_keeps_ttl(self) -> None:
        self.r("SET", "k", "hello", "EX", 10)
        self.r("SETRANGE", "k", 0, "J")
        self.assertEqual(self.r.db.expires[b"k"], START_MS + 10_000)
        self.assertEqual(self.r("GET", "k"), b"$5\r\nJello\r\n")

    def test_wrong_type(self) -> None:
        self.r.db.store(b"l", NotAString())
        for argv in [["APPEND", "l", "x"], ["SETRANGE", "l", 0, "x"], ["STRLEN", "l"],
                     ["GETRANGE", "l", 0, 1], ["GETDEL", "l"], ["GETSET", "l", "x"]]:  # fmt: skip
            self.assertEqual(self.r(*argv), WRONGTYPE, argv)
        self.assertEqual(self.r.writes(), [])

    def test_strlen(self) -> None:
        self.r("SET", "k", "hello")
        self.assertEqual(self.r("STRLEN", "k"), b":5\r\n")
        self.assertEqual(self.r("STRLEN", "nokey"), b":0\r\n")

    def test_getrange(self) -> None:
        self.r("SET", "k", "This is a string")
        cases = {
            (0, 3): b"This", (-3, -1): b"ing", (0, -1): b"This is a string",
            (10, 100): b"string", (5, 2): b"", (-1, -5): b"", (-100, -200): b"",
            (-100, 2): b"Thi", (100, 200): b"",
        }  # fmt: skip
        for (start, end), expected in cases.items():
            self.assertEqual(self.r("GETRANGE", "k", start, end), b"$%d\r\n%b\r\n" % (
                len(expected), expected), (start, end))  # fmt: skip
        self.assertEqual(self.r("SUBSTR", "k", 0, 3), b"$4\r\nThis\r\n")
        self.assertEqual(self.r("GETRANGE", "nokey", 0, -1), b"$0\r\n\r\n")
        self.r("SET", "e", "")
        self.assertEqual(self.r("GETRANGE", "e", 0, -1), b"$0\r\n\r\n")


class LcsTests(StringTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.r("MSET", "a", "ohmytext", "b", "mynewtext")

    def test_string_and_len(self) -> None:
        self.assertEqual(self.r("LCS", "a", "b"), b"$6\r\nmytext\r\n")
        self.assertEqual(self.r("LCS", "a", "b", "LEN"), b":6\r\n")
        self.assertEqual(self.r("LCS", "a", "nokey"), b"$0\r\n\r\n")

    def test_idx_resp2(self) -> None:
        self.assertEqual(
            self.r("LCS", "a", "b", "IDX", "MINMATCHLEN", 4, "WITHMATCHLEN"),
            b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
            b"$3\r\nlen\r\n:6\r\n",
        )
        self.assertEqual(
            self.r("LCS", "a", "b", "IDX"),
            b"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            b"*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
        )

    def test_idx_resp3_is_a_map(self) -> None:
        self.r.client.set_resp(3)
        self.assertTrue(self.r("LCS", "a", "b", "IDX").startswith(b"%2\r\n$7\r\nmatches\r\n"))

    def test_errors(self) -> None:
        self.assertEqual(
            self.r("LCS", "a", "b", "LEN", "IDX"),
            b"-ERR If you want both the length and indexes, please just use IDX.\r\n",
        )
        self.assertEqual(self.r("LCS", "a", "b", "MINMATCHLEN"), b"-ERR syntax error\r\n")
        self.assertEqual(
            self.r("LCS", "a", "b", "MINMATCHLEN", "x"),
            b"-ERR value is not an integer or out of range\r\n",
        )
        self.r.db.store(b"l", NotAString())
        self.assertEqual(
            self.r("LCS", "a", "l"), b"-ERR The specified keys must contain string values\r\n"
        )

    def test_transient_memory_limit(self) -> None:
        self.r.server.config.proto_max_bulk_len = 1000
        self.r("MSET", "x", "a" * 15, "y", "b" * 15)
        self.assertEqual(
            self.r("LCS", "x", "y"),
            b"-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n",
        )
