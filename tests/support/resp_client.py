"""A blocking raw-RESP client that returns the exact bytes of each reply.

Differential tests compare servers byte for byte, so nothing here decodes a
reply on the way in: `reply_end` only finds where one complete reply stops.
`parse_reply` turns those bytes into Python values for readable messages.
"""

import socket
import time
from collections.abc import Iterable

import attrs

DEFAULT_TIMEOUT = 10.0

# RESP2 and RESP3 type bytes, by how their frames end.
_LINE_TYPES = frozenset(b"+-:_,#(")  # one line: simple, error, int, null, double, bool, big number
_BULK_TYPES = frozenset(b"$!=")  # length line, then payload and CRLF
_ARRAY_TYPES = frozenset(b"*~>")  # count line, then count replies (array, set, push)
_PAIR_TYPES = frozenset(b"%|")  # count line, then 2 * count replies (map, attribute)

Arg = str | bytes | int | float


class ProtocolError(Exception):
    """The bytes received are not a well-formed RESP reply."""


class ReplyTimeout(TimeoutError):
    """No complete reply arrived within the bound."""


def encode_command(*args: Arg) -> bytes:
    """Encode one command as a RESP multibulk, the way redis-cli sends it."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _header_int(buf: bytes | bytearray, start: int, end: int) -> int:
    text = bytes(buf[start:end])
    try:
        return int(text)
    except ValueError:
        raise ProtocolError(f"bad length {text!r}") from None


def reply_end(buf: bytes | bytearray, start: int = 0) -> int | None:
    """Return the offset just past the complete reply at `start`, or None if incomplete.

    An attribute (`|`) is not a reply on its own: it belongs to the reply that
    follows it, so both are one unit here. A push frame (`>`) is one unit.
    """
    pos = start
    pending = 1  # replies still to skip; aggregates add their children
    while pending:
        line_end = buf.find(b"\r\n", pos)
        if line_end < 0:
            return None
        kind = buf[pos]
        header_start = pos + 1
        pos = line_end + 2
        pending -= 1
        if kind in _LINE_TYPES:
            continue
        count = _header_int(buf, header_start, line_end)
        if kind in _BULK_TYPES:
            if count < 0:
                continue  # $-1: RESP2 null bulk
            if len(buf) < pos + count + 2:
                return None
            if buf[pos + count : pos + count + 2] != b"\r\n":
                raise ProtocolError(f"bulk payload not followed by CRLF at {pos + count}")
            pos += count + 2
        elif kind in _ARRAY_TYPES:
            pending += max(count, 0)  # *-1: RESP2 null array
        elif kind in _PAIR_TYPES:
            pending += 2 * max(count, 0) + (kind == ord("|"))
        else:
            raise ProtocolError(f"unknown type byte {bytes([kind])!r} at {header_start - 1}")
    return pos


class ErrorReply(str):
    """An error reply (`-ERR …` or `!…`), kept apart from simple strings."""


@attrs.frozen
class Push:
    """A RESP3 push frame (`>`)."""

    items: list[object]


@attrs.frozen
class WithAttributes:
    """A reply preceded by a RESP3 attribute map (`|`)."""

    attributes: list[tuple[object, object]]
    value: object


def parse_reply(raw: bytes) -> object:
    """Decode exactly one reply into Python values, for messages and assertions.

    Bulk strings stay bytes, simple strings become str, errors ErrorReply,
    maps a list of (key, value) pairs (keys need not be hashable), sets a list.
    """
    value, end = _parse(raw, 0)
    if end != len(raw):
        raise ProtocolError(f"{len(raw) - end} trailing bytes after the reply")
    return value


def _parse(buf: bytes, pos: int) -> tuple[object, int]:
    line_end = buf.find(b"\r\n", pos)
    if line_end < 0:
        raise ProtocolError("incomplete reply")
    kind, header, after = buf[pos : pos + 1], buf[pos + 1 : line_end], line_end + 2
    if kind == b"+":
        return header.decode(errors="replace"), after
    if kind == b"-":
        return ErrorReply(header.decode(errors="replace")), after
    if kind in (b":", b"("):
        return int(header), after
    if kind == b"_":
        return None, after
    if kind == b",":
        return float(header), after
    if kind == b"#":
        return header == b"t", after
    count = int(header)
    if kind in (b"$", b"!", b"="):
        if count < 0:
            return None, after
        payload = buf[after : after + count]
        if kind == b"!":
            return ErrorReply(payload.decode(errors="replace")), after + count + 2
        return payload, after + count + 2
    if kind in (b"*", b"~", b">"):
        if count < 0:
            return None, after
        items, after = _parse_many(buf, after, count)
        return (Push(items) if kind == b">" else items), after
    if kind in (b"%", b"|"):
        flat, after = _parse_many(buf, after, 2 * count)
        pairs = list(zip(flat[::2], flat[1::2], strict=True))
        if kind == b"%":
            return pairs, after
        value, after = _parse(buf, after)
        return WithAttributes(pairs, value), after
    raise ProtocolError(f"unknown type byte {kind!r}")


def _parse_many(buf: bytes, pos: int, count: int) -> tuple[list[object], int]:
    items = []
    for _ in range(count):
        item, pos = _parse(buf, pos)
        items.append(item)
    return items, pos


class RawClient:
    """One blocking TCP connection that sends commands and returns raw reply bytes.

    Every read is bounded by a deadline (`timeout`, default 10 s) and raises
    ReplyTimeout rather than hanging a test.
    """

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = DEFAULT_TIMEOUT):
        self.port = port
        self.timeout = timeout
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = bytearray()
        self._eof = False

    def __enter__(self) -> "RawClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        self._sock.close()

    def call(self, *args: Arg) -> bytes:
        """Send one command as a multibulk and return the raw bytes of its reply."""
        self.send_raw(encode_command(*args))
        return self.read_reply()

    def pipeline(self, commands: Iterable[Iterable[Arg]]) -> list[bytes]:
        """Send several commands in one write and return their raw replies in order."""
        encoded = [encode_command(*command) for command in commands]
        self.send_raw(b"".join(encoded))
        return [self.read_reply() for _ in encoded]

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are; raises ConnectionError if the server has gone."""
        self._sock.settimeout(self.timeout)
        self._sock.sendall(data)

    def read_reply(self, timeout: float | None = None) -> bytes:
        """Return the exact bytes of the next complete reply (attributes included)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            end = reply_end(self._buf) if self._buf else None
            if end is not None:
                reply = bytes(self._buf[:end])
                del self._buf[:end]
                return reply
            if self._eof:
                raise ConnectionError(f"connection closed; unparsed bytes {bytes(self._buf)!r}")
            if not self._receive(deadline):
                raise ReplyTimeout(f"no complete reply; buffered {bytes(self._buf[:200])!r}")

    def read_until_closed(self, timeout: float | None = None) -> bytes:
        """Return everything up to the server closing the connection.

        Raises ReplyTimeout if the connection is still open at the deadline.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self._eof:
            if not self._receive(deadline):
                raise ReplyTimeout(f"still open; buffered {bytes(self._buf[:200])!r}")
        return self._take_all()

    def read_until_quiet(self, quiet: float = 0.3, timeout: float | None = None) -> bytes:
        """Return what arrives until `quiet` seconds pass without data, or the peer closes.

        For inputs whose outcome is unknown (a reply, a close, or nothing);
        check `closed()` afterwards to tell the cases apart.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self._eof:
            window = min(deadline, time.monotonic() + quiet)
            if not self._receive(window) or time.monotonic() >= deadline:
                break
        return self._take_all()

    def closed(self) -> bool:
        """True if the server has closed (or reset) the connection, without blocking."""
        if self._eof:
            return True
        self._sock.setblocking(False)
        try:
            data = self._sock.recv(65536)
        except BlockingIOError:
            return False
        except ConnectionError:
            self._eof = True
            return True
        finally:
            self._sock.settimeout(self.timeout)
        if data:
            self._buf += data
            return False
        self._eof = True
        return True

    def _take_all(self) -> bytes:
        data = bytes(self._buf)
        self._buf.clear()
        return data

    def _receive(self, deadline: float) -> bool:
        """Read once before the deadline; False on timeout. EOF and reset set _eof."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self._sock.settimeout(remaining)
        try:
            data = self._sock.recv(65536)
        except TimeoutError:
            return False
        except ConnectionError:
            # A server that closes with unread input sends RST; what it sent before is kept.
            data = b""
        if not data:
            self._eof = True
        self._buf += data
        return True
