"""Generic key commands (db.c): DEL EXISTS TYPE KEYS SCAN RENAME COPY MOVE …

SCAN and RANDOMKEY need positional access that Python dicts lack; see
`replkv.keyspace.walks` for the cursor and sampling schemes and their guarantees.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.glob import compile_glob
from replkv.integers import INT_MAX, INT_MIN, ULLONG_MAX
from replkv.keyspace.database import Database
from replkv.keyspace.values import duplicate, type_name
from replkv.keyspace.walks import RANDOM_TRIES, SAMPLE_MISSES
from replkv.notify import NOTIFY_GENERIC, notify

SAME_OBJECT = errors.err("source and destination objects are the same")
INVALID_CURSOR = errors.err("invalid cursor")
INT_RANGE = errors.err("value is out of range, value must between -2147483648 and 2147483647")


# COMMAND INFO tips shared by several commands (Redis 7.0 command JSON).
MULTI_SHARD_SUM = ("request_policy:multi_shard", "response_policy:agg_sum")
ALL_SHARDS_OK = ("request_policy:all_shards", "response_policy:all_succeeded")


def _parse_int32(arg: bytes, error: bytes | None = None) -> int:
    """object.c: getIntFromObjectOrReply(), with its optional custom message."""
    value = parse_int(arg, error or errors.NOT_INTEGER)
    if not INT_MIN <= value <= INT_MAX:
        raise CommandError(error or INT_RANGE)
    return value


def _other_db(client: Client, arg: bytes) -> Database:
    """The database a MOVE/COPY targets: DB index is out of range past the last one."""
    index = _parse_int32(arg)
    dbs = client.server.keyspace.dbs
    if not 0 <= index < len(dbs):
        raise CommandError(errors.DB_INDEX)
    return dbs[index]


def parse_cursor(arg: bytes) -> int:
    """db.c: parseScanCursorOrReply(): strtoul() rules, so "-1" and "+5" are accepted."""
    text = arg
    if text[:1] in (b"+", b"-"):
        text = text[1:]
    if arg[:1].isspace() or (text and not (text.isdigit() and text.isascii())):
        raise CommandError(INVALID_CURSOR)
    if not text:
        if arg:  # a lone sign: strtoul() parses nothing and stops at the sign
            raise CommandError(INVALID_CURSOR)
        return 0
    value = int(text)
    if value > ULLONG_MAX:
        raise CommandError(INVALID_CURSOR)
    return (-value) & ULLONG_MAX if arg[:1] == b"-" else value


# -- commands --------------------------------------------------------------------------


def _delete(client: Client, argv: list[bytes]) -> bytes:
    """db.c: delGenericCommand(): expire what is due, then delete; propagate as typed."""
    db = client.db
    expire_if_needed = db.expire_if_needed
    deleted = 0
    server = client.server
    for key in argv[1:]:
        expire_if_needed(key)  # a master deletes an expired key and emits its DEL
        if db.delete(key):
            notify(server, NOTIFY_GENERIC, b"del", key, db.id)
            deleted += 1
    if deleted:
        client.server.propagate(db, argv)
    return reply.integer(deleted)


@command("del", -2, "write", keys=(1, -1, 1), acl_categories=("keyspace",), tips=MULTI_SHARD_SUM)
def del_(client: Client, argv: list[bytes]) -> bytes:
    return _delete(client, argv)


@command("unlink", -2, "write fast", keys=(1, -1, 1), acl_categories=("keyspace",),
         tips=MULTI_SHARD_SUM)  # fmt: skip
def unlink(client: Client, argv: list[bytes]) -> bytes:
    return _delete(client, argv)


def _count_live(client: Client, argv: list[bytes]) -> bytes:
    """How many of the keys exist (a read lookup each, repeats counted)."""
    get = client.db.get
    return reply.integer(sum(1 for key in argv[1:] if get(key) is not None))


@command("exists", -2, "readonly fast", keys=(1, -1, 1), acl_categories=("keyspace",),
         tips=MULTI_SHARD_SUM)  # fmt: skip
def exists(client: Client, argv: list[bytes]) -> bytes:
    return _count_live(client, argv)


@command("touch", -2, "readonly fast", keys=(1, -1, 1), acl_categories=("keyspace",),
         tips=MULTI_SHARD_SUM)  # fmt: skip
def touch(client: Client, argv: list[bytes]) -> bytes:
    return _count_live(client, argv)


@command("type", 2, "readonly fast", keys=(1, 1, 1), acl_categories=("keyspace",))
def type_(client: Client, argv: list[bytes]) -> bytes:
    return reply.simple(type_name(client.db.get(argv[1])))


@command("dbsize", 1, "readonly fast", acl_categories=("keyspace",),
         tips=("request_policy:all_shards", "response_policy:agg_sum"))  # fmt: skip
def dbsize(client: Client, argv: list[bytes]) -> bytes:
    # Logically expired keys still count until deleted, as in Redis (dictSize).
    return reply.integer(len(client.db.data))


@command("keys", 2, "readonly", acl_categories=("keyspace", "dangerous"),
         tips=("request_policy:all_shards", "nondeterministic_output_order"))  # fmt: skip
def keys(client: Client, argv: list[bytes]) -> bytes:
    """db.c: keysCommand(): expired keys are hidden, not deleted (keyIsExpired)."""
    db = client.db
    pattern = argv[1]
    matches = None if pattern == b"*" else compile_glob(pattern)
    now = db.keyspace.now_ms()
    expires = db.expires
    found = []
    for key in db.data:
        if matches is not None and not matches(key):
            continue
        if expires and db.is_expired(key, now):
            continue
        found.append(key)
    return reply.bulk_array(found)


@command("scan", -2, "readonly", acl_categories=("keyspace",),
         tips=("nondeterministic_output", "request_policy:special"))  # fmt: skip
def scan(client: Client, argv: list[bytes]) -> bytes:
    """db.c: scanCommand() over the keyspace; cursors as KeyWalks describes."""
    cursor = parse_cursor(argv[1])
    count = 10
    matches = None
    wanted_type = None
    i = 2
    while i < len(argv):
        option = argv[i].lower()
        if i + 1 >= len(argv):
            return errors.SYNTAX
        if option == b"count":
            count = parse_int(argv[i + 1])
            if count < 1:
                return errors.SYNTAX
        elif option == b"match":
            pattern = argv[i + 1]
            matches = None if pattern == b"*" else compile_glob(pattern)
        elif option == b"type":
            wanted_type = argv[i + 1].lower()
        else:
            return errors.SYNTAX
        i += 2
    db = client.db
    next_cursor, candidates = db.keyspace.walks.batch(db, cursor, count)
    data = db.data
    found = []
    for key in candidates:
        if key not in data:
            continue  # deleted since the walk started
        if matches is not None and not matches(key):
            continue
        if wanted_type is not None:
            # The type lookup expires the key; a key it deleted then passes the expiry
            # check below, as in Redis (so TYPE none lists keys that just expired).
            if type_name(db.get(key)) != wanted_type:
                continue
            if key in data and db.get(key) is None:
                continue
        elif db.get(key) is None:
            continue
        found.append(key)
    return b"*2\r\n%b%b" % (reply.bulk(b"%d" % next_cursor), reply.bulk_array(found))


@command("randomkey", 1, "readonly", acl_categories=("keyspace",),
         tips=("request_policy:all_shards", "nondeterministic_output"))  # fmt: skip
def randomkey(client: Client, argv: list[bytes]) -> bytes:
    """db.c: dbRandomKey(): expired picks are expired (master) or skipped (replica)."""
    db = client.db
    keyspace = db.keyspace
    walks = keyspace.walks
    all_volatile = len(db.data) == len(db.expires)
    tries = RANDOM_TRIES
    misses = 0
    while db.data:
        key = walks.pick(db)
        if key is None or key not in db.data:
            misses += 1
            if misses >= SAMPLE_MISSES:
                walks.resample(db)
                misses = 0
            continue
        if key in db.expires:
            tries -= 1
            if all_volatile and not keyspace.is_master and tries <= 0:
                return reply.bulk(key)  # all may be logically expired on a replica
            if db.get(key) is None:
                continue
        return reply.bulk(key)
    return client.null


def _rename(client: Client, argv: list[bytes], nx: bool) -> bytes:
    """db.c: renameGenericCommand()."""
    db = client.db
    source, target = argv[1], argv[2]
    value = db.get_for_write(source)
    if value is None:
        return errors.NO_SUCH_KEY
    if source == target:
        return reply.ZERO if nx else reply.OK
    expire = db.ttl_ms(source)
    if db.get_for_write(target) is not None:
        if nx:
            return reply.ZERO
        db.delete(target)
    db.store(target, value)
    if expire is not None:
        db.set_expire(target, expire)
    db.delete(source)
    notify(client.server, NOTIFY_GENERIC, b"rename_from", source, db.id)
    notify(client.server, NOTIFY_GENERIC, b"rename_to", target, db.id)
    client.server.propagate(db, argv)
    return reply.ONE if nx else reply.OK


@command("rename", 3, "write", keys=(1, 2, 1), acl_categories=("keyspace",))
def rename(client: Client, argv: list[bytes]) -> bytes:
    return _rename(client, argv, nx=False)


@command("renamenx", 3, "write fast", keys=(1, 2, 1), acl_categories=("keyspace",))
def renamenx(client: Client, argv: list[bytes]) -> bytes:
    return _rename(client, argv, nx=True)


@command("move", 3, "write fast", keys=(1, 1, 1), acl_categories=("keyspace",))
def move(client: Client, argv: list[bytes]) -> bytes:
    """db.c: moveCommand()."""
    source = client.db
    target = _other_db(client, argv[2])
    if target is source:
        return SAME_OBJECT
    key = argv[1]
    value = source.get_for_write(key)
    if value is None:
        return reply.ZERO
    expire = source.ttl_ms(key)
    if target.get_for_write(key) is not None:
        return reply.ZERO
    target.store(key, value)
    if expire is not None:
        target.set_expire(key, expire)
    source.delete(key)
    notify(client.server, NOTIFY_GENERIC, b"move_from", key, source.id)
    notify(client.server, NOTIFY_GENERIC, b"move_to", key, target.id)
    client.server.propagate(source, argv)
    return reply.ONE


@command("copy", -3, "write denyoom", keys=(1, 2, 1), acl_categories=("keyspace",))
def copy(client: Client, argv: list[bytes]) -> bytes:
    """db.c: copyCommand()."""
    source = target = client.db
    replace = False
    i = 3
    while i < len(argv):
        option = argv[i].lower()
        if option == b"replace":
            replace = True
        elif option == b"db" and i + 1 < len(argv):
            target = _other_db(client, argv[i + 1])
            i += 1
        else:
            return errors.SYNTAX
        i += 1
    key, new_key = argv[1], argv[2]
    if source is target and key == new_key:
        return SAME_OBJECT
    value = source.get(key)
    if value is None:
        return reply.ZERO
    expire = source.ttl_ms(key)
    if target.get_for_write(new_key) is not None:
        if not replace:
            return reply.ZERO
        target.delete(new_key)
    target.store(new_key, duplicate(value))
    if expire is not None:
        target.set_expire(new_key, expire)
    notify(client.server, NOTIFY_GENERIC, b"copy_to", new_key, target.id)
    client.server.propagate(source, argv)
    return reply.ONE


def _flush_mode(argv: list[bytes]) -> None:
    """db.c: getFlushCommandFlags(): only SYNC or ASYNC may follow (both free at once here)."""
    if len(argv) > 2 or (len(argv) == 2 and argv[1].lower() not in (b"sync", b"async")):
        raise CommandError(errors.SYNTAX)


@command("flushdb", -1, "write", acl_categories=("keyspace", "dangerous"), tips=ALL_SHARDS_OK)
def flushdb(client: Client, argv: list[bytes]) -> bytes:
    _flush_mode(argv)
    client.db.flush()
    client.server.propagate(client.db, argv)  # forceCommandPropagation(): even when empty
    return reply.OK


@command("flushall", -1, "write", acl_categories=("keyspace", "dangerous"), tips=ALL_SHARDS_OK)
def flushall(client: Client, argv: list[bytes]) -> bytes:
    _flush_mode(argv)
    server = client.server
    for db in server.keyspace.dbs:
        db.flush()
    # flushAllDataAndResetRDB(): a running BGSAVE is moot; with save points, the empty
    # dataset is saved at once.
    server.snapshots.kill_child()
    if server.config.save:
        server.snapshots.save()
    server.propagate(client.db, argv)
    return reply.OK


@command("swapdb", 3, "write fast", acl_categories=("keyspace", "dangerous"))
def swapdb(client: Client, argv: list[bytes]) -> bytes:
    """db.c: swapdbCommand(); swapping a database with itself is a no-op, still propagated."""
    first = _parse_int32(argv[1], errors.err("invalid first DB index"))
    second = _parse_int32(argv[2], errors.err("invalid second DB index"))
    keyspace = client.server.keyspace
    count = len(keyspace.dbs)
    if not (0 <= first < count and 0 <= second < count):
        return errors.DB_INDEX
    if first != second:
        keyspace.swap(first, second)
    client.server.propagate(client.db, argv)
    return reply.OK
