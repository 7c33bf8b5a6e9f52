"""The event log on disk: Redis 7 AOF "incr" segments that are also the replication backlog.

Appending is a bytearray extend. Once per reactor turn (a `callLater(0)`, or the server's
own end-of-turn hook calling `flush()`), everything appended in the turn is written as
one batch behind a `#B` annotation (see `replkv.log.segments`) and, under
`appendfsync always`, fsynced before the durability waiters are released: group commit.
The newest bytes stay in memory (`tail_cache`), so the cursors of live replicas never
read the disk; older offsets are read back from the segments through a sparse index.

Retention: a segment is deleted once every byte of it is before the offset the newest
snapshot covers (`trim`), more than `retention` bytes behind the end, and behind every
open cursor. So the log keeps what recovery and its replicas need, and `retention` bytes
of history beyond it for partial resyncs.
"""

from __future__ import annotations

import errno
import os
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import partial

import attrs
from twisted.internet.interfaces import IDelayedCall, IReactorThreads, IReactorTime
from twisted.logger import Logger
from zope.interface import classImplements

from replkv.log.cursor import LogCursor, LogCursors
from replkv.log.durability import DurableOffset
from replkv.log.fsync import (
    ALWAYS,
    EVERYSEC,
    POLICIES,
    InlineSyncRunner,
    SyncRunner,
    ThreadSyncRunner,
    exit_on_fatal_error,
    sync_files,
)
from replkv.log.interfaces import IEventLog, OffsetNotRetained
from replkv.log.manifest import write_manifest
from replkv.log.segments import (
    SEGMENT_NAME,
    LogCorruptError,
    LogTruncatedError,
    Segment,
    batch_header,
    scan_segment,
    segment_name,
)

__all__ = [
    "DiskLog",
    "LogCorruptError",
    "LogTruncatedError",
    "Truncation",
    "open_disk_log",
]

log = Logger()

DEFAULT_SEGMENT_SIZE = 64 * 1024 * 1024
DEFAULT_TAIL_CACHE = 4 * 1024 * 1024
DEFAULT_RETENTION = 1024 * 1024

_fdatasync: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


@attrs.frozen
class Truncation:
    """A torn last batch cut off at start-up: the file, its new size, the log's end."""

    path: str
    position: int
    offset: int


