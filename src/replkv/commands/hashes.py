"""Hash commands (t_hash.c): HSET HGET HDEL HINCRBY HRANDFIELD HSCAN …

Values are `replkv.keyspace.hashes.Hash` dicts; each write keeps their listpack /
hashtable encoding as Redis would (one-way conversions, by the hash-max-listpack-*
directives). HINCRBYFLOAT propagates as `HSET key field result`, as Redis 7.0 does;
every other write propagates as sent.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from itertools import islice

from replkv import errors, longdouble, reply
from replkv.client import Client
from replkv.commands.args import LLONG_MAX, LLONG_MIN, parse_int
from replkv.commands.keys import parse_cursor
from replkv.commands.table import command
from replkv.config import Config
from replkv.errors import CommandError
from replkv.glob import compile_glob
from replkv.keyspace.hashes import Hash, scan_batch
from replkv.notify import NOTIFY_GENERIC, NOTIFY_HASH, notify

HASH_NOT_INTEGER = errors.err("hash value is not an integer")
HASH_NOT_FLOAT = errors.err("hash value is not a float")
NAN_OR_INFINITY = errors.err("value is NaN or Infinity")
SUM_NAN_OR_INFINITY = errors.err("increment would produce NaN or Infinity")
OUT_OF_RANGE = errors.err("value is out of range")
COUNT_RANGE = errors.err(
    "value is out of range, value must between -9223372036854775807 and 9223372036854775807"
)
EMPTY_SCAN = b"*2\r\n$1\r\n0\r\n*0\r\n"
HSET_ARITY = errors.wrong_arity("hset")
HMSET_ARITY = errors.wrong_arity("hmset")
HALF_LONG_MAX = LLONG_MAX // 2

# HRANDFIELD picks; random output is not part of the deterministic state.
_random = random.Random()


def get_hash(client: Client, key: bytes) -> Hash | None:
    """The hash at key, None if missing; WRONGTYPE if it holds another type."""
    value = client.db.get(key)
    if value is None or type(value) is Hash:
        return value
    raise CommandError(errors.WRONGTYPE)


def get_hash_for_write(client: Client, key: bytes) -> Hash | None:
    """Like get_hash(), with a write lookup."""
    value = client.db.get_for_write(key)
    if value is None or type(value) is Hash:
        return value
    raise CommandError(errors.WRONGTYPE)


def _check_lengths(value: Hash, args: list[bytes], config: Config) -> None:
    """hashTypeTryConversion(): a field or value too long for a listpack converts it."""
    if not value.hashtable and max(map(len, args)) > config.hash_max_listpack_value:
        value.hashtable = True


def _check_size(value: Hash, config: Config) -> None:
    """hashTypeSet(): more fields than a listpack may hold converts it."""
    if not value.hashtable and len(value) > config.hash_max_listpack_entries:
        value.hashtable = True


def _store_or_touch(client: Client, key: bytes, value: Hash, created: bool) -> None:
    if created:
        client.db.store(key, value)
    else:
        client.db.modified(key)


def _set_fields(client: Client, argv: list[bytes]) -> int:
    """hsetCommand(): set every field/value pair; the number of new fields."""
    key = argv[1]
    value = get_hash_for_write(client, key)
    created = value is None
    if value is None:
        value = Hash()
    server = client.server
    config = server.config
    if len(argv) == 4:  # the common single pair, without slicing
        field = argv[2]
        if not value.hashtable and (
            len(field) > config.hash_max_listpack_value
            or len(argv[3]) > config.hash_max_listpack_value
        ):
            value.hashtable = True
        added = 0 if field in value else 1
        value[field] = argv[3]
    else:
        _check_lengths(value, argv[2:], config)
        before = len(value)
        value.update(zip(argv[2::2], argv[3::2], strict=True))
        added = len(value) - before
    _check_size(value, config)
    _store_or_touch(client, key, value, created)
    db = client.db
    notify(server, NOTIFY_HASH, b"hset", key, db.id)
    server.propagate(db, argv)
    return added


@command("hset", -4, "write denyoom fast", keys=(1, 1, 1), group="hash",
         summary="Set the string value of a hash field", since="2.0.0")  # fmt: skip
def hset(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) % 2:
        return HSET_ARITY
    return reply.integer(_set_fields(client, argv))


@command("hmset", -4, "write denyoom fast", keys=(1, 1, 1), group="hash",
         summary="Set multiple hash fields to multiple values", since="2.0.0")  # fmt: skip
def hmset(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) % 2:
        return HMSET_ARITY
    _set_fields(client, argv)
    return reply.OK


@command("hsetnx", 4, "write denyoom fast", keys=(1, 1, 1), group="hash",
         summary="Set the value of a hash field, only if the field does not exist",
         since="2.0.0")  # fmt: skip
def hsetnx(client: Client, argv: list[bytes]) -> bytes:
    key, field = argv[1], argv[2]
    value = get_hash_for_write(client, key)
    if value is not None and field in value:
        return reply.ZERO
    created = value is None
    if value is None:
        value = Hash()
    config = client.server.config
    _check_lengths(value, argv[2:], config)
    value[field] = argv[3]
    _check_size(value, config)
    _store_or_touch(client, key, value, created)
    server = client.server
    notify(server, NOTIFY_HASH, b"hset", key, client.db.id)
    server.propagate(client.db, argv)
    return reply.ONE


@command("hget", 3, "readonly fast", keys=(1, 1, 1), group="hash",
         summary="Get the value of a hash field", since="2.0.0")  # fmt: skip
def hget(client: Client, argv: list[bytes]) -> bytes:
    value = get_hash(client, argv[1])
    if value is None:
        return client.null
    found = value.get(argv[2])
    if found is None:
        return client.null
    return b"$%d\r\n%b\r\n" % (len(found), found)


@command("hmget", -3, "readonly fast", keys=(1, 1, 1), group="hash",
         summary="Get the values of all the given hash fields", since="2.0.0")  # fmt: skip
def hmget(client: Client, argv: list[bytes]) -> bytes:
    value = get_hash(client, argv[1])
    fields = argv[2:]
    if value is None:
        return reply.bulk_array([None] * len(fields), client.resp)
    get = value.get
    return reply.bulk_array([get(field) for field in fields], client.resp)


@command("hdel", -3, "write fast", keys=(1, 1, 1), group="hash",
         summary="Delete one or more hash fields", since="2.0.0")  # fmt: skip
def hdel(client: Client, argv: list[bytes]) -> bytes:
    key = argv[1]
    value = get_hash_for_write(client, key)
    if value is None:
        return reply.ZERO
    deleted = 0
    for field in argv[2:]:
        if value.pop(field, None) is not None:
            deleted += 1
            if not value:
                break  # hdelCommand(): the key goes with its last field
    if not deleted:
        return reply.ZERO
    db = client.db
    server = client.server
    notify(server, NOTIFY_HASH, b"hdel", key, db.id)
    if value:
        db.modified(key)
    else:
        db.delete(key)
        notify(server, NOTIFY_GENERIC, b"del", key, db.id)
    server.propagate(db, argv)
    return reply.integer(deleted)


@command("hlen", 2, "readonly fast", keys=(1, 1, 1), group="hash",
         summary="Get the number of fields in a hash", since="2.0.0")  # fmt: skip
def hlen(client: Client, argv: list[bytes]) -> bytes:
    value = get_hash(client, argv[1])
    return reply.integer(0 if value is None else len(value))


@command("hstrlen", 3, "readonly fast", keys=(1, 1, 1), group="hash",
         summary="Get the length of the value of a hash field", since="3.2.0")  # fmt: skip
def hstrlen(client: Client, argv: list[bytes]) -> bytes:
    value = get_hash(client, argv[1])
    found = None if value is None else value.get(argv[2])
    return reply.integer(0 if found is None else len(found))


@command("hexists", 3, "readonly fast", keys=(1, 1, 1), group="hash",
         summary="Determine if a hash field exists", since="2.0.0")  # fmt: skip
def hexists(client: Client, argv: list[bytes]) -> bytes:
    value = get_hash(client, argv[1])
    return reply.ONE if value is not None and argv[2] in value else reply.ZERO


_ORDER_TIPS = ("nondeterministic_output_order",)


@command("hkeys", 2, "readonly", keys=(1, 1, 1), group="hash", tips=_ORDER_TIPS,
         summary="Get all the fields in a hash", since="2.0.0")  # fmt: skip
def hkeys(client: Client, argv: list[bytes]) -> bytes:
    value = get_hash(client, argv[1])
    if value is None:
        return reply.EMPTY_ARRAY
    return reply.bulk_array(value)


@command("hvals", 2, "readonly", keys=(1, 1, 1), group="hash", tips=_ORDER_TIPS,
         summary="Get all the values in a hash", since="2.0.0")  # fmt: skip
def hvals(client: Client, argv: list[bytes]) -> bytes:
    value = get_hash(client, argv[1])
    if value is None:
        return reply.EMPTY_ARRAY
    return reply.bulk_array(value.values())


def _pairs(items: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Each field and its value as two bulk strings, one after the other."""
    return b"".join(
        [
            b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(field), field, len(data), data)
            for field, data in items
        ]
    )


