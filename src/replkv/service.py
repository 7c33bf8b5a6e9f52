"""Wiring: listeners, the server, and its timers, as one twistd MultiService."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from twisted.application.service import MultiService
from twisted.internet import defer
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from replkv.keyspace.expiry import ActiveExpiry
from replkv.listen import Listeners
from replkv.log.disk import DiskLog
from replkv.log.eventlog import InMemoryLog
from replkv.persistence.recovery import Recovery, open_event_log, read_snapshot, start_disk_log
from replkv.protocol import ClientFactory
from replkv.replication.replica import become_replica
from replkv.server import Server

if TYPE_CHECKING:
    from replkv.config import Config
    from replkv.log.interfaces import IEventLog

log = Logger()


class ReplkvService(MultiService):
    """A replkv server: its listeners and periodic tasks."""

    def __init__(self, config: Config, reactor: object | None = None) -> None:
        super().__init__()
        if reactor is None:
            from twisted.internet import reactor as default_reactor

            reactor = default_reactor
        self.reactor = reactor
        self.config = config
        self.server = Server(config, reactor)  # type: ignore[arg-type]
        self.server.shutdown_hook = self.shutdown
        self.expiry = ActiveExpiry(self.server.keyspace)
        self.listeners = Listeners(reactor, config, ClientFactory(self.server))
        self.listeners.setServiceParent(self)
        self._last_clients_check = 0.0
        # serverCron's timer; its interval follows CONFIG SET hz.
        self._cron = LoopingCall(self.cron)
        self._cron.clock = reactor  # type: ignore[assignment]
        config.observe("hz", self._hz_changed)
        config.observe("repl-backlog-size", self._backlog_size_changed)
        config.observe("appendonly", self._appendonly_changed)
        config.observe("appendfsync", self._appendfsync_changed)

    def startService(self) -> None:
        if self.config.dir:
            os.makedirs(self.config.dir, exist_ok=True)
            os.chdir(self.config.dir)
        # A damaged snapshot header or log stops start-up before anyone connects.
        snapshot = read_snapshot(self.config)
        self.server.propagator.log = open_event_log(self.config, self.reactor, snapshot)
        # The listeners open (or abort start-up) before anything else starts.
        super().startService()
        self._cron.start(1 / max(self.config.hz, 1), now=False)
        self.server.replicas.start()
        log.info("Server initialized")
        # A replica keeps expired keys when it loads (its master deletes them).
        self.server.keyspace.is_master = self.config.replicaof is None
        self.loaded = Recovery(self.server, snapshot).run()
        self.loaded.addCallback(lambda _: self._ready())
        self.loaded.addCallback(lambda _: self._start_replication())

    def _ready(self) -> None:
        log.info("Ready to accept connections")
        if self.config.unixsocket:
            log.info(
                "The server is now ready to accept connections at {path}",
                path=self.config.unixsocket,
            )

    def _start_replication(self) -> None:
        """`replicaof` in the configuration: connect to the master once the data is loaded."""
        if self.config.replicaof is not None:
            host, port = self.config.replicaof
            become_replica(self.server, host, port, at_startup=True)

    def stopService(self) -> defer.Deferred[None] | None:
        if self._cron.running:
            self._cron.stop()
        if self.server.master_link is not None:
            self.server.master_link.stop()
        self.server.replicas.stop()
        # SIGTERM saves as SHUTDOWN does (a no-op if SHUTDOWN already did).
        self.server.snapshots.final_save(bool(self.config.save))
        self.server.log.close()
        return super().stopService()

    def cron(self) -> None:
        """serverCron(): periodic work, hz times a second."""
        if self.server.loading:
            return  # no expiry, no saves while the dataset is being loaded
        # activeExpireCycle() does nothing while clients are paused.
        if self.server.active_expire_enabled and not self.server.keyspace.expiry_paused:
            self.expiry.cycle(self.config.hz)
        self.server.stats.expired_stale_perc = self.expiry.stale_percent
        self.server.snapshots.cron()
        now = self.reactor.seconds()  # type: ignore[attr-defined]
        if now - self._last_clients_check >= 1:  # clientsCron(): about once a second
            self._last_clients_check = now
            self.server.clients.close_idle(now, self.config.timeout)

    def _hz_changed(self, hz: int) -> None:
        self._cron.interval = 1 / max(hz, 1)

    def _backlog_size_changed(self, size: int) -> None:
        self.server.log.retention = size

    def _appendonly_changed(self, enabled: bool) -> None:
        """CONFIG SET appendonly: put the log on disk, or take it off."""
        server = self.server
        old = server.log
        if enabled == isinstance(old, DiskLog):
            return
        if enabled:
            # Redis rewrites the AOF from the dataset; here a snapshot covers the past
            # and the new log starts at the current offset.
            server.snapshots.save()
            new_log: IEventLog = start_disk_log(self.config, self.reactor, old.end_offset)
        else:
            old.close()
            new_log = InMemoryLog(self.reactor, self.config.repl_backlog_size, old.end_offset)  # type: ignore[arg-type]
        server.propagator.log = new_log
        self._appendfsync_changed(self.config.appendfsync)

    def _appendfsync_changed(self, policy: str) -> None:
        server = self.server
        if isinstance(server.log, DiskLog):
            server.log.policy = policy
        server.durable_replies = self.config.appendonly and policy == "always"

    def shutdown(self) -> None:
        """SHUTDOWN: stop the reactor (twistd then stops every service)."""
        self.reactor.callLater(0, self.reactor.stop)  # type: ignore[attr-defined]


def make_service(config: Config) -> MultiService:
    """The service twistd runs for `twistd replkv`."""
    return ReplkvService(config)
