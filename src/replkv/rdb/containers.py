"""The packed containers inside RDB strings: listpack, intset, ziplist and zipmap.

Builders write listpacks and intsets exactly as Redis 7.0 lays them out (listpack.c:
lpEncodeGetType(), lpEncodeBacklen(); intset.c), so small hashes, sets, sorted sets
and lists serialize to the same bytes as in Redis. Parsers accept everything Redis
writes, including the ziplists and zipmaps of older versions, and raise RdbError with
the offset (within the file or payload, given as `base`) of what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable

from replkv.integers import string_to_ll
from replkv.rdb.format import RdbError

LP_HEADER_SIZE = 6
LP_EOF = 0xFF
LP_UNKNOWN_COUNT = 65535

# -- listpack writing ------------------------------------------------------------------


def _backlen(n: int) -> bytes:
    """lpEncodeBacklen(): the entry size, read backwards, 7 bits a byte."""
    if n <= 127:
        return bytes((n,))
    if n < 16383:
        return bytes((n >> 7, (n & 127) | 128))
    if n < 2097151:
        return bytes((n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128))
    if n < 268435455:
        return bytes((n >> 21, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128))
    return bytes(
        (
            n >> 28,
            ((n >> 21) & 127) | 128,
            ((n >> 14) & 127) | 128,
            ((n >> 7) & 127) | 128,
            (n & 127) | 128,
        )
    )


# Whole entries (encoding, data, backlen) for the integers 0..127 and short strings' headers.
_SMALL_INT_ENTRIES = [bytes((n, 1)) for n in range(128)]


def lp_int_entry(value: int) -> bytes:
    """The listpack entry of an integer: the smallest integer encoding."""
    if 0 <= value <= 127:
        return _SMALL_INT_ENTRIES[value]
    if -4096 <= value <= 4095:
        if value < 0:
            value += 8192
        return bytes((0xC0 | value >> 8, value & 0xFF, 2))
    if -32768 <= value <= 32767:
        return b"\xf1" + value.to_bytes(2, "little", signed=True) + b"\x03"
    if -(1 << 23) <= value < (1 << 23):
        return b"\xf2" + value.to_bytes(3, "little", signed=True) + b"\x04"
    if -(1 << 31) <= value < (1 << 31):
        return b"\xf3" + value.to_bytes(4, "little", signed=True) + b"\x05"
    return b"\xf4" + value.to_bytes(8, "little", signed=True) + b"\x09"


def lp_entry(element: bytes | bytearray) -> bytes:
    """lpInsert()'s encoding of one element: an integer if it is one, else a string."""
    n = len(element)
    if n <= 20:
        number = string_to_ll(element)
        if number is not None:
            return lp_int_entry(number)
        return bytes((0x80 | n,)) + element + bytes((n + 1,))
    if n < 64:
        return bytes((0x80 | n,)) + element + bytes((n + 1,))
    if n < 4096:
        return bytes((0xE0 | n >> 8, n & 0xFF)) + element + _backlen(n + 2)
    return b"\xf0" + n.to_bytes(4, "little") + element + _backlen(n + 5)


def listpack(entries: list[bytes]) -> bytes:
    """A listpack holding already-encoded entries (lp_entry() / lp_int_entry())."""
    body = b"".join(entries)
    total = LP_HEADER_SIZE + len(body) + 1
    count = len(entries) if len(entries) < LP_UNKNOWN_COUNT else LP_UNKNOWN_COUNT
    return total.to_bytes(4, "little") + count.to_bytes(2, "little") + body + b"\xff"


def listpack_of(elements: Iterable[bytes | bytearray]) -> bytes:
    """A listpack of the given elements."""
    return listpack([lp_entry(element) for element in elements])


# -- intset writing --------------------------------------------------------------------


def intset(members: Iterable[int]) -> bytes:
    """An intset blob: the narrowest width that holds every member, sorted ascending."""
    values = sorted(members)
    width = 2
    if values and (values[0] < -32768 or values[-1] > 32767):
        width = 4
        if values[0] < -(1 << 31) or values[-1] >= (1 << 31):
            width = 8
    out = bytearray(width.to_bytes(4, "little") + len(values).to_bytes(4, "little"))
    for value in values:
        out += value.to_bytes(width, "little", signed=True)
    return bytes(out)


# -- parsing ---------------------------------------------------------------------------


def _int(data: bytes, start: int, size: int) -> int:
    return int.from_bytes(data[start : start + size], "little", signed=True)


