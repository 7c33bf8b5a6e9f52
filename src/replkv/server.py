"""The server: command execution over a few collaborators.

`execute()` is Redis's processCommand() (the checks before a command may run) and
`call()` is call(): run the handler, then hand the events it produced to the
propagator, which appends them to the log as one unit. The state lives in the
collaborators: the keyspace, the command table (with its statistics), the propagator
(log, running unit, the log's selected database), the client registry (clients,
MONITOR, CLIENT PAUSE), Pub/Sub, the replication ids and the save bookkeeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from time import perf_counter_ns
from typing import TYPE_CHECKING

from twisted.internet.interfaces import IReactorTime

from replkv import errors, reply
from replkv.blocking import Blocking
from replkv.client_registry import ClientRegistry
from replkv.commands.debug import protected_refusal
from replkv.commands.pubsub import ALLOWED_WHEN_SUBSCRIBED, subscribed_refusal
from replkv.commands.registry import CommandTable
from replkv.commands.table import Command
from replkv.commands.transactions import exec_, exec_abort
from replkv.errors import CommandError
from replkv.keyspace.database import Database
from replkv.keyspace.keyspace import Keyspace
from replkv.log.eventlog import IEventLog, InMemoryLog
from replkv.notify import NOTIFY_EXPIRED, NOTIFY_KEY_MISS, NOTIFY_NEW, notify
from replkv.persistence.snapshots import Snapshots
from replkv.persistence.state import SaveState
from replkv.propagation import Propagator
from replkv.pubsub import PubSub
from replkv.replication.ids import ReplicationIds, new_replid
from replkv.replication.master import Replicas
from replkv.reply import encode_command
from replkv.replybatch import ReplyBatch
from replkv.stats import Stats

if TYPE_CHECKING:
    from replkv.client import Client
    from replkv.config import Config
    from replkv.persistence.recovery import LoadingProgress
    from replkv.replication.replica import ReplicaLink
    from replkv.scripting.busy import Watchdog
    from replkv.scripting.engine import ScriptEngine
    from replkv.scripting.functions import FunctionEngine

# Commands that run at once inside MULTI instead of being queued (multi.c).
_NOT_QUEUED = frozenset([b"exec", b"discard", b"multi", b"watch", b"quit", b"reset"])


class Server:
    """Everything one replkv process serves."""

    def __init__(
        self,
        config: Config,
        clock: IReactorTime,
        *,
        event_log: IEventLog | None = None,
        commands: CommandTable | None = None,
        replication: ReplicationIds | None = None,
        saves: SaveState | None = None,
        pubsub: PubSub | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.stats = Stats()
        self.commands = commands or CommandTable()
        self.keyspace = Keyspace(config.databases, clock, self.stats)
        self.keyspace.propagate_deletion = self._propagate_expiry
        self._notify_events_changed(config.notify_keyspace_events)
        config.observe("notify-keyspace-events", self._notify_events_changed)
        self.saves = saves or SaveState(last_save_time=int(clock.seconds()))
        self.propagator = Propagator(
            event_log or InMemoryLog(clock, config.repl_backlog_size), self.saves
        )
        self.pubsub = pubsub or PubSub()
        self.clients = ClientRegistry(clock, self.keyspace, self.commands, self.stats, self.pubsub)
        self.blocking = Blocking(self)
        self.replication = replication or ReplicationIds()
        self.snapshots = Snapshots(self)
        self.start_time = clock.seconds()
        self.start_monotonic = time.monotonic()
        self.run_id = new_replid()
        # Set while a snapshot or the log is being loaded: most commands get -LOADING.
        self.loading = False
        # appendfsync always with the log on disk: replies wait for their events' fsync.
        self.durable_replies = config.appendonly and config.appendfsync == "always"
        # Other policies: replies after unwritten events wait for the end-of-turn write.
        self.reply_batch = ReplyBatch(self)
        self.loading_progress: LoadingProgress | None = None
        # DEBUG SET-ACTIVE-EXPIRE 0 stops the active expiry cycle (tests rely on it).
        self.active_expire_enabled = True
        # What SHUTDOWN does: set by the service wiring; None refuses SHUTDOWN.
        self.shutdown_hook: Callable[[], None] | None = None
        # The link to our master while we are a replica (server.masterhost), else None.
        self.master_link: ReplicaLink | None = None
        # -NOREPLICAS while min-replicas-to-write is not met (kept by the replicas' cron).
        self.write_refusal: bytes | None = None
        # The replicas attached to us (replication.c's master side).
        self.replicas = Replicas(self)
        # The EVAL scripting engine, created by the first command that needs it.
        self.scripting: ScriptEngine | None = None
        # While a script runs past busy-reply-threshold: the -BUSY reply other clients'
        # commands get (except allow_busy ones), else None. Kept by the watchdog.
        self.busy_reply: bytes | None = None
        self.script_watchdog: Watchdog | None = None
        # The functions engine and its libraries (FUNCTION LOAD), created on first use.
        self.functions: FunctionEngine | None = None
        # Set by a script ending in an error its redis.call already counted (errorstats).
        self.error_counted = False
        # Read on every command: one attribute each, not a chain.
        self._dispatch = self.commands.any_case
        self._monitors = self.clients.monitors  # the registry's list, never replaced

    @property
    def log(self) -> IEventLog:
        """The event log (its end offset is master_repl_offset)."""
        return self.propagator.log

    # -- execution -------------------------------------------------------------------

    def execute(self, client: Client, argv: list[bytes]) -> bytes | None:
        """server.c: processCommand(): checks, MULTI queueing, then call()."""
        name = argv[0]
        dispatch = self._dispatch
        cmd = dispatch.get(name)  # names as sent are usually all upper or lower case
        if cmd is None:
            cmd = dispatch.get(name.lower())
        if cmd is None:
            client.last_cmd = None
            return self._reject(client, errors.unknown_command(argv))
        if cmd.subcommands is not None and len(argv) > 1:
            sub = cmd.subcommands.get(argv[1].lower())
            if sub is None:
                client.last_cmd = None
                return self._reject(client, errors.unknown_subcommand(argv[1], cmd.name))
            cmd = sub
        client.last_cmd = cmd
        arity = cmd.arity
        if (arity > 0 and arity != len(argv)) or len(argv) < -arity:
            return self._reject(client, errors.wrong_arity(cmd.name), cmd)
        if cmd.is_protected:  # DEBUG, gated by enable-debug-command
            refusal = protected_refusal(client, cmd)
            if refusal is not None:
                return self._reject(client, refusal, cmd)
        if not client.authenticated and not cmd.allowed_before_auth:
            return self._reject(client, errors.NOAUTH, cmd)
        if self.master_link is not None and not client.is_master_link:
            # A replica: -READONLY, -MASTERDOWN (replica-read-only, replica-serve-stale-data).
            refusal = self.master_link.refusal(cmd)
            if refusal is not None:
                return self._reject(client, refusal, cmd)
        if self.write_refusal is not None and cmd.is_write and not client.is_master_link:
            return self._reject(client, self.write_refusal, cmd)  # min-replicas-to-write
        if client.subscribed and client.resp == 2 and cmd.name not in ALLOWED_WHEN_SUBSCRIBED:
            return self._reject(client, subscribed_refusal(cmd), cmd)
        if self.loading and not cmd.allowed_when_loading and not client.is_master_link:
            return self._reject(client, errors.LOADING, cmd)
        if self.busy_reply is not None and not cmd.allowed_when_busy:
            return self._reject(client, self.busy_reply, cmd)
        if client.multi is not None:
            if not cmd.allowed_in_multi:
                return self._reject(
                    client, errors.err("Command not allowed inside a transaction"), cmd
                )
            if argv[0].lower() not in _NOT_QUEUED:
                client.multi.append((cmd, argv))
                return reply.QUEUED
        return self.call(client, cmd, argv)

    def _reject(self, client: Client, error: bytes, cmd: Command | None = None) -> bytes:
        """server.c: rejectCommand(): an error that also dooms an open MULTI."""
        if client.multi is not None:
            client.multi_error = True
        if cmd is not None:
            cmd.rejected_calls += 1
            if cmd.handler is exec_:
                error = exec_abort(client, error)
        self.stats.count_error(error)
        return error

    def call(self, client: Client, cmd: Command, argv: list[bytes]) -> bytes | None:
        """server.c: call(): run the handler, then append the unit's events.

        A handler that raises something other than CommandError still leaves the log
        true to the data: whatever it changed before raising is appended at once as its
        own unit, then the exception goes on to the caller.
        """
        propagator = self.propagator
        propagator.depth += 1
        started = perf_counter_ns()
        try:
            result = cmd.handler(client, argv)  # type: ignore[misc]
        except CommandError as exc:
            result = exc.reply
        except BaseException:
            propagator.depth -= 1
            if propagator.unit and not propagator.depth:
                propagator.flush()
            raise
        propagator.depth -= 1
        cmd.nanoseconds += perf_counter_ns() - started
        cmd.calls += 1
        if result is not None and result[0] == 45:  # '-': an error reply
            cmd.failed_calls += 1
            if self.error_counted:
                # A script's error that its failing redis.call already counted in
                # errorstats (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE): not again.
                self.error_counted = False
            else:
                self.stats.count_error(result)
        # After the command, as Redis 7.0's call() does: EXEC shows after its commands.
        if self._monitors and not cmd.is_admin and "skip_monitor" not in cmd.flags:
            self.clients.feed_monitors(client, argv)
        unit = propagator.unit
        if unit and not propagator.depth:
            if self.master_link is not None:
                # A writable replica's own writes stay local: only the master's stream is
                # on our log (replicationFeedSlaves() returns when masterhost is set).
                propagator.take_unit()
            elif len(unit) == 1 and unit[0][0] == propagator.log_db:
                # The common write: one event, the log already in its database.
                propagator.unit = []
                self.saves.dirty += 1
                client.woff = propagator.log.append(unit[0][1])
            else:
                propagator.flush()
                client.woff = propagator.log.end_offset
        if self.keyspace.ready and not propagator.depth:
            self.blocking.serve_ready()  # handleClientsBlockedOnKeys()
        return result

    # -- propagation -----------------------------------------------------------------

    def propagate(self, db: Database, argv: list[bytes]) -> None:
        """Record an event of the running unit (server.c: alsoPropagate())."""
        self.propagator.unit.append((db.id, encode_command(argv)))

    def propagate_encoded(self, db: Database, event: bytes) -> None:
        """propagate() for an event already encoded as a RESP multibulk."""
        self.propagator.unit.append((db.id, event))

    def _propagate_expiry(self, db: Database, key: bytes) -> None:
        """A key expired: its deletion is an event (db.c: propagateDeletion())."""
        notify(self, NOTIFY_EXPIRED, b"expired", key, db.id)
        verb = b"UNLINK" if self.config.lazyfree_lazy_expire else b"DEL"
        self.propagator.propagate_now(db.id, [verb, key])

    def _notify_events_changed(self, flags: int) -> None:
        """notify-keyspace-events changed: created keys are reported only when asked."""
        self.keyspace.key_created = self._key_created if flags & NOTIFY_NEW else None
        self.keyspace.key_missed = self._key_missed if flags & NOTIFY_KEY_MISS else None

    def _key_created(self, db: Database, key: bytes) -> None:
        """db.c: dbAdd(): the `new` notification."""
        notify(self, NOTIFY_NEW, b"new", key, db.id)

    def _key_missed(self, db: Database, key: bytes) -> None:
        """db.c: lookupKey(): the `keymiss` notification of a read that found nothing."""
        notify(self, NOTIFY_KEY_MISS, b"keymiss", key, db.id)

    def feed_monitors(self, client: Client, argv: list[bytes]) -> None:
        """replicationFeedMonitors() for commands that bypass call() (EXEC's abort)."""
        self.clients.feed_monitors(client, argv)
