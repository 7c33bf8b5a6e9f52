"""Writing a whole keyspace as an RDB version 10 file (rdb.c: rdbSaveRio()).

`write_rdb()` writes to any binary file object; the caller owns the file (temporary
name, fsync, rename, fork or thread). Output is buffered in chunks and checksummed as
it goes, so the file is written in one pass with bounded extra memory.

Like Redis it saves every key in `db.data`, keys that are logically expired but not
yet deleted included, each with its expiry time.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, BinaryIO

from replkv.rdb.crc import crc64
from replkv.rdb.format import (
    HEADER,
    OP_AUX,
    OP_EOF,
    OP_FUNCTION2,
    OP_RESIZEDB,
    OP_SELECTDB,
    encode_length,
    encode_string,
)
from replkv.rdb.values import DEFAULT_LIMITS, Limits, encode_value

if TYPE_CHECKING:
    from replkv.keyspace.keyspace import Keyspace

REDIS_VERSION = b"7.0.15"
CHUNK_KEYS = 2048  # keys per buffered chunk
_AUX = bytes((OP_AUX,))
_EXPIRE_MS = b"\xfc"
_FUNCTION2 = bytes((OP_FUNCTION2,))
_STRING_TYPE = b"\x00"


class _Output:
    """Buffered, checksummed writes to a file object."""

    __slots__ = ("out", "crc", "checksum")

    def __init__(self, out: BinaryIO, checksum: bool) -> None:
        self.out = out
        self.crc = 0
        self.checksum = checksum

    def write(self, chunk: bytes) -> None:
        if self.checksum:
            self.crc = crc64(chunk, self.crc)
        self.out.write(chunk)


def aux_fields(
    aux: Mapping[bytes, bytes], ctime: int | None = None, used_mem: int = 0
) -> list[tuple[bytes, bytes]]:
    """rdbSaveInfoAuxFields()'s fields in Redis's order, the caller's before `aof-base`."""
    fields = [
        (b"redis-ver", REDIS_VERSION),
        (b"redis-bits", b"64"),
        (b"ctime", b"%d" % (int(time.time()) if ctime is None else ctime)),
        (b"used-mem", b"%d" % used_mem),
    ]
    fields.extend((key, value) for key, value in aux.items() if key != b"aof-base")
    fields.append((b"aof-base", aux.get(b"aof-base", b"0")))
    return fields


def write_rdb(
    keyspace: Keyspace,
    out: BinaryIO,
    aux: Mapping[bytes, bytes] = {},  # noqa: B006 - read only
    *,
    compress: bool = True,
    checksum: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    ctime: int | None = None,
    used_mem: int = 0,
    functions: Sequence[bytes] = (),
) -> None:
    """Write every database of keyspace to out as an RDB version 10 file.

    compress is `rdbcompression`, checksum `rdbchecksum` (without it the trailer is 0);
    limits supplies list-max-listpack-size, by which lists are split into nodes;
    functions are the libraries' code, saved as RDB_OPCODE_FUNCTION2 records.
    """
    output = _Output(out, checksum)
    head = [HEADER]
    for key, value in aux_fields(aux, ctime, used_mem):
        head.append(_AUX + encode_string(key, True) + encode_string(value, True))
    for code in functions:  # rdbSaveFunctions(): after the AUX fields, before the data
        head.append(_FUNCTION2 + encode_string(code, compress))
    output.write(b"".join(head))
    for db in keyspace.dbs:
        data = db.data
        if not data:
            continue
        expires = db.expires
        parts = [
            bytes((OP_SELECTDB,)) + encode_length(db.id),
            bytes((OP_RESIZEDB,)) + encode_length(len(data)) + encode_length(len(expires)),
        ]
        append = parts.append
        pending = 0
        for key, value in data.items():
            if expires:
                when = expires.get(key)
                if when is not None:
                    append(_EXPIRE_MS + when.to_bytes(8, "little", signed=True))
            if type(value) is bytes:
                append(_STRING_TYPE)
                append(encode_string(key, compress))
                append(encode_string(value, compress))
            else:
                rdb_type, payload = encode_value(value, compress, limits)
                append(bytes((rdb_type,)))
                append(encode_string(key, compress))
                append(payload)
            pending += 1
            if pending >= CHUNK_KEYS:
                output.write(b"".join(parts))
                parts.clear()
                pending = 0
        if parts:
            output.write(b"".join(parts))
    output.write(bytes((OP_EOF,)))
    out.write(output.crc.to_bytes(8, "little"))
