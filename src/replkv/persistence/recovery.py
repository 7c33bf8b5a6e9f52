"""Start-up: the newest snapshot, then the event log from the offset it covers.

`open_event_log()` runs before the listeners open, so a damaged log stops start-up
with a clear message (and exit status 1) before any client connects. `Recovery`
runs after they open: the snapshot is loaded, then the log's bytes after the
snapshot's offset are applied through the one apply path in chunks, one per reactor
turn, while clients get `-LOADING` and INFO shows the progress.

Offsets continue across restarts: the log on disk keeps its own; a memory-only node
(`appendonly no`) starts its log at the snapshot's `repl-offset` and takes back its
`repl-id`, as Redis 7.0 does when it loads an RDB file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
from twisted.internet import defer, task, threads
from twisted.internet.interfaces import IReactorThreads
from twisted.logger import Logger
from twisted.python.failure import Failure

from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.keyspace import Keyspace
from replkv.listen import StartupAborted
from replkv.log.disk import DiskLog, open_disk_log
from replkv.log.eventlog import InMemoryLog
from replkv.log.segments import SEGMENT_NAME, LogCorruptError, LogTruncatedError
from replkv.persistence.snapshots import parse_snapshot
from replkv.rdb.format import RdbError
from replkv.rdb.reader import RdbInfo, read_aux
from replkv.scripting.functions import load_libraries

if TYPE_CHECKING:
    from replkv.config import Config
    from replkv.log.interfaces import IEventLog
    from replkv.server import Server

log = Logger()

# Bytes of the log applied per reactor turn while loading.
CHUNK = 1 << 20
# A progress line every this many seconds of a long load.
PROGRESS_EVERY = 2.0


@attrs.define
class LoadingProgress:
    """INFO persistence's loading_* fields while a load runs."""

    start_time: float = 0.0
    total_bytes: int = 0
    loaded_bytes: int = 0
    started_monotonic: float = 0.0

    def percent(self) -> float:
        return 100.0 * self.loaded_bytes / self.total_bytes if self.total_bytes else 0.0

    def eta_seconds(self) -> int:
        elapsed = time.monotonic() - self.started_monotonic
        if not self.loaded_bytes:
            return 1
        return int(elapsed * (self.total_bytes - self.loaded_bytes) / self.loaded_bytes)


def snapshot_path(config: Config) -> str:
    return os.path.join(config.dir or ".", config.dbfilename)


def log_directory(config: Config) -> str:
    return os.path.join(config.dir or ".", config.appenddirname)


def read_snapshot_aux(path: str) -> RdbInfo | None:
    """The snapshot's AUX fields without its keys, or None if there is no snapshot.

    Raises RdbError for a file that is not an RDB file.
    """
    if not os.path.exists(path):
        return None
    with open(path, "rb") as source:
        return read_aux(source)


def start_disk_log(config: Config, reactor: object, offset: int) -> DiskLog:
    """A new, empty log on disk starting at offset; segments left from before are removed
    (the snapshot just written covers what they held)."""
    directory = log_directory(config)
    if os.path.isdir(directory):
        for name in os.listdir(directory):
            if SEGMENT_NAME.fullmatch(name):
                os.unlink(os.path.join(directory, name))
    return open_disk_log(
        directory,
        reactor,  # type: ignore[arg-type]
        appendfsync=config.appendfsync,
        load_truncated=config.aof_load_truncated,
        retention=config.repl_backlog_size,
        start_offset=offset,
        manifest_filename=config.appendfilename,
    )


def read_snapshot(config: Config) -> RdbInfo | None:
    """The snapshot's AUX fields; a file that is not a snapshot aborts start-up."""
    path = snapshot_path(config)
    try:
        return read_snapshot_aux(path)
    except (RdbError, OSError) as exc:
        log.critical("Can't read the snapshot {path}: {error}", path=path, error=exc)
        raise StartupAborted() from exc


def open_event_log(config: Config, reactor: object, snapshot: RdbInfo | None) -> IEventLog:
    """The event log the server appends to: on disk with `appendonly yes`, else in memory.

    A damaged log on disk aborts start-up (StartupAborted) with the reason logged.
    """
    offset = snapshot.repl_offset if snapshot is not None else None
    if not config.appendonly:
        return InMemoryLog(reactor, config.repl_backlog_size, start_offset=offset or 0)  # type: ignore[arg-type]
    try:
        return open_disk_log(
            log_directory(config),
            reactor,  # type: ignore[arg-type]
            appendfsync=config.appendfsync,
            load_truncated=config.aof_load_truncated,
            retention=config.repl_backlog_size,
            start_offset=offset or 0,
            manifest_filename=config.appendfilename,
        )
    except (LogCorruptError, LogTruncatedError, OSError) as exc:
        log.critical("{error}", error=exc)
        raise StartupAborted() from exc


