"""CRC-64 as Redis computes it (crc64.c): the Jones polynomial, reflected, init 0, xorout 0.

The arithmetic is anycrc's compiled CRC-64/REDIS model. `crc64(data, crc)` continues a
checksum over the next chunk, so writers can checksum a stream as they write it.
"""

from __future__ import annotations

import anycrc

_MODEL = anycrc.Model("CRC64-REDIS")
_calc = _MODEL.calc

CHECK_VALUE = 0xE9C6D914C4B8D9CA  # crc64(0, "123456789"), Redis's own test vector


def crc64(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """The checksum of data, continuing from crc (the checksum of what came before)."""
    return int(_calc(data, crc))
