"""List commands (t_list.c), the blocking ones included.

A list is a `collections.deque` of bytes: O(1) at both ends. Redis 7.0 keeps every
list as a quicklist, whatever its size, so OBJECT ENCODING always says so. An empty
list is never kept: the command that empties it deletes the key.

Events are Redis 7.0's: a pop with a count, LMOVE and RPOPLPUSH propagate as sent;
LMPOP and BLMPOP as `LPOP|RPOP key n` (n: what was popped); BLPOP / BRPOP as
`LPOP|RPOP key`; BLMOVE as LMOVE, BRPOPLPUSH as RPOPLPUSH. A blocked client served
later propagates the same forms (LMOVE with lower-case `left` / `right`), each as its
own unit after the write that made its key ready.

Notifications are t_list.c's: `lpush`/`rpush` (the X forms too), `lpop`/`rpop` once
per call whatever the count, `linsert`, `lset`, `lrem`, `ltrim` (even when nothing
was trimmed), and `del` after the pop when a list is emptied; LMOVE and its kin raise
the push on the destination before the pop on the source. A served blocked client
raises its own when served, after the writer's.
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import Any

from replkv import errors, reply
from replkv.blocking import parse_timeout
from replkv.client import Client
from replkv.commands.args import LLONG_MAX, LLONG_MIN, parse_int
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.keyspace.database import Database
from replkv.keyspace.values import ENCODINGS, TYPE_NAMES
from replkv.notify import NOTIFY_GENERIC, NOTIFY_LIST, notify

TYPE_NAMES[deque] = b"list"
ENCODINGS[deque] = lambda value: b"quicklist"

MUST_BE_POSITIVE = errors.err("value is out of range, must be positive")
NUMKEYS = errors.err("numkeys should be greater than 0")
COUNT_POSITIVE = errors.err("count should be greater than 0")
INDEX_OUT_OF_RANGE = errors.err("index out of range")
RANK_ZERO = errors.err(
    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or "
    "use negative to start from the end of the list"
)
COUNT_NEGATIVE = errors.err("COUNT can't be negative")
MAXLEN_NEGATIVE = errors.err("MAXLEN can't be negative")

HEAD = 0
TAIL = 1
_WHERE = {b"left": HEAD, b"right": TAIL}
_WHERE_NAMES = (b"left", b"right")
_POP_VERBS = (b"LPOP", b"RPOP")
_POP_EVENTS = (b"lpop", b"rpop")
_PUSH_EVENTS = (b"lpush", b"rpush")

LIST = dict(group="list")


def _get(client: Client, key: bytes) -> Any:
    value = client.db.get(key)
    if value is None or type(value) is deque:
        return value
    raise CommandError(errors.WRONGTYPE)


def _get_for_write(db: Database, key: bytes) -> Any:
    value = db.get_for_write(key)
    if value is None or type(value) is deque:
        return value
    raise CommandError(errors.WRONGTYPE)


def _where(arg: bytes) -> int:
    """getListPositionFromObjectOrReply(): LEFT or RIGHT."""
    where = _WHERE.get(arg.lower())
    if where is None:
        raise CommandError(errors.SYNTAX)
    return where


def _positive(arg: bytes, error: bytes) -> int:
    """getPositiveLongFromObjectOrReply(): 0 … LLONG_MAX."""
    value = parse_int(arg, error)
    if value < 0:
        raise CommandError(error)
    return value


def _range_count(arg: bytes, error: bytes) -> int:
    """getRangeLongFromObjectOrReply(1, LONG_MAX) with error for both failures."""
    value = parse_int(arg, error)
    if value < 1:
        raise CommandError(error)
    return value


def _pop_many(value: deque[bytes], where: int, count: int) -> list[bytes]:
    pop = value.popleft if where == HEAD else value.pop
    return [pop() for _ in range(min(count, len(value)))]


def _removed_from(
    client: Client, db: Database, key: bytes, value: deque[bytes], event: bytes
) -> None:
    """listElementsRemoved(): notify event, delete an emptied list (`del`), tell WATCH."""
    server = client.server
    notify(server, NOTIFY_LIST, event, key, db.id)
    if value:
        db.modified(key)
    else:
        db.delete(key)
        notify(server, NOTIFY_GENERIC, b"del", key, db.id)


# -- pushes --------------------------------------------------------------------------


def _push(client: Client, argv: list[bytes], where: int, only_existing: bool) -> bytes:
    """t_list.c: pushGenericCommand()."""
    db = client.db
    key = argv[1]
    value = _get_for_write(db, key)
    if value is None:
        if only_existing:
            return reply.ZERO
        value = deque()
        if where == HEAD:
            value.extendleft(argv[2:])
        else:
            value.extend(argv[2:])
        db.store(key, value)
    else:
        if where == HEAD:
            value.extendleft(argv[2:])
        else:
            value.extend(argv[2:])
        db.modified(key)
    client.server.propagate(db, argv)
    notify(client.server, NOTIFY_LIST, _PUSH_EVENTS[where], key, db.id)
    return reply.integer(len(value))


@command("lpush", -3, "write denyoom fast", keys=(1, 1, 1), **LIST,
         summary="Prepend one or multiple elements to a list", since="1.0.0")  # fmt: skip
def lpush(client: Client, argv: list[bytes]) -> bytes:
    return _push(client, argv, HEAD, False)


@command("rpush", -3, "write denyoom fast", keys=(1, 1, 1), **LIST,
         summary="Append one or multiple elements to a list", since="1.0.0")  # fmt: skip
def rpush(client: Client, argv: list[bytes]) -> bytes:
    return _push(client, argv, TAIL, False)


@command("lpushx", -3, "write denyoom fast", keys=(1, 1, 1), **LIST,
         summary="Prepend an element to a list, only if the list exists",
         since="2.2.0")  # fmt: skip
def lpushx(client: Client, argv: list[bytes]) -> bytes:
    return _push(client, argv, HEAD, True)


@command("rpushx", -3, "write denyoom fast", keys=(1, 1, 1), **LIST,
         summary="Append an element to a list, only if the list exists",
         since="2.2.0")  # fmt: skip
def rpushx(client: Client, argv: list[bytes]) -> bytes:
    return _push(client, argv, TAIL, True)


# -- pops ------------------------------------------------------------------------------


def _pop(client: Client, argv: list[bytes], where: int) -> bytes:
    """t_list.c: popGenericCommand()."""
    if len(argv) > 3:
        return errors.wrong_arity("lpop" if where == HEAD else "rpop")
    count = _positive(argv[2], MUST_BE_POSITIVE) if len(argv) == 3 else -1
    db = client.db
    key = argv[1]
    value = _get_for_write(db, key)
    if value is None:
        return client.null if count < 0 else reply.null_array(client.resp)
    if count == 0:
        return reply.EMPTY_ARRAY
    if count < 0:
        element = value.popleft() if where == HEAD else value.pop()
        answer = reply.bulk(element)
    else:
        answer = reply.bulk_array(_pop_many(value, where, count))
    _removed_from(client, db, key, value, _POP_EVENTS[where])
    client.server.propagate(db, argv)
    return answer


@command("lpop", -2, "write fast", keys=(1, 1, 1), **LIST,
         summary="Remove and get the first elements in a list", since="1.0.0")  # fmt: skip
def lpop(client: Client, argv: list[bytes]) -> bytes:
    return _pop(client, argv, HEAD)


@command("rpop", -2, "write fast", keys=(1, 1, 1), **LIST,
         summary="Remove and get the last elements in a list", since="1.0.0")  # fmt: skip
def rpop(client: Client, argv: list[bytes]) -> bytes:
    return _pop(client, argv, TAIL)


def _pop_range_reply(
    client: Client, db: Database, key: bytes, value: deque[bytes], where: int, count: int
) -> bytes:
    """listPopRangeAndReplyWithKey(), propagated as `LPOP|RPOP key n`."""
    popped = _pop_many(value, where, count)
    _removed_from(client, db, key, value, _POP_EVENTS[where])
    client.server.propagate(db, [_POP_VERBS[where], key, b"%d" % len(popped)])
    return b"*2\r\n" + reply.bulk(key) + reply.bulk_array(popped)


def _parse_mpop(argv: list[bytes], numkeys_index: int) -> tuple[list[bytes], int, int]:
    """lmpopGenericCommand()'s parsing: (keys, where, count)."""
    numkeys = _range_count(argv[numkeys_index], NUMKEYS)
    where_index = numkeys_index + numkeys + 1
    if where_index >= len(argv):
        raise CommandError(errors.SYNTAX)
    where = _where(argv[where_index])
    count = -1
    index = where_index + 1
    while index < len(argv):
        if count == -1 and argv[index].lower() == b"count" and index + 1 < len(argv):
            count = _range_count(argv[index + 1], COUNT_POSITIVE)
            index += 2
        else:
            raise CommandError(errors.SYNTAX)
    return argv[numkeys_index + 1 : where_index], where, 1 if count == -1 else count