class Recovery:
    """Load the dataset into server: the snapshot, then the log after it.

    The snapshot is parsed on a worker thread into a keyspace of its own, which no other
    code sees until the reactor thread takes its databases over; meanwhile the reactor
    keeps answering `-LOADING`. Without threads (a test's clock), it is parsed inline.
    """

    def __init__(self, server: Server, snapshot: RdbInfo | None) -> None:
        self.server = server
        self.snapshot = snapshot
        self.progress = LoadingProgress()
        self._stream_db = 0

    def run(self) -> defer.Deferred[None]:
        """Load; the Deferred fires when the server serves again. Exits on damage."""
        server = self.server
        server.loading = True
        server.loading_progress = self.progress
        progress = self.progress
        progress.start_time = server.clock.seconds()
        progress.started_monotonic = time.monotonic()
        progress.total_bytes = self._snapshot_size() + server.log.end_offset
        if self.snapshot is None:
            d: defer.Deferred[Any] = defer.maybeDeferred(self._no_snapshot)
        else:
            d = self._read_snapshot()
            d.addCallback(self._install_snapshot)
        d.addCallback(self._replay_log)
        d.addCallback(lambda _: self._done())
        d.addErrback(self._failed)
        return d

    def _path(self) -> str:
        return snapshot_path(self.server.config)

    def _snapshot_size(self) -> int:
        try:
            return os.path.getsize(self._path()) if self.snapshot is not None else 0
        except OSError:
            return 0

    def _no_snapshot(self) -> int:
        """Without a snapshot the log must hold the whole history."""
        server = self.server
        event_log = server.log
        if event_log.start_offset and event_log.end_offset:
            raise LogGap(
                f"The event log starts at offset {event_log.start_offset} "
                f"and no snapshot ({self._path()}) covers what came before it."
            )
        server.snapshots.covered_offset = event_log.start_offset
        return event_log.start_offset

    def _read_snapshot(self) -> defer.Deferred[tuple[Keyspace, RdbInfo, float]]:
        server = self.server
        now_ms = server.keyspace.now_ms()
        path = self._path()

        def parse() -> tuple[Keyspace, RdbInfo, float]:
            started = time.monotonic()
            loaded, info = parse_snapshot(
                server, path, now_ms if server.keyspace.is_master else None
            )
            return loaded, info, time.monotonic() - started

        clock = server.clock
        if IReactorThreads.providedBy(clock):
            return threads.deferToThreadPool(clock, clock.getThreadPool(), parse)  # type: ignore[arg-type, attr-defined]
        return defer.maybeDeferred(parse)

    def _install_snapshot(self, loaded: tuple[Keyspace, RdbInfo, float]) -> int:
        """Take over the parsed databases; the offset the log is applied from."""
        keyspace, info, seconds = loaded
        server = self.server
        for db, parsed in zip(server.keyspace.dbs, keyspace.dbs, strict=True):
            db.data = parsed.data
            db.expires = parsed.expires
        load_libraries(server, info.functions)
        server.saves.last_load_keys_loaded = info.keys_loaded
        server.saves.last_load_keys_expired = info.expired_skipped
        self.progress.loaded_bytes = self._snapshot_size()
        log.info(
            "Done loading RDB, keys loaded: {loaded}, keys expired: {expired}.",
            loaded=info.keys_loaded,
            expired=info.expired_skipped,
        )
        log.info("DB loaded from disk: {seconds:.3f} seconds", seconds=seconds)
        event_log = server.log
        offset = info.repl_offset
        if info.repl_id is not None and offset is not None:
            server.replication.replid = info.repl_id.decode()
        if offset is None:
            offset = event_log.end_offset if event_log.start_offset == 0 else -1
        if not event_log.retains(offset):
            if offset > event_log.end_offset and event_log.end_offset == event_log.start_offset:
                event_log.reset(offset)  # the log was lost or is new: it goes on from here
            else:
                raise LogGap(
                    f"The snapshot {self._path()} covers offset {offset}, which the event log "
                    f"(offsets {event_log.start_offset}-{event_log.end_offset}) does not hold."
                )
        server.snapshots.covered_offset = offset
        server.snapshots.snapshot_size = self._snapshot_size()
        stream_db = info.repl_stream_db
        self._stream_db = stream_db if stream_db is not None else 0
        return offset

    def _replay_log(self, offset: int) -> defer.Deferred[Any]:
        """Apply the log from offset, a chunk at a time between reactor turns."""
        progress = self.progress
        progress.total_bytes = self._snapshot_size() + self.server.log.end_offset - offset
        clock = self.server.clock
        cooperator = task.Cooperator(scheduler=lambda work: clock.callLater(0, work))  # type: ignore[attr-defined]
        return cooperator.cooperate(self._replay(offset)).whenDone()

    def _failed(self, failure: Failure) -> None:
        error = failure.value
        if isinstance(error, RdbError):
            self._fail(f"Short read or damaged RDB file {self._path()}: {error}")
        elif isinstance(error, LogGap):
            self._fail(str(error))
        else:
            log.failure("Loading failed", failure)
            self._fail(f"Loading failed: {error}")

    def _replay(self, offset: int) -> Iterator[None]:
        """Apply the log from offset, a chunk per turn."""
        server = self.server
        applier = StreamApplier(server, log_received=False)
        applier.client.select(self._stream_db)
        server.propagator.log_db = applier.client.db.id
        event_log = server.log
        end = event_log.end_offset
        last_line = time.monotonic()
        while offset < end:
            data = event_log.read(offset, min(CHUNK, end - offset))
            applier.feed(data)
            offset += len(data)
            self.progress.loaded_bytes += len(data)
            if time.monotonic() - last_line >= PROGRESS_EVERY:
                last_line = time.monotonic()
                log.info(
                    "Loading: {percent:.2f}% of {total} bytes",
                    percent=self.progress.percent(),
                    total=self.progress.total_bytes,
                )
            yield None
        if applier.pending:
            raise LogGap(f"The event log ends inside a command at offset {end}.")

    def _done(self) -> None:
        server = self.server
        server.loading = False
        seconds = time.monotonic() - self.progress.started_monotonic
        if server.config.appendonly:
            log.info("DB loaded from append only file: {seconds:.3f} seconds", seconds=seconds)

    def _fail(self, message: str) -> None:
        log.critical("{message}", message=message)
        log.critical("You can check the files with: python -m replkv.tools verify DIR")
        os._exit(1)


class LogGap(Exception):
    """The snapshot and the log do not join up."""
