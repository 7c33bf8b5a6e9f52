"""DUMP and RESTORE (cluster.c: dumpCommand(), restoreCommand()).

The payload is the value in RDB form with the RDB version and a CRC64 (replkv.rdb.dump);
DUMP writes it byte for byte as redis-server does for a value in the same encoding,
RESTORE accepts what redis-server's DUMP produces for strings, lists, sets, hashes,
sorted sets and streams in any encoding (module values are "Bad data format").

RESTORE propagates as Redis does: with a relative TTL rewritten to an absolute one and
ABSTTL appended, and as `DEL key` when REPLACE met a TTL already in the past.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.notify import NOTIFY_GENERIC, notify
from replkv.rdb import Limits, PayloadVersionError, RdbError, dump_payload, parse_payload

BUSYKEY = b"-BUSYKEY Target key name already exists.\r\n"
BAD_PAYLOAD = errors.err("DUMP payload version or checksum are wrong")
BAD_FORMAT = errors.err("Bad data format")
INVALID_TTL = errors.err("Invalid TTL value, must be >= 0")
INVALID_IDLETIME = errors.err("Invalid IDLETIME value, must be >= 0")
INVALID_FREQ = errors.err("Invalid FREQ value, must be >= 0 and <= 255")


@command("dump", 2, "readonly", keys=(1, 1, 1), acl_categories=("keyspace",),
         tips=("nondeterministic_output",))  # fmt: skip
def dump(client: Client, argv: list[bytes]) -> bytes:
    value = client.db.get(argv[1])
    if value is None:
        return reply.null(client.resp)
    config = client.server.config
    payload = dump_payload(value, config.rdbcompression, True, Limits.from_config(config))
    return reply.bulk(payload)


def _restore_options(argv: list[bytes]) -> tuple[bool, bool]:
    """REPLACE and ABSTTL; IDLETIME and FREQ are checked (replkv keeps no LRU/LFU data)."""
    replace = absttl = False
    idle = freq = False
    i = 4
    while i < len(argv):
        option = argv[i].lower()
        more = len(argv) - i - 1
        if option == b"replace":
            replace = True
        elif option == b"absttl":
            absttl = True
        elif option == b"idletime" and more >= 1 and not freq:
            if parse_int(argv[i + 1]) < 0:
                raise CommandError(INVALID_IDLETIME)
            idle = True
            i += 1
        elif option == b"freq" and more >= 1 and not idle:
            if not 0 <= parse_int(argv[i + 1]) <= 255:
                raise CommandError(INVALID_FREQ)
            freq = True
            i += 1
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    return replace, absttl


@command("restore", -4, "write denyoom", keys=(1, 1, 1),
         acl_categories=("keyspace", "dangerous"))  # fmt: skip
def restore(client: Client, argv: list[bytes]) -> bytes:
    replace, absttl = _restore_options(argv)
    db = client.db
    key = argv[1]
    if not replace and db.get_for_write(key) is not None:
        return BUSYKEY
    ttl = parse_int(argv[2])
    if ttl < 0:
        return INVALID_TTL
    server = client.server
    config = server.config
    try:
        value = parse_payload(argv[3], Limits.from_config(config))
    except PayloadVersionError:
        return BAD_PAYLOAD
    except RdbError:
        return BAD_FORMAT
    deleted = db.delete(key) if replace else False  # dbDelete(): expired or not
    keyspace = db.keyspace
    if ttl and not absttl:
        ttl += keyspace.now_ms()
    if ttl and ttl <= keyspace.now_ms() and keyspace.is_master and not keyspace.obey_master:
        # checkAlreadyExpired(): the key is gone at once; only a replaced key is an event.
        if deleted:
            notify(server, NOTIFY_GENERIC, b"del", key, db.id)
            server.propagate(db, [b"DEL", key])
        return reply.OK
    db.store(key, value)
    if ttl:
        db.set_expire(key, ttl)
        if not absttl:
            argv = [argv[0], key, b"%d" % ttl, *argv[3:], b"ABSTTL"]
    notify(server, NOTIFY_GENERIC, b"restore", key, db.id)
    server.propagate(db, argv)
    return reply.OK