@command("hgetall", 2, "readonly", keys=(1, 1, 1), group="hash", tips=_ORDER_TIPS,
         summary="Get all the fields and values in a hash", since="2.0.0")  # fmt: skip
def hgetall(client: Client, argv: list[bytes]) -> bytes:
    value = get_hash(client, argv[1])
    if value is None:
        return reply.map_header(0, client.resp)
    return reply.map_header(len(value), client.resp) + _pairs(value.items())


def _set_result(
    client: Client, key: bytes, value: Hash | None, field: bytes, result: bytes
) -> None:
    """hashTypeSet() for the increments: the field gets its new value, maybe converting."""
    created = value is None
    if value is None:
        value = Hash()
    config = client.server.config
    if not value.hashtable and (
        len(field) > config.hash_max_listpack_value or len(result) > config.hash_max_listpack_value
    ):
        value.hashtable = True
    value[field] = result
    _check_size(value, config)
    _store_or_touch(client, key, value, created)


@command("hincrby", 4, "write denyoom fast", keys=(1, 1, 1), group="hash",
         summary="Increment the integer value of a hash field by the given number",
         since="2.0.0")  # fmt: skip
def hincrby(client: Client, argv: list[bytes]) -> bytes:
    key, field = argv[1], argv[2]
    increment = parse_int(argv[3])
    value = get_hash_for_write(client, key)
    old = None if value is None else value.get(field)
    current = 0 if old is None else parse_int(old, HASH_NOT_INTEGER)
    total = current + increment
    if not LLONG_MIN <= total <= LLONG_MAX:
        return errors.OVERFLOW
    _set_result(client, key, value, field, b"%d" % total)
    notify(client.server, NOTIFY_HASH, b"hincrby", key, client.db.id)
    client.server.propagate(client.db, argv)
    return reply.integer(total)


