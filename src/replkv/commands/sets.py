"""Set commands (t_set.c).

Events: SADD, SREM, SMOVE and the STORE commands propagate as sent (when they changed
something); SPOP propagates its effect, as Redis 7.0 does: `SREM key member` per
popped member, or `DEL key` when the count takes the whole set.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import LLONG_MAX, parse_int, try_int
from replkv.commands.keys import parse_cursor
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.glob import compile_glob
from replkv.keyspace import digest
from replkv.keyspace.sets import SetValue, built_set, set_encoding, would_be_intset
from replkv.keyspace.values import ENCODINGS, TYPE_NAMES
from replkv.notify import NOTIFY_GENERIC, NOTIFY_SET, notify

TYPE_NAMES[SetValue] = b"set"
ENCODINGS[SetValue] = set_encoding
digest.register_type(SetValue, digest.OBJ_SET, digest.set_digest)

MUST_BE_POSITIVE = errors.err("value is out of range, must be positive")
COUNT_RANGE = errors.err(
    "value is out of range, value must between -9223372036854775807 and 9223372036854775807"
)
NUMKEYS_POSITIVE = errors.err("numkeys should be greater than 0")
TOO_MANY_KEYS = errors.err("Number of keys can't be greater than number of args")
LIMIT_NEGATIVE = errors.err("LIMIT can't be negative")
EMPTY_SCAN = b"*2\r\n$1\r\n0\r\n*0\r\n"
# spopWithCountCommand(): when fewer than count/5 members stay, the kept ones are
# picked and form a new set (whose encoding is decided afresh).
SPOP_MOVE_STRATEGY_MUL = 5


def get_set(client: Client, key: bytes) -> SetValue | None:
    """The set at key (a read lookup), None if missing; WRONGTYPE for another type."""
    value = client.db.get(key)
    if value is None or type(value) is SetValue:
        return value
    raise CommandError(errors.WRONGTYPE)


def get_set_for_write(client: Client, key: bytes) -> SetValue | None:
    """Like get_set(), with a write lookup."""
    value = client.db.get_for_write(key)
    if value is None or type(value) is SetValue:
        return value
    raise CommandError(errors.WRONGTYPE)


def _max_entries(client: Client) -> int:
    return client.server.config.set_max_intset_entries


def _members_reply(members: list[bytes], resp: int) -> bytes:
    """A set reply: `~n` in RESP3, an array in RESP2."""
    header = b"~%d\r\n" % len(members) if resp == 3 else b"*%d\r\n" % len(members)
    return header + b"".join([b"$%d\r\n%b\r\n" % (len(m), m) for m in members])


def _positive_count(arg: bytes) -> int:
    """getPositiveLongFromObjectOrReply() with Redis's default message."""
    value = try_int(arg)
    if value is None or value < 0:
        raise CommandError(MUST_BE_POSITIVE)
    return value


# -- single-set commands --------------------------------------------------------------


@command("sadd", -3, "write denyoom fast", keys=(1, 1, 1), group="set",
         summary="Add one or more members to a set")  # fmt: skip
