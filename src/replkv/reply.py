"""RESP reply encoders: every reply is built as bytes and joined once per read.

RESP3-only types take the connection's protocol version and fall back to their RESP2
shapes, as Redis's addReply*() family does.
"""

from __future__ import annotations

from collections.abc import Iterable

from replkv.doubles import format_double

OK = b"+OK\r\n"
PONG = b"+PONG\r\n"
QUEUED = b"+QUEUED\r\n"
NULL_BULK = b"$-1\r\n"
NULL_ARRAY = b"*-1\r\n"
NULL3 = b"_\r\n"
EMPTY_ARRAY = b"*0\r\n"
ZERO = b":0\r\n"
ONE = b":1\r\n"

_SMALL_INTS = [b":%d\r\n" % i for i in range(-1, 10001)]


def integer(n: int) -> bytes:
    """`:n`"""
    if -1 <= n <= 10000:
        return _SMALL_INTS[n + 1]
    return b":%d\r\n" % n


# `%b` takes any buffer (PEP 461), but mypy's format check accepts only bytes
# (python/mypy#19724); a bytearray value is a "raw" string and is formatted as is.
def bulk(value: bytes | bytearray) -> bytes:
    """`$len` then the bytes."""
    return b"$%d\r\n%b\r\n" % (len(value), value)  # type: ignore[str-format]


def bulk_or_null(value: bytes | bytearray | None, resp: int) -> bytes:
    """A bulk string, or the protocol's null."""
    if value is None:
        return NULL3 if resp == 3 else NULL_BULK
    return b"$%d\r\n%b\r\n" % (len(value), value)  # type: ignore[str-format]


def simple(text: str | bytes) -> bytes:
    """`+text` (a status reply)."""
    if isinstance(text, str):
        text = text.encode()
    return b"+%b\r\n" % text


def error(message: str | bytes) -> bytes:
    """`-message`; the message starts with its code (ERR, WRONGTYPE, …).

    As addReplyErrorFormat() does, CR and LF are trimmed off both ends and the ones
    inside become spaces, so the frame stays one line.
    """
    if isinstance(message, str):
        message = message.encode()
    message = message.strip(b"\r\n").replace(b"\r", b" ").replace(b"\n", b" ")
    return b"-%b\r\n" % message


def null(resp: int) -> bytes:
    """A null bulk string in RESP2, `_` in RESP3."""
    return NULL3 if resp == 3 else NULL_BULK


def null_array(resp: int) -> bytes:
    """A null array in RESP2, `_` in RESP3."""
    return NULL3 if resp == 3 else NULL_ARRAY


def array(encoded: list[bytes]) -> bytes:
    """An array of already encoded replies."""
    return b"*%d\r\n%b" % (len(encoded), b"".join(encoded))


def bulk_array(values: Iterable[bytes | bytearray | None], resp: int = 2) -> bytes:
    """An array of bulk strings (None items become nulls)."""
    null_item = NULL3 if resp == 3 else NULL_BULK
    parts = [
        null_item if v is None else b"$%d\r\n%b\r\n" % (len(v), v)  # type: ignore[str-format]
        for v in values
    ]
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


def map_header(pairs: int, resp: int) -> bytes:
    """Header of a map of `pairs` entries: `%n` in RESP3, a flat `*2n` array in RESP2."""
    return b"%%%d\r\n" % pairs if resp == 3 else b"*%d\r\n" % (2 * pairs)


def set_header(count: int, resp: int) -> bytes:
    """Header of a set: `~n` in RESP3, an array in RESP2."""
    return b"~%d\r\n" % count if resp == 3 else b"*%d\r\n" % count


def push_header(count: int, resp: int) -> bytes:
    """Header of an out-of-band push: `>n` in RESP3, an array in RESP2."""
    return b">%d\r\n" % count if resp == 3 else b"*%d\r\n" % count


def double(value: float, resp: int) -> bytes:
    """`,value` in RESP3, a bulk string in RESP2."""
    text = format_double(value)
    if resp == 3:
        return b",%b\r\n" % text
    return b"$%d\r\n%b\r\n" % (len(text), text)


def boolean(value: bool, resp: int) -> bytes:
    """`#t`/`#f` in RESP3, `:1`/`:0` in RESP2."""
    if resp == 3:
        return b"#t\r\n" if value else b"#f\r\n"
    return ONE if value else ZERO


def verbatim(text: bytes, resp: int, kind: bytes = b"txt") -> bytes:
    """`=len txt:…` in RESP3, a bulk string in RESP2."""
    if resp == 3:
        return b"=%d\r\n%b:%b\r\n" % (len(text) + 4, kind, text)
    return bulk(text)


def encode_command(argv: list[bytes]) -> bytes:
    """A command as a RESP multibulk: the form of events on the log and the wire."""
    count = len(argv)
    if count == 3:  # SET k v, SADD s m, …: one formatting operation
        a, b, c = argv
        return b"*3\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(a), a, len(b), b, len(c), c)
    if count == 4:  # HSET h f v, ZADD z s m, LPUSH l a b, …
        a, b, c, d = argv
        return b"*4\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
            len(a), a, len(b), b, len(c), c, len(d), d
        )  # fmt: skip
    if count == 5:  # XADD s id f v, HSET h f v f v, …
        a, b, c, d, e = argv
        return b"*5\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
            len(a), a, len(b), b, len(c), c, len(d), d, len(e), e
        )  # fmt: skip
    if count == 2:  # INCR k, DEL k, …
        a, b = argv
        return b"*2\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(a), a, len(b), b)
    if count <= _FORMATTED_MAX:
        # One formatting operation over (len, part) pairs, its format made once per count.
        template = _COMMAND_FORMATS[count]
        values: list[object] = [0] * (2 * count)
        values[0::2] = map(len, argv)
        values[1::2] = argv
        return template % tuple(values)
    return b"*%d\r\n%b" % (
        len(argv),
        b"".join([b"$%d\r\n%b\r\n" % (len(a), a) for a in argv]),
    )


_FORMATTED_MAX = 64
_COMMAND_FORMATS = [b"*%d\r\n" % n + b"$%d\r\n%b\r\n" * n for n in range(_FORMATTED_MAX + 1)]