class DiskLog:
    """The log on disk; see the module docstring. Made by `open_disk_log()`."""

    def __init__(
        self,
        clock: IReactorTime,
        directory: str,
        segments: list[Segment],
        *,
        appendfsync: str,
        retention: int,
        segment_size: int,
        tail_cache: int,
        sync_runner: SyncRunner,
        on_fatal_error: Callable[[OSError], None],
        manifest_filename: str,
        truncation: Truncation | None,
    ) -> None:
        self._clock = clock
        self._directory = directory
        self._policy = appendfsync
        self._retention = retention
        self._segment_size = segment_size
        self._tail_cache = tail_cache
        self._runner = sync_runner
        self._on_fatal_error = on_fatal_error
        self._manifest_filename = manifest_filename
        self.truncation = truncation
        self._segments = segments
        self._starts = [segment.start for segment in segments]
        last = segments[-1]
        self._fd = os.open(last.path, os.O_WRONLY | os.O_APPEND | _CLOEXEC)
        end = last.end
        self.end_offset = end
        # Offset after the last byte written to the file.
        self._written = end
        # The newest bytes, written or not: [_tail_start, end_offset).
        self._tail = bytearray()
        self._tail_start = end
        self._trim_offset = segments[0].start
        self._durable = DurableOffset(end)
        self._flush_call: IDelayedCall | None = None
        self._cursors = LogCursors(self, clock)
        self._armed = self._cursors.armed
        self._after_flush: list[Callable[[], None]] = []
        # everysec: the sync job in flight, the next one's timer, descriptors of rotated
        # segments the next job syncs and closes, and resets it must not report across.
        self._sync_running = False
        self._sync_call: IDelayedCall | None = None
        self._last_sync = -1.0
        self._retired: list[int] = []
        self._directory_dirty = False
        self._generation = 0
        self._closed = False
        # For INFO persistence: aof_last_write_status (write or background fsync).
        self.last_write_status = "ok"
        self.last_write_error: str | None = None
        self._write_manifest()

    # IEventLog

    @property
    def start_offset(self) -> int:
        """Offset of the oldest byte held: the first segment's start."""
        return self._segments[0].start

    @property
    def durable_offset(self) -> int:
        """Everything before this offset is on stable storage (as the policy defines it)."""
        return self._durable.offset

    @property
    def release_offset(self) -> int:
        """What cursors may read: under `always`, only what is fsynced (as Redis writes
        to replicas only after flushAppendOnlyFile())."""
        return self._durable.offset if self._policy == ALWAYS else self.end_offset

    @property
    def cursor_floor(self) -> int:
        """The log keeps every segment an open cursor still reads: cursors read from
        start_offset, as anyone does."""
        return self._segments[0].start

    def read_for_cursor(self, offset: int, max_bytes: int) -> bytes:
        return self.read(offset, max_bytes)

    @property
    def retention(self) -> int:
        """Bytes of history kept beyond what snapshots need (repl-backlog-size)."""
        return self._retention

    @retention.setter
    def retention(self, size: int) -> None:
        if size < 0:
            raise ValueError("retention must not be negative")
        self._retention = size
        self._collect()

    def append(self, data: bytes) -> int:
        """Append encoded events; return the new end offset. Written at the end of the turn."""
        self._tail += data
        end = self.end_offset = self.end_offset + len(data)
        if self._flush_call is None:
            self._flush_call = self._clock.callLater(0, self.flush)
        if self._armed:
            self._cursors.schedule()
        return end

    def retains(self, offset: int) -> bool:
        """Whether read(offset, …) can be served."""
        return self._segments[0].start <= offset <= self.end_offset

    def read(self, offset: int, max_bytes: int) -> bytes:
        """Up to max_bytes from offset: from memory if recent, else from the segments."""
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        if not self._segments[0].start <= offset <= self.end_offset:
            raise OffsetNotRetained(offset)
        tail_start = self._tail_start
        if offset >= tail_start:
            begin = offset - tail_start
            with memoryview(self._tail) as view:
                return view[begin : begin + max_bytes].tobytes()
        # Everything before the tail is written: read it from the files.
        limit = min(offset + max_bytes, tail_start)
        segments = self._segments
        i = bisect_right(self._starts, offset) - 1
        chunks: list[bytes] = []
        position = offset
        while position < limit:
            segment = segments[i]
            i += 1
            if position < segment.end:
                data = segment.read(position, min(limit, segment.end) - position)
                chunks.append(data)
                position += len(data)
        rest = offset + max_bytes - position
        if rest > 0:
            chunks.append(self.read(position, rest))
        return b"".join(chunks)

    def cursor(self, offset: int) -> LogCursor:
        """A cursor reading from offset; raises OffsetNotRetained if it is not retained."""
        if not self._segments[0].start <= offset <= self.end_offset:
            raise OffsetNotRetained(offset)
        return self._cursors.open(offset)

    def when_durable(self, offset: int, callback: Callable[[], None]) -> None:
        """Call callback once everything before offset is durable (at once if it is)."""
        if offset > self.end_offset:
            raise ValueError(f"offset {offset} is beyond the end of the log")
        self._durable.when_durable(offset, callback)

    def trim(self, offset: int) -> None:
        """A snapshot covers everything before offset: whole segments before it may go."""
        if offset > self.end_offset:
            raise ValueError(f"offset {offset} is beyond the end of the log")
        if offset > self._trim_offset:
            self._trim_offset = offset
            self._collect()

    def reset(self, offset: int) -> None:
        """Delete every segment and start a new one at offset (full resync)."""
        if offset < 0:
            raise ValueError("offset must not be negative")
        self._check_open()
        self._generation += 1
        self._cancel_flush()
        os.close(self._fd)
        for fd in self._retired:
            os.close(fd)
        self._retired.clear()
        for segment in self._segments:
            segment.close()
            os.unlink(segment.path)
        self._segments = []
        self._starts = []
        self._tail = bytearray()
        self.end_offset = self._written = self._tail_start = self._trim_offset = offset
        self._open_segment(offset)
        self._write_manifest()
        self._durable.reset(offset)
        self._cursors.lose_all()

    # Writing and syncing

    @property
    def written_offset(self) -> int:
        return self._written

    def after_flush(self, callback: Callable[[], None]) -> None:
        """Call callback after the next write of the batch (at once if nothing waits)."""
        if self._written == self.end_offset or self._closed:
            callback()
        else:
            self._after_flush.append(callback)

    def flush(self) -> None:
        """Write what was appended since the last flush as one batch; sync per the policy;
        then call those waiting in after_flush() (also when the write failed).

        Called at the end of the turn in which something was appended (by the log's own
        `callLater(0)`, or earlier by whoever needs it written: it is idempotent).
        """
        try:
            self._write_batch()
        finally:
            waiting = self._after_flush
            if waiting:
                self._after_flush = []
                for callback in waiting:
                    callback()

    def _write_batch(self) -> None:
        self._cancel_flush()
        written = self._written
        end = self.end_offset
        if written == end or self._closed:
            return
        segment = self._segments[-1]
        if segment.size >= self._segment_size and segment.end > segment.start:
            self._rotate()
            segment = self._segments[-1]
        fd = self._fd
        with memoryview(self._tail) as view, view[written - self._tail_start :] as data:
            header = batch_header(written, data)
            expected = len(header) + len(data)
            try:
                if os.writev(fd, (header, data)) != expected:
                    raise OSError(errno.ENOSPC, "short write")
            except OSError as error:
                self._write_failed(error, segment)
                return
        segment.add_batch(written, segment.size, end - written)
        segment.size += expected
        self._written = end
        self.last_write_status = "ok"
        policy = self._policy
        if policy == ALWAYS:
            try:
                _fdatasync(fd)
            except OSError as error:
                self._on_fatal_error(error)
                return
            self._durable.mark_durable(end)
            if self._armed:
                self._cursors.schedule()  # the new durable bytes may be read now
        elif policy == EVERYSEC:
            self._sync_soon()
        else:
            self._durable.mark_durable(end)
        tail = self._tail
        if len(tail) > 2 * self._tail_cache:
            drop = len(tail) - self._tail_cache
            del tail[:drop]
            self._tail_start += drop

    def sync(self) -> None:
        """Write and fsync everything appended so far, now (everysec: through the runner).

        With a thread runner the fsync finishes later; durable_offset tells when.
        """
        self.flush()
        if self._policy == EVERYSEC and not self._sync_running:
            self._start_sync()

    def close(self) -> None:
        """Write and fsync what is pending, close the files. Idempotent. Call at shutdown."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        self._cancel_flush()
        if self._sync_call is not None and self._sync_call.active():
            self._sync_call.cancel()
        self._sync_call = None
        try:
            sync_files([self._fd, *self._retired], [self._fd, *self._retired])
        finally:
            self._retired.clear()
            for segment in self._segments:
                segment.close()
        self._durable.mark_durable(self._written)

    def _cancel_flush(self) -> None:
        call = self._flush_call
        if call is not None:
            self._flush_call = None
            if call.active():
                call.cancel()

    def _write_failed(self, error: OSError, segment: Segment) -> None:
        """A write failed: drop any part of the batch that reached the file, then react."""
        try:
            os.ftruncate(self._fd, segment.size)
        except OSError:
            pass
        if self._policy == ALWAYS:
            self._on_fatal_error(error)
            return
        # As Redis does: keep the bytes, report the error, try again a second later.
        self.last_write_status = "err"
        self.last_write_error = str(error)
        log.error("Error writing the event log: {error}", error=error)
        if self._flush_call is None and not self._closed:
            self._flush_call = self._clock.callLater(1, self.flush)

    def _sync_soon(self) -> None:
        """everysec: start a background fsync if the last began a second ago, else plan one."""
        if self._sync_running or self._closed:
            return
        now = self._clock.seconds()
        due = self._last_sync + 1.0
        if now >= due:
            self._start_sync()
        elif self._sync_call is None:
            self._sync_call = self._clock.callLater(due - now, self._sync_due)

    def _sync_due(self) -> None:
        self._sync_call = None
        if self._written > self._durable.offset:
            self._sync_soon()

    def _start_sync(self) -> None:
        """Hand an fsync of the current file (a duplicate descriptor) to the runner."""
        self._sync_running = True
        self._last_sync = self._clock.seconds()
        fds = [os.dup(self._fd), *self._retired]
        self._retired.clear()
        if self._directory_dirty:
            self._directory_dirty = False
            fds.append(os.open(self._directory, os.O_RDONLY | _CLOEXEC))
        done = partial(self._sync_done, self._generation, self._written)
        self._runner.run(partial(sync_files, fds, fds), done)

    def _sync_done(self, generation: int, offset: int, error: BaseException | None) -> None:
        self._sync_running = False
        if error is not None:
            self.last_write_status = "err"
            self.last_write_error = str(error)
            log.error("Error syncing the event log: {error}", error=error)
        elif generation == self._generation:
            self._durable.mark_durable(offset)
        if not self._closed and self._written > self._durable.offset:
            self._sync_soon()

    # Segments

    def _open_segment(self, start: int) -> None:
        """Create the segment starting at start and make it the one written."""
        path = os.path.join(self._directory, segment_name(start))
        self._fd = os.open(
            path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o644
        )
        self._segments.append(Segment(path, start))
        self._starts.append(start)
        if self._policy == ALWAYS:
            _sync_directory(self._directory)
        elif self._policy == EVERYSEC:
            self._directory_dirty = True

    def _rotate(self) -> None:
        """The current segment is full: continue in a new one, drop what is not needed."""
        if self._policy == EVERYSEC:
            self._retired.append(self._fd)  # the next sync job syncs and closes it
        else:
            os.close(self._fd)
        self._open_segment(self._written)
        self._write_manifest()
        self._collect()

    def _collect(self) -> None:
        """Delete whole segments no snapshot, cursor or the retention needs."""
        keep = min(self._trim_offset, self.end_offset - self._retention)
        oldest = self._cursors.oldest_position()
        if oldest is not None:
            keep = min(keep, oldest)
        segments = self._segments
        removed = False
        while len(segments) > 1 and segments[1].start <= keep:
            segment = segments.pop(0)
            self._starts.pop(0)
            segment.close()
            os.unlink(segment.path)
            removed = True
        if removed:
            self._write_manifest()

    def _write_manifest(self) -> None:
        names = [os.path.basename(segment.path) for segment in self._segments]
        write_manifest(self._directory, self._manifest_filename, names)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("the event log is closed")

    # Recovery and tools

    def iter_from(self, offset: int, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """The log's bytes from offset to its end, in chunks (replay after a snapshot)."""
        end = self.end_offset
        while offset < end:
            data = self.read(offset, min(chunk_size, end - offset))
            offset += len(data)
            yield data

    @property
    def directory(self) -> str:
        """The directory holding the segments."""
        return self._directory

    @property
    def segment_paths(self) -> list[str]:
        """The segment files, oldest first."""
        return [segment.path for segment in self._segments]

    @property
    def policy(self) -> str:
        """The appendfsync policy: always, everysec or no (CONFIG SET appendfsync)."""
        return self._policy

    @policy.setter
    def policy(self, policy: str) -> None:
        if policy not in POLICIES:
            raise ValueError(f"appendfsync must be one of {', '.join(POLICIES)}")
        self.flush()  # what was appended under the old policy is written under it
        self._policy = policy