def parse_listpack(blob: bytes, base: int) -> list[bytes]:
    """The elements of a listpack, integers spelled out; validates its structure."""
    size = len(blob)
    if size < LP_HEADER_SIZE + 1:
        raise RdbError("listpack too short", base)
    total = int.from_bytes(blob[0:4], "little")
    if total != size:
        raise RdbError(f"listpack header says {total} bytes but the blob has {size}", base)
    count = int.from_bytes(blob[4:6], "little")
    out: list[bytes] = []
    append = out.append
    pos = LP_HEADER_SIZE
    end = size - 1
    try:
        while pos < end:
            first = blob[pos]
            if first < 0x80:  # 7-bit unsigned
                append(b"%d" % first)
                length = 1
            elif first < 0xC0:  # 6-bit string length
                n = first & 0x3F
                append(blob[pos + 1 : pos + 1 + n])
                length = 1 + n
            elif first < 0xE0:  # 13-bit signed
                value = ((first & 0x1F) << 8) | blob[pos + 1]
                if value >= 4096:
                    value -= 8192
                append(b"%d" % value)
                length = 2
            elif first < 0xF0:  # 12-bit string length
                n = ((first & 0x0F) << 8) | blob[pos + 1]
                append(blob[pos + 2 : pos + 2 + n])
                length = 2 + n
            elif first == 0xF0:
                n = int.from_bytes(blob[pos + 1 : pos + 5], "little")
                append(blob[pos + 5 : pos + 5 + n])
                length = 5 + n
            elif first == 0xF1:
                append(b"%d" % _int(blob, pos + 1, 2))
                length = 3
            elif first == 0xF2:
                append(b"%d" % _int(blob, pos + 1, 3))
                length = 4
            elif first == 0xF3:
                append(b"%d" % _int(blob, pos + 1, 4))
                length = 5
            elif first == 0xF4:
                append(b"%d" % _int(blob, pos + 1, 8))
                length = 9
            else:
                raise RdbError(f"invalid listpack entry encoding 0x{first:02x}", base + pos)
            pos += length + (
                1
                if length <= 127
                else 2
                if length < 16383
                else 3
                if length < 2097151
                else 4
                if length < 268435455
                else 5
            )
    except IndexError:
        raise RdbError("listpack entry runs past its end", base + pos) from None
    if pos != end or blob[end] != LP_EOF:
        raise RdbError("listpack entries overrun its end marker", base + min(pos, end))
    if count != LP_UNKNOWN_COUNT and count != len(out):
        raise RdbError(f"listpack header counts {count} entries but holds {len(out)}", base)
    return out


def parse_intset(blob: bytes, base: int) -> list[bytes]:
    """The members of an intset, spelled out; must be sorted and distinct."""
    if len(blob) < 8:
        raise RdbError("intset too short", base)
    width = int.from_bytes(blob[0:4], "little")
    count = int.from_bytes(blob[4:8], "little")
    if width not in (2, 4, 8):
        raise RdbError(f"invalid intset encoding {width}", base)
    if len(blob) != 8 + width * count:
        raise RdbError(f"intset of {count} {width}-byte members has {len(blob)} bytes", base)
    values = [_int(blob, 8 + i * width, width) for i in range(count)]
    for i in range(1, count):
        if values[i - 1] >= values[i]:
            raise RdbError("intset members not sorted and distinct", base + 8 + i * width)
    return [b"%d" % value for value in values]


def parse_ziplist(blob: bytes, base: int) -> list[bytes]:
    """The elements of a ziplist (Redis ≤ 6.2 small encodings)."""
    size = len(blob)
    if size < 11:
        raise RdbError("ziplist too short", base)
    if int.from_bytes(blob[0:4], "little") != size:
        raise RdbError("ziplist header size does not match the blob", base)
    out: list[bytes] = []
    append = out.append
    pos = 10
    try:
        while blob[pos] != 0xFF:
            pos += 5 if blob[pos] == 0xFE else 1  # prevlen
            first = blob[pos]
            kind = first >> 6
            if kind == 0:
                n = first & 0x3F
                append(blob[pos + 1 : pos + 1 + n])
                pos += 1 + n
            elif kind == 1:
                n = ((first & 0x3F) << 8) | blob[pos + 1]
                append(blob[pos + 2 : pos + 2 + n])
                pos += 2 + n
            elif kind == 2:
                if first != 0x80:
                    raise RdbError(f"invalid ziplist encoding 0x{first:02x}", base + pos)
                n = int.from_bytes(blob[pos + 1 : pos + 5], "big")
                append(blob[pos + 5 : pos + 5 + n])
                pos += 5 + n
            elif first == 0xC0:
                append(b"%d" % _int(blob, pos + 1, 2))
                pos += 3
            elif first == 0xD0:
                append(b"%d" % _int(blob, pos + 1, 4))
                pos += 5
            elif first == 0xE0:
                append(b"%d" % _int(blob, pos + 1, 8))
                pos += 9
            elif first == 0xF0:
                append(b"%d" % _int(blob, pos + 1, 3))
                pos += 4
            elif first == 0xFE:
                append(b"%d" % _int(blob, pos + 1, 1))
                pos += 2
            elif 0xF1 <= first <= 0xFD:
                append(b"%d" % ((first & 0x0F) - 1))
                pos += 1
            else:
                raise RdbError(f"invalid ziplist encoding 0x{first:02x}", base + pos)
            if pos >= size:
                raise IndexError
    except IndexError:
        raise RdbError("ziplist entry runs past its end", base + min(pos, size)) from None
    if pos != size - 1:
        raise RdbError("ziplist end marker before the end of the blob", base + pos)
    return out


def parse_zipmap(blob: bytes, base: int) -> list[bytes]:
    """The field, value, field, value… of a zipmap (Redis ≤ 2.4 small hashes)."""
    out: list[bytes] = []
    pos = 1  # zmlen
    try:
        while blob[pos] != 0xFF:
            for is_value in (False, True):
                n = blob[pos]
                if n < 254:
                    pos += 1
                elif n == 254:
                    n = int.from_bytes(blob[pos + 1 : pos + 5], "little")
                    pos += 5
                else:
                    raise RdbError("zipmap length 255 inside an entry", base + pos)
                free = 0
                if is_value:
                    free = blob[pos]
                    pos += 1
                if pos + n > len(blob):
                    raise IndexError
                out.append(blob[pos : pos + n])
                pos += n + free
    except IndexError:
        raise RdbError("zipmap entry runs past its end", base + min(pos, len(blob))) from None
    if pos != len(blob) - 1:
        raise RdbError("zipmap end marker before the end of the blob", base + pos)
    return out
