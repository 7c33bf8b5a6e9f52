"""The event log: every change as RESP-encoded events, addressed by byte offset.

An offset is a count of bytes ever appended, so the log's end offset *is* Redis's
`master_repl_offset`. The in-memory log keeps a bounded tail (the replication backlog);
the on-disk log (segments of AOF "incr" files) implements the same interface.
"""

from __future__ import annotations

from collections.abc import Callable

from zope.interface import Attribute, Interface, implementer


class OffsetNotRetained(Exception):
    """The requested offset is older than what the log still holds."""


class IEventLog(Interface):
    """An append-only byte log of encoded events."""

    start_offset = Attribute("Offset of the oldest byte still held (bytes before it are gone).")
    end_offset = Attribute("Offset after the newest byte: master_repl_offset.")

    def append(data: bytes) -> None:
        """Append encoded events."""

    def read(offset: int, max_bytes: int) -> bytes:
        """Up to max_bytes of the log starting at offset; raises OffsetNotRetained."""

    def retains(offset: int) -> bool:
        """Whether read(offset, …) can be served."""

    def add_listener(listener: Callable[[], None]) -> None:
        """Call listener after each append (replica streams wake up on it)."""

    def remove_listener(listener: Callable[[], None]) -> None:
        """Stop calling listener."""


@implementer(IEventLog)
class InMemoryLog:
    """The log's tail in memory, trimmed to `retention` bytes (repl-backlog-size)."""

    def __init__(self, retention: int = 1024 * 1024, start_offset: int = 0) -> None:
        self.retention = retention
        self.start_offset = start_offset
        self.end_offset = start_offset
        self._buf = bytearray()
        # Appends since the last read, joined into _buf only when something reads:
        # appending stays a list append on the write path.
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._listeners: list[Callable[[], None]] = []

    def append(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        self.end_offset += len(data)
        if self._pending_size > self.retention:
            self._settle()
        if self._listeners:
            for listener in list(self._listeners):
                listener()

    def _settle(self) -> None:
        """Move pending appends into the buffer and trim it to the retention."""
        self._buf += b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        if len(self._buf) > 2 * self.retention:
            excess = len(self._buf) - self.retention
            del self._buf[:excess]
            self.start_offset += excess

    def retains(self, offset: int) -> bool:
        if self._pending:
            self._settle()
        return self.start_offset <= offset <= self.end_offset

    def read(self, offset: int, max_bytes: int) -> bytes:
        if self._pending:
            self._settle()
        if not self.retains(offset):
            raise OffsetNotRetained(offset)
        begin = offset - self.start_offset
        return bytes(self._buf[begin : begin + max_bytes])

    def add_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)