def sadd(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    key = argv[1]
    value = get_set_for_write(client, key)
    if value is None:
        value = SetValue()
        added = value.add_members(argv[2:], _max_entries(client))
        db.store(key, value)
    else:
        added = value.add_members(argv[2:], _max_entries(client))
        if added:
            db.modified(key)
    if added:
        notify(client.server, NOTIFY_SET, b"sadd", key, db.id)
        client.server.propagate(db, argv)
    return reply.integer(added)


@command("srem", -3, "write fast", keys=(1, 1, 1), group="set",
         summary="Remove one or more members from a set")  # fmt: skip
def srem(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    key = argv[1]
    value = get_set_for_write(client, key)
    if value is None:
        return reply.ZERO
    deleted = 0
    for member in argv[2:]:
        if member in value:
            value.discard(member)
            deleted += 1
            if not value:
                break
    if deleted:
        server = client.server
        notify(server, NOTIFY_SET, b"srem", key, db.id)
        if value:
            db.modified(key)
        else:
            db.delete(key)
            notify(server, NOTIFY_GENERIC, b"del", key, db.id)
        server.propagate(db, argv)
    return reply.integer(deleted)


@command("scard", 2, "readonly fast", keys=(1, 1, 1), group="set",
         summary="Get the number of members in a set")  # fmt: skip
def scard(client: Client, argv: list[bytes]) -> bytes:
    value = get_set(client, argv[1])
    return reply.integer(len(value)) if value is not None else reply.ZERO


@command("sismember", 3, "readonly fast", keys=(1, 1, 1), group="set",
         summary="Determine if a given value is a member of a set")  # fmt: skip
def sismember(client: Client, argv: list[bytes]) -> bytes:
    value = get_set(client, argv[1])
    return reply.ONE if value is not None and argv[2] in value else reply.ZERO


@command("smismember", -3, "readonly fast", keys=(1, 1, 1), group="set",
         summary="Returns the membership associated with the given elements for a set",
         since="6.2.0")  # fmt: skip
def smismember(client: Client, argv: list[bytes]) -> bytes:
    value = get_set(client, argv[1])
    members = argv[2:]
    if value is None:
        return b"*%d\r\n%b" % (len(members), reply.ZERO * len(members))
    return b"*%d\r\n%b" % (
        len(members),
        b"".join([reply.ONE if m in value else reply.ZERO for m in members]),
    )


@command("smembers", 2, "readonly", keys=(1, 1, 1), group="set",
         summary="Get all the members in a set",
         tips=("nondeterministic_output_order",))  # fmt: skip
def smembers(client: Client, argv: list[bytes]) -> bytes:
    value = get_set(client, argv[1])
    if value is None:
        return _members_reply([], client.resp)
    return _members_reply(value.ordered(), client.resp)


@command("srandmember", -2, "readonly", keys=(1, 1, 1), group="set",
         summary="Get one or multiple random members from a set",
         tips=("nondeterministic_output",))  # fmt: skip
def srandmember(client: Client, argv: list[bytes]) -> bytes:
    """t_set.c: srandmemberCommand(): replies are arrays (not sets) with a count."""
    if len(argv) > 3:
        return errors.SYNTAX
    if len(argv) == 2:
        value = get_set(client, argv[1])
        if value is None:
            return client.null
        return reply.bulk(value.random_member())
    count = parse_int(argv[2])
    if count < -LLONG_MAX:
        return COUNT_RANGE
    value = get_set(client, argv[1])
    if value is None or count == 0:
        return reply.EMPTY_ARRAY
    if count < 0 or count == 1:
        # Each pick on its own: members may repeat (count 1 is served the same way).
        return reply.bulk_array([value.random_member() for _ in range(abs(count))])
    if count >= len(value):
        return reply.bulk_array(value.ordered())
    return reply.bulk_array(value.random_distinct(count))


@command("spop", -2, "write fast", keys=(1, 1, 1), group="set",
         summary="Remove and return one or multiple random members from a set",
         tips=("nondeterministic_output",))  # fmt: skip
def spop(client: Client, argv: list[bytes]) -> bytes:
    """t_set.c: spopCommand(): propagated as SREM of each popped member, or DEL."""
    if len(argv) == 3:
        return _spop_count(client, argv)
    if len(argv) > 3:
        return errors.SYNTAX
    db = client.db
    key = argv[1]
    value = get_set_for_write(client, key)
    if value is None:
        return client.null
    member = value.random_member()
    value.discard(member)
    server = client.server
    notify(server, NOTIFY_SET, b"spop", key, db.id)
    server.propagate(db, [b"SREM", key, member])
    if value:
        db.modified(key)
    else:
        db.delete(key)
        notify(server, NOTIFY_GENERIC, b"del", key, db.id)
    return reply.bulk(member)


def _spop_count(client: Client, argv: list[bytes]) -> bytes:
    """t_set.c: spopWithCountCommand()."""
    count = _positive_count(argv[2])
    db = client.db
    key = argv[1]
    value = get_set_for_write(client, key)
    if value is None or count == 0:
        return _members_reply([], client.resp)
    size = len(value)
    notify(client.server, NOTIFY_SET, b"spop", key, db.id)
    if count >= size:
        # Served as SUNION of the one key: a new set's order (numeric when an intset).
        members = _ordered_result(client, value, None)
        db.delete(key)
        notify(client.server, NOTIFY_GENERIC, b"del", key, db.id)
        client.server.propagate(db, [b"DEL", key])
        return _members_reply(members, client.resp)
    remaining = size - count
    propagate = client.server.propagate
    if remaining * SPOP_MOVE_STRATEGY_MUL > count:
        popped = value.random_distinct(count)
        value.difference_update(popped)
        db.modified(key)
    else:
        # The set left behind is a new one, encoded afresh (dbOverwrite()).
        kept = value.random_distinct(remaining)
        value.difference_update(kept)
        popped = value.ordered()
        db.replace(key, built_set(kept, _max_entries(client)))
    for member in popped:
        propagate(db, [b"SREM", key, member])
    return _members_reply(popped, client.resp)


@command("smove", 4, "write fast", keys=(1, 2, 1), group="set",
         summary="Move a member from one set to another")  # fmt: skip
def smove(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    source_key, target_key, member = argv[1], argv[2], argv[3]
    source = db.get_for_write(source_key)
    target = db.get_for_write(target_key)
    if source is None:
        return reply.ZERO
    if type(source) is not SetValue or (target is not None and type(target) is not SetValue):
        return errors.WRONGTYPE
    if source is target:
        return reply.ONE if member in source else reply.ZERO
    if member not in source:
        return reply.ZERO
    source.discard(member)
    server = client.server
    notify(server, NOTIFY_SET, b"srem", source_key, db.id)
    if source:
        db.modified(source_key)
    else:
        db.delete(source_key)
        notify(server, NOTIFY_GENERIC, b"del", source_key, db.id)
    if target is None:
        target = SetValue()
        target.add_members((member,), _max_entries(client))
        db.store(target_key, target)
        notify(server, NOTIFY_SET, b"sadd", target_key, db.id)
    elif target.add_members((member,), _max_entries(client)):
        db.modified(target_key)
        notify(server, NOTIFY_SET, b"sadd", target_key, db.id)
    server.propagate(db, argv)
    return reply.ONE


# -- multi-set commands ---------------------------------------------------------------


def _lookup_sets(client: Client, keys: list[bytes]) -> list[SetValue | None]:
    """Each key's set (read lookups, in order); WRONGTYPE at the first other type."""
    get = client.db.get
    found: list[SetValue | None] = []
    for key in keys:
        value = get(key)
        if value is not None and type(value) is not SetValue:
            raise CommandError(errors.WRONGTYPE)
        found.append(value)
    return found


def _intersection(sets: list[SetValue]) -> list[bytes]:
    """sinterGenericCommand(): the members of the smallest set found in all the others,
    in the smallest set's order."""
    ordered = sorted(sets, key=len)
    smallest = ordered[0]
    others = [s for s in ordered[1:] if s is not smallest]
    if not smallest.hashtable:
        return [m for m in smallest.ordered() if all(m in s for s in others)]
    if not others:
        return list(smallest)
    return list(set.intersection(smallest, *others))


_STORE_EVENTS = {
    b"sinterstore": b"sinterstore",
    b"sunionstore": b"sunionstore",
    b"sdiffstore": b"sdiffstore",
}


def _store(client: Client, argv: list[bytes], members: set[bytes] | list[bytes],
           hashtable: bool | None = None) -> bytes:  # fmt: skip
    """Replace the destination argv[1] by the result; an empty result deletes it."""
    db = client.db
    server = client.server
    target = argv[1]
    if not members:
        if db.delete(target):
            notify(server, NOTIFY_GENERIC, b"del", target, db.id)
            server.propagate(db, argv)
        return reply.ZERO
    if hashtable is None:
        result = built_set(members, _max_entries(client))
    else:
        result = SetValue(members, hashtable)
    db.get_for_write(target)
    db.store(target, result)
    notify(server, NOTIFY_SET, _STORE_EVENTS[argv[0].lower()], target, db.id)
    server.propagate(db, argv)
    return reply.integer(len(result))


def _sinter(client: Client, argv: list[bytes], keys: list[bytes], store: bool) -> bytes:
    sets = _lookup_sets(client, keys)
    present = [s for s in sets if s is not None]
    if len(present) < len(sets):
        if store:
            return _store(client, argv, [])
        return _members_reply([], client.resp)
    members = _intersection(present)
    if store:
        return _store(client, argv, members)
    return _members_reply(members, client.resp)


@command("sinter", -2, "readonly", keys=(1, -1, 1), group="set",
         summary="Intersect multiple sets",
         tips=("nondeterministic_output_order",))  # fmt: skip
def sinter(client: Client, argv: list[bytes]) -> bytes:
    return _sinter(client, argv, argv[1:], store=False)


@command("sinterstore", -3, "write denyoom", keys=(1, -1, 1), group="set",
         summary="Intersect multiple sets and store the resulting set in a key")  # fmt: skip
def sinterstore(client: Client, argv: list[bytes]) -> bytes:
    return _sinter(client, argv, argv[2:], store=True)


@command("sintercard", -3, "readonly movablekeys", group="set",
         summary="Intersect multiple sets and return the cardinality of the result",
         since="7.0.0")  # fmt: skip
def sintercard(client: Client, argv: list[bytes]) -> bytes:
    numkeys = try_int(argv[1])
    if numkeys is None or numkeys < 1:
        return NUMKEYS_POSITIVE
    if numkeys > len(argv) - 2:
        return TOO_MANY_KEYS
    limit = 0
    i = 2 + numkeys
    while i < len(argv):
        if argv[i].lower() == b"limit" and i + 1 < len(argv):
            parsed = try_int(argv[i + 1])
            if parsed is None or parsed < 0:
                return LIMIT_NEGATIVE
            limit = parsed
            i += 2
        else:
            return errors.SYNTAX
    sets = _lookup_sets(client, argv[2 : 2 + numkeys])
    if any(s is None for s in sets):
        return reply.ZERO
    present = [s for s in sets if s is not None]
    smallest = min(present, key=len)
    others = [s for s in present if s is not smallest]
    count = 0
    for member in smallest:
        if all(member in s for s in others):
            count += 1
            if count == limit:
                break
    return reply.integer(count)


def _union(sets: list[SetValue | None]) -> set[bytes]:
    result: set[bytes] = set()
    for value in sets:
        if value is not None:
            result.update(value)
    return result


def _difference(client: Client, sets: list[SetValue | None]) -> tuple[set[bytes], bool | None]:
    """sunionDiffGenericCommand()'s SDIFF: the result, and its encoding when the
    algorithm Redis picks leaves it other than the result's content says.

    Algorithm 2 adds the whole first set before removing the others' members, so the
    result is a hashtable whenever the first set would have been one.
    """
    first = sets[0]
    if first is None:
        return set(), None
    rest = [s for s in sets[1:] if s is not None]
    if any(s is first for s in rest):
        return set(), None
    algo_one = len(first) * (1 + len(rest)) // 2
    algo_two = len(first) + sum(len(s) for s in rest)
    result = set.difference(first, *rest)
    if algo_one <= algo_two:
        return result, None
    if not would_be_intset(first, len(first), _max_entries(client)):
        return result, True
    return result, None


def _ordered_result(client: Client, members: set[bytes], hashtable: bool | None) -> list[bytes]:
    """A computed set in the order Redis replies with it: numeric when an intset."""
    if hashtable is None:
        hashtable = not would_be_intset(members, len(members), _max_entries(client))
    return list(members) if hashtable else sorted(members, key=int)


@command("sunion", -2, "readonly", keys=(1, -1, 1), group="set",
         summary="Add multiple sets", tips=("nondeterministic_output_order",))  # fmt: skip
def sunion(client: Client, argv: list[bytes]) -> bytes:
    members = _union(_lookup_sets(client, argv[1:]))
    return _members_reply(_ordered_result(client, members, None), client.resp)


@command("sunionstore", -3, "write denyoom", keys=(1, -1, 1), group="set",
         summary="Add multiple sets and store the resulting set in a key")  # fmt: skip
def sunionstore(client: Client, argv: list[bytes]) -> bytes:
    return _store(client, argv, _union(_lookup_sets(client, argv[2:])))


@command("sdiff", -2, "readonly", keys=(1, -1, 1), group="set",
         summary="Subtract multiple sets", tips=("nondeterministic_output_order",))  # fmt: skip
def sdiff(client: Client, argv: list[bytes]) -> bytes:
    members, hashtable = _difference(client, _lookup_sets(client, argv[1:]))
    return _members_reply(_ordered_result(client, members, hashtable), client.resp)


@command("sdiffstore", -3, "write denyoom", keys=(1, -1, 1), group="set",
         summary="Subtract multiple sets and store the resulting set in a key")  # fmt: skip
def sdiffstore(client: Client, argv: list[bytes]) -> bytes:
    members, hashtable = _difference(client, _lookup_sets(client, argv[2:]))
    return _store(client, argv, members, hashtable)


@command("sscan", -3, "readonly", keys=(1, 1, 1), group="set",
         summary="Incrementally iterate Set elements", since="2.8.0",
         tips=("nondeterministic_output",))  # fmt: skip
def sscan(client: Client, argv: list[bytes]) -> bytes:
    """t_set.c: sscanCommand(): an intset comes whole, with cursor 0, as in Redis."""
    cursor = parse_cursor(argv[2])
    value = get_set(client, argv[1])
    if value is None:
        return EMPTY_SCAN
    count = 10
    matches = None
    i = 3
    while i < len(argv):
        option = argv[i].lower()
        if option == b"count" and i + 1 < len(argv):
            count = parse_int(argv[i + 1])
            if count < 1:
                return errors.SYNTAX
        elif option == b"match" and i + 1 < len(argv):
            pattern = argv[i + 1]
            matches = None if pattern == b"*" else compile_glob(pattern)
        else:
            return errors.SYNTAX
        i += 2
    if value.hashtable:
        next_cursor, candidates = value.scan_batch(cursor, count)
        found = [m for m in candidates if m in value]
    else:
        next_cursor, found = 0, value.ordered()
    if matches is not None:
        found = [m for m in found if matches(m)]
    return b"*2\r\n%b%b" % (reply.bulk(b"%d" % next_cursor), reply.bulk_array(found))
