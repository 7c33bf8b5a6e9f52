"""Set commands compared with redis-server 7.0: byte for byte where Redis is deterministic.

Intset-encoded sets reply in numeric order and are compared exactly; hashtable-encoded
ones reply in Redis's dict order and are compared as multisets. SPOP and SRANDMEMBER
pick at random: their replies are checked for their properties on both servers.
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd, unordered
from tests.support.resp_client import RawClient, parse_reply, reply_end

DEBUG_ON = ("--enable-debug-command", "yes")
HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])
BINARY = [b"nul\0m", b"crlf\r\nm", b"", b"\xff\xfe", b"sp ace"]
INT_EDGES = [b"9223372036854775807", b"-9223372036854775808", b"0", b"-1"]
NOT_INTS = [b"01", b"+1", b"-0", b" 1", b"1 ", b"9223372036854775808", b"1.0", b"0x1"]


def unordered_scan(raw: bytes) -> bytes:
    """An SSCAN reply: the cursor kept, the members compared as a multiset."""
    if not raw.startswith(b"*2\r\n"):
        return raw
    cursor_end = reply_end(raw, 4)
    assert cursor_end is not None
    return raw[:cursor_end] + unordered(raw[cursor_end:])


def u(*args: Any) -> Any:
    """A command whose set reply is compared as a multiset."""
    return cmd(*args, normalise=unordered)


class SetsVsRedisTests(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def both(self, *args: Any) -> tuple[Any, Any]:
        """One command on both servers, parsed."""
        return (
            parse_reply(self.redis_client.call(*args)),
            parse_reply(self.replkv_client.call(*args)),
        )

    def test_add_remove_and_membership(self) -> None:
        self.assertSameReplies(
            [
                ["SADD", "s", "a", "b", "a", *BINARY],
                ["SADD", "s", "a"],
                ["SCARD", "s"],
                ["SCARD", "nosuch"],
                *[["SISMEMBER", "s", m] for m in [b"a", b"z", *BINARY]],
                ["SISMEMBER", "nosuch", "a"],
                ["SMISMEMBER", "s", "a", "z", "a", *BINARY],
                ["SMISMEMBER", "nosuch", "a", "b"],
                ["SREM", "s", "z"],
                ["SREM", "s", "a", "a", "z", *BINARY],
                ["SREM", "nosuch", "a"],
                ["SREM", "s", "b", "c"],
                ["EXISTS", "s"],
                ["TYPE", "s"],
                ["SADD", "i", "1"],
                ["SISMEMBER", "i", "01"],
                ["SISMEMBER", "i", "1"],
                ["SREM", "i", "+1", "1.0"],
                ["TYPE", "i"],
                ["SET", "str", "x"],
                *[
                    [name, "str", "a"]
                    for name in ("SADD", "SREM", "SISMEMBER", "SMISMEMBER", "SRANDMEMBER")
                ],
                *[[name, "str"] for name in ("SCARD", "SMEMBERS", "SPOP", "SRANDMEMBER")],
                ["SADD", "s"],
                ["SREM", "s"],
                ["SCARD"],
                ["SISMEMBER", "s"],
                ["SMISMEMBER", "s"],
                ["SMEMBERS", "s", "t"],
                ["SADD", "s", "a"],
                ["SMEMBERS", "s"],
            ]
        )

    def test_encodings_and_member_order(self) -> None:
        self.assertSameReplies(
            [
                ["SADD", "i", "5", "-3", "100", "0", *INT_EDGES],
                ["OBJECT", "ENCODING", "i"],
                ["SMEMBERS", "i"],
                *[["SADD", f"n{i}", "1", m] for i, m in enumerate(NOT_INTS)],
                *[["OBJECT", "ENCODING", f"n{i}"] for i in range(len(NOT_INTS))],
                ["SADD", "i", "x"],
                ["OBJECT", "ENCODING", "i"],
                ["SREM", "i", "x"],
                ["OBJECT", "ENCODING", "i"],
                u("SMEMBERS", "i"),
                ["CONFIG", "SET", "set-max-intset-entries", "3"],
                ["SADD", "j", "1", "2", "3"],
                ["OBJECT", "ENCODING", "j"],
                ["SADD", "j", "4"],
                ["OBJECT", "ENCODING", "j"],
                ["SREM", "j", "4"],
                ["OBJECT", "ENCODING", "j"],
                ["SADD", "k", "1", "2", "3", "4"],
                ["OBJECT", "ENCODING", "k"],
                ["CONFIG", "SET", "set-max-intset-entries", "512"],
                ["SADD", "k2", "2", "1"],
                ["COPY", "j", "j2"],
                ["OBJECT", "ENCODING", "j2"],
                ["RENAME", "k2", "k3"],
                ["OBJECT", "ENCODING", "k3"],
                ["SMEMBERS", "k3"],
                ["DEBUG", "DIGEST-VALUE", "i", "j", "j2", "k", "k3", "n0", "n3"],
                ["DEBUG", "DIGEST"],
                HELLO3,
                ["SMEMBERS", "k3"],
                u("SMEMBERS", "j"),
                ["SMEMBERS", "nosuch"],
                HELLO2,
            ]
        )

    def test_smove(self) -> None:
        self.assertSameReplies(
            [
                ["SADD", "a", "1", "2", "3"],
                ["SADD", "h", "x"],
                ["SET", "str", "v"],
                ["SMOVE", "a", "b", "1"],
                ["SMOVE", "a", "b", "9"],
                ["SMOVE", "a", "a", "2"],
                ["SMOVE", "a", "a", "9"],
                ["SMOVE", "nosuch", "b", "1"],
                ["SMOVE", "nosuch", "str", "1"],
                ["SMOVE", "a", "str", "1"],
                ["SMOVE", "str", "a", "1"],
                ["SMOVE", "a", "b", "1"],
                ["SMOVE", "a", "h", "2"],
                ["OBJECT", "ENCODING", "h"],
                ["SMOVE", "h", "a", "x"],
                ["OBJECT", "ENCODING", "a"],
                ["EXISTS", "h"],
                ["SMOVE", "a", "b", "3"],
                ["SMOVE", "a", "b", "x"],
                ["EXISTS", "a"],
                u("SMEMBERS", "b"),
                u("SMEMBERS", "h"),
                ["SMOVE", "b", "c", "x"],
                ["OBJECT", "ENCODING", "c"],
                ["SMOVE", "b", "c"],
                ["SMOVE", "b", "c", "1", "2"],
            ]
        )

    def sets_for_algebra(self) -> list[list[Any]]:
        return [
            ["SADD", "i1", "1", "2", "3", "4", "-5"],
            ["SADD", "i2", "3", "4", "5", "-5"],
            ["SADD", "i3", "4", "-5", "100"],
            ["SADD", "h1", "a", "b", "c", "1", "3"],
            ["SADD", "h2", "b", "c", "d", "3"],
            ["SADD", "h3", "1", "2", "x"],
            ["SREM", "h3", "x"],  # a hashtable holding integers only
            ["SET", "str", "v"],
        ]

    def test_sinter_sunion_sdiff(self) -> None:
        self.assertSameReplies(
            [
                *self.sets_for_algebra(),
                ["SINTER", "i1", "i2"],
                ["SINTER", "i1", "i2", "i3"],
                ["SINTER", "i1", "i1"],
                u("SINTER", "i1", "h1"),
                ["SINTER", "i3", "h1"],
                u("SINTER", "h3", "i1"),
                u("SINTER", "h1", "h2"),
                u("SINTER", "h1"),
                ["SINTER", "i1", "nosuch"],
                ["SINTER", "nosuch", "str"],
                ["SINTER", "i1", "str"],
                ["SUNION", "i1", "i2", "i3"],
                ["SUNION", "i1", "nosuch"],
                ["SUNION", "nosuch"],
                ["SUNION", "h3"],
                u("SUNION", "i1", "h1", "h2"),
                ["SUNION", "i1", "str"],
                ["SUNION", "nosuch", "str"],
                ["SDIFF", "i1", "i2"],
                ["SDIFF", "i1", "i2", "i3"],
                ["SDIFF", "i1", "nosuch"],
                ["SDIFF", "nosuch", "i1"],
                ["SDIFF", "i1", "i1"],
                ["SDIFF", "i1", "i2", "i1"],
                ["SDIFF", "h3", "i3"],
                u("SDIFF", "h1", "h2"),
                ["SDIFF", "h1", "h1", "h2"],
                ["SDIFF", "i1", "str"],
                ["SDIFF", "nosuch", "str"],
                ["SINTER"],
                ["SUNION"],
                ["SDIFF"],
                HELLO3,
                ["SINTER", "i1", "i2"],
                ["SINTER", "i1", "nosuch"],
                ["SUNION", "i1", "i2"],
                ["SDIFF", "i1", "i2"],
                u("SDIFF", "h1"),
                ["SDIFF", "nosuch"],
                HELLO2,
            ]
        )

    def test_store_commands(self) -> None:
        big_first = ["SADD", "big", "1", "2", "3", "4", "5", "6", "x"]
        self.assertSameReplies(
            [
                *self.sets_for_algebra(),
                ["SET", "d", "old", "EX", "1000"],
                ["SINTERSTORE", "d", "i1", "i2"],
                ["TTL", "d"],
                ["OBJECT", "ENCODING", "d"],
                ["SMEMBERS", "d"],
                ["SINTERSTORE", "d", "h1", "h2"],
                ["OBJECT", "ENCODING", "d"],
                ["SCARD", "d"],
                ["SINTERSTORE", "d", "i1", "nosuch"],
                ["EXISTS", "d"],
                ["SINTERSTORE", "d", "i1", "nosuch"],
                ["SINTERSTORE", "d", "i1", "str"],
                ["SINTERSTORE", "d", "nosuch", "str"],
                ["SINTERSTORE", "i1", "i1", "i2"],
                ["SMEMBERS", "i1"],
                ["SUNIONSTORE", "d", "i2", "i3"],
                ["SMEMBERS", "d"],
                ["OBJECT", "ENCODING", "d"],
                ["SUNIONSTORE", "d", "h3"],
                ["OBJECT", "ENCODING", "d"],
                ["SUNIONSTORE", "d", "nosuch"],
                ["EXISTS", "d"],
                ["SUNIONSTORE", "str", "i2"],
                ["TYPE", "str"],
                ["SUNIONSTORE", "d", "i2", "str"],
                ["SDIFFSTORE", "d", "i2", "i3"],
                ["SMEMBERS", "d"],
                ["SDIFFSTORE", "d", "i2", "i2"],
                ["EXISTS", "d"],
                big_first,
                ["SADD", "x1", "x"],
                ["SADD", "x2", "y"],
                ["SADD", "x3", "z"],
                # Redis's second SDIFF algorithm: the result is a hashtable.
                ["SDIFFSTORE", "d", "big", "x1", "x2", "x3"],
                ["OBJECT", "ENCODING", "d"],
                u("SMEMBERS", "d"),
                u("SDIFF", "big", "x1", "x2", "x3"),
                ["SDIFFSTORE", "d", "big", "x1"],
                ["OBJECT", "ENCODING", "d"],
                ["SMEMBERS", "d"],
                ["CONFIG", "SET", "set-max-intset-entries", "2"],
                ["SUNIONSTORE", "d", "i1"],
                ["OBJECT", "ENCODING", "d"],
                ["SINTERSTORE", "d", "i2", "i3"],
                ["OBJECT", "ENCODING", "d"],
                ["SMEMBERS", "d"],
                u("SUNION", "i2", "i3"),
                ["CONFIG", "SET", "set-max-intset-entries", "512"],
                ["SINTERSTORE", "d"],
                ["SUNIONSTORE", "d"],
                ["SDIFFSTORE", "d"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_sintercard(self) -> None:
        self.assertSameReplies(
            [
                *self.sets_for_algebra(),
                ["SINTERCARD", "2", "i1", "i2"],
                ["SINTERCARD", "3", "i1", "i2", "i3"],
                ["SINTERCARD", "1", "h1"],
                ["SINTERCARD", "2", "h1", "h2", "LIMIT", "1"],
                ["SINTERCARD", "2", "h1", "h2", "limit", "0"],
                ["SINTERCARD", "2", "h1", "h2", "LIMIT", "100"],
                ["SINTERCARD", "2", "h1", "h2", "LIMIT", "1", "LIMIT", "2"],
                ["SINTERCARD", "2", "i1", "nosuch"],
                ["SINTERCARD", "2", "nosuch", "str"],
                ["SINTERCARD", "1", "str"],
                ["SINTERCARD", "0", "i1"],
                ["SINTERCARD", "-1", "i1"],
                ["SINTERCARD", "x", "i1"],
                ["SINTERCARD", "9223372036854775808", "i1"],
                ["SINTERCARD", "3", "i1", "i2"],
                ["SINTERCARD", "1", "i1", "LIMIT"],
                ["SINTERCARD", "1", "i1", "LIMIT", "-1"],
                ["SINTERCARD", "1", "i1", "LIMIT", "x"],
                ["SINTERCARD", "1", "i1", "bogus"],
                ["SINTERCARD", "1", "i1", "i2"],
                ["SINTERCARD", "1"],
                ["COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"],
                ["COMMAND", "GETKEYS", "SINTERCARD", "3", "a", "b"],
                ["COMMAND", "GETKEYS", "SINTERCARD", "0", "a"],
                ["COMMAND", "GETKEYS", "SINTERCARD", "-1", "a"],
                ["COMMAND", "GETKEYS", "SINTERCARD", "x", "a"],
                ["COMMAND", "GETKEYSANDFLAGS", "SINTERCARD", "1", "a"],
                ["COMMAND", "GETKEYSANDFLAGS", "SINTERSTORE", "d", "a", "b"],
                ["COMMAND", "GETKEYSANDFLAGS", "SUNIONSTORE", "d", "a"],
                ["COMMAND", "GETKEYSANDFLAGS", "SMOVE", "a", "b", "m"],
                ["COMMAND", "GETKEYSANDFLAGS", "SPOP", "a"],
                ["COMMAND", "GETKEYS", "SDIFF", "a", "b", "c"],
            ]
        )

    def test_spop_and_srandmember_deterministic_cases(self) -> None:
        self.assertSameReplies(
            [
                ["SADD", "i", "3", "1", "2"],
                ["SADD", "h", "a"],
                ["SET", "str", "v"],
                ["SPOP", "nosuch"],
                ["SPOP", "nosuch", "2"],
                ["SPOP", "nosuch", "-1"],
                ["SPOP", "i", "-1"],
                ["SPOP", "i", "x"],
                ["SPOP", "i", "1.5"],
                ["SPOP", "i", "1", "2"],
                ["SPOP", "i", "0"],
                ["SPOP", "str", "0"],
                ["SPOP", "str"],
                ["SPOP", "h"],
                ["EXISTS", "h"],
                ["SRANDMEMBER", "nosuch"],
                ["SRANDMEMBER", "nosuch", "3"],
                ["SRANDMEMBER", "nosuch", "-3"],
                ["SRANDMEMBER", "i", "0"],
                ["SRANDMEMBER", "i", "x"],
                ["SRANDMEMBER", "i", "1", "2"],
                ["SRANDMEMBER", "i", "3"],
                ["SRANDMEMBER", "i", "100"],
                ["SRANDMEMBER", "i", "-9223372036854775808"],
                ["SRANDMEMBER", "i", "9223372036854775808"],
                ["SRANDMEMBER", "str", "1"],
                ["SADD", "one", "m"],
                ["SRANDMEMBER", "one"],
                ["SRANDMEMBER", "one", "-3"],
                ["SPOP", "i", "3"],
                ["EXISTS", "i"],
                ["SADD", "i", "3", "1", "2"],
                ["SPOP", "i", "9223372036854775807"],
                ["SPOP", "one", "1"],
                ["SADD", "hi", "30", "1", "-2", "x"],
                ["SREM", "hi", "x"],
                ["OBJECT", "ENCODING", "hi"],
                u("SRANDMEMBER", "hi", "5"),
                ["SPOP", "hi", "5"],
                ["SPOP"],
                ["SRANDMEMBER"],
                HELLO3,
                ["SPOP", "nosuch"],
                ["SPOP", "nosuch", "1"],
                ["SRANDMEMBER", "nosuch", "1"],
                ["SADD", "i", "3", "1", "2"],
                ["SRANDMEMBER", "i", "5"],
                ["SPOP", "i", "5"],
                ["SADD", "one", "m"],
                ["SPOP", "one", "1"],
                HELLO2,
            ]
        )

    def test_spop_and_srandmember_properties(self) -> None:
        members = [b"%d" % i for i in range(50)] + [b"m%d" % i for i in range(50)]
        for client in (self.redis_client, self.replkv_client):
            client.call("SADD", "s", *members)
            client.call("SADD", "i", *range(40))
        for count in (1, 5, 33, 99):
            for key in ("s", "i"):
                for reply in self.both("SRANDMEMBER", key, count):
                    self.assertEqual(len(set(reply)), min(count, 100 if key == "s" else 40))
        for reply in self.both("SRANDMEMBER", "s", -500):
            self.assertEqual(len(reply), 500)
            self.assertLessEqual(set(reply), set(members))
        # A few picked, then most of what is left (Redis builds a new set), then the rest.
        for key, total in (("s", 100), ("i", 40)):
            left = total
            for count in (3, total - 10, 100):
                for reply in self.both("SPOP", key, count):
                    self.assertEqual(len(set(reply)), min(count, left))
                left = max(left - count, 0)
                self.assertEqual(*self.both("SCARD", key))
        self.assertEqual(*self.both("EXISTS", "s", "i"))
        for client in (self.redis_client, self.replkv_client):
            client.call("SADD", "p", "a", "b", "c")
        popped = [self.both("SPOP", "p") for _ in range(4)]
        for index in (0, 1):
            self.assertEqual(sorted(p[index] for p in popped[:3]), [b"a", b"b", b"c"])
            self.assertIsNone(popped[3][index])
        self.assertEqual(*self.both("DEBUG", "DIGEST"))

    def test_spop_leaves_an_intset_after_taking_most(self) -> None:
        # Taking most of a set leaves a new set behind, encoded afresh by Redis.
        for client in (self.redis_client, self.replkv_client):
            client.call("SADD", "s", *range(20), "x")
            client.call("SREM", "s", "x")
        self.both("SPOP", "s", "18")
        self.assertEqual(*self.both("OBJECT", "ENCODING", "s"))
        self.assertEqual(*self.both("SCARD", "s"))

    def test_sscan(self) -> None:
        self.assertSameReplies(
            [
                ["SADD", "i", *range(30, 0, -1)],
                ["SADD", "h", "a", "b", "1", "ab"],
                ["SET", "str", "v"],
                ["SSCAN", "i", "0"],
                ["SSCAN", "i", "0", "COUNT", "1"],
                ["SSCAN", "i", "12345"],
                ["SSCAN", "i", "18446744073709551615"],
                ["SSCAN", "i", "-1"],
                ["SSCAN", "i", "0", "MATCH", "1*"],
                ["SSCAN", "i", "0", "MATCH", "*", "COUNT", "3"],
                ["SSCAN", "i", "0", "count", "2", "match", "[2-3]"],
                cmd("SSCAN", "h", "0", normalise=unordered_scan),
                cmd("SSCAN", "h", "0", "MATCH", "a*", normalise=unordered_scan),
                ["SSCAN", "nosuch", "0"],
                ["SSCAN", "nosuch", "0", "bogus"],
                ["SSCAN", "nosuch", "x"],
                ["SSCAN", "str", "0"],
                ["SSCAN", "i", "x"],
                ["SSCAN", "i", "18446744073709551616"],
                ["SSCAN", "i", "0", "bogus"],
                ["SSCAN", "i", "0", "COUNT"],
                ["SSCAN", "i", "0", "COUNT", "0"],
                ["SSCAN", "i", "0", "COUNT", "-1"],
                ["SSCAN", "i", "0", "COUNT", "x"],
                ["SSCAN", "i", "0", "MATCH"],
                ["SSCAN", "i", "0", "TYPE", "set"],
                ["SSCAN", "i"],
                HELLO3,
                ["SSCAN", "i", "0", "MATCH", "2*"],
                ["SSCAN", "nosuch", "0"],
                HELLO2,
            ]
        )

    def scan_everything(self, client: RawClient, key: str, count: int) -> list[bytes]:
        found: list[bytes] = []
        cursor = b"0"
        for _ in range(10_000):
            reply = parse_reply(client.call("SSCAN", key, cursor, "COUNT", count))
            assert isinstance(reply, list)
            cursor, batch = reply
            found += batch
            if cursor == b"0":
                return found
        raise AssertionError("SSCAN never returned cursor 0")

    def test_sscan_of_a_hashtable_returns_every_member(self) -> None:
        members = [b"m%d" % i for i in range(300)]
        for client in (self.redis_client, self.replkv_client):
            client.call("SADD", "h", *members)
        for client in (self.redis_client, self.replkv_client):
            for count in (1, 7, 100):
                found = self.scan_everything(client, "h", count)
                self.assertEqual(sorted(set(found)), sorted(members))
        self.assertEqual(
            len(self.scan_everything(self.replkv_client, "h", 7)), len(members)
        )  # replkv returns each exactly once
