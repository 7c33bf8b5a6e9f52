"""The client connection: framing, pipelining, one write per read, closing rules."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from twisted.internet.address import UNIXAddress
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure

from replkv import reply
from replkv.client import Client
from replkv.commands.clients import client_info
from replkv.outbuf import NORMAL, PUBSUB, OutputLimit, pending_bytes
from replkv.resp import ProtocolError, QueryBufferLimit, make_reader

if TYPE_CHECKING:
    from twisted.internet.interfaces import IAddress

    from replkv.server import Server

log = Logger()

INTERNAL_ERROR = reply.error("ERR internal error while executing the command")
MAX_CLIENTS = reply.error("ERR max number of clients reached")


class ClientProtocol(Client, Protocol):
    """One client connection: every complete command of a read answered in one write."""

    def __init__(self, server: Server) -> None:
        Client.__init__(self, server, server.clients.next_id())
        self._out: list[bytes] = []
        self._in_read = False
        # CLIENT_UNIX_SOCKET: connected through `unixsocket`.
        self.unix_socket = False
        self._output_limit = OutputLimit()
        # Replies waiting for their events to be durable or written to the log's file.
        self._held = 0

    def connectionMade(self) -> None:
        transport = self.transport
        assert transport is not None
        self.reader = make_reader(self)
        server = self.server
        if len(server.clients) >= server.config.maxclients:
            # networking.c: acceptCommonHandler() refuses past maxclients.
            server.stats.rejected_connections += 1
            self.closing = True
            transport.write(MAX_CLIENTS)
            transport.loseConnection()
            return
        self.unix_socket = isinstance(transport.getHost(), UNIXAddress)
        if not self.unix_socket and hasattr(transport, "setTcpNoDelay"):
            transport.setTcpNoDelay(True)
            set_keepalive(transport, server.config.tcp_keepalive)
        server.clients.add(self)

    def dataReceived(self, data: bytes) -> None:
        if self.closing:
            return
        stats = self.server.stats
        stats.total_net_input_bytes += len(data)
        stats.total_reads_processed += 1
        self.last_interaction = self.server.clock.seconds()  # CLIENT LIST idle=
        try:
            self.reader.feed(data)
        except QueryBufferLimit:
            log.info("Closing client that reached max query buffer length")
            self._abort()
            return
        except ProtocolError as exc:
            self._protocol_error(exc)
            return
        self.process()

    def process(self, held: list[bytes] | None = None) -> None:
        """Run `held` (a command CLIENT PAUSE kept back), then every complete command
        buffered, and write all replies at once."""
        if self.paused_argv is not None or self.blocked is not None:
            return  # held by CLIENT PAUSE or blocked: resume() / unblocked() pick up
        self._in_read = True
        out = self._out
        server = self.server
        execute = server.execute
        reader = self.reader
        pause = server.clients.pause
        argv: list[bytes] | None
        try:
            while not self.closing:
                if held is not None:
                    argv, held = held, None
                else:
                    try:
                        argv = reader.gets()
                    except ProtocolError as exc:
                        out.append(reply.error("ERR " + exc.message))
                        self.closing = True
                        break
                    except QueryBufferLimit:
                        self._abort()
                        return
                if argv is None:
                    break
                if pause.mode and pause.holds(self, argv):
                    self.paused_argv = argv
                    break
                try:
                    result = execute(self, argv)
                except Exception:
                    log.failure("Unhandled error in command {command!r}", command=argv[0])
                    result = INTERNAL_ERROR
                if result is not None:
                    if self.reply_off or self.reply_skip:
                        self.reply_skip = False  # CLIENT REPLY OFF / SKIP: dropped
                        continue
                    out.append(result)
                elif self.blocked is not None:
                    break  # BLPOP & co: the rest waits until the client is unblocked
        finally:
            self._in_read = False
        self.flush()
        if not self.closing:
            self._check_output_limit()

    def resume(self) -> None:
        """Run the command held back by CLIENT PAUSE, then whatever followed it."""
        argv = self.paused_argv
        if argv is None or self.transport is None:
            return
        self.paused_argv = None
        self.process(held=argv)

    def unblocked(self) -> None:
        """Read on after a blocking command, at the next reactor turn as Redis's
        processUnblockedClients() does (not inside the writer's command)."""
        self.server.clock.callLater(0, self._read_on)

    def _read_on(self) -> None:
        if self.transport is not None and not self.closing and self.blocked is None:
            self.process()

    def flush(self) -> None:
        """Write the replies gathered so far; close if the client is to be closed."""
        out = self._out
        transport = self.transport
        if out and transport is not None:
            data = out[0] if len(out) == 1 else b"".join(out)
            out.clear()
            server = self.server
            stats = server.stats
            stats.total_net_output_bytes += len(data)
            stats.total_writes_processed += 1
            event_log = server.log
            if server.durable_replies and (
                self._held or event_log.durable_offset < event_log.end_offset
            ):
                # appendfsync always: no reply leaves before the events before it are
                # on disk; when_durable() calls back in offset order, so replies keep theirs.
                self._held += 1
                event_log.when_durable(event_log.end_offset, lambda: self.write_held(data))
            elif self._held or event_log.written_offset < event_log.end_offset:
                # The events reach the file before their replies leave: one write of the
                # log for every client's replies of the turn (see replkv.replybatch).
                self._held += 1
                server.reply_batch.hold(self, data)
            else:
                write_now(transport, data)
        if self.closing and transport is not None and not self._held:
            transport.loseConnection()

    def write_held(self, data: bytes) -> None:
        """A reply held for its events: they are on disk (or in the file) now."""
        self._held -= 1
        transport = self.transport
        if transport is None:
            return
        write_now(transport, data)
        if self.closing and not self._held:
            transport.loseConnection()

    def unsent_bytes(self) -> int:
        return pending_bytes(self.transport)

    def send(self, data: bytes) -> None:
        """Out-of-band data: joins the current batch, or is written now.

        A client that does not read what it is sent (a slow subscriber) is closed
        once its unsent output breaks client-output-buffer-limit for its class.
        """
        self._out.append(data)
        if not self._in_read:
            self.flush()
            if not self.closing:
                self._check_output_limit()

    def _check_output_limit(self) -> None:
        """closeClientOnOutputBufferLimitReached(): after replies and out-of-band output."""
        limits = self.server.config.client_output_buffer_limit[
            PUBSUB if self.subscribed else NORMAL
        ]
        if not (limits[0] or limits[1]):
            return
        used = pending_bytes(self.transport)
        now = int(self.server.clock.seconds())
        if not self._output_limit.exceeded(used, limits, now):
            return
        log.warn(
            "Client {client} scheduled to be closed ASAP for overcoming of output buffer limits.",
            client=client_info(self, self).decode("latin-1"),
        )
        self._out.clear()
        self.closing = True
        if self.transport is not None:
            self.transport.abortConnection()  # type: ignore[attr-defined]

    def _protocol_error(self, exc: ProtocolError) -> None:
        self._out.append(reply.error("ERR " + exc.message))
        self.closing = True
        self.flush()

    def _abort(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.loseConnection()

    def kill(self) -> None:
        """CLIENT KILL / shutdown: close now, dropping pending replies."""
        self._out.clear()
        if self.kind == "replica" and self.transport is not None:
            # A replica's unsent stream is not waited for (it may not be reading).
            self.closing = True
            self.transport.abortConnection()  # type: ignore[attr-defined]
            return
        self._abort()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.closing = True
        self.server.clients.remove(self)

    def address(self) -> str:
        if self.unix_socket:
            return self._unix_address()
        return _format_address(self.transport.getPeer() if self.transport else None)

    def local_address(self) -> str:
        if self.unix_socket:
            return self._unix_address()
        return _format_address(self.transport.getHost() if self.transport else None)

    def _unix_address(self) -> str:
        """genClientAddrString(): both ends of a unix socket client show `<unixsocket>:0`."""
        return f"{self.server.config.unixsocket}:0"


def set_keepalive(transport: object, interval: int) -> None:
    """anetKeepAlive(): TCP keepalive probes after `interval` idle seconds (0: off)."""
    if interval <= 0:
        return
    transport.setTcpKeepAlive(True)  # type: ignore[attr-defined]
    sock = getattr(transport, "socket", None)
    if sock is not None and hasattr(socket, "TCP_KEEPIDLE"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, interval)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(interval // 3, 1))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)


def write_now(transport: object, data: bytes) -> None:
    """Send at once when nothing is queued, else queue behind what is.

    Twisted's write() always waits for the next reactor turn and toggles epoll
    registration twice per reply; answering in place, as Redis's
    writeToClient() does before installing a write handler, halves the reactor events
    per request. Whatever the socket does not take goes through write() as usual.
    """
    sock = getattr(transport, "socket", None)
    if (
        sock is None
        or pending_bytes(transport)
        or not transport.connected  # type: ignore[attr-defined]
        or transport.disconnecting  # type: ignore[attr-defined]
    ):
        transport.write(data)  # type: ignore[attr-defined]
        return
    try:
        sent = sock.send(data)
    except (BlockingIOError, InterruptedError):
        sent = 0
    except OSError:
        transport.write(data)  # type: ignore[attr-defined]  # Twisted reports the error
        return
    if sent < len(data):
        transport.write(data[sent:])  # type: ignore[attr-defined]


def _format_address(address: IAddress | None) -> str:
    host = getattr(address, "host", None)
    port = getattr(address, "port", None)
    if host is None:
        return ""
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


class ClientFactory(Factory):
    """Makes a ClientProtocol for each accepted connection."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def buildProtocol(self, addr: IAddress | None) -> ClientProtocol:
        protocol = ClientProtocol(self.server)
        protocol.factory = self
        return protocol
