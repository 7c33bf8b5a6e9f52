"""BZPOPMIN, BZPOPMAX and BZMPOP: replies, events, blocked clients and replay (task.Clock).

The expected replies and events were captured from redis-server 7.0.15 (its replies
with HELLO 2 and 3, and its replication stream).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.digest import dataset_digest
from replkv.protocol import ClientProtocol
from replkv.reply import encode_command
from replkv.server import Server
from tests.support.connections import ConnectionsCase
from tests.support.harness import Harness, ReplayedCase

NOW_MS = 1_700_000_000_000
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def bulk(value: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(value), value)


class ImmediateTests(ReplayedCase):
    """A key that holds members is served at once, as ZPOPMIN / ZMPOP would."""

    def test_replies_and_events(self) -> None:
        h = self.h
        h("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
        mark = h.mark()
        self.assertEqual(
            h("BZPOPMIN", "nokey", "z", "0"), b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"
        )
        self.assertEqual(
            h("BZPOPMAX", "z", "nokey", "1.5"), b"*3\r\n$1\r\nz\r\n$1\r\nd\r\n$1\r\n4\r\n"
        )
        self.assertEqual(
            h("BZMPOP", "0", "2", "nokey", "z", "MAX", "COUNT", "5"),
            b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
        )
        self.assertNotIn(b"z", h.db.data)
        h("ZADD", "z", "1.5", "a", "2", "b")
        h("HELLO", "3")
        self.assertEqual(h("BZPOPMIN", "z", "0"), b"*3\r\n$1\r\nz\r\n$1\r\na\r\n,1.5\r\n")
        self.assertEqual(
            h("BZMPOP", "0", "1", "z", "min"), b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"
        )
        self.assertEqual(
            h.new_events(mark),
            [
                [b"ZPOPMIN", b"z"],
                [b"ZPOPMAX", b"z"],
                [b"ZPOPMAX", b"z", b"2"],  # the popped count, not the requested one
                [b"ZADD", b"z", b"1.5", b"a", b"2", b"b"],
                [b"ZPOPMIN", b"z"],
                [b"ZPOPMIN", b"z", b"1"],
            ],
        )  # fmt: skip

    def test_errors_in_redis_order(self) -> None:
        h = self.h
        h("SET", "s", "x")
        h("ZADD", "z", "1", "a")
        self.assertEqual(h("BZPOPMIN", "nokey", "s", "z", "0"), WRONGTYPE)
        self.assertEqual(
            h("BZPOPMIN", "s", "abc"), b"-ERR timeout is not a float or out of range\r\n"
        )
        self.assertEqual(h("BZPOPMAX", "s", "-1"), b"-ERR timeout is negative\r\n")
        self.assertEqual(
            h("BZMPOP", "abc", "1", "s", "MIN"), b"-ERR timeout is not a float or out of range\r\n"
        )
        self.assertEqual(
            h("BZMPOP", "abc", "0", "s", "MIN"), b"-ERR numkeys should be greater than 0\r\n"
        )
        self.assertEqual(
            h("BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"),
            b"-ERR count should be greater than 0\r\n",
        )
        self.assertEqual(h("BZMPOP", "0", "1", "z", "MIN", "COUNT"), b"-ERR syntax error\r\n")
        self.assertEqual(h("BZMPOP", "0", "1", "s", "MIN"), WRONGTYPE)
        self.assertEqual(
            h("BZPOPMIN", "z"), b"-ERR wrong number of arguments for 'bzpopmin' command\r\n"
        )
        self.assertEqual(h("ZCARD", "z"), b":1\r\n")
        self.assertEqual(h.writes(), [[b"SET", b"s", b"x"], [b"ZADD", b"z", b"1", b"a"]])

    def test_inside_multi_they_do_not_block(self) -> None:
        h = self.h
        h("MULTI")
        h("BZPOPMIN", "nokey", "0")
        h("BZMPOP", "0", "1", "nokey", "MIN")
        h("ZADD", "k", "1", "u")
        h("BZPOPMAX", "k", "0")
        self.assertEqual(
            h("EXEC"), b"*4\r\n*-1\r\n*-1\r\n:1\r\n*3\r\n$1\r\nk\r\n$1\r\nu\r\n$1\r\n1\r\n"
        )
        h("HELLO", "3")
        h("MULTI")
        h("BZPOPMAX", "nokey", "0")
        self.assertEqual(h("EXEC"), b"*1\r\n_\r\n")
        self.assertEqual(h.server.blocking.count, 0)

    def test_on_the_master_stream_they_do_not_block(self) -> None:
        h = self.h
        applier = h.apply("BZPOPMIN", "nokey", "0")
        self.assertEqual(applier.errors, 0)
        self.assertEqual(h.server.blocking.count, 0)


class BlockedTests(ConnectionsCase):
    def assertReplays(self) -> None:  # noqa: N802
        replica = Harness()
        applier = StreamApplier(replica.server)
        applier.feed(self.events())
        self.assertEqual(applier.errors, 0)
        self.assertEqual(
            dataset_digest(replica.server.keyspace), dataset_digest(self.server.keyspace)
        )

    def test_served_first_blocked_first_by_a_zadd_to_a_new_key(self) -> None:
        first, first_out = self.connect()
        second, second_out = self.connect()
        third, third_out = self.connect()
        writer, writer_out = self.connect()
        self.send(first, ["BZPOPMIN", "k", "k2", "5"], ["PING"])
        self.send(second, ["BZMPOP", "5", "1", "k", "MAX", "COUNT", "2"])
        self.send(third, ["BZPOPMAX", "k", "0"])
        self.assertEqual(self.server.blocking.count, 3)
        self.send(writer, ["ZADD", "k", "1", "x", "2", "y", "3", "z"])
        self.assertEqual(self.take(writer_out), b":3\r\n")
        self.assertEqual(self.take(first_out), b"*3\r\n$1\r\nk\r\n$1\r\nx\r\n$1\r\n1\r\n")
        self.assertEqual(
            self.take(second_out),
            b"*2\r\n$1\r\nk\r\n*2\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n",
        )
        self.assertEqual(self.take(third_out), b"")  # the key is gone: still blocked
        self.assertEqual(self.server.blocking.count, 1)
        self.assertNotIn(b"k", self.server.keyspace.dbs[0].data)
        self.clock.advance(0)  # the pipelined PING runs at the next turn
        self.assertEqual(self.take(first_out), b"+PONG\r\n")
        self.send(writer, ["ZINCRBY", "k", "7", "m"])
        self.assertEqual(self.take(third_out), b"*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n7\r\n")
        self.assertEqual(
            self.events(),
            encode_command([b"SELECT", b"0"])
            + encode_command([b"ZADD", b"k", b"1", b"x", b"2", b"y", b"3", b"z"])
            + encode_command([b"ZPOPMIN", b"k"])
            + encode_command([b"ZPOPMAX", b"k", b"2"])
            + encode_command([b"ZINCRBY", b"k", b"7", b"m"])
            + encode_command([b"ZPOPMAX", b"k"]),
        )
        self.assertReplays()

    def test_served_after_a_transaction_and_a_store(self) -> None:
        blocked, blocked_out = self.connect()
        writer, writer_out = self.connect()
        self.send(blocked, ["BZPOPMAX", "t", "0"])
        self.send(writer, ["MULTI"], ["ZADD", "t", "1", "a"], ["ZADD", "t", "5", "b"])
        self.assertEqual(self.take(blocked_out), b"")
        self.send(writer, ["EXEC"])
        self.assertEqual(self.take(blocked_out), b"*3\r\n$1\r\nt\r\n$1\r\nb\r\n$1\r\n5\r\n")
        self.send(blocked, ["HELLO", "3"])
        self.take(blocked_out)
        self.send(blocked, ["BZMPOP", "0", "2", "nokey", "u", "MIN", "COUNT", "9"])
        self.send(writer, ["ZUNIONSTORE", "u", "1", "t", "WEIGHTS", "2.5"])
        self.assertEqual(
            self.take(blocked_out), b"*2\r\n$1\r\nu\r\n*1\r\n*2\r\n$1\r\na\r\n,2.5\r\n"
        )
        self.assertTrue(
            self.events().endswith(
                encode_command([b"ZUNIONSTORE", b"u", b"1", b"t", b"WEIGHTS", b"2.5"])
                + encode_command([b"ZPOPMIN", b"u", b"1"])
            )
        )
        self.assertReplays()

    def test_a_key_of_another_type_leaves_the_waiter_blocked(self) -> None:
        blocked, blocked_out = self.connect()
        lister, lister_out = self.connect()
        writer, writer_out = self.connect()
        self.send(blocked, ["BZPOPMIN", "w", "0"])
        self.send(lister, ["BLPOP", "w", "0"])
        self.send(writer, ["SET", "w", "x"], ["DEL", "w"])
        self.send(writer, ["RPUSH", "w", "e"])
        self.assertEqual(self.take(blocked_out), b"")
        self.assertEqual(self.take(lister_out), b"*2\r\n$1\r\nw\r\n$1\r\ne\r\n")
        self.send(writer, ["ZADD", "w", "3", "m"])
        self.assertEqual(self.take(blocked_out), b"*3\r\n$1\r\nw\r\n$1\r\nm\r\n$1\r\n3\r\n")
        self.assertEqual(self.server.blocking.count, 0)
        self.assertReplays()

    def test_timeout_on_time_in_resp2_and_resp3(self) -> None:
        client, out = self.connect()
        self.send(client, ["BZPOPMIN", "q", "0.5"])
        self.clock.advance(0.4)
        self.assertEqual(self.take(out), b"")
        self.clock.advance(0.1)
        self.assertEqual(self.take(out), b"*-1\r\n")
        self.send(client, ["HELLO", "3"])
        self.take(out)
        self.send(client, ["BZMPOP", "0.01", "1", "q", "MAX"])
        self.clock.advance(0.01)
        self.assertEqual(self.take(out), b"_\r\n")
        self.assertEqual(self.server.blocking.count, 0)
        self.assertEqual(self.server.keyspace.dbs[0].blocking, {})
        self.assertEqual(self.events(), b"")

    def test_a_new_key_wakes_waiters_when_new_key_events_are_notified(self) -> None:
        blocked, blocked_out = self.connect()
        writer, writer_out = self.connect()
        self.send(writer, ["CONFIG", "SET", "notify-keyspace-events", "KEn"])
        self.send(blocked, ["BZPOPMIN", "n", "0"])
        self.send(writer, ["ZADD", "n", "1", "a"])
        self.assertEqual(self.take(blocked_out), b"*3\r\n$1\r\nn\r\n$1\r\na\r\n$1\r\n1\r\n")


_KEYS = ["a", "b", "c"]
_KEY = st.sampled_from(_KEYS)
_BLOCKING = st.one_of(
    st.lists(st.sampled_from(_KEYS), min_size=1, max_size=2).map(lambda ks: ["BZPOPMIN", *ks, "1"]),
    st.sampled_from(_KEYS).map(lambda k: ["BZPOPMAX", k, "0"]),
    st.tuples(st.sampled_from(_KEYS), st.sampled_from(["MIN", "MAX"])).map(
        lambda t: ["BZMPOP", "0", "2", t[0], "x", t[1], "COUNT", "2"]
    ),
    st.sampled_from(_KEYS).map(lambda k: ["BLPOP", k, "0"]),
)
_WRITES = st.one_of(
    st.tuples(st.sampled_from(_KEYS), st.lists(st.sampled_from("uvw"), min_size=1, max_size=3))
    .map(lambda t: ["ZADD", t[0], *[x for i, m in enumerate(t[1]) for x in (str(i), m)]]),
    st.tuples(_KEY, st.sampled_from("uvw")).map(lambda t: ["ZINCRBY", t[0], "1", t[1]]),
    st.sampled_from(_KEYS).map(lambda k: ["ZPOPMIN", k]),
    st.sampled_from(_KEYS).map(lambda k: ["RPUSH", k, "e"]),
    st.tuples(_KEY, _KEY).map(lambda t: ["ZUNIONSTORE", t[0], "1", t[1]]),
    st.tuples(st.sampled_from(_KEYS), st.sampled_from(_KEYS)).map(lambda t: ["RENAME", *t]),
)  # fmt: skip


class BlockingReplayProperty(SynchronousTestCase):
    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 3), st.one_of(_BLOCKING, _WRITES)), max_size=30))
    def test_served_pops_replay_to_the_same_data(self, steps: list[tuple[int, list[str]]]) -> None:
        clock = Clock()
        clock.advance(NOW_MS / 1000)
        server = Server(Config(), clock)
        clients = []
        for _ in range(4):
            protocol = ClientProtocol(server)
            protocol.makeConnection(StringTransport())
            clients.append(protocol)
        for who, argv in steps:
            clients[who].dataReceived(encode_command([part.encode() for part in argv]))
            clock.advance(0.3)
        log = server.log
        replica = Harness()
        applier = StreamApplier(replica.server)
        applier.feed(log.read(log.start_offset, log.end_offset - log.start_offset))
        self.assertEqual(applier.errors, 0)
        self.assertEqual(dataset_digest(replica.server.keyspace), dataset_digest(server.keyspace))
