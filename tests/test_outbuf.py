"""Unsent output and client-output-buffer-limit (replkv.outbuf), on a transport that
never sends: Twisted's own FileDescriptor buffering, driven by hand."""

from __future__ import annotations

from twisted.internet.abstract import FileDescriptor
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactor
from twisted.logger import LogEvent, globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.outbuf import OutputLimit, pending_bytes
from replkv.protocol import ClientProtocol
from replkv.server import Server


class StalledTransport(FileDescriptor):
    """A connected descriptor whose socket takes `accept` bytes per write, then nothing."""

    def __init__(self, accept: int = 0) -> None:
        super().__init__(MemoryReactor())
        self.connected = 1
        self.accept = accept
        self.aborted = False

    def writeSomeData(self, data: bytes) -> int:  # noqa: N802
        taken = min(self.accept, len(data))
        self.accept -= taken
        return taken

    def abortConnection(self) -> None:  # noqa: N802
        self.aborted = True

    def getHost(self) -> IPv4Address:  # noqa: N802
        return IPv4Address("TCP", "127.0.0.1", 6379)

    def getPeer(self) -> IPv4Address:  # noqa: N802
        return IPv4Address("TCP", "127.0.0.1", 5001)


class PendingBytesTests(SynchronousTestCase):
    """Fails loudly if Twisted renames or reshapes the buffers pending_bytes() reads."""

    def test_counts_queued_and_partly_sent_data(self) -> None:
        transport = StalledTransport(accept=100)
        self.assertEqual(pending_bytes(transport), 0)
        transport.write(b"x" * 300)
        self.assertEqual(pending_bytes(transport), 300)  # in the list buffer
        transport.doWrite()  # the socket takes 100 bytes
        self.assertEqual(pending_bytes(transport), 200)  # the rest of dataBuffer from offset
        transport.write(b"y" * 50)
        self.assertEqual(pending_bytes(transport), 250)
        transport.doWrite()
        self.assertEqual(pending_bytes(transport), 250)

    def test_transports_without_buffers(self) -> None:
        self.assertEqual(pending_bytes(object()), 0)


class OutputLimitTests(SynchronousTestCase):
    def test_hard_limit(self) -> None:
        limit = OutputLimit()
        self.assertFalse(limit.exceeded(99, (100, 0, 0), 0))
        self.assertTrue(limit.exceeded(100, (100, 0, 0), 0))

    def test_soft_limit_needs_more_than_its_seconds(self) -> None:
        limit = OutputLimit()
        self.assertFalse(limit.exceeded(60, (0, 50, 2), 10))
        self.assertFalse(limit.exceeded(60, (0, 50, 2), 12))
        self.assertTrue(limit.exceeded(60, (0, 50, 2), 13))

    def test_soft_limit_clock_resets_below_it(self) -> None:
        limit = OutputLimit()
        self.assertFalse(limit.exceeded(60, (0, 50, 2), 10))
        self.assertFalse(limit.exceeded(10, (0, 50, 2), 11))
        self.assertFalse(limit.exceeded(60, (0, 50, 2), 13))
        self.assertFalse(limit.exceeded(60, (0, 50, 2), 15))
        self.assertTrue(limit.exceeded(60, (0, 50, 2), 16))


class SlowSubscriberTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.server = Server(Config(), self.clock)
        self.logged: list[LogEvent] = []
        globalLogPublisher.addObserver(self.logged.append)
        self.addCleanup(globalLogPublisher.removeObserver, self.logged.append)

    def subscriber(self) -> tuple[ClientProtocol, StalledTransport]:
        protocol = ClientProtocol(self.server)
        transport = StalledTransport()
        protocol.makeConnection(transport)
        protocol.dataReceived(b"SUBSCRIBE c\r\n")
        return protocol, transport

    def publish(self, count: int, size: int = 1000) -> None:
        for _ in range(count):
            self.server.pubsub.publish(b"c", b"m" * size)

    def test_hard_limit_closes(self) -> None:
        self.server.config.client_output_buffer_limit = ((0, 0, 0), (0, 0, 0), (10_000, 0, 0))
        client, transport = self.subscriber()
        self.publish(9)
        self.assertFalse(transport.aborted)
        self.publish(1)
        self.assertTrue(transport.aborted)
        self.assertTrue(client.closing)
        messages = [event.get("log_format", "") for event in self.logged]
        self.assertIn(
            "Client {client} scheduled to be closed ASAP for overcoming of output buffer limits.",
            messages,
        )
        event = next(e for e in self.logged if "ASAP" in e.get("log_format", ""))
        self.assertIn("flags=P", event["client"])
        client.connectionLost()
        self.assertEqual(self.server.pubsub.channels, {})

    def test_soft_limit_closes_after_its_seconds(self) -> None:
        self.server.config.client_output_buffer_limit = ((0, 0, 0), (0, 0, 0), (0, 5_000, 3))
        client, transport = self.subscriber()
        self.publish(6)
        self.clock.advance(3)
        self.publish(1)
        self.assertFalse(transport.aborted)
        self.clock.advance(1)
        self.publish(1)
        self.assertTrue(transport.aborted)

    def test_normal_clients_have_no_limit_by_default(self) -> None:
        client, transport = self.subscriber()
        client.dataReceived(b"UNSUBSCRIBE\r\n")
        self.server.clients.start_monitor(client)
        for _ in range(50):
            client.send(b"x" * 100_000)
        self.assertFalse(transport.aborted)
        self.assertGreater(pending_bytes(transport), 5_000_000)
