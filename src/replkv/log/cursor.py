"""Cursors over an event log, and their wakeups; shared by every log implementation.

A cursor is Synapse's stream model applied to the log: a position, a bounded batch read,
and a flag for "more". A replica stream reads a batch, writes it, and either reads again
(more=True, unless paused by flow control) or waits to be woken.

Wakeups are batched per reactor turn: the first append after an armed cursor caught up
schedules one `callLater(0)` for the whole log, and every cursor due is called from it.
A burst of appends in one turn therefore costs one wakeup per replica, not one per
write, and append itself only tests whether anyone is armed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from zope.interface import classImplements

from replkv.log.interfaces import IEventCursor, OffsetNotRetained


class CursorSource(Protocol):
    """What a cursor needs from its log."""

    @property
    def start_offset(self) -> int: ...

    @property
    def end_offset(self) -> int: ...

    @property
    def release_offset(self) -> int: ...

    @property
    def cursor_floor(self) -> int: ...

    def read_for_cursor(self, offset: int, max_bytes: int) -> bytes: ...


class LogCursors:
    """The open cursors of one log: who is armed, and the one pending wakeup call."""

    def __init__(self, log: CursorSource, clock: IReactorTime) -> None:
        self._log = log
        self._clock = clock
        self._open: dict[LogCursor, None] = {}
        # Armed cursors, in arming order. The log tests this dict on every append, so it
        # is never replaced, only mutated.
        self.armed: dict[LogCursor, None] = {}
        self._call: IDelayedCall | None = None

    def open(self, offset: int) -> LogCursor:
        """A new cursor at offset (the log has checked that it retains offset)."""
        cursor = LogCursor(self._log, self, offset)
        self._open[cursor] = None
        return cursor

    def oldest_position(self) -> int | None:
        """The lowest position among open cursors: what a disk log must still keep."""
        return min((cursor.position for cursor in self._open), default=None)

    def schedule(self) -> None:
        """Wake the due armed cursors on the next reactor turn (once, however often asked)."""
        if self._call is None:
            self._call = self._clock.callLater(0, self._wake)

    def arm(self, cursor: LogCursor) -> None:
        """Arm cursor; schedule its wakeup now if it already has something to read."""
        self.armed[cursor] = None
        if cursor.lost or cursor.position < self._log.release_offset:
            self.schedule()

    def disarm(self, cursor: LogCursor) -> None:
        """Do not wake cursor."""
        self.armed.pop(cursor, None)

    def forget(self, cursor: LogCursor) -> None:
        """cursor is closed."""
        self._open.pop(cursor, None)
        self.armed.pop(cursor, None)

    def lose_all(self) -> None:
        """The log was reset: every open cursor is lost; those with a wakeup are woken once."""
        for cursor in self._open:
            cursor.mark_lost()
            if cursor.has_wakeup():
                self.armed[cursor] = None
        self._open.clear()
        if self.armed:
            self.schedule()

    def _wake(self) -> None:
        self._call = None
        end = self._log.release_offset
        due = [cursor for cursor in self.armed if cursor.lost or cursor.position < end]
        for cursor in due:
            del self.armed[cursor]
        for cursor in due:
            # An earlier callback may have closed this cursor or cleared its wakeup.
            cursor.wake()


class LogCursor:
    """A position in a log, read in bounded batches; see IEventCursor."""

    def __init__(self, log: CursorSource, cursors: LogCursors, position: int) -> None:
        self._log = log
        self._cursors = cursors
        self._position = position
        self._wakeup: Callable[[], None] | None = None
        self._lost = False
        self._closed = False

    @property
    def position(self) -> int:
        """Offset of the next unread byte."""
        return self._position

    @property
    def lost(self) -> bool:
        """True once the log trimmed or reset past this cursor (it never recovers)."""
        return self._lost or self._position < self._log.cursor_floor

    def read(self, max_bytes: int) -> tuple[bytes, bool]:
        """Up to max_bytes from position, advancing it, and whether more is already held."""
        if self._closed:
            raise ValueError("read from a closed cursor")
        if self._lost:
            raise OffsetNotRetained(self._position)
        log = self._log
        release = log.release_offset
        data = log.read_for_cursor(self._position, max(0, min(max_bytes, release - self._position)))
        position = self._position = self._position + len(data)
        if position < release:
            return data, True
        if self._wakeup is not None:
            self._cursors.armed[self] = None
        return data, False

    def set_wakeup(self, callback: Callable[[], None] | None) -> None:
        """Arm the cursor with callback; None disarms it."""
        if self._closed:
            raise ValueError("wakeup on a closed cursor")
        self._wakeup = callback
        if callback is None:
            self._cursors.disarm(self)
        else:
            self._cursors.arm(self)

    def close(self) -> None:
        """No more wakeups; the log forgets this cursor."""
        self._closed = True
        self._wakeup = None
        self._cursors.forget(self)

    def has_wakeup(self) -> bool:
        """Whether an owner waits to be woken (for the log's reset)."""
        return self._wakeup is not None

    def mark_lost(self) -> None:
        """The log was reset under this cursor."""
        self._lost = True

    def wake(self) -> None:
        """Call the owner back (from LogCursors, once per arming)."""
        callback = self._wakeup
        if callback is not None:
            callback()


# classImplements, not @implementer: see replkv.log.interfaces.
classImplements(LogCursor, IEventCursor)
