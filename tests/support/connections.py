"""Unit tests with real client connections: ClientProtocols over StringTransports to a
Server on a task.Clock, for what needs several clients (blocking, serving, waking)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.protocol import ClientProtocol
from replkv.reply import encode_command
from replkv.server import Server
from tests.support.harness import START


class ConnectionsCase(SynchronousTestCase):
    """A fresh server per test, its clock at START; connect() as many clients as needed."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.server = Server(Config(), self.clock)

    def connect(self) -> tuple[ClientProtocol, StringTransport]:
        protocol = ClientProtocol(self.server)
        transport = StringTransport()
        protocol.makeConnection(transport)
        return protocol, transport

    def send(self, client: ClientProtocol, *commands: list[str]) -> None:
        client.dataReceived(
            b"".join(encode_command([part.encode() for part in argv]) for argv in commands)
        )

    def take(self, transport: StringTransport) -> bytes:
        """What the client was sent since the last take()."""
        data = transport.value()
        transport.clear()
        return data

    def events(self) -> bytes:
        """Every event the server logged, as the log holds them."""
        log = self.server.log
        return log.read(log.start_offset, log.end_offset - log.start_offset)
