"""Generic key commands (db.c, object.c): DEL EXISTS TYPE KEYS SCAN RENAME COPY MOVE …

SCAN and RANDOMKEY need positional access that Python dicts lack; see `KeyWalks`
for the cursor and sampling schemes and the guarantees they give.
"""

from __future__ import annotations

import random
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int, try_int
from replkv.commands.table import command, container, subcommand
from replkv.errors import CommandError
from replkv.glob import compile_glob
from replkv.keyspace.database import Database
from replkv.keyspace.keyspace import Keyspace

SAME_OBJECT = errors.err("source and destination objects are the same")
INVALID_CURSOR = errors.err("invalid cursor")
INT_RANGE = errors.err("value is out of range, value must between -2147483648 and 2147483647")
NO_LFU = errors.err(
    "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust."
)
LFU_NO_IDLETIME = errors.err(
    "An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust."
)
OBJECT_HELP = [
    b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"ENCODING <key>",
    b"    Return the kind of internal representation used in order to store the value",
    b"    associated with a <key>.",
    b"FREQ <key>",
    b"    Return the access frequency index of the <key>. The returned integer is",
    b"    proportional to the logarithm of the recent access frequency of the key.",
    b"IDLETIME <key>",
    b"    Return the idle time of the <key>, that is the approximated number of",
    b"    seconds elapsed since the last access to the key.",
    b"REFCOUNT <key>",
    b"    Return the number of references of the value associated with the specified",
    b"    <key>.",
    b"HELP",
    b"    Prints this help.",
]

ULONG_MAX = 2**64 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
SHARED_INTEGERS = 10000  # OBJ_SHARED_INTEGERS
SHARED_REFCOUNT = 2147483647  # OBJ_SHARED_REFCOUNT
EMBSTR_LIMIT = 44  # OBJ_ENCODING_EMBSTR_SIZE_LIMIT
LFU_INIT_VAL = 5
# Policies under which Redis neither shares integers nor tracks LRU idle time.
LRU_POLICIES = frozenset(["volatile-lru", "allkeys-lru"])
LFU_POLICIES = frozenset(["volatile-lfu", "allkeys-lfu"])

# COMMAND INFO tips shared by several commands (Redis 7.0 command JSON).
MULTI_SHARD_SUM = ("request_policy:multi_shard", "response_policy:agg_sum")
ALL_SHARDS_OK = ("request_policy:all_shards", "response_policy:all_succeeded")

# -- value types -----------------------------------------------------------------------

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
    if len(value) <= 20 and try_int(value) is not None:
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


# -- SCAN cursors and RANDOMKEY sampling -----------------------------------------------

MAX_WALKS = 64  # SCAN iterations held at once, per keyspace
POSITION_BITS = 32
POSITION_MASK = (1 << POSITION_BITS) - 1
# RANDOMKEY re-samples the key list after len/SAMPLE_REUSE picks, or once the database
# grew by more than len/SAMPLE_REUSE keys: O(SAMPLE_REUSE) copying per call, amortized.
SAMPLE_REUSE = 16
SAMPLE_MISSES = 4  # picks of deleted keys in one call before re-sampling at once
RANDOM_TRIES = 100  # dbRandomKey(): maxtries on a replica whose keys are all volatile


class _Walk:
    """One SCAN iteration: the database's keys as they were when it started."""

    __slots__ = ("db_id", "keys")

    def __init__(self, db_id: int, keys: list[bytes]) -> None:
        self.db_id = db_id
        self.keys = keys


class _Sample:
    """The key list RANDOMKEY picks from, and how much it has been used."""

    __slots__ = ("source", "keys", "picks")

    def __init__(self, source: dict[bytes, Any]) -> None:
        self.source = source
        self.keys = list(source)
        self.picks = 0

    def stale(self, data: dict[bytes, Any]) -> bool:
        size = len(self.keys)
        return (
            data is not self.source
            or self.picks > size // SAMPLE_REUSE
            or len(data) > size + size // SAMPLE_REUSE
        )


