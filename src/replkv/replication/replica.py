"""The replica side of replication: the link to a master (replication.c's replica half).

`ReplicaLink` owns one master address and its connection attempts: connect, the
handshake (replication/handshake.py), a full sync's snapshot received into a temporary
file (replication/payload.py) and parsed into a keyspace of its own while the old data
is served, then the command stream applied through `StreamApplier` with the master as
a trusted client, so the local log holds the master's bytes at the master's offsets.
A cron once a second (replicationCron()) reconnects, detects timeouts and sends
`REPLCONF ACK`. `become_replica()` / `become_master()` are REPLICAOF host port / NO ONE.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, BinaryIO

from twisted.internet import defer, threads
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.protocol import ClientFactory, Protocol, connectionDone
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from replkv import errors
from replkv.client import Client
from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.keyspace import Keyspace
from replkv.persistence.snapshots import parse_snapshot
from replkv.rdb.format import RdbError
from replkv.rdb.reader import RdbInfo
from replkv.replication.handshake import (
    Continue,
    FullResync,
    Handshake,
    HandshakeError,
    HandshakeSettings,
)
from replkv.replication.ids import new_replid
from replkv.replication.payload import PayloadError, PayloadReader
from replkv.reply import encode_command
from replkv.resp import ProtocolError
from replkv.scripting.functions import load_libraries

if TYPE_CHECKING:
    from replkv.commands.table import Command
    from replkv.server import Server

log = Logger()

# A handshake reply line longer than this ends the attempt.
MAX_LINE = 64 * 1024
ZERO_REPLID = "0" * 40


def ack_command(offset: int) -> bytes:
    """`REPLCONF ACK <offset>` (replicationSendAck())."""
    return encode_command([b"REPLCONF", b"ACK", b"%d" % offset])


class MasterClient(Client):
    """The master's connection seen as a client: CLIENT LIST flags=M, CLIENT KILL TYPE master."""

    def __init__(self, server: Server, protocol: MasterLinkProtocol) -> None:
        super().__init__(server, server.clients.next_id())
        self.protocol = protocol

    def address(self) -> str:
        return _address(self.protocol.transport, peer=True)

    def local_address(self) -> str:
        return _address(self.protocol.transport, peer=False)

    def kill(self) -> None:
        transport = self.protocol.transport
        if transport is not None:
            transport.loseConnection()


def _address(transport: Any, peer: bool) -> str:
    if transport is None:
        return ""
    address = transport.getPeer() if peer else transport.getHost()
    host, port = getattr(address, "host", None), getattr(address, "port", None)
    return f"{host}:{port}" if host is not None else ""


class MasterStreamApplier(StreamApplier):
    """The stream from the master; `REPLCONF GETACK` is answered here, not run as a command."""

    def __init__(self, server: Server, client: Client, link: ReplicaLink) -> None:
        super().__init__(server, client)
        self.link = link

    def _apply(self, argv: list[bytes]) -> None:
        if argv[0].lower() == b"replconf":
            if len(argv) >= 2 and argv[1].lower() == b"getack":
                # The offset before this command: reploff advances once it has run.
                self.link.send_ack(self.applied_offset)
            return
        super()._apply(argv)


