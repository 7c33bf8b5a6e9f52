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


def settle(value: int, signed: bool, bits: int, overflow: int) -> int | None:
    """checkSignedBitfieldOverflow()/checkUnsignedBitfieldOverflow() applied to value:
    the value to store, or None when it overflows under OVERFLOW FAIL.

    An unsigned SET of a negative number is an overflow (Redis sees the 64-bit
    unsigned cast): it saturates to the maximum, as Redis does; set_value() handles it.
    """
    low, high = limits(signed, bits)
    if low <= value <= high:
        return value
    if overflow == OVERFLOW_FAIL:
        return None
    if overflow == OVERFLOW_SAT:
        return high if value > high else low
    return wrap(value, signed, bits)


def set_value(value: int, signed: bool, bits: int, overflow: int) -> int | None:
    """SET's new value for the i64 argument (settle() with Redis's unsigned cast)."""
    if not signed and value < 0:
        value &= _U64  # the C cast to uint64_t: always above the type's maximum
    return settle(value, signed, bits, overflow)
