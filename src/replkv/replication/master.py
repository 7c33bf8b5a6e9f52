"""The master side of replication: the attached replicas (replication.c's master half).

Each replica is a cursor over the event log (`ReplicaFeed`). `sync()` is syncCommand():
a partial resync (`+CONTINUE`) when the replica's history is ours (replid, or replid2
up to `second_replid_offset`) and the log still holds its offset, on the disk log too;
otherwise a full resync: `+FULLRESYNC <replid> <offset>`, the snapshot covering that
offset as `$<len>\\r\\n<bytes>`, then the log from that offset. The snapshot is the newest
one on disk when the log still holds its offset (no fork), else a BGSAVE, shared by
every replica waiting for it. With `repl-diskless-sync yes` and every waiting replica
announcing `capa eof`, the new snapshot goes through a pipe instead (diskless.py):
replicas arriving within `repl-diskless-sync-delay` seconds share one child, framed
`$EOF:<mark>\\r\\n<bytes><mark>`, and the stream starts at the replica's first ACK.
The cron (replicationCron(), once a second) sends the keepalives and PINGs, drops
replicas that time out, break the output buffer limit or fall out of the log, and counts
the good replicas for min-replicas-to-write. WAIT blocks its client until enough
replicas acknowledge its last write.
"""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING, Any

from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from replkv import errors, reply
from replkv.log.eventlog import InMemoryLog
from replkv.log.interfaces import OffsetNotRetained
from replkv.outbuf import REPLICA, OutputLimit, pending_bytes
from replkv.rdb.format import RdbError
from replkv.rdb.reader import read_aux
from replkv.replication.diskless import PipeTransfer, eof_mark, write_eof_payload
from replkv.replication.feed import ReplicaFeed
from replkv.reply import encode_command

if TYPE_CHECKING:
    from replkv.blocking import BlockedClient
    from replkv.client import Client
    from replkv.server import Server

log = Logger()

PING_EVENT = encode_command([b"ping"])  # replicationCron() sends it in lower case
GETACK_EVENT = encode_command([b"REPLCONF", b"GETACK", b"*"])

NOMASTERLINK = b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
PENDING_OUTPUT = errors.err("SYNC and PSYNC are invalid with pending output")
FAILOVER_MISMATCH = errors.err("PSYNC FAILOVER replid must match my replid.")
FAILOVER_TO_MASTER = errors.err("PSYNC FAILOVER can't be sent to a master.")
NOREPLICAS = b"-NOREPLICAS Not enough good replicas to write.\r\n"

# Replica states as INFO shows them (SLAVE_STATE_*).
WAIT_BGSAVE_START = "wait_bgsave_start"  # waiting for a snapshot to be started
WAIT_BGSAVE_END = "wait_bgsave_end"  # +FULLRESYNC sent, the snapshot is being written
SEND_BULK = "send_bulk"
ONLINE = "online"


class ReplicaConf:
    """What a connection announced with REPLCONF before it asked for a sync."""

    __slots__ = ("listening_port", "ip", "capa_eof", "capa_psync2", "rdb_only")

    def __init__(self) -> None:
        self.listening_port = 0
        self.ip = ""
        self.capa_eof = False
        self.capa_psync2 = False
        self.rdb_only = False


class AttachedReplica:
    """One replica connection (a client with CLIENT_SLAVE)."""

    def __init__(self, client: Client, conf: ReplicaConf, pre_psync: bool, now: float) -> None:
        self.client = client
        self.conf = conf
        # SYNC (the old protocol): no +FULLRESYNC, no ACKs, never timed out.
        self.pre_psync = pre_psync
        self.state = WAIT_BGSAVE_START
        self.ack_offset = 0
        self.ack_time = now
        self.replid = ""
        self.output_limit = OutputLimit()
        self.feed: ReplicaFeed | None = None
        self.sync_time = now  # when it asked for the sync (repl-diskless-sync-delay)
        # It ACKed while its diskless payload was being finished: it has loaded it.
        self.early_ack = False

    @property
    def ip(self) -> str:
        if self.conf.ip:
            return self.conf.ip
        peer = self.client.address()
        host = peer.rsplit(":", 1)[0]
        return host[1:-1] if host.startswith("[") else host

    def name(self) -> str:
        """replicationGetSlaveName(): ip:listening-port."""
        port = self.conf.listening_port
        return f"{self.ip}:{port}" if port else f"{self.ip}:<unknown-replica-port>"

    @property
    def info_state(self) -> str:
        if self.state in (WAIT_BGSAVE_START, WAIT_BGSAVE_END):
            return "wait_bgsave"
        return self.state


