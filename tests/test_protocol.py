"""Unit tests for replkv.protocol.ClientProtocol: batching, partial reads, closing rules.

Each connection runs over a StringTransport that records every write() separately, so a
test sees how many writes a read caused, not only the bytes. StringTransport has no
`socket`, so write_now() goes through write() here.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.protocol import ClientProtocol
from replkv.server import Server

# Redis 7.0.15's texts, as tests/integration/test_protocol_errors.py compares them.
INVALID_BULK_LENGTH = b"-ERR Protocol error: invalid bulk length\r\n"
INVALID_MULTIBULK_LENGTH = b"-ERR Protocol error: invalid multibulk length\r\n"
MAX_CLIENTS = b"-ERR max number of clients reached\r\n"


def multibulk(*args: bytes) -> bytes:
    """One command in RESP's request form."""
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


class WriteRecordingTransport(StringTransport):
    """A StringTransport that also keeps each write() as its own item."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        super().write(data)

    def take_writes(self) -> list[bytes]:
        """The writes since the last call."""
        writes, self.writes = self.writes, []
        return writes


class ProtocolTestCase(SynchronousTestCase):
    """A Server on a task.Clock; connections made over recording transports."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.config = Config()
        self.server = Server(self.config, self.clock)

    def connect(self) -> tuple[ClientProtocol, WriteRecordingTransport]:
        protocol = ClientProtocol(self.server)
        transport = WriteRecordingTransport()
        protocol.makeConnection(transport)
        return protocol, transport


class BatchingTests(ProtocolTestCase):
    def test_one_write_per_read_in_order(self) -> None:
        client, transport = self.connect()
        client.dataReceived(
            multibulk(b"SET", b"a", b"1")
            + multibulk(b"INCR", b"a")
            + multibulk(b"GET", b"a")
            + multibulk(b"GET", b"missing")
            + multibulk(b"PING")
        )
        self.assertEqual(transport.take_writes(), [b"+OK\r\n:2\r\n$1\r\n2\r\n$-1\r\n+PONG\r\n"])

    def test_one_command_one_write(self) -> None:
        client, transport = self.connect()
        client.dataReceived(multibulk(b"PING"))
        client.dataReceived(multibulk(b"ECHO", b"x"))
        self.assertEqual(transport.take_writes(), [b"+PONG\r\n", b"$1\r\nx\r\n"])

    def test_command_split_across_reads(self) -> None:
        client, transport = self.connect()
        data = multibulk(b"ECHO", b"hello")
        for cut in range(1, len(data)):
            client.dataReceived(data[:cut])
            self.assertEqual(transport.take_writes(), [], cut)
            client.dataReceived(data[cut:])
            self.assertEqual(transport.take_writes(), [b"$5\r\nhello\r\n"], cut)

    def test_byte_by_byte(self) -> None:
        client, transport = self.connect()
        data = multibulk(b"SET", b"k", b"v") + b"GET k\r\n"
        writes = []
        for index in range(len(data)):
            client.dataReceived(data[index : index + 1])
            writes.append(transport.take_writes())
        # Only the last byte of each command causes a write.
        set_end = len(multibulk(b"SET", b"k", b"v")) - 1
        self.assertEqual(
            [(index, found) for index, found in enumerate(writes) if found],
            [(set_end, [b"+OK\r\n"]), (len(data) - 1, [b"$1\r\nv\r\n"])],
        )

    def test_inline_commands(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"PING\r\nECHO hi\r\nSET k 'a b'\r\nGET k\n")
        self.assertEqual(transport.take_writes(), [b"+PONG\r\n$2\r\nhi\r\n+OK\r\n$3\r\na b\r\n"])

    def test_inline_split_across_reads(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"ECH")
        client.dataReceived(b"O hi\r")
        self.assertEqual(transport.take_writes(), [])
        client.dataReceived(b"\n")
        self.assertEqual(transport.take_writes(), [b"$2\r\nhi\r\n"])

    def test_pipelined_read_ending_in_a_partial_command(self) -> None:
        client, transport = self.connect()
        last = multibulk(b"ECHO", b"last")
        client.dataReceived(
            b"PING\r\nECHO hi\r\n" + multibulk(b"ECHO", b"yo") + last[:-3],
        )
        # The complete commands are answered at once, together; the partial one waits.
        self.assertEqual(transport.take_writes(), [b"+PONG\r\n$2\r\nhi\r\n$2\r\nyo\r\n"])
        client.dataReceived(last[-3:] + b"PING\r\n")
        self.assertEqual(transport.take_writes(), [b"$4\r\nlast\r\n+PONG\r\n"])

    def test_read_of_nothing_but_blank_lines_writes_nothing(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"\r\n\r\n")
        self.assertEqual(transport.take_writes(), [])
        self.assertFalse(transport.disconnecting)