@command("lmpop", -4, "write movablekeys", keys=(0, 0, 0), **LIST,
         summary="Pop elements from a list", since="7.0.0")  # fmt: skip
def lmpop(client: Client, argv: list[bytes]) -> bytes:
    keys, where, count = _parse_mpop(argv, 1)
    db = client.db
    for key in keys:
        value = _get_for_write(db, key)
        if value is not None:
            return _pop_range_reply(client, db, key, value, where, count)
    return reply.null_array(client.resp)


# -- reads -----------------------------------------------------------------------------


@command("llen", 2, "readonly fast", keys=(1, 1, 1), **LIST,
         summary="Get the length of a list", since="1.0.0")  # fmt: skip
def llen(client: Client, argv: list[bytes]) -> bytes:
    value = _get(client, argv[1])
    return reply.ZERO if value is None else reply.integer(len(value))


@command("lrange", 4, "readonly", keys=(1, 1, 1), **LIST,
         summary="Get a range of elements from a list", since="1.0.0")  # fmt: skip
def lrange(client: Client, argv: list[bytes]) -> bytes:
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    value = _get(client, argv[1])
    if value is None:
        return reply.EMPTY_ARRAY
    size = len(value)
    if start < 0:
        start += size
    if end < 0:
        end += size
    start = max(start, 0)
    if start > end or start >= size:
        return reply.EMPTY_ARRAY
    end = min(end, size - 1)
    if start > size // 2:  # nearer the tail: walk from there
        tail = list(islice(reversed(value), size - 1 - end, size - start))
        tail.reverse()
        return reply.bulk_array(tail)
    return reply.bulk_array(islice(value, start, end + 1))