class MasterLinkProtocol(Protocol):
    """One connection to the master: handshake lines, then the payload, then the stream."""

    def __init__(self, link: ReplicaLink, handshake: Handshake) -> None:
        self.link = link
        self.handshake = handshake
        self.phase = "handshake"  # → transfer → loading → stream
        self._line = bytearray()
        self.payload: PayloadReader | None = None
        # Bytes that arrived after the payload while it loads (the transport is paused).
        self._held = bytearray()
        self.applier: MasterStreamApplier | None = None
        # True once the replica itself ended the connection (drop()).
        self.dropped = False

    def connectionMade(self) -> None:
        self.link.connection_made(self)
        self.transport.write(self.handshake.start())  # type: ignore[union-attr]

    def dataReceived(self, data: bytes) -> None:
        self.link.io_happened()
        try:
            if self.phase == "stream":
                self._stream(data)
                return
            if self.phase == "handshake":
                data = self._handshake(data)
            if self.phase == "transfer" and data:
                data = self._transfer(data)
            if self.phase == "loading":
                self._held += data
            elif self.phase == "stream" and data:
                self._stream(data)
        except (HandshakeError, PayloadError) as exc:
            log.warn("{error}", error=str(exc))
            self.drop()
        except ProtocolError as exc:
            log.warn("Protocol error from MASTER: {error}", error=exc)
            self.drop()
        except OSError as exc:
            # The temporary file of a full sync: disk full, directory gone.
            log.warn(
                "Write error or short write writing to the DB dump file needed for "
                "MASTER <-> REPLICA synchronization: {error}",
                error=exc,
            )
            self.drop()

    def _handshake(self, data: bytes) -> bytes:
        """Reply lines until the handshake ends; returns what follows its last line."""
        while data:
            newline = data.find(b"\n")
            if newline < 0:
                self._line += data
                if len(self._line) > MAX_LINE:
                    raise HandshakeError("Reply line from MASTER too long")
                return b""
            self._line += data[:newline]
            data = data[newline + 1 :]
            line = bytes(self._line).rstrip(b"\r")
            self._line.clear()
            out = self.handshake.line_received(line)
            if out:
                self.transport.write(out)  # type: ignore[union-attr]
            outcome = self.handshake.outcome
            if isinstance(outcome, FullResync):
                self.payload = self.link.full_resync(self, outcome)
                self.phase = "transfer"
                return data
            if isinstance(outcome, Continue):
                self.applier = self.link.partial_resync(self, outcome)
                self.phase = "stream"
                return data
        return b""

    def _transfer(self, data: bytes) -> bytes:
        payload = self.payload
        assert payload is not None
        had_header = payload.header_read
        rest = payload.feed(data)
        if not had_header and payload.header_read:
            self.link.payload_started(payload)
        if payload.done:
            self.phase = "loading"
            self.transport.pauseProducing()  # type: ignore[union-attr]
            self.link.payload_received(self)
        return rest

    def start_stream(self, applier: MasterStreamApplier) -> None:
        """The snapshot is in place: apply what arrived meanwhile, then read on."""
        self.applier = applier
        self.phase = "stream"
        held = bytes(self._held)
        self._held.clear()
        self.transport.resumeProducing()  # type: ignore[union-attr]
        if held:
            try:
                self._stream(held)
            except ProtocolError as exc:
                log.warn("Protocol error from MASTER: {error}", error=exc)
                self.drop()

    def _stream(self, data: bytes) -> None:
        applier = self.applier
        assert applier is not None
        self.link.read_bytes += len(data)
        applier.feed(data)

    def send(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    def drop(self) -> None:
        """End this connection; the link reconnects."""
        self.dropped = True
        if self.transport is not None:
            self.transport.abortConnection()  # type: ignore[attr-defined]

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.phase = "closed"
        self.link.connection_lost(self)


class _LinkFactory(ClientFactory):
    def __init__(self, link: ReplicaLink, handshake: Handshake) -> None:
        self.link = link
        self.handshake = handshake

    def buildProtocol(self, addr: Any) -> MasterLinkProtocol:
        return MasterLinkProtocol(self.link, self.handshake)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.link.connect_failed(reason)


class ReplicaLink:
    """A replica's link to its master (server.masterhost and server.repl_state).

    `state` is ROLE's: connect, connecting, handshake, sync, connected.
    """

    def __init__(
        self,
        server: Server,
        host: str,
        port: int,
        cached: tuple[str, int] | None,
        reactor: Any = None,
    ) -> None:
        self.server = server
        self.reactor: Any = reactor if reactor is not None else server.clock
        self.host = host
        self.port = port
        # (replid, last applied offset) to ask PSYNC for, or None: PSYNC ? -1.
        self.cached = cached
        self.state = "connect"
        self.protocol: MasterLinkProtocol | None = None
        self.master_client: MasterClient | None = None
        self.applier: MasterStreamApplier | None = None
        self.last_io = self.reactor.seconds()
        # When the link went down (None: it was never up since REPLICAOF).
        self.down_since: float | None = None
        self.read_bytes = 0
        self.payload: PayloadReader | None = None
        self._fullsync: FullResync | None = None
        self._tmp_path: str | None = None
        self._tmp_file: BinaryIO | None = None
        self._connector: Any = None
        # Bumped by every new attempt: a load that finishes for an old one is dropped.
        self._attempt = 0
        # Why the last full sync offered was refused (INFO master_sync_refused), or None.
        self.sync_refused: str | None = None
        self._cron = LoopingCall(self.cron)
        self._cron.clock = self.reactor

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        """Connect now, then keep the link up from the cron."""
        log.info("Connecting to MASTER {host}:{port}", host=self.host, port=self.port)
        self.connect()
        self._cron.start(1, now=False)

    def stop(self) -> None:
        """Forget this master: close the connection, drop a sync in progress."""
        if self._cron.running:
            self._cron.stop()
        self._attempt += 1
        self._drop_master_client()
        self._discard_transfer()
        protocol, self.protocol = self.protocol, None
        if protocol is not None and protocol.transport is not None:
            protocol.transport.abortConnection()  # type: ignore[attr-defined]
        if self._connector is not None and self.state == "connecting":
            self._connector.stopConnecting()
        self._connector = None
        self.state = "none"

    def connect(self) -> None:
        """connectWithMaster()."""
        self._attempt += 1
        self.state = "connecting"
        self.last_io = self.reactor.seconds()
        config = self.server.config
        settings = HandshakeSettings(
            listening_port=config.replica_announce_port or config.port,
            announce_ip=config.replica_announce_ip,
            masteruser=config.masteruser,
            masterauth=config.masterauth,
            cached=self.cached,
        )
        factory = _LinkFactory(self, Handshake(settings))
        self._connector = self.reactor.connectTCP(
            self.host, self.port, factory, timeout=config.repl_timeout
        )
        log.info("MASTER <-> REPLICA sync started")

    def connect_failed(self, reason: Failure) -> None:
        if self.state != "connecting":
            return
        log.warn(
            "Error condition on socket for SYNC: {error}",
            error=reason.getErrorMessage().rstrip("."),
        )
        self.state = "connect"

    def connection_made(self, protocol: MasterLinkProtocol) -> None:
        log.info("Non blocking connect for SYNC fired the event.")
        self.protocol = protocol
        self.state = "handshake"
        self.last_io = self.reactor.seconds()

    def io_happened(self) -> None:
        self.last_io = self.reactor.seconds()

    def connection_lost(self, protocol: MasterLinkProtocol) -> None:
        if protocol is not self.protocol:
            return
        self.protocol = None
        was_connected = self.state == "connected"
        if self.state == "sync" and not protocol.dropped:
            log.warn("I/O error trying to sync with MASTER: connection lost")
        self._drop_master_client()
        self._discard_transfer()
        self._attempt += 1
        self.state = "connect"
        if was_connected:
            log.warn("Connection with master lost.")
            log.info("Caching the disconnected master state.")
            self.down_since = self.reactor.seconds()
            self.cached = (self.server.replication.replid, self.server.log.end_offset)
            # Reconnect at once: waiting risks the master's backlog moving on.
            log.info("Reconnecting to MASTER {host}:{port}", host=self.host, port=self.port)
            self.connect()

    def _drop_master_client(self) -> None:
        client, self.master_client = self.master_client, None
        self.applier = None
        if client is not None:
            # An unfinished MULTI from the master is discarded (replicationCacheMaster()).
            client.multi = None
            client.multi_error = False
            self.server.clients.remove(client)

    # -- cron --------------------------------------------------------------------------

    def cron(self) -> None:
        """replicationCron(): reconnect, time out, acknowledge."""
        now = self.reactor.seconds()
        timeout = self.server.config.repl_timeout
        state = self.state
        if state in ("connecting", "handshake") and now - self.last_io > timeout:
            log.warn("Timeout connecting to the MASTER...")
            self._abort()
        elif state == "sync" and now - self.last_io > timeout:
            log.warn(
                "Timeout receiving bulk data from MASTER... If the problem persists try to "
                "set the 'repl-timeout' parameter in redis.conf to a larger value."
            )
            self._abort()
        elif state == "connected" and now - self.last_io > timeout:
            log.warn("MASTER timeout: no data nor PING received...")
            self._abort()
        if self.state == "connect":
            log.info("Connecting to MASTER {host}:{port}", host=self.host, port=self.port)
            self.connect()
        elif self.state == "connected":
            self.send_ack(self.server.log.end_offset)

    def _abort(self) -> None:
        protocol = self.protocol
        if protocol is not None:
            protocol.drop()
            if self.protocol is protocol:  # a transport that reports the loss later
                self.connection_lost(protocol)
        elif self.state == "connecting":
            if self._connector is not None:
                self._connector.stopConnecting()
            self.state = "connect"

    def send_ack(self, offset: int) -> None:
        """REPLCONF ACK <offset> to the master."""
        if self.protocol is not None and self.state == "connected":
            self.protocol.send(ack_command(offset))

    # -- full sync ---------------------------------------------------------------------

    def full_resync(self, protocol: MasterLinkProtocol, outcome: FullResync) -> PayloadReader:
        """+FULLRESYNC: the snapshot follows; receive it into a temporary file.

        Raises HandshakeError (the link is dropped, the cached master kept, the cron
        retries) when the payload would rewind this replica's history.
        """
        self.history_rewind(outcome)
        if self.cached is not None:
            log.info("Discarding previously cached master state.")
            self.cached = None
        self.state = "sync"
        self._fullsync = outcome
        directory = self.server.config.dir or "."
        self._tmp_path = os.path.join(
            directory, "temp-%d.%d.rdb" % (int(self.reactor.seconds()), os.getpid())
        )
        self._tmp_file = open(self._tmp_path, "wb")  # noqa: SIM115 - closed in payload_received
        self.payload = PayloadReader(self._tmp_file.write)
        return self.payload

    def history_rewind(self, outcome: FullResync) -> None:
        """Not in Redis: refuse a snapshot of our own history that is shorter than what we
        applied (a master restarted from an older snapshot, a stale replica promoted):
        loading it would drop the writes past its offset without a word. A different
        replid is another history and is loaded as Redis does."""
        ids = self.server.replication
        applied = self.server.log.end_offset
        same_history = outcome.replid in (ids.replid, ids.replid2) and outcome.replid != ZERO_REPLID
        if not same_history or outcome.offset < 0 or outcome.offset >= applied:
            return
        lost = applied - outcome.offset
        if self.server.config.replica_allow_history_rewind:
            log.warn(
                "Accepting a full resync from MASTER at {replid}:{offset}, behind the offset "
                "{applied} applied here: {lost} bytes of replicated writes are discarded "
                "(replica-allow-history-rewind yes).",
                replid=outcome.replid,
                offset=outcome.offset,
                applied=applied,
                lost=lost,
            )
            return
        self.sync_refused = "history-rewind"
        log.error(
            "Refusing the full resync from MASTER: it offers history {replid} at offset "
            "{offset}, but this replica already applied that history up to offset {applied}; "
            "loading it would silently discard {lost} bytes of replicated writes. The current "
            "data is kept and the sync is retried. To accept the master's data anyway, run "
            "CONFIG SET replica-allow-history-rewind yes.",
            replid=outcome.replid,
            offset=outcome.offset,
            applied=applied,
            lost=lost,
        )
        raise HandshakeError("MASTER <-> REPLICA sync refused (history rewind), retrying later")

    def payload_started(self, payload: PayloadReader) -> None:
        if payload.eof_mark is not None:
            log.info("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk")
        else:
            log.info(
                "MASTER <-> REPLICA sync: receiving {size} bytes from master to disk",
                size=payload.total,
            )

    def payload_received(self, protocol: MasterLinkProtocol) -> None:
        """The whole snapshot is in the file: parse it into a keyspace of its own."""
        tmp_file, self._tmp_file = self._tmp_file, None
        assert tmp_file is not None and self._tmp_path is not None
        tmp_file.flush()
        os.fsync(tmp_file.fileno())
        tmp_file.close()
        log.info("MASTER <-> REPLICA sync: Loading DB in memory")
        attempt = self._attempt
        d = self._parse(self._tmp_path)
        d.addCallback(self._install, protocol, attempt)
        d.addErrback(self._load_failed, protocol, attempt)

    def _parse(self, path: str) -> defer.Deferred[tuple[Keyspace, RdbInfo]]:
        server = self.server

        def parse() -> tuple[Keyspace, RdbInfo]:
            # A replica keeps expired keys: the master's DEL removes them.
            return parse_snapshot(server, path, None)

        reactor = self.reactor
        if IReactorThreads.providedBy(reactor):
            return threads.deferToThreadPool(reactor, reactor.getThreadPool(), parse)
        return defer.maybeDeferred(parse)

    def _load_failed(self, failure: Failure, protocol: MasterLinkProtocol, attempt: int) -> None:
        if attempt != self._attempt:
            return
        if not failure.check(RdbError, OSError):
            log.failure("Loading the master's snapshot failed", failure)
        else:
            log.warn("{error}", error=failure.getErrorMessage())
        log.warn(
            "Failed trying to load the MASTER synchronization DB from disk, check server logs."
        )
        protocol.drop()

    def _install(
        self, loaded: tuple[Keyspace, RdbInfo], protocol: MasterLinkProtocol, attempt: int
    ) -> None:
        """Swap the parsed databases in; the stream goes on from the FULLRESYNC offset."""
        if attempt != self._attempt or protocol is not self.protocol:
            return  # the link moved on while the snapshot was parsed
        keyspace, info = loaded
        outcome = self._fullsync
        assert outcome is not None
        server = self.server
        log.info(
            "Done loading RDB, keys loaded: {loaded}, keys expired: {expired}.",
            loaded=info.keys_loaded,
            expired=info.expired_skipped,
        )
        log.info("MASTER <-> REPLICA sync: Flushing old data")
        server.snapshots.kill_child()
        for db, parsed in zip(server.keyspace.dbs, keyspace.dbs, strict=True):
            db.flush()  # touches WATCHed keys
            db.data = parsed.data
            db.expires = parsed.expires
        load_libraries(server, info.functions)  # the master's libraries replace ours
        ids = server.replication
        ids.replid = outcome.replid
        ids.replid2 = ZERO_REPLID
        ids.second_replid_offset = -1
        offset = max(outcome.offset, 0)
        server.log.reset(offset)
        stream_db = info.repl_stream_db or 0
        if not 0 <= stream_db < len(server.keyspace.dbs):
            stream_db = 0
        server.propagator.log_db = stream_db
        self._keep_snapshot(info, outcome)
        server.saves.dirty = 0
        applier = self._attach_master(protocol, stream_db)
        self.state = "connected"
        self.payload = None
        self.sync_refused = None
        log.info("MASTER <-> REPLICA sync: Finished with success")
        eof_form = protocol.payload is not None and protocol.payload.eof_mark is not None
        protocol.start_stream(applier)
        if eof_form:
            # A diskless master holds the stream until this first ACK.
            self.send_ack(server.log.end_offset)

    def _keep_snapshot(self, info: RdbInfo, outcome: FullResync) -> None:
        """The received file becomes the snapshot (as Redis renames it to dbfilename) when
        it records the FULLRESYNC position; otherwise a snapshot of our own is made."""
        server = self.server
        config = server.config
        path, self._tmp_path = self._tmp_path, None
        assert path is not None
        if (
            info.repl_id == outcome.replid.encode()
            and info.repl_offset == outcome.offset
            and outcome.offset >= 0
        ):
            target = os.path.join(config.dir or ".", config.dbfilename)
            try:
                os.replace(path, target)
            except OSError as exc:
                log.warn("Failed trying to rename the temp DB into {name}: {e}", name=target, e=exc)
            else:
                server.snapshots._covered(outcome.offset)
                return
        _unlink(path)
        if config.appendonly or config.save:
            # The log restarts at this offset: something on disk must cover what came before.
            server.snapshots.background_save()

    def _discard_transfer(self) -> None:
        tmp_file, self._tmp_file = self._tmp_file, None
        if tmp_file is not None:
            tmp_file.close()
        path, self._tmp_path = self._tmp_path, None
        if path is not None:
            _unlink(path)
        self.payload = None

    # -- partial sync ------------------------------------------------------------------

    def partial_resync(
        self, protocol: MasterLinkProtocol, outcome: Continue
    ) -> MasterStreamApplier:
        """+CONTINUE: keep the data and the log; adopt the master's new replid if it has one."""
        server = self.server
        ids = server.replication
        cached_id = self.cached[0] if self.cached is not None else ids.replid
        if outcome.replid is not None and outcome.replid != cached_id:
            # PSYNC2: the old history stays valid up to here.
            ids.replid2 = cached_id
            ids.second_replid_offset = server.log.end_offset + 1
            ids.replid = outcome.replid
            log.info("Master replication ID changed to {replid}", replid=outcome.replid)
        self.cached = None
        self.sync_refused = None
        log_db = server.propagator.log_db
        applier = self._attach_master(protocol, log_db if log_db >= 0 else 0)
        self.state = "connected"
        log.info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
        return applier

    def _attach_master(self, protocol: MasterLinkProtocol, db_id: int) -> MasterStreamApplier:
        """replicationCreateMasterClient(): the trusted client the stream runs as."""
        server = self.server
        client = MasterClient(server, protocol)
        applier = MasterStreamApplier(server, client, self)
        client.select(db_id)
        server.clients.clients[client.id] = client
        self.master_client = client
        self.applier = applier
        self.read_bytes = 0
        return applier

    # -- what INFO, ROLE and dispatch ask ----------------------------------------------

    def refusal(self, cmd: Command) -> bytes | None:
        """processCommand()'s replica checks for a normal client's command."""
        config = self.server.config
        if cmd.is_write and config.replica_read_only:
            return errors.READONLY
        if (
            self.state != "connected"
            and not config.replica_serve_stale_data
            and not cmd.allowed_when_stale
        ):
            return errors.MASTERDOWN
        return None

    @property
    def applied_offset(self) -> int:
        """slave_repl_offset: 1 without a master or a cached one, as Redis shows it."""
        if self.master_client is None and self.cached is None:
            return 1
        return self.server.log.end_offset

    @property
    def read_offset(self) -> int:
        """slave_read_repl_offset: applied plus what is read but not applied yet."""
        if self.applier is not None:
            return self.server.log.end_offset + self.applier.pending
        return self.applied_offset


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def replica_info_fields(server: Server) -> list[tuple[str, object]]:
    """INFO replication's replica-only fields (genRedisInfoString()), in Redis's order."""
    link = server.master_link
    if link is None:
        return []
    config = server.config
    now = link.reactor.seconds()
    fields: list[tuple[str, object]] = [
        ("master_host", link.host),
        ("master_port", link.port),
        ("master_link_status", "up" if link.state == "connected" else "down"),
        (
            "master_last_io_seconds_ago",
            int(now - link.last_io) if link.master_client is not None else -1,
        ),
        ("master_sync_in_progress", 1 if link.state == "sync" else 0),
        ("slave_read_repl_offset", link.read_offset),
        ("slave_repl_offset", link.applied_offset),
    ]
    if link.state == "sync":
        payload = link.payload
        total = payload.total if payload is not None else -1
        read = payload.received if payload is not None else 0
        perc = read * 100 / total if total > 0 else 0.0
        fields += [
            ("master_sync_total_bytes", total),
            ("master_sync_read_bytes", read),
            ("master_sync_left_bytes", total - read),
            ("master_sync_perc", "%.2f" % perc),
            ("master_sync_last_io_seconds_ago", int(now - link.last_io)),
        ]
    if link.state != "connected":
        down = link.down_since
        fields.append(("master_link_down_since_seconds", int(now - down) if down else -1))
    fields += [
        ("slave_priority", config.replica_priority),
        ("slave_read_only", 1 if config.replica_read_only else 0),
        ("replica_announced", 1 if config.replica_announced else 0),
    ]
    return fields


def sync_refusal_fields(server: Server) -> list[tuple[str, object]]:
    """replkv's own INFO replication fields, shown after Redis's only while a full sync is
    being refused (ReplicaLink.history_rewind())."""
    link = server.master_link
    if link is None or link.sync_refused is None:
        return []
    return [("master_sync_refused", 1), ("master_sync_refused_reason", link.sync_refused)]


def become_replica(server: Server, host: str, port: int, *, at_startup: bool = False) -> None:
    """replicationSetMaster(): replicate host:port from now on."""
    link = server.master_link
    end = server.log.end_offset
    cached: tuple[str, int] | None
    if at_startup:
        # A restarted replica continues from what its snapshot and log kept.
        cached = (server.replication.replid, end) if end > 0 else None
    elif link is not None:
        keeps = link.state == "connected" or link.cached is not None
        cached = (server.replication.replid, end) if keeps else None
        link.stop()
    else:
        log.info(
            "Before turning into a replica, using my own master parameters to synthesize a "
            "cached master: I may be able to synchronize with the new master with just a "
            "partial transfer."
        )
        cached = (server.replication.replid, end)
    server.keyspace.is_master = False
    server.config.replicaof = (host, port)
    new_link = ReplicaLink(server, host, port, cached)
    server.master_link = new_link
    new_link.start()


def become_master(server: Server) -> None:
    """replicationUnsetMaster(): a new history, the old one kept as replid2 (PSYNC2)."""
    link = server.master_link
    if link is None:
        return
    link.stop()
    server.master_link = None
    ids = server.replication
    old = ids.replid
    ids.replid2 = old
    ids.second_replid_offset = server.log.end_offset + 1
    ids.replid = new_replid()
    log.info(
        "Setting secondary replication ID to {old}, valid up to offset: {offset}. "
        "New replication ID is {new}",
        old=old,
        offset=ids.second_replid_offset,
        new=ids.replid,
    )
    # slaveseldb = -1: the next event is preceded by SELECT.
    server.propagator.log_db = -1
    server.keyspace.is_master = True
    server.config.replicaof = None


def client_description(client: Client) -> str:
    """Who asked, for the REPLICAOF log lines (catClientInfoString(), shortened)."""
    return f"id={client.id} addr={client.address()} laddr={client.local_address()}"