@command("hincrbyfloat", 4, "write denyoom fast", keys=(1, 1, 1), group="hash",
         summary="Increment the float value of a hash field by the given amount",
         since="2.6.0")  # fmt: skip
def hincrbyfloat(client: Client, argv: list[bytes]) -> bytes:
    """Long double arithmetic as INCRBYFLOAT; propagated as HSET key field result."""
    key, field = argv[1], argv[2]
    increment = longdouble.parse(argv[3])
    if increment is None:
        return errors.NOT_FLOAT
    if isinstance(increment, float):
        return NAN_OR_INFINITY
    value = get_hash_for_write(client, key)
    old = None if value is None else value.get(field)
    current = longdouble.ZERO if old is None else longdouble.parse(old)
    if current is None:
        return HASH_NOT_FLOAT
    try:
        total = longdouble.add(current, increment)
    except longdouble.NotANumber:
        return SUM_NAN_OR_INFINITY
    result = longdouble.format_human(total)
    _set_result(client, key, value, field, result)
    notify(client.server, NOTIFY_HASH, b"hincrbyfloat", key, client.db.id)
    client.server.propagate(client.db, [b"HSET", key, field, result])
    return b"$%d\r\n%b\r\n" % (len(result), result)


# -- HRANDFIELD ------------------------------------------------------------------------


