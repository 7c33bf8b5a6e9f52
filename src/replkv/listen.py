"""Listening: Redis's `bind` list and `unixsocket`, opened at start-up as Redis does."""

from __future__ import annotations

import errno
import os
import socket
from typing import TYPE_CHECKING, Any, NoReturn

from twisted.application.service import Service
from twisted.internet import defer
from twisted.internet.endpoints import TCP4ServerEndpoint, UNIXServerEndpoint
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IListeningPort, IProtocolFactory, IStreamServerEndpoint
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

if TYPE_CHECKING:
    from replkv.config import Config

log = Logger()


def listen_addresses(bind: list[str]) -> list[tuple[str, bool]]:
    """Redis's bind list as (interface, optional): `*` is every IPv4 address, `::*`
    every IPv6 one, and a leading `-` marks an address that may be unavailable."""
    addresses = []
    for entry in bind:
        optional = entry.startswith("-")
        address = entry[1:] if optional else entry
        if address == "*":
            address = "0.0.0.0"
        elif address == "::*":
            address = "::"
        addresses.append((address, optional))
    return addresses


@implementer(IStreamServerEndpoint)
class TCP6OnlyServerEndpoint:
    """An IPv6 TCP listener that leaves IPv4 alone (IPV6_V6ONLY), as Redis's are.

    Without it `::` would also take the IPv4 port, and `bind * ::*` could not work.
    """

    def __init__(self, reactor: Any, port: int, backlog: int, interface: str) -> None:
        self._reactor = reactor
        self._port = port
        self._backlog = backlog
        self._interface = interface

    def listen(self, factory: IProtocolFactory) -> defer.Deferred[IListeningPort]:
        return defer.execute(self._listen, factory)

    def _listen(self, factory: IProtocolFactory) -> IListeningPort:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((self._interface, self._port))
            sock.listen(self._backlog)
            sock.setblocking(False)
            # The reactor takes its own copy of the descriptor.
            port: IListeningPort = self._reactor.adoptStreamPort(
                sock.fileno(), socket.AF_INET6, factory
            )
            return port
        except OSError as exc:
            raise CannotListenError(self._interface, self._port, exc) from exc
        finally:
            sock.close()


def endpoint_for(reactor: Any, address: str, port: int, backlog: int) -> IStreamServerEndpoint:
    """The listening endpoint for one bind address."""
    if ":" in address:
        return TCP6OnlyServerEndpoint(reactor, port, backlog, address)
    return TCP4ServerEndpoint(reactor, port, backlog=backlog, interface=address)


# listenToPort(): errors that mean "this kind of address is not available here";
# Redis skips such an address even when it is not optional.
_UNSUPPORTED = frozenset(
    (
        errno.ENOPROTOOPT,
        errno.EPROTONOSUPPORT,
        errno.ESOCKTNOSUPPORT,
        errno.EPFNOSUPPORT,
        errno.EAFNOSUPPORT,
    )
)


class StartupAborted(SystemExit):
    """Start-up cannot go on (a listener failed); twistd exits with status 1."""

    def __init__(self) -> None:
        super().__init__(1)


class Listeners(Service):
    """The server's listening sockets: every bind address on `port`, and `unixsocket`.

    They are opened in privilegedStartService (before twistd sheds privileges,
    as StreamServerEndpointService does), or in startService when nothing
    called that. A required listener that fails closes the others, logs
    Redis's lines and raises StartupAborted, so `twistd -n replkv` exits with
    status 1 as redis-server does. The endpoints must listen synchronously
    (TCP and UNIX endpoints do): start-up either succeeds or fails here.
    """

    def __init__(self, reactor: Any, config: Config, factory: IProtocolFactory) -> None:
        super().__init__()
        self.reactor = reactor
        self.config = config
        self.factory = factory
        self.ports: list[IListeningPort] = []
        self._listening = False

    def privilegedStartService(self) -> None:
        super().privilegedStartService()
        self.listen()

    def startService(self) -> None:
        super().startService()
        if not self._listening:
            self.listen()

    def stopService(self) -> defer.Deferred[None]:
        super().stopService()
        self._listening = False
        ports, self.ports = self.ports, []
        stopped = [defer.maybeDeferred(port.stopListening) for port in ports]
        return defer.gatherResults(stopped).addCallback(lambda _: None)

    def listen(self) -> None:
        """Open every listener, or log why not and raise StartupAborted."""
        self._listening = True
        config = self.config
        for entry in config.bind:
            ((address, optional),) = listen_addresses([entry])
            endpoint = endpoint_for(self.reactor, address, config.port, config.tcp_backlog)
            port, error = _listen_now(endpoint, self.factory)
            if port is not None:
                self.ports.append(port)
                continue
            shown = entry[1:] if optional else entry
            log.warn(
                "Warning: Could not create server TCP listening socket {address}:{port}: "
                "bind: {reason}",
                address=shown,
                port=config.port,
                reason=_reason(error),
            )
            code = _errno(error)
            if (optional and code == errno.EADDRNOTAVAIL) or code in _UNSUPPORTED:
                continue
            self._abort("Failed listening on port {port} (TCP), aborting.", port=config.port)
        if config.unixsocket:
            # Redis chdir()s to `dir` while loading, so a relative path lands there.
            path = os.path.join(config.dir or "", config.unixsocket)
            self._listen_unix(path, config.unixsocketperm)
        if not self.ports:
            self._abort("Configured to not listen anywhere, exiting.")

    def _listen_unix(self, path: str, permissions: int) -> None:
        # initServer(): a socket file left by an earlier run would make bind() fail.
        try:
            os.unlink(path)
        except OSError:
            pass
        # anetUnixServer() chmods only when unixsocketperm is set; otherwise the
        # socket keeps the mode bind() gives it (0777 less the umask).
        mode = permissions or 0o777 & ~_umask()
        endpoint = UNIXServerEndpoint(
            self.reactor, path, backlog=self.config.tcp_backlog, mode=mode
        )
        port, error = _listen_now(endpoint, self.factory)
        if port is None:
            self._abort("Failed opening Unix socket: bind: {reason}", reason=_reason(error))
        else:
            self.ports.append(port)

    def _abort(self, message: str, **fields: object) -> NoReturn:
        """Close what was opened (closeSocketListeners()), log `message`, stop start-up."""
        for port in self.ports:
            port.stopListening()
        self.ports = []
        log.warn(message, **fields)
        raise StartupAborted()


def _listen_now(
    endpoint: IStreamServerEndpoint, factory: IProtocolFactory
) -> tuple[IListeningPort | None, BaseException | None]:
    """Listen on `endpoint` and return (port, None) or (None, the error), synchronously."""
    outcome: list[IListeningPort | Failure] = []
    endpoint.listen(factory).addBoth(outcome.append)
    if not outcome:
        raise RuntimeError(f"{endpoint!r} did not listen synchronously")
    result = outcome[0]
    if isinstance(result, Failure):
        return None, result.value
    return result, None


def _errno(error: BaseException | None) -> int | None:
    """The errno behind a CannotListenError (or an OSError)."""
    cause = getattr(error, "socketError", error)
    return getattr(cause, "errno", None)


def _reason(error: BaseException | None) -> str:
    """strerror() text for a listening failure, as anet.c's messages carry it."""
    code = _errno(error)
    if code is not None:
        return os.strerror(code)
    return str(getattr(error, "socketError", error))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
