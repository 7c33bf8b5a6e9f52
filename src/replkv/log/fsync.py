"""When the log on disk syncs: `appendfsync always | everysec | no`, and where fsync runs.

`always` syncs in the reactor thread at the end of each turn (group commit), as Redis
syncs in its main thread before replying. `everysec` hands the fsync to a `SyncRunner`,
by default a thread, about once a second, so the reactor never waits for the disk; tests
pass `InlineSyncRunner` to run it at once. `no` leaves it to the operating system.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Protocol

from twisted.internet.interfaces import IReactorFromThreads, IReactorThreads
from twisted.logger import Logger

ALWAYS = "always"
EVERYSEC = "everysec"
NO = "no"
POLICIES = (ALWAYS, EVERYSEC, NO)

log = Logger()

# Redis's words for the error it cannot recover from (aof.c: flushAppendOnlyFile()).
FATAL_WRITE_ERROR = (
    "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..."
)


class SyncRunner(Protocol):
    """Runs a sync job away from the reactor and reports back in the reactor thread."""

    def run(self, job: Callable[[], None], done: Callable[[BaseException | None], None]) -> None:
        """Run job; then call done (in the reactor thread) with the error it raised, or None."""


class InlineSyncRunner:
    """Runs the job at once in the caller's thread (tests, and closing the log)."""

    def run(self, job: Callable[[], None], done: Callable[[BaseException | None], None]) -> None:
        """Run job now, then done."""
        error: BaseException | None = None
        try:
            job()
        except OSError as e:
            error = e
        done(error)


class ThreadSyncRunner:
    """Runs the job in the reactor's thread pool; done comes back via callFromThread."""

    def __init__(self, reactor: IReactorThreads) -> None:
        self._reactor = reactor

    def run(self, job: Callable[[], None], done: Callable[[BaseException | None], None]) -> None:
        """Start job in a pool thread."""
        reactor = self._reactor

        def in_thread() -> None:
            error: BaseException | None = None
            try:
                job()
            except BaseException as e:  # reported to the reactor thread, never lost
                error = e
            IReactorFromThreads(reactor).callFromThread(done, error)

        reactor.callInThread(in_thread)


def sync_files(sync: Sequence[int], close: Sequence[int]) -> None:
    """fsync every descriptor of sync, then close every descriptor of close (a job)."""
    try:
        for fd in sync:
            os.fsync(fd)
    finally:
        for fd in close:
            os.close(fd)


def exit_on_fatal_error(error: OSError) -> None:
    """What Redis does when a write or fsync fails under `appendfsync always`: exit."""
    log.critical("{message} ({error})", message=FATAL_WRITE_ERROR, error=error)
    os._exit(1)
