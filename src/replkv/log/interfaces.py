"""What every event log and its cursors promise, whether in memory or on disk.

Kept apart from the implementations: those are hot modules meant to compile with mypyc,
and they declare what they provide with `classImplements()` after the class body rather
than the `@implementer` decorator (a class decorator makes mypyc build a slower
non-native class).
"""

from __future__ import annotations

from collections.abc import Callable

from zope.interface import Attribute, Interface


class OffsetNotRetained(Exception):
    """The requested offset is not (or no longer) held by the log.

    For a replica's PSYNC this means a full resync; for an open cursor it means the
    replica fell out of the backlog (or the log was reset) and must be dropped.
    """


class IEventLog(Interface):
    """An append-only byte log of RESP-encoded events, addressed by byte offset.

    An offset counts every byte ever appended, so `end_offset` is Redis's
    `master_repl_offset` and `end_offset - start_offset` is `repl_backlog_histlen`.

    Retention: what may be discarded differs by implementation. The in-memory log is
    Redis's replication backlog: it holds at most `retention` bytes, whatever snapshots
    or cursors still want, and a cursor that falls behind `start_offset` is lost (the
    replica is dropped and will full-resync). A log on disk keeps what its open cursors
    and its newest snapshot need (see `trim`) and may keep more.
    """

    start_offset = Attribute("Offset of the oldest byte still held (bytes before it are gone).")
    end_offset = Attribute("Offset after the newest byte: master_repl_offset.")
    durable_offset = Attribute(
        "Everything before this offset is on stable storage; never above end_offset."
    )
    written_offset = Attribute(
        "Everything before this offset has been written to the OS (it survives the process, "
        "not the machine); between durable_offset and end_offset."
    )
    release_offset = Attribute(
        "Events before this offset may leave the node (cursors read up to it): "
        "durable_offset under appendfsync always, so no replica holds what a crash of "
        "this node would lose; end_offset otherwise."
    )
    last_write_status = Attribute(
        "INFO's aof_last_write_status: 'ok', or 'err' after a failed write or fsync."
    )
    retention = Attribute(
        "Bytes of history kept for partial resync (repl-backlog-size); settable at run time."
    )

    def append(data: bytes) -> int:
        """Append encoded events; return the new end offset. Cheap: it is the write path."""

    def read(offset: int, max_bytes: int) -> bytes:
        """Up to max_bytes of the log starting at offset; raises OffsetNotRetained."""

    def retains(offset: int) -> bool:
        """Whether read(offset, …) can be served: start_offset <= offset <= end_offset."""

    def cursor(offset: int) -> IEventCursor:
        """A cursor reading from offset; raises OffsetNotRetained if it is not retained."""

    def when_durable(offset: int, callback: Callable[[], None]) -> None:
        """Call callback once everything before offset is durable: at once if it already is.

        For `appendfsync always`: a write's reply waits for its event. Callbacks run in
        offset order. offset must not exceed end_offset (ValueError). A reset releases
        every waiter (the history it waited for was replaced by a snapshot).
        """

    def trim(offset: int) -> None:
        """Bytes before offset are no longer needed by snapshots; the log may drop them.

        Never discards bytes at or after offset, nor bytes an open cursor still needs on
        a log that keeps them for cursors. offset must not exceed end_offset (ValueError).
        """

    def flush() -> None:
        """Write what was appended to the OS now (written_offset becomes end_offset), and
        sync as the durability policy says. Replies are sent after their events reach
        the file, as Redis writes its AOF buffer before replying; a log in memory has
        nothing to do."""

    def after_flush(callback: Callable[[], None]) -> None:
        """Call callback once, when what was appended so far is written (by the log's
        end-of-turn write, so a caller needs no call of its own); at once if it is."""

    def close() -> None:
        """At shutdown: write and fsync what is pending. A log in memory has nothing to do."""

    def reset(offset: int) -> None:
        """Discard everything: the log now starts and ends at offset (full resync).

        Every open cursor becomes lost: its history was replaced, even if its position
        happens to be offset. Lost cursors with a wakeup are woken once so their owners
        notice.
        """


class IEventCursor(Interface):
    """A reader's position in an event log, read in bounded batches (a replica's stream).

    Wakeups: set_wakeup(callback) arms the cursor; an armed cursor whose log holds bytes
    past its position (or that was lost) is called back once, on a later reactor turn,
    however many appends happened meanwhile. The call disarms it; a read that returns
    more=False re-arms it. A reader that stops reading while more=True (paused by flow
    control) is not woken: it reads again when it resumes.
    """

    position = Attribute("Offset of the next unread byte.")
    lost = Attribute(
        "True once the log trimmed or reset past this cursor; read() then raises OffsetNotRetained."
    )

    def read(max_bytes: int) -> tuple[bytes, bool]:
        """Up to max_bytes from position, advancing it, and whether more is already held.

        Raises OffsetNotRetained when lost, ValueError when closed.
        """

    def set_wakeup(callback: Callable[[], None] | None) -> None:
        """Arm the cursor with callback (see the class docstring); None disarms it."""

    def close() -> None:
        """No more wakeups; the log forgets this cursor. Idempotent."""
