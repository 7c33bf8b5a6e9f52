"""RESP request readers: bytes from a client in, command argument lists out.

Two implementations behind one interface: a pure-Python reader that follows Redis's
`processMultibulkBuffer()` / `processInlineBuffer()` to the byte (limits and error texts
included), and a faster one on hiredis's C reader that hands the rare hard cases (inline
commands, malformed frames, limits) to the Python reader at the exact command boundary.
"""

from __future__ import annotations

import re
from typing import Protocol

from zope.interface import Interface, implementer

from replkv.integers import INT_MAX, string_to_ll
from replkv.splitargs import split_args

try:  # hiredis is the fast path; without it the Python reader serves alone.
    import hiredis
except ImportError:  # pragma: no cover - exercised only where hiredis is missing
    hiredis = None  # type: ignore[assignment]

# networking.c: PROTO_INLINE_MAX_SIZE, PROTO_MBULK_BIG_ARG.
INLINE_MAX_SIZE = 64 * 1024
# Before AUTH, Redis limits what an unauthenticated client may send (networking.c).
UNAUTH_MAX_MULTIBULK = 10
UNAUTH_MAX_BULK = 16384


class ProtocolError(Exception):
    """The client broke the protocol; `message` is Redis's reply text, after `-ERR `."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QueryBufferLimit(Exception):
    """The client's pending query exceeded client-query-buffer-limit: close silently."""


class Limits(Protocol):
    """What the readers need to know about the connection's limits."""

    @property
    def proto_max_bulk_len(self) -> int: ...

    @property
    def client_query_buffer_limit(self) -> int: ...

    authenticated: bool


class IRequestReader(Interface):
    """Turns a client's byte stream into commands."""

    def feed(data: bytes) -> None:
        """Add bytes received from the client."""

    def gets() -> list[bytes] | None:
        """The next complete command, or None when more bytes are needed.

        Raises ProtocolError (reply, then close) or QueryBufferLimit (close).
        """

    def pending() -> int:
        """How many received bytes are not yet parsed into a command."""


def _find_line_end(buf: bytes, start: int, char: bytes) -> int:
    """strchr() from start: the index of char, or -1 if absent or after a NUL."""
    end = buf.find(char, start)
    if end > start and buf.find(b"\0", start, end) >= 0:
        return -1
    return end


