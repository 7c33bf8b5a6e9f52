"""Reading RDB primitives from a bytes buffer: lengths, strings, integers, doubles.

A `Parser` walks one buffer (a whole RDB file or a DUMP payload) with a position.
Reads past the end raise RdbError naming the offset; so does every malformed field.
Callers that index the buffer directly on hot paths catch IndexError themselves and
turn it into `parser.truncated()`.
"""

from __future__ import annotations

import math
import struct

from replkv.rdb.format import ENC_INT8, ENC_INT16, ENC_INT32, ENC_LZF, RdbError, lzf_decompress

_DOUBLE = struct.Struct("<d")
_LEGACY_DOUBLE_SPECIAL = {253: math.nan, 254: math.inf, 255: -math.inf}


class Parser:
    """A position in an RDB buffer."""

    __slots__ = ("data", "pos", "size")

    def __init__(self, data: bytes, pos: int = 0, size: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.size = len(data) if size is None else size

    def truncated(self, what: str = "data") -> RdbError:
        """The error for a read past the end."""
        return RdbError(f"unexpected end of {what} (truncated file?)", min(self.pos, self.size))

    def take(self, n: int) -> bytes:
        """The next n raw bytes."""
        pos = self.pos
        end = pos + n
        if end > self.size:
            raise self.truncated()
        self.pos = end
        return self.data[pos:end]

    def byte(self) -> int:
        """The next byte."""
        pos = self.pos
        if pos >= self.size:
            raise self.truncated()
        self.pos = pos + 1
        return self.data[pos]

    def length_or_encoding(self) -> tuple[int, bool]:
        """rdbLoadLenByRef(): (length, False), or (RDB_ENC_* code, True) for a special string."""
        pos = self.pos
        if pos >= self.size:
            raise self.truncated()
        first = self.data[pos]
        kind = first >> 6
        if kind == 0:
            self.pos = pos + 1
            return first, False
        if kind == 1:
            if pos + 2 > self.size:
                raise self.truncated()
            self.pos = pos + 2
            return (first & 0x3F) << 8 | self.data[pos + 1], False
        if kind == 3:
            self.pos = pos + 1
            return first & 0x3F, True
        if first == 0x80:
            self.pos = pos + 1
            return int.from_bytes(self.take(4), "big"), False
        if first == 0x81:
            self.pos = pos + 1
            return int.from_bytes(self.take(8), "big"), False
        raise RdbError(f"unknown length encoding 0x{first:02x}", pos)

    def length(self) -> int:
        """A length (no special string encodings allowed here)."""
        start = self.pos
        value, special = self.length_or_encoding()
        if special:
            raise RdbError("a string encoding where a length was expected", start)
        return value

    def string(self) -> bytes:
        """rdbGenericLoadStringObject(): plain, integer or LZF, as bytes."""
        start = self.pos
        value, special = self.length_or_encoding()
        if not special:
            pos = self.pos
            end = pos + value
            if end > self.size:
                raise self.truncated("string")
            self.pos = end
            return self.data[pos:end]
        if value == ENC_INT8:
            return b"%d" % int.from_bytes(self.take(1), "little", signed=True)
        if value == ENC_INT16:
            return b"%d" % int.from_bytes(self.take(2), "little", signed=True)
        if value == ENC_INT32:
            return b"%d" % int.from_bytes(self.take(4), "little", signed=True)
        if value == ENC_LZF:
            packed_length = self.length()
            length = self.length()
            packed = self.take(packed_length)
            return lzf_decompress(packed, length, start)
        raise RdbError(f"unknown string encoding {value}", start)

    def int32(self) -> int:
        """A signed 32-bit little-endian integer (legacy EXPIRETIME seconds)."""
        return int.from_bytes(self.take(4), "little", signed=True)

    def int64(self) -> int:
        """A signed 64-bit little-endian integer (EXPIRETIME_MS)."""
        return int.from_bytes(self.take(8), "little", signed=True)

    def binary_double(self) -> float:
        """rdbLoadBinaryDoubleValue(): 8 bytes IEEE-754 little-endian."""
        value: float = _DOUBLE.unpack(self.take(8))[0]
        return value

    def string_double(self) -> float:
        """rdbLoadDoubleValue(): a length byte then ASCII (253 NaN, 254 +inf, 255 -inf)."""
        start = self.pos
        n = self.byte()
        special = _LEGACY_DOUBLE_SPECIAL.get(n)
        if special is not None:
            return special
        text = self.take(n)
        try:
            return float(text)
        except ValueError:
            raise RdbError(f"invalid double {text!r}", start) from None
