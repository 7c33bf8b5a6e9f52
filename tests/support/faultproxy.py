"""A TCP proxy between a master and a replica that injects link faults on command.

It runs on the test's reactor: listen on 127.0.0.1, and for each accepted connection
(the replica's) open one to the target (the master). Bytes the target sends are
"downstream", bytes the replica sends "upstream". Controls, for current and new
connections alike:

- `cut()`: abort every connection now.
- `cut_after(n)`: forward n more downstream bytes, then close both sides (the n bytes
  are delivered first), e.g. to end a link inside a snapshot or inside a command.
- `stall()` / `resume()`: stop forwarding in both directions with the sockets kept
  open (a silent peer), then go on.
- `slow(bytes_per_second)`: forward downstream at most that fast (None: full speed).

Flow control: a direction that holds more than HIGH_WATER unsent bytes pauses reading
from its source, so a stalled or slowed link buffers a bounded amount.
"""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet import defer
from twisted.internet.interfaces import IListeningPort
from twisted.internet.protocol import ClientFactory, Factory, Protocol, connectionDone
from twisted.python.failure import Failure

HIGH_WATER = 256 * 1024
# How often a slowed direction forwards its share of bytes.
SLOW_TICK = 0.05


class _Pipe:
    """One direction of one proxied connection: a buffer between two transports."""

    def __init__(self, proxy: FaultProxy, connection: _Connection, downstream: bool) -> None:
        self.proxy = proxy
        self.connection = connection
        self.downstream = downstream
        self.source: Any = None
        self.sink: Any = None
        self.buffer = bytearray()
        self.paused = False
        self._tick: Any = None

    def received(self, data: bytes) -> None:
        self.buffer += data
        self.pump()

    def pump(self) -> None:
        """Forward what the proxy's current mode lets through."""
        proxy = self.proxy
        if self.connection.closed:
            return
        if self.sink is None:
            self._throttle()
            return
        if proxy.stalled:
            self._throttle()
            return
        if self.downstream and proxy.bytes_per_second is not None:
            if self._tick is None or not self._tick.active():
                self._tick = proxy.reactor.callLater(SLOW_TICK, self._slow_tick)
            self._throttle()
            return
        self._send(len(self.buffer))
        self._throttle()

    def _slow_tick(self) -> None:
        self._tick = None
        rate = self.proxy.bytes_per_second
        if self.connection.closed or self.proxy.stalled:
            return
        if rate is None:
            self.pump()
            return
        self._send(max(1, int(rate * SLOW_TICK)))
        self._throttle()
        if self.buffer:
            self._tick = self.proxy.reactor.callLater(SLOW_TICK, self._slow_tick)

    def _send(self, size: int) -> None:
        proxy = self.proxy
        size = min(size, len(self.buffer))
        budget = proxy.cut_budget if self.downstream else None
        if budget is not None:
            size = min(size, budget)
        if size:
            chunk = bytes(self.buffer[:size])
            del self.buffer[:size]
            self.sink.write(chunk)
            if self.downstream:
                proxy.downstream_bytes += size
            else:
                proxy.upstream_bytes += size
        if budget is not None:
            proxy.cut_budget = budget - size
            if proxy.cut_budget == 0:
                proxy.cut_budget = None
                proxy.cut(flush=True)

    def _throttle(self) -> None:
        """Pause the source while too much waits; resume once it drained."""
        if self.source is None:
            return
        if not self.paused and len(self.buffer) > HIGH_WATER:
            self.paused = True
            self.source.pauseProducing()
        elif self.paused and len(self.buffer) <= HIGH_WATER // 2:
            self.paused = False
            self.source.resumeProducing()

    def stop(self) -> None:
        if self._tick is not None and self._tick.active():
            self._tick.cancel()
        self._tick = None


class _Connection:
    """A replica connection and the proxy's connection to the target for it."""

    def __init__(self, proxy: FaultProxy) -> None:
        self.proxy = proxy
        self.closed = False
        self.down = _Pipe(proxy, self, downstream=True)  # target → replica
        self.up = _Pipe(proxy, self, downstream=False)  # replica → target
        self.replica: _ReplicaSide | None = None
        self.target: _TargetSide | None = None

    def close(self, flush: bool) -> None:
        """End both sides; with flush, bytes already written still reach the replica."""
        if self.closed:
            return
        self.closed = True
        self.down.stop()
        self.up.stop()
        for side in (self.replica, self.target):
            transport = side.transport if side is not None else None
            if transport is None:
                continue
            if flush and side is self.replica:
                transport.loseConnection()
            else:
                transport.abortConnection()
        self.proxy.connections.discard(self)


