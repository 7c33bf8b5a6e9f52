"""CLIENT subcommands and MONITOR over in-memory connections."""

import re

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.commands.monitor import redacted
from replkv.config import Config
from replkv.protocol import ClientProtocol
from replkv.server import Server

# Redis 7.0's CLIENT LIST fields, in its order.
FIELDS = (
    "id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem "
    "multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp"
).split()


class ClientsTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000.25)
        self.server = Server(Config(), self.clock)
        self._port = 5000

    def connect(self) -> tuple[ClientProtocol, StringTransport]:
        self._port += 1
        protocol = ClientProtocol(self.server)
        transport = StringTransport(
            hostAddress=IPv4Address("TCP", "127.0.0.1", 6379),
            peerAddress=IPv4Address("TCP", "127.0.0.1", self._port),
        )
        protocol.makeConnection(transport)
        return protocol, transport

    def ask(self, client: ClientProtocol, transport: StringTransport, line: bytes) -> bytes:
        client.dataReceived(line + b"\r\n")
        data = transport.value()
        transport.clear()
        return data


class ClientListTests(ClientsTestCase):
    def test_fields_in_redis_order(self) -> None:
        client, out = self.connect()
        raw = self.ask(client, out, b"CLIENT LIST")
        body = raw.split(b"\r\n", 1)[1][:-2].decode()
        self.assertTrue(body.endswith("\n"))
        line = body.rstrip("\n")
        self.assertEqual([pair.split("=", 1)[0] for pair in line.split(" ")], FIELDS)
        self.assertIn(f"id={client.id} addr=127.0.0.1:5001 laddr=127.0.0.1:6379 ", line)
        self.assertIn(f"fd={client.id + 7} ", line)
        self.assertIn(" flags=N db=0 ", line)
        self.assertIn(" cmd=client|list user=default redir=-1 resp=2", line)

    def test_state_shows_in_flags_and_fields(self) -> None:
        client, out = self.connect()
        other, other_out = self.connect()
        self.ask(client, out, b"CLIENT SETNAME worker")
        self.ask(client, out, b"SELECT 3")
        self.ask(client, out, b"MULTI")
        self.ask(client, out, b"SET k v")
        self.clock.advance(7)
        self.ask(other, other_out, b"HELLO 3")
        raw = self.ask(other, other_out, b"CLIENT LIST ID %d" % client.id)
        line = raw.decode()
        self.assertTrue(line.startswith("="))  # RESP3 verbatim
        self.assertIn(" name=worker age=7 idle=7 flags=x db=3 ", line)
        self.assertIn(" multi=1 ", line)
        self.assertIn(" cmd=set ", line)
        self.assertIn(" resp=2", line)

    def test_type_and_id_filters(self) -> None:
        client, out = self.connect()
        self.connect()
        self.assertEqual(len(re.findall(rb"id=", self.ask(client, out, b"CLIENT LIST"))), 2)
        self.assertEqual(self.ask(client, out, b"CLIENT LIST TYPE master"), b"$0\r\n\r\n")
        self.assertEqual(
            len(re.findall(rb"id=", self.ask(client, out, b"CLIENT LIST TYPE NORMAL"))), 2
        )
        self.assertEqual(
            self.ask(client, out, b"CLIENT LIST TYPE x"), b"-ERR Unknown client type 'x'\r\n"
        )
        self.assertEqual(
            self.ask(client, out, b"CLIENT LIST ID 1 zz"), b"-ERR Invalid client ID\r\n"
        )
        self.assertEqual(len(re.findall(rb"id=", self.ask(client, out, b"CLIENT LIST ID 2 99"))), 1)

    def test_info_is_own_line(self) -> None:
        client, out = self.connect()
        raw = self.ask(client, out, b"CLIENT INFO")
        self.assertIn(b"id=%d " % client.id, raw)
        self.assertIn(b"cmd=client|info", raw)


