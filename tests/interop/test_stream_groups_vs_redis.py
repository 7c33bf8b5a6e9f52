"""Consumer groups and XINFO compared byte for byte with redis-server 7.0.

`EmptyStreamGroupsVsRedisTests` needs no XADD: streams come from XGROUP CREATE
MKSTREAM. `StreamGroupsVsRedisTests` adds entries with XADD (and deletes them with
XDEL, trims with XTRIM), so it runs once XADD is in the command table.
Idle times and delivery / seen times differ between two servers; they are
normalised before comparing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd
from tests.support.resp_client import Arg

HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])

_TIMESTAMP = re.compile(rb":1[0-9]{12}\r\n")
_IDLE_FIELD = re.compile(rb"(\$4\r\nidle\r\n):[0-9]+\r\n")
# XPENDING's extended form: [id, consumer, idle, deliveries].
_PENDING_IDLE = re.compile(
    rb"(\*4\r\n\$[0-9]+\r\n[0-9]+-[0-9]+\r\n\$[0-9]+\r\n[^\r]*\r\n):[0-9]+\r\n"
)


def timeless(raw: bytes) -> bytes:
    """Unix ms times (delivery, seen) and idle times replaced by placeholders."""
    raw = _TIMESTAMP.sub(b":<time>\r\n", raw)
    raw = _IDLE_FIELD.sub(rb"\1:<idle>\r\n", raw)
    return _PENDING_IDLE.sub(rb"\1:<idle>\r\n", raw)


def t(*args: Arg) -> object:
    """A command whose reply carries times."""
    return cmd(*args, normalise=timeless)


def twice(commands: Sequence[object]) -> list[object]:
    """The commands in RESP2, then again in RESP3."""
    return [*commands, HELLO3, *commands, HELLO2]


class EmptyStreamGroupsVsRedisTests(DifferentialCase, SynchronousTestCase):
    def test_xgroup_on_empty_streams_and_errors(self) -> None:
        commands = [
            ["XGROUP", "CREATE", "s", "g", "$"],
            ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
            ["XGROUP", "CREATE", "s", "g", "0"],
            ["XGROUP", "CREATE", "s", "g2", "bad"],
            ["XGROUP", "CREATE", "s", "g2", "+"],
            ["XGROUP", "CREATE", "s", "g2", "-"],
            ["XGROUP", "CREATE", "s", "g2", "5", "ENTRIESREAD", "-2"],
            ["XGROUP", "CREATE", "s", "g2", "5", "ENTRIESREAD", "x"],
            ["XGROUP", "CREATE", "s", "g2", "5", "ENTRIESREAD"],
            ["XGROUP", "create", "s", "g2", "5", "bogus"],
            ["XGROUP", "CREATE", "s", "g3", "0", "MKSTREAM", "MKSTREAM", "ENTRIESREAD", "5"],
            ["XGROUP", "CREATE", "s", "g3", "7-1", "MKSTREAM", "ENTRIESREAD", "5"],
            ["XGROUP", "CREATE", "s2", "g", "0-1", "ENTRIESREAD", "-1", "MKSTREAM"],
            ["XGROUP", "SETID", "s", "nog", "0"],
            ["XGROUP", "SETID", "s", "g", "+"],
            ["XGROUP", "SETID", "s", "g", "-"],
            ["XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "3"],
            ["XGROUP", "SETID", "s", "g", "1", "MKSTREAM"],
            ["XGROUP", "SETID", "s", "g", "1", "ENTRIESREAD"],
            ["XGROUP", "SETID", "nokey", "g", "1"],
            ["XGROUP", "CREATECONSUMER", "s", "g", "c"],
            ["XGROUP", "CREATECONSUMER", "s", "g", "c"],
            ["XGROUP", "CREATECONSUMER", "s", "nog", "c"],
            ["XGROUP", "DELCONSUMER", "s", "g", "nobody"],
            ["XGROUP", "DELCONSUMER", "s", "g", "c"],
            ["XGROUP", "DELCONSUMER", "nokey", "g", "c"],
            ["XGROUP", "DESTROY", "s", "nog"],
            ["XGROUP", "DESTROY", "s", "g3"],
            ["XGROUP", "DESTROY", "s", "g3", "extra"],
            ["XGROUP", "HELP"],
            ["XGROUP", "HELP", "x"],
            ["XGROUP", "BOGUS"],
            ["XGROUP"],
            ["SET", "str", "x"],
            ["XGROUP", "CREATE", "str", "g", "$", "MKSTREAM"],
            ["XGROUP", "DESTROY", "str", "g"],
            ["XINFO", "GROUPS", "s"],
            ["XINFO", "GROUPS", "s2"],
            ["TYPE", "s2"],
        ]
        self.assertSameReplies(twice(commands))

    def test_xinfo_on_empty_streams(self) -> None:
        commands = [
            ["XINFO", "STREAM", "nokey"],
            ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
            ["XGROUP", "CREATE", "s", "a", "0", "MKSTREAM"],
            ["XGROUP", "CREATECONSUMER", "s", "g", "zed"],
            ["XGROUP", "CREATECONSUMER", "s", "g", "amy"],
            ["XINFO", "STREAM", "s"],
            t("XINFO", "STREAM", "s", "FULL"),
            t("XINFO", "STREAM", "s", "FULL", "COUNT", "0"),
            t("XINFO", "STREAM", "s", "FULL", "COUNT", "-1"),
            ["XINFO", "stream", "s", "FULL", "COUNT"],
            ["XINFO", "stream", "s", "fulx"],
            ["XINFO", "STREAM", "s", "FULL", "COUNT", "x"],
            ["XINFO", "STREAM", "s", "FULL", "x", "1"],
            ["XINFO", "GROUPS", "s"],
            t("XINFO", "CONSUMERS", "s", "g"),
            ["XINFO", "CONSUMERS", "s", "nog"],
            ["XINFO", "CONSUMERS", "nokey", "g"],
            ["XINFO", "HELP"],
            ["XINFO", "HELP", "x"],
            ["XINFO", "BOGUS", "s"],
            ["XINFO", "GROUPS"],
            ["SET", "str", "x"],
            ["XINFO", "STREAM", "str"],
        ]
        self.assertSameReplies(twice(commands))

    def test_reads_claims_and_pending_on_empty_streams(self) -> None:
        commands = [
            ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
            ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"],
            t("XINFO", "CONSUMERS", "s", "g"),
            ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"],
            t("XINFO", "CONSUMERS", "s", "g"),
            ["XREADGROUP", "GROUP", "g", "bob", "NOACK", "COUNT", "5", "STREAMS", "s", "0-1"],
            ["XREADGROUP", "GROUP", "g", "bob", "BLOCK", "50", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "1", "2"],
            ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "-1", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "x", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"],
            ["XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "nokey", ">", ">"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "bad"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "+"],
            ["XREADGROUP", "GROUP", "g", "c", "foo", "STREAMS", "s", ">"],
            ["XREADGROUP", "COUNT", "1", "NOACK", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS"],
            ["XREADGROUP", "GROUP", "g", "c"],
            ["MULTI"],
            ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"],
            ["EXEC"],
            ["XPENDING", "s", "g"],
            ["XPENDING", "s", "g", "-", "+", "10"],
            ["XPENDING", "s", "g", "-", "+", "10", "alice"],
            ["XPENDING", "s", "g", "IDLE", "10", "-", "+", "10", "nobody"],
            ["XPENDING", "s", "g", "-", "+", "abc"],
            ["XPENDING", "s", "g", "(", "+", "10"],
            ["XPENDING", "s", "g", "(18446744073709551615-18446744073709551615", "+", "1"],
            ["XPENDING", "s", "g", "-", "(0-0", "10"],
            ["XPENDING", "s", "g", "IDLE", "1", "-", "+"],
            ["XPENDING", "s", "g", "IDLE", "x", "-", "+", "1"],
            ["XPENDING", "s", "g", "1", "2"],
            ["XPENDING", "s", "nog"],
            ["XPENDING", "nokey", "g"],
            ["XACK", "s", "g", "1-1", "bad"],
            ["XACK", "s", "nog", "bad"],
            ["XACK", "s", "g", "1-1", "2"],
            ["XACK", "nokey", "g", "1"],
            ["XCLAIM", "s", "g", "carol", "0", "1-1"],
            ["XCLAIM", "s", "g", "carol", "0", "1-1", "FORCE", "JUSTID"],
            ["XCLAIM", "s", "nog", "c", "0", "1-1"],
            ["XCLAIM", "s", "g", "c", "x", "1-1"],
            ["XCLAIM", "s", "g", "c", "0", "1-1", "IDLE", "x"],
            ["XCLAIM", "s", "g", "c", "0", "1-1", "TIME", "x"],
            ["XCLAIM", "s", "g", "c", "0", "1-1", "RETRYCOUNT", "x"],
            ["XCLAIM", "s", "g", "c", "0", "1-1", "LASTID", "x"],
            ["XCLAIM", "s", "g", "c", "0", "1-1", "bogus"],
            ["XCLAIM", "s", "g", "c", "0", "1-1", "idle"],
            ["XCLAIM", "s", "g", "c", "0", "bad", "1-1"],
            ["XCLAIM", "s", "g", "c", "0", "1-1", "LASTID", "5-5"],
            ["XINFO", "GROUPS", "s"],
            ["XAUTOCLAIM", "s", "g", "dave", "0", "0"],
            ["XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "5", "JUSTID"],
            ["XAUTOCLAIM", "s", "g", "c", "x", "0"],
            ["XAUTOCLAIM", "s", "g", "c", "0", "x"],
            ["XAUTOCLAIM", "s", "g", "c", "0", "(18446744073709551615-18446744073709551615"],
            ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0"],
            ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "9223372036854775807"],
            ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "576460752303423488"],
            ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "576460752303423487"],
            ["XAUTOCLAIM", "s", "g", "c", "0", "0", "bogus"],
            ["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT"],
            ["XAUTOCLAIM", "s", "nog", "c", "0", "0"],
            t("XINFO", "CONSUMERS", "s", "g"),
            ["SET", "str", "x"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"],
            ["XPENDING", "str", "g"],
            ["XCLAIM", "str", "g", "c", "0", "1-1"],
            ["XAUTOCLAIM", "str", "g", "c", "0", "0"],
            ["XACK", "str", "g", "1-1"],
            ["COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", "1", "2"],
            ["COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "a"],
            ["COMMAND", "GETKEYSANDFLAGS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "1"],
        ]
        self.assertSameReplies(twice(commands))


class StreamGroupsVsRedisTests(DifferentialCase, SynchronousTestCase):
    def fill(self, key: str = "s", count: int = 5) -> list[list[Arg]]:
        return [["XADD", key, f"{i}-1", "f", str(i)] for i in range(1, count + 1)]

    def test_block_refused_from_scripts(self) -> None:
        read = (
            "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>')"
        )
        self.assertSameReplies(
            [["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"], ["EVAL", read, "0"]]
        )

    def test_seq_star_ids_only_for_xadd(self) -> None:
        """`<ms>-*` is an id only to XADD: every group command refuses it."""
        self.assertSameReplies(
            [
                *self.fill(count=2),
                ["XGROUP", "CREATE", "s", "g", "0"],
                ["XGROUP", "CREATE", "s", "h", "1-*"],
                ["XGROUP", "SETID", "s", "g", "1-*"],
                ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "1-*"],
                ["XACK", "s", "g", "1-*"],
                ["XPENDING", "s", "g", "1-*", "+", "10"],
                ["XCLAIM", "s", "g", "c", "0", "1-*"],
                ["XAUTOCLAIM", "s", "g", "c", "0", "1-*"],
                ["XADD", "s", "3-*", "f", "v"],
            ]
        )

    def test_dollar_versus_greater_than_and_noack(self) -> None:
        commands = [
            *self.fill(count=3),
            ["XGROUP", "CREATE", "s", "g", "$"],
            ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"],
            ["XGROUP", "CREATE", "s", "h", "0"],
            ["XREADGROUP", "GROUP", "h", "alice", "COUNT", "2", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "h", "bob", "NOACK", "STREAMS", "s", ">"],
            ["XADD", "s", "4-1", "f", "4"],
            ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"],
            ["XREADGROUP", "GROUP", "h", "alice", "COUNT", "1", "STREAMS", "s", "0"],
            ["XREADGROUP", "GROUP", "h", "bob", "STREAMS", "s", "0"],
            ["XREADGROUP", "GROUP", "h", "carol", "STREAMS", "s", "s", ">", ">"],
            ["XPENDING", "s", "h"],
            t("XPENDING", "s", "h", "-", "+", "10"),
            t("XPENDING", "s", "h", "IDLE", "0", "-", "+", "10", "alice"),
            t("XPENDING", "s", "h", "IDLE", "100000", "-", "+", "10"),
            t("XPENDING", "s", "h", "(1-1", "(4-1", "10"),
            ["XINFO", "GROUPS", "s"],
            t("XINFO", "CONSUMERS", "s", "h"),
            t("XINFO", "STREAM", "s", "FULL"),
            ["XACK", "s", "h", "1-1", "2-1", "9-9"],
            ["XPENDING", "s", "h"],
        ]
        self.assertSameReplies(twice(commands))

    def test_history_after_xdel_and_claims_of_deleted_ids(self) -> None:
        commands = [
            *self.fill(),
            ["XGROUP", "CREATE", "s", "g", "0"],
            ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"],
            ["XDEL", "s", "1-1", "3-1"],
            ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"],
            ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", "0"],
            ["XCLAIM", "s", "g", "bob", "0", "1-1", "2-1", "9-9"],
            ["XCLAIM", "s", "g", "bob", "0", "4-1", "JUSTID"],
            ["XCLAIM", "s", "g", "bob", "0", "5-1", "RETRYCOUNT", "9", "IDLE", "10"],
            ["XPENDING", "s", "g"],
            ["XAUTOCLAIM", "s", "g", "carol", "0", "0", "COUNT", "1"],
            ["XDEL", "s", "2-1"],
            ["XAUTOCLAIM", "s", "g", "carol", "0", "0", "COUNT", "1"],
            ["XAUTOCLAIM", "s", "g", "carol", "0", "0", "COUNT", "1", "JUSTID"],
            ["XAUTOCLAIM", "s", "g", "carol", "0", "(4-1"],
            ["XAUTOCLAIM", "s", "g", "carol", "100000", "0"],
            ["XPENDING", "s", "g"],
            ["XACK", "s", "g", "4-1"],
            ["XCLAIM", "s", "g", "dave", "0", "4-1", "FORCE", "TIME", "123"],
            t("XPENDING", "s", "g", "-", "+", "10"),
            ["XCLAIM", "s", "g", "dave", "0", "8-8", "LASTID", "9-9"],
            ["XINFO", "GROUPS", "s"],
            t("XINFO", "CONSUMERS", "s", "g"),
            t("XINFO", "STREAM", "s", "FULL", "COUNT", "1"),
            ["XGROUP", "DELCONSUMER", "s", "g", "dave"],
            ["XPENDING", "s", "g"],
        ]
        self.assertSameReplies(twice(commands))

    def test_lag_entries_read_and_setid(self) -> None:
        commands = [
            *self.fill(count=4),
            ["XGROUP", "CREATE", "s", "g", "0"],
            ["XGROUP", "CREATE", "s", "h", "0", "ENTRIESREAD", "0"],
            ["XGROUP", "CREATE", "s", "k", "$"],
            ["XINFO", "GROUPS", "s"],
            ["XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "h", "a", "COUNT", "1", "STREAMS", "s", ">"],
            ["XINFO", "GROUPS", "s"],
            ["XDEL", "s", "3-1"],
            ["XINFO", "GROUPS", "s"],
            ["XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "h", "a", "COUNT", "2", "STREAMS", "s", ">"],
            ["XINFO", "GROUPS", "s"],
            ["XDEL", "s", "1-1"],
            ["XGROUP", "SETID", "s", "g", "0"],
            ["XGROUP", "SETID", "s", "h", "0", "ENTRIESREAD", "0"],
            ["XINFO", "GROUPS", "s"],
            ["XGROUP", "SETID", "s", "g", "2-1", "ENTRIESREAD", "2"],
            ["XGROUP", "SETID", "s", "h", "$"],
            ["XINFO", "GROUPS", "s"],
            ["XADD", "s", "5-1", "f", "5"],
            ["XTRIM", "s", "MAXLEN", "1"],
            ["XINFO", "GROUPS", "s"],
            ["XINFO", "STREAM", "s"],
            ["XDEL", "s", "5-1"],
            ["XINFO", "GROUPS", "s"],
            ["XINFO", "STREAM", "s"],
            ["XADD", "s", "6-1", "f", "6"],
            ["XREADGROUP", "GROUP", "k", "a", "STREAMS", "s", ">"],
            ["XINFO", "GROUPS", "s"],
        ]
        self.assertSameReplies(twice(commands))

    def test_xinfo_stream_full_with_many_entries(self) -> None:
        commands = [
            *self.fill(count=120),
            ["XGROUP", "CREATE", "s", "g", "0"],
            ["XGROUP", "CREATE", "s", "b", "$"],
            ["XREADGROUP", "GROUP", "g", "y", "COUNT", "15", "STREAMS", "s", ">"],
            ["XREADGROUP", "GROUP", "g", "x", "COUNT", "3", "STREAMS", "s", ">"],
            ["XINFO", "STREAM", "s"],
            t("XINFO", "STREAM", "s", "FULL"),
            t("XINFO", "STREAM", "s", "FULL", "COUNT", "2"),
            t("XINFO", "STREAM", "s", "FULL", "COUNT", "-1"),
            ["XDEL", "s", "1-1", "50-1", "120-1"],
            ["XINFO", "STREAM", "s"],
            ["XINFO", "GROUPS", "s"],
        ]
        self.assertSameReplies(twice(commands))


class BlockedReadGroupVsRedisTests(DifferentialCase, SynchronousTestCase):
    def test_woken_by_deletion_and_destroy(self) -> None:
        block = ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]
        self.assertSameScenario(
            [
                ("a", ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
                ("b1", block),
                (
                    "a",
                    ["XREADGROUP", "GROUP", "g", "d", "BLOCK", "0", "STREAMS", "s", "t", ">", ">"],
                ),
                (
                    "b2",
                    ["XREADGROUP", "GROUP", "g", "d", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"],
                ),
                ("a", ["DEL", "s"]),
                ("a", ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
                ("b1", block),
                ("a", ["SET", "s", "x"]),
                ("a", ["DEL", "s"]),
                ("a", ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
                ("b1", block),
                ("a", ["XGROUP", "CREATECONSUMER", "s", "g", "x"]),
                ("a", ["XGROUP", "SETID", "s", "g", "0"]),
                ("a", ["XGROUP", "DESTROY", "s", "g"]),
                ("a", ["XGROUP", "CREATE", "s", "g", "$"]),
                ("b1", ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]),
                ("a", ["FLUSHALL"]),
                ("a", ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
                ("a", ["XINFO", "GROUPS", "s"]),
            ]
        )

    def test_served_by_xadd(self) -> None:
        self.assertSameScenario(
            [
                ("a", ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
                ("a", ["XGROUP", "CREATE", "s", "h", "$"]),
                ("b1", ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]),
                (
                    "b2",
                    [
                        "XREADGROUP",
                        "GROUP",
                        "g",
                        "d",
                        "COUNT",
                        "1",
                        "BLOCK",
                        "0",
                        "STREAMS",
                        "s",
                        ">",
                    ],
                ),
                (
                    "b3",
                    ["XREADGROUP", "GROUP", "h", "e", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"],
                ),
                ("a", ["MULTI"]),
                ("a", ["XADD", "s", "1-1", "f", "1"]),
                ("a", ["XADD", "s", "2-1", "f", "2"]),
                ("a", ["EXEC"]),
                ("b2", ["XREADGROUP", "GROUP", "g", "d", "BLOCK", "0", "STREAMS", "s", ">"]),
                ("a", ["XADD", "s", "3-1", "f", "3"]),
                ("a", ["XPENDING", "s", "g"]),
                ("a", ["XINFO", "GROUPS", "s"]),
            ]
        )
