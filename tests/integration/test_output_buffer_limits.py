"""A subscriber that never reads is closed by client-output-buffer-limit pubsub, and a
client that never reads its replies by the normal class limit, on
replkv and on redis-server alike, instead of making the server's memory grow."""

from __future__ import annotations

import socket
import time

from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import ServerProcess, start_redis_server, start_replkv
from tests.support.resp_client import RawClient

WAIT = 10.0
MESSAGE = b"m" * 65536
MAX_PUBLISHED = 64 * 1024 * 1024  # far past the 1 MB limit: the bound on the test
CLOSED_LINE = "scheduled to be closed ASAP for overcoming of output buffer limits."


class SlowSubscriberMixin:
    start = staticmethod(start_replkv)

    def silent_subscriber(self, server: ServerProcess) -> RawClient:
        """Subscribe a connection that never reads to channel c; return a publisher."""
        subscriber = socket.socket()
        subscriber.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        subscriber.connect(("127.0.0.1", server.port))
        self.addCleanup(subscriber.close)
        subscriber.sendall(b"SUBSCRIBE c\r\n")
        publisher = RawClient(server.port, timeout=WAIT)
        self.addCleanup(publisher.close)
        deadline = time.monotonic() + WAIT
        while publisher.call("PUBSUB", "NUMSUB", "c") != b"*2\r\n$1\r\nc\r\n:1\r\n":
            self.assertLess(time.monotonic(), deadline, "the subscriber never subscribed")
        return publisher

    def test_subscriber_that_never_reads_is_closed(self) -> None:
        server = self.start(self, "--client-output-buffer-limit", "pubsub 1mb 0 0")
        publisher = self.silent_subscriber(server)
        deadline = time.monotonic() + WAIT
        published = 0
        receivers = b":1\r\n"
        while receivers == b":1\r\n":
            self.assertLess(published, MAX_PUBLISHED, "the subscriber was never closed")
            self.assertLess(time.monotonic(), deadline, "the subscriber was never closed")
            receivers = publisher.call("PUBLISH", "c", MESSAGE)
            published += len(MESSAGE)
        self.assertEqual(receivers, b":0\r\n")
        self.assertEqual(publisher.call("PUBSUB", "NUMSUB", "c"), b"*2\r\n$1\r\nc\r\n:0\r\n")
        self.assertIn(b"connected_clients:1\r\n", publisher.call("INFO", "clients"))
        while CLOSED_LINE not in server.log_text():
            self.assertLess(time.monotonic(), deadline, server.log_text())
            time.sleep(0.05)

    def test_unsent_output_shows_in_client_list(self) -> None:
        server = self.start(self, "--client-output-buffer-limit", "pubsub 0 0 0")
        publisher = self.silent_subscriber(server)
        for _ in range(64):  # 4 MB: more than the socket buffers hold
            self.assertEqual(publisher.call("PUBLISH", "c", MESSAGE), b":1\r\n")
        line = publisher.call("CLIENT", "LIST", "TYPE", "pubsub").split(b"\r\n")[1].decode()
        fields = dict(field.split("=", 1) for field in line.split())
        self.assertGreater(int(fields["omem"]), 1024 * 1024, line)
        self.assertGreater(int(fields["tot-mem"]), int(fields["omem"]), line)
        self.assertEqual(fields["events"], "rw", line)

    def test_client_that_never_reads_its_replies_is_closed(self) -> None:
        server = self.start(self, "--client-output-buffer-limit", "normal 1mb 0 0")
        setup = RawClient(server.port, timeout=WAIT)
        self.addCleanup(setup.close)
        self.assertEqual(setup.call("SET", "big", MESSAGE), b"+OK\r\n")
        reader = socket.socket()
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.connect(("127.0.0.1", server.port))
        self.addCleanup(reader.close)
        request = b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 64
        deadline = time.monotonic() + WAIT
        sent = 0
        while CLOSED_LINE not in server.log_text():
            self.assertLess(time.monotonic(), deadline, "the client was never closed")
            self.assertLess(sent, MAX_PUBLISHED, "the client was never closed")
            try:
                reader.sendall(request)  # 4 MB of replies per round, never read
            except OSError:
                break  # closed under our feet: what the test waits for
            sent += len(MESSAGE) * 64
            time.sleep(0.01)  # let the server answer; the deadline bounds the loop
        while CLOSED_LINE not in server.log_text():
            self.assertLess(time.monotonic(), deadline, server.log_text())
            time.sleep(0.05)
        self.assertIn(b"connected_clients:1\r\n", setup.call("INFO", "clients"))


class ReplkvSlowSubscriberTests(SlowSubscriberMixin, SynchronousTestCase):
    pass


class RedisSlowSubscriberTests(SlowSubscriberMixin, SynchronousTestCase):
    start = staticmethod(start_redis_server)
