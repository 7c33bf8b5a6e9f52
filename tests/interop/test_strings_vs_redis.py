"""String commands compared byte for byte with redis-server 7.0."""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd
from tests.support.resp_client import Arg

BINARY = [b"nul\0value", b"crlf\r\nvalue", b"", b"\xff\xfe", b"sp ace"]
# Redis prints the LCS IDX reply as a map: compare in both protocols.
HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])


def _float_operands(seed: int, count: int) -> list[bytes]:
    """Varied INCRBYFLOAT operands: plain, long, exponent, hex, edge and garbage."""
    rnd = random.Random(seed)
    fixed = [
        b"inf", b"-inf", b"nan", b"1e", b".5", b"5.", b".", b"+.5e-3", b"1_0", b" 1", b"1 ",
        b"0x", b"0x.8", b"-0", b"infinity", b"1e-4951", b"1e-4950", b"3.6e-4951",
        b"1.18973149535723176502e+4932", b"1.2e4932", b"12\0abc", b"0.1", b"10.5",
    ]  # fmt: skip
    out = []
    for _ in range(count):
        kind = rnd.randrange(8)
        if kind == 0:
            out.append(b"%d" % rnd.randrange(-(10**6), 10**6))
        elif kind == 1:
            out.append(b"%.*f" % (rnd.randrange(0, 20), rnd.uniform(-1000, 1000)))
        elif kind == 2:
            out.append(repr(rnd.uniform(-1, 1)).encode())
        elif kind == 3:
            out.append(b"%de%d" % (rnd.randrange(1, 10**5), rnd.randrange(-4960, 4940)))
        elif kind == 4:
            out.append(
                b"0x%xp%d" % (rnd.getrandbits(rnd.randrange(1, 80)), rnd.randrange(-16500, 16400))
            )
        elif kind == 5:
            out.append(b"0.%0*d" % (rnd.randrange(1, 40), rnd.randrange(10**15)))
        elif kind == 6:
            out.append(b"%.17g" % rnd.uniform(-1e20, 1e20))
        else:
            out.append(rnd.choice(fixed))
    return out


