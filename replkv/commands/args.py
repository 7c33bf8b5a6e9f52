"""Argument parsing shared by handlers: Redis's integer and float rules and errors."""

from __future__ import annotations

import math

from replkv import errors
from replkv.errors import CommandError

LLONG_MIN = -(2**63)
LLONG_MAX = 2**63 - 1


def parse_int(arg: bytes | bytearray, error: bytes = errors.NOT_INTEGER) -> int:
    """util.c: string2ll(): a 64-bit integer with no spaces, sign '+' or leading zeros."""
    if not arg or len(arg) > 20:
        raise CommandError(error)
    try:
        value = int(arg)
    except ValueError:
        raise CommandError(error) from None
    # Only the canonical spelling is an integer to Redis: this one comparison refuses
    # spaces, '+', '_', leading zeros and "-0", all of which int() accepts.
    if b"%d" % value != arg or not LLONG_MIN <= value <= LLONG_MAX:
        raise CommandError(error)
    return value


def try_int(arg: bytes | bytearray) -> int | None:
    """string2ll() without raising: the integer, or None."""
    try:
        return parse_int(arg)
    except CommandError:
        return None


def parse_float(arg: bytes | bytearray, error: bytes = errors.NOT_FLOAT) -> float:
    """A long double as Redis reads one (strtold): no spaces, no NaN."""
    if not arg or arg[:1].isspace() or arg[-1:].isspace():
        raise CommandError(error)
    try:
        value = float(arg)
    except ValueError:
        raise CommandError(error) from None
    if math.isnan(value):
        raise CommandError(error)
    text = bytes(arg).lower()
    if b"_" in text or text.lstrip(b"+-").startswith(b"nan"):
        raise CommandError(error)
    return value
