"""BITFIELD's integer fields in a string (bitops.c): types, reads, writes, overflow.

A field is `bits` wide at a bit offset counted from the most significant bit of the
first byte, as SETBIT counts; bits past the end of the string read as zeros.
"""

from __future__ import annotations

OVERFLOW_WRAP = 0
OVERFLOW_SAT = 1
OVERFLOW_FAIL = 2
OVERFLOW_TYPES = {b"wrap": OVERFLOW_WRAP, b"sat": OVERFLOW_SAT, b"fail": OVERFLOW_FAIL}

_U64 = (1 << 64) - 1


def parse_type(arg: bytes) -> tuple[bool, int] | None:
    """getBitfieldTypeFromArgument(): (signed, bits) for i1..i64 and u1..u63, else None.

    Redis reads the width as a C string, so a NUL ends it ("i8\\0x" is i8).
    """
    sign = arg[:1]
    if sign == b"i":
        signed = True
    elif sign == b"u":
        signed = False
    else:
        return None
    digits = arg[1:].split(b"\0", 1)[0]
    if not digits or len(digits) > 2 or not digits.isdigit() or digits[:1] == b"0":
        return None
    bits = int(digits)
    if bits > (64 if signed else 63):
        return None
    return signed, bits


def hash_offset(value: int, bits: int) -> int:
    """`#n` offsets: n * bits, wrapped to a signed 64-bit integer as Redis's C does."""
    product = (value * bits) & _U64
    return product - (1 << 64) if product >> 63 else product


def get_field(data: bytes | bytearray, offset: int, bits: int, signed: bool) -> int:
    """getSignedBitfield()/getUnsignedBitfield() over a zero-padded string."""
    first = offset >> 3
    last = (offset + bits - 1) >> 3
    chunk = data[first : last + 1]
    number = int.from_bytes(chunk, "big") << ((last + 1 - first - len(chunk)) * 8)
    field = (number >> ((last + 1) * 8 - offset - bits)) & ((1 << bits) - 1)
    if signed and field >> (bits - 1):
        field -= 1 << bits
    return field


def set_field(data: bytearray, offset: int, bits: int, value: int) -> None:
    """setSignedBitfield()/setUnsignedBitfield(): data already holds the field's bytes."""
    first = offset >> 3
    last = (offset + bits - 1) >> 3
    shift = (last + 1) * 8 - offset - bits
    mask = ((1 << bits) - 1) << shift
    number = int.from_bytes(data[first : last + 1], "big")
    number = (number & ~mask) | ((value << shift) & mask)
    data[first : last + 1] = number.to_bytes(last + 1 - first, "big")


def limits(signed: bool, bits: int) -> tuple[int, int]:
    """The smallest and largest value of the type."""
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def wrap(value: int, signed: bool, bits: int) -> int:
    """value reduced to the type as two's complement arithmetic does."""
    value &= (1 << bits) - 1
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value


def _int64(value: int) -> int:
    """value as C's int64_t holds it after wrapping."""
    value &= _U64
    return value - (1 << 64) if value >> 63 else value


def overflow_direction(value: int, incr: int, signed: bool, bits: int) -> int:
    """checkSignedBitfieldOverflow()/checkUnsignedBitfieldOverflow(): 1 above the type,
    -1 below, 0 within.

    value + incr is what is stored: for SET, value is the argument and incr 0 (an
    unsigned SET sees the argument cast to uint64_t). Redis computes `max - value` and
    `min - value` in 64 bits, so a signed SET far below the type can wrap into an
    overflow upwards (OVERFLOW SAT then stores the maximum): that is kept.
    """
    low, high = limits(signed, bits)
    if not signed:
        if value > high or (incr > 0 and incr > high - value):
            return 1
        if incr < 0 and incr < -value:
            return -1
        return 0
    above = _int64(high - value)
    below = _int64(low - value)
    if value > high or (bits != 64 and incr > above) or (value >= 0 and incr > 0 and incr > above):
        return 1
    if value < low or (bits != 64 and incr < below) or (value < 0 and incr < 0 and incr < below):
        return -1
    return 0


def settle(value: int, incr: int, signed: bool, bits: int, overflow: int) -> int | None:
    """The value to store for value + incr under the OVERFLOW mode; None when it
    overflows under OVERFLOW FAIL."""
    if not signed and value < 0:
        value &= _U64  # SET's argument cast to uint64_t: above any unsigned type
    direction = overflow_direction(value, incr, signed, bits)
    if not direction:
        return value + incr
    if overflow == OVERFLOW_FAIL:
        return None
    if overflow == OVERFLOW_SAT:
        low, high = limits(signed, bits)
        return high if direction > 0 else low
    return wrap(value + incr, signed, bits)


def only_reads(args: list[bytes]) -> bool:
    """db.c: bitfieldGetKeys(): whether the operations after the key are only GETs and
    OVERFLOWs (anything unparsable counts as a write, to be safe)."""
    i = 0
    while i < len(args):
        name = args[i].lower()
        remaining = len(args) - i - 1
        if name == b"get" and remaining >= 2:
            i += 3
        elif name == b"overflow" and remaining >= 1:
            i += 2
        else:
            return False
    return True
