"""The replica's link driven by hand: handshake bytes, full and partial resync, the
stream with GETACK/ACK offsets, timeouts, -READONLY / -MASTERDOWN, promotion."""

from __future__ import annotations

import io

from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv import errors
from replkv.client import Client
from replkv.config import Config
from replkv.keyspace.keyspace import Keyspace
from replkv.rdb.writer import write_rdb
from replkv.replication.handshake import (
    Continue,
    FullResync,
    Handshake,
    HandshakeError,
    HandshakeSettings,
)
from replkv.replication.replica import MasterLinkProtocol, ack_command, become_master
from replkv.reply import encode_command
from replkv.server import Server
from tests.support.tempdirs import temporary_directory

REPLID = "a" * 40
NEW_ID = "b" * 40
GETACK = encode_command([b"REPLCONF", b"GETACK", b"*"])
PING = encode_command([b"ping"])


def cmd(*args: bytes) -> bytes:
    return encode_command(list(args))


class HandshakeTests(SynchronousTestCase):
    def test_first_connection(self) -> None:
        shake = Handshake(HandshakeSettings(listening_port=7302))
        self.assertEqual(shake.start(), cmd(b"PING"))
        burst = shake.line_received(b"+PONG")
        self.assertEqual(
            burst,
            cmd(b"REPLCONF", b"listening-port", b"7302")
            + cmd(b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"),
        )
        self.assertEqual(shake.line_received(b"+OK"), b"")
        self.assertEqual(shake.line_received(b"+OK"), cmd(b"PSYNC", b"?", b"-1"))
        self.assertEqual(shake.line_received(b""), b"")  # keepalive
        shake.line_received(b"+FULLRESYNC " + REPLID.encode() + b" 14")
        self.assertEqual(shake.outcome, FullResync(REPLID, 14))

    def test_auth_ip_and_cached_master(self) -> None:
        settings = HandshakeSettings(
            listening_port=7302,
            announce_ip="10.0.0.9",
            masteruser="repluser",
            masterauth="secret",
            cached=(REPLID, 1108),
        )
        shake = Handshake(settings)
        shake.start()
        burst = shake.line_received(b"-NOAUTH Authentication required.")
        self.assertEqual(
            burst,
            cmd(b"AUTH", b"repluser", b"secret")
            + cmd(b"REPLCONF", b"listening-port", b"7302")
            + cmd(b"REPLCONF", b"ip-address", b"10.0.0.9")
            + cmd(b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"),
        )
        for line in (b"+OK", b"-ERR unknown", b"+OK"):
            self.assertEqual(shake.line_received(line), b"")
        self.assertEqual(shake.line_received(b"+OK"), cmd(b"PSYNC", REPLID.encode(), b"1109"))
        shake.line_received(b"+CONTINUE " + NEW_ID.encode())
        self.assertEqual(shake.outcome, Continue(NEW_ID))

    def test_failures(self) -> None:
        shake = Handshake(HandshakeSettings(listening_port=1, masterauth="x"))
        shake.start()
        with self.assertRaises(HandshakeError):
            Handshake(HandshakeSettings(listening_port=1)).line_received(b"x")
        shake.line_received(b"+PONG")
        with self.assertRaises(HandshakeError) as caught:
            shake.line_received(b"-WRONGPASS invalid username-password pair")
        self.assertIn("Unable to AUTH to MASTER", str(caught.exception))
        for reply in (b"-LOADING Redis is loading", b"-NOMASTERLINK Can't SYNC", b"-ERR x"):
            shake = Handshake(HandshakeSettings(listening_port=1))
            shake.start()
            shake.line_received(b"+PONG")
            shake.line_received(b"+OK")
            shake.line_received(b"+OK")
            with self.assertRaises(HandshakeError):
                shake.line_received(reply)
        with self.assertRaises(HandshakeError):
            Handshake(HandshakeSettings(listening_port=1)).line_received(b"-ERR x")


# An EOF mark like a master's: 40 hex digits, no proper prefix equal to a suffix. A
# mark that overlaps itself (b"m" * 40) would end the payload early whenever the
# snapshot's last byte (its CRC's, which the save time changes) is the mark's first.
EOF_MARK = b"8d8a5e0c6f3b4a1e9c2d7f60b5a4e3d2c1f0e9d7"


def rdb_bytes(server: Server, offset: int) -> bytes:
    keyspace = Keyspace(16, server.clock)
    keyspace.dbs[0].store(b"loaded", b"yes")
    keyspace.dbs[3].store(b"other", b"db")
    out = io.BytesIO()
    aux = {
        b"repl-stream-db": b"3",
        b"repl-id": REPLID.encode(),
        b"repl-offset": b"%d" % offset,
    }
    write_rdb(keyspace, out, aux)
    return out.getvalue()


def replica_server(testcase: SynchronousTestCase) -> tuple[MemoryReactorClock, Server, Client]:
    """A server on a memory reactor, in a directory of its own, and a user client."""
    reactor = MemoryReactorClock()
    reactor.advance(1_700_000_000)
    config = Config()
    config.dir = temporary_directory(testcase)
    config.port = 7400  # announced in REPLCONF listening-port; nothing listens
    server = Server(config, reactor)
    return reactor, server, Client(server, server.clients.next_id())


class LinkTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.reactor, self.server, self.user = replica_server(self)
        self.dir = self.server.config.dir

    def run_cmd(self, *argv: bytes) -> bytes | None:
        return self.server.execute(self.user, list(argv))

    def connect(self) -> tuple[MasterLinkProtocol, StringTransport]:
        host, port, factory, timeout, _ = self.reactor.tcpClients[-1]
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        return protocol, transport

    def handshake(self, psync_reply: bytes) -> tuple[MasterLinkProtocol, StringTransport]:
        protocol, transport = self.connect()
        protocol.dataReceived(b"+PONG\r\n+OK\r\n+OK\r\n")
        sent = transport.value()
        self.psync_sent = sent[sent.index(b"*3\r\n$5\r\nPSYNC") :]
        transport.clear()
        protocol.dataReceived(psync_reply)
        return protocol, transport

    def full_sync(self, offset: int = 100) -> tuple[MasterLinkProtocol, StringTransport]:
        if self.server.master_link is None:
            self.assertEqual(self.run_cmd(b"REPLICAOF", b"127.0.0.1", b"6379"), b"+OK\r\n")
        rdb = rdb_bytes(self.server, offset)
        payload = b"$EOF:" + EOF_MARK + b"\r\n" + rdb + EOF_MARK
        return self.handshake(b"\n+FULLRESYNC %b %d\r\n\n" % (REPLID.encode(), offset) + payload)

    def test_replicaof_replies(self) -> None:
        self.assertEqual(
            self.run_cmd(b"REPLICAOF", b"h", b"99999"), b"-ERR Invalid master port\r\n"
        )
        self.assertEqual(self.run_cmd(b"REPLICAOF", b"h", b"x"), b"-ERR Invalid master port\r\n")
        self.assertEqual(self.run_cmd(b"REPLICAOF", b"no", b"one"), b"+OK\r\n")
        self.assertEqual(self.run_cmd(b"SLAVEOF", b"127.0.0.1", b"6379"), b"+OK\r\n")
        self.assertEqual(
            self.run_cmd(b"REPLICAOF", b"127.0.0.1", b"6379"),
            b"+OK Already connected to specified master\r\n",
        )
        self.assertEqual(
            self.run_cmd(b"ROLE"),
            b"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n$10\r\nconnecting\r\n:-1\r\n",
        )

    def test_full_sync_stream_and_acks(self) -> None:
        self.run_cmd(b"SET", b"old", b"1")
        own = self.server.replication.replid.encode()
        # A master turned replica offers its own history (replicationCacheMasterUsingMyself()).
        protocol, transport = self.full_sync(100)
        self.assertEqual(self.psync_sent, cmd(b"PSYNC", own, b"53"))
        server = self.server
        self.assertEqual(server.master_link.state, "connected")  # type: ignore[union-attr]
        self.assertEqual(server.replication.replid, REPLID)
        self.assertEqual(server.log.end_offset, 100)
        self.assertEqual(self.run_cmd(b"GET", b"old"), b"$-1\r\n")
        self.assertEqual(self.run_cmd(b"GET", b"loaded"), b"$3\r\nyes\r\n")
        # The EOF form is acknowledged at once.
        self.assertEqual(transport.value(), ack_command(100))
        transport.clear()
        # The stream continues in repl-stream-db (3) until a SELECT.
        stream = cmd(b"SET", b"in3", b"x") + PING + GETACK
        protocol.dataReceived(stream)
        self.assertEqual(transport.value(), ack_command(100 + len(stream) - len(GETACK)))
        self.assertEqual(server.log.end_offset, 100 + len(stream))
        self.assertEqual(server.keyspace.dbs[3].data[b"in3"], b"x")
        # Inside MULTI the offset does not move; a cut command is not counted.
        transport.clear()
        protocol.dataReceived(cmd(b"MULTI") + cmd(b"SET", b"m", b"1"))
        self.assertEqual(server.log.end_offset, 100 + len(stream))
        protocol.dataReceived(cmd(b"EXEC") + cmd(b"SET", b"cut", b"1")[:5])
        offset = 100 + len(stream) + len(cmd(b"MULTI") + cmd(b"SET", b"m", b"1") + cmd(b"EXEC"))
        self.assertEqual(server.log.end_offset, offset)
        self.reactor.advance(1)
        self.assertEqual(transport.value(), ack_command(offset))
        self.assertIn(
            b"slave_read_repl_offset:%d" % (offset + 5),
            self.run_cmd(b"INFO", b"replication") or b"",
        )
        # Writes are refused; reads see the data.
        self.assertEqual(
            self.run_cmd(b"SET", b"x", b"1"),
            b"-READONLY You can't write against a read only replica.\r\n",
        )

    def test_link_loss_partial_resync_and_new_replid(self) -> None:
        protocol, transport = self.full_sync(100)
        protocol.dataReceived(PING)
        transport.loseConnection()
        protocol.connectionLost()
        self.assertEqual(self.server.master_link.state, "connecting")  # type: ignore[union-attr]
        protocol, transport = self.handshake(b"+CONTINUE " + NEW_ID.encode() + b"\r\n" + PING)
        self.assertEqual(self.psync_sent, cmd(b"PSYNC", REPLID.encode(), b"115"))
        ids = self.server.replication
        self.assertEqual((ids.replid, ids.replid2, ids.second_replid_offset), (NEW_ID, REPLID, 115))
        self.assertEqual(self.server.log.end_offset, 128)
        self.assertEqual(self.run_cmd(b"GET", b"loaded"), b"$3\r\nyes\r\n")

    def test_silent_master_times_out(self) -> None:
        protocol, transport = self.full_sync(100)
        self.server.config.repl_timeout = 5
        self.reactor.advance(6)
        self.assertTrue(transport.disconnecting or self.server.master_link.state != "connected")  # type: ignore[union-attr]

    def test_stale_data_refused_while_down(self) -> None:
        self.server.config.replica_serve_stale_data = False
        self.run_cmd(b"REPLICAOF", b"127.0.0.1", b"6379")
        self.assertEqual(
            self.run_cmd(b"GET", b"k"),
            errors.MASTERDOWN,
        )
        # PING has no `stale` flag in 7.0; INFO and ROLE do.
        self.assertTrue((self.run_cmd(b"INFO", b"replication") or b"").startswith(b"$"))
        self.assertTrue((self.run_cmd(b"ROLE") or b"").startswith(b"*5"))
        self.full_sync(100)
        self.assertEqual(self.run_cmd(b"GET", b"k"), b"$-1\r\n")

    def test_expired_keys_hidden_not_deleted(self) -> None:
        protocol, _ = self.full_sync(100)
        now_ms = int(self.reactor.seconds() * 1000)
        protocol.dataReceived(
            cmd(b"SELECT", b"0") + cmd(b"SET", b"e", b"v", b"PXAT", b"%d" % (now_ms + 50))
        )
        self.reactor.advance(0.1)
        self.assertEqual(self.run_cmd(b"GET", b"e"), b"$-1\r\n")
        self.assertEqual(self.run_cmd(b"DBSIZE"), b":2\r\n")
        protocol.dataReceived(cmd(b"DEL", b"e"))
        self.assertEqual(self.run_cmd(b"DBSIZE"), b":1\r\n")

    def test_promotion(self) -> None:
        self.full_sync(100)
        become_master(self.server)
        ids = self.server.replication
        self.assertEqual((ids.replid2, ids.second_replid_offset), (REPLID, 101))
        self.assertNotEqual(ids.replid, REPLID)
        self.assertEqual(self.run_cmd(b"SET", b"x", b"1"), b"+OK\r\n")
        # The first event after promotion is preceded by a SELECT.
        self.assertEqual(
            self.server.log.read(100, 1000), cmd(b"SELECT", b"0") + cmd(b"SET", b"x", b"1")
        )