def _random_field(value: Hash) -> bytes:
    return next(islice(value, _random.randrange(len(value)), None))


def _random_reply(items: list[tuple[bytes, bytes]], with_values: bool, resp: int) -> bytes:
    """The picked fields (and values): flat in RESP2, [field, value] pairs in RESP3."""
    if not with_values:
        return reply.bulk_array([field for field, _ in items])
    if resp == 3:
        return b"*%d\r\n%b" % (
            len(items),
            b"".join([b"*2\r\n" + _pairs(((field, data),)) for field, data in items]),
        )
    return b"*%d\r\n%b" % (2 * len(items), _pairs(items))


@command("hrandfield", -2, "readonly", keys=(1, 1, 1), group="hash",
         tips=("nondeterministic_output",),
         summary="Get one or multiple random fields from a hash", since="6.2.0")  # fmt: skip
def hrandfield(client: Client, argv: list[bytes]) -> bytes:
    """t_hash.c: hrandfieldCommand(), hrandfieldWithCountCommand()."""
    if len(argv) == 2:
        value = get_hash(client, argv[1])
        if value is None:
            return client.null
        field = _random_field(value)
        return b"$%d\r\n%b\r\n" % (len(field), field)
    count = parse_int(argv[2])
    if count < -LLONG_MAX:
        return COUNT_RANGE
    with_values = len(argv) == 4
    if len(argv) > 4 or (with_values and argv[3].lower() != b"withvalues"):
        return errors.SYNTAX
    if with_values and not -HALF_LONG_MAX <= count <= HALF_LONG_MAX:
        return OUT_OF_RANGE
    value = get_hash(client, argv[1])
    if value is None or count == 0:
        return reply.EMPTY_ARRAY
    size = len(value)
    if count < 0:  # repeats allowed
        fields = list(value)
        picks = _random.choices(fields, k=-count)
        return _random_reply([(field, value[field]) for field in picks], with_values, client.resp)
    if count >= size:  # the whole hash, in its order
        return _random_reply(list(value.items()), with_values, client.resp)
    # Distinct fields, in the hash's order (as lpRandomPairsUnique() gives them).
    chosen = sorted(_random.sample(range(size), count))
    items = list(value.items())
    return _random_reply([items[i] for i in chosen], with_values, client.resp)


# -- HSCAN -----------------------------------------------------------------------------


@command("hscan", -3, "readonly", keys=(1, 1, 1), group="hash",
         tips=("nondeterministic_output",),
         summary="Incrementally iterate hash fields and associated values",
         since="2.8.0")  # fmt: skip
def hscan(client: Client, argv: list[bytes]) -> bytes:
    """db.c: scanGenericCommand() over one hash; cursors as keyspace.hashes describes."""
    cursor = parse_cursor(argv[2])
    value = get_hash(client, argv[1])
    if value is None:
        return EMPTY_SCAN
    count = 10
    matches = None
    i = 3
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
        else:
            return errors.SYNTAX
        i += 2
    next_cursor, candidates = scan_batch(value, cursor, count)
    found = []
    for field in candidates:
        data = value.get(field)
        if data is None or (matches is not None and not matches(field)):
            continue
        found.append((field, data))
    return b"*2\r\n%b*%d\r\n%b" % (
        reply.bulk(b"%d" % next_cursor),
        2 * len(found),
        _pairs(found),
    )
