"""Stream commands (XADD, XTRIM, XDEL, XLEN, XRANGE, XREVRANGE, XSETID, XREAD) compared
byte for byte with redis-server 7.0, the node layout approximate trims see included;
their events checked by a redis-server replica of replkv."""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase, TestCase

from tests.support.differential import DifferentialCase, any_bulk, cmd
from tests.support.processes import start_redis_server, start_replkv
from tests.support.replication import call, in_sync, wait_for
from tests.support.resp_client import RawClient, encode_command

DEBUG_ON = ("--enable-debug-command", "yes")
HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])
TOP = "18446744073709551615-18446744073709551615"
BIG = "v" * 5000


def auto(*args: str) -> object:
    """An XADD with a time-based id: only the reply's shape is compared."""
    return cmd("XADD", *args, normalise=any_bulk)


class StreamsVsRedisTests(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def setUp(self) -> None:
        super().setUp()
        self.assertSameReplies(
            [
                ["CONFIG", "SET", "stream-node-max-entries", "100"],
                ["CONFIG", "SET", "stream-node-max-bytes", "4096"],
            ]
        )

    def test_xadd_ids_and_errors(self) -> None:
        self.assertSameReplies(
            [
                ["XADD", "s", "1-1", "a", "1"],
                ["XADD", "s", "1-1", "a", "1"],
                ["XADD", "s", "1-0", "a", "1"],
                ["XADD", "s", "1-*", "b", "2"],
                ["XADD", "s", "1", "b", "2"],
                ["XADD", "s", "2", "b", "2"],
                ["XADD", "s", "0-0", "a", "1"],
                ["XADD", "s", "0", "a", "1"],
                ["XADD", "s", "0-*", "a", "1"],
                ["XADD", "new", "0-*", "a", "1"],
                ["XADD", "new2", "0-0", "a", "1"],
                ["EXISTS", "new2"],
                ["XADD", "s", "x", "a", "1"],
                ["XADD", "s", "1-x", "a", "1"],
                ["XADD", "s", "-", "a", "1"],
                ["XADD", "s", "+", "a", "1"],
                ["XADD", "s", "*-1", "a", "1"],
                ["XADD", "s", "3-", "a", "1"],
                ["XADD", "s", " 3", "a", "1"],
                ["XADD", "s", "-3", "a", "1"],
                ["XADD", "s", "3-1", "a"],
                ["XADD", "s", "3-1", "a", "1", "b"],
                ["XADD", "s", "3-1"],
                ["XADD", "s", "NOMKSTREAM", "3-1"],
                ["XADD", "nokey", "NOMKSTREAM", "3-1", "a", "1"],
                ["XADD", "nokey", "nomkstream", "*", "a", "1"],
                ["EXISTS", "nokey"],
                ["XADD", "s", "NOMKSTREAM", "3-1", "a", "1"],
                ["XADD", "s", f"{TOP[:20]}-*", "a", "1"],
                ["XADD", "s", TOP, "a", "1"],
                ["XADD", "s", "*", "a", "1"],
                ["XADD", "s", f"{TOP[:20]}-*", "a", "1"],
                ["XADD", "t", "5-18446744073709551615", "a", "1"],
                ["XADD", "t", "5-*", "a", "1"],
                ["XADD", "t", "6-*", "a", "1"],
                ["XADD", "t", "18446744073709551616-1", "a", "1"],
                ["XADD", "t", "7-18446744073709551616", "a", "1"],
                ["XADD", "t", "7" * 130, "a", "1"],
                ["SET", "str", "x"],
                ["XADD", "str", "*", "a", "1"],
                ["XADD", "str", "1-1", "a", "1"],
                ["XLEN", "str"],
                ["XLEN", "s"],
                ["XLEN", "nokey"],
                ["XRANGE", "s", "-", "+"],
                ["XRANGE", "t", "-", "+"],
                ["DEBUG", "DIGEST-VALUE", "s", "t"],
            ]
        )

    def test_xadd_and_xtrim_options(self) -> None:
        for j in range(1, 8):
            self.assertSameReplies([["XADD", "s", f"{j}-1", "f", str(j)]])
        self.assertSameReplies(
            [
                ["XADD", "s", "MAXLEN", "5", "10-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "=", "4", "11-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "~", "1", "12-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "-1", "13-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "x", "13-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "1", "MINID", "1", "13-1", "f", "v"],
                ["XADD", "s", "MINID", "1", "MAXLEN", "1", "13-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "1", "LIMIT", "5", "13-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "13-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "~", "1", "LIMIT", "x", "13-1", "f", "v"],
                ["XADD", "s", "LIMIT", "1", "13-1", "f", "v"],
                ["XADD", "s", "LIMIT", "0", "13-1", "f", "v"],
                ["XADD", "s", "MINID", "~", "1-*", "14-1", "f", "v"],
                ["XADD", "s", "MINID", "+", "14-1", "f", "v"],
                ["XADD", "s", "MINID", "=", "11", "14-1", "f", "v"],
                ["XADD", "s", "maxlen", "~", "0", "limit", "0", "15-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "15-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "~", "16-1", "f", "v"],
                ["XRANGE", "s", "-", "+"],
                ["XTRIM", "s"],
                ["XTRIM", "s", "MAXLEN"],
                ["XTRIM", "s", "LIMIT", "1"],
                ["XTRIM", "s", "FOO", "1"],
                ["XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"],
                ["XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "1"],
                ["XTRIM", "s", "MAXLEN", "1", "FOO"],
                ["XTRIM", "s", "MAXLEN", "1", "NOMKSTREAM"],
                ["XTRIM", "s", "MINID", "-"],
                ["XTRIM", "s", "MINID", "14-1"],
                ["XTRIM", "s", "MAXLEN", "5"],
                ["XTRIM", "s", "MAXLEN", "0"],
                ["XLEN", "s"],
                ["EXISTS", "s"],
                ["XTRIM", "nokey", "MAXLEN", "0"],
                ["XTRIM", "nokey", "MAXLEN", "x"],
                ["SET", "str", "x"],
                ["XTRIM", "str", "MAXLEN", "0"],
                ["XTRIM", "str", "MAXLEN", "x"],
                ["XADD", "s", "20-1", "f", "v"],
                ["XADD", "s", "MINID", "~", TOP, "21-1", "f", "v"],
                ["XRANGE", "s", "-", "+"],
            ]
        )

    def test_xdel_and_bookkeeping(self) -> None:
        for j in range(1, 6):
            self.assertSameReplies([["XADD", "s", f"{j}-0", "f", str(j)]])
        self.assertSameReplies(
            [
                ["XDEL", "s", "1-0", "3", "9-9"],
                ["XDEL", "s", "1-0"],
                ["XDEL", "s", "2-0", "x"],
                ["XDEL", "s", "+"],
                ["XDEL", "s", "2-*"],
                ["XDEL", "nokey", "x"],
                ["XRANGE", "s", "-", "+"],
                ["XDEL", "s", "2", "4", "5"],
                ["XLEN", "s"],
                ["EXISTS", "s"],
                ["XRANGE", "s", "-", "+"],
                ["XADD", "s", "5-0", "f", "v"],
                ["XADD", "s", "*", "f", "v", "g"],
                ["XSETID", "s", "4-0"],
                ["XSETID", "s", "5-0"],
                ["XSETID", "s", "6-0", "ENTRIESADDED", "3"],
                ["XSETID", "s", "6-0", "MAXDELETEDID", "7-0"],
                ["XSETID", "s", "6-0", "MAXDELETEDID", "6-0", "ENTRIESADDED", "10"],
                ["XSETID", "s", "5-9"],
                ["XSETID", "s", "7-0", "ENTRIESADDED", "-1"],
                ["XSETID", "s", "7-0", "ENTRIESADDED", "x"],
                ["XSETID", "s", "7-0", "ENTRIESADDED"],
                ["XSETID", "s", "7-0", "FOO", "1"],
                ["XSETID", "s", "7-0", "MAXDELETEDID", "+"],
                ["XSETID", "s", "7-*"],
                ["XSETID", "s", "-"],
                ["XSETID", "nokey", "1-1"],
                ["XSETID", "nokey", "x"],
                ["XSETID", "nokey", "1-1", "MAXDELETEDID", "2-0"],
                ["SET", "str", "x"],
                ["XSETID", "str", "1-1"],
                ["XDEL", "str", "1-1"],
                ["XADD", "s", "6-5", "f", "v"],
                ["XADD", "s", "7-0", "f", "v"],
                ["XSETID", "s", TOP],
                ["XADD", "s", "*", "f", "v"],
                ["XDEL", "s", "5-0", "7-0"],
                ["XLEN", "s"],
                ["XADD", "e", "1-1", "f", "v"],
                ["XDEL", "e", "1-1"],
                ["XSETID", "e", "0-5"],
                ["XADD", "e", "0-*", "f", "v"],
                ["XRANGE", "e", "-", "+"],
            ]
        )

    def test_xrange_and_xrevrange(self) -> None:
        for j in range(1, 6):
            self.assertSameReplies([["XADD", "s", f"{j}-{j}", "f", str(j), "g", "x" * j]])
        self.assertSameReplies(
            [
                ["XADD", "s", TOP, "last", "1"],
                ["XRANGE", "s", "-", "+"],
                ["XRANGE", "s", "2", "4"],
                ["XRANGE", "s", "(2-2", "(4-4"],
                ["XRANGE", "s", "(2", "4"],
                ["XRANGE", "s", "2-3", "4-3"],
                ["XRANGE", "s", "4", "2"],
                ["XRANGE", "s", "-", "+", "COUNT", "2"],
                ["XRANGE", "s", "-", "+", "COUNT", "0"],
                ["XRANGE", "s", "-", "+", "COUNT", "-1"],
                ["XRANGE", "s", "-", "+", "count", "1", "COUNT", "3"],
                ["XRANGE", "s", "-", "+", "COUNT"],
                ["XRANGE", "s", "-", "+", "COUNT", "x"],
                ["XRANGE", "s", "-", "+", "FOO", "1"],
                ["XRANGE", "s", "(-", "+"],
                ["XRANGE", "s", "-", "(+"],
                ["XRANGE", "s", "(", "+"],
                ["XRANGE", "s", "(0-0", "+"],
                ["XRANGE", "s", "-", "(0-0"],
                ["XRANGE", "s", "-", "(1-0"],
                ["XRANGE", "s", f"({TOP}", "+"],
                ["XRANGE", "s", "-", f"({TOP}"],
                ["XRANGE", "s", TOP, "+"],
                ["XRANGE", "s", "1-*", "+"],
                ["XRANGE", "s", "x", "+"],
                ["XRANGE", "s", "-", "x"],
                ["XRANGE", "nokey", "-", "+"],
                ["XRANGE", "nokey", "-", "+", "COUNT", "0"],
                ["XRANGE", "nokey", "x", "+"],
                ["XREVRANGE", "s", "+", "-"],
                ["XREVRANGE", "s", "+", "-", "COUNT", "2"],
                ["XREVRANGE", "s", "(4-4", "(2-2"],
                ["XREVRANGE", "s", "2", "4"],
                ["XREVRANGE", "s", "(+", "-"],
                ["XREVRANGE", "s", "+", "(-"],
                ["XREVRANGE", "s", "+", "-", "COUNT", "0"],
                ["SET", "str", "x"],
                ["XRANGE", "str", "-", "+"],
                ["XRANGE", "str", "x", "+"],
                ["XREVRANGE", "str", "+", "-"],
            ]
        )
        self.assertSameReplies([HELLO3, ["XRANGE", "s", "-", "+", "COUNT", "0"],
                                ["XRANGE", "s", "-", "+"], HELLO2])  # fmt: skip

    def test_xread(self) -> None:
        self.assertSameReplies(
            [
                ["XADD", "a", "1-1", "f", "v"],
                ["XADD", "a", "2-1", "f", "v", "g", "w"],
                ["XADD", "b", "3-1", "f", "v"],
                ["XREAD", "STREAMS", "a", "0"],
                ["XREAD", "STREAMS", "a", "b", "0", "2"],
                ["XREAD", "COUNT", "1", "STREAMS", "a", "b", "nokey", "0", "0", "0"],
                ["XREAD", "COUNT", "-5", "STREAMS", "a", "0"],
                ["XREAD", "COUNT", "0", "STREAMS", "a", "1-1"],
                ["XREAD", "STREAMS", "a", "$"],
                ["XREAD", "STREAMS", "a", "2-1"],
                ["XREAD", "STREAMS", "nokey", "$"],
                ["XREAD", "STREAMS", "a", "a", "0", "1-1"],
                ["XREAD", "STREAMS", "a", "b", "0"],
                ["XREAD", "STREAMS", "a", ">"],
                ["XREAD", "STREAMS", "a", "-"],
                ["XREAD", "STREAMS", "a", "+"],
                ["XREAD", "STREAMS", "a", "1-*"],
                ["XREAD", "STREAMS", "a", TOP],
                ["XREAD", "STREAMS", "a", "x"],
                ["XREAD", "COUNT", "x", "STREAMS", "a", "0"],
                ["XREAD", "FOO", "STREAMS", "a", "0"],
                ["XREAD", "COUNT", "1", "a", "0"],
                ["XREAD", "COUNT", "1", "BLOCK"],
                ["XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"],
                ["XREAD", "NOACK", "STREAMS", "a", "0"],
                ["XREAD", "BLOCK", "x", "STREAMS", "a", "0"],
                ["XREAD", "BLOCK", "-1", "STREAMS", "a", "0"],
                ["XREAD", "BLOCK", "1.5", "STREAMS", "a", "0"],
                ["XREAD", "BLOCK", "10", "STREAMS", "a", "0"],
                ["XREAD", "BLOCK", "10", "STREAMS", "a", "$"],
                ["XREAD", "BLOCK", "0", "STREAMS", "a", "x"],
                ["SET", "str", "x"],
                ["XREAD", "STREAMS", "str", "0"],
                ["XREAD", "STREAMS", "a", "str", "0", "x"],
                ["XREAD", "STREAMS", "a", "str", "x", "0"],
                ["MULTI"],
                ["XREAD", "BLOCK", "0", "STREAMS", "a", "$"],
                ["EXEC"],
                ["EVAL", "return redis.call('xread', 'BLOCK', '0', 'STREAMS', 'a', '$')", "0"],
                ["EVAL", "return redis.call('XREAD', 'STREAMS', 'a', '0')", "0"],
                ["XADD", "e", "1-1", "f", "v"],
                ["XDEL", "e", "1-1"],
                ["XREAD", "STREAMS", "e", "0"],
                ["COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "STREAMS", "a", "b", "1", "2"],
                ["COMMAND", "GETKEYS", "XREAD", "STREAMS", "a", "b", "1"],
                ["COMMAND", "GETKEYSANDFLAGS", "XREAD", "streams", "a", "1"],
            ]
        )
        self.assertSameReplies([HELLO3, ["XREAD", "STREAMS", "a", "b", "0", "0"],
                                ["XREAD", "STREAMS", "a", "$"],
                                ["XREAD", "BLOCK", "10", "STREAMS", "a", "$"], HELLO2])  # fmt: skip

    def test_blocked_xread_served_by_xadd(self) -> None:
        readers = self.connect_pair()
        for client in readers:
            client.send_raw(encode_command("XREAD", "BLOCK", "0", "STREAMS", "a", "b", "$", "0-5"))
        for client in self.connect_pair():  # the other clients' reads settle first
            client.call("PING")
        self.assertSameReplies(
            [
                ["XADD", "b", "0-3", "f", "v"],
                ["XADD", "a", "1-1", "f", "v"],
            ]
        )
        self.assertEqual(readers[0].read_reply(), readers[1].read_reply())
        second = self.connect_pair()
        for client in second:
            client.call("HELLO", "3")
            client.send_raw(
                encode_command("XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "b", "0-3")
            )
        for client in self.connect_pair():
            client.call("PING")
        self.assertSameReplies(
            [["MULTI"], ["XADD", "b", "0-4", "f", "v"], ["XADD", "b", "0-5", "g", "w"],
             ["XADD", "b", "0-6", "h", "x"], ["EXEC"]]
        )  # fmt: skip
        self.assertEqual(second[0].read_reply(), second[1].read_reply())

    def test_approximate_trims_follow_the_node_layout(self) -> None:
        # Each configuration builds a stream of varied entries (integers and strings
        # of every listpack encoding, same and other fields, deletions), then trims it
        # with MINID ~ at every id in turn: each reply shows where a node ends.
        rng = random.Random(7)
        configs = [(100, 4096), (3, 4096), (0, 150), (0, 333), (5, 120), (1, 0), (0, 1)]
        for max_entries, max_bytes in configs:
            big = not 100 <= max_bytes <= 400  # small nodes: small entries
            self.assertSameReplies(
                [
                    ["FLUSHALL"],
                    ["CONFIG", "SET", "stream-node-max-entries", str(max_entries)],
                    ["CONFIG", "SET", "stream-node-max-bytes", str(max_bytes)],
                ]
            )
            commands: list[list[str]] = []
            ms = 1
            stamps = []
            for _ in range(120):
                ms += rng.choice([1, 1, 1, 2, 1000, 5000000000])
                stamps.append(ms)
                fields = []
                for _ in range(rng.choice([1, 1, 1, 2, 3])):
                    field = rng.choice(["f", "f", "g", "12", "-7", "4096", "x" * 70])
                    value = rng.choice(
                        ["v", "1", "-1", "127", "128", "-4096", "65536", "9223372036854775807",
                         "01", "x" * rng.randint(0, 80), "z" * rng.randint(20, 64),
                         "y" * rng.randint(4000, 4200) if big else "w", BIG if big else "q"]
                    )  # fmt: skip
                    fields += [field, value]
                seq = rng.choice(["0", "0", "1", "300", "70000"])
                commands.append(["XADD", "s", f"{ms}-{seq}", *fields])
                if rng.random() < 0.1:
                    commands.append(
                        ["XDEL", "s", f"{ms}-0", f"{stamps[-2] if len(stamps) > 1 else 0}-0"]
                    )
            self.assertSameReplies([*commands, ["XLEN", "s"]])  # type: ignore[list-item]
            self.assertSameReplies([["COPY", "s", "c"], ["COPY", "s", "d"]])
            probes: list[list[str]] = []
            for stamp in stamps[::2]:
                probes.append(["XTRIM", "c", "MINID", "~", f"{stamp}-0"])
            probes += [["XTRIM", "d", "MAXLEN", "~", str(n)] for n in range(120, -1, -7)]
            self.assertSameReplies(probes)  # type: ignore[arg-type]
            trims: list[list[str]] = []
            for _ in range(8):
                if rng.random() < 0.5:
                    trims.append(["XTRIM", "s", "MAXLEN", "~", str(rng.randint(0, 120))])
                else:
                    trims.append(["XTRIM", "s", "MINID", "~", str(rng.randint(0, ms))])
            trims.append(["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "7"])
            trims.append(["XTRIM", "s", "MINID", "=", str(stamps[len(stamps) // 2])])
            trims.append(["XADD", "s", "MAXLEN", "~", "20", f"{ms + 10}-*", "f", "v"])
            trims.append(["XRANGE", "s", "-", "+"])
            trims.append(["XTRIM", "s", "MAXLEN", "~", "0"])
            trims.append(["DEBUG", "DIGEST"])
            self.assertSameReplies(trims)  # type: ignore[arg-type]

    def test_trimming_boundaries(self) -> None:
        self.assertSameReplies([["CONFIG", "SET", "stream-node-max-entries", "10"]])
        for j in range(1, 36):
            self.assertSameReplies([["XADD", "s", f"{j}-0", "f", "v"]])
        self.assertSameReplies(
            [
                ["XTRIM", "s", "MAXLEN", "~", "26"],
                ["XTRIM", "s", "MAXLEN", "~", "25"],
                ["XTRIM", "s", "MAXLEN", "~", "24"],
                ["XTRIM", "s", "MINID", "~", "21-0"],
                ["XTRIM", "s", "MINID", "~", "22-0"],
                ["XDEL", "s", "30-0"],
                ["XTRIM", "s", "MINID", "=", "30-0"],
                ["XTRIM", "s", "MINID", "~", "31-0", "LIMIT", "2"],
                ["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "4"],
                ["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "5"],
                ["XTRIM", "s", "MAXLEN", "=", "3"],
                ["XRANGE", "s", "-", "+"],
                ["XADD", "s", "MAXLEN", "=", "1", "40-0", "f", "v"],
                ["XRANGE", "s", "-", "+"],
            ]
        )


class StreamNotificationsTests(DifferentialCase, SynchronousTestCase):
    """xadd, xtrim, xdel, xsetid as t_stream.c raises them."""

    def test_stream_notifications(self) -> None:
        self.assertSameReplies([["CONFIG", "SET", "notify-keyspace-events", "KEA"]])
        self.assertSameNotifications(
            [
                ["XADD", "s", "1-1", "f", "v"],
                ["XADD", "s", "1-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "1", "2-1", "f", "v"],
                ["XADD", "s", "MAXLEN", "5", "3-1", "f", "v"],
                ["XADD", "n", "NOMKSTREAM", "3-1", "f", "v"],
                ["XTRIM", "s", "MAXLEN", "0"],
                ["XTRIM", "s", "MAXLEN", "0"],
                ["XADD", "s", "4-1", "f", "v"],
                ["XDEL", "s", "4-1", "5-1"],
                ["XDEL", "s", "4-1"],
                ["XSETID", "s", "9-9"],
                ["XSETID", "s", "1-1"],
                ["XREAD", "STREAMS", "s", "0"],
                ["XRANGE", "s", "-", "+"],
            ]
        )


class StreamEventsTests(TestCase):
    """What replkv propagates rebuilds the same streams on a redis-server replica."""

    def test_a_redis_replica_holds_the_same_streams(self) -> None:
        master = start_replkv(self, *DEBUG_ON, "--repl-diskless-sync-delay", "0")
        replica = start_redis_server(self, *DEBUG_ON, "--replicaof", "127.0.0.1", str(master.port))
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        m = master.port
        with RawClient(m) as client:
            client.call("CONFIG", "SET", "stream-node-max-entries", "4")
            for j in range(30):
                client.call("XADD", "s", "*", "f", str(j))
                client.call("XADD", "m", f"{j + 1}-*", "f", str(j))
            client.call("XDEL", "s", client.call("XRANGE", "s", "-", "+", "COUNT", "1")[22:37])
            client.call("XDEL", "m", "2-0", "6-0")
            client.call("XADD", "s", "MAXLEN", "~", "17", "*", "f", "v")
            client.call("XTRIM", "m", "MINID", "~", "7")
            client.call("XTRIM", "m", "MINID", "~", "10", "LIMIT", "4")
            client.call("XTRIM", "s", "MAXLEN", "~", "9")
            client.call("XADD", "m", "MINID", "~", "100", "*", "f", "v")
            client.call(
                "XSETID", "m", "99999999999999-0", "ENTRIESADDED", "99", "MAXDELETEDID", "3"
            )
            client.call("XADD", "m", "*", "f", "v")
            client.call(
                "EVAL", "return redis.call('XADD', KEYS[1], 'MAXLEN', '~', '2', '*', 'a', 'b')",
                "1", "s",
            )  # fmt: skip
        wait_for(lambda: in_sync(master, replica), "the stream events", master, replica)
        for key in ("s", "m"):
            self.assertEqual(
                call(m, "XRANGE", key, "-", "+"), call(replica.port, "XRANGE", key, "-", "+")
            )
            self.assertEqual(call(m, "XLEN", key), call(replica.port, "XLEN", key))
        self.assertEqual(call(m, "DEBUG", "DIGEST"), call(replica.port, "DEBUG", "DIGEST"))
