"""Sorted set commands compared byte for byte with redis-server 7.0."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd
from tests.support.resp_client import parse_reply

DEBUG_ON = ("--enable-debug-command", "yes")
HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])
LONG = "m" * 65
SETUP = [
    ["ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d", "-inf", "lo", "+inf", "hi"],
    ["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f", "0", "g"],
    ["SET", "str", "x"],
]


def sorted_pairs(raw: bytes) -> bytes:
    """A ZRANDMEMBER / ZSCAN style reply compared as a sorted list of its items."""
    items = parse_reply(raw)
    if not isinstance(items, list):
        return raw
    return repr(sorted(repr(item) for item in items)).encode()


class ZsetsVsRedisTests(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def both_protocols(self, commands: list[list[str]]) -> None:
        self.assertSameReplies([*SETUP, *commands])
        self.assertSameReplies([HELLO3, *commands, HELLO2])

    def test_zadd_options_and_errors(self) -> None:
        self.assertSameReplies(
            [
                ["ZADD", "k", "1", "a", "2", "b"],
                ["ZADD", "k", "NX", "5", "a", "6", "c"],
                ["ZADD", "k", "XX", "5", "a", "6", "d"],
                ["ZADD", "k", "XX", "CH", "7", "a", "6", "d"],
                ["ZADD", "k", "GT", "CH", "1", "a", "8", "b"],
                ["ZADD", "k", "LT", "CH", "1", "a", "9", "b"],
                ["ZADD", "k", "GT", "XX", "CH", "100", "a", "0", "new"],
                ["ZADD", "k", "NX", "XX", "1", "a"],
                ["ZADD", "k", "GT", "LT", "1", "a"],
                ["ZADD", "k", "NX", "GT", "1", "a"],
                ["ZADD", "k", "NX", "LT", "1", "a"],
                ["ZADD", "k", "INCR", "1", "a", "2", "b"],
                ["ZADD", "k", "1"],
                ["ZADD", "k", "1", "a", "2"],
                ["ZADD", "k", "NX"],
                ["ZADD", "k", "NX", "XX"],
                ["ZADD", "k", "x", "a"],
                ["ZADD", "k", "nan", "a"],
                ["ZADD", "k", "1", "a", "nan", "b"],
                ["ZADD", "k", "", "a"],
                ["ZADD", "k", " 1", "a"],
                ["ZADD", "k", "1e400", "a"],
                ["ZADD", "k", "1e-400", "a"],
                ["ZADD", "k", "1e-320", "tiny"],
                ["ZADD", "k", "0x10", "hex"],
                ["ZADD", "k", "1_0", "a"],
                ["ZADD", "k", "-Infinity", "ninf", "+INF", "pinf", "5.", "p", ".5", "q"],
                ["ZRANGE", "k", "0", "-1", "WITHSCORES"],
                ["ZADD", "k", "INCR", "2.5", "a"],
                ["ZADD", "k", "NX", "INCR", "2.5", "a"],
                ["ZADD", "k", "XX", "INCR", "2.5", "nosuch"],
                ["ZADD", "k", "GT", "INCR", "-1", "a"],
                ["ZADD", "k", "LT", "INCR", "-1", "a"],
                ["ZADD", "k", "INCR", "-inf", "pinf"],
                ["ZADD", "k", "INCR", "inf", "ninf"],
                ["ZINCRBY", "k", "-inf", "ninf"],
                ["ZINCRBY", "k", "1", "ninf"],
                ["ZINCRBY", "k", "0.1", "a"],
                ["ZINCRBY", "k", "x", "a"],
                ["ZINCRBY", "new", "-0", "a"],
                ["ZSCORE", "new", "a"],
                ["ZADD", "k", "XX", "1", "a"],
                ["ZADD", "missing", "XX", "1", "a"],
                ["ZADD", "missing", "XX", "INCR", "1", "a"],
                ["EXISTS", "missing"],
                ["SET", "s", "v"],
                ["ZADD", "s", "1", "a"],
                ["ZADD", "s", "x", "a"],
                ["ZINCRBY", "s", "1", "a"],
                ["ZADD", "K", "1", "a", "1", "a", "2", "a"],
                ["ZRANGE", "K", "0", "-1", "WITHSCORES"],
                ["ZADD"],
                ["ZADD", "k"],
                ["ZINCRBY", "k", "1"],
                ["DEBUG", "DIGEST"],
            ]
        )
        self.assertSameReplies(
            [
                HELLO3,
                ["ZADD", "k", "1", "a"],
                ["ZADD", "k", "INCR", "2.5", "a"],
                ["ZADD", "k", "NX", "INCR", "2.5", "a"],
                ["ZINCRBY", "k", "1e300", "a"],
                ["ZSCORE", "k", "a"],
                ["ZSCORE", "k", "nosuch"],
                ["ZMSCORE", "k", "a", "nosuch"],
                ["ZMSCORE", "nokey", "a", "b"],
                HELLO2,
            ]
        )

    def test_reads(self) -> None:
        self.both_protocols(
            [
                ["ZCARD", "z"],
                ["ZCARD", "nokey"],
                ["ZCARD", "str"],
                ["ZSCORE", "z", "a"],
                ["ZSCORE", "z", "hi"],
                ["ZSCORE", "z", "lo"],
                ["ZSCORE", "nokey", "a"],
                ["ZSCORE", "str", "a"],
                ["ZMSCORE", "z", "a", "x", "hi"],
                ["ZMSCORE", "str", "a"],
                ["ZRANK", "z", "a"],
                ["ZRANK", "z", "d"],
                ["ZRANK", "z", "x"],
                ["ZRANK", "nokey", "x"],
                ["ZREVRANK", "z", "a"],
                ["ZREVRANK", "z", "hi"],
                ["ZREVRANK", "str", "a"],
                ["ZCOUNT", "z", "-inf", "+inf"],
                ["ZCOUNT", "z", "(1", "3"],
                ["ZCOUNT", "z", "(1", "(3"],
                ["ZCOUNT", "z", "3", "1"],
                ["ZCOUNT", "z", "(3", "3"],
                ["ZCOUNT", "z", "(inf", "inf"],
                ["ZCOUNT", "z", "-inf", "(-inf"],
                ["ZCOUNT", "z", "x", "1"],
                ["ZCOUNT", "z", "nan", "1"],
                ["ZCOUNT", "z", "", ""],
                ["ZCOUNT", "z", "(", "1"],
                ["ZCOUNT", "z", "0x1", "1e1"],
                ["ZCOUNT", "nokey", "0", "1"],
                ["ZCOUNT", "nokey", "x", "1"],
                ["ZCOUNT", "str", "0", "1"],
                ["ZLEXCOUNT", "lex", "-", "+"],
                ["ZLEXCOUNT", "lex", "[b", "(e"],
                ["ZLEXCOUNT", "lex", "(b", "[e"],
                ["ZLEXCOUNT", "lex", "+", "-"],
                ["ZLEXCOUNT", "lex", "[e", "[b"],
                ["ZLEXCOUNT", "lex", "b", "c"],
                ["ZLEXCOUNT", "lex", "", "[c"],
                ["ZLEXCOUNT", "lex", "-x", "[c"],
                ["ZLEXCOUNT", "lex", "[", "(z"],
                ["ZLEXCOUNT", "nokey", "-", "+"],
                ["ZLEXCOUNT", "str", "-", "+"],
                ["ZLEXCOUNT", "z", "-", "+"],
                ["ZLEXCOUNT", "z", "[a", "[c"],
            ]
        )

    def test_zrange_forms(self) -> None:
        self.both_protocols(
            [
                ["ZRANGE", "z", "0", "-1"],
                ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                ["ZRANGE", "z", "-3", "-2", "withscores"],
                ["ZRANGE", "z", "5", "100"],
                ["ZRANGE", "z", "-100", "1"],
                ["ZRANGE", "z", "3", "2"],
                ["ZRANGE", "z", "0", "-1", "REV", "WITHSCORES"],
                ["ZRANGE", "z", "1", "2", "REV"],
                ["ZRANGE", "z", "x", "1"],
                ["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
                ["ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"],
                ["ZRANGE", "z", "0", "1", "LIMIT", "0"],
                ["ZRANGE", "z", "0", "1", "bogus"],
                ["ZRANGE", "z", "0", "1", "REV", "REV"],
                ["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"],
                ["ZRANGE", "z", "(1", "3", "BYSCORE", "WITHSCORES"],
                ["ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "WITHSCORES"],
                ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"],
                ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "-1"],
                ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"],
                ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "10", "2"],
                ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "0"],
                ["ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "3"],
                ["ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "5", "-5"],
                ["ZRANGE", "z", "x", "1", "BYSCORE"],
                ["ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "x", "1"],
                ["ZRANGE", "lex", "[b", "[e", "BYLEX"],
                ["ZRANGE", "lex", "[e", "(b", "BYLEX", "REV"],
                ["ZRANGE", "lex", "-", "+", "BYLEX", "LIMIT", "2", "3"],
                ["ZRANGE", "lex", "+", "-", "BYLEX", "REV", "LIMIT", "2", "3"],
                ["ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES"],
                ["ZRANGE", "lex", "a", "+", "BYLEX"],
                ["ZRANGE", "nokey", "0", "-1"],
                ["ZRANGE", "nokey", "x", "-1"],
                ["ZRANGE", "str", "0", "-1"],
                ["ZRANGE", "str", "x", "-1"],
                ["ZREVRANGE", "z", "0", "2", "WITHSCORES"],
                ["ZREVRANGE", "z", "0", "2", "REV"],
                ["ZREVRANGE", "z", "0", "2", "BYSCORE"],
                ["ZRANGEBYSCORE", "z", "1", "3", "WITHSCORES", "LIMIT", "1", "1"],
                ["ZRANGEBYSCORE", "z", "1", "3", "BYSCORE"],
                ["ZRANGEBYSCORE", "z", "1", "3", "REV"],
                ["ZREVRANGEBYSCORE", "z", "3", "1", "WITHSCORES"],
                ["ZREVRANGEBYSCORE", "z", "(3", "-inf", "LIMIT", "0", "2"],
                ["ZRANGEBYLEX", "lex", "[c", "+"],
                ["ZRANGEBYLEX", "lex", "[c", "+", "WITHSCORES"],
                ["ZRANGEBYLEX", "lex", "-", "+", "LIMIT", "1", "2"],
                ["ZREVRANGEBYLEX", "lex", "+", "[c"],
                ["ZREVRANGEBYLEX", "lex", "(f", "(a", "LIMIT", "1", "10"],
                ["ZREVRANGEBYLEX", "lex", "(f", "x"],
                ["ZRANGEBYLEX", "z", "-", "+"],
                ["ZRANGEBYLEX", "z", "[b", "[d"],
                ["ZREVRANGEBYLEX", "z", "[d", "[b"],
                ["ZRANGE", "z", "0", "1", "LIMIT", "0", "1", "BYSCORE"],
            ]
        )

    def test_zrangestore(self) -> None:
        self.assertSameReplies(
            [
                *SETUP,
                ["ZRANGESTORE", "d", "z", "0", "2"],
                ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                ["ZRANGESTORE", "d", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "2"],
                ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                ["ZRANGESTORE", "d", "z", "+inf", "(1", "BYSCORE", "REV", "LIMIT", "0", "2"],
                ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                ["ZRANGESTORE", "d", "lex", "[b", "[d", "BYLEX"],
                ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                ["ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"],
                ["ZRANGESTORE", "d", "z", "5", "1"],
                ["EXISTS", "d"],
                ["ZRANGESTORE", "d", "nokey", "0", "-1"],
                ["ZRANGESTORE", "str", "nokey", "0", "-1"],
                ["EXISTS", "str"],
                ["SET", "str", "x"],
                ["ZRANGESTORE", "d", "str", "0", "-1"],
                ["ZRANGESTORE", "str", "z", "0", "0"],
                ["TYPE", "str"],
                ["ZRANGESTORE", "d", "z", "0"],
                ["OBJECT", "ENCODING", "str"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_zremrange(self) -> None:
        self.assertSameReplies(
            [
                *SETUP,
                ["ZREMRANGEBYRANK", "z", "0", "0"],
                ["ZREMRANGEBYRANK", "z", "-1", "-1"],
                ["ZREMRANGEBYRANK", "z", "5", "10"],
                ["ZREMRANGEBYRANK", "z", "x", "10"],
                ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                ["ZREMRANGEBYSCORE", "z", "(1", "(3"],
                ["ZREMRANGEBYSCORE", "z", "x", "(3"],
                ["ZREMRANGEBYSCORE", "z", "3", "3"],
                ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
                ["ZREMRANGEBYLEX", "lex", "(b", "[d"],
                ["ZREMRANGEBYLEX", "lex", "b", "[d"],
                ["ZREMRANGEBYLEX", "lex", "[f", "+"],
                ["ZRANGE", "lex", "0", "-1"],
                ["ZREMRANGEBYLEX", "lex", "-", "+"],
                ["EXISTS", "lex"],
                ["ZREMRANGEBYSCORE", "z", "-inf", "+inf"],
                ["EXISTS", "z"],
                ["ZREMRANGEBYRANK", "nokey", "0", "1"],
                ["ZREMRANGEBYRANK", "str", "0", "1"],
                ["ZREMRANGEBYSCORE", "str", "x", "1"],
                ["ZREMRANGEBYLEX", "str", "-", "+"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_zrem(self) -> None:
        self.assertSameReplies(
            [
                *SETUP,
                ["ZREM", "z", "a", "a", "nosuch", "b"],
                ["ZREM", "z", "nosuch"],
                ["ZREM", "nokey", "a"],
                ["ZREM", "str", "a"],
                ["ZREM", "z", "c", "d", "lo", "hi", "x"],
                ["EXISTS", "z"],
                ["ZREM", "z"],
            ]
        )

    def test_pops(self) -> None:
        commands = [
            ["ZPOPMIN", "z"],
            ["ZPOPMAX", "z"],
            ["ZPOPMIN", "z", "2"],
            ["ZPOPMAX", "z", "1"],
            ["ZPOPMIN", "z", "0"],
            ["ZPOPMIN", "z", "-1"],
            ["ZPOPMIN", "z", "x"],
            ["ZPOPMIN", "z", "1", "2"],
            ["ZPOPMIN", "nokey"],
            ["ZPOPMIN", "nokey", "3"],
            ["ZPOPMIN", "str"],
            ["ZPOPMIN", "str", "0"],
            ["ZPOPMAX", "z", "10"],
            ["EXISTS", "z"],
            ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
            ["ZMPOP", "2", "nokey", "z", "MIN"],
            ["ZMPOP", "2", "nokey", "z", "max", "COUNT", "10"],
            ["ZMPOP", "1", "z", "MIN"],
            ["ZMPOP", "1", "str", "MIN"],
            ["ZMPOP", "2", "nokey", "str", "MIN"],
            ["ZMPOP", "0", "z", "MIN"],
            ["ZMPOP", "-1", "z", "MIN"],
            ["ZMPOP", "x", "z", "MIN"],
            ["ZMPOP", "3", "z", "MIN"],
            ["ZMPOP", "1", "z", "MID"],
            ["ZMPOP", "1", "z", "MIN", "COUNT"],
            ["ZMPOP", "1", "z", "MIN", "COUNT", "0"],
            ["ZMPOP", "1", "z", "MIN", "COUNT", "-1"],
            ["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"],
            ["ZMPOP", "1", "z", "MIN", "bogus"],
            ["ZADD", "lex", "-0", "zero"],
            ["ZMPOP", "1", "lex", "MAX", "COUNT", "2"],
        ]
        self.both_protocols(commands)

    def test_set_operations(self) -> None:
        setup = [
            ["ZADD", "a", "1", "x", "2", "y", "3", "z"],
            ["ZADD", "b", "10", "y", "20", "z", "30", "w"],
            ["ZADD", "c", "100", "z", "inf", "x"],
            ["ZADD", "i", "inf", "x", "-inf", "y"],
            ["ZADD", "j", "-inf", "x", "inf", "y"],
            ["SET", "str", "v"],
        ]
        commands = [
            ["ZUNION", "2", "a", "b"],
            ["ZUNION", "2", "a", "b", "WITHSCORES"],
            ["ZUNION", "3", "a", "b", "c", "WEIGHTS", "1", "2", "0", "WITHSCORES"],
            ["ZUNION", "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES"],
            ["ZUNION", "2", "a", "b", "AGGREGATE", "max", "WITHSCORES"],
            ["ZUNION", "2", "i", "j", "WITHSCORES"],
            ["ZUNION", "2", "i", "j", "WEIGHTS", "0", "1", "WITHSCORES"],
            ["ZUNION", "2", "a", "nokey", "WITHSCORES"],
            ["ZUNION", "1", "nokey"],
            ["ZUNION", "0", "a"],
            ["ZUNION", "-1", "a"],
            ["ZUNION", "x", "a"],
            ["ZUNION", "3", "a", "b"],
            ["ZUNION", "2", "a", "str"],
            ["ZUNION", "2", "a", "b", "WEIGHTS", "1"],
            ["ZUNION", "2", "a", "b", "WEIGHTS", "1", "x"],
            ["ZUNION", "2", "a", "b", "AGGREGATE", "avg"],
            ["ZUNION", "2", "a", "b", "AGGREGATE"],
            ["ZUNION", "2", "a", "b", "bogus"],
            ["ZINTER", "2", "a", "b", "WITHSCORES"],
            ["ZINTER", "3", "a", "b", "c", "WITHSCORES"],
            ["ZINTER", "2", "i", "j", "WITHSCORES"],
            ["ZINTER", "2", "i", "j", "AGGREGATE", "MAX", "WITHSCORES"],
            ["ZINTER", "2", "i", "j", "WEIGHTS", "0", "1", "WITHSCORES"],
            ["ZINTER", "2", "i", "j", "WEIGHTS", "1", "0", "AGGREGATE", "MIN", "WITHSCORES"],
            ["ZINTER", "2", "a", "nokey"],
            ["ZINTER", "2", "a", "a", "WITHSCORES"],
            ["ZINTER", "2", "str", "a"],
            ["ZDIFF", "2", "a", "b", "WITHSCORES"],
            ["ZDIFF", "1", "a"],
            ["ZDIFF", "2", "nokey", "a"],
            ["ZDIFF", "2", "a", "b", "WEIGHTS", "1", "1"],
            ["ZDIFF", "2", "a", "b", "AGGREGATE", "SUM"],
            ["ZDIFF", "0", "a"],
            ["ZINTERCARD", "2", "a", "b"],
            ["ZINTERCARD", "2", "a", "b", "LIMIT", "1"],
            ["ZINTERCARD", "2", "a", "b", "LIMIT", "0"],
            ["ZINTERCARD", "2", "a", "b", "LIMIT", "-1"],
            ["ZINTERCARD", "2", "a", "b", "LIMIT", "x"],
            ["ZINTERCARD", "2", "a", "b", "WITHSCORES"],
            ["ZINTERCARD", "0", "a"],
            ["ZINTERCARD", "3", "a", "b"],
            ["ZINTERCARD", "1", "str"],
            ["ZINTERCARD", "1", "nokey"],
        ]
        self.assertSameReplies([*setup, *commands])
        self.assertSameReplies([HELLO3, *commands, HELLO2])

    def test_store_operations(self) -> None:
        self.assertSameReplies(
            [
                ["ZADD", "a", "1", "x", "2", "y", "3", "z"],
                ["ZADD", "b", "10", "y", "20", "z", "30", "w", "-0", "neg"],
                ["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "2", "3"],
                ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                ["ZSCORE", "d", "neg"],
                ["ZINTERSTORE", "d", "2", "a", "b", "AGGREGATE", "MAX"],
                ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                ["ZDIFFSTORE", "d", "2", "b", "a"],
                ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                ["ZINTERSTORE", "d", "2", "a", "nokey"],
                ["EXISTS", "d"],
                ["ZUNIONSTORE", "a", "2", "a", "b"],
                ["ZRANGE", "a", "0", "-1", "WITHSCORES"],
                ["ZUNIONSTORE", "d", "0", "a"],
                ["ZUNIONSTORE", "d", "2", "a"],
                ["ZUNIONSTORE", "d", "1", "a", "WITHSCORES"],
                ["ZUNIONSTORE", "d"],
                ["ZDIFFSTORE", "d", "1", "a", "WEIGHTS", "1"],
                ["SET", "str", "v"],
                ["ZUNIONSTORE", "d", "1", "str"],
                ["ZUNIONSTORE", "str", "1", "nokey"],
                ["EXISTS", "str"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_encodings_and_negative_zero(self) -> None:
        big = [part for i in range(130) for part in (str(i), f"m{i}")]
        self.assertSameReplies(
            [
                ["ZADD", "small", "1", "a", "-0", "b"],
                ["OBJECT", "ENCODING", "small"],
                ["ZSCORE", "small", "b"],
                ["ZADD", "small", "1", LONG],
                ["OBJECT", "ENCODING", "small"],
                ["ZADD", "small", "-0", "c"],
                ["ZSCORE", "small", "c"],
                ["ZSCORE", "small", "b"],
                ["ZRANGE", "small", "0", "-1", "WITHSCORES"],
                ["ZADD", "long", "-0", LONG],
                ["OBJECT", "ENCODING", "long"],
                ["ZSCORE", "long", LONG],
                ["ZADD", "big", *big],
                ["OBJECT", "ENCODING", "big"],
                ["ZREMRANGEBYRANK", "big", "0", "-3"],
                ["OBJECT", "ENCODING", "big"],
                ["ZRANGESTORE", "d", "big", "0", "-1"],
                ["OBJECT", "ENCODING", "d"],
                ["ZUNIONSTORE", "u", "1", "small"],
                ["OBJECT", "ENCODING", "u"],
                ["ZSCORE", "u", "c"],
                ["ZUNIONSTORE", "u", "1", "small", "WEIGHTS", "-1"],
                ["ZINTERSTORE", "u2", "1", "small"],
                ["OBJECT", "ENCODING", "u2"],
                ["ZADD", "dup", *(["1", "a"] * 130)],
                ["OBJECT", "ENCODING", "dup"],
                ["COPY", "small", "copied"],
                ["OBJECT", "ENCODING", "copied"],
                ["CONFIG", "SET", "zset-max-listpack-entries", "0"],
                ["ZADD", "zero", "1", "a"],
                ["OBJECT", "ENCODING", "zero"],
                ["CONFIG", "SET", "zset-max-listpack-entries", "128"],
                ["TYPE", "small"],
                ["DEBUG", "DIGEST-VALUE", "small", "long", "big", "u", "copied", "zero"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_zrandmember(self) -> None:
        self.assertSameReplies(
            [
                *SETUP,
                ["ZRANDMEMBER", "nokey"],
                ["ZRANDMEMBER", "nokey", "5"],
                ["ZRANDMEMBER", "str"],
                ["ZRANDMEMBER", "str", "0"],
                ["ZRANDMEMBER", "z", "0"],
                ["ZRANDMEMBER", "z", "x"],
                ["ZRANDMEMBER", "z", "1", "bogus"],
                ["ZRANDMEMBER", "z", "1", "WITHSCORES", "x"],
                ["ZRANDMEMBER", "z", "-9223372036854775808"],
                ["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"],
                ["ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"],
                cmd("ZRANDMEMBER", "z", "100", "WITHSCORES", normalise=sorted_pairs),
                cmd("ZRANDMEMBER", "z", "6", normalise=sorted_pairs),
            ]
        )
        for protocol in (2, 3):
            for client in (self.redis_client, self.replkv_client):
                client.call("HELLO", str(protocol))
                one = client.call("ZRANDMEMBER", "z")
                self.assertIn(parse_reply(one), [b"a", b"b", b"c", b"d", b"lo", b"hi"])
                some = parse_reply(client.call("ZRANDMEMBER", "z", "3"))
                assert isinstance(some, list)
                self.assertEqual(len(set(some)), 3)
                many = parse_reply(client.call("ZRANDMEMBER", "z", "-20", "WITHSCORES"))
                assert isinstance(many, list)
                self.assertEqual(len(many), 20 if protocol == 3 else 40)

    def test_zscan(self) -> None:
        self.assertSameReplies(
            [
                *SETUP,
                ["ZSCAN", "z", "0"],
                ["ZSCAN", "z", "0", "MATCH", "[ab]"],
                ["ZSCAN", "z", "0", "COUNT", "1"],
                ["ZSCAN", "z", "0", "COUNT", "0"],
                ["ZSCAN", "z", "0", "TYPE", "zset"],
                ["ZSCAN", "z", "0", "MATCH"],
                ["ZSCAN", "z", "x"],
                ["ZSCAN", "nokey", "0", "bogus"],
                ["ZSCAN", "str", "0"],
                HELLO3,
                ["ZSCAN", "z", "0"],
                HELLO2,
            ]
        )
        members = [part for i in range(300) for part in (str(i % 7), f"m{i}")]
        for client in (self.redis_client, self.replkv_client):
            client.call("ZADD", "big", *members)
            seen = []
            cursor = b"0"
            for _ in range(1000):
                raw = parse_reply(client.call("ZSCAN", "big", cursor, "COUNT", "20"))
                assert isinstance(raw, list)
                cursor, items = raw
                assert isinstance(items, list)
                seen += items[::2]
                if cursor == b"0":
                    break
            self.assertEqual(len(set(seen)), 300)

    def test_events_replay_to_same_digest(self) -> None:
        """Writes whose events include float arithmetic and rewrites."""
        self.assertSameReplies(
            [
                ["ZADD", "q", "1.1", "a", "0.1", "b"],
                ["ZINCRBY", "q", "0.2", "a"],
                ["ZADD", "q", "INCR", "1e200", "b"],
                ["ZMPOP", "1", "q", "MAX", "COUNT", "5"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_getkeys_of_numkeys_commands(self) -> None:
        self.assertSameReplies(
            [
                ["COMMAND", "GETKEYS", *argv]
                for argv in [
                    ["zunionstore", "d", "2", "a", "b", "weights", "1", "2"],
                    ["zunionstore", "d", "0"],
                    ["zunionstore", "d", "3", "a", "b"],
                    ["zunionstore", "d", "x", "a", "b"],
                    ["zunion", "2", "a", "b"],
                    ["zunion", "0", "a"],
                    ["zunion", "2", "a"],
                    ["zmpop", "2", "a", "b", "min"],
                    ["zmpop", "3", "a", "b", "min"],
                    ["zmpop", "-1", "a", "b", "min"],
                    ["zintercard", "2", "a", "b"],
                    ["zdiff", "1", "a", "b", "c"],
                    ["zrangestore", "d", "s", "0", "1"],
                ]
            ]
            + [
                ["COMMAND", "GETKEYSANDFLAGS", *argv]
                for argv in [
                    ["zunionstore", "d", "2", "a", "b"],
                    ["zmpop", "1", "a", "min"],
                    ["zrangestore", "d", "s", "0", "1"],
                    ["zpopmin", "k"],
                    ["zadd", "k", "1", "a"],
                ]
            ]
        )
