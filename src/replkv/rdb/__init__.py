"""RDB version 10: snapshots of the whole keyspace and DUMP payloads of one value.

- `write_rdb(keyspace, out, aux)` writes a snapshot to a binary file object;
- `load_rdb(source, keyspace)` loads one into a (fresh) keyspace, returning `RdbInfo`;
- `dump_payload(value)` / `parse_payload(payload)` are DUMP's and RESTORE's codec;
- `Limits.from_config(config)` carries the encoding thresholds values are loaded by.

Errors are `RdbError` (with `.offset`); `PayloadVersionError` for a DUMP footer.
"""

from replkv.rdb.dump import PayloadVersionError, dump_payload, parse_payload, verify_payload
from replkv.rdb.format import RDB_VERSION, RdbError
from replkv.rdb.reader import RdbInfo, load_rdb, load_rdb_bytes
from replkv.rdb.values import DEFAULT_LIMITS, Limits, encode_value
from replkv.rdb.writer import write_rdb

__all__ = [
    "DEFAULT_LIMITS",
    "RDB_VERSION",
    "Limits",
    "PayloadVersionError",
    "RdbError",
    "RdbInfo",
    "dump_payload",
    "encode_value",
    "load_rdb",
    "load_rdb_bytes",
    "parse_payload",
    "verify_payload",
    "write_rdb",
]