class ReplyModeTests(ProtocolTestCase):
    def test_client_reply_skip_drops_the_next_reply(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"CLIENT REPLY SKIP\r\nPING\r\nECHO a\r\n")
        self.assertEqual(transport.take_writes(), [b"$1\r\na\r\n"])

    def test_client_reply_off_drops_replies_until_on(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"CLIENT REPLY OFF\r\nPING\r\nSET k v\r\n")
        self.assertEqual(transport.take_writes(), [])
        client.dataReceived(b"ECHO a\r\nCLIENT REPLY ON\r\nGET k\r\n")
        self.assertEqual(transport.take_writes(), [b"+OK\r\n$1\r\nv\r\n"])


class ClosingTests(ProtocolTestCase):
    def test_protocol_error_writes_the_error_then_closes(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"*1\r\n$x\r\n")
        self.assertEqual(transport.take_writes(), [INVALID_BULK_LENGTH])
        self.assertTrue(transport.disconnecting)

    def test_protocol_error_after_pipelined_commands(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"PING\r\n" + multibulk(b"ECHO", b"hi") + b"*x\r\nPING\r\n")
        # The replies before the bad frame and the error leave in one write.
        self.assertEqual(
            transport.take_writes(), [b"+PONG\r\n$2\r\nhi\r\n" + INVALID_MULTIBULK_LENGTH]
        )
        self.assertTrue(transport.disconnecting)

    def test_protocol_error_in_a_later_read(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"*1\r\n")
        client.dataReceived(b"$-1\r\n")
        self.assertEqual(transport.take_writes(), [INVALID_BULK_LENGTH])
        self.assertTrue(transport.disconnecting)

    def test_nothing_is_read_after_a_protocol_error(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"*1\r\n$x\r\n")
        transport.take_writes()
        client.dataReceived(b"SET k v\r\n")
        self.assertEqual(transport.take_writes(), [])
        self.assertNotIn(b"k", self.server.keyspace.dbs[0].data)

    def test_quit_closes_after_its_reply(self) -> None:
        client, transport = self.connect()
        client.dataReceived(b"SET a 1\r\nQUIT\r\nSET b 2\r\n")
        self.assertEqual(transport.take_writes(), [b"+OK\r\n+OK\r\n"])
        self.assertTrue(transport.disconnecting)
        # What followed QUIT in the same read is not run.
        self.assertEqual(sorted(self.server.keyspace.dbs[0].data), [b"a"])

    def test_connection_lost_removes_the_client(self) -> None:
        client, transport = self.connect()
        self.assertIn(client.id, self.server.clients)
        client.connectionLost()
        self.assertNotIn(client.id, self.server.clients)


class MaxClientsTests(ProtocolTestCase):
    def test_connection_past_maxclients_is_refused(self) -> None:
        self.config.maxclients = 2
        first, first_transport = self.connect()
        second, second_transport = self.connect()
        refused, refused_transport = self.connect()
        self.assertEqual(refused_transport.take_writes(), [MAX_CLIENTS])
        self.assertTrue(refused_transport.disconnecting)
        self.assertNotIn(refused.id, self.server.clients)
        self.assertEqual(self.server.stats.rejected_connections, 1)
        # The refused connection runs nothing it is sent; the others are served.
        refused.dataReceived(b"SET k v\r\n")
        self.assertEqual(refused_transport.take_writes(), [])
        self.assertEqual(self.server.keyspace.dbs[0].data, {})
        first.dataReceived(b"PING\r\n")
        self.assertEqual(first_transport.take_writes(), [b"+PONG\r\n"])
        self.assertFalse(first_transport.disconnecting)
        self.assertFalse(second_transport.disconnecting)

    def test_a_closed_connection_frees_its_place(self) -> None:
        self.config.maxclients = 1
        first, _ = self.connect()
        first.connectionLost()
        _, transport = self.connect()
        self.assertFalse(transport.disconnecting)
        self.assertEqual(transport.take_writes(), [])