class StringsVsRedisTests(DifferentialCase, SynchronousTestCase):
    def need_lists(self) -> None:
        """Wrong-type cases need a list; skip them until replkv has LPUSH."""
        if self.replkv_client.call("LPUSH", "list", "x").startswith(b"-ERR unknown command"):
            raise self.skipTest("replkv has no LPUSH yet")
        self.redis_client.call("LPUSH", "list", "x")

    def test_get_set(self) -> None:
        self.assertSameReplies(
            [
                ["GET", "k"],
                ["SET", "k", "v"],
                ["GET", "k"],
                *[["SET", value, value] for value in BINARY],
                *[["GET", value] for value in BINARY],
                ["SET", "k", "w", "GET"],
                ["SET", "k", "x", "get", "GET", "nx"],
                ["SET", "k", "x", "XX", "GET"],
                ["SET", "new", "x", "XX", "GET"],
                ["SET", "new", "x", "XX"],
                ["SET", "new", "x", "NX"],
                ["SET", "new", "y", "NX"],
                ["SET", "k", "v", "EX", "100"],
                ["TTL", "k"],
                ["SET", "k", "w", "KEEPTTL"],
                ["TTL", "k"],
                ["SET", "k", "w"],
                ["TTL", "k"],
                ["SET", "k", "v", "px", "100000", "GET"],
                ["TTL", "k"],
                ["SET", "k", "v", "EX", "10", "EX", "100"],
                ["TTL", "k"],
                ["SET", "k", "v", "EXAT", "4102444800"],
                ["TTL", "k"],
                ["SET", "k", "v", "PXAT", "4102444800000"],
                ["TTL", "k"],
                ["SET", "old", "v", "EXAT", "1"],
                ["GET", "old"],
                ["SET", "old", "v", "PXAT", "1", "GET"],
                ["EXISTS", "old"],
            ]
        )

    def test_set_errors(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "k"],
                ["GET"],
                ["GET", "a", "b"],
                ["SET", "k", "v", "NX", "XX"],
                ["SET", "k", "v", "xx", "nx"],
                ["SET", "k", "v", "EX", "1", "PX", "1"],
                ["SET", "k", "v", "KEEPTTL", "EX", "1"],
                ["SET", "k", "v", "PXAT", "1", "KEEPTTL"],
                ["SET", "k", "v", "EXAT", "1", "PXAT", "1"],
                ["SET", "k", "v", "EX"],
                ["SET", "k", "v", "PERSIST"],
                ["SET", "k", "v", "bogus"],
                ["SET", "k", "v", "EX", "abc"],
                ["SET", "k", "v", "EX", "0"],
                ["SET", "k", "v", "EX", "-1"],
                ["SET", "k", "v", "PX", "0"],
                ["SET", "k", "v", "EX", "9223372036854776"],
                ["SET", "k", "v", "EXAT", "9223372036854776"],
                ["SET", "k", "v", "PX", "9223372036854775807"],
                ["SET", "k", "v", "PXAT", "9223372036854775807"],
                ["SET", "k", "v", "EX", "1.5"],
                ["SET", "k", "v", "EX", " 1"],
                ["EXISTS", "k"],
            ]
        )

    def test_setnx_setex_psetex(self) -> None:
        self.assertSameReplies(
            [
                ["SETNX", "k", "v"],
                ["SETNX", "k", "w"],
                ["GET", "k"],
                ["SETNX", "k"],
                ["SETEX", "s", "100", "v"],
                ["TTL", "s"],
                ["GET", "s"],
                ["PSETEX", "s", "200000", "w"],
                ["TTL", "s"],
                ["SETEX", "s", "0", "v"],
                ["SETEX", "s", "-1", "v"],
                ["SETEX", "s", "x", "v"],
                ["PSETEX", "s", "0", "v"],
                ["SETEX", "s", "9223372036854776", "v"],
                ["SETEX", "s", "1"],
                ["PSETEX", "s", "1", "v", "x"],
            ]
        )

    def test_mget_mset_msetnx(self) -> None:
        self.assertSameReplies(
            [
                ["MSET", "a", "1", "b", "2"],
                ["MSET", "a", "1", "b"],
                ["MSET", "a"],
                ["MGET", "a", "b", "nokey", "a"],
                ["MGET"],
                ["MSETNX", "a", "1", "c", "3"],
                ["MGET", "c"],
                ["MSETNX", "c", "3", "d", "4"],
                ["MSETNX", "c", "3", "d"],
                ["MSETNX", "e", "5", "e", "6"],
                ["MGET", "c", "d", "e"],
                ["MSET", *[x for value in BINARY for x in (value, value)]],
                ["MGET", *BINARY],
            ]
        )

    def test_getset_getdel_getex(self) -> None:
        self.assertSameReplies(
            [
                ["GETSET", "k", "v"],
                ["GETSET", "k", "w"],
                ["SET", "t", "v", "EX", "100"],
                ["GETSET", "t", "w"],
                ["TTL", "t"],
                ["GETDEL", "k"],
                ["GETDEL", "k"],
                ["GETDEL", "k", "x"],
                ["GETEX", "nokey"],
                ["GETEX", "nokey", "EX", "0"],
                ["SET", "k", "v"],
                ["GETEX", "k"],
                ["GETEX", "k", "EX", "100"],
                ["TTL", "k"],
                ["GETEX", "k", "PERSIST"],
                ["TTL", "k"],
                ["GETEX", "k", "persist"],
                ["GETEX", "k", "px", "200000"],
                ["TTL", "k"],
                ["GETEX", "k", "EXAT", "4102444800"],
                ["TTL", "k"],
                ["GETEX", "k", "PXAT", "4102444800000"],
                ["TTL", "k"],
                ["GETEX", "k", "EX", "0"],
                ["GETEX", "k", "EX", "-1"],
                ["GETEX", "k", "EX", "abc"],
                ["GETEX", "k", "PX", "9223372036854775807"],
                ["GETEX", "k", "EX", "1", "PERSIST"],
                ["GETEX", "k", "PERSIST", "EX", "1"],
                ["GETEX", "k", "KEEPTTL"],
                ["GETEX", "k", "NX"],
                ["GETEX", "k", "GET"],
                ["GETEX", "k", "EX"],
                ["GETEX", "k", "EX", "10", "PX", "10"],
                ["GETEX", "k", "EXAT", "1"],
                ["EXISTS", "k"],
                ["SET", "k", "v"],
                ["GETEX", "k", "PXAT", "1"],
                ["GET", "k"],
                ["GETEX"],
            ]
        )

    def test_counters(self) -> None:
        commands: list[list[Arg]] = [
            ["INCR", "n"],
            ["INCR", "n"],
            ["DECR", "n"],
            ["INCRBY", "n", "10"],
            ["DECRBY", "n", "-5"],
            ["INCRBY", "n", "abc"],
            ["INCRBY", "n", "1.5"],
            ["DECRBY", "n", "-9223372036854775808"],
            ["DECRBY", "n", "9223372036854775807"],
            ["INCRBY", "n", "9223372036854775807"],
            ["SET", "n", "9223372036854775807"],
            ["INCR", "n"],
            ["SET", "n", "-9223372036854775808"],
            ["DECR", "n"],
            ["INCRBY", "n", "-1"],
            ["INCRBY", "n", "9223372036854775807"],
            ["INCR"],
            ["INCRBY", "n"],
            ["SET", "t", "5", "EX", "100"],
            ["INCR", "t"],
            ["TTL", "t"],
        ]
        for value in [" 1", "1 ", "01", "-0", "+1", "1.5", "", "abc", "9223372036854775808",
                      "\x001", "1\x00", "-9223372036854775809", "00"]:  # fmt: skip
            commands += [["SET", "n", value], ["INCR", "n"], ["GET", "n"]]
        self.assertSameReplies(commands)

    def test_incrbyfloat(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "f", "10.5"],
                ["INCRBYFLOAT", "f", "0.1"],
                ["INCRBYFLOAT", "f", "-5.0e3"],
                ["INCRBYFLOAT", "new", "3.0e3"],
                ["INCRBYFLOAT", "new", "abc"],
                ["INCRBYFLOAT", "new", "inf"],
                ["INCRBYFLOAT", "new", "1e5000"],
                ["SET", "f", "abc"],
                ["INCRBYFLOAT", "f", "1"],
                ["SET", "f", "1e308"],
                ["INCRBYFLOAT", "f", "1e308"],
                ["SET", "t", "1", "EX", "100"],
                ["INCRBYFLOAT", "t", "0.5"],
                ["TTL", "t"],
                ["INCRBYFLOAT", "f"],
            ]
        )

    def test_incrbyfloat_random_operands(self) -> None:
        first = _float_operands(1, 300)
        second = _float_operands(2, 300)
        commands: list[list[Arg]] = []
        for a, b in zip(first, second, strict=True):
            commands += [["SET", "f", a], ["INCRBYFLOAT", "f", b], ["INCRBYFLOAT", "f", b]]
        self.assertSameReplies(commands)

    def test_append_strlen(self) -> None:
        self.assertSameReplies(
            [
                ["APPEND", "k", "hello"],
                ["APPEND", "k", " world"],
                ["GET", "k"],
                ["APPEND", "k", ""],
                ["APPEND", "empty", ""],
                ["EXISTS", "empty"],
                ["STRLEN", "empty"],
                ["STRLEN", "k"],
                ["STRLEN", "nokey"],
                ["SET", "n", "12345"],
                ["APPEND", "n", "6"],
                ["INCR", "n"],
                *[["APPEND", "b", value] for value in BINARY],
                ["GET", "b"],
                ["STRLEN", "b"],
                ["SET", "t", "x", "EX", "100"],
                ["APPEND", "t", "y"],
                ["TTL", "t"],
                ["APPEND", "k"],
                ["STRLEN"],
            ]
        )

    def test_setrange(self) -> None:
        self.assertSameReplies(
            [
                ["SETRANGE", "k", "0", ""],
                ["EXISTS", "k"],
                ["SETRANGE", "k", "5", "hi"],
                ["GET", "k"],
                ["SETRANGE", "k", "0", ""],
                ["SETRANGE", "k", "1", "XYZWVU"],
                ["GET", "k"],
                ["SETRANGE", "k", "-1", "x"],
                ["SETRANGE", "k", "abc", "x"],
                ["SETRANGE", "k", "9223372036854775807", "x"],
                ["SETRANGE", "k", "536870912", "x"],
                ["SETRANGE", "k", "536870911", "xx"],
                ["SETRANGE", "new", "536870912", "x"],
                ["SETRANGE", "new", "536870912", ""],
                ["SET", "n", "12345"],
                ["SETRANGE", "n", "1", "\x00\r\n"],
                ["GET", "n"],
                ["SETRANGE", "k", "0"],
            ]
        )

    def test_getrange_substr(self) -> None:
        commands: list[list[Arg]] = [
            ["SET", "k", "This is a string"],
            ["SET", "e", ""],
            ["SET", "n", "-12345"],
            ["GETRANGE", "k", "abc", "1"],
            ["GETRANGE", "k", "0", "1.5"],
            ["GETRANGE", "nokey", "0", "-1"],
            ["GETRANGE", "k", "0"],
            ["SUBSTR", "k", "0"],
            ["GETRANGE", "k", "-9223372036854775808", "9223372036854775807"],
            ["GETRANGE", "k", "9223372036854775807", "-9223372036854775808"],
        ]
        for key in ("k", "e", "n"):
            for start in (-100, -20, -17, -16, -3, -1, 0, 1, 5, 15, 16, 100):
                for end in (-100, -17, -16, -2, -1, 0, 2, 15, 16, 100):
                    commands.append(["GETRANGE", key, start, end])
            commands.append(["SUBSTR", key, 2, -2])
        self.assertSameReplies(commands)

    def test_lcs(self) -> None:
        base: list[list[Arg]] = [
            ["MSET", "a", "ohmytext", "b", "mynewtext", "x", "ABCBDAB", "y", "BDCABA"],
            ["SET", "bin", b"a\x00b\r\nc"],
            ["SET", "bin2", b"\r\nab\x00"],
        ]
        queries: list[list[Arg]] = []
        for pair in (("a", "b"), ("b", "a"), ("x", "y"), ("y", "x"), ("x", "x"),
                     ("a", "nokey"), ("nokey", "nokey2"), ("bin", "bin2")):  # fmt: skip
            queries += [
                ["LCS", *pair],
                ["LCS", *pair, "LEN"],
                ["LCS", *pair, "IDX"],
                ["LCS", *pair, "idx", "WITHMATCHLEN"],
                ["LCS", *pair, "IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"],
                ["LCS", *pair, "IDX", "minmatchlen", "-3"],
                ["LCS", *pair, "IDX", "MINMATCHLEN", "2", "MINMATCHLEN", "0"],
            ]
        errors: list[list[Arg]] = [
            ["LCS", "a", "b", "LEN", "IDX"],
            ["LCS", "a", "b", "MINMATCHLEN"],
            ["LCS", "a", "b", "MINMATCHLEN", "x"],
            ["LCS", "a", "b", "bogus"],
            ["LCS", "a"],
        ]
        self.assertSameReplies(base + queries + errors + [HELLO3] + queries + [HELLO2])

    def test_lcs_random(self) -> None:
        rnd = random.Random(7)
        commands: list[object] = []
        for i in range(200):
            if i % 50 == 0:
                commands.append(HELLO3 if i % 100 else HELLO2)
            x = bytes(rnd.choice(b"abc\0") for _ in range(rnd.randrange(14)))
            y = bytes(rnd.choice(b"abc\0") for _ in range(rnd.randrange(14)))
            options: list[Arg] = []
            for option in rnd.sample(["IDX", "WITHMATCHLEN", "MINMATCHLEN"], rnd.randrange(4)):
                options.append(option)
                if option == "MINMATCHLEN":
                    options.append(rnd.randrange(-1, 4))
            commands += [["MSET", "x", x, "y", y], ["LCS", "x", "y", *options]]
        self.assertSameReplies(commands)  # type: ignore[arg-type]

    def test_lcs_large(self) -> None:
        """~5,000-byte strings: many ranges, ties on every row, rows of many words."""
        rnd = random.Random(5000)
        x = bytes(rnd.choice(b"ab\0") for _ in range(5000))
        y = bytes(rnd.choice(b"ab\0") for _ in range(4900)) + x[1000:1200]
        z = rnd.randbytes(5003)
        queries: list[list[Arg]] = []
        for pair in (("x", "y"), ("y", "x"), ("x", "z"), ("z", "z")):
            queries += [
                ["LCS", *pair],
                ["LCS", *pair, "LEN"],
                ["LCS", *pair, "IDX"],
                ["LCS", *pair, "IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"],
            ]
        self.assertSameReplies(
            [["MSET", "x", x, "y", y, "z", z], *queries, HELLO3, *queries, HELLO2]
        )

    def test_lcs_memory_limit(self) -> None:
        self.assertSameReplies(
            [
                ["CONFIG", "SET", "proto-max-bulk-len", "1mb"],
                ["MSET", "x", "a" * 600, "y", "b" * 600],
                ["LCS", "x", "y", "LEN"],
                ["SET", "y", "b" * 400],
                ["LCS", "x", "y", "LEN"],
                ["CONFIG", "SET", "proto-max-bulk-len", "512mb"],
            ]
        )

    def test_string_too_long(self) -> None:
        self.assertSameReplies(
            [
                ["CONFIG", "SET", "proto-max-bulk-len", "1mb"],
                ["SETRANGE", "k", "1048570", "123456"],
                ["SETRANGE", "k", "1048570", "1234567"],
                ["APPEND", "k", "x"],
                ["STRLEN", "k"],
                ["CONFIG", "SET", "proto-max-bulk-len", "512mb"],
            ]
        )

    def test_wrong_type(self) -> None:
        self.need_lists()
        self.assertSameReplies(
            [
                ["GET", "list"],
                ["SET", "list", "v", "GET"],
                ["SET", "list", "v", "NX", "GET"],
                ["GETSET", "list", "v"],
                ["GETDEL", "list"],
                ["GETEX", "list", "EX", "10"],
                ["GETEX", "list", "EX", "0"],
                ["MGET", "list", "nokey"],
                ["INCR", "list"],
                ["DECRBY", "list", "2"],
                ["INCRBYFLOAT", "list", "1"],
                ["APPEND", "list", "x"],
                ["STRLEN", "list"],
                ["SETRANGE", "list", "0", "x"],
                ["SETRANGE", "list", "0", ""],
                ["SETRANGE", "list", "-1", "x"],
                ["GETRANGE", "list", "0", "1"],
                ["LCS", "list", "nokey"],
                ["LCS", "nokey", "list", "LEN", "IDX"],
                ["SETNX", "list", "v"],
                ["MSETNX", "list", "v"],
                ["SET", "list", "v"],
                ["GET", "list"],
            ]
        )
