"""C integer limits and Redis's string2ll(), shared by the protocol, commands and config."""

from __future__ import annotations

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
UINT_MAX = 2**32 - 1
LLONG_MIN = -(2**63)
LLONG_MAX = 2**63 - 1
ULLONG_MAX = 2**64 - 1


def string_to_ll(text: bytes | bytearray) -> int | None:
    """util.c: string2ll(): a 64-bit integer in its one canonical spelling, else None."""
    if text.isdigit() and len(text) < 19 and (text[0] != 48 or len(text) == 1):
        return int(text)  # the common case: ASCII digits, no leading zero, in range
    if not text or len(text) > 20:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    # Only the canonical spelling is an integer to Redis: this one comparison refuses
    # spaces, '+', '_', leading zeros and "-0", all of which int() accepts.
    if b"%d" % value != text or not LLONG_MIN <= value <= LLONG_MAX:
        return None
    return value