@command("lindex", 3, "readonly", keys=(1, 1, 1), **LIST,
         summary="Get an element from a list by its index", since="1.0.0")  # fmt: skip
def lindex(client: Client, argv: list[bytes]) -> bytes:
    value = _get(client, argv[1])
    if value is None:
        return client.null
    index = parse_int(argv[2])
    if index < 0:
        index += len(value)
    if not 0 <= index < len(value):
        return client.null
    return reply.bulk(value[index])


@command("lpos", -3, "readonly", keys=(1, 1, 1), **LIST,
         summary="Return the index of matching elements on a list",
         since="6.0.6")  # fmt: skip
def lpos(client: Client, argv: list[bytes]) -> bytes:
    """t_list.c: lposCommand()."""
    rank, count, maxlen = 1, -1, 0
    index = 3
    while index < len(argv):
        option = argv[index].lower()
        more = index + 1 < len(argv)
        if option == b"rank" and more:
            rank = parse_int(argv[index + 1])
            if rank == 0:
                return RANK_ZERO
        elif option == b"count" and more:
            count = _positive(argv[index + 1], COUNT_NEGATIVE)
        elif option == b"maxlen" and more:
            maxlen = _positive(argv[index + 1], MAXLEN_NEGATIVE)
        else:
            return errors.SYNTAX
        index += 2
    backwards = rank < 0
    if backwards and rank != LLONG_MIN:
        rank = -rank  # -LLONG_MIN overflows in C and stays negative: every match ranks
    value = _get(client, argv[1])
    if value is None:
        return reply.EMPTY_ARRAY if count != -1 else client.null
    element = argv[2]
    size = len(value)
    found: list[int] = []
    matches = 0
    walk = reversed(value) if backwards else iter(value)
    for position, item in enumerate(walk):
        if maxlen and position >= maxlen:
            break
        if item != element:
            continue
        matches += 1
        if matches < rank:
            continue
        found.append(size - position - 1 if backwards else position)
        if count == -1:
            break
        # matches - rank + 1 >= count, in C's wrapping 64-bit arithmetic.
        reached = matches - rank + 1
        if reached > LLONG_MAX:
            reached -= 1 << 64
        if count and reached >= count:
            break
    if count != -1:
        return b"*%d\r\n%b" % (len(found), b"".join(reply.integer(i) for i in found))
    return reply.integer(found[0]) if found else client.null