class Waiter:
    """A client blocked in WAIT: the offset it waits for and how many replicas."""

    __slots__ = ("client", "entry", "offset", "count")

    def __init__(self, client: Client, entry: BlockedClient, offset: int, count: int) -> None:
        self.client = client
        self.entry = entry
        self.offset = offset
        self.count = count


class Replicas:
    """server.slaves: every replica attached to this server, and the master's cron."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.attached: list[AttachedReplica] = []
        self._confs: weakref.WeakKeyDictionary[Client, ReplicaConf] = weakref.WeakKeyDictionary()
        self.waiters: list[Waiter] = []
        self._getack_call: Any = None
        # The snapshot child started for replicas: its outcome is theirs.
        self._snapshot_for_sync = False
        # The running diskless transfer, and the reactor that reads its pipe (the
        # server's clock when it is a reactor, else the global one).
        self._diskless: PipeTransfer | None = None
        self.fd_reactor: Any = server.clock if hasattr(server.clock, "addReader") else None
        self.good_replicas = 0
        self.total_output_bytes = 0  # INFO total_net_repl_output_bytes
        self._cron_ticks = 0
        self._limits_call: Any = None
        self._cron = LoopingCall(self.cron)
        self._cron.clock = server.clock
        server.snapshots.child_done_hooks.append(self.snapshot_done)
        server.config.observe("min-replicas-to-write", lambda _: self.refresh_good())
        server.config.observe("min-replicas-max-lag", lambda _: self.refresh_good())

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        """Run replicationCron()'s master half once a second."""
        if not self._cron.running:
            self._cron.start(1, now=False)
        self.refresh_good()

    def stop(self) -> None:
        if self._cron.running:
            self._cron.stop()

    def __len__(self) -> int:
        return len(self.attached)

    def find(self, client: Client) -> AttachedReplica | None:
        for replica in self.attached:
            if replica.client is client:
                return replica
        return None

    # -- REPLCONF ----------------------------------------------------------------------

    def replconf(self, client: Client, argv: list[bytes]) -> bytes | None:
        """replconfCommand()."""
        if len(argv) % 2 == 0:
            return errors.SYNTAX
        for i in range(1, len(argv), 2):
            option = argv[i].lower()
            value = argv[i + 1]
            if option == b"listening-port":
                port = _long(value)
                if port is None:
                    return errors.NOT_INTEGER
                self._conf(client).listening_port = port
            elif option == b"ip-address":
                if len(value) >= 256:  # NET_HOST_STR_LEN
                    return errors.err(
                        "REPLCONF ip-address provided by replica instance is too long: "
                        f"{len(value)} bytes"
                    )
                self._conf(client).ip = value.decode("utf-8", "surrogateescape")
            elif option == b"capa":
                capa = value.lower()
                if capa == b"eof":
                    self._conf(client).capa_eof = True
                elif capa == b"psync2":
                    self._conf(client).capa_psync2 = True
                # Unknown capabilities are ignored (dual-channel, dragonfly, …).
            elif option == b"ack":
                replica = self.find(client)
                if replica is None:
                    return None
                offset = _long(value)
                if offset is None:
                    return None
                self.ack(replica, offset)
                return None
            elif option == b"getack":
                link = self.server.master_link
                if link is not None:
                    link.send_ack(self.server.log.end_offset)
                return None
            elif option == b"rdb-only":
                flag = _long(value)
                if flag not in (0, 1):
                    return errors.err("Invalid value for rdb-only")  # not reached by redis-cli
                self._conf(client).rdb_only = bool(flag)
            elif option == b"rdb-filter-only":
                pass  # every key is sent: a filter only shrinks what redis-cli saves
            else:
                return errors.err(
                    "Unrecognized REPLCONF option: " + argv[i].decode("utf-8", "replace")
                )
        return reply.OK

    def _conf(self, client: Client) -> ReplicaConf:
        conf = self._confs.get(client)
        if conf is None:
            conf = self._confs[client] = ReplicaConf()
        return conf

    def ack(self, replica: AttachedReplica, offset: int) -> None:
        """REPLCONF ACK <offset>: the replica applied the stream up to offset."""
        if offset > replica.ack_offset:
            replica.ack_offset = offset
        replica.ack_time = self.server.clock.seconds()
        feed = replica.feed
        if feed is not None and feed.phase != "stream":
            if feed.phase == "held":
                feed.start_stream()  # after a diskless payload: the stream starts on the ACK
            elif feed.phase == "pipe":
                replica.early_ack = True  # before we saw the child exit
        if self.waiters:
            self.serve_waiters()

    # -- SYNC / PSYNC ------------------------------------------------------------------

    def sync(self, client: Client, argv: list[bytes]) -> bytes | None:
        """syncCommand(): SYNC, PSYNC replid offset [FAILOVER]."""
        server = self.server
        if client.kind == "replica":
            return None  # already a replica: ignored
        psync = argv[0].lower() == b"psync"
        if psync and len(argv) > 3 and argv[3].lower() == b"failover":
            if server.master_link is None:
                return FAILOVER_TO_MASTER
            if argv[1].decode("latin-1") != server.replication.replid:
                return FAILOVER_MISMATCH
            from replkv.replication.replica import become_master

            become_master(server)
            log.info("Failover request received for replid {replid}.", replid=argv[1])
        link = server.master_link
        if link is not None and link.state != "connected":
            return NOMASTERLINK
        if _has_pending_output(client):
            return PENDING_OUTPUT
        offset = 0
        if psync:
            value = _long(argv[2])
            if value is None:
                return errors.NOT_INTEGER
            offset = value
        conf = self._confs.pop(client, None) or ReplicaConf()
        replica = AttachedReplica(client, conf, not psync, server.clock.seconds())
        log.info("Replica {name} asks for synchronization", name=replica.name())
        stats = server.stats
        if psync:
            replid = argv[1].decode("latin-1")
            if self._partial(replica, replid, offset):
                stats.sync_partial_ok += 1
                return None
            if replid != "?":
                stats.sync_partial_err += 1
        stats.sync_full += 1
        self._attach(replica)
        self._full_sync(replica)
        return None

    def _partial(self, replica: AttachedReplica, replid: str, offset: int) -> bool:
        """masterTryPartialResynchronization(): +CONTINUE and the log from offset."""
        server = self.server
        ids = server.replication
        if replid != ids.replid and (replid != ids.replid2 or offset > ids.second_replid_offset):
            if replid == "?":
                log.info("Full resync requested by replica {name}", name=replica.name())
            elif replid not in (ids.replid, ids.replid2):
                log.info(
                    "Partial resynchronization not accepted: Replication ID mismatch (Replica "
                    "asked for '{asked}', my replication IDs are '{id1}' and '{id2}')",
                    asked=replid,
                    id1=ids.replid,
                    id2=ids.replid2,
                )
            else:
                log.info(
                    "Partial resynchronization not accepted: Requested offset for second ID "
                    "was {offset}, but I can reply up to {limit}",
                    offset=offset,
                    limit=ids.second_replid_offset,
                )
            return False
        event_log = server.log
        # A PSYNC offset is the next byte wanted (1-based); a log offset counts bytes before.
        position = offset - 1
        try:
            cursor = event_log.cursor(position) if position >= 0 else None
        except OffsetNotRetained:
            cursor = None
        if cursor is None:
            log.info(
                "Unable to partial resync with replica {name} for lack of backlog (Replica "
                "request was: {offset}).",
                name=replica.name(),
                offset=offset,
            )
            if position > event_log.end_offset:
                log.warn(
                    "Warning: replica {name} tried to PSYNC with an offset that is greater "
                    "than the master replication offset.",
                    name=replica.name(),
                )
            return False
        self._attach(replica)
        feed = replica.feed
        assert feed is not None
        replica.state = ONLINE
        replica.ack_time = server.clock.seconds()
        line = (
            b"+CONTINUE %s\r\n" % ids.replid.encode()
            if replica.conf.capa_psync2
            else (b"+CONTINUE\r\n")
        )
        feed.write_line(line)
        feed.follow(cursor)
        log.info(
            "Partial resynchronization request from {name} accepted. Sending {size} bytes of "
            "backlog starting from offset {offset}.",
            name=replica.name(),
            size=event_log.end_offset - position,
            offset=offset,
        )
        feed.start_stream()
        self.refresh_good()
        return True

    def _attach(self, replica: AttachedReplica) -> None:
        """The connection becomes a replica (CLIENT_SLAVE): flags=S, no replies."""
        client = replica.client
        client.kind = "replica"
        # A replica never gets replies on its link; what it sends is only ACKs.
        client.reply_off = True
        replica.replid = self.server.replication.replid
        transport: Any = getattr(client, "transport", None)
        replica.feed = ReplicaFeed(
            transport,
            on_lost=lambda why: self.drop(replica, why),
            on_bulk_done=lambda: self._bulk_done(replica),
            on_gone=lambda: self._gone(replica),
            on_sent=self._count_sent,
        )
        self.attached.append(replica)
        event_log = self.server.log
        if isinstance(event_log, InMemoryLog):
            event_log.on_holding = self.log_holds_for_cursors
        if self.server.config.repl_disable_tcp_nodelay and transport is not None:
            transport.setTcpNoDelay(False)

    def _count_sent(self, size: int) -> None:
        self.total_output_bytes += size

    # -- full sync ---------------------------------------------------------------------

    def _full_sync(self, replica: AttachedReplica) -> None:
        """The snapshot: one on disk the log still covers, the running BGSAVE, or a new one."""
        server = self.server
        snapshot = self._usable_snapshot()
        if snapshot is not None:
            path, offset = snapshot
            log.info(
                "Sending the snapshot on disk (offset {offset}) for SYNC, no BGSAVE needed",
                offset=offset,
            )
            if self._setup_full_resync(replica, offset):
                self._send_bulk(replica, path)
            return
        state = server.saves
        if state.child_pid != -1 and state.child_target == "socket":
            log.info("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC")
            return
        if state.child_pid != -1:
            if server.log.retains(state.offset_at_fork):
                log.info("Waiting for end of BGSAVE for SYNC")
                self._setup_full_resync(replica, state.offset_at_fork)
            else:
                log.info(
                    "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE "
                    "for SYNC"
                )
            return
        config = server.config
        if config.repl_diskless_sync and replica.conf.capa_eof and config.repl_diskless_sync_delay:
            # The cron starts the child, to let more replicas arrive.
            log.info("Delay next BGSAVE for diskless SYNC")
            return
        if self._diskless is not None:
            log.info("Waiting for the running diskless transfer to end for SYNC")
            return
        self._start_child()

    def _usable_snapshot(self) -> tuple[str, int] | None:
        """The snapshot on disk, if it is of our history and the log holds its offset."""
        server = self.server
        config = server.config
        path = os.path.join(config.dir or ".", config.dbfilename)
        try:
            with open(path, "rb") as source:
                info = read_aux(source)
        except (OSError, RdbError):
            return None
        offset = info.repl_offset
        if (
            offset is None
            or info.repl_id != server.replication.replid.encode()
            or not server.log.retains(offset)
        ):
            return None
        return os.path.abspath(path), offset

    def _start_pending(self) -> None:
        """replicationStartPendingFork(): start the child the waiting replicas need once
        no child runs and, diskless, the oldest waited repl-diskless-sync-delay seconds
        or repl-diskless-sync-max-replicas are waiting."""
        server = self.server
        waiting = self._in_state(WAIT_BGSAVE_START)
        if not waiting or server.saves.child_pid != -1 or self._diskless is not None:
            return
        config = server.config
        if config.repl_diskless_sync:
            idle = max(int(server.clock.seconds() - replica.sync_time) for replica in waiting)
            most = config.repl_diskless_sync_max_replicas
            if idle < config.repl_diskless_sync_delay and not (most and len(waiting) >= most):
                return
        self._start_child()

    def _start_child(self) -> None:
        """startBgsaveForReplication(): diskless when it is on and every waiting replica
        takes the EOF form, else a BGSAVE to disk."""
        config = self.server.config
        waiting = self._in_state(WAIT_BGSAVE_START)
        if config.repl_diskless_sync and all(replica.conf.capa_eof for replica in waiting):
            self._start_diskless(waiting)
        else:
            self._start_bgsave()

    def _start_diskless(self, waiting: list[AttachedReplica]) -> None:
        """rdbSaveToSlavesSockets(): a child writes the EOF-framed snapshot into a pipe."""
        server = self.server
        log.info("Starting BGSAVE for SYNC with target: replicas sockets")
        read_fd, write_fd = os.pipe()
        mark = eof_mark()

        def write(aux: dict[bytes, bytes]) -> None:  # in the child
            with os.fdopen(write_fd, "wb", buffering=1 << 16, closefd=False) as out:
                libraries = server.functions.codes() if server.functions is not None else ()
                write_eof_payload(out, mark, server.keyspace, aux, server.config, libraries)

        pid = server.snapshots.background_transfer(write)
        os.close(write_fd)
        if pid is None:
            os.close(read_fd)
            for replica in waiting:
                self.drop(replica, "BGSAVE for replication failed")
            return
        transfer = PipeTransfer(
            self.fd_reactor or _global_reactor(),
            read_fd,
            on_eof=self._diskless_read,
            on_error=self._diskless_error,
        )
        self._diskless = transfer
        offset = server.saves.offset_at_fork
        for replica in waiting:
            if self._setup_full_resync(replica, offset):
                feed = replica.feed
                assert feed is not None
                transfer.add(replica)
                feed.start_pipe(transfer.resume)
        if not transfer.replicas:
            self._diskless_abandon()
            return
        transfer.start()

    def _diskless_read(self) -> None:
        """The whole payload was read from the pipe; the child's exit status decides."""
        transfer = self._diskless
        assert transfer is not None
        log.warn(
            "Diskless rdb transfer, done reading from pipe, {n} replicas still up.",
            n=len(transfer.replicas),
        )
        if transfer.child_ok:
            self._diskless_done(transfer)
        else:
            self.server.snapshots.check_child()  # the child is likely gone already

    def _diskless_error(self, why: str) -> None:
        transfer = self._diskless
        assert transfer is not None
        log.warn(why)
        for replica in list(transfer.replicas):
            self.drop(replica, "SYNC failed: the diskless transfer could not be read")
        if self._diskless is transfer:
            self._diskless_abandon()

    def _diskless_abandon(self) -> None:
        """Every replica is gone (or the pipe failed): stop the child, if it still runs."""
        transfer = self._diskless
        assert transfer is not None
        transfer.close()
        if self.server.saves.child_pid != -1 and not transfer.child_ok:
            if not transfer.replicas:
                log.warn("Diskless rdb transfer, last replica dropped, killing fork child.")
            self.server.snapshots.kill_child()  # its hook ends the transfer
        else:
            self._diskless = None
            self._start_pending()

    def _diskless_done(self, transfer: PipeTransfer) -> None:
        """updateSlavesWaitingBgsave() for a socket target: the replicas are online; the
        stream starts with each one's first REPLCONF ACK."""
        self._diskless = None
        for replica in list(transfer.replicas):
            feed = replica.feed
            assert feed is not None
            feed.hold()
            log.info(
                "Streamed RDB transfer with replica {name} succeeded (socket). Waiting for "
                "REPLCONF ACK from replica to enable streaming",
                name=replica.name(),
            )
            self._bulk_done(replica)
            if replica.early_ack and feed.phase == "held":
                feed.start_stream()
        self._start_pending()

    def _start_bgsave(self) -> None:
        """startBgsaveForReplication(): fork; every replica waiting starts at its offset."""
        server = self.server
        log.info("Starting BGSAVE for SYNC with target: disk")
        if not server.snapshots.background_save():
            for replica in self._in_state(WAIT_BGSAVE_START):
                self.drop(replica, "BGSAVE for replication failed")
            return
        self._snapshot_for_sync = True
        offset = server.saves.offset_at_fork
        for replica in self._in_state(WAIT_BGSAVE_START):
            self._setup_full_resync(replica, offset)

    def _setup_full_resync(self, replica: AttachedReplica, offset: int) -> bool:
        """replicationSetupSlaveForFullResync(): +FULLRESYNC, the stream from offset."""
        server = self.server
        feed = replica.feed
        assert feed is not None
        try:
            feed.follow(server.log.cursor(offset))
        except OffsetNotRetained:
            self.drop(replica, "the log no longer holds the snapshot's offset")
            return False
        replica.state = WAIT_BGSAVE_END
        if server.master_link is None:
            # slaveseldb = -1: the stream after the snapshot starts with a SELECT (as in
            # Redis, where redis-cli --replica's ACK swallows that first command).
            server.propagator.log_db = -1
        if not replica.pre_psync:
            feed.write_line(b"+FULLRESYNC %s %d\r\n" % (server.replication.replid.encode(), offset))
        return True

    def snapshot_done(self, ok: bool, offset: int) -> None:
        """updateSlavesWaitingBgsave(): the BGSAVE child ended (Snapshots' hook)."""
        transfer = self._diskless
        if transfer is not None and not transfer.child_ok:
            self._diskless_child_done(transfer, ok)
            return
        self._snapshot_for_sync = False
        waiting = self._in_state(WAIT_BGSAVE_END)
        if not ok:
            for replica in waiting:
                self.drop(replica, "SYNC failed. BGSAVE child returned an error")
        else:
            config = self.server.config
            path = os.path.abspath(os.path.join(config.dir or ".", config.dbfilename))
            for replica in waiting:
                self._send_bulk(replica, path)
        self._start_pending()

    def _diskless_child_done(self, transfer: PipeTransfer, ok: bool) -> None:
        """The diskless child ended: done when the pipe is drained too; a failure drops
        its replicas (they sync again)."""
        if not ok:
            self._diskless = None
            transfer.close()
            for replica in list(transfer.replicas):
                self.drop(replica, "SYNC failed. BGSAVE child returned an error")
            self._start_pending()
            return
        transfer.child_ok = True
        if transfer.eof:
            self._diskless_done(transfer)

    def _send_bulk(self, replica: AttachedReplica, path: str) -> None:
        feed = replica.feed
        assert feed is not None
        replica.state = SEND_BULK
        try:
            feed.send_snapshot(path)
        except OSError as exc:
            self.drop(replica, f"SYNC failed. Can't open/stat DB after BGSAVE: {exc}")

    def _bulk_done(self, replica: AttachedReplica) -> None:
        """The snapshot is written: the replica is online (replicaPutOnline())."""
        feed = replica.feed
        assert feed is not None
        if replica.conf.rdb_only:
            log.info("Sent the snapshot to {name} (rdb-only): closing", name=replica.name())
            self._detach(replica)
            replica.client.closing = True
            transport = getattr(replica.client, "transport", None)
            if transport is not None:
                transport.loseConnection()
            return
        replica.state = ONLINE
        replica.ack_time = self.server.clock.seconds()
        log.info(
            "Synchronization with replica {name} succeeded ({size} bytes of snapshot sent)",
            name=replica.name(),
            size=feed.bulk_size,
        )
        self.refresh_good()

    def _in_state(self, state: str) -> list[AttachedReplica]:
        return [replica for replica in self.attached if replica.state == state]

    # -- dropping ----------------------------------------------------------------------

    def drop(self, replica: AttachedReplica, why: str) -> None:
        """Close a replica's connection, saying why."""
        if replica not in self.attached:
            return
        log.warn("Dropping replica {name}: {why}", name=replica.name(), why=why)
        self._detach(replica)
        client = replica.client
        client.closing = True
        transport = getattr(client, "transport", None)
        if transport is not None:
            transport.abortConnection()

    def _gone(self, replica: AttachedReplica) -> None:
        if replica in self.attached:
            if replica.state == ONLINE:
                log.info("Connection with replica {name} lost.", name=replica.name())
            self._detach(replica)

    def _detach(self, replica: AttachedReplica) -> None:
        self.attached.remove(replica)
        if replica.feed is not None:
            replica.feed.close()
        transfer = self._diskless
        if transfer is not None and replica in transfer.replicas:
            transfer.remove(replica)
            if not transfer.replicas and not transfer.eof:
                self._diskless_abandon()
        self.refresh_good()
        if self.waiters:
            self.serve_waiters()

    def drop_all(self, why: str) -> None:
        for replica in list(self.attached):
            self.drop(replica, why)

    # -- cron --------------------------------------------------------------------------

    def cron(self) -> None:
        """replicationCron()'s master half, once a second."""
        server = self.server
        now = server.clock.seconds()
        config = server.config
        self._cron_ticks += 1
        replid = server.replication.replid
        for replica in list(self.attached):
            feed = replica.feed
            assert feed is not None
            if replica.replid != replid:
                # A new history (promotion, a full sync of ours): replicas must PSYNC again.
                self.drop(replica, "the replication ID changed")
                continue
            if feed.cursor is not None and feed.cursor.lost:
                self.drop(replica, "its position is no longer held by the log")
                continue
            if self._over_output_limit(replica, now):
                continue
            if (
                replica.state == ONLINE
                and not replica.pre_psync
                and now - replica.ack_time > config.repl_timeout
            ):
                log.warn(
                    "Disconnecting timedout replica (streaming sync): {name}", name=replica.name()
                )
                self.drop(replica, "timeout")
                continue
            if replica.state in (WAIT_BGSAVE_START, WAIT_BGSAVE_END):
                feed.keepalive()
        period = config.repl_ping_replica_period
        if (
            self.attached
            and server.master_link is None
            and period > 0
            and self._cron_ticks % period == 0
        ):
            # Lower case, no SELECT: it moves master_repl_offset like any event.
            server.log.append(PING_EVENT)
        self._start_pending()
        self.refresh_good()

    def _over_output_limit(self, replica: AttachedReplica, now: float) -> bool:
        """checkClientOutputBufferLimits() for a replica: its unsent bytes are the log
        past its cursor plus what its socket has not taken. Drops it if over."""
        config = self.server.config
        hard, soft, seconds = config.client_output_buffer_limit[REPLICA]
        backlog = config.repl_backlog_size
        if hard and hard < backlog:
            hard = backlog  # 7.0 raises the hard limit to the backlog size
        feed = replica.feed
        if not (hard or soft) or feed is None:
            return False
        if not replica.output_limit.exceeded(
            feed.unsent(self.server.log.end_offset), (hard, soft, seconds), int(now)
        ):
            return False
        log.warn(
            "Client {name} scheduled to be closed ASAP for overcoming of output buffer limits.",
            name=replica.name(),
        )
        self.drop(replica, "output buffer limit reached")
        return True

    def log_holds_for_cursors(self) -> None:
        """The in-memory log keeps bytes past its backlog for a lagging replica: check
        the output limits at the next turn, not only at the next cron (a fast writer
        could pile up far more than the limit in a second)."""
        if self._limits_call is None:
            self._limits_call = self.server.clock.callLater(0, self._check_output_limits)

    def _check_output_limits(self) -> None:
        self._limits_call = None
        now = self.server.clock.seconds()
        for replica in list(self.attached):
            self._over_output_limit(replica, now)

    # -- min-replicas, ROLE, INFO ------------------------------------------------------

    def refresh_good(self) -> None:
        """refreshGoodSlavesCount(): online replicas that ACKed within min-replicas-max-lag."""
        server = self.server
        config = server.config
        to_write, max_lag = config.min_replicas_to_write, config.min_replicas_max_lag
        if not (to_write and max_lag):
            self.good_replicas = 0
            server.write_refusal = None
            return
        now = server.clock.seconds()
        self.good_replicas = sum(
            1
            for replica in self.attached
            if replica.state == ONLINE and int(now - replica.ack_time) <= max_lag
        )
        good_enough = self.good_replicas >= to_write or server.master_link is not None
        server.write_refusal = None if good_enough else NOREPLICAS

    def online(self) -> list[AttachedReplica]:
        return self._in_state(ONLINE)

    def info_fields(self) -> list[tuple[str, object]]:
        """INFO replication: connected_slaves, min_slaves_good_slaves, slaveN lines."""
        server = self.server
        config = server.config
        now = server.clock.seconds()
        fields: list[tuple[str, object]] = [("connected_slaves", len(self.attached))]
        if config.min_replicas_to_write and config.min_replicas_max_lag:
            fields.append(("min_slaves_good_slaves", self.good_replicas))
        for i, replica in enumerate(self.attached):
            lag = int(now - replica.ack_time) if replica.state == ONLINE else 0
            fields.append(
                (
                    f"slave{i}",
                    f"ip={replica.ip},port={replica.conf.listening_port},"
                    f"state={replica.info_state},offset={replica.ack_offset},lag={lag}",
                )
            )
        return fields

    def role_entries(self) -> list[bytes]:
        """ROLE's replica list: [ip, port, ack offset] of each online replica."""
        return [
            reply.array(
                [
                    reply.bulk(replica.ip.encode()),
                    reply.bulk(b"%d" % replica.conf.listening_port),
                    reply.bulk(b"%d" % replica.ack_offset),
                ]
            )
            for replica in self.online()
        ]

    # -- WAIT --------------------------------------------------------------------------

    def count_acks(self, offset: int) -> int:
        """replicationCountAcksByOffset()."""
        return sum(
            1
            for replica in self.attached
            if replica.state == ONLINE and replica.ack_offset >= offset
        )

    def wait(self, client: Client, count: int, deadline_ms: int) -> bytes | None:
        """waitCommand() after its checks: answer now, or block until enough ACKs."""
        offset = client.woff
        acked = self.count_acks(offset)
        if acked >= count or client.multi is not None:
            return reply.integer(acked)
        blocking = self.server.blocking
        blocking.block(client, [], deadline_ms, _never, reply.integer(acked))
        entry = client.blocked
        assert entry is not None
        self.waiters.append(Waiter(client, entry, offset, count))
        self._request_acks()
        return None

    def _request_acks(self) -> None:
        """replicationRequestAckFromSlaves(): one GETACK per reactor turn with a WAIT."""
        if self._getack_call is None:
            self._getack_call = self.server.clock.callLater(0, self._send_getack)

    def _send_getack(self) -> None:
        self._getack_call = None
        server = self.server
        if self.attached and server.master_link is None and not server.propagator.depth:
            server.log.append(GETACK_EVENT)

    def serve_waiters(self) -> None:
        """processClientsWaitingReplicas(): answer the WAITs that have their ACKs."""
        blocking = self.server.blocking
        still: list[Waiter] = []
        for waiter in self.waiters:
            if waiter.client.blocked is not waiter.entry:
                continue  # timed out, unblocked or gone
            acked = self.count_acks(waiter.offset)
            if acked >= waiter.count:
                blocking.unblock(waiter.client, reply.integer(acked))
            else:
                waiter.entry.timeout_reply = reply.integer(acked)
                still.append(waiter)
        self.waiters = still


def _never(client: Client, db: object, key: bytes) -> bytes | None:
    """WAIT blocks on no key: only ACKs, the timeout or CLIENT UNBLOCK end it."""
    return None


def _global_reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def _long(value: bytes) -> int | None:
    from replkv.commands.args import try_int

    return try_int(value)


def _has_pending_output(client: Client) -> bool:
    """clientHasPendingReplies(): replies gathered or unsent on the connection."""
    if getattr(client, "_out", None) or getattr(client, "_held", 0):
        return True
    transport = getattr(client, "transport", None)
    return transport is not None and pending_bytes(transport) > 0
