"""Keyspace notifications compared byte for byte with redis-server 7.0.

A listener PSUBSCRIBEs to every keyspace and keyevent channel; after each command a
sentinel PUBLISH marks the end of what that command caused, so the listener reads
exactly the command's notifications, in order, without waiting for silence
(DifferentialCase.assertSameNotifications()).
"""

from __future__ import annotations

from collections.abc import Sequence

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase
from tests.support.resp_client import Arg, RawClient, encode_command

Script = Sequence[Sequence[Arg]]


class NotifyVsRedisTests(DifferentialCase, SynchronousTestCase):
    # DEBUG SET-ACTIVE-EXPIRE and DEBUG SLEEP make lazy expiry deterministic.
    redis_args = ("--enable-debug-command", "yes")
    replkv_args = ("--enable-debug-command", "yes")

    def configure(self, flags: str) -> None:
        self.assertSameReplies([["CONFIG", "SET", "notify-keyspace-events", flags]])

    def test_flags_parse_and_format(self) -> None:
        self.assertSameReplies(
            [
                ["CONFIG", "SET", "notify-keyspace-events", flags]
                if i % 2 == 0
                else ["CONFIG", "GET", "notify-keyspace-events"]
                for flags in ["KEA", "Ex", "K$", "gx$lshzxetmdnKE", "n", "Em", "KQ", "", "AKEn"]
                for i in range(2)
            ]
        )

    def test_string_commands(self) -> None:
        self.configure("KEA")
        self.assertSameNotifications(
            [
                ["SET", "s", "1"],
                ["SET", "s", "2", "NX"],
                ["SET", "s", "3", "XX", "EX", "100"],
                ["SET", "s", "4", "KEEPTTL", "GET"],
                ["SETNX", "s", "x"],
                ["SETNX", "n", "x"],
                ["SETEX", "e", "100", "v"],
                ["PSETEX", "e", "100000", "v"],
                ["GETSET", "s", "5"],
                ["MSET", "a", "1", "b", "2"],
                ["MSETNX", "a", "1", "c", "2"],
                ["MSETNX", "c", "1", "d", "2"],
                ["INCR", "i"],
                ["DECR", "i"],
                ["INCRBY", "i", "5"],
                ["DECRBY", "i", "5"],
                ["INCR", "s"],
                ["INCRBYFLOAT", "f", "1.5"],
                ["INCRBYFLOAT", "f", "x"],
                ["APPEND", "s", "tail"],
                ["APPEND", "new", "tail"],
                ["SETRANGE", "s", "2", "XY"],
                ["SETRANGE", "s", "2", ""],
                ["SETRANGE", "r", "0", ""],
                ["SETRANGE", "r", "3", "ab"],
                ["GETEX", "s", "EX", "100"],
                ["GETEX", "s", "PERSIST"],
                ["GETEX", "s", "PERSIST"],
                ["GETEX", "s", "PXAT", "1"],
                ["GETDEL", "a"],
                ["GETDEL", "a"],
                ["GET", "b"],
                ["STRLEN", "b"],
            ]
        )

    def test_generic_commands(self) -> None:
        self.configure("KEA")
        self.assertSameNotifications(
            [
                ["MSET", "a", "1", "b", "2", "c", "3"],
                ["DEL", "a", "zz", "b"],
                ["UNLINK", "c", "c"],
                ["SET", "k", "v"],
                ["EXPIRE", "k", "100"],
                ["EXPIRE", "k", "100", "NX"],
                ["PEXPIRE", "k", "200000", "GT"],
                ["EXPIREAT", "k", "4000000000"],
                ["PERSIST", "k"],
                ["PERSIST", "k"],
                ["RENAME", "k", "k2"],
                ["RENAME", "k2", "k2"],
                ["SET", "other", "x"],
                ["RENAME", "k2", "other"],
                ["RENAMENX", "other", "k"],
                ["SET", "k3", "x"],
                ["RENAMENX", "k", "k3"],
                ["MOVE", "k", "3"],
                ["COPY", "k3", "k4"],
                ["COPY", "k3", "k4"],
                ["COPY", "k3", "k4", "REPLACE"],
                ["COPY", "k3", "k4", "DB", "2"],
                ["PEXPIREAT", "k3", "1"],
                ["EXPIRE", "k4", "-1"],
                ["SELECT", "2"],
                ["SET", "x", "1"],
                ["SWAPDB", "2", "3"],
                ["FLUSHDB"],
                ["FLUSHALL"],
            ]
        )

    def test_new_keys_and_classes(self) -> None:
        self.configure("KEAn")
        self.assertSameNotifications(
            [
                ["SET", "a", "1"],
                ["SET", "a", "2"],
                ["INCR", "i"],
                ["APPEND", "x", "y"],
                ["SETRANGE", "r", "1", "z"],
                ["RENAME", "a", "b"],
                ["SET", "c", "1"],
                ["RENAME", "c", "b"],
                ["COPY", "b", "d"],
                ["MOVE", "d", "4"],
                ["MSET", "m1", "1", "m2", "2"],
                ["INCRBYFLOAT", "fl", "2"],
            ]
        )
        self.configure("E$")
        self.assertSameNotifications(
            [["SET", "a", "1"], ["DEL", "a"], ["SET", "a", "1", "EX", "9"]]
        )
        self.configure("Kg")
        self.assertSameNotifications([["SET", "a", "1", "EX", "9"], ["DEL", "a"]])
        self.configure("n")  # no K nor E: nothing at all
        self.assertSameNotifications([["SET", "z", "1"]])

    def test_resp3_listener_and_expiry(self) -> None:
        self.configure("KEA")
        for client in (self.redis_client, self.replkv_client):
            # Refused DEBUG would leave active expiry racing the lazy one.
            self.assertEqual(client.call("DEBUG", "SET-ACTIVE-EXPIRE", "0"), b"+OK\r\n")
        listeners = self.listen(resp=3)
        self.assertSameNotifications(
            [
                ["SET", "k", "v"],
                ["PEXPIRE", "k", "1"],
                ["DEBUG", "SLEEP", "0.01"],
                ["GET", "k"],  # lazy expiry: `expired`
                ["SET", "k2", "v", "PX", "1"],
                ["DEBUG", "SLEEP", "0.01"],
                ["EXISTS", "k2"],
            ],
            listeners,
        )
        self.assertSameReplies([["DEBUG", "SET-ACTIVE-EXPIRE", "1"]])

    def test_keymiss(self) -> None:
        # `m` is not part of `A`: only asked for, and only on read lookups that miss.
        self.configure("KEm")
        self.assertSameReplies([["DEBUG", "SET-ACTIVE-EXPIRE", "0"]])
        self.assertSameNotifications(
            [
                ["GET", "nokey"],
                ["MGET", "a", "nokey", "b"],
                ["EXISTS", "nokey", "nokey2"],
                ["TYPE", "nokey"],
                ["TTL", "nokey"],
                ["PTTL", "nokey"],
                ["STRLEN", "nokey"],
                ["GETRANGE", "nokey", "0", "1"],
                ["OBJECT", "ENCODING", "nokey"],  # LOOKUP_NONOTIFY
                ["ECHO", "x"],
                ["SET", "nokey", "v", "XX"],  # a write lookup: no keymiss
                ["APPEND", "s", "v"],
                ["INCR", "n"],
                ["DEL", "nokey"],
                ["GETDEL", "nokey"],
                ["GETEX", "nokey"],
                ["HGET", "h", "f"],
                ["HGETALL", "h"],
                ["HSET", "h", "f", "v"],
                ["HGET", "h", "nofield"],
                ["LRANGE", "l", "0", "-1"],
                ["LLEN", "l"],
                ["LPOP", "l"],
                ["LPUSHX", "l", "x"],
                ["SMEMBERS", "s2"],
                ["SISMEMBER", "s2", "m"],
                ["SINTER", "s2", "s3"],
                ["SUNIONSTORE", "dst", "s2", "s3"],
                ["ZRANGE", "z", "0", "-1"],
                ["ZSCORE", "z", "m"],
                ["ZUNIONSTORE", "dst", "2", "z", "z2"],
                ["SORT", "l"],
                ["RENAME", "nokey", "x"],
                ["COPY", "nokey", "x"],
                ["MOVE", "nokey", "1"],
                ["SET", "e", "v", "PX", "1"],
                ["DEBUG", "SLEEP", "0.01"],
                ["GET", "e"],  # expired, then missed
            ]
        )
        self.assertSameReplies([["DEBUG", "SET-ACTIVE-EXPIRE", "1"]])

    def test_hash_commands(self) -> None:
        self.configure("KEAn")
        self.assertSameNotifications(
            [
                ["HSET", "h", "f1", "v1"],
                ["HSET", "h", "f1", "v1"],  # unchanged: still `hset`
                ["HSET", "h", "f1"],  # arity error
                ["HMSET", "h", "f2", "v2", "f3", "v3"],
                ["HSETNX", "h", "f1", "x"],
                ["HSETNX", "h", "f4", "v4"],
                ["HSETNX", "h2", "f", "v"],
                ["HINCRBY", "h", "n", "5"],
                ["HINCRBY", "h", "n", "-5"],
                ["HINCRBY", "h", "f1", "1"],
                ["HINCRBY", "h", "n", "x"],
                ["HINCRBY", "h", "n", "9223372036854775807"],
                ["HINCRBY", "h", "n", "9223372036854775807"],
                ["HINCRBY", "h3", "n", "1"],
                ["HINCRBYFLOAT", "h", "fl", "1.5"],
                ["HINCRBYFLOAT", "h", "f1", "1"],
                ["HINCRBYFLOAT", "h", "fl", "inf"],
                ["HINCRBYFLOAT", "h4", "fl", "0"],
                ["HGET", "h", "f1"],
                ["HGETALL", "h2"],
                ["HDEL", "h", "nope"],
                ["HDEL", "missing", "f"],
                ["HDEL", "h", "f1", "f2", "nope"],
                ["HDEL", "h", "f3", "f4", "n", "fl", "n", "more"],
                ["HDEL", "h", "f3"],
                ["HDEL", "h2", "f"],
                ["SET", "s", "v"],
                ["HSET", "s", "f", "v"],
                ["HDEL", "s", "f"],
                ["HINCRBY", "s", "f", "1"],
                ["HSET", "h5", "a", "1", "b", "2", "a", "3"],
                ["HINCRBYFLOAT", "h5", "b", "-2"],
            ]
        )

    def test_set_commands(self) -> None:
        self.configure("KEAn")
        self.assertSameNotifications(
            [
                ["SADD", "s", "a", "b", "c"],
                ["SADD", "s", "a"],  # nothing added: no event
                ["SADD", "s", "a", "d", "d"],
                ["SREM", "s", "nope"],
                ["SREM", "missing", "a"],
                ["SREM", "s", "a", "nope"],
                ["SISMEMBER", "s", "b"],
                ["SMEMBERS", "s"],
                ["SMOVE", "s", "s", "b"],  # same set: nothing
                ["SMOVE", "s", "s", "nope"],
                ["SMOVE", "s", "t", "nope"],
                ["SMOVE", "missing", "t", "b"],
                ["SMOVE", "s", "t", "b"],  # `srem` on s, `new` and `sadd` on t
                ["SADD", "u", "c"],
                ["SMOVE", "s", "u", "c"],  # already in u: no `sadd`
                ["SADD", "s", "c", "x"],
                ["SMOVE", "s", "u", "d"],
                ["SMOVE", "s", "u", "x"],
                ["SMOVE", "s", "t", "c"],  # empties s: `srem`, `del`, then `sadd`
                ["SADD", "one", "m"],
                ["SMOVE", "one", "fresh", "m"],  # `del` of one, then `new` fresh
                ["SET", "str", "v"],
                ["SMOVE", "t", "str", "b"],
                ["SADD", "str", "a"],
                ["SPOP", "missing"],
                ["SADD", "p", "1"],
                ["SPOP", "p"],  # `spop`, `del`
                ["SADD", "p", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
                ["SPOP", "p", "0"],
                ["SPOP", "missing", "3"],
                ["SPOP", "p", "-1"],
                ["SPOP", "p", "1"],
                ["SPOP", "p", "8"],  # one left: the kept member forms a new set
                ["SPOP", "p", "5"],  # the whole set: `spop`, `del`
                ["SADD", "p", "1", "2", "3"],
                ["SPOP", "p", "3"],
                ["SADD", "a", "1", "2", "3"],
                ["SADD", "b", "2", "3", "4"],
                ["SINTERSTORE", "d", "a", "b"],
                ["SINTERSTORE", "d", "a", "b"],  # overwrite
                ["SINTERSTORE", "d", "a", "missing"],  # empty result: `del` d
                ["SINTERSTORE", "d", "a", "missing"],  # nothing to delete
                ["SADD", "c", "9"],
                ["SINTERSTORE", "d", "a", "c"],
                ["SINTERSTORE", "a", "a", "b"],  # destination among the sources
                ["SUNIONSTORE", "d", "a", "b"],
                ["SUNIONSTORE", "d", "a", "b"],
                ["SUNIONSTORE", "e", "missing", "missing2"],
                ["SUNIONSTORE", "d", "missing"],
                ["SDIFFSTORE", "d", "b", "a"],
                ["SDIFFSTORE", "d", "a", "b"],
                ["SDIFFSTORE", "d", "b", "b"],
                ["SDIFFSTORE", "d", "missing", "b"],
                ["SET", "str2", "v"],
                ["SUNIONSTORE", "str2", "b"],  # replaces a string
                ["SINTERSTORE", "d", "str"],
                ["SUNIONSTORE", "d", "b", "str"],
                ["SINTERCARD", "2", "a", "b"],
                ["SUNION", "a", "b"],
            ]
        )

    def test_sorted_set_commands(self) -> None:
        self.configure("KEAn")
        self.assertSameNotifications(
            [
                ["ZADD", "z", "1", "a", "2", "b"],
                ["ZADD", "z", "1", "a"],  # changes nothing: no event
                ["ZADD", "z", "CH", "1", "a", "2", "b"],
                ["ZADD", "z", "NX", "5", "a"],
                ["ZADD", "z", "XX", "5", "c"],
                ["ZADD", "missing", "XX", "5", "c"],
                ["ZADD", "z", "XX", "5", "a"],
                ["ZADD", "z", "GT", "1", "a"],
                ["ZADD", "z", "LT", "1", "a"],
                ["ZADD", "z", "GT", "CH", "3", "a", "0", "b"],
                ["ZADD", "z", "NX", "3", "a", "4", "d"],
                ["ZADD", "z", "3", "e", "3", "e"],
                ["ZADD", "z", "INCR", "1", "a"],  # `zincr`, not `zadd`
                ["ZADD", "z", "INCR", "0", "a"],  # score unchanged: no event
                ["ZADD", "z", "NX", "INCR", "1", "a"],
                ["ZADD", "z", "XX", "INCR", "1", "nope"],
                ["ZADD", "z", "GT", "INCR", "-1", "a"],
                ["ZADD", "z", "INCR", "1", "f"],
                ["ZADD", "z", "INCR", "1", "a", "2", "b"],
                ["ZADD", "z", "x", "a"],
                ["ZADD", "z", "NX", "XX", "1", "a"],
                ["ZADD", "z2", "INCR", "5", "a"],
                ["ZINCRBY", "z", "2", "b"],
                ["ZINCRBY", "z", "0", "b"],
                ["ZINCRBY", "z", "1", "g"],
                ["ZINCRBY", "z3", "1", "g"],
                ["ZADD", "z", "inf", "h"],
                ["ZINCRBY", "z", "-inf", "h"],  # NaN: error, no event
                ["ZINCRBY", "z", "x", "h"],
                ["SET", "str", "v"],
                ["ZADD", "str", "1", "a"],
                ["ZINCRBY", "str", "1", "a"],
                ["ZREM", "z", "nope"],
                ["ZREM", "missing", "a"],
                ["ZREM", "z", "a", "nope", "a"],
                ["ZREM", "z2", "a"],  # emptied: `zrem`, `del`
                ["ZSCORE", "z", "b"],
                ["ZRANGE", "z", "0", "-1"],
                ["ZREMRANGEBYRANK", "z", "100", "200"],
                ["ZREMRANGEBYRANK", "missing", "0", "-1"],
                ["ZREMRANGEBYRANK", "z", "0", "0"],
                ["ZREMRANGEBYSCORE", "z", "(100", "200"],
                ["ZREMRANGEBYSCORE", "z", "-inf", "(3"],
                ["ZREMRANGEBYSCORE", "z", "x", "1"],
                ["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d"],
                ["ZREMRANGEBYLEX", "lex", "[x", "[z"],
                ["ZREMRANGEBYLEX", "lex", "[a", "(c"],
                ["ZREMRANGEBYLEX", "lex", "a", "c"],
                ["ZREMRANGEBYLEX", "lex", "-", "+"],  # emptied
                ["ZREMRANGEBYRANK", "z3", "0", "-1"],
                ["ZREMRANGEBYSCORE", "z", "-inf", "+inf"],
                ["ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
                ["ZPOPMIN", "missing"],
                ["ZPOPMIN", "p", "0"],
                ["ZPOPMIN", "p", "-1"],
                ["ZPOPMIN", "p"],
                ["ZPOPMAX", "p"],
                ["ZPOPMIN", "p", "2"],  # one `zpopmin` for both
                ["ZPOPMAX", "p", "5"],  # emptied: `zpopmax`, `del`
                ["ZADD", "p", "1", "a", "2", "b", "3", "c"],
                ["ZMPOP", "2", "missing", "p", "MIN", "COUNT", "2"],
                ["ZMPOP", "1", "p", "MAX"],  # emptied
                ["ZMPOP", "1", "p", "MAX"],
                ["ZADD", "a", "1", "x", "2", "y", "3", "z"],
                ["ZADD", "b", "5", "y", "6", "w"],
                ["ZUNIONSTORE", "d", "2", "a", "b"],
                ["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"],
                ["ZINTERSTORE", "d", "2", "a", "b"],
                ["ZINTERSTORE", "d", "2", "a", "missing"],  # empty result: `del` d
                ["ZINTERSTORE", "d", "2", "a", "missing"],
                ["ZDIFFSTORE", "d", "2", "a", "b"],
                ["ZDIFFSTORE", "d", "2", "a", "a"],
                ["ZDIFFSTORE", "e", "1", "missing"],
                ["ZUNIONSTORE", "e", "1", "missing"],
                ["SADD", "s", "x", "q"],
                ["ZINTERSTORE", "e", "2", "a", "s"],  # a plain set as input
                ["ZUNIONSTORE", "a", "2", "a", "b"],  # destination among the sources
                ["ZUNIONSTORE", "str", "1", "b"],  # replaces a string
                ["ZUNIONSTORE", "d", "1", "str"],
                ["ZUNIONSTORE", "d", "2", "a", "b", "AGGREGATE", "nope"],
                ["ZRANGESTORE", "r", "a", "0", "1"],
                ["ZRANGESTORE", "r", "a", "0", "-1"],
                ["ZRANGESTORE", "r", "a", "(100", "+inf", "BYSCORE"],  # empty: `del` r
                ["ZRANGESTORE", "r", "a", "(100", "+inf", "BYSCORE"],
                ["ZRANGESTORE", "r", "missing", "0", "-1"],
                ["ZRANGESTORE", "r", "a", "[x", "+", "BYLEX", "LIMIT", "0", "1"],
                ["ZRANGESTORE", "r", "a", "+inf", "-inf", "BYSCORE", "REV"],
                ["ZRANGESTORE", "r", "str", "0", "-1"],
                ["ZRANGESTORE", "a", "a", "0", "0"],
                ["ZINTERCARD", "2", "a", "b"],
                ["ZUNION", "2", "a", "b"],
            ]
        )

    def test_list_commands(self) -> None:
        self.configure("KEAn")
        self.assertSameNotifications(
            [
                ["LPUSH", "l", "a", "b", "c"],  # `new`, one `lpush` for all
                ["RPUSH", "l", "d", "e"],
                ["RPUSH", "r", "x"],
                ["LPUSHX", "missing", "a"],  # missing key: nothing
                ["RPUSHX", "missing", "a"],
                ["LPUSHX", "l", "f", "g"],
                ["RPUSHX", "l", "h"],
                ["LPUSH", "l"],  # arity error
                ["LPOP", "missing"],
                ["LPOP", "missing", "2"],
                ["LPOP", "l", "0"],  # count 0: nothing
                ["LPOP", "l", "-1"],
                ["LPOP", "l"],
                ["RPOP", "l"],
                ["LPOP", "l", "2"],  # one `lpop` for both
                ["RPOP", "l", "1"],
                ["RPOP", "r", "5"],  # emptied: `rpop`, `del`
                ["RPUSH", "p", "1"],
                ["LPOP", "p"],  # emptied
                ["RPUSH", "l", "a", "b", "a", "c", "a"],
                ["LINSERT", "l", "BEFORE", "nope", "x"],  # missing pivot: nothing
                ["LINSERT", "missing", "BEFORE", "a", "x"],
                ["LINSERT", "l", "AFTER", "a", "x"],
                ["LINSERT", "l", "BEFORE", "c", "y"],
                ["LINSERT", "l", "MIDDLE", "c", "y"],
                ["LSET", "l", "0", "z"],
                ["LSET", "l", "100", "z"],  # out of range: error, nothing
                ["LSET", "missing", "0", "z"],
                ["LSET", "l", "-1", "w"],
                ["LREM", "l", "0", "nope"],  # removes nothing: nothing
                ["LREM", "missing", "0", "a"],
                ["LREM", "l", "1", "a"],
                ["LREM", "l", "-1", "a"],
                ["LREM", "l", "0", "a"],
                ["RPUSH", "q", "v", "v"],
                ["LREM", "q", "0", "v"],  # emptied: `lrem`, `del`
                ["LTRIM", "missing", "0", "1"],
                ["LTRIM", "l", "0", "-1"],  # removes nothing
                ["LTRIM", "l", "1", "-2"],
                ["LTRIM", "l", "0", "x"],
                ["LTRIM", "l", "5", "1"],  # empties l: `ltrim`, `del`
                ["RPUSH", "s", "1", "2", "3"],
                ["LMOVE", "missing", "d", "LEFT", "RIGHT"],  # missing source: nothing
                ["LMOVE", "s", "d", "LEFT", "RIGHT"],  # `new` d, `rpush` d, `lpop` s
                ["LMOVE", "s", "d", "RIGHT", "LEFT"],
                ["LMOVE", "s", "s", "LEFT", "RIGHT"],  # same list: push then pop
                ["LMOVE", "s", "s", "RIGHT", "RIGHT"],
                ["LMOVE", "s", "d", "LEFT", "LEFT"],  # empties s: push, pop, `del`
                ["RPUSH", "one", "x"],
                ["LMOVE", "one", "one", "LEFT", "LEFT"],  # alone, same list
                ["LMOVE", "one", "d", "UP", "LEFT"],
                ["SET", "str", "v"],
                ["LMOVE", "d", "str", "LEFT", "LEFT"],  # WRONGTYPE: nothing
                ["LMOVE", "str", "d", "LEFT", "LEFT"],
                ["LPUSH", "str", "x"],
                ["RPOPLPUSH", "missing", "d"],
                ["RPOPLPUSH", "d", "e"],
                ["RPOPLPUSH", "d", "d"],
                ["RPOPLPUSH", "one", "d"],  # empties one
                ["RPUSH", "m", "1", "2", "3"],
                ["LMPOP", "2", "missing", "m", "LEFT"],
                ["LMPOP", "1", "m", "RIGHT", "COUNT", "1"],
                ["LMPOP", "1", "missing", "LEFT"],
                ["LMPOP", "1", "m", "LEFT", "COUNT", "5"],  # emptied
                ["LMPOP", "0", "m", "LEFT"],
                ["RPUSH", "b", "1", "2", "3"],
                ["BLPOP", "missing", "b", "0"],  # served at once: `lpop`
                ["BRPOP", "b", "0"],
                ["BLMPOP", "0", "1", "b", "LEFT", "COUNT", "9"],  # emptied
                ["RPUSH", "b", "1", "2"],
                ["BLMOVE", "b", "d", "RIGHT", "LEFT", "0"],
                ["BRPOPLPUSH", "b", "d", "0"],  # empties b
                ["MULTI"],
                ["BLPOP", "b", "0"],  # in MULTI: queued; EXEC answers nil, nothing
                ["RPUSH", "b", "1"],
                ["BRPOPLPUSH", "b", "b", "0"],
                ["EXEC"],
                ["LLEN", "d"],
                ["LRANGE", "d", "0", "-1"],
            ]
        )

    def blocked_pair(self, argv: Sequence[Arg]) -> tuple[RawClient, RawClient]:
        """A client of each server blocked in argv (checked with CLIENT LIST)."""
        blocked = self.connect_pair()
        for client in blocked:
            client.send_raw(encode_command(*argv))
        for client in (self.redis_client, self.replkv_client):
            for _ in range(200):  # bounded: about 2 seconds
                if b"blocked_clients:1" in client.call("INFO", "clients"):
                    break
                client.read_until_quiet(quiet=0.01, timeout=0.01)
            else:
                self.fail(f"{argv!r} did not block")
        return blocked

    def test_blocked_list_clients_served_by_pushes(self) -> None:
        self.configure("KEAn")
        listeners = self.listen()
        scenarios: list[tuple[list[Arg], Script]] = [
            (["BLPOP", "k1", "k2", "5"], [["RPUSH", "k2", "a", "b"]]),
            (["BRPOP", "k1", "5"], [["RPUSH", "k1", "a"]]),  # emptied: `del` too
            (["BLMOVE", "src", "dst", "LEFT", "RIGHT", "5"], [["LPUSH", "src", "x"]]),
            (["BRPOPLPUSH", "src", "dst", "5"], [["RPUSH", "src", "x", "y"]]),
            (["BLMOVE", "loop", "loop", "RIGHT", "LEFT", "5"], [["RPUSH", "loop", "x"]]),
            (
                ["BLMPOP", "5", "2", "m1", "m2", "RIGHT", "COUNT", "2"],
                [["RPUSH", "m2", "1", "2", "3"]],
            ),
            (["BLMPOP", "5", "1", "m3", "LEFT"], [["LPUSH", "m3", "1"]]),
            (["BLPOP", "t", "5"], [["LMOVE", "dst", "t", "LEFT", "LEFT"]]),
            (
                ["BLPOP", "w", "5"],
                [["MULTI"], ["RPUSH", "w", "1"], ["LPUSH", "w", "2"], ["EXEC"]],
            ),
        ]
        for blocking, script in scenarios:
            blocked = self.blocked_pair(blocking)
            # the served client's notifications follow the push's, up to the sentinel
            self.assertSameNotifications(script, listeners)
            for client in blocked:
                client.read_reply(timeout=2)
                client.close()
        self.assertSameReplies(
            [
                ["LRANGE", "dst", "0", "-1"],
                ["LRANGE", "loop", "0", "-1"],
                ["LRANGE", "m2", "0", "-1"],
                ["EXISTS", "k1", "m3"],
            ]
        )
