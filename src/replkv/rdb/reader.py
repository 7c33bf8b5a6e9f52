"""Loading an RDB file into a keyspace (rdb.c: rdbLoadRioWithLoadingCtx()).

`load_rdb()` reads what Redis 7.0 (and older versions down to RDB 1) writes: every
opcode, every string, list, set, hash, sorted set and stream encoding, and the
checksum. Module values and module AUX data are refused with an RdbError naming them;
Lua function libraries (FUNCTION2) are skipped with a warning and returned in the
result. A truncated or corrupt file raises RdbError with the byte offset of the
problem; nothing is promised about what was stored in the keyspace before that.

The file is read whole into memory, then parsed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

import attrs
from twisted.logger import Logger

from replkv.rdb.crc import crc64
from replkv.rdb.format import (
    MAGIC,
    OP_AUX,
    OP_EOF,
    OP_EXPIRETIME,
    OP_EXPIRETIME_MS,
    OP_FREQ,
    OP_FUNCTION,
    OP_FUNCTION2,
    OP_IDLE,
    OP_MODULE_AUX,
    OP_RESIZEDB,
    OP_SELECTDB,
    RDB_VERSION,
    TYPE_STRING,
    RdbError,
)
from replkv.rdb.parser import Parser
from replkv.rdb.values import DEFAULT_LIMITS, Limits, is_value_type, read_value

if TYPE_CHECKING:
    from replkv.keyspace.keyspace import Keyspace

log = Logger()

MIN_VERSION = 1
CHECKSUM_SINCE = 5  # RDB versions before 5 have no checksum trailer


@attrs.define
class RdbInfo:
    """What a load found besides the keys."""

    version: int
    aux: dict[bytes, bytes] = attrs.Factory(dict)
    keys_loaded: int = 0
    expired_skipped: int = 0
    empty_skipped: int = 0
    # FUNCTION2 payloads (each library's code), for the caller to load.
    functions: list[bytes] = attrs.Factory(list)
    checksum: int = 0  # the stored CRC64 (0: saved without one)

    @property
    def repl_id(self) -> bytes | None:
        """`repl-id` when it is a valid 40-character replication ID."""
        value = self.aux.get(b"repl-id")
        return value if value is not None and len(value) == 40 else None

    @property
    def repl_offset(self) -> int | None:
        """`repl-offset`, when present and numeric."""
        value = self.aux.get(b"repl-offset")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    @property
    def repl_stream_db(self) -> int | None:
        """`repl-stream-db`, when present and numeric."""
        value = self.aux.get(b"repl-stream-db")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


def read_header(data: bytes) -> int:
    """The RDB version from the 9-byte header, or RdbError."""
    if len(data) < 9:
        raise RdbError("file too short for an RDB header", len(data))
    if data[:5] != MAGIC:
        raise RdbError("wrong signature: not an RDB file", 0)
    try:
        version = int(data[5:9])
    except ValueError:
        raise RdbError(f"bad RDB version field {data[5:9]!r}", 5) from None
    if not MIN_VERSION <= version <= RDB_VERSION:
        raise RdbError(f"can't handle RDB format version {version}", 5)
    return version


# AUX fields sit at the start of a file; more than this before the first key is unusual.
AUX_READ_LIMIT = 1 << 16


def read_aux(source: BinaryIO) -> RdbInfo:
    """The header and the AUX fields before the first key or database (a cheap look at
    `repl-id` / `repl-offset` without loading the keys). Raises RdbError."""
    data = source.read(AUX_READ_LIMIT)
    info = RdbInfo(read_header(data))
    p = Parser(data, 9)
    try:
        while p.pos < p.size and p.data[p.pos] == OP_AUX:
            p.pos += 1
            key = p.string()
            info.aux[key] = p.string()
    except RdbError:
        if len(data) < AUX_READ_LIMIT:
            raise  # the file itself ends inside its AUX fields
    return info


def load_rdb(
    source: BinaryIO,
    keyspace: Keyspace,
    *,
    limits: Limits = DEFAULT_LIMITS,
    verify_checksum: bool = True,
    expired_before_ms: int | None = None,
) -> RdbInfo:
    """Load the RDB file in source into keyspace's databases (normally empty).

    limits are the encoding thresholds (Limits.from_config(config)); verify_checksum
    is `rdbchecksum`; keys whose expiry is before expired_before_ms are dropped (a
    master passes its clock, as Redis does when it is not loading an AOF preamble).
    """
    return load_rdb_bytes(
        source.read(),
        keyspace,
        limits=limits,
        verify_checksum=verify_checksum,
        expired_before_ms=expired_before_ms,
    )


def load_rdb_bytes(
    data: bytes,
    keyspace: Keyspace,
    *,
    limits: Limits = DEFAULT_LIMITS,
    verify_checksum: bool = True,
    expired_before_ms: int | None = None,
) -> RdbInfo:
    """load_rdb() of a file already in memory."""
    version = read_header(data)
    info = RdbInfo(version)
    p = Parser(data, 9)
    try:
        _load_body(p, info, keyspace, limits, expired_before_ms)
    except IndexError:
        raise p.truncated() from None
    body_end = p.pos
    if version >= CHECKSUM_SINCE:
        stored = p.take(8)
        info.checksum = int.from_bytes(stored, "little")
        if verify_checksum:
            if info.checksum == 0:
                log.info("RDB file was saved with checksum disabled: no check performed.")
            else:
                actual = crc64(memoryview(data)[:body_end])
                if actual != info.checksum:
                    raise RdbError(
                        f"wrong RDB checksum: expected {info.checksum:x} but got {actual:x}",
                        body_end,
                    )
    return info


def _load_body(
    p: Parser, info: RdbInfo, keyspace: Keyspace, limits: Limits, expired_before: int | None
) -> None:
    data = p.data
    size = p.size
    dbs = keyspace.dbs
    db = dbs[0]
    db_data = db.data
    db_expires = db.expires
    expire = -1
    loaded = 0
    string = p.string
    while True:
        pos = p.pos
        if pos >= size:
            raise p.truncated()
        code = data[pos]
        p.pos = pos + 1
        if code == TYPE_STRING:
            # The hot path: a string key with a short plain key and value.
            pos += 1
            n = data[pos]
            if n < 64:
                key = data[pos + 1 : pos + 1 + n]
                pos += 1 + n
                n = data[pos]
                if n < 64:
                    end = pos + 1 + n
                    if end > size:
                        raise p.truncated("string")
                    value = data[pos + 1 : end]
                    p.pos = end
                else:
                    p.pos = pos
                    value = string()
            else:
                key = string()
                value = string()
            if expire != -1:
                if expired_before is not None and expire < expired_before:
                    info.expired_skipped += 1
                    expire = -1
                    continue
                db_expires[key] = expire
                expire = -1
            if key in db_data:
                raise RdbError(f"duplicated key {key!r} found in RDB file", pos)
            db_data[key] = value
            loaded += 1
            continue
        if code == OP_EXPIRETIME_MS:
            raw = p.take(8)
            expire = int.from_bytes(raw, "little", signed=True)  # native order before v9: x86
        elif code == OP_EXPIRETIME:
            expire = p.int32() * 1000
        elif code == OP_SELECTDB:
            db_id = p.length()
            if db_id >= len(dbs):
                raise RdbError(
                    f"database {db_id} out of range: this server has {len(dbs)}", pos + 1
                )
            db = dbs[db_id]
            db_data = db.data
            db_expires = db.expires
        elif code == OP_RESIZEDB:
            p.length()
            p.length()
        elif code == OP_AUX:
            aux_key = string()
            aux_value = string()
            info.aux[aux_key] = aux_value
            if aux_key[:1] == b"%":
                log.info("RDB {key}: {value}", key=aux_key, value=aux_value)
        elif code == OP_IDLE:
            p.length()
        elif code == OP_FREQ:
            p.byte()
        elif code == OP_EOF:
            break
        elif code == OP_FUNCTION2:
            library = string()
            info.functions.append(library)  # the caller loads them into its server
        elif code == OP_FUNCTION:
            raise RdbError("pre-GA FUNCTION opcode (Redis 7.0 release candidates)", pos)
        elif code == OP_MODULE_AUX:
            module_id = p.length()
            raise RdbError(f"module AUX data for module id {module_id:#x}: no modules", pos)
        elif is_value_type(code):
            key = string()
            value = read_value(p, code, limits)
            if value is None:
                log.warn("rdbLoadObject skipping empty key: {key!r}", key=key)
                info.empty_skipped += 1
                expire = -1
                continue
            if expire != -1:
                if expired_before is not None and expire < expired_before:
                    info.expired_skipped += 1
                    expire = -1
                    continue
                db_expires[key] = expire
                expire = -1
            if key in db_data:
                raise RdbError(f"duplicated key {key!r} found in RDB file", pos)
            db_data[key] = value
            loaded += 1
        else:
            raise RdbError(f"unknown RDB opcode or type {code}", pos)
    info.keys_loaded = loaded
