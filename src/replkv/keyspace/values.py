"""What kind of value a key holds, as TYPE and OBJECT ENCODING name it, and copies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replkv.integers import string_to_ll

EMBSTR_LIMIT = 44  # OBJ_ENCODING_EMBSTR_SIZE_LIMIT

# TYPE's name for each Python value type; the other type families register theirs here.
TYPE_NAMES: dict[type, bytes] = {bytes: b"string", bytearray: b"string"}
# OBJECT ENCODING for non-string types, registered by their families.
ENCODINGS: dict[type, Callable[[Any], bytes]] = {}


def type_name(value: Any) -> bytes:
    """object.c: getObjectTypeName(): "none" for a missing key."""
    if value is None:
        return b"none"
    return TYPE_NAMES.get(type(value), b"none")


def string_encoding(value: bytes | bytearray) -> bytes:
    """object.c: tryObjectEncoding() as SET applies it: int, embstr or raw.

    A bytearray is a string APPEND or SETRANGE made raw, whatever its content.
    """
    if type(value) is bytearray:
        return b"raw"
    if len(value) <= 20 and string_to_ll(value) is not None:
        return b"int"
    return b"embstr" if len(value) <= EMBSTR_LIMIT else b"raw"


def duplicate(value: Any) -> Any:
    """object.c: dupStringObject() and friends, for COPY.

    bytes are immutable and shared; every other value type offers `copy()` (a
    bytearray stays a raw string; containers hold immutable bytes, so shallow is deep).
    """
    if type(value) is bytes:
        return value
    return value.copy()