@implementer(IRequestReader)
class PythonRequestReader:
    """The reference reader: Redis's multibulk and inline parsing, errors to the letter."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._buf = b""
        self._pos = 0

    def feed(self, data: bytes) -> None:
        if self._pos:
            self._buf = self._buf[self._pos :] + data
            self._pos = 0
        else:
            self._buf += data
        if len(self._buf) > self._limits.client_query_buffer_limit:
            raise QueryBufferLimit()

    def pending(self) -> int:
        return len(self._buf) - self._pos

    def gets(self) -> list[bytes] | None:
        while self._pos < len(self._buf):
            if self._buf[self._pos] == 42:  # '*'
                command = self._multibulk()
            else:
                command = self._inline()
            if command is None:
                return None
            if command:
                return command
            # An empty command (`*0`, `*-1`, a blank line) is skipped, as Redis does.
        return None

    def _line(self, start: int, too_big: str) -> int | None:
        """Index of the '\\r' ending the line at `start`, or None if not all here yet."""
        buf = self._buf
        end = _find_line_end(buf, start, b"\r")
        if end < 0:
            if len(buf) - start > INLINE_MAX_SIZE:
                raise ProtocolError(too_big)
            return None
        if end + 1 >= len(buf):  # the '\n' is not here yet
            return None
        return end

    def _multibulk(self) -> list[bytes] | None:
        buf = self._buf
        limits = self._limits
        end = self._line(self._pos, "Protocol error: too big mbulk count string")
        if end is None:
            return None
        count = string_to_ll(buf[self._pos + 1 : end])
        if count is None or count > INT_MAX:
            raise ProtocolError("Protocol error: invalid multibulk length")
        if count > UNAUTH_MAX_MULTIBULK and not limits.authenticated:
            raise ProtocolError("Protocol error: unauthenticated multibulk length")
        pos = end + 2
        if count <= 0:
            self._pos = pos
            return []
        args: list[bytes] = []
        max_bulk = limits.proto_max_bulk_len
        while len(args) < count:
            if pos >= len(buf):
                return None
            end = self._line(pos, "Protocol error: too big bulk count string")
            if end is None:
                return None
            if buf[pos] != 36:  # '$'
                raise ProtocolError("Protocol error: expected '$', got '%s'" % chr(buf[pos]))
            size = string_to_ll(buf[pos + 1 : end])
            if size is None or size < 0 or size > max_bulk:
                raise ProtocolError("Protocol error: invalid bulk length")
            if size > UNAUTH_MAX_BULK and not limits.authenticated:
                raise ProtocolError("Protocol error: unauthenticated bulk length")
            start = end + 2
            if len(buf) < start + size + 2:
                return None
            args.append(buf[start : start + size])
            pos = start + size + 2  # Redis skips the two bytes without checking them
        self._pos = pos
        return args

    def _inline(self) -> list[bytes] | None:
        buf = self._buf
        end = _find_line_end(buf, self._pos, b"\n")
        if end < 0:
            if len(buf) - self._pos > INLINE_MAX_SIZE:
                raise ProtocolError("Protocol error: too big inline request")
            return None
        line = buf[self._pos : end]
        if line[-1:] == b"\r":
            line = line[:-1]
        self._pos = end + 1
        args = split_args(line)
        if args is None:
            raise ProtocolError("Protocol error: unbalanced quotes in request")
        return args


@implementer(IRequestReader)
class HiredisRequestReader:
    """hiredis for the common case; the Python reader for everything unusual.

    The bytes fed since the last command boundary are kept in `_window`, and `_consumed`
    counts those already returned as commands (their encoding is canonical, as Redis's
    integer rules allow no other, so their length is known). When hiredis meets
    something it must not decide (an inline command, a malformed frame), the Python
    reader takes over at the exact boundary, so replies and error texts stay Redis's.
    A frame left incomplete at the end of a read has its headers checked by the Python
    reader, for the limits hiredis does not know (proto-max-bulk-len, INT_MAX
    arguments). Unauthenticated clients always use the Python reader, which enforces
    Redis's stricter pre-AUTH limits.
    """

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._reader = hiredis.Reader()
        self._window: list[bytes] = []
        self._window_size = 0
        self._consumed = 0
        self._fallback: PythonRequestReader | None = None
        self._last = b""  # the end of the previous chunk, for headers split across reads

    def feed(self, data: bytes) -> None:
        if self._fallback is None and (
            # At a command boundary, anything but '*' starts an inline command, which
            # hiredis would call a protocol error while Redis runs it.
            (not self._window and data[:1] != b"*")
            or not self._limits.authenticated
            or _HUGE_COUNT.search(data)
            or _HUGE_COUNT.search(self._last + data[:16])
        ):
            self._fall_back()
        self._last = data[-16:]
        if self._fallback is not None:
            self._fallback.feed(data)
            return
        self._window.append(data)
        self._window_size += len(data)
        self._reader.feed(data)

    def pending(self) -> int:
        if self._fallback is not None:
            return self._fallback.pending()
        return self._window_size - self._consumed

    def gets(self) -> list[bytes] | None:
        if self._fallback is not None:
            return self._python_gets()
        try:
            command = self._reader.gets()
        except (hiredis.ProtocolError, MemoryError):
            return self._fall_back_and_get()
        if command is False:
            if self._consumed == self._window_size:
                self._window.clear()
                self._window_size = self._consumed = 0
            else:
                self._check_tail()
            return None
        if type(command) is not list:
            return self._fall_back_and_get()
        # One pass checks the request is flat bulk strings (anything else is the
        # Python reader's to judge) and sums its canonical encoded length.
        digits = _DIGITS
        count = len(command)
        size = 3 + (digits[count] if count < 10000 else len(b"%d" % count))
        for arg in command:
            if type(arg) is not bytes:
                return self._fall_back_and_get()
            n = len(arg)
            size += n + 5 + (digits[n] if n < 10000 else len(b"%d" % n))
        self._consumed += size
        if not count:  # `*0`: skipped, as Redis does
            return self.gets()
        return command

    def _python_gets(self) -> list[bytes] | None:
        assert self._fallback is not None
        command = self._fallback.gets()
        if command is None and self._fallback.pending() == 0 and self._limits.authenticated:
            # Back on a clean boundary: return to the fast path.
            self._fallback = None
            self._reader = hiredis.Reader()
        return command

    def _fall_back(self) -> None:
        """Replace hiredis by a Python reader positioned after the commands taken."""
        reader = PythonRequestReader(self._limits)
        reader._buf = b"".join(self._window)[self._consumed :]
        self._window.clear()
        self._window_size = self._consumed = 0
        self._fallback = reader

    def _fall_back_and_get(self) -> list[bytes] | None:
        self._fall_back()
        return self._python_gets()

    def _check_tail(self) -> None:
        """Check the headers of the frame left incomplete at the end of the window."""
        size = self._window_size - self._consumed
        if size > self._limits.client_query_buffer_limit:
            raise QueryBufferLimit()
        if self._consumed:
            tail = b"".join(self._window)[self._consumed :]
            self._window = [tail]
            self._window_size = len(tail)
            self._consumed = 0
        elif size - len(self._window[-1]) > INLINE_MAX_SIZE:
            return  # checked when it crossed the header bound; its headers are done
        probe = PythonRequestReader(self._limits)
        probe._buf = b"".join(self._window) if len(self._window) > 1 else self._window[0]
        self._window = [probe._buf]
        probe.gets()  # raises ProtocolError for a bad or oversized header


# A multibulk count of a million or more: hiredis would allocate the whole list up
# front (and free it item by item on error), stalling the reactor; such frames, or
# payload bytes that merely look like one, go through the Python reader instead.
_HUGE_COUNT = re.compile(rb"\*[1-9][0-9]{6}")

_DIGITS = [len(b"%d" % i) for i in range(10000)]


def make_reader(limits: Limits) -> PythonRequestReader | HiredisRequestReader:
    """The fastest reader available."""
    if hiredis is not None:
        return HiredisRequestReader(limits)
    return PythonRequestReader(limits)