# classImplements, not @implementer: see replkv.log.interfaces.
classImplements(DiskLog, IEventLog)


def _sync_directory(directory: str) -> None:
    """fsync a directory, so a file created or deleted in it survives a crash."""
    fd = os.open(directory, os.O_RDONLY | _CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_disk_log(
    directory: str,
    clock: IReactorTime,
    *,
    appendfsync: str = EVERYSEC,
    load_truncated: bool = True,
    retention: int = DEFAULT_RETENTION,
    start_offset: int = 0,
    segment_size: int = DEFAULT_SEGMENT_SIZE,
    tail_cache: int = DEFAULT_TAIL_CACHE,
    sync_runner: SyncRunner | None = None,
    on_fatal_error: Callable[[OSError], None] = exit_on_fatal_error,
    manifest_filename: str = "appendonly.aof",
) -> DiskLog:
    """Open the log in directory (created if missing), verified, positioned at its end.

    An empty directory starts a new log at start_offset; otherwise the segments say
    where the log starts and ends, and start_offset is ignored. Every batch is checked.
    A last batch cut short (a torn write) is cut off with a warning, or raises
    LogTruncatedError when load_truncated is False (aof-load-truncated no). Anything
    else that is not whole (a checksum mismatch, a bad header, a gap between segments,
    a short segment that is not the last) raises LogCorruptError naming file and offset.

    sync_runner runs everysec's fsyncs: by default the reactor's thread pool when clock
    is a reactor, else inline. on_fatal_error is called when a write or fsync fails under
    `always`; by default it exits the process, as Redis does.
    """
    if appendfsync not in POLICIES:
        raise ValueError(f"appendfsync must be one of {', '.join(POLICIES)}")
    if retention < 0 or start_offset < 0 or segment_size < 1 or tail_cache < 0:
        raise ValueError("sizes and offsets must not be negative")
    os.makedirs(directory, exist_ok=True)
    found = sorted(
        (int(match[1]), name)
        for name in os.listdir(directory)
        if (match := SEGMENT_NAME.fullmatch(name)) is not None
    )
    segments: list[Segment] = []
    truncation: Truncation | None = None
    for i, (start, name) in enumerate(found):
        path = os.path.join(directory, name)
        if segments and segments[-1].end != start:
            previous = segments[-1]
            raise LogCorruptError(
                directory,
                path,
                0,
                start,
                f"the previous segment {os.path.basename(previous.path)} ends at log offset "
                f"{previous.end}, not where this one starts",
            )
        scan = scan_segment(directory, path, start)
        segment = scan.segment
        if scan.torn_at is not None:
            if i != len(found) - 1:
                raise LogCorruptError(
                    directory,
                    path,
                    scan.torn_at,
                    segment.end,
                    "the file ends inside a batch but is not the last segment",
                )
            if not load_truncated:
                raise LogTruncatedError(directory, path, scan.torn_at, segment.end)
            log.warn(
                "!!! Warning: short read while loading the event log {path}: "
                "truncating it at file position {position} (log offset {offset}) !!!",
                path=path,
                position=scan.torn_at,
                offset=segment.end,
            )
            os.truncate(path, scan.torn_at)
            truncation = Truncation(path, scan.torn_at, segment.end)
        segments.append(segment)
    if not segments:
        path = os.path.join(directory, segment_name(start_offset))
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o644))
        _sync_directory(directory)
        segments.append(Segment(path, start_offset))
    if sync_runner is None:
        if IReactorThreads.providedBy(clock):
            sync_runner = ThreadSyncRunner(clock)  # type: ignore[arg-type]
        else:
            sync_runner = InlineSyncRunner()
    return DiskLog(
        clock,
        directory,
        segments,
        appendfsync=appendfsync,
        retention=retention,
        segment_size=segment_size,
        tail_cache=tail_cache,
        sync_runner=sync_runner,
        on_fatal_error=on_fatal_error,
        manifest_filename=manifest_filename,
        truncation=truncation,
    )
