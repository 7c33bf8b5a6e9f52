"""Diskless full sync, deterministic: the `$EOF:` framing, which replicas share a child
(repl-diskless-sync-delay, -max-replicas, capa eof), flow control on the pipe, replicas
leaving mid-transfer, a failed child, and the stream held until the first ACK.

The child is not forked: a stand-in for `Snapshots.background_transfer` runs the child's
writer in this process into the real pipe, which the master then reads through a
MemoryReactor."""

from __future__ import annotations

import io
import re
from typing import Any

from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactor, StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.keyspace.keyspace import Keyspace
from replkv.persistence.snapshots import snapshot_aux
from replkv.protocol import ClientProtocol
from replkv.rdb.reader import load_rdb
from replkv.replication import diskless
from replkv.replication.diskless import eof_mark, write_eof_payload
from replkv.reply import encode_command
from replkv.server import Server
from replkv.stats import Stats
from tests.support.tempdirs import temporary_directory
from tests.test_replication_master import connect

FAKE_PID = 424242
FRAME = re.compile(rb"\$EOF:([0-9a-f]{40})\r\n(.*)\1\Z", re.S)


class FramingTests(SynchronousTestCase):
    def test_eof_payload_is_mark_rdb_mark(self) -> None:
        clock = Clock()
        config = Config()
        server = Server(config, clock)
        server.keyspace.dbs[0].store(b"k", b"v")  # type: ignore[arg-type]
        mark = eof_mark()
        self.assertRegex(mark, rb"\A[0-9a-f]{40}\Z")
        self.assertNotEqual(mark, eof_mark())
        out = io.BytesIO()
        write_eof_payload(out, mark, server.keyspace, snapshot_aux(server), config)
        data = out.getvalue()
        self.assertTrue(data.startswith(b"$EOF:" + mark + b"\r\n"))
        self.assertTrue(data.endswith(mark))
        rdb = data[47:-40]
        self.assertTrue(rdb.startswith(b"REDIS0010"))
        loaded = Keyspace(config.databases, clock, Stats())
        load_rdb(io.BytesIO(rdb), loaded)
        self.assertIn(b"k", loaded.dbs[0].data)


class DisklessTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.config = Config()
        self.config.dir = temporary_directory(self)
        self.config.repl_diskless_sync_delay = 0
        self.server = Server(self.config, self.clock)
        self.replicas = self.server.replicas
        self.reactor = MemoryReactor()
        self.replicas.fd_reactor = self.reactor
        self.replicas.start()
        self.addCleanup(self.replicas.stop)
        self.children: list[int] = []
        self.killed = 0
        self.disk_saves = 0
        snapshots = self.server.snapshots
        snapshots.background_transfer = self.fake_transfer  # type: ignore[method-assign]
        snapshots.kill_child = self.fake_kill  # type: ignore[method-assign]
        snapshots.background_save = self.fake_save  # type: ignore[method-assign]
        snapshots.check_child = lambda: None  # type: ignore[method-assign]
        self.patch(diskless, "CHUNK", 1024)
        self.writer, _ = self.connect()

    # -- stand-ins for the child ---------------------------------------------------------

    def fake_transfer(self, write: Any) -> int:
        state = self.server.saves
        aux = snapshot_aux(self.server)
        state.offset_at_fork = int(aux[b"repl-offset"])
        write(aux)  # what the child does, into the pipe (small enough for its buffer)
        state.child_pid = FAKE_PID
        state.child_target = "socket"
        self.children.append(FAKE_PID)
        return FAKE_PID

    def child_exits(self, ok: bool = True) -> None:
        state = self.server.saves
        state.child_pid = -1
        state.child_target = "disk"
        self.server.snapshots._child_done(ok, state.offset_at_fork)

    def fake_kill(self) -> None:
        self.killed += 1
        self.child_exits(False)

    def fake_save(self) -> bool:
        self.disk_saves += 1
        self.server.saves.child_pid = FAKE_PID + 1
        return True

    def seconds(self, n: int) -> None:
        for _ in range(n):
            self.clock.advance(1)

    def read_pipe(self) -> None:
        """Let the reactor read the pipe until it stops reading (EOF or a full replica)."""
        for _ in range(1000):
            readers = list(self.reactor.readers)
            if not readers:
                return
            readers[0].doRead()  # type: ignore[attr-defined]
        self.fail("the pipe was never drained")

    # -- clients -------------------------------------------------------------------------

    def connect(self) -> tuple[ClientProtocol, StringTransport]:
        return connect(self.server)

    def send(self, protocol: ClientProtocol, *argv: bytes) -> None:
        protocol.dataReceived(encode_command(list(argv)))

    def replica(self, capa: bool = True) -> tuple[ClientProtocol, StringTransport]:
        protocol, transport = self.connect()
        if capa:
            self.send(protocol, b"REPLCONF", b"capa", b"eof", b"capa", b"psync2")
        transport.clear()
        self.send(protocol, b"PSYNC", b"?", b"-1")
        return protocol, transport

    def payload(self, transport: StringTransport) -> tuple[bytes, bytes]:
        """(the FULLRESYNC line, the EOF mark) of what the replica got."""
        head, _, rest = transport.value().partition(b"\r\n")
        match = FRAME.match(rest)
        assert match is not None, transport.value()
        return head, match.group(1)

    # -- tests ---------------------------------------------------------------------------

    def test_eof_payload_then_the_stream_on_the_first_ack(self) -> None:
        self.send(self.writer, b"SET", b"a", b"1")
        protocol, transport = self.replica()
        self.assertEqual(len(self.children), 1)
        offset = self.server.log.end_offset
        self.send(self.writer, b"SET", b"during", b"sync")  # after the fork: in the stream
        self.read_pipe()
        head, _ = self.payload(transport)
        replid = self.server.replication.replid.encode()
        self.assertEqual(head, b"+FULLRESYNC %s %d" % (replid, offset))
        # No keepalive may cut into the payload while the child runs.
        self.clock.advance(1)
        self.payload(transport)
        self.child_exits(True)
        self.assertIn("state=online", str(self.replicas.info_fields()))
        transport.clear()
        self.clock.advance(0)
        self.assertEqual(transport.value(), b"")  # held until the ACK
        self.send(protocol, b"REPLCONF", b"ACK", b"%d" % offset)
        self.assertEqual(
            transport.value(),
            encode_command([b"SELECT", b"0"]) + encode_command([b"SET", b"during", b"sync"]),
        )

    def test_replicas_within_the_delay_share_one_child_later_ones_wait(self) -> None:
        self.config.repl_diskless_sync_delay = 5
        _, first = self.replica()
        self.seconds(2)
        _, second = self.replica()
        self.seconds(2)
        self.assertEqual(self.children, [])
        self.assertEqual(first.value(), b"\n\n\n\n")  # keepalives while waiting
        self.seconds(1)  # the first has waited 5 seconds
        self.assertEqual(len(self.children), 1)
        _, third = self.replica()  # a child runs: it waits for the next one
        self.read_pipe()
        self.child_exits(True)
        self.assertEqual(self.payload(first)[1], self.payload(second)[1])
        self.assertNotIn(b"FULLRESYNC", third.value())
        self.seconds(4)
        self.assertEqual(len(self.children), 1)
        self.seconds(1)
        self.assertEqual(len(self.children), 2)
        self.read_pipe()
        self.assertNotEqual(self.payload(third)[1], self.payload(first)[1])

    def test_max_replicas_starts_without_waiting_for_the_delay(self) -> None:
        self.config.repl_diskless_sync_delay = 60
        self.config.repl_diskless_sync_max_replicas = 2
        self.replica()
        self.clock.advance(1)
        self.assertEqual(self.children, [])
        self.replica()
        self.clock.advance(1)
        self.assertEqual(len(self.children), 1)

    def test_a_replica_without_capa_eof_takes_the_disk_path(self) -> None:
        self.replica()
        self.assertEqual((len(self.children), self.disk_saves), (1, 0))
        self.read_pipe()
        self.child_exits(True)
        _, transport = self.replica(capa=False)
        self.assertEqual((len(self.children), self.disk_saves), (1, 1))
        self.assertTrue(transport.value().startswith(b"+FULLRESYNC "))
        self.config.repl_diskless_sync = False
        self.server.saves.child_pid = -1
        self.replica()
        self.assertEqual((len(self.children), self.disk_saves), (1, 2))

    def test_a_full_replica_transport_stops_the_pipe(self) -> None:
        for i in range(600):  # a payload of many reads of the pipe (within its buffer)
            self.send(self.writer, b"SET", b"k%d" % i, b"v" * 20)
        self.config.repl_diskless_sync_delay = 1
        _, slow = self.replica()
        _, fast = self.replica()
        self.clock.advance(1)
        self.assertEqual(len(self.children), 1)
        slow_feed = self.replicas.attached[-2].feed
        assert slow_feed is not None
        reader = next(iter(self.reactor.readers))
        slow_feed.pauseProducing()
        reader.doRead()  # type: ignore[attr-defined]
        self.assertEqual(list(self.reactor.readers), [])  # the slowest sets the pace
        sent = len(fast.value())
        self.clock.advance(0)
        self.assertEqual(len(fast.value()), sent)
        slow_feed.resumeProducing()
        self.assertEqual(list(self.reactor.readers), [reader])
        self.read_pipe()
        self.child_exits(True)
        self.assertEqual(self.payload(slow)[1], self.payload(fast)[1])

    def test_a_replica_leaving_mid_transfer_and_then_the_last(self) -> None:
        for i in range(600):
            self.send(self.writer, b"SET", b"k%d" % i, b"v" * 20)
        self.config.repl_diskless_sync_delay = 1
        gone, _ = self.replica()
        stays, transport = self.replica()
        self.clock.advance(1)
        reader = next(iter(self.reactor.readers))
        reader.doRead()  # type: ignore[attr-defined]
        gone_feed = self.replicas.attached[0].feed
        assert gone_feed is not None
        gone_feed.pauseProducing()
        gone_feed.stopProducing()  # the connection is lost
        self.assertEqual(len(self.replicas), 1)
        self.read_pipe()  # the paused one left: reading goes on
        self.child_exits(True)
        self.payload(transport)
        self.assertEqual(self.killed, 0)
        # The last replica of a transfer leaving kills the child.
        self.replica()
        self.clock.advance(1)
        self.assertEqual(len(self.children), 2)
        lone = self.replicas.attached[-1].feed
        assert lone is not None
        lone.stopProducing()
        self.assertEqual(self.killed, 1)
        self.assertEqual(list(self.reactor.readers), [])

    def test_a_failed_child_drops_its_replicas(self) -> None:
        _, transport = self.replica()
        self.read_pipe()
        self.child_exits(False)
        self.assertEqual(len(self.replicas), 0)
        self.assertTrue(transport.disconnecting or transport.disconnected)
