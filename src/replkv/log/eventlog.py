"""The event log in memory: Redis's replication backlog.

An offset is a count of bytes ever appended, so the log's end offset *is* Redis's
`master_repl_offset`. The in-memory log keeps the newest `retention` bytes
(`repl-backlog-size`) and no more, as Redis's backlog does; the on-disk log (segments of
AOF "incr" files) implements the same IEventLog.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IReactorTime
from zope.interface import classImplements

from replkv.log.cursor import LogCursor, LogCursors
from replkv.log.interfaces import IEventCursor, IEventLog, OffsetNotRetained

__all__ = ["IEventCursor", "IEventLog", "InMemoryLog", "OffsetNotRetained"]


class InMemoryLog:
    """The log's newest `retention` bytes in memory (the replication backlog).

    Appending is a list append: the appended chunks are joined into the buffer only when
    something reads, or when they alone exceed the retention. Trimming is amortised too:
    `start_offset` is computed (never more than `retention` behind the end), and the
    buffer drops its dead prefix only once that prefix outgrows the retention. So the
    observable history honours the bound at every moment, while memory stays below about
    three times the retention.

    Open cursors (replicas) keep what they have yet to read, beyond the retention: as in
    Redis 7.0, where the backlog and the replicas' output share one buffer, the history
    offered to new partial resyncs (`start_offset`) stays bounded, while a replica that
    lags is bounded by `client-output-buffer-limit replica` instead (the master drops
    it). `trim()` does nothing here: the backlog is bounded by size alone, not by what
    snapshots cover. Durability is immediate: `durable_offset` is `end_offset`.
    """

    def __init__(
        self, clock: IReactorTime, retention: int = 1024 * 1024, start_offset: int = 0
    ) -> None:
        if not IReactorTime.providedBy(clock):
            # Loud, because the old signature took the retention first.
            raise TypeError(f"InMemoryLog needs a clock (IReactorTime), not {clock!r}")
        if retention < 0 or start_offset < 0:
            raise ValueError("retention and start_offset must not be negative")
        self._retention = retention
        self.end_offset = start_offset
        # No byte before _floor is visible, whatever the retention (reset, shrinking).
        self._floor = start_offset
        # _buf holds [_buf_start, _buf_end); _pending the appends after _buf_end.
        self._buf = bytearray()
        self._buf_start = start_offset
        self._buf_end = start_offset
        self._pending: list[bytes] = []
        self._cursors = LogCursors(self, clock)
        self._armed = self._cursors.armed
        # Called when bytes older than the backlog are kept for a cursor (the master
        # checks its replicas' output limits).
        self.on_holding: Callable[[], None] | None = None

    @property
    def start_offset(self) -> int:
        """Offset of the oldest byte held: end_offset - start_offset <= retention."""
        return max(self._floor, self.end_offset - self._retention)

    @property
    def durable_offset(self) -> int:
        """Memory is as durable as this log gets: everything appended counts."""
        return self.end_offset

    @property
    def release_offset(self) -> int:
        return self.end_offset

    @property
    def retention(self) -> int:
        """The most bytes held (repl-backlog-size)."""
        return self._retention

    @retention.setter
    def retention(self, size: int) -> None:
        if size < 0:
            raise ValueError("retention must not be negative")
        # Growing does not bring back bytes already past the old bound (Redis's
        # resizeReplicationBacklog() keeps the history it has, no more).
        self._floor = self.start_offset
        self._retention = size
        self._settle()

    def append(self, data: bytes) -> int:
        """Append encoded events; return the new end offset (master_repl_offset)."""
        self._pending.append(data)
        end = self.end_offset = self.end_offset + len(data)
        if end - self._buf_end > self._retention:
            self._settle()
        if self._armed:
            self._cursors.schedule()
        return end

    def _keep_from(self) -> int:
        """The oldest byte still needed: the retention's, or an open cursor's."""
        start = self.start_offset
        oldest = self._cursors.oldest_position()
        if oldest is not None and oldest < start:
            return max(oldest, self._buf_start)
        return start

    @property
    def cursor_floor(self) -> int:
        """Cursors may read from here: bytes [cursor_floor, end_offset) are all held."""
        return min(self._buf_start, self.start_offset)

    def _settle(self) -> None:
        """Join pending appends into the buffer, then drop its prefix if that grew large."""
        pending = self._pending
        start = self._keep_from()
        if pending:
            if start >= self._buf_end:
                # Nothing held in the buffer is still visible: restart it from the
                # pending chunks, skipping what the retention already cut off.
                joined = b"".join(pending)
                self._buf = bytearray(joined[start - self._buf_end :])
                self._buf_start = start
            else:
                self._buf += b"".join(pending)
            pending.clear()
            self._buf_end = self.end_offset
        if start < self.start_offset and self.on_holding is not None:
            self.on_holding()
        dead = start - self._buf_start
        if dead > self._retention or dead == len(self._buf) > 0:
            del self._buf[:dead]
            self._buf_start += dead

    def retains(self, offset: int) -> bool:
        """Whether read(offset, …) can be served."""
        return self.start_offset <= offset <= self.end_offset

    def read(self, offset: int, max_bytes: int) -> bytes:
        """Up to max_bytes of the log starting at offset; raises OffsetNotRetained."""
        if not self.start_offset <= offset <= self.end_offset:
            raise OffsetNotRetained(offset)
        return self.read_for_cursor(offset, max_bytes)

    def read_for_cursor(self, offset: int, max_bytes: int) -> bytes:
        """read(), also of the bytes older than start_offset kept for open cursors."""
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        if not self.cursor_floor <= offset <= self.end_offset:
            raise OffsetNotRetained(offset)
        if self._pending:
            self._settle()
        begin = offset - self._buf_start
        return bytes(self._buf[begin : begin + max_bytes])

    def cursor(self, offset: int) -> LogCursor:
        """A cursor reading from offset; raises OffsetNotRetained if it is not retained."""
        if not self.start_offset <= offset <= self.end_offset:
            raise OffsetNotRetained(offset)
        return self._cursors.open(offset)

    def when_durable(self, offset: int, callback: Callable[[], None]) -> None:
        """Call callback now: everything appended is already as durable as it gets."""
        if offset > self.end_offset:
            raise ValueError(f"offset {offset} is beyond the end of the log")
        callback()

    def trim(self, offset: int) -> None:
        """Nothing to do: the backlog is bounded by its size, not by snapshots (as in Redis)."""
        if offset > self.end_offset:
            raise ValueError(f"offset {offset} is beyond the end of the log")

    # Nothing is written anywhere, so writing never fails (INFO aof_last_write_status).
    last_write_status = "ok"

    @property
    def written_offset(self) -> int:
        return self.end_offset

    def flush(self) -> None:
        """Nothing to write."""

    def after_flush(self, callback: Callable[[], None]) -> None:
        """Everything appended is as written as it gets: at once."""
        callback()

    def close(self) -> None:
        """Nothing to write: the log lives and ends with the process."""

    def reset(self, offset: int) -> None:
        """Discard everything; the log starts and ends at offset. Open cursors are lost."""
        if offset < 0:
            raise ValueError("offset must not be negative")
        self._buf = bytearray()
        self._pending.clear()
        self.end_offset = self._floor = self._buf_start = self._buf_end = offset
        self._cursors.lose_all()


# classImplements, not @implementer: see replkv.log.interfaces.
classImplements(InMemoryLog, IEventLog)
