"""SORT, SORT_RO, MEMORY and DEBUG PROTOCOL compared with redis-server 7.0.

SORT replies are byte for byte wherever Redis's order is forced; SORT of a
hashtable-encoded set BY a constant pattern answers in Redis's dict order, and is
compared as a multiset. Lists are left out until the list commands exist (LPUSH/RPUSH
are needed to build one on both servers); the list cases are unit tests on deques.
"""

from __future__ import annotations

import socket
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, any_integer, cmd, shape_only, unordered
from tests.support.resp_client import encode_command, parse_reply

DEBUG_ON = ("--enable-debug-command", "yes")
HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])
NOT_DOUBLE = b"-ERR One or more scores can't be converted into double\r\n"
WEIGHTS = {
    b"a": b"3",
    b"b": b"1.5",
    b"c": b"-2",
    b"d": b"0x10",
    b"e": b"",
    b"f": b" 7",
    b"g": b"1\x00junk",
    b"h": b"-inf",
}
BAD_WEIGHTS = [b"x", b"1 ", b"nan", b"1e400", b"1e-310", b" ", b"--1", b"0x"]


def u(*args: Any) -> Any:
    return cmd(*args, normalise=unordered)


class SortVsRedisTests(DifferentialCase, SynchronousTestCase):
    def setup_data(self) -> None:
        self.assertSameReplies(
            [
                ["SADD", "s", *WEIGHTS],
                ["SADD", "nums", "10", "9", "-3", "100", "0"],
                ["SADD", "mixed", "10", "9", "1e2", "-1.5", "inf", "007"],
                ["ZADD", "z", "3", "a", "1", "b", "2", "c", "2", "d"],
                ["ZADD", "zn", "1", "30", "2", "20", "3", "10"],
                *[["SET", b"w_" + k, v] for k, v in WEIGHTS.items()],
                *[["HSET", b"h_" + k, "f", v, "name", b"N" + k] for k, v in WEIGHTS.items()],
                ["SET", "str", "x"],
            ]
        )

    def test_numeric_and_alpha(self) -> None:
        self.setup_data()
        self.assertSameReplies(
            [
                ["SORT", "nums"],
                ["SORT", "nums", "DESC"],
                ["SORT", "mixed"],
                ["SORT", "mixed", "desc", "asc"],
                ["SORT", "mixed", "ALPHA"],
                ["SORT", "mixed", "ALPHA", "DESC", "LIMIT", "1", "3"],
                ["SORT", "s", "ALPHA"],
                ["SORT", "s"],
                ["SORT", "zn"],
                ["SORT", "zn", "DESC"],
                ["SORT", "z", "ALPHA"],
                ["SORT", "z"],
                ["SORT_RO", "nums", "LIMIT", "1", "2"],
                ["SORT", "nosuch"],
                ["SORT", "nosuch", "ALPHA", "DESC"],
                ["OBJECT", "ENCODING", "z"],
                ["OBJECT", "ENCODING", "zn"],
            ]
        )

    def test_limits(self) -> None:
        self.setup_data()
        limits = [("0", "0"), ("-5", "2"), ("1", "-1"), ("4", "1"), ("5", "1"), ("2", "100"),
                  ("9223372036854775807", "1"), ("0", "-9223372036854775808")]  # fmt: skip
        self.assertSameReplies(
            [
                *[["SORT", "nums", "LIMIT", a, b] for a, b in limits],
                *[["SORT", "z", "BY", "nosort", "LIMIT", a, b] for a, b in limits],
                *[["SORT", "z", "BY", "nosort", "DESC", "LIMIT", a, b] for a, b in limits],
                *[["SORT", "s", "BY", "w_*", "LIMIT", a, b] for a, b in limits],
            ]
        )

    def test_by_and_get_patterns(self) -> None:
        self.setup_data()
        self.assertSameReplies(
            [
                ["SORT", "s", "BY", "w_*"],
                ["SORT", "s", "BY", "w_*", "DESC"],
                ["SORT", "s", "BY", "h_*->f"],
                ["SORT", "s", "BY", "h_*->f", "DESC", "LIMIT", "2", "3"],
                ["SORT", "s", "BY", "h_*->name", "ALPHA"],
                ["SORT", "s", "BY", "w_*", "ALPHA"],
                u("SORT", "s", "BY", "nokey_*", "ALPHA"),  # all weights missing: any order
                ["SORT", "s", "BY", "nokey_*"],
                ["SORT", "s", "BY", "h_*->nofield"],
                ["SORT", "s", "BY", "w_*", "GET", "#", "GET", "w_*", "GET", "h_*->name"],
                ["SORT", "s", "BY", "w_*", "GET", "const", "GET", "str_*->", "GET", "h_*->"],
                ["SORT", "s", "BY", "w_*", "GET", "h_*->f", "GET", "w_*->name"],
                ["SORT", "s", "BY", "w_*", "GET", "#\x00x", "GET", "w_*\x00->f"],
                ["SORT", "zn", "BY", "w_*", "GET", "#"],
                ["SORT", "z", "BY", "nosort", "GET", "#", "GET", "h_*->name"],
                ["SORT", "z", "BY", "nosort", "DESC", "GET", "w_*"],
                ["SORT_RO", "z", "BY", "nosort", "GET", "w_*"],
                u("SORT", "s", "BY", "nosort"),
                u("SORT", "s", "BY", "const", "GET", "w_*"),
                ["SORT", "nums", "BY", "nosort"],
                ["SORT", "nums", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
                HELLO3,
                ["SORT", "s", "BY", "w_*", "GET", "#", "GET", "nokey_*", "GET", "h_*->nofield"],
                ["SORT", "s", "BY", "w_*", "LIMIT", "0", "1"],
                HELLO2,
            ]
        )

    def test_weights_as_strtod_reads_them(self) -> None:
        self.assertSameReplies(
            [
                ["SADD", "one", "m"],
                ["SADD", "two", "m", "n"],
                ["SET", "w_n", "1"],
                *[
                    step
                    for bad in BAD_WEIGHTS
                    for step in (
                        ["SET", "w_m", bad],
                        ["SORT", "one", "BY", "w_*"],
                        ["SORT", "two", "BY", "w_*", "LIMIT", "1", "1"],
                        ["SORT", "two", "BY", "w_*", "ALPHA"],
                    )
                ],
                ["ZADD", "zbad", "1", "1e-310", "2", "1"],
                ["SORT", "zbad"],
                ["SORT", "zbad", "STORE", "dst"],
                ["EXISTS", "dst"],
            ]
        )

    def test_store(self) -> None:
        self.setup_data()
        self.assertSameReplies(
            [
                ["SET", "dst", "old"],
                ["EXPIRE", "dst", "100"],
                ["SORT", "s", "BY", "w_*", "STORE", "dst"],
                ["TTL", "dst"],
                ["TYPE", "dst"],
                ["OBJECT", "ENCODING", "dst"],
                ["DEBUG", "DIGEST-VALUE", "dst"],
                ["SORT", "s", "BY", "nosort", "STORE", "dst"],
                ["DEBUG", "DIGEST-VALUE", "dst"],
                ["SORT", "mixed", "BY", "const", "DESC", "STORE", "dst", "GET", "#"],
                ["DEBUG", "DIGEST-VALUE", "dst"],
                ["SORT", "s", "BY", "w_*", "GET", "nokey_*", "GET", "#", "STORE", "dst"],
                ["DEBUG", "DIGEST-VALUE", "dst"],
                ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2", "STORE", "dst"],
                ["DEBUG", "DIGEST-VALUE", "dst"],
                ["SORT", "s", "STORE", "a", "STORE", "dst2", "ALPHA"],
                ["EXISTS", "a", "dst2"],
                ["SORT", "s", "LIMIT", "0", "0", "STORE", "dst"],
                ["EXISTS", "dst"],
                ["SORT", "nosuch", "STORE", "dst2"],
                ["EXISTS", "dst2"],
                ["SORT", "nums", "STORE", "nums"],
                ["TYPE", "nums"],
                ["DEBUG", "DIGEST-VALUE", "nums"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_errors(self) -> None:
        self.setup_data()
        self.assertSameReplies(
            [
                ["SORT", "str"],
                ["SORT", "w_a"],
                ["SORT", "h_a"],
                ["SORT", "s", "LIMIT", "1"],
                ["SORT", "s", "LIMIT", "a", "1"],
                ["SORT", "s", "LIMIT", "1", "b"],
                ["SORT", "s", "LIMIT", "1.5", "1"],
                ["SORT", "s", "STORE"],
                ["SORT", "s", "BY"],
                ["SORT", "s", "GET"],
                ["SORT", "s", "junk"],
                ["SORT", "str", "junk"],
                ["SORT", "str", "LIMIT", "x", "1"],
                ["SORT_RO", "s", "STORE", "dst"],
                ["SORT_RO", "str"],
                ["SORT"],
                ["SORT_RO"],
                ["SORT", "s", "GET", "#"],
                ["EXISTS", "dst"],
            ]
        )

    def test_introspection(self) -> None:
        self.assertSameReplies(
            [
                ["COMMAND", "INFO", "sort", "sort_ro"],
                HELLO3,
                ["COMMAND", "INFO", "sort", "sort_ro", "memory|usage"],
                HELLO2,
                *[
                    ["COMMAND", "GETKEYS", *argv]
                    for argv in [
                        ["sort", "a", "by", "x", "store", "b", "get", "y"],
                        ["sort", "a", "store", "b", "store", "c"],
                        ["sort", "a", "limit", "0", "store"],
                        ["sort", "a", "limit", "store", "b", "1"],
                        ["sort", "a", "get", "store", "b"],
                        ["sort", "a", "store", "get", "x"],
                        ["sort", "a", "STORE", "b", "get"],
                        ["sort_ro", "a", "store", "b"],
                        ["sort"],
                        ["memory", "usage", "k"],
                        ["memory", "usage", "k", "samples", "2"],
                    ]
                ],
                ["COMMAND", "GETKEYSANDFLAGS", "sort", "a", "store", "b"],
                ["COMMAND", "GETKEYSANDFLAGS", "sort", "a"],
                ["COMMAND", "GETKEYSANDFLAGS", "sort_ro", "a", "store", "b"],
                ["COMMAND", "GETKEYSANDFLAGS", "memory", "usage", "k"],
            ]
        )


class MemoryVsRedisTests(DifferentialCase, SynchronousTestCase):
    def test_usage(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "str", "value"],
                ["SADD", "s", "a", "b"],
                ["HSET", "h", "f", "v"],
                ["ZADD", "z", "1", "a"],
                *[
                    cmd("MEMORY", "USAGE", key, *extra, normalise=any_integer)
                    for key in ("str", "s", "h", "z")
                    for extra in ((), ("SAMPLES", "0"), ("samples", "1", "SAMPLES", "3"))
                ],
                ["MEMORY", "USAGE", "nosuch"],
                ["MEMORY", "USAGE", "str", "SAMPLES", "-1"],
                ["MEMORY", "USAGE", "str", "SAMPLES", "x"],
                ["MEMORY", "USAGE", "str", "SAMPLES"],
                ["MEMORY", "USAGE", "str", "foo", "1"],
                ["MEMORY", "USAGE", "nosuch", "foo"],
                ["MEMORY", "USAGE"],
                HELLO3,
                ["MEMORY", "USAGE", "nosuch"],
                HELLO2,
            ]
        )

    def test_other_subcommands(self) -> None:
        self.assertSameReplies(
            [
                ["MEMORY", "HELP"],
                ["MEMORY", "PURGE"],
                ["MEMORY", "DOCTOR"],
                cmd("MEMORY", "MALLOC-STATS", normalise=lambda raw: raw[:1]),
                cmd("MEMORY", "STATS", normalise=stats_layout),
                ["SET", "k", "v"],
                ["SELECT", "3"],
                ["SET", "k", "v"],
                cmd("MEMORY", "STATS", normalise=stats_layout),
                ["MEMORY", "foo"],
                ["MEMORY"],
                ["MEMORY", "DOCTOR", "x"],
                ["MEMORY", "PURGE", "x"],
                ["MEMORY", "STATS", "x"],
                HELLO3,
                cmd("MEMORY", "STATS", normalise=stats_layout),
                ["MEMORY", "DOCTOR"],
                cmd("MEMORY", "MALLOC-STATS", normalise=lambda raw: raw[:1]),
                HELLO2,
            ]
        )

    def test_redis_py_memory_usage(self) -> None:
        import redis

        for server in (self.redis_server, self.replkv_server):
            client = redis.Redis(port=server.port)
            self.addCleanup(client.close)
            client.set("k", "v" * 100)
            usage = client.memory_usage("k")
            self.assertIsInstance(usage, int)
            self.assertGreater(usage, 100)
            self.assertIsNone(client.memory_usage("nosuch"))
            self.assertEqual(client.memory_usage("k", samples=0), usage)


def stats_layout(raw: bytes) -> bytes:
    """MEMORY STATS reduced to its field names and the reply types of their values."""
    if raw[:1] not in (b"*", b"%"):
        return raw
    items: Any = parse_reply(raw)
    names = [item[0] for item in items] if raw[:1] == b"%" else items[::2]
    return shape_only(raw) + repr(names).encode()


class DebugProtocolVsRedisTests(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON
    TYPES = "string integer double bignum null array set map attrib verbatim true false".split()

    def test_each_type_in_both_protocols(self) -> None:
        script = [
            *[["DEBUG", "PROTOCOL", name] for name in self.TYPES],
            ["DEBUG", "PROTOCOL", "push"],
            ["DEBUG", "PROTOCOL", "MAP"],
            ["DEBUG", "PROTOCOL", "bogus"],
            ["DEBUG", "PROTOCOL"],
            ["DEBUG", "PROTOCOL", "string", "extra"],
        ]
        self.assertSameReplies([*script, HELLO3, *script, HELLO2])

    def test_resp3_push_then_reply(self) -> None:
        """The push and the reply after it, as raw bytes on one connection."""
        outcomes = []
        for server in (self.redis_server, self.replkv_server):
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                sock.sendall(encode_command("HELLO", "3") + encode_command("PING"))
                data = b""
                while not data.endswith(b"+PONG\r\n"):
                    data += sock.recv(65536)
                sock.sendall(encode_command("DEBUG", "PROTOCOL", "push") + encode_command("PING"))
                data = b""
                while not data.endswith(b"+PONG\r\n"):
                    data += sock.recv(65536)
                outcomes.append(data)
        self.assertEqual(outcomes[0], outcomes[1])
        self.assertTrue(outcomes[0].startswith(b">2\r\n"))
