"""List commands, blocking ones included, compared byte for byte with redis-server 7.0."""

from __future__ import annotations

import time
from collections.abc import Sequence

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd
from tests.support.resp_client import Arg, RawClient, encode_command

HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])
BINARY = [b"nul\0value", b"crlf\r\nvalue", b"", b"\xff\xfe", b"sp ace"]


class ListsVsRedisTests(DifferentialCase, SynchronousTestCase):
    def test_push_and_pop(self) -> None:
        self.assertSameReplies(
            [
                ["LPUSH", "l", "a", "b", "c"],
                ["RPUSH", "l", *BINARY],
                ["LRANGE", "l", "0", "-1"],
                ["LPUSHX", "nokey", "a"],
                ["RPUSHX", "nokey", "a"],
                ["EXISTS", "nokey"],
                ["LPUSHX", "l", "x", "y"],
                ["RPUSHX", "l", "z"],
                ["LLEN", "l"],
                ["LLEN", "nokey"],
                ["LPOP", "l"],
                ["RPOP", "l"],
                ["LPOP", "l", "2"],
                ["RPOP", "l", "3"],
                ["LPOP", "l", "0"],
                ["RPOP", "l", "0"],
                ["LPOP", "l", "-1"],
                ["LPOP", "l", "abc"],
                ["LPOP", "l", "1", "2"],
                ["RPOP", "l", "100"],
                ["EXISTS", "l"],
                ["LPOP", "nokey"],
                ["LPOP", "nokey", "0"],
                ["LPOP", "nokey", "3"],
                ["RPOP", "nokey"],
                ["TYPE", "l"],
                ["RPUSH", "l", "1"],
                ["TYPE", "l"],
                ["OBJECT", "ENCODING", "l"],
                ["RPUSH", "big", *[b"x" * 100] * 200],
                ["OBJECT", "ENCODING", "big"],
                HELLO3,
                ["LPOP", "nokey"],
                ["LPOP", "nokey", "0"],
                ["LPOP", "nokey", "3"],
                ["LPOP", "l", "0"],
                ["LMPOP", "1", "nokey", "LEFT"],
                HELLO2,
            ]
        )

    def test_wrong_type(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "s", "x"],
                *[
                    [name, *args]
                    for name, args in [
                        ("LPUSH", ["s", "a"]),
                        ("RPUSHX", ["s", "a"]),
                        ("LPOP", ["s"]),
                        ("RPOP", ["s", "2"]),
                        ("LLEN", ["s"]),
                        ("LRANGE", ["s", "0", "1"]),
                        ("LINDEX", ["s", "0"]),
                        ("LSET", ["s", "0", "x"]),
                        ("LINSERT", ["s", "BEFORE", "a", "b"]),
                        ("LREM", ["s", "0", "a"]),
                        ("LTRIM", ["s", "0", "1"]),
                        ("LPOS", ["s", "a"]),
                        ("LMOVE", ["s", "d", "LEFT", "LEFT"]),
                        ("RPOPLPUSH", ["s", "d"]),
                        ("LMPOP", ["2", "nokey", "s", "LEFT"]),
                        ("BLPOP", ["nokey", "s", "0"]),
                        ("BLMOVE", ["s", "d", "LEFT", "LEFT", "0"]),
                        ("BRPOPLPUSH", ["s", "d", "0"]),
                        ("BLMPOP", ["0", "2", "nokey", "s", "LEFT"]),
                    ]
                ],  # fmt: skip
                ["RPUSH", "l", "a"],
                ["LMOVE", "l", "s", "LEFT", "LEFT"],
                ["RPOPLPUSH", "l", "s"],
                ["LRANGE", "l", "0", "-1"],
                ["LMOVE", "nokey", "s", "LEFT", "LEFT"],
                ["BLPOP", "l", "s", "0"],
                ["GET", "s"],
            ]
        )

    def test_ranges_and_indexes(self) -> None:
        ranges = [
            ("0", "-1"), ("-100", "100"), ("5", "1"), ("-2", "-1"), ("3", "3"), ("9", "20"),
            ("-1", "-2"), ("0", "0"), ("-9223372036854775808", "9223372036854775807"),
            ("a", "1"), ("1", "b"), ("2", "-3"),
        ]  # fmt: skip
        commands: list[Sequence[Arg]] = [["RPUSH", "l", *"abcdefgh"]]
        for start, end in ranges:
            commands.append(["LRANGE", "l", start, end])
            commands.append(["LRANGE", "nokey", start, end])
        for index in ["0", "-1", "7", "8", "-8", "-9", "abc", "100"]:
            commands.append(["LINDEX", "l", index])
            commands.append(["LINDEX", "nokey", index])
        for index in ["0", "-1", "7", "8", "-9", "abc"]:
            commands.append(["LSET", "l", index, "X" + index])
        commands += [["LSET", "nokey", "0", "x"], ["LSET", "nokey", "abc", "x"]]
        commands.append(["LRANGE", "l", "0", "-1"])
        self.assertSameReplies(commands)

    def test_trim(self) -> None:
        commands: list[Sequence[Arg]] = []
        for start, end in [
            ("0", "-1"), ("1", "-2"), ("-100", "-3"), ("2", "1"), ("0", "100"), ("5", "10"),
            ("-1", "-1"), ("a", "0"), ("0", "b"),
        ]:  # fmt: skip
            commands += [
                ["DEL", "l"],
                ["RPUSH", "l", *"abcdefg"],
                ["LTRIM", "l", start, end],
                ["LRANGE", "l", "0", "-1"],
                ["EXISTS", "l"],
            ]
        commands += [["LTRIM", "nokey", "0", "1"], ["LTRIM", "nokey", "x", "1"]]
        self.assertSameReplies(commands)

    def test_insert_and_remove(self) -> None:
        self.assertSameReplies(
            [
                ["RPUSH", "l", "a", "b", "a", "c", "a", "b"],
                ["LINSERT", "l", "BEFORE", "a", "x"],
                ["LINSERT", "l", "after", "b", "y"],
                ["LINSERT", "l", "AFTER", "zz", "y"],
                ["LINSERT", "l", "middle", "a", "y"],
                ["LINSERT", "nokey", "BEFORE", "a", "y"],
                ["LINSERT", "nokey", "middle", "a", "y"],
                ["LRANGE", "l", "0", "-1"],
                ["LREM", "l", "1", "a"],
                ["LRANGE", "l", "0", "-1"],
                ["LREM", "l", "-1", "b"],
                ["LRANGE", "l", "0", "-1"],
                ["LREM", "l", "0", "a"],
                ["LREM", "l", "0", "zz"],
                ["LREM", "l", "abc", "a"],
                ["LREM", "nokey", "0", "a"],
                ["LRANGE", "l", "0", "-1"],
                ["LREM", "l", "-100", "y"],
                ["LREM", "l", "0", "x"],
                ["LREM", "l", "0", "b"],
                ["LREM", "l", "0", "c"],
                ["EXISTS", "l"],
            ]
        )

    def test_lpos(self) -> None:
        options = [
            [], ["RANK", "1"], ["RANK", "2"], ["RANK", "-1"], ["RANK", "-3"], ["RANK", "9"],
            ["RANK", "0"], ["RANK", "abc"], ["RANK", "-9223372036854775808"],
            ["RANK", "-9223372036854775807"], ["RANK", "9223372036854775808"],
            ["COUNT", "0"], ["COUNT", "2"], ["COUNT", "-1"], ["COUNT", "abc"],
            ["MAXLEN", "2"], ["MAXLEN", "-1"], ["MAXLEN", "x"], ["RANK", "-1", "COUNT", "0"],
            ["RANK", "2", "COUNT", "0", "MAXLEN", "3"], ["COUNT", "1", "COUNT", "2"],
            ["RANK", "-9223372036854775808", "COUNT", "2"], ["RANK", "-2", "MAXLEN", "3"],
            ["FOO", "1"], ["RANK"], ["count", "0", "rank", "-2"],
        ]  # fmt: skip
        commands: list[Sequence[Arg]] = [["RPUSH", "l", "a", "b", "a", "c", "a", "b"]]
        for extra in options:
            for element in ["a", "zz"]:
                commands.append(["LPOS", "l", element, *extra])
            commands.append(["LPOS", "nokey", "a", *extra])
        self.assertSameReplies([*commands, HELLO3, *commands[1:], HELLO2])

    def test_moves(self) -> None:
        self.assertSameReplies(
            [
                ["RPUSH", "l", "a", "b", "c"],
                ["LMOVE", "l", "d", "LEFT", "RIGHT"],
                ["LMOVE", "l", "d", "right", "left"],
                ["LMOVE", "l", "d", "MIDDLE", "LEFT"],
                ["LMOVE", "l", "d", "LEFT", "up"],
                ["LMOVE", "l", "l", "LEFT", "RIGHT"],
                ["LRANGE", "l", "0", "-1"],
                ["LRANGE", "d", "0", "-1"],
                ["RPOPLPUSH", "d", "d"],
                ["LRANGE", "d", "0", "-1"],
                ["RPOPLPUSH", "l", "e"],
                ["EXISTS", "l"],
                ["RPOPLPUSH", "l", "e"],
                ["LMOVE", "nokey", "e", "LEFT", "LEFT"],
                ["LRANGE", "e", "0", "-1"],
            ]
        )

    def test_lmpop(self) -> None:
        self.assertSameReplies(
            [
                ["RPUSH", "a", "1", "2", "3"],
                ["RPUSH", "b", "4", "5"],
                ["LMPOP", "2", "x", "a", "LEFT"],
                ["LMPOP", "2", "x", "a", "RIGHT", "COUNT", "10"],
                ["LMPOP", "3", "a", "x", "b", "left", "count", "1"],
                ["LMPOP", "1", "x", "LEFT"],
                ["LMPOP", "0", "a", "LEFT"],
                ["LMPOP", "-1", "a", "LEFT"],
                ["LMPOP", "abc", "a", "LEFT"],
                ["LMPOP", "1", "a", "MIDDLE"],
                ["LMPOP", "2", "a", "LEFT"],
                ["LMPOP", "5", "a", "LEFT"],
                ["LMPOP", "1", "a", "LEFT", "COUNT", "0"],
                ["LMPOP", "1", "a", "LEFT", "COUNT", "-1"],
                ["LMPOP", "1", "a", "LEFT", "COUNT", "99999999999999999999"],
                ["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "2"],
                ["LMPOP", "1", "a", "LEFT", "COUNT"],
                ["LMPOP", "1", "a", "LEFT", "foo"],
                ["LMPOP", "1", "b", "RIGHT", "COUNT", "1"],
                ["LMPOP", "1", "b", "RIGHT", "COUNT", "1"],
                ["EXISTS", "b"],
            ]
        )

    def test_blocking_forms_served_at_once(self) -> None:
        self.assertSameReplies(
            [
                ["RPUSH", "l", *"abcdefghijklmnop"],
                ["BLPOP", "nokey", "l", "0"],
                ["BRPOP", "l", "1.5"],
                ["BLMOVE", "l", "d", "RIGHT", "LEFT", "0"],
                ["BRPOPLPUSH", "l", "d", "0"],
                ["BLMPOP", "0", "2", "nokey", "l", "LEFT", "COUNT", "2"],
                ["BLMPOP", "0", "1", "l", "RIGHT"],
                ["BLMPOP", "0", "0", "l", "RIGHT"],
                ["BLMPOP", "-1", "1", "l", "RIGHT"],
                ["BLMPOP", "x", "1", "l", "RIGHT"],
                ["BLMOVE", "l", "d", "MIDDLE", "LEFT", "0"],
                ["BLMOVE", "l", "d", "LEFT", "LEFT", "-1"],
                *[
                    ["BLPOP", "l", timeout]
                    for timeout in [
                        "-1",
                        "abc",
                        "1e400",
                        "inf",
                        "-inf",
                        "nan",
                        "0x10",
                        " 1",
                        "1 ",
                        "",
                        "9.3e15",
                        "1e-5000",
                        ".5",
                        "9e15",
                    ]
                ],  # fmt: skip
                ["LRANGE", "d", "0", "-1"],
                ["LRANGE", "l", "0", "-1"],
            ]
        )

    def test_blocking_in_multi_does_not_block(self) -> None:
        commands: list[Sequence[Arg]] = [
            ["MULTI"],
            ["BLPOP", "nokey", "0"],
            ["BRPOP", "nokey", "nokey2", "0"],
            ["BLMOVE", "nokey", "x", "LEFT", "LEFT", "0"],
            ["BRPOPLPUSH", "nokey", "x", "0"],
            ["BLMPOP", "0", "1", "nokey", "LEFT"],
            ["LPUSH", "k", "u"],
            ["BLPOP", "k", "0"],
            ["EXEC"],
        ]
        self.assertSameReplies([*commands, HELLO3, *commands, HELLO2])

    def test_timeouts(self) -> None:
        commands: list[Sequence[Arg]] = [
            ["BLPOP", "nokey", "nokey2", "0.01"],
            ["BRPOP", "nokey", "0.01"],
            ["BLMOVE", "nokey", "x", "LEFT", "LEFT", "0.01"],
            ["BRPOPLPUSH", "nokey", "x", "0.01"],
            ["BLMPOP", "0.01", "1", "nokey", "LEFT"],
        ]
        self.assertSameReplies([*commands, HELLO3, *commands, HELLO2])

    def test_command_info_and_getkeys(self) -> None:
        names = "lpush rpush lpushx rpushx lpop rpop llen lrange lindex lset linsert lrem "
        names += "ltrim lpos lmove rpoplpush lmpop blpop brpop blmove brpoplpush blmpop"
        getkeys = [
            ["lmpop", "2", "a", "b", "LEFT"], ["lmpop", "abc", "a", "b"],
            ["lmpop", "5", "a", "b", "LEFT"], ["lmpop", "0", "a", "b"],
            ["lmpop", "3", "a", "b", "LEFT"], ["blmpop", "0", "2", "a", "b", "LEFT"],
            ["blpop", "a", "b", "0"], ["lmove", "a", "b", "left", "left"],
            ["brpoplpush", "a", "b", "0"], ["lpush", "a", "b"],
        ]  # fmt: skip
        self.assertSameReplies(
            [
                *[["COMMAND", "INFO", name] for name in names.split()],
                *[["COMMAND", "GETKEYS", *argv] for argv in getkeys],
                *[["COMMAND", "GETKEYSANDFLAGS", *argv] for argv in getkeys],
            ]
        )

    def test_digest(self) -> None:
        self.assertSameReplies(
            [
                ["DEBUG", "DIGEST"],
                ["RPUSH", "l", *BINARY, "1", "2", "x" * 100],
                ["LPUSH", "m", "b", "a"],
                ["DEBUG", "DIGEST"],
                ["DEBUG", "DIGEST-VALUE", "l", "m"],
                ["PEXPIRE", "m", "100000"],
                ["DEBUG", "DIGEST"],
                ["COPY", "l", "c"],
                ["RENAME", "m", "n"],
                ["DEBUG", "DIGEST"],
            ]
        )

    redis_args = ("--enable-debug-command", "yes")
    replkv_args = ("--enable-debug-command", "yes")


class BlockingVsRedisTests(DifferentialCase, SynchronousTestCase):
    def test_fifo_among_clients_and_commands(self) -> None:
        self.assertSameScenario(
            [
                ("b1", ["BLPOP", "q1", "q2", "5"]),
                ("b2", ["BLMOVE", "q2", "dst", "LEFT", "LEFT", "5"]),
                ("b3", ["BLMPOP", "5", "1", "q2", "RIGHT", "COUNT", "5"]),
                ("b4", ["BRPOPLPUSH", "q2", "dst2", "5"]),
                ("b5", ["BRPOP", "q2", "q1", "5"]),
                ("a", ["RPUSH", "q2", *"12345678"]),
                ("a", ["LRANGE", "dst", "0", "-1"]),
                ("a", ["LRANGE", "dst2", "0", "-1"]),
                ("a", ["EXISTS", "q2"]),
                ("a", ["RPUSH", "q1", "x"]),
            ]
        )

    def test_chains_transactions_and_renames(self) -> None:
        self.assertSameScenario(
            [
                ("b1", ["BLMOVE", "s1", "s2", "LEFT", "RIGHT", "5"]),
                ("b2", ["BLPOP", "s2", "5"]),
                ("a", ["RPUSH", "s1", "v"]),
                ("b3", ["BLPOP", "q3", "5"]),
                ("a", ["MULTI"]),
                ("a", ["RPUSH", "q3", "x"]),
                ("a", ["RPUSH", "q3", "y"]),
                ("a", ["EXEC"]),
                ("a", ["LRANGE", "q3", "0", "-1"]),
                ("b4", ["BLPOP", "w", "5"]),
                ("a", ["SET", "w", "x"]),
                ("a", ["DEL", "w"]),
                ("a", ["RPUSH", "w1", "a", "b"]),
                ("a", ["RENAME", "w1", "w"]),
                ("b5", ["BLPOP", "zz", "5"]),
                ("a", ["MULTI"]),
                ("a", ["LPUSH", "zz", "u"]),
                ("a", ["BLPOP", "zz", "0"]),
                ("a", ["EXEC"]),
                ("a", ["RPUSH", "zz", "late"]),
                ("b6", ["BLMOVE", "m", "str", "LEFT", "LEFT", "5"]),
                ("a", ["SET", "str", "x"]),
                ("a", ["RPUSH", "m", "1"]),
                ("a", ["LRANGE", "m", "0", "-1"]),
            ]
        )

    def test_timeout_unblock_and_pipeline(self) -> None:
        self.assertSameScenario(
            [
                # A short timeout here would race the steps after it; timeouts
                # are checked on their own below and in ListsVsRedisTests.
                ("a", ["CLIENT", "UNBLOCK", "999", "TIMEOUT"]),
                ("b2", ["BRPOPLPUSH", "t", "u", "0"]),
                ("b3", ["BLMPOP", "0", "1", "t", "LEFT"]),
                ("a", ["CLIENT", "UNBLOCK", "abc"]),
                ("a", ["CLIENT", "UNBLOCK", "1", "FOO"]),
                ("a", ["RPUSH", "t", "1"]),
                ("a", ["INFO", "NOSUCH"]),
            ]
        )
        # The timeout arrives on its own, then the pipelined command runs.
        for server in (self.redis_server, self.replkv_server):
            with RawClient(server.port, timeout=5) as client:
                client.send_raw(encode_command("BLPOP", "t", "0.1") + encode_command("PING"))
                started = time.monotonic()
                self.assertEqual(client.read_reply(), b"*-1\r\n")
                self.assertEqual(client.read_reply(), b"+PONG\r\n")
                self.assertLess(time.monotonic() - started, 2)
