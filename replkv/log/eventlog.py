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
        self._listeners: list[Callable[[], None]] = []

    def append(self, data: bytes) -> None:
        self._buf += data
        self.end_offset += len(data)
        if len(self._buf) > 2 * self.retention:
            excess = len(self._buf) - self.retention
            del self._buf[:excess]
            self.start_offset += excess
        if self._listeners:
            for listener in list(self._listeners):
                listener()

    def retains(self, offset: int) -> bool:
        return self.start_offset <= offset <= self.end_offset

    def read(self, offset: int, max_bytes: int) -> bytes:
        if not self.retains(offset):
            raise OffsetNotRetained(offset)
        begin = offset - self.start_offset
        return bytes(self._buf[begin : begin + max_bytes])

    def add_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)
