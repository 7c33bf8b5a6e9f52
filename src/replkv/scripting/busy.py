"""Scripts that run long: the busy state, SCRIPT KILL, SHUTDOWN NOSAVE.

script.c: scriptInterrupt(), scriptKill(); server.c: processCommand()'s busy check.
The Lua state calls `Watchdog.interrupt()` from a count hook every 100000
instructions. Past `busy-reply-threshold` milliseconds the script is timed out: from
then on every call serves the network for a moment (Redis's
processEventsWhileBlocked()): the reactor's I/O only, never its timers, so no cron,
active expiry or blocked-client timeout touches the keyspace mid-script. Commands
from other clients meet `Server.busy_reply` (-BUSY) unless flagged allow_busy
(SCRIPT KILL, FUNCTION KILL, SHUTDOWN, AUTH, HELLO, MULTI, …). The script's own client
and the link to our master are not read meanwhile (protectClient(); the master's
stream waits in the socket until the script ends).

SHUTDOWN NOSAVE abandons the script: it stops at its next hook call, its events are
dropped, and nothing more is logged, so neither the log nor the replicas ever see a
part of the script's unit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.logger import Logger

from replkv.log.eventlog import InMemoryLog

if TYPE_CHECKING:
    from replkv.scripting.engine import Run
    from replkv.server import Server

log = Logger(namespace="replkv.scripting")

SLOW_EVAL = (
    b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
)
SLOW_FUNCTION = (
    b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
)
NOTBUSY = b"-NOTBUSY No scripts in execution right now.\r\n"
UNKILLABLE = (
    b"-UNKILLABLE Sorry the script already executed write commands against the dataset. "
    b"You can either wait the script termination or kill the server in a hard way using "
    b"the SHUTDOWN NOSAVE command.\r\n"
)
UNKILLABLE_MASTER = (
    b"-UNKILLABLE The busy script was sent by a master instance in the context of "
    b"replication and cannot be killed.\r\n"
)
OK = b"+OK\r\n"


def monotonic_ms() -> float:
    """Milliseconds on the monotonic clock (Redis's elapsedMs())."""
    return time.monotonic() * 1000.0


class Watchdog:
    """The running script's timer and the busy state it puts the server in."""

    def __init__(
        self,
        server: Server,
        clock_ms: Callable[[], float] = monotonic_ms,
        process_events: Callable[[], None] | None = None,
    ) -> None:
        self.server = server
        self.clock_ms = clock_ms
        self.process_events = process_events or self._poll
        self.running: Run | None = None
        self._paused: list[Any] = []  # transports not read while the script is busy
        self._polling = False

    # -- the script's lifetime ---------------------------------------------------------

    def start(self, run: Run) -> bool:
        """scriptPrepareForRun(): the run's start; True if the hook is to be set (Redis
        sets it only when busy-reply-threshold is not 0)."""
        run.started_ms = self.clock_ms()
        self.running = run
        return self.server.config.busy_reply_threshold > 0

    def finish(self, run: Run) -> None:
        """scriptResetRun(): leave the busy state; an abandoned run stops the logging."""
        if run.timed_out:
            run.timed_out = False
            self.server.busy_reply = None
            paused, self._paused = self._paused, []
            for transport in paused:
                transport.resumeProducing()
        if self.running is run:
            self.running = None
        if run.abandoned:
            _stop_logging(self.server)

    def interrupt(self) -> bool:
        """script.c: scriptInterrupt(), from the Lua hook: True to kill the script."""
        run = self.running
        if run is None:
            return False
        if not run.timed_out:
            elapsed = self.clock_ms() - run.started_ms
            if elapsed < self.server.config.busy_reply_threshold:
                return False
            log.warn(
                "Slow script detected: still in execution after {elapsed} milliseconds. "
                "You can try killing the script using the {kill} command. "
                "Script name is: {name}.",
                elapsed=int(elapsed),
                kill="SCRIPT KILL" if run.eval_mode else "FUNCTION KILL",
                name=run.name.decode("latin-1"),
            )
            self._enter(run)
        if not self._polling:
            self._polling = True
            try:
                self.process_events()
            finally:
                self._polling = False
        return run.killed

    def _enter(self, run: Run) -> None:
        """enterScriptTimedoutMode(), protectClient(): other clients get -BUSY now."""
        run.timed_out = True
        server = self.server
        server.busy_reply = SLOW_EVAL if run.eval_mode else SLOW_FUNCTION
        # Replies waiting for the end-of-turn write of the log (replkv.replybatch) would
        # wait for the script: write the events before the script now.
        server.log.flush()
        transports = [getattr(run.caller, "transport", None)]
        link = server.master_link
        if link is not None and link.protocol is not None:
            transports.append(link.protocol.transport)
        for transport in transports:
            if transport is not None and hasattr(transport, "pauseProducing"):
                transport.pauseProducing()
                self._paused.append(transport)

    def _poll(self) -> None:
        """processEventsWhileBlocked(): the reactor's ready I/O, without waiting or timers."""
        iterate = getattr(self.server.clock, "doIteration", None)
        if iterate is not None:
            iterate(0)

    # -- commands from other clients ---------------------------------------------------

    def kill(self, is_eval: bool) -> bytes:
        """script.c: scriptKill(): SCRIPT KILL (is_eval) or FUNCTION KILL."""
        run = self.running
        if run is None:
            return NOTBUSY
        if run.caller.is_master_link:
            return UNKILLABLE_MASTER
        if run.write_dirty:
            return UNKILLABLE
        if is_eval and not run.eval_mode:
            return SLOW_FUNCTION
        if not is_eval and run.eval_mode:
            return SLOW_EVAL
        run.killed = True
        return OK

    def abandon(self) -> None:
        """SHUTDOWN NOSAVE while busy: stop the script; none of its effects are logged."""
        run = self.running
        if run is not None:
            run.killed = True
            run.abandoned = True


def _stop_logging(server: Server) -> None:
    """The server is shutting down without saving in the middle of a unit: drop the
    unit, write what was appended before it, and log nothing more (Redis exits here)."""
    propagator = server.propagator
    propagator.unit = []
    old = propagator.log
    old.close()
    propagator.log = InMemoryLog(server.clock, 0, old.end_offset)


def watchdog(server: Server) -> Watchdog:
    """The server's watchdog, created on first use."""
    found = server.script_watchdog
    if found is None:
        found = server.script_watchdog = Watchdog(server)
    return found
