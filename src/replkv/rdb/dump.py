"""DUMP payloads (cluster.c: createDumpPayload(), verifyDumpPayload()).

A payload is one value in RDB form (type byte, then the value), the RDB version as
two bytes little-endian, then the CRC64 of all of that as 8 bytes little-endian (0
when rdbchecksum is off). Redis 7.0's RESTORE checks every payload's checksum, 0 too.
"""

from __future__ import annotations

from typing import Any

from replkv.rdb.crc import crc64
from replkv.rdb.format import RDB_VERSION, RdbError
from replkv.rdb.parser import Parser
from replkv.rdb.values import DEFAULT_LIMITS, Limits, encode_value, is_value_type, read_value

FOOTER_SIZE = 10
_VERSION_BYTES = RDB_VERSION.to_bytes(2, "little")


class PayloadVersionError(RdbError):
    """The payload's footer is missing, from a newer RDB version, or fails its checksum."""


def dump_payload(
    value: Any, compress: bool = True, checksum: bool = True, limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """DUMP's serialization of value."""
    rdb_type, body = encode_value(value, compress, limits)
    payload = bytes((rdb_type,)) + body + _VERSION_BYTES
    crc = crc64(payload) if checksum else 0
    return payload + crc.to_bytes(8, "little")


def verify_payload(payload: bytes, verify_checksum: bool = True) -> None:
    """verifyDumpPayload(): raise PayloadVersionError unless the footer is acceptable."""
    size = len(payload)
    if size < FOOTER_SIZE:
        raise PayloadVersionError("DUMP payload shorter than its footer", size)
    version = int.from_bytes(payload[size - 10 : size - 8], "little")
    if version > RDB_VERSION:
        raise PayloadVersionError(f"DUMP payload of RDB version {version}", size - 10)
    if not verify_checksum:
        return
    stored = int.from_bytes(payload[size - 8 :], "little")
    if crc64(memoryview(payload)[: size - 8]) != stored:  # 7.0 checks even a 0 checksum
        raise PayloadVersionError("DUMP payload checksum mismatch", size - 8)


def parse_payload(
    payload: bytes, limits: Limits = DEFAULT_LIMITS, verify_checksum: bool = True
) -> Any:
    """The value a DUMP payload holds, encoded as Redis would after RESTORE.

    Raises PayloadVersionError for a bad footer, RdbError for a bad body (RESTORE's
    "Bad data format"), including an empty collection and an unsupported type.
    """
    verify_payload(payload, verify_checksum)
    p = Parser(payload, 0, len(payload) - FOOTER_SIZE)
    try:
        rdb_type = p.byte()
        if not is_value_type(rdb_type):
            raise RdbError(f"invalid value type {rdb_type}", 0)
        value = read_value(p, rdb_type, limits)
    except IndexError:
        raise p.truncated() from None
    if value is None:
        raise RdbError("empty collection in DUMP payload", 1)
    return value
