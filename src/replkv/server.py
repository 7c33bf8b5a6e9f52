"""The server: keyspace, event log, clients, and command execution.

`execute()` is Redis's processCommand() (the checks before a command may run) and
`call()` is call(): run the handler, then append the events it produced to the log as
one unit (propagatePendingCommands(): wrapped in MULTI/EXEC when there are several,
preceded by SELECT when the database differs from the log's).
"""

from __future__ import annotations

import os
import time
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from replkv import errors, reply
from replkv.commands import registry
from replkv.commands.debug import protected_refusal
from replkv.commands.monitor import monitor_line
from replkv.commands.table import Command
from replkv.commands.transactions import exec_, exec_abort
from replkv.errors import CommandError
from replkv.keyspace.database import Database
from replkv.keyspace.keyspace import Keyspace
from replkv.log.eventlog import IEventLog, InMemoryLog
from replkv.stats import Stats

if TYPE_CHECKING:
    from replkv.client import Client
    from replkv.config import Config

log = Logger()

MULTI_EVENT = reply.encode_command([b"MULTI"])
EXEC_EVENT = reply.encode_command([b"EXEC"])
_SELECT_EVENTS = [reply.encode_command([b"SELECT", b"%d" % i]) for i in range(16)]

# Command lookup by name as sent: lower-case names plus their upper-case forms.
_COMMANDS = registry.COMMANDS_ANY_CASE

# Commands that run at once inside MULTI instead of being queued (multi.c).
_NOT_QUEUED = frozenset([b"exec", b"discard", b"multi", b"watch", b"quit", b"reset"])


def new_replid() -> str:
    """40 random hex characters (replication.c: changeReplicationId())."""
    return os.urandom(20).hex()


def select_event(db_id: int) -> bytes:
    """The `SELECT n` event."""
    if db_id < len(_SELECT_EVENTS):
        return _SELECT_EVENTS[db_id]
    return reply.encode_command([b"SELECT", b"%d" % db_id])


class Server:
    """Everything one replkv process serves."""

    def __init__(
        self, config: Config, clock: IReactorTime, event_log: IEventLog | None = None
    ) -> None:
        registry.load()
        self.config = config
        self.clock = clock
        self.stats = Stats()
        self.keyspace = Keyspace(config.databases, clock, self.stats)
        self.keyspace.propagate_deletion = self._propagate_expiry
        self.log: IEventLog = event_log or InMemoryLog(config.repl_backlog_size)
        self.clients: dict[int, Client] = {}
        self._next_client_id = 1
        self.monitors: list[Client] = []
        self.replid = new_replid()
        self.replid2 = "0" * 40
        self.second_replid_offset = -1
        self.start_time = clock.seconds()
        self.start_monotonic = time.monotonic()
        self.run_id = new_replid()
        self.dirty = 0
        # DEBUG SET-ACTIVE-EXPIRE 0 stops the active expiry cycle (tests rely on it).
        self.active_expire_enabled = True
        self.last_save_time = int(self.start_time)
        # The database the log last SELECTed (replication.c: slaveseldb).
        self.log_db = -1
        # Events of the running execution unit: (db id, argv).
        self._unit: list[tuple[int, list[bytes]]] = []
        self._depth = 0
        # Extension points filled in by the service wiring.
        self.shutdown_hook: Any = None
        self.pause: Any = None

    # -- clients ---------------------------------------------------------------------

    def next_client_id(self) -> int:
        client_id = self._next_client_id
        self._next_client_id += 1
        return client_id

    def add_client(self, client: Client) -> None:
        self.clients[client.id] = client
        self.stats.total_connections_received += 1

    def remove_client(self, client: Client) -> None:
        self.clients.pop(client.id, None)
        client.unwatch_all()
        if client.monitor and client in self.monitors:
            self.monitors.remove(client)

    def close_idle_clients(self, now: float) -> None:
        """clientsCronHandleTimeout(): close normal clients idle past `timeout` seconds."""
        limit = self.config.timeout
        if not limit:
            return
        for client in list(self.clients.values()):
            if (
                client.kind == "normal"
                and not client.monitor
                and client.paused_argv is None  # blocked clients are not idle
                and now - client.last_interaction > limit
            ):
                client.kill()

    # -- execution -------------------------------------------------------------------

    def execute(self, client: Client, argv: list[bytes]) -> bytes | None:
        """server.c: processCommand(): checks, MULTI queueing, then call()."""
        name = argv[0]
        cmd = _COMMANDS.get(name)  # names as sent are usually all upper or lower case
        if cmd is None:
            cmd = _COMMANDS.get(name.lower())
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
        """server.c: call(): run the handler, then flush the unit's events."""
        self._depth += 1
        started = perf_counter_ns()
        try:
            result = cmd.handler(client, argv)  # type: ignore[misc]
        except CommandError as exc:
            result = exc.reply
        finally:
            self._depth -= 1
        cmd.nanoseconds += perf_counter_ns() - started
        cmd.calls += 1
        if result is not None and result[0] == 45:  # '-': an error reply
            cmd.failed_calls += 1
            self.stats.count_error(result)
        # After the command, as Redis 7.0's call() does: EXEC shows after its commands.
        if self.monitors and not cmd.is_admin and "skip_monitor" not in cmd.flags:
            self.feed_monitors(client, argv)
        unit = self._unit
        if unit and not self._depth:
            if len(unit) == 1 and unit[0][0] == self.log_db:  # the common case: one event
                self._unit = []
                self.dirty += 1
                self.log.append(reply.encode_command(unit[0][1]))
            else:
                self.flush_unit()
        return result

    # -- propagation -----------------------------------------------------------------

    def propagate(self, db: Database, argv: list[bytes]) -> None:
        """Record an event of the running unit (server.c: alsoPropagate())."""
        self._unit.append((db.id, argv))

    def _propagate_expiry(self, db: Database, key: bytes) -> None:
        """A key expired: its deletion is an event (db.c: propagateDeletion())."""
        verb = b"UNLINK" if self.config.lazyfree_lazy_expire else b"DEL"
        self._unit.append((db.id, [verb, key]))
        if not self._depth:
            self.flush_unit()

    def flush_unit(self) -> None:
        """Append the unit's events to the log (server.c: propagatePendingCommands())."""
        unit = self._unit
        self._unit = []
        self.dirty += len(unit)
        parts: list[bytes] = []
        first_db = unit[0][0]
        if first_db != self.log_db:
            parts.append(select_event(first_db))
            self.log_db = first_db
        wrap = len(unit) > 1
        if wrap:
            parts.append(MULTI_EVENT)
        for db_id, argv in unit:
            if db_id != self.log_db:
                parts.append(select_event(db_id))
                self.log_db = db_id
            parts.append(reply.encode_command(argv))
        if wrap:
            parts.append(EXEC_EVENT)
        self.log.append(b"".join(parts))

    def begin_unit(self) -> None:
        """Open an execution unit spanning several calls (EXEC)."""
        self._depth += 1

    def end_unit(self) -> None:
        """Close the unit opened by begin_unit() and flush its events."""
        self._depth -= 1
        if self._unit and not self._depth:
            self.flush_unit()

    # -- MONITOR ---------------------------------------------------------------------

    def feed_monitors(self, client: Client, argv: list[bytes]) -> None:
        """replicationFeedMonitors(): send every MONITOR client the command's line."""
        line = monitor_line(client, argv, self.clock.seconds())
        for monitor in self.monitors:
            monitor.send(line)
