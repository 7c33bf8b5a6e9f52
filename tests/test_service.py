"""Service wiring: listeners from the bind list, timers that follow CONFIG SET."""

from __future__ import annotations

import os
import socket

from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.listen import listen_addresses
from replkv.service import ReplkvService


class ListenAddressesTests(SynchronousTestCase):
    def test_redis_forms(self) -> None:
        self.assertEqual(
            listen_addresses(["127.0.0.1", "*", "-::*", "-::1"]),
            [("127.0.0.1", False), ("0.0.0.0", False), ("::", True), ("::1", True)],
        )


class ServiceTests(SynchronousTestCase):
    def make_service(self, **settings: object) -> tuple[ReplkvService, MemoryReactorClock]:
        config = Config()
        config.dir = os.getcwd()
        config.save = ()  # stopping saves nothing unless a test asks
        for name, value in settings.items():
            setattr(config, name, value)
        reactor = MemoryReactorClock()
        service = ReplkvService(config, reactor)
        service.startService()
        self.addCleanup(service.stopService)
        return service, reactor

    def test_listens_on_every_bind_address(self) -> None:
        _, reactor = self.make_service(bind=["127.0.0.1", "-::1"], port=0)
        self.assertEqual(
            [(port, interface) for port, _, _, interface in reactor.tcpServers],
            [(0, "127.0.0.1")],
        )
        # IPv6 addresses are listened on through an adopted IPV6_V6ONLY socket.
        self.assertEqual([family for _, family, _ in reactor.adoptedPorts], [socket.AF_INET6])

    def test_active_expiry_runs_at_hz(self) -> None:
        service, reactor = self.make_service(hz=10)
        db = service.server.keyspace.dbs[0]
        db.store(b"k", b"v")
        db.set_expire(b"k", 500)
        reactor.advance(0.4)
        self.assertIn(b"k", db.data)
        reactor.advance(0.2)
        self.assertNotIn(b"k", db.data)

    def test_config_set_hz_changes_the_cron_period(self) -> None:
        service, reactor = self.make_service(hz=10)
        service.config.set_many([(b"hz", b"100")])
        db = service.server.keyspace.dbs[0]
        db.store(b"k", b"v")
        db.set_expire(b"k", 1)
        reactor.advance(0.1)  # the tick already scheduled at the old period
        db.store(b"j", b"v")
        db.set_expire(b"j", 1)
        reactor.advance(0.011)  # one period of 10 ms later, the cycle ran again
        self.assertNotIn(b"j", db.data)

    def test_config_set_backlog_size_changes_log_retention(self) -> None:
        service, _ = self.make_service()
        service.config.set_many([(b"repl-backlog-size", b"2mb")])
        self.assertEqual(service.server.log.retention, 2 * 1024 * 1024)
