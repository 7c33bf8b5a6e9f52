"""CLIENT PAUSE: which commands are held, and their release in order (task.Clock)."""

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.pause import ALL, WRITE
from replkv.protocol import ClientProtocol
from replkv.server import Server


class PauseTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.server = Server(Config(), self.clock)

    def connect(self) -> tuple[ClientProtocol, StringTransport]:
        protocol = ClientProtocol(self.server)
        transport = StringTransport()
        protocol.makeConnection(transport)
        return protocol, transport

    def take(self, transport: StringTransport) -> bytes:
        data = transport.value()
        transport.clear()
        return data

    def test_write_pause_holds_writes_until_deadline(self) -> None:
        admin, admin_out = self.connect()
        writer, writer_out = self.connect()
        admin.dataReceived(b"CLIENT PAUSE 1000 WRITE\r\n")
        self.assertEqual(self.take(admin_out), b"+OK\r\n")
        writer.dataReceived(b"GET k\r\nSET k v\r\nGET k\r\n")
        # The read before the write is answered; the write and what follows wait.
        self.assertEqual(self.take(writer_out), b"$-1\r\n")
        self.assertEqual(writer.paused_argv, [b"SET", b"k", b"v"])
        self.clock.advance(0.5)
        self.assertEqual(self.take(writer_out), b"")
        self.clock.advance(0.6)
        self.assertEqual(self.take(writer_out), b"+OK\r\n$1\r\nv\r\n")
        self.assertIsNone(writer.paused_argv)

    def test_all_pause_holds_everything_but_wrong_commands(self) -> None:
        admin, _ = self.connect()
        client, out = self.connect()
        admin.dataReceived(b"CLIENT PAUSE 1000 ALL\r\n")
        client.dataReceived(b"NOSUCH\r\nGET\r\nPING\r\n")
        # Unknown commands and wrong arity are rejected before the pause check.
        self.assertEqual(
            self.take(out),
            b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
            b"-ERR wrong number of arguments for 'get' command\r\n",
        )
        self.clock.advance(1.0)
        self.assertEqual(self.take(out), b"+PONG\r\n")

    def test_unpause_releases_in_order(self) -> None:
        admin, admin_out = self.connect()
        first, first_out = self.connect()
        second, second_out = self.connect()
        admin.dataReceived(b"CLIENT PAUSE 100000 WRITE\r\n")
        first.dataReceived(b"INCR n\r\n")
        second.dataReceived(b"INCR n\r\n")
        self.assertEqual(self.server.clients.pause.held_clients(), [first, second])
        admin.dataReceived(b"CLIENT UNPAUSE\r\n")
        self.assertEqual(self.take(first_out), b":1\r\n")
        self.assertEqual(self.take(second_out), b":2\r\n")
        self.assertEqual(self.server.clients.pause.mode, 0)
        # The timer was cancelled: nothing left on the clock.
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_exec_of_queued_writes_is_held(self) -> None:
        admin, _ = self.connect()
        client, out = self.connect()
        client.dataReceived(b"MULTI\r\nSET k v\r\n")
        self.assertEqual(self.take(out), b"+OK\r\n+QUEUED\r\n")
        admin.dataReceived(b"CLIENT PAUSE 1000 WRITE\r\n")
        client.dataReceived(b"EXEC\r\n")
        self.assertEqual(self.take(out), b"")
        self.clock.advance(1)
        self.assertEqual(self.take(out), b"*1\r\n+OK\r\n")

    def test_exec_of_reads_is_not_held(self) -> None:
        admin, _ = self.connect()
        client, out = self.connect()
        client.dataReceived(b"MULTI\r\nGET k\r\n")
        admin.dataReceived(b"CLIENT PAUSE 1000 WRITE\r\n")
        client.dataReceived(b"EXEC\r\n")
        self.assertEqual(self.take(out), b"+OK\r\n+QUEUED\r\n*1\r\n$-1\r\n")

    def test_monitor_is_never_held(self) -> None:
        pause = self.server.clients.pause
        client, _ = self.connect()
        pause.pause(int(self.clock.seconds() * 1000) + 1000, ALL)
        client.monitor = True
        self.assertFalse(pause.holds(client, [b"PING"]))
        client.monitor = False
        client.is_master_link = True
        self.assertFalse(pause.holds(client, [b"SET", b"k", b"v"]))

    def test_most_restrictive_mode_and_latest_end_win(self) -> None:
        pause = self.server.clients.pause
        now = int(self.clock.seconds() * 1000)
        pause.pause(now + 1000, ALL)
        pause.pause(now + 10, WRITE)
        self.assertEqual((pause.mode, pause.end_ms), (ALL, now + 1000))
        self.clock.advance(0.5)
        self.assertEqual(pause.mode, ALL)
        self.clock.advance(0.5)
        self.assertEqual(pause.mode, 0)

    def test_killed_client_is_skipped_on_release(self) -> None:
        admin, _ = self.connect()
        client, out = self.connect()
        admin.dataReceived(b"CLIENT PAUSE 1000 WRITE\r\n")
        client.dataReceived(b"SET k v\r\n")
        client.connectionLost()
        self.clock.advance(1)
        self.assertEqual(self.take(out), b"")
        self.assertIsNone(self.server.keyspace.dbs[0].get(b"k"))

    def test_timeout_errors(self) -> None:
        admin, out = self.connect()
        admin.dataReceived(
            b"CLIENT PAUSE x\r\nCLIENT PAUSE -1\r\nCLIENT PAUSE 10 both\r\n"
            b"CLIENT PAUSE 1 write x\r\n"
        )
        self.assertEqual(
            self.take(out),
            b"-ERR timeout is not an integer or out of range\r\n"
            b"-ERR timeout is negative\r\n"
            b"-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"
            b"-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. "
            b"Try CLIENT HELP.\r\n",
        )
        self.assertEqual(self.server.clients.pause.mode, 0)

    def test_expired_keys_are_hidden_not_deleted_while_paused(self) -> None:
        admin, _ = self.connect()
        client, out = self.connect()
        client.dataReceived(b"SET k v PX 100\r\n")
        self.take(out)
        admin.dataReceived(b"CLIENT PAUSE 1000 WRITE\r\n")
        self.clock.advance(0.2)
        client.dataReceived(b"GET k\r\n")
        self.assertEqual(self.take(out), b"$-1\r\n")
        db = self.server.keyspace.dbs[0]
        self.assertIn(b"k", db.data)
        offset = self.server.log.end_offset
        self.clock.advance(1)
        client.dataReceived(b"GET k\r\n")
        self.assertEqual(self.take(out), b"$-1\r\n")
        self.assertNotIn(b"k", db.data)
        self.assertGreater(self.server.log.end_offset, offset)  # the DEL event, after the pause