class ClientKillTests(ClientsTestCase):
    def test_old_form(self) -> None:
        client, out = self.connect()
        victim, _ = self.connect()
        self.assertEqual(self.ask(client, out, b"CLIENT KILL 127.0.0.1:5002"), b"+OK\r\n")
        self.assertNotIn(victim.id, self.server.clients)
        self.assertEqual(
            self.ask(client, out, b"CLIENT KILL 127.0.0.1:5002"), b"-ERR No such client\r\n"
        )

    def test_old_form_kills_self_after_reply(self) -> None:
        client, out = self.connect()
        self.assertEqual(self.ask(client, out, b"CLIENT KILL 127.0.0.1:5001"), b"+OK\r\n")
        self.assertTrue(out.disconnecting)

    def test_filters(self) -> None:
        client, out = self.connect()
        a, a_out = self.connect()
        b, _ = self.connect()
        self.assertEqual(self.ask(client, out, b"CLIENT KILL ID %d" % a.id), b":1\r\n")
        self.assertTrue(a_out.disconnecting)
        self.assertEqual(self.ask(client, out, b"CLIENT KILL ADDR 127.0.0.1:5003"), b":1\r\n")
        self.assertNotIn(b.id, self.server.clients)
        # SKIPME defaults to yes.
        self.assertEqual(self.ask(client, out, b"CLIENT KILL TYPE normal"), b":0\r\n")
        self.assertEqual(self.ask(client, out, b"CLIENT KILL USER default SKIPME no"), b":1\r\n")
        self.assertTrue(out.disconnecting)

    def test_errors(self) -> None:
        client, out = self.connect()
        for line, expected in [
            (b"CLIENT KILL ID 0", b"-ERR client-id should be greater than 0\r\n"),
            (b"CLIENT KILL ID x", b"-ERR client-id should be greater than 0\r\n"),
            (b"CLIENT KILL TYPE x", b"-ERR Unknown client type 'x'\r\n"),
            (b"CLIENT KILL USER bob", b"-ERR No such user 'bob'\r\n"),
            (b"CLIENT KILL SKIPME maybe", b"-ERR syntax error\r\n"),
            (b"CLIENT KILL ID 1 ID", b"-ERR syntax error\r\n"),
            (b"CLIENT KILL MAXAGE 1", b"-ERR syntax error\r\n"),
        ]:
            self.assertEqual(self.ask(client, out, line), expected, line)

    def test_killed_watcher_is_unwatched(self) -> None:
        client, out = self.connect()
        watcher, watcher_out = self.connect()
        self.ask(watcher, watcher_out, b"WATCH k")
        self.ask(client, out, b"CLIENT KILL ID %d" % watcher.id)
        self.assertEqual(self.server.keyspace.dbs[0].observed, {})


class ClientModesTests(ClientsTestCase):
    def test_reply_off_skip_on(self) -> None:
        client, out = self.connect()
        client.dataReceived(
            b"CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\n"
            b"CLIENT REPLY SKIP\r\nECHO a\r\nECHO b\r\n"
        )
        self.assertEqual(out.value(), b"+OK\r\n+PONG\r\n$1\r\nb\r\n")

    def test_names(self) -> None:
        client, out = self.connect()
        self.assertEqual(self.ask(client, out, b"CLIENT GETNAME"), b"$-1\r\n")
        self.assertEqual(self.ask(client, out, b"CLIENT SETNAME x"), b"+OK\r\n")
        self.assertEqual(self.ask(client, out, b"CLIENT GETNAME"), b"$1\r\nx\r\n")
        self.assertEqual(
            self.ask(client, out, b'CLIENT SETNAME "a b"'),
            b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
        )
        self.assertEqual(self.ask(client, out, b'CLIENT SETNAME ""'), b"+OK\r\n")
        self.assertEqual(self.ask(client, out, b"CLIENT GETNAME"), b"$-1\r\n")

    def test_no_evict_flag(self) -> None:
        client, out = self.connect()
        self.ask(client, out, b"CLIENT NO-EVICT on")
        self.assertIn(b" flags=e ", self.ask(client, out, b"CLIENT INFO"))
        self.ask(client, out, b"RESET")
        self.assertIn(b" flags=N ", self.ask(client, out, b"CLIENT INFO"))


