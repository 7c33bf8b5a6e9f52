"""maxclients and the idle timeout, on replkv and on redis-server alike."""

from __future__ import annotations

import socket
import time

from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import start_redis_server, start_replkv

WAIT = 5.0


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.settimeout(WAIT)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (bounded by the socket timeout)."""
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


class ClientLimitsMixin:
    start = staticmethod(start_replkv)

    def test_connections_past_maxclients_are_refused(self) -> None:
        server = self.start(self, "--maxclients", "2")
        first, second = connect(server.port), connect(server.port)
        self.addCleanup(first.close)
        self.addCleanup(second.close)
        first.sendall(b"PING\r\n")
        self.assertEqual(first.recv(100), b"+PONG\r\n")
        third = connect(server.port)
        self.addCleanup(third.close)
        self.assertEqual(read_until_closed(third), b"-ERR max number of clients reached\r\n")
        second.sendall(b"INFO stats\r\n")
        self.assertIn(b"rejected_connections:1\r\n", second.recv(65536))

    def test_idle_clients_are_closed_after_timeout(self) -> None:
        server = self.start(self, "--timeout", "1")
        # Timed from before the connection exists, so a slow machine cannot shorten the wait.
        started = time.monotonic()
        idle, busy = connect(server.port), connect(server.port)
        self.addCleanup(idle.close)
        self.addCleanup(busy.close)
        deadline = started + WAIT
        # The busy client keeps talking; only the idle one is closed.
        while time.monotonic() < deadline:
            busy.sendall(b"PING\r\n")
            self.assertEqual(busy.recv(100), b"+PONG\r\n")
            idle.settimeout(0.2)
            try:
                if idle.recv(100) == b"":
                    break
            except TimeoutError:
                continue
        else:
            self.fail("the idle client was not closed")
        # More than one idle second, counted on a cached whole-second clock (Redis's
        # server.unixtime): at least most of a second, never at once.
        self.assertGreater(time.monotonic() - started, 0.5)


class ReplkvClientLimitsTests(ClientLimitsMixin, SynchronousTestCase):
    pass


class RedisClientLimitsTests(ClientLimitsMixin, SynchronousTestCase):
    """The same scenarios against redis-server: the reference the tests encode."""

    start = staticmethod(start_redis_server)
