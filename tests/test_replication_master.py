"""The master side of replication, deterministic: PSYNC decisions (replid, replid2,
retention), payload framing, the stream with flow control, drops (retention, output
limit, timeout), REPLCONF, PINGs, WAIT."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.protocol import ClientProtocol
from replkv.reply import encode_command
from replkv.server import Server
from tests.support.tempdirs import temporary_directory

ZEROS = "0" * 40


def connect(server: Server) -> tuple[ClientProtocol, StringTransport]:
    """A client connection to server over a string transport."""
    protocol = ClientProtocol(server)
    transport = StringTransport()
    protocol.makeConnection(transport)
    return protocol, transport


class MasterTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.config = Config()
        self.config.dir = temporary_directory(self)
        self.server = Server(self.config, self.clock)
        self.replicas = self.server.replicas
        self.replicas.start()
        self.addCleanup(self.replicas.stop)
        self.writer, _ = self.connect()

    def connect(self) -> tuple[ClientProtocol, StringTransport]:
        return connect(self.server)

    def send(self, protocol: ClientProtocol, *argv: bytes) -> None:
        protocol.dataReceived(encode_command(list(argv)))

    def write(self, *argv: bytes) -> None:
        self.send(self.writer, *argv)

    def replica(self, *psync: bytes, capa: bool = True) -> tuple[ClientProtocol, StringTransport]:
        protocol, transport = self.connect()
        self.send(protocol, b"REPLCONF", b"listening-port", b"7000")
        if capa:
            self.send(protocol, b"REPLCONF", b"capa", b"eof", b"capa", b"psync2")
        transport.clear()
        self.send(protocol, b"PSYNC", *psync)
        return protocol, transport

    def test_continue_when_the_replid_matches_and_the_offset_is_held(self) -> None:
        self.write(b"SET", b"a", b"1")
        offset = self.server.log.end_offset
        self.write(b"SET", b"b", b"2")
        replid = self.server.replication.replid.encode()
        _, transport = self.replica(replid, b"%d" % (offset + 1))
        self.assertEqual(
            transport.value(),
            b"+CONTINUE " + replid + b"\r\n" + encode_command([b"SET", b"b", b"2"]),
        )
        self.assertEqual(self.server.stats.sync_partial_ok, 1)
        # Live writes follow, once per reactor turn.
        transport.clear()
        self.write(b"SET", b"c", b"3")
        self.clock.advance(0)
        self.assertEqual(transport.value(), encode_command([b"SET", b"c", b"3"]))

    def test_plain_continue_without_capa_psync2(self) -> None:
        self.write(b"SET", b"a", b"1")
        replid = self.server.replication.replid.encode()
        end = self.server.log.end_offset
        _, transport = self.replica(replid, b"%d" % (end + 1), capa=False)
        self.assertEqual(transport.value(), b"+CONTINUE\r\n")

    def test_replid2_continues_up_to_second_replid_offset(self) -> None:
        self.write(b"SET", b"a", b"1")
        ids = self.server.replication
        ids.replid2, ids.second_replid_offset = "b" * 40, self.server.log.end_offset + 1
        _, transport = self.replica(b"b" * 40, b"%d" % ids.second_replid_offset)
        self.assertTrue(transport.value().startswith(b"+CONTINUE " + ids.replid.encode()))
        self.server.snapshots.save()
        _, transport = self.replica(b"b" * 40, b"%d" % (ids.second_replid_offset + 1))
        self.assertTrue(transport.value().startswith(b"+FULLRESYNC "), transport.value())
        self.assertEqual(self.server.stats.sync_partial_err, 1)

    def test_full_resync_ships_the_snapshot_on_disk_then_the_stream(self) -> None:
        self.write(b"SET", b"a", b"1")
        self.server.snapshots.save()
        offset = self.server.log.end_offset
        self.write(b"SET", b"b", b"2")
        with open(f"{self.config.dir}/{self.config.dbfilename}", "rb") as source:
            rdb = source.read()
        _, transport = self.replica(b"?", b"-1")
        replid = self.server.replication.replid.encode()
        self.assertEqual(
            transport.value(),
            b"+FULLRESYNC %s %d\r\n$%d\r\n" % (replid, offset, len(rdb))
            + rdb
            + encode_command([b"SET", b"b", b"2"]),
        )
        self.assertEqual((self.server.stats.sync_full, self.server.stats.sync_partial_err), (1, 0))
        self.assertIn(b"state=online", self.info())

    def test_offsets_the_log_no_longer_holds_get_a_full_resync(self) -> None:
        self.server.log.retention = 100
        self.write(b"SET", b"a", b"x" * 200)
        self.server.snapshots.save()
        replid = self.server.replication.replid.encode()
        _, transport = self.replica(replid, b"1")
        self.assertTrue(transport.value().startswith(b"+FULLRESYNC "))
        end = self.server.log.end_offset
        _, transport = self.replica(replid, b"%d" % (end + 2))  # beyond the end
        self.assertTrue(transport.value().startswith(b"+FULLRESYNC "))
        self.assertEqual(self.server.stats.sync_partial_err, 2)

    def test_flow_control_pauses_and_resumes_the_stream(self) -> None:
        replid = self.server.replication.replid.encode()
        _, transport = self.replica(replid, b"1")
        producer = transport.producer
        self.assertTrue(transport.streaming)
        transport.clear()
        producer.pauseProducing()
        self.write(b"SET", b"a", b"1")
        self.clock.advance(0)
        self.assertEqual(transport.value(), b"")
        producer.resumeProducing()
        self.assertEqual(transport.value(), self.server.log.read(0, 1000))
        self.assertTrue(transport.value().endswith(encode_command([b"SET", b"a", b"1"])))

    def test_a_paused_replica_keeps_its_bytes_up_to_the_hard_limit(self) -> None:
        # Past the backlog (retention) the log keeps what the replica has not read, as
        # Redis 7.0's shared buffer does; the replica's hard limit (raised to the
        # backlog's size, as in Redis) bounds it.
        self.server.log.retention = 1000
        self.config.repl_backlog_size = 1000
        self.config.client_output_buffer_limit = ((0, 0, 0), (500, 0, 0), (0, 0, 0))
        replid = self.server.replication.replid.encode()
        _, transport = self.replica(replid, b"1")
        transport.producer.pauseProducing()
        for i in range(7):
            self.write(b"SET", b"k%d" % i, b"x" * 100)  # 7 x 131 bytes: below 1000
        self.clock.advance(1)
        self.assertFalse(transport.disconnecting)
        for i in range(7, 20):
            self.write(b"SET", b"k%d" % i, b"x" * 100)
        self.assertGreater(self.server.log.start_offset, 1)  # out of the backlog...
        self.assertFalse(transport.disconnecting)
        self.clock.advance(0)  # ...and over the hard limit: checked at once, not at cron
        self.assertTrue(transport.disconnecting)
        self.assertEqual(len(self.replicas), 0)

    def test_a_paused_replica_gets_everything_it_missed(self) -> None:
        self.server.log.retention = 100
        replid = self.server.replication.replid.encode()
        _, transport = self.replica(replid, b"1")
        start = len(transport.value())
        transport.producer.pauseProducing()
        for i in range(20):
            self.write(b"SET", b"k%d" % i, b"x" * 100)
        self.clock.advance(1)
        self.assertFalse(transport.disconnecting)
        transport.producer.resumeProducing()
        sets = b"".join(encode_command([b"SET", b"k%d" % i, b"x" * 100]) for i in range(20))
        self.assertEqual(transport.value()[start:], b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" + sets)

    def test_output_buffer_soft_limit_drops_a_slow_replica(self) -> None:
        self.config.client_output_buffer_limit = ((0, 0, 0), (0, 100, 1), (0, 0, 0))
        replid = self.server.replication.replid.encode()
        _, transport = self.replica(replid, b"1")
        transport.producer.pauseProducing()
        self.write(b"SET", b"k", b"x" * 200)
        self.clock.advance(1)
        self.assertFalse(transport.disconnecting)  # over the soft limit since now
        self.clock.advance(1)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(1)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(len(self.replicas), 0)

    def test_replconf(self) -> None:
        protocol, transport = self.connect()
        self.send(protocol, b"REPLCONF", b"capa", b"dual-channel", b"capa", b"eof")
        self.send(protocol, b"REPLCONF", b"ack", b"10")  # not a replica: no reply
        self.send(protocol, b"REPLCONF", b"listening-port")
        self.send(protocol, b"REPLCONF", b"nosuch", b"1")
        self.send(protocol, b"REPLCONF", b"listening-port", b"x")
        self.assertEqual(
            transport.value(),
            b"+OK\r\n-ERR syntax error\r\n-ERR Unrecognized REPLCONF option: nosuch\r\n"
            b"-ERR value is not an integer or out of range\r\n",
        )

    def test_acks_ping_timeout_and_role(self) -> None:
        self.config.repl_ping_replica_period = 2
        replid = self.server.replication.replid.encode()
        protocol, transport = self.replica(replid, b"1")
        self.send(protocol, b"REPLCONF", b"ACK", b"0")
        self.clock.advance(1)
        self.assertEqual(self.server.log.end_offset, 0)
        self.clock.advance(1)  # the second tick sends the PING
        self.assertEqual(self.server.log.read(0, 100), b"*1\r\n$4\r\nping\r\n")
        self.send(protocol, b"REPLCONF", b"ACK", b"14")
        self.assertIn(b"slave0:ip=192.168.1.1,port=7000,state=online,offset=14,lag=0", self.info())
        self.send(self.writer, b"ROLE")
        self.clock.advance(self.config.repl_timeout + 1)
        self.assertTrue(transport.disconnecting)

    def test_wait_blocks_until_the_replica_acks(self) -> None:
        replid = self.server.replication.replid.encode()
        replica, _ = self.replica(replid, b"1")
        writer, transport = self.connect()
        self.send(writer, b"SET", b"a", b"1")
        target = self.server.log.end_offset
        transport.clear()
        self.send(writer, b"WAIT", b"1", b"0")
        self.assertEqual(transport.value(), b"")
        self.clock.advance(0)  # one GETACK for the turn
        self.assertTrue(self.server.log.read(target, 100).startswith(b"*3\r\n$8\r\nREPLCONF"))
        self.send(replica, b"REPLCONF", b"ACK", b"%d" % target)
        self.assertEqual(transport.value(), b":1\r\n")
        transport.clear()
        self.send(writer, b"WAIT", b"2", b"100")
        self.clock.advance(0.2)
        self.assertEqual(transport.value(), b":1\r\n")

    def test_min_replicas_to_write(self) -> None:
        self.config.min_replicas_to_write = 1
        self.config.min_replicas_max_lag = 10
        self.replicas.refresh_good()
        protocol, transport = self.connect()
        self.send(protocol, b"SET", b"a", b"1")
        self.assertEqual(transport.value(), b"-NOREPLICAS Not enough good replicas to write.\r\n")
        replid = self.server.replication.replid.encode()
        self.replica(replid, b"1")
        transport.clear()
        self.send(protocol, b"SET", b"a", b"1")
        self.assertEqual(transport.value(), b"+OK\r\n")

    def info(self) -> bytes:
        protocol, transport = self.connect()
        self.send(protocol, b"INFO", b"replication")
        return transport.value()