class _ReplicaSide(Protocol):
    def __init__(self, connection: _Connection) -> None:
        self.connection = connection

    def connectionMade(self) -> None:
        connection = self.connection
        connection.down.sink = self.transport
        connection.up.source = self.transport
        proxy = connection.proxy
        proxy.reactor.connectTCP(proxy.target_host, proxy.target_port, _TargetFactory(connection))

    def dataReceived(self, data: bytes) -> None:
        self.connection.up.received(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.connection.close(flush=False)


class _TargetSide(Protocol):
    def __init__(self, connection: _Connection) -> None:
        self.connection = connection

    def connectionMade(self) -> None:
        connection = self.connection
        if connection.closed:
            self.transport.abortConnection()  # type: ignore[union-attr]
            return
        connection.target = self
        size = connection.proxy.receive_buffer
        if size is not None:
            handle = self.transport.getHandle()  # type: ignore[union-attr]
            handle.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
        connection.up.sink = self.transport
        connection.down.source = self.transport
        connection.up.pump()

    def dataReceived(self, data: bytes) -> None:
        self.connection.down.received(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.connection.close(flush=True)


class _TargetFactory(ClientFactory):
    def __init__(self, connection: _Connection) -> None:
        self.connection = connection

    def buildProtocol(self, addr: Any) -> _TargetSide:
        return _TargetSide(self.connection)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.connection.close(flush=False)


class _ProxyFactory(Factory):
    def __init__(self, proxy: FaultProxy) -> None:
        self.proxy = proxy

    def buildProtocol(self, addr: Any) -> _ReplicaSide:
        proxy = self.proxy
        connection = _Connection(proxy)
        proxy.connections.add(connection)
        proxy.accepted += 1
        side = _ReplicaSide(connection)
        connection.replica = side
        return side


class FaultProxy:
    """Forwards 127.0.0.1:`port` to target_host:target_port, with fault controls."""

    def __init__(
        self,
        target_host: str,
        target_port: int,
        reactor: Any = None,
        receive_buffer: int | None = None,
    ) -> None:
        """receive_buffer caps the proxy's socket buffer towards the target (SO_RCVBUF):
        on loopback the kernel would otherwise buffer tens of megabytes of a stalled or
        slowed link, out of the master's sight."""
        if reactor is None:
            from twisted.internet import reactor as default_reactor

            reactor = default_reactor
        self.reactor: Any = reactor
        self.target_host = target_host
        self.target_port = target_port
        self.receive_buffer = receive_buffer
        self.connections: set[_Connection] = set()
        self.accepted = 0
        self.downstream_bytes = 0
        self.upstream_bytes = 0
        self.stalled = False
        self.bytes_per_second: int | None = None
        # Downstream bytes still to forward before cut_after() closes the link.
        self.cut_budget: int | None = None
        self._listening: IListeningPort | None = None

    def start(self) -> int:
        """Listen on a free loopback port; returns it."""
        self._listening = self.reactor.listenTCP(0, _ProxyFactory(self), interface="127.0.0.1")
        return self.port

    @property
    def port(self) -> int:
        assert self._listening is not None
        port: int = self._listening.getHost().port
        return port

    def stop(self) -> defer.Deferred[None]:
        """Close every connection and stop listening."""
        self.cut()
        listening, self._listening = self._listening, None
        if listening is None:
            return defer.succeed(None)
        return defer.maybeDeferred(listening.stopListening)

    def cut(self, flush: bool = False) -> None:
        """Close every proxied connection now."""
        for connection in list(self.connections):
            connection.close(flush)

    def cut_after(self, downstream_bytes: int) -> None:
        """Close the link once this many more bytes went downstream."""
        if downstream_bytes <= 0:
            self.cut()
            return
        self.cut_budget = downstream_bytes

    def stall(self) -> None:
        """Stop forwarding; the sockets stay open."""
        self.stalled = True

    def resume(self) -> None:
        """Forward again (what was held first)."""
        self.stalled = False
        self._pump_all()

    def slow(self, bytes_per_second: int | None) -> None:
        """Limit the downstream rate; None forwards at full speed again."""
        self.bytes_per_second = bytes_per_second
        self._pump_all()

    def _pump_all(self) -> None:
        for connection in list(self.connections):
            connection.up.pump()
            connection.down.pump()