class KeyWalks:
    """Per-keyspace state of SCAN iterations and RANDOMKEY samples.

    SCAN: Python dicts cannot resume an iteration after they change, nor seek to a
    position, so an iteration over a database larger than COUNT starts with one
    C-level copy of its key list (O(n), about 5 ms per million keys); every later
    call reads the next COUNT entries of that copy (O(COUNT)) and returns those still
    present. The cursor is `walk id << 32 | position`. Guarantee: every key present
    from the start of an iteration to its end is returned; keys added meanwhile may
    not be; a key is returned at most once per iteration. At most MAX_WALKS
    iterations are held (least recently used dropped); a cursor whose walk is gone
    (or any unknown cursor) starts a new walk from the beginning, which may return
    keys again but never misses one.

    RANDOMKEY: picks uniformly from a copy of the key list, refreshed as SAMPLE_REUSE
    describes, and at once when picks keep landing on deleted keys. Keys added since
    the copy are not candidates until it is refreshed.
    """

    def __init__(self) -> None:
        self.walks: OrderedDict[int, _Walk] = OrderedDict()
        self.next_id = 1
        self.samples: dict[int, _Sample] = {}
        self.random = random.Random()

    def start(self, db: Database) -> tuple[int, _Walk]:
        """A new iteration over db's current keys."""
        walk_id = self.next_id
        self.next_id = walk_id + 1 if walk_id < ULONG_MAX >> POSITION_BITS else 1
        walk = _Walk(db.id, list(db.data))
        self.walks[walk_id] = walk
        if len(self.walks) > MAX_WALKS:
            self.walks.popitem(last=False)
        return walk_id, walk

    def resume(self, db: Database, cursor: int) -> tuple[int, _Walk, int] | None:
        """The walk and position a cursor names, or None if it names none."""
        walk_id = cursor >> POSITION_BITS
        walk = self.walks.get(walk_id)
        if walk is None or walk.db_id != db.id:
            return None
        position = cursor & POSITION_MASK
        if position >= len(walk.keys):
            return None
        self.walks.move_to_end(walk_id)
        return walk_id, walk, position

    def batch(self, db: Database, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """The next cursor and up to `count` candidate keys (maybe deleted since)."""
        data = db.data
        found = self.resume(db, cursor) if cursor else None
        if found is None:
            if len(data) <= count:  # all of it in one reply, as Redis does for small dicts
                return 0, list(data)
            walk_id, walk = self.start(db)
            position = 0
        else:
            walk_id, walk, position = found
        end = position + count
        keys = walk.keys[position:end]
        if end >= len(walk.keys):
            del self.walks[walk_id]
            return 0, keys
        return walk_id << POSITION_BITS | end, keys

    def pick(self, db: Database) -> bytes | None:
        """A uniformly chosen key of db's sample (maybe deleted or expired since)."""
        data = db.data
        sample = self.samples.get(db.id)
        if sample is None or sample.stale(data):
            sample = self.samples[db.id] = _Sample(data)
        if not sample.keys:
            return None
        sample.picks += 1
        return sample.keys[self.random.randrange(len(sample.keys))]

    def resample(self, db: Database) -> None:
        """Drop db's sample: too many of its keys are gone."""
        self.samples.pop(db.id, None)


_WALKS: weakref.WeakKeyDictionary[Keyspace, KeyWalks] = weakref.WeakKeyDictionary()


def key_walks(keyspace: Keyspace) -> KeyWalks:
    """The SCAN/RANDOMKEY state of a keyspace."""
    walks = _WALKS.get(keyspace)
    if walks is None:
        walks = _WALKS[keyspace] = KeyWalks()
    return walks


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
    if value > ULONG_MAX:
        raise CommandError(INVALID_CURSOR)
    return (-value) & ULONG_MAX if arg[:1] == b"-" else value


# -- commands --------------------------------------------------------------------------


def _delete(client: Client, argv: list[bytes]) -> bytes:
    """db.c: delGenericCommand(): expire what is due, then delete; propagate as typed."""
    db = client.db
    get = db.get
    deleted = 0
    for key in argv[1:]:
        get(key)  # expireIfNeeded(): a master deletes an expired key and emits its DEL
        if db.delete(key):
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
    next_cursor, candidates = key_walks(db.keyspace).batch(db, cursor, count)
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
    walks = key_walks(keyspace)
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
    for db in client.server.keyspace.dbs:
        db.flush()
    client.server.propagate(client.db, argv)
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


# -- OBJECT ----------------------------------------------------------------------------

container("object", acl_categories=())


def _object_value(client: Client, key: bytes) -> Any:
    """objectCommandLookup(): a read lookup that does not count as an access."""
    return client.db.get(key)


@subcommand("object", "encoding", 3, "readonly", keys=(2, 2, 1), acl_categories=("keyspace",),
            tips=("nondeterministic_output",))  # fmt: skip
def object_encoding(client: Client, argv: list[bytes]) -> bytes:
    value = _object_value(client, argv[2])
    if value is None:
        return client.null
    if type(value) is bytes or type(value) is bytearray:
        return reply.bulk(string_encoding(value))
    encoder = ENCODINGS.get(type(value))
    return reply.bulk(encoder(value) if encoder is not None else b"unknown")


def _shares_integers(client: Client) -> bool:
    """Whether Redis would use its shared 0..9999 integer objects (tryObjectEncoding)."""
    config = client.server.config
    policy = config.maxmemory_policy
    return not config.maxmemory or (policy not in LRU_POLICIES and policy not in LFU_POLICIES)


def refcount(client: Client, value: Any) -> int:
    """A value's reference count: the shared integers' fixed count, else 1 or 2.

    Redis stores a SET's (MSET's, APPEND's, …) argument object itself, and EXEC frees
    the queued arguments only at its end: inside EXEC a value stored by this
    transaction is referenced twice. (Our values are those same argument objects;
    CPython's cached one-byte and empty bytes may look shared where Redis's are not.)
    """
    if type(value) is bytes and string_encoding(value) == b"int":
        if 0 <= int(value) < SHARED_INTEGERS and _shares_integers(client):
            return SHARED_REFCOUNT
    if client.multi and any(value is arg for _, queued in client.multi for arg in queued[2:]):
        return 2
    return 1


@subcommand("object", "refcount", 3, "readonly", keys=(2, 2, 1), acl_categories=("keyspace",),
            tips=("nondeterministic_output",))  # fmt: skip
def object_refcount(client: Client, argv: list[bytes]) -> bytes:
    value = _object_value(client, argv[2])
    if value is None:
        return client.null
    return reply.integer(refcount(client, value))


@subcommand("object", "idletime", 3, "readonly", keys=(2, 2, 1), acl_categories=("keyspace",),
            tips=("nondeterministic_output",))  # fmt: skip
def object_idletime(client: Client, argv: list[bytes]) -> bytes:
    """Always 0: per-key access times are not kept, so GET/SET stay lean."""
    if _object_value(client, argv[2]) is None:
        return client.null
    if client.server.config.maxmemory_policy in LFU_POLICIES:
        return LFU_NO_IDLETIME
    return reply.ZERO


@subcommand("object", "freq", 3, "readonly", keys=(2, 2, 1), acl_categories=("keyspace",),
            tips=("nondeterministic_output",))  # fmt: skip
def object_freq(client: Client, argv: list[bytes]) -> bytes:
    """LFU_INIT_VAL, the counter of a key never read: access counts are not kept."""
    if _object_value(client, argv[2]) is None:
        return client.null
    if client.server.config.maxmemory_policy not in LFU_POLICIES:
        return NO_LFU
    return reply.integer(LFU_INIT_VAL)


@subcommand("object", "help", 2, "loading stale", acl_categories=("keyspace",))
def object_help(client: Client, argv: list[bytes]) -> bytes:
    return reply.array([reply.simple(line) for line in OBJECT_HELP])