# -- in-place writes -------------------------------------------------------------------


@command("lset", 4, "write denyoom", keys=(1, 1, 1), **LIST,
         summary="Set the value of an element in a list by its index",
         since="1.0.0")  # fmt: skip
def lset(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    key = argv[1]
    value = _get_for_write(db, key)
    if value is None:
        return errors.NO_SUCH_KEY
    index = parse_int(argv[2])
    if index < 0:
        index += len(value)
    if not 0 <= index < len(value):
        return INDEX_OUT_OF_RANGE
    value[index] = argv[3]
    db.modified(key)
    client.server.propagate(db, argv)
    notify(client.server, NOTIFY_LIST, b"lset", key, db.id)
    return reply.OK


@command("linsert", 5, "write denyoom", keys=(1, 1, 1), **LIST,
         summary="Insert an element before or after another element in a list",
         since="2.2.0")  # fmt: skip
def linsert(client: Client, argv: list[bytes]) -> bytes:
    position = argv[2].lower()
    if position not in (b"after", b"before"):
        return errors.SYNTAX
    db = client.db
    key = argv[1]
    value = _get_for_write(db, key)
    if value is None:
        return reply.ZERO
    try:
        index = value.index(argv[3])
    except ValueError:
        return reply.integer(-1)
    value.insert(index + 1 if position == b"after" else index, argv[4])
    db.modified(key)
    client.server.propagate(db, argv)
    notify(client.server, NOTIFY_LIST, b"linsert", key, db.id)
    return reply.integer(len(value))


@command("lrem", 4, "write", keys=(1, 1, 1), **LIST,
         summary="Remove elements from a list", since="1.0.0")  # fmt: skip
def lrem(client: Client, argv: list[bytes]) -> bytes:
    count = parse_int(argv[2])
    db = client.db
    key = argv[1]
    value = _get_for_write(db, key)
    if value is None:
        return reply.ZERO
    element = argv[3]
    limit = abs(count) if count else len(value)
    removed = 0
    kept: list[bytes] = []
    walk = reversed(value) if count < 0 else iter(value)
    for item in walk:
        if removed < limit and item == element:
            removed += 1
        else:
            kept.append(item)
    if not removed:
        return reply.ZERO
    if count < 0:
        kept.reverse()
    value.clear()
    value.extend(kept)
    _removed_from(client, db, key, value, b"lrem")
    client.server.propagate(db, argv)
    return reply.integer(removed)


@command("ltrim", 4, "write", keys=(1, 1, 1), **LIST,
         summary="Trim a list to the specified range", since="1.0.0")  # fmt: skip
def ltrim(client: Client, argv: list[bytes]) -> bytes:
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    db = client.db
    key = argv[1]
    value = _get_for_write(db, key)
    if value is None:
        return reply.OK
    size = len(value)
    if start < 0:
        start += size
    if end < 0:
        end += size
    start = max(start, 0)
    if start > end or start >= size:
        left, right = size, 0
    else:
        end = min(end, size - 1)
        left, right = start, size - end - 1
    for _ in range(left):
        value.popleft()
    for _ in range(right):
        value.pop()
    _removed_from(client, db, key, value, b"ltrim")  # `ltrim` even when nothing went
    if left + right:  # server.dirty stays 0: nothing to propagate
        client.server.propagate(db, argv)
    return reply.OK


# -- moves -----------------------------------------------------------------------------


def _move(
    client: Client, db: Database, source: bytes, target: bytes, wherefrom: int, whereto: int
) -> bytes | None:
    """lmoveGenericCommand() once the source is known to hold elements: the element
    moved, or None when the source is missing. Raises WRONGTYPE before moving.
    Notifies as Redis does: the push on target (after its `new`), then the pop on
    source and its `del` if emptied; a list moving into itself is never emptied."""
    value = _get_for_write(db, source)
    if value is None:
        return None
    destination = _get_for_write(db, target)
    element = value.popleft() if wherefrom == HEAD else value.pop()
    if destination is None:
        destination = deque([element])
        db.store(target, destination)
    else:
        if whereto == HEAD:
            destination.appendleft(element)
        else:
            destination.append(element)
        db.modified(target)
    notify(client.server, NOTIFY_LIST, _PUSH_EVENTS[whereto], target, db.id)
    if destination is not value:
        _removed_from(client, db, source, value, _POP_EVENTS[wherefrom])
    else:
        notify(client.server, NOTIFY_LIST, _POP_EVENTS[wherefrom], source, db.id)
    return element


@command("lmove", 5, "write denyoom", keys=(1, 2, 1), **LIST,
         summary="Pop an element from a list, push it to another list and return it",
         since="6.2.0")  # fmt: skip
def lmove(client: Client, argv: list[bytes]) -> bytes:
    wherefrom = _where(argv[3])
    whereto = _where(argv[4])
    db = client.db
    element = _move(client, db, argv[1], argv[2], wherefrom, whereto)
    if element is None:
        return client.null
    client.server.propagate(db, argv)
    return reply.bulk(element)


@command("rpoplpush", 3, "write denyoom", keys=(1, 2, 1), **LIST,
         summary="Remove the last element in a list, prepend it to another list and "
         "return it", since="1.2.0")  # fmt: skip
def rpoplpush(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    element = _move(client, db, argv[1], argv[2], TAIL, HEAD)
    if element is None:
        return client.null
    client.server.propagate(db, argv)
    return reply.bulk(element)


# -- blocking --------------------------------------------------------------------------


def _may_block(client: Client) -> bool:
    """CLIENT_DENY_BLOCKING: inside MULTI/EXEC, or the master's stream, never block."""
    return client.multi is None and not client.is_master_link and not client.deny_blocking


def _serve_pop(where: int, count: int) -> Any:
    """The callback serving a BLPOP / BRPOP (count -1) or BLMPOP client from a key."""

    def serve(client: Client, db: Database, key: bytes) -> bytes | None:
        value = db.get_for_write(key)
        if type(value) is not deque:
            return None
        if count != -1:
            return _pop_range_reply(client, db, key, value, where, count)
        element = value.popleft() if where == HEAD else value.pop()
        _removed_from(client, db, key, value, _POP_EVENTS[where])
        client.server.propagate(db, [_POP_VERBS[where], key])
        return b"*2\r\n" + reply.bulk(key) + reply.bulk(element)

    return serve


def _blocking_pop(
    client: Client, keys: list[bytes], where: int, timeout_arg: bytes, count: int
) -> bytes | None:
    """t_list.c: blockingPopGenericCommand(): pop now, or block on the keys."""
    db = client.db
    deadline = parse_timeout(timeout_arg, db.keyspace.now_ms())
    for key in keys:
        value = _get_for_write(db, key)
        if value is None:
            continue
        if count != -1:
            return _pop_range_reply(client, db, key, value, where, count)
        element = value.popleft() if where == HEAD else value.pop()
        _removed_from(client, db, key, value, _POP_EVENTS[where])
        client.server.propagate(db, [_POP_VERBS[where], key])
        return b"*2\r\n" + reply.bulk(key) + reply.bulk(element)
    if not _may_block(client):
        return reply.null_array(client.resp)
    client.server.blocking.block(
        client, keys, deadline, _serve_pop(where, count), reply.null_array(client.resp)
    )
    return None


@command("blpop", -3, "write noscript blocking", keys=(1, -2, 1), **LIST,
         summary="Remove and get the first element in a list, or block until one is "
         "available", since="2.0.0")  # fmt: skip
def blpop(client: Client, argv: list[bytes]) -> bytes | None:
    return _blocking_pop(client, argv[1:-1], HEAD, argv[-1], -1)


@command("brpop", -3, "write noscript blocking", keys=(1, -2, 1), **LIST,
         summary="Remove and get the last element in a list, or block until one is "
         "available", since="2.0.0")  # fmt: skip
def brpop(client: Client, argv: list[bytes]) -> bytes | None:
    return _blocking_pop(client, argv[1:-1], TAIL, argv[-1], -1)


@command("blmpop", -5, "write blocking movablekeys", keys=(0, 0, 0), **LIST,
         summary="Pop elements from a list, or block until one is available",
         since="7.0.0")  # fmt: skip
def blmpop(client: Client, argv: list[bytes]) -> bytes | None:
    keys, where, count = _parse_mpop(argv, 2)
    return _blocking_pop(client, keys, where, argv[1], count)


def _serve_move(target: bytes, wherefrom: int, whereto: int, rpoplpush: bool) -> Any:
    """The callback serving a BLMOVE / BRPOPLPUSH client from its source key."""

    def serve(client: Client, db: Database, key: bytes) -> bytes | None:
        value = db.get_for_write(key)
        if type(value) is not deque:
            return None
        destination = db.get_for_write(target)
        if destination is not None and type(destination) is not deque:
            return errors.WRONGTYPE  # the element stays where it was
        element = _move(client, db, key, target, wherefrom, whereto)
        assert element is not None
        if rpoplpush:
            event = [b"RPOPLPUSH", key, target]
        else:
            event = [b"LMOVE", key, target, _WHERE_NAMES[wherefrom], _WHERE_NAMES[whereto]]
        client.server.propagate(db, event)
        return reply.bulk(element)

    return serve


def _blocking_move(
    client: Client, argv: list[bytes], wherefrom: int, whereto: int, timeout_arg: bytes
) -> bytes | None:
    """t_list.c: blmoveGenericCommand()."""
    db = client.db
    deadline = parse_timeout(timeout_arg, db.keyspace.now_ms())
    source, target = argv[1], argv[2]
    if _get_for_write(db, source) is None:
        if not _may_block(client):
            return client.null
        rpoplpush = len(argv) == 4
        serve = _serve_move(target, wherefrom, whereto, rpoplpush)
        client.server.blocking.block(
            client, [source], deadline, serve, reply.null_array(client.resp)
        )
        return None
    element = _move(client, db, source, target, wherefrom, whereto)
    assert element is not None
    if len(argv) == 4:
        event = [b"RPOPLPUSH", source, target]
    else:
        event = [b"LMOVE", source, target, argv[3], argv[4]]
    client.server.propagate(db, event)
    return reply.bulk(element)


@command("blmove", 6, "write denyoom noscript blocking", keys=(1, 2, 1), **LIST,
         summary="Pop an element from a list, push it to another list and return it; "
         "or block until one is available", since="6.2.0")  # fmt: skip
def blmove(client: Client, argv: list[bytes]) -> bytes | None:
    wherefrom = _where(argv[3])
    whereto = _where(argv[4])
    return _blocking_move(client, argv, wherefrom, whereto, argv[5])


@command("brpoplpush", 4, "write denyoom noscript blocking", keys=(1, 2, 1), **LIST,
         summary="Pop an element from a list, push it to another list and return it; "
         "or block until one is available", since="2.2.0")  # fmt: skip
def brpoplpush(client: Client, argv: list[bytes]) -> bytes | None:
    return _blocking_move(client, argv, TAIL, HEAD, argv[3])
