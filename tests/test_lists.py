"""List commands and blocked clients: replies, events and replay (task.Clock).

The expected events were captured from redis-server 7.0.15's replication stream.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.blocking import parse_timeout
from replkv.config import Config
from replkv.errors import CommandError
from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.digest import dataset_digest
from replkv.protocol import ClientProtocol
from replkv.reply import encode_command
from replkv.server import Server
from tests.support.connections import ConnectionsCase
from tests.support.harness import Harness, ReplayedCase

NOW_MS = 1_700_000_000_000


class ListEventTests(ReplayedCase):
    def test_events_are_redis_7_0s(self) -> None:
        h = self.h
        h("RPUSH", "l", *"abcdefg")
        h("LPOP", "l", "2")
        h("RPOP", "l", "0")  # nothing happens: no event
        h("LPOP", "nokey", "0")
        h("LMOVE", "l", "d", "LEFT", "right")
        h("RPOPLPUSH", "l", "d")
        h("LMPOP", "2", "x", "l", "RIGHT", "COUNT", "5")  # three were left: RPOP l 3
        h("RPUSH", "l", "a", "b")
        h("BLPOP", "l", "0")
        h("BLMOVE", "l", "d", "RIGHT", "Left", "0")
        h("BLMPOP", "0", "1", "d", "LEFT", "COUNT", "100")
        h("RPUSH", "l", "a")
        h("BRPOPLPUSH", "l", "l", "0")
        h("LREM", "l", "0", "zz")  # nothing removed: no event
        h("LTRIM", "l", "0", "-1")  # nothing trimmed: no event
        h("LINSERT", "l", "BEFORE", "zz", "y")  # no pivot: no event
        h("LTRIM", "l", "1", "0")
        self.assertEqual(
            h.writes(),
            [
                [b"RPUSH", b"l", *[c.encode() for c in "abcdefg"]],
                [b"LPOP", b"l", b"2"],
                [b"LMOVE", b"l", b"d", b"LEFT", b"right"],
                [b"RPOPLPUSH", b"l", b"d"],
                [b"RPOP", b"l", b"3"],
                [b"RPUSH", b"l", b"a", b"b"],
                [b"LPOP", b"l"],
                [b"LMOVE", b"l", b"d", b"RIGHT", b"Left"],
                [b"LPOP", b"d", b"3"],
                [b"RPUSH", b"l", b"a"],
                [b"RPOPLPUSH", b"l", b"l"],
                [b"LTRIM", b"l", b"1", b"0"],
            ],
        )
        self.assertEqual(h.db.data, {})

    def test_replies(self) -> None:
        h = self.h
        self.assertEqual(h("LPOP", "nokey"), b"$-1\r\n")
        self.assertEqual(h("LPOP", "nokey", "2"), b"*-1\r\n")
        self.assertEqual(h("RPUSH", "l", "a", "b", "a"), b":3\r\n")
        self.assertEqual(h("LPOP", "l", "0"), b"*0\r\n")
        self.assertEqual(h("LPOS", "l", "a", "RANK", "-1", "COUNT", "0"), b"*2\r\n:2\r\n:0\r\n")
        self.assertEqual(h("LRANGE", "l", "-2", "100"), b"*2\r\n$1\r\nb\r\n$1\r\na\r\n")
        self.assertEqual(h("OBJECT", "ENCODING", "l"), b"$9\r\nquicklist\r\n")
        self.assertEqual(h("TYPE", "l"), b"+list\r\n")
        h.client.set_resp(3)
        self.assertEqual(h("LPOP", "nokey", "2"), b"_\r\n")
        self.assertEqual(h("LMPOP", "1", "nokey", "LEFT"), b"_\r\n")

    def test_ltrim_touches_watch_even_when_nothing_goes(self) -> None:
        h = self.h
        h("RPUSH", "l", "a", "b")
        h("WATCH", "l")
        h("LTRIM", "l", "0", "-1")  # as Redis: signalModifiedKey() all the same
        h("MULTI")
        h("LLEN", "l")
        self.assertEqual(h("EXEC"), b"*-1\r\n")
        h("WATCH", "l")
        h("LREM", "l", "0", "zz")  # nothing removed: untouched
        h("MULTI")
        h("LLEN", "l")
        self.assertEqual(h("EXEC"), b"*1\r\n:2\r\n")

    def test_copy_keeps_lists_apart(self) -> None:
        h = self.h
        h("RPUSH", "l", "a")
        h("COPY", "l", "c")
        h("RPUSH", "c", "b")
        self.assertEqual(h("LLEN", "l"), b":1\r\n")
        self.assertEqual(h("LLEN", "c"), b":2\r\n")


class BlockingTests(ConnectionsCase):
    def test_served_in_order_after_the_push(self) -> None:
        first, first_out = self.connect()
        second, second_out = self.connect()
        writer, writer_out = self.connect()
        self.send(first, ["BLPOP", "q", "5"], ["PING"])
        self.send(second, ["BLMOVE", "q", "d", "RIGHT", "LEFT", "0"])
        self.assertEqual((self.take(first_out), self.take(second_out)), (b"", b""))
        self.assertEqual(self.server.blocking.count, 2)
        self.send(writer, ["RPUSH", "q", "a", "b", "c"])
        self.assertEqual(self.take(writer_out), b":3\r\n")
        self.assertEqual(self.take(first_out), b"*2\r\n$1\r\nq\r\n$1\r\na\r\n")
        self.assertEqual(self.take(second_out), b"$1\r\nc\r\n")
        self.assertEqual(self.server.blocking.count, 0)
        self.clock.advance(0)  # the pipelined PING runs at the next turn
        self.assertEqual(self.take(first_out), b"+PONG\r\n")
        self.assertEqual(
            self.events(),
            encode_command([b"SELECT", b"0"])
            + encode_command([b"RPUSH", b"q", b"a", b"b", b"c"])
            + encode_command([b"LPOP", b"q"])
            + encode_command([b"LMOVE", b"q", b"d", b"right", b"left"]),
        )
        self.assertEqual(list(self.server.keyspace.dbs[0].data[b"q"]), [b"b"])
        # The timer of the served client is gone.
        self.clock.advance(10)
        self.assertEqual(self.take(first_out), b"")

    def test_timeout_and_resp3(self) -> None:
        client, out = self.connect()
        self.send(client, ["BLPOP", "q", "0.5"])
        self.clock.advance(0.4)
        self.assertEqual(self.take(out), b"")
        self.clock.advance(0.1)
        self.assertEqual(self.take(out), b"*-1\r\n")
        self.send(client, ["HELLO", "3"])
        self.take(out)
        self.send(client, ["BRPOPLPUSH", "q", "d", "0.01"])
        self.clock.advance(0.01)
        self.assertEqual(self.take(out), b"_\r\n")
        self.assertEqual(self.events(), b"")

    def test_client_list_info_unblock_and_kill(self) -> None:
        blocked, blocked_out = self.connect()
        admin, admin_out = self.connect()
        self.send(blocked, ["BLPOP", "q", "0"])
        self.send(admin, ["INFO", "clients"])
        info = self.take(admin_out)
        self.assertIn(b"blocked_clients:1\r\n", info)
        self.assertIn(b"clients_in_timeout_table:0\r\n", info)
        self.send(admin, ["CLIENT", "LIST", "ID", str(blocked.id)])
        self.assertIn(b" flags=b ", self.take(admin_out))
        self.send(admin, ["CLIENT", "UNBLOCK", str(blocked.id), "ERROR"])
        self.assertEqual(self.take(admin_out), b":1\r\n")
        self.assertEqual(
            self.take(blocked_out), b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
        )
        self.send(admin, ["CLIENT", "UNBLOCK", str(blocked.id)])
        self.assertEqual(self.take(admin_out), b":0\r\n")
        self.send(blocked, ["BRPOP", "q", "0"])
        self.send(admin, ["CLIENT", "UNBLOCK", str(blocked.id), "timeout"])
        self.assertEqual(self.take(blocked_out), b"*-1\r\n")
        self.assertEqual(self.take(admin_out), b":1\r\n")
        # A disconnected client leaves the registry.
        self.send(blocked, ["BLPOP", "q", "r", "0"])
        blocked.connectionLost()
        self.assertEqual(self.server.blocking.count, 0)
        self.assertEqual(self.server.keyspace.dbs[0].blocking, {})
        self.send(admin, ["RPUSH", "q", "a"])
        self.assertEqual(self.take(admin_out), b":1\r\n")

    def test_idle_timeout_spares_blocked_clients(self) -> None:
        blocked, blocked_out = self.connect()
        self.send(blocked, ["BLPOP", "q", "0"])
        self.server.clients.close_idle(self.clock.seconds() + 1000, 10)
        self.assertFalse(blocked.closing)

    def test_swapdb_and_multi_make_keys_ready(self) -> None:
        blocked, blocked_out = self.connect()
        writer, writer_out = self.connect()
        self.send(blocked, ["BLPOP", "q", "0"])
        self.send(writer, ["SELECT", "1"], ["RPUSH", "q", "x"], ["SWAPDB", "0", "1"])
        self.assertEqual(self.take(blocked_out), b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n")
        self.send(blocked, ["BLPOP", "q", "0"])
        self.send(
            writer,
            ["SELECT", "0"],
            ["MULTI"],
            ["RPUSH", "q", "a"],
            ["LPOP", "q"],
            ["RPUSH", "q", "b"],
        )
        self.send(writer, ["EXEC"])
        self.assertEqual(self.take(blocked_out), b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n")

    def test_wrong_destination_type_unblocks_with_an_error(self) -> None:
        blocked, blocked_out = self.connect()
        writer, writer_out = self.connect()
        self.send(blocked, ["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"])
        self.send(writer, ["SET", "dst", "x"], ["RPUSH", "src", "a"])
        self.assertEqual(
            self.take(blocked_out),
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        )
        self.assertEqual(list(self.server.keyspace.dbs[0].data[b"src"]), [b"a"])

    def test_replayed_log_gives_the_same_data(self) -> None:
        blocked, _ = self.connect()
        other, _ = self.connect()
        writer, _ = self.connect()
        self.send(blocked, ["BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"])
        self.send(other, ["BLMOVE", "b", "a", "LEFT", "RIGHT", "0"])
        self.send(writer, ["RPUSH", "b", "1", "2", "3", "4"], ["LPUSH", "c", "z"])
        replica = Harness()
        StreamApplier(replica.server).feed(self.events())
        self.assertEqual(
            dataset_digest(replica.server.keyspace), dataset_digest(self.server.keyspace)
        )
        self.assertEqual(list(self.server.keyspace.dbs[0].data[b"b"]), [b"2"])


class TimeoutParsingTests(SynchronousTestCase):
    def test_rules(self) -> None:
        self.assertEqual(parse_timeout(b"0", NOW_MS), 0)
        self.assertEqual(parse_timeout(b"1.5", NOW_MS), NOW_MS + 1500)
        self.assertEqual(parse_timeout(b"0.0001", NOW_MS), NOW_MS + 1)  # rounded up
        self.assertEqual(parse_timeout(b"-0.0001", NOW_MS), 0)
        self.assertEqual(parse_timeout(b"0x10", NOW_MS), NOW_MS + 16000)
        for refused in [b"abc", b" 1", b"nan", b"", b"1e-5000"]:
            with self.assertRaises(CommandError) as caught:
                parse_timeout(refused, NOW_MS)
            self.assertIn(b"not a float", caught.exception.reply)
        for negative in [b"-1", b"inf", b"1e400", b"9.3e15"]:
            with self.assertRaises(CommandError) as caught:
                parse_timeout(negative, NOW_MS)
            self.assertIn(b"negative", caught.exception.reply)


_KEYS = ["a", "b", "c"]
_BLOCKING = st.one_of(
    st.lists(st.sampled_from(_KEYS), min_size=1, max_size=2).map(lambda ks: ["BLPOP", *ks, "1"]),
    st.sampled_from(_KEYS).map(lambda k: ["BRPOP", k, "0"]),
    st.tuples(st.sampled_from(_KEYS), st.sampled_from(_KEYS)).map(
        lambda t: ["BLMOVE", t[0], t[1], "LEFT", "RIGHT", "0"]
    ),
    st.sampled_from(_KEYS).map(lambda k: ["BLMPOP", "2", "1", k, "x", "LEFT", "COUNT", "2"]),
)
_WRITES = st.one_of(
    st.tuples(st.sampled_from(_KEYS), st.lists(st.sampled_from("uvw"), min_size=1, max_size=3))
    .map(lambda t: ["RPUSH", t[0], *t[1]]),
    st.sampled_from(_KEYS).map(lambda k: ["LPOP", k]),
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
