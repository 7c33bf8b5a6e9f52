"""The fault-injecting TCP proxy of tests/support/faultproxy.py, on the real reactor:
forwarding both ways, cut, cut after N bytes, stall/resume, slow."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.protocol import ClientFactory, Factory, Protocol, connectionDone
from twisted.internet.task import deferLater
from twisted.python.failure import Failure
from twisted.trial.unittest import TestCase

from tests.support.faultproxy import FaultProxy

WAIT = 5.0


class _Collect(Protocol):
    """Keeps what it receives; `lost` fires when the connection ends."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.lost: defer.Deferred[None] = defer.Deferred()
        self.made: defer.Deferred[_Collect] = defer.Deferred()

    def connectionMade(self) -> None:
        self.made.callback(self)

    def dataReceived(self, data: bytes) -> None:
        self.received += data

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.lost.callback(None)


class _Target(Factory):
    """The 'master': remembers its connections."""

    def __init__(self) -> None:
        self.peers: list[_Collect] = []
        self.accepted: defer.Deferred[_Collect] = defer.Deferred()

    def buildProtocol(self, addr: Any) -> _Collect:
        peer = _Collect()
        self.peers.append(peer)
        if not self.accepted.called:
            self.accepted.callback(peer)
        return peer


class _ClientFactory(ClientFactory):
    def __init__(self) -> None:
        self.protocol_instance = _Collect()

    def buildProtocol(self, addr: Any) -> _Collect:
        return self.protocol_instance


async def wait_until(condition: Any, what: str) -> None:
    deadline = reactor.seconds() + WAIT  # type: ignore[attr-defined]
    while not condition():
        if reactor.seconds() > deadline:  # type: ignore[attr-defined]
            raise AssertionError(f"timed out waiting for {what}")
        await deferLater(reactor, 0.01)  # type: ignore[arg-type]


class FaultProxyTests(TestCase):
    async def connected(self) -> tuple[FaultProxy, _Collect, _Collect]:
        target = _Target()
        listening = reactor.listenTCP(0, target, interface="127.0.0.1")  # type: ignore[attr-defined]
        self.addCleanup(listening.stopListening)
        proxy = FaultProxy("127.0.0.1", listening.getHost().port)
        proxy.start()
        self.addCleanup(proxy.stop)
        factory = _ClientFactory()
        reactor.connectTCP("127.0.0.1", proxy.port, factory)  # type: ignore[attr-defined]
        replica = await factory.protocol_instance.made
        master = await (await target.accepted).made
        self.addCleanup(lambda: replica.transport.abortConnection())  # type: ignore[union-attr]
        return proxy, replica, master

    def test_forwards_and_cuts_after_n_bytes(self) -> defer.Deferred[None]:
        async def run() -> None:
            proxy, replica, master = await self.connected()
            replica.transport.write(b"PING\r\n")  # type: ignore[union-attr]
            await wait_until(lambda: master.received == b"PING\r\n", "upstream bytes")
            master.transport.write(b"+PONG\r\n")  # type: ignore[union-attr]
            await wait_until(lambda: replica.received == b"+PONG\r\n", "downstream bytes")
            proxy.cut_after(10)
            master.transport.write(b"0123456789abcdef")  # type: ignore[union-attr]
            await replica.lost
            await master.lost
            self.assertEqual(bytes(replica.received), b"+PONG\r\n0123456789")
            self.assertEqual(proxy.downstream_bytes, 17)

        return defer.ensureDeferred(run())

    def test_stall_resume_and_cut(self) -> defer.Deferred[None]:
        async def run() -> None:
            proxy, replica, master = await self.connected()
            proxy.stall()
            master.transport.write(b"held")  # type: ignore[union-attr]
            replica.transport.write(b"also")  # type: ignore[union-attr]
            await deferLater(reactor, 0.2)  # type: ignore[arg-type]
            self.assertEqual((replica.received, master.received), (b"", b""))
            proxy.resume()
            await wait_until(lambda: replica.received == b"held", "held downstream bytes")
            await wait_until(lambda: master.received == b"also", "held upstream bytes")
            proxy.cut()
            await replica.lost
            await master.lost

        return defer.ensureDeferred(run())

    def test_slow(self) -> defer.Deferred[None]:
        async def run() -> None:
            proxy, replica, master = await self.connected()
            proxy.slow(2000)
            start = reactor.seconds()  # type: ignore[attr-defined]
            master.transport.write(b"x" * 600)  # type: ignore[union-attr]
            await wait_until(lambda: len(replica.received) == 600, "slowed bytes")
            self.assertGreater(reactor.seconds() - start, 0.2)  # type: ignore[attr-defined]
            proxy.slow(None)
            master.transport.write(b"y" * 100_000)  # type: ignore[union-attr]
            await wait_until(lambda: len(replica.received) == 100_600, "full speed again")

        return defer.ensureDeferred(run())
