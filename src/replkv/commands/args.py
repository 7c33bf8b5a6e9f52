"""Argument parsing shared by handlers: Redis's integer and float rules and errors."""

from __future__ import annotations

import math

from replkv import errors
from replkv.errors import CommandError
from replkv.integers import LLONG_MAX, LLONG_MIN, string_to_ll

__all__ = ["LLONG_MAX", "LLONG_MIN", "parse_float", "parse_int", "try_int"]


def parse_int(arg: bytes | bytearray, error: bytes = errors.NOT_INTEGER) -> int:
    """string2ll(), answering `error` when arg is not a canonical 64-bit integer."""
    value = string_to_ll(arg)
    if value is None:
        raise CommandError(error)
    return value


# string2ll() without raising: the integer, or None.
try_int = string_to_ll


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
