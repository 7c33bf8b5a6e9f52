"""The log's events with their offsets: a strict RESP parser and a walk over the segments.

The log holds RESP multibulk commands only (what Redis's AOF loader accepts), so the
parser is strict: anything else is damage, reported with its log offset. The walk
follows SELECT (the database each event applies to) and MULTI/EXEC, so callers can
tell a command boundary outside a transaction, where the dataset is consistent.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from replkv.log.segments import LogScan, iter_batches

# A `*<count>` or `$<length>` line is short; longer without CRLF is damage.
HEADER_MAX = 24


@attrs.frozen
class Event:
    """One command of the log: [offset, end) and its arguments."""

    offset: int
    end: int
    argv: tuple[bytes, ...]


class StreamError(Exception):
    """The log's bytes are not RESP commands at offset (file and position when known)."""

    def __init__(self, offset: int, reason: str, path: str = "", position: int = -1) -> None:
        self.offset = offset
        self.reason = reason
        self.path = path
        self.position = position
        where = f"{path} (batch at file position {position}), " if path else ""
        super().__init__(f"{where}log offset {offset}: {reason}")


class EventParser:
    """Turns the log's bytes, fed in order from offset, into Events."""

    def __init__(self, offset: int) -> None:
        # The log offset of _buffer[0].
        self.offset = offset
        self._buffer = b""

    @property
    def pending(self) -> int:
        """Bytes fed but not yet part of a whole event."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Event]:
        """The events completed by data; raises StreamError at the first bad byte."""
        buffer = self._buffer + data if self._buffer else data
        events: list[Event] = []
        position = 0
        size = len(buffer)
        while position < size:
            parsed = self._parse(buffer, position)
            if parsed is None:
                break
            end, argv = parsed
            events.append(Event(self.offset + position, self.offset + end, argv))
            position = end
        self._buffer = buffer[position:]
        self.offset += position
        return events

    def _parse(self, buffer: bytes, start: int) -> tuple[int, tuple[bytes, ...]] | None:
        """(end, argv) of the command at start, None if it is not whole yet."""
        header = self._header(buffer, start, b"*")
        if header is None:
            return None
        count, position = header
        if count < 1:
            raise StreamError(self.offset + start, f"a command of {count} arguments")
        argv: list[bytes] = []
        for _ in range(count):
            header = self._header(buffer, position, b"$")
            if header is None:
                return None
            length, position = header
            end = position + length
            if end + 2 > len(buffer):
                return None
            if buffer[end : end + 2] != b"\r\n":
                raise StreamError(self.offset + end, "a bulk string not followed by CRLF")
            argv.append(buffer[position:end])
            position = end + 2
        return position, tuple(argv)

    def _header(self, buffer: bytes, start: int, kind: bytes) -> tuple[int, int] | None:
        """(number, position after the line) of a `*N` or `$N` line at start."""
        if start >= len(buffer):
            return None
        if buffer[start : start + 1] != kind:
            expected = "a command ('*')" if kind == b"*" else "a bulk string ('$')"
            raise StreamError(
                self.offset + start, f"expected {expected}, found {buffer[start : start + 1]!r}"
            )
        newline = buffer.find(b"\r\n", start, start + HEADER_MAX)
        if newline < 0:
            if len(buffer) - start < HEADER_MAX:
                return None
            raise StreamError(self.offset + start, "a header line without CRLF")
        digits = buffer[start + 1 : newline]
        if not digits.isdigit() or len(digits) > 18:
            raise StreamError(self.offset + start, f"a bad {kind.decode()} count {digits!r}")
        return int(digits), newline + 2


@attrs.define
class WalkedEvent:
    """An event with the database it applies to (None: unknown) and whether a MULTI is
    open after it, with that MULTI's offset."""

    event: Event
    db: int | None
    multi_at: int | None


def walk_events(
    scan: LogScan, db: int | None, *, start: int | None = None, stop: int | None = None
) -> Iterator[WalkedEvent]:
    """The events of the scanned log's whole part from start (a command boundary outside
    MULTI, default the log's start, where the database is db) up to stop.

    Events that begin before stop are all yielded, the last one may end after it.
    StreamError names file and position of the batch holding a bad byte.
    """
    first = scan.start if start is None else start
    last = scan.end if stop is None else stop
    parser = EventParser(first)
    multi_at: int | None = None
    path = ""
    position = -1
    for segment in scan.segments:
        if segment.end <= first:
            continue
        if segment.start >= last and parser.pending == 0:
            break
        for position, offset, data in iter_batches(segment):
            if offset + len(data) <= first:
                continue
            if offset >= last and parser.pending == 0:
                return
            if offset < first:
                data = data[first - offset :]
            path = segment.path
            try:
                events = parser.feed(data)
            except StreamError as error:
                raise StreamError(error.offset, error.reason, path, position) from None
            for event in events:
                if event.offset >= last:
                    return
                name = event.argv[0].upper()
                if name == b"SELECT" and len(event.argv) == 2 and event.argv[1].isdigit():
                    db = int(event.argv[1])
                elif name == b"MULTI":
                    multi_at = event.offset
                elif name == b"EXEC" or name == b"DISCARD":
                    multi_at = None
                yield WalkedEvent(event, db, multi_at)
    if parser.pending:
        raise StreamError(
            parser.offset,
            f"the log ends inside a command ({parser.pending} bytes)",
            path,
            position,
        )


# Bytes read from the segments at once by read_range().
READ_CHUNK = 1 << 20


def read_range(scan: LogScan, start: int, end: int) -> Iterator[bytes]:
    """The events' bytes in [start, end) of the scanned log, in chunks, without headers."""
    for segment in scan.segments:
        while segment.start <= start < min(end, segment.end):
            data = segment.read(start, min(READ_CHUNK, min(end, segment.end) - start))
            start += len(data)
            yield data
