"""Listeners: the bind list and unixsocket opened at start-up, failing as redis-server does."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from typing import Any

from twisted.internet.error import CannotListenError
from twisted.internet.protocol import Factory
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.listen import Listeners, StartupAborted
from replkv.service import ReplkvService


class RefusingReactor(MemoryReactorClock):
    """A MemoryReactor whose listenTCP fails with `errors[interface]` (an errno)."""

    def __init__(self, errors: dict[str, int]) -> None:
        super().__init__()
        self.errors = errors

    def listenTCP(self, port: int, factory: Any, backlog: int = 50, interface: str = "") -> Any:  # noqa: N802
        code = self.errors.get(interface)
        if code is not None:
            raise CannotListenError(interface, port, OSError(code, os.strerror(code)))
        return super().listenTCP(port, factory, backlog, interface)


def make_config(**settings: object) -> Config:
    config = Config()
    config.port = 7000
    for name, value in settings.items():
        setattr(config, name, value)
    return config


class ListenersTests(SynchronousTestCase):
    def start(self, reactor: MemoryReactorClock, config: Config) -> tuple[Listeners, list[str]]:
        """Start the listeners as twistd does; return them and the messages they logged."""
        listeners = Listeners(reactor, config, Factory())
        with capturedLogs() as events:
            try:
                listeners.privilegedStartService()
            finally:
                messages = [formatEvent(event) for event in events]
        self.addCleanup(listeners.stopService)
        return listeners, messages

    def test_listens_on_every_address_in_the_bind_list(self) -> None:
        reactor = MemoryReactorClock()
        listeners, messages = self.start(reactor, make_config(bind=["127.0.0.1", "127.0.0.2"]))
        self.assertEqual(
            [(port, interface) for port, _, _, interface in reactor.tcpServers],
            [(7000, "127.0.0.1"), (7000, "127.0.0.2")],
        )
        self.assertEqual(len(listeners.ports), 2)
        self.assertEqual(messages, [])

    def test_a_taken_port_aborts_start_up(self) -> None:
        reactor = RefusingReactor({"127.0.0.2": errno.EADDRINUSE})
        config = make_config(bind=["127.0.0.1", "127.0.0.2"])
        with capturedLogs() as events:
            listeners = Listeners(reactor, config, Factory())
            with self.assertRaises(StartupAborted) as caught:
                listeners.privilegedStartService()
        self.assertEqual(caught.exception.code, 1)
        self.assertEqual(
            [formatEvent(event) for event in events],
            [
                "Warning: Could not create server TCP listening socket 127.0.0.2:7000: "
                "bind: Address already in use",
                "Failed listening on port 7000 (TCP), aborting.",
            ],
        )
        # The address that did listen was closed again (closeSocketListeners()).
        self.assertEqual(listeners.ports, [])

    def test_an_unavailable_optional_address_is_only_logged(self) -> None:
        reactor = RefusingReactor({"10.9.9.9": errno.EADDRNOTAVAIL})
        listeners, messages = self.start(reactor, make_config(bind=["127.0.0.1", "-10.9.9.9"]))
        self.assertEqual(len(listeners.ports), 1)
        self.assertEqual(
            messages,
            [
                "Warning: Could not create server TCP listening socket 10.9.9.9:7000: "
                "bind: Cannot assign requested address"
            ],
        )

    def test_an_optional_address_in_use_still_aborts(self) -> None:
        # listenToPort() skips an optional address only when it is not available.
        reactor = RefusingReactor({"10.9.9.9": errno.EADDRINUSE})
        with self.assertRaises(StartupAborted):
            self.start(reactor, make_config(bind=["127.0.0.1", "-10.9.9.9"]))

    def test_an_unsupported_address_family_is_skipped(self) -> None:
        reactor = RefusingReactor({"127.0.0.2": errno.EAFNOSUPPORT})
        listeners, _ = self.start(reactor, make_config(bind=["127.0.0.1", "127.0.0.2"]))
        self.assertEqual(len(listeners.ports), 1)

    def test_nowhere_to_listen_aborts(self) -> None:
        with self.assertRaises(StartupAborted):
            self.start(MemoryReactorClock(), make_config(bind=[]))

    def test_unix_socket_replaces_a_stale_file_with_its_permissions(self) -> None:
        directory = tempfile.mkdtemp(prefix="replkv-listen-")
        self.addCleanup(shutil.rmtree, directory, True)
        path = os.path.join(directory, "replkv.sock")
        with open(path, "w"):
            pass  # left over from an earlier run
        reactor = MemoryReactorClock()
        config = make_config(bind=[], unixsocket=path, unixsocketperm=0o700)
        listeners, _ = self.start(reactor, config)
        self.assertFalse(os.path.exists(path))
        ((address, _, _, mode, _),) = reactor.unixServers
        self.assertEqual((address, mode), (path, 0o700))
        self.assertEqual(len(listeners.ports), 1)

    def test_unix_socket_without_permissions_keeps_the_umask_mode(self) -> None:
        mask = os.umask(0o027)
        os.umask(mask)
        reactor = MemoryReactorClock()
        self.start(reactor, make_config(bind=[], unixsocket="/tmp/replkv-test.sock"))
        ((_, _, _, mode, _),) = reactor.unixServers
        self.assertEqual(mode, 0o777 & ~mask)

    def test_relative_unix_socket_is_in_dir(self) -> None:
        reactor = MemoryReactorClock()
        self.start(reactor, make_config(bind=[], unixsocket="r.sock", dir="/var/tmp"))
        ((address, _, _, _, _),) = reactor.unixServers
        self.assertEqual(address, "/var/tmp/r.sock")

    def test_start_service_listens_when_nothing_else_did(self) -> None:
        reactor = MemoryReactorClock()
        listeners = Listeners(reactor, make_config(bind=["127.0.0.1"]), Factory())
        listeners.startService()
        self.addCleanup(listeners.stopService)
        self.assertEqual(len(reactor.tcpServers), 1)


class ReadyLineTests(SynchronousTestCase):
    def test_ready_is_logged_once_after_the_listeners(self) -> None:
        config = make_config(bind=["127.0.0.1"], unixsocket="/tmp/replkv-ready.sock")
        config.dir = os.getcwd()
        config.save = ()
        config.dbfilename = "no-snapshot-here.rdb"
        reactor = MemoryReactorClock()
        service = ReplkvService(config, reactor)
        with capturedLogs() as events:
            service.privilegedStartService()
            service.startService()
            reactor.advance(0)  # loading (of nothing) ends on the next turn
        self.addCleanup(service.stopService)
        messages = [formatEvent(event) for event in events]
        self.assertEqual(messages.count("Ready to accept connections"), 1)
        self.assertEqual(
            messages[-3:],
            [
                "Server initialized",
                "Ready to accept connections",
                "The server is now ready to accept connections at /tmp/replkv-ready.sock",
            ],
        )
