"""Listening endpoints for Redis's `bind` list."""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet import defer
from twisted.internet.endpoints import TCP4ServerEndpoint
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IListeningPort, IProtocolFactory, IStreamServerEndpoint
from zope.interface import implementer


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
