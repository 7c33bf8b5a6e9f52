"""Several real connections to a running server: WATCH, CLIENT KILL, CLIENT PAUSE, MONITOR.

Each scenario runs on replkv and, to keep the tests honest, on redis-server.
"""

import re
import time

from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import ServerProcess, start_redis_server, start_replkv
from tests.support.resp_client import RawClient, ReplyTimeout

MONITOR_LINE = re.compile(rb"^\+(\d+)\.(\d{6}) \[(\d+) 127\.0\.0\.1:(\d+)\] (.*)$")


class ClientsScenarios:
    """The scenarios; subclasses say which server runs them."""

    server: ServerProcess

    # Provided by the TestCase this is mixed into.
    addCleanup: object  # noqa: N815
    assertEqual: object  # noqa: N815
    assertTrue: object  # noqa: N815
    assertRaises: object  # noqa: N815
    assertRegex: object  # noqa: N815

    def start(self) -> ServerProcess:
        raise NotImplementedError

    def setUp(self) -> None:  # noqa: N802
        self.server = self.start()

    def connect(self, timeout: float = 5.0) -> RawClient:
        client = RawClient(self.server.port, timeout=timeout)
        self.addCleanup(client.close)  # type: ignore[operator]
        return client

    def own_address(self, client: RawClient) -> bytes:
        return client.call("CLIENT", "INFO").split(b" addr=")[1].split(b" ")[0]

    def test_watch_invalidated_by_other_connection(self) -> None:
        watcher, writer = self.connect(), self.connect()
        self.assertEqual(watcher.call("SET", "balance", "10"), b"+OK\r\n")
        self.assertEqual(watcher.call("WATCH", "balance"), b"+OK\r\n")
        self.assertEqual(watcher.call("MULTI"), b"+OK\r\n")
        self.assertEqual(watcher.call("DECRBY", "balance", "3"), b"+QUEUED\r\n")
        self.assertEqual(writer.call("INCRBY", "balance", "5"), b":15\r\n")
        self.assertEqual(watcher.call("EXEC"), b"*-1\r\n")
        self.assertEqual(watcher.call("GET", "balance"), b"$2\r\n15\r\n")
        # Retried without interference, it commits.
        watcher.call("WATCH", "balance")
        watcher.call("MULTI")
        watcher.call("DECRBY", "balance", "3")
        self.assertEqual(watcher.call("EXEC"), b"*1\r\n:12\r\n")

    def test_client_kill_by_id_and_address(self) -> None:
        admin, first, second = self.connect(), self.connect(), self.connect()
        first_id = int(first.call("CLIENT", "ID")[1:-2])
        self.assertEqual(admin.call("CLIENT", "KILL", "ID", str(first_id)), b":1\r\n")
        self.assertEqual(first.read_until_closed(timeout=5), b"")
        self.assertEqual(admin.call("CLIENT", "KILL", self.own_address(second)), b"+OK\r\n")
        self.assertEqual(second.read_until_closed(timeout=5), b"")
        listing = admin.call("CLIENT", "LIST")
        self.assertEqual(listing.count(b"id="), 1)

    def test_client_pause_write_holds_only_writes(self) -> None:
        admin, reader, writer = self.connect(), self.connect(), self.connect()
        # Long enough that only UNPAUSE ends it within the test.
        self.assertEqual(admin.call("CLIENT", "PAUSE", "20000", "WRITE"), b"+OK\r\n")
        writer.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
        self.assertRaises(ReplyTimeout, writer.read_reply, 0.3)  # type: ignore[operator]
        # Reads go on while the write is held, and do not see it.
        self.assertEqual(reader.call("GET", "k"), b"$-1\r\n")
        self.assertEqual(reader.call("EXISTS", "k"), b":0\r\n")
        self.assertEqual(admin.call("CLIENT", "UNPAUSE"), b"+OK\r\n")
        self.assertEqual(writer.read_reply(5), b"+OK\r\n")
        self.assertEqual(reader.call("GET", "k"), b"$1\r\nv\r\n")

    def test_client_pause_ends_by_itself(self) -> None:
        admin, client = self.connect(), self.connect()
        # Timed from before the PAUSE is sent, so a slow machine cannot shorten it.
        started = time.monotonic()
        self.assertEqual(admin.call("CLIENT", "PAUSE", "400", "WRITE"), b"+OK\r\n")
        self.assertEqual(client.call("SET", "k", "v"), b"+OK\r\n")
        self.assertTrue(time.monotonic() - started >= 0.35)

    def test_client_unpause_releases(self) -> None:
        admin, client = self.connect(), self.connect()
        admin.call("CLIENT", "PAUSE", "20000", "WRITE")
        client.send_raw(b"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
        self.assertRaises(ReplyTimeout, client.read_reply, 0.3)  # type: ignore[operator]
        self.assertEqual(admin.call("CLIENT", "UNPAUSE"), b"+OK\r\n")
        self.assertEqual(client.read_reply(5), b":1\r\n")

    def test_client_pause_all_holds_reads(self) -> None:
        admin, client = self.connect(), self.connect()
        started = time.monotonic()  # before the PAUSE is sent, as above
        admin.call("CLIENT", "PAUSE", "300", "ALL")
        self.assertEqual(client.call("PING"), b"+PONG\r\n")
        self.assertTrue(time.monotonic() - started >= 0.25)

    def test_monitor(self) -> None:
        monitor, client = self.connect(), self.connect()
        self.assertEqual(monitor.call("MONITOR"), b"+OK\r\n")
        client.call("SET", "k", b'v a\x00"')
        client.call("SELECT", "1")
        client.call("MULTI")
        client.call("INCR", "n")
        client.call("EXEC")
        client.call("CONFIG", "GET", "port")
        client.call("AUTH", "x")
        client.call("PING")
        port = self.own_address(client).split(b":")[1]
        received = b""
        deadline = time.monotonic() + 5
        while received.count(b"\r\n") < 8 and time.monotonic() < deadline:
            received += monitor.read_until_quiet(0.1, timeout=1)
        lines = received.split(b"\r\n")[:-1]
        shown = []
        for line in lines:
            match = MONITOR_LINE.match(line)
            self.assertTrue(match, line)
            assert match is not None
            self.assertEqual(match.group(4), port)
            shown.append(match.group(3) + b" " + match.group(5))
        self.assertEqual(
            shown,
            [
                b'0 "SET" "k" "v a\\x00\\""',
                b'1 "SELECT" "1"',
                b'1 "MULTI"',
                b'1 "INCR" "n"',
                b'1 "EXEC"',
                b'1 "AUTH" "(redacted)"',
                b'1 "PING"',
                b'1 "CLIENT" "INFO"',  # not an admin subcommand, unlike CLIENT LIST
            ],
        )


class ClientsOnReplkv(ClientsScenarios, SynchronousTestCase):
    def start(self) -> ServerProcess:
        return start_replkv(self)


class ClientsOnRedis(ClientsScenarios, SynchronousTestCase):
    """The same scenarios on redis-server: checks the tests themselves."""

    def start(self) -> ServerProcess:
        return start_redis_server(self)
