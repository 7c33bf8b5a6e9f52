"""BZPOPMIN, BZPOPMAX and BZMPOP compared byte for byte with redis-server 7.0."""

from __future__ import annotations

from collections.abc import Sequence

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd
from tests.support.resp_client import Arg

HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])


class BlockingZsetPopsVsRedisTests(DifferentialCase, SynchronousTestCase):
    def test_served_at_once_and_errors(self) -> None:
        fill = ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "-inf", "m"]
        commands: list[Sequence[Arg]] = [
            fill,
            ["BZPOPMIN", "nokey", "z", "0"],
            ["BZPOPMAX", "z", "1.5"],
            ["BZPOPMIN", "z", "z", "0"],
            ["BZMPOP", "0", "2", "nokey", "z", "MIN"],
            ["BZMPOP", "0", "1", "z", "max", "COUNT", "10"],
            ["EXISTS", "z"],
            ["ZADD", "z", "1e-7", "x", "0.1", "y"],
            ["BZMPOP", "0", "1", "z", "MIN", "COUNT", "1"],
            ["BZPOPMIN", "z", "0"],
            ["SET", "s", "x"],
            ["ZADD", "z", "1", "a"],
            ["BZPOPMIN", "s", "0"],
            ["BZPOPMAX", "nokey", "s", "z", "0"],
            ["BZPOPMAX", "z", "s", "0"],
            ["BZMPOP", "0", "2", "nokey", "s", "MIN"],
            ["BZPOPMIN", "s", "abc"],
            ["BZPOPMIN", "s", "-1"],
            ["BZPOPMIN", "s", "inf"],
            ["BZPOPMIN", "s", ""],
            ["BZMPOP", "abc", "1", "s", "MIN"],
            ["BZMPOP", "abc", "0", "s", "MIN"],
            ["BZMPOP", "0", "-1", "s", "MIN"],
            ["BZMPOP", "0", "x", "s", "MIN"],
            ["BZMPOP", "0", "3", "s", "MIN"],
            ["BZMPOP", "0", "1", "s", "MID"],
            ["BZMPOP", "0", "1", "s", "MIN", "COUNT"],
            ["BZMPOP", "0", "1", "s", "MIN", "COUNT", "0"],
            ["BZMPOP", "0", "1", "s", "MIN", "COUNT", "-1"],
            ["BZMPOP", "0", "1", "s", "MIN", "COUNT", "1", "COUNT", "1"],
            ["BZMPOP", "0", "1", "s", "MIN", "LIMIT", "1"],
            ["BZMPOP", "0", "1", "s"],
            ["BZPOPMIN", "s"],
            ["BZPOPMAX"],
        ]
        self.assertSameReplies([*commands, HELLO3, *commands, HELLO2])

    def test_in_multi_they_do_not_block(self) -> None:
        commands: list[Sequence[Arg]] = [
            ["MULTI"],
            ["BZPOPMIN", "nokey", "0"],
            ["BZPOPMAX", "nokey", "nokey2", "0"],
            ["BZMPOP", "0", "1", "nokey", "MIN", "COUNT", "3"],
            ["ZADD", "k", "1", "u", "2", "v"],
            ["BZPOPMAX", "k", "0"],
            ["BZMPOP", "0", "1", "k", "MIN", "COUNT", "3"],
            ["EXEC"],
        ]
        self.assertSameReplies([*commands, HELLO3, *commands, HELLO2])

    def test_timeouts(self) -> None:
        commands: list[Sequence[Arg]] = [
            ["BZPOPMIN", "nokey", "nokey2", "0.01"],
            ["BZPOPMAX", "nokey", "0.01"],
            ["BZMPOP", "0.01", "1", "nokey", "MAX"],
        ]
        self.assertSameReplies([*commands, HELLO3, *commands, HELLO2])

    def test_command_info_and_getkeys(self) -> None:
        getkeys = [
            ["bzmpop", "0", "2", "a", "b", "MIN"], ["bzmpop", "0", "abc", "a", "b"],
            ["bzmpop", "0", "5", "a", "b", "MIN"], ["bzmpop", "0", "0", "a", "b"],
            ["bzpopmin", "a", "b", "0"], ["bzpopmax", "a", "0"],
        ]  # fmt: skip
        self.assertSameReplies(
            [
                ["COMMAND", "INFO", "bzpopmin", "bzpopmax", "bzmpop"],
                *[["COMMAND", "GETKEYS", *argv] for argv in getkeys],
                *[["COMMAND", "GETKEYSANDFLAGS", *argv] for argv in getkeys],
            ]
        )

    def test_fifo_among_clients(self) -> None:
        self.assertSameScenario(
            [
                ("b1", ["BZPOPMIN", "q1", "q2", "5"]),
                ("b2", ["BZMPOP", "5", "1", "q2", "MAX", "COUNT", "2"]),
                ("b3", ["BZPOPMAX", "q2", "5"]),
                ("b4", ["BLPOP", "q2", "5"]),
                ("b5", ["BZPOPMIN", "q2", "q1", "5"]),
                ("a", ["ZADD", "q2", "1", "x", "2", "y", "3", "z", "4", "w"]),
                ("a", ["EXISTS", "q2"]),
                ("a", ["ZINCRBY", "q1", "1.5", "m"]),
                ("a", ["RPUSH", "q2", "e"]),
                ("a", ["DEBUG", "DIGEST"]),
            ]
        )

    def test_transactions_stores_and_other_types(self) -> None:
        self.assertSameScenario(
            [
                ("b1", ["BZPOPMAX", "t", "5"]),
                ("a", ["MULTI"]),
                ("a", ["ZADD", "t", "1", "a"]),
                ("a", ["ZADD", "t", "5", "b"]),
                ("a", ["EXEC"]),
                ("a", ["ZRANGE", "t", "0", "-1", "WITHSCORES"]),
                ("b2", ["BZMPOP", "5", "2", "nokey", "u", "MIN", "COUNT", "9"]),
                ("a", ["ZUNIONSTORE", "u", "1", "t", "WEIGHTS", "2.5"]),
                ("b3", ["BZPOPMIN", "w", "5"]),
                ("a", ["SET", "w", "x"]),
                ("a", ["DEL", "w"]),
                ("a", ["RPUSH", "w", "e"]),
                ("a", ["DEL", "w"]),
                ("a", ["ZADD", "w1", "3", "m", "4", "n"]),
                ("a", ["RENAME", "w1", "w"]),
                ("a", ["ZRANGE", "w", "0", "-1"]),
                ("b4", ["BZPOPMIN", "zz", "5"]),
                ("a", ["MULTI"]),
                ("a", ["ZADD", "zz", "1", "u"]),
                ("a", ["BZPOPMIN", "zz", "0"]),
                ("a", ["EXEC"]),
                ("a", ["ZADD", "zz", "2", "late"]),
                ("a", ["DEBUG", "DIGEST"]),
            ]
        )

    redis_args = ("--enable-debug-command", "yes")
    replkv_args = ("--enable-debug-command", "yes")