class MonitorTests(ClientsTestCase):
    def test_lines(self) -> None:
        monitor, monitor_out = self.connect()
        client, out = self.connect()
        self.assertEqual(self.ask(monitor, monitor_out, b"MONITOR"), b"+OK\r\n")
        self.ask(client, out, b"SET a 1")
        self.ask(client, out, b"SELECT 2")
        self.ask(client, out, b'ECHO "q\\"\\\\\\r\\n\\x00\\xff"')
        self.ask(client, out, b"MULTI")
        self.ask(client, out, b"INCR n")
        self.ask(client, out, b"EXEC")
        self.ask(client, out, b"CLIENT LIST")  # admin: not shown
        self.ask(client, out, b"NOSUCH")  # rejected: not shown
        self.ask(client, out, b"AUTH secret")
        self.assertEqual(
            monitor_out.value().decode("latin-1").splitlines(),
            [
                '+1700000000.250000 [0 127.0.0.1:5002] "SET" "a" "1"',
                '+1700000000.250000 [2 127.0.0.1:5002] "SELECT" "2"',
                '+1700000000.250000 [2 127.0.0.1:5002] "ECHO" "q\\"\\\\\\r\\n\\x00\\xff"',
                '+1700000000.250000 [2 127.0.0.1:5002] "MULTI"',
                '+1700000000.250000 [2 127.0.0.1:5002] "INCR" "n"',
                '+1700000000.250000 [2 127.0.0.1:5002] "EXEC"',
                '+1700000000.250000 [2 127.0.0.1:5002] "AUTH" "(redacted)"',
            ],
        )

    def test_second_monitor_is_silent_and_reset_stops(self) -> None:
        monitor, out = self.connect()
        self.ask(monitor, out, b"MONITOR")
        self.assertEqual(self.ask(monitor, out, b"MONITOR"), b"")
        self.assertEqual(self.server.clients.monitors, [monitor])
        self.assertEqual(self.ask(monitor, out, b"RESET"), b"+RESET\r\n")
        self.assertEqual(self.server.clients.monitors, [])

    def test_closed_monitor_is_forgotten(self) -> None:
        monitor, out = self.connect()
        self.ask(monitor, out, b"MONITOR")
        monitor.connectionLost()
        self.assertEqual(self.server.clients.monitors, [])

    def test_redaction(self) -> None:
        self.assertEqual(redacted([b"auth", b"p"]), [b"auth", b"(redacted)"])
        self.assertEqual(redacted([b"AUTH", b"u", b"p"]), [b"AUTH", b"(redacted)", b"(redacted)"])
        self.assertEqual(redacted([b"auth", b"a", b"b", b"c"]), [b"auth", b"a", b"b", b"c"])
        self.assertEqual(
            redacted([b"hello", b"3", b"auth", b"u", b"p", b"setname", b"n"]),
            [b"hello", b"3", b"auth", b"(redacted)", b"(redacted)", b"setname", b"n"],
        )
        self.assertEqual(
            redacted([b"hello", b"4", b"auth", b"u", b"p"]), [b"hello", b"4", b"auth", b"u", b"p"]
        )
        self.assertEqual(redacted([b"get", b"k"]), [b"get", b"k"])

    def test_idle_counts_from_last_read(self) -> None:
        client, out = self.connect()
        other, other_out = self.connect()
        self.clock.advance(5)
        self.ask(client, out, b"PING")
        self.clock.advance(3)
        line = self.ask(other, other_out, b"CLIENT LIST ID %d" % client.id)
        self.assertIn(b" age=8 idle=3 ", line)
