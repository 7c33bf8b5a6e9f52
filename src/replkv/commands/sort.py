"""SORT and SORT_RO (sort.c: sortCommandGeneric()).

SORT reads the elements of a set, a sorted set or a list (any `collections.deque`),
weighs them (the element itself, or a `BY` pattern's string or hash field), sorts and
answers them or the `GET` patterns' values. `BY` a pattern without `*` skips sorting:
a list or sorted set is then read in its own order (reversed by DESC, LIMIT taken as a
rank range), a set in its iteration order.

Events: SORT … STORE propagates as sent when it changed the destination, as Redis
7.0 does; the replay is deterministic because SORT on a set with `BY nosort` and
STORE is sorted ALPHA, as Redis forces it. The stored result is a plain
`collections.deque` (a list; the list family takes it over) and an empty result
deletes the destination.

Sorting a sorted set converts it to a skiplist for good, as Redis 7.0 does; that
conversion is not propagated (in Redis neither), so a replica keeps its listpack.
"""

from __future__ import annotations

import collections
import itertools
import math
import sys
from typing import Any

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int
from replkv.commands.table import command
from replkv.commands.zsets import strtod
from replkv.keyspace.hashes import Hash
from replkv.keyspace.sets import SetValue
from replkv.keyspace.values import ENCODINGS, TYPE_NAMES
from replkv.keyspace.zset import ZSet
from replkv.notify import NOTIFY_GENERIC, NOTIFY_LIST, notify

# Until the list family registers its own value type, a stored deque is a list
# (Redis 7.0 keeps every list as a quicklist).
TYPE_NAMES.setdefault(collections.deque, b"list")
ENCODINGS.setdefault(collections.deque, lambda value: b"quicklist")

NOT_DOUBLE = errors.err("One or more scores can't be converted into double")
_C_SPACE = b" \t\n\v\f\r"
_DBL_MIN = sys.float_info.min


def _c_string(text: bytes) -> bytes:
    """The text as C's string functions see it: up to the first NUL."""
    end = text.find(b"\0")
    return text if end < 0 else text[:end]


def _score(text: bytes) -> float | None:
    """strtod() over the whole C string, as SORT checks it; None on any error."""
    text = _c_string(text)
    stripped = text.lstrip(_C_SPACE)
    if not stripped:
        # Nothing converted: strtod() stops at the start, which is the end only for "".
        return 0.0 if not text else None
    parsed = strtod(stripped)
    if parsed is None:
        return None
    value, erange = parsed
    if erange or math.isnan(value) or (value != 0.0 and abs(value) < _DBL_MIN):
        return None  # errno == ERANGE: overflow, underflow or a subnormal result
    return value


def lookup_by_pattern(client: Client, pattern: bytes, element: bytes) -> bytes | None:
    """sort.c: lookupKeyByPattern(): `#`, `prefix*suffix` or `prefix*suffix->field`."""
    spat = _c_string(pattern)
    if spat == b"#":
        return element
    star = spat.find(b"*")
    if star < 0:
        return None
    arrow = spat.find(b"->", star + 1)
    field = None
    key_end = len(pattern)
    if arrow >= 0 and arrow + 2 < len(spat):
        field = pattern[arrow + 2 :]
        key_end = arrow
    key = pattern[:star] + element + pattern[star + 1 : key_end]
    value = client.db.get(key)
    if value is None:
        return None
    if field is not None:
        if type(value) is not Hash:
            return None
        return value.get(field)
    if type(value) is bytes:
        return value
    if type(value) is bytearray:
        return bytes(value)
    return None


def _load(value: Any, kind: str, dontsort: bool, desc: bool, start: int, end: int) -> list[bytes]:
    """The elements to sort, or with nothing to sort the range start..end already cut."""
    if kind == "set":
        ordered: list[bytes] = value.ordered()
        return ordered
    if kind == "zset":
        if not dontsort:
            return list(value.scores)
        if end < start:
            return []
        size = len(value)
        if desc:
            items = value.items(size - end - 1, size - start, reverse=True)
        else:
            items = value.items(start, end + 1)
        return [member for _, member in items]
    if not dontsort:
        return list(value)
    if end < start:
        return []
    source = reversed(value) if desc else iter(value)
    return list(itertools.islice(source, start, end + 1))


def sort_generic(client: Client, argv: list[bytes], readonly: bool) -> bytes:
    """sortCommandGeneric()."""
    desc = alpha = dontsort = False
    limit_start, limit_count = 0, -1
    sortby: bytes | None = None
    storekey: bytes | None = None
    gets: list[bytes] = []
    argc = len(argv)
    j = 2
    while j < argc:
        left = argc - j - 1
        option = argv[j].lower()
        if option == b"asc":
            desc = False
        elif option == b"desc":
            desc = True
        elif option == b"alpha":
            alpha = True
        elif option == b"limit" and left >= 2:
            limit_start = parse_int(argv[j + 1])
            limit_count = parse_int(argv[j + 2])
            j += 2
        elif not readonly and option == b"store" and left >= 1:
            storekey = argv[j + 1]
            j += 1
        elif option == b"by" and left >= 1:
            sortby = argv[j + 1]
            # A constant BY pattern weighs every element the same: no sorting at all.
            dontsort = b"*" not in _c_string(sortby)
            j += 1
        elif option == b"get" and left >= 1:
            gets.append(argv[j + 1])
            j += 1
        else:
            return errors.SYNTAX
        j += 1

    db = client.db
    value = db.get(argv[1])
    if value is None:
        kind = "list"
        value = ()
    elif type(value) is SetValue:
        kind = "set"
    elif type(value) is ZSet:
        kind = "zset"
        value.listpack = False  # zsetConvert(sortval, OBJ_ENCODING_SKIPLIST)
    elif isinstance(value, collections.deque):
        kind = "list"
    else:
        return errors.WRONGTYPE

    if dontsort and kind == "set" and storekey is not None:
        # The stored result must replay the same: sort a set ALPHA instead.
        dontsort = False
        alpha = True
        sortby = None

    size = len(value)
    start = min(max(limit_start, 0), size)
    count = min(max(limit_count, -1), size)
    end = size - 1 if count < 0 else start + count - 1
    if start >= size:
        start, end = size - 1, size - 2
    if end >= size:
        end = size - 1

    elements = _load(value, kind, dontsort, desc, start, end)
    if dontsort and kind != "set":
        # The range was taken while loading.
        start, end = 0, len(elements) - 1

    if not dontsort:
        failed = False
        if alpha and sortby is not None:
            weights: list[bytes | None] = [
                lookup_by_pattern(client, sortby, element) for element in elements
            ]
            # Elements without a weight come first; with STORE compared as binary
            # strings (compareStringObjects), otherwise as C strings (strcoll, C locale).
            if storekey is None:
                keys: list[Any] = [
                    (w is not None, _c_string(w) if w is not None else b"") for w in weights
                ]
            else:
                keys = [(w is not None, w if w is not None else b"") for w in weights]
            order = sorted(range(len(elements)), key=keys.__getitem__, reverse=desc)
            elements = [elements[i] for i in order]
        elif alpha:
            if storekey is None:
                elements.sort(key=lambda e: (_c_string(e), e), reverse=desc)
            else:
                elements.sort(reverse=desc)
        else:
            scored: list[tuple[float, bytes]] = []
            for element in elements:
                weight = element
                if sortby is not None:
                    found = lookup_by_pattern(client, sortby, element)
                    if found is None:
                        scored.append((0.0, element))
                        continue
                    weight = found
                score = _score(weight)
                if score is None:
                    failed = True
                    score = 0.0
                scored.append((score, element))
            # Equal scores are ordered by the elements' bytes: the result is deterministic.
            scored.sort(reverse=desc)
            elements = [element for _, element in scored]
        if failed:
            return NOT_DOUBLE

    chosen = elements[start : end + 1] if end >= start else []
    if storekey is None:
        resp = client.resp
        if not gets:
            return reply.bulk_array(chosen)
        out: list[bytes | None] = []
        for element in chosen:
            for pattern in gets:
                out.append(lookup_by_pattern(client, pattern, element))
        return reply.bulk_array(out, resp)

    if gets:
        result: collections.deque[bytes] = collections.deque()
        for element in chosen:
            for pattern in gets:
                found = lookup_by_pattern(client, pattern, element)
                result.append(b"" if found is None else found)
    else:
        result = collections.deque(chosen)
    server = client.server
    if result:
        db.get_for_write(storekey)
        db.store(storekey, result)
        notify(server, NOTIFY_LIST, b"sortstore", storekey, db.id)
        server.propagate(db, argv)
    elif db.delete(storekey):
        notify(server, NOTIFY_GENERIC, b"del", storekey, db.id)
        server.propagate(db, argv)
    return reply.integer(len(result))


@command("sort", -2, "write denyoom movablekeys", keys=(1, 1, 1), group="generic",
         acl_categories=("write", "set", "sortedset", "list", "slow", "dangerous"),
         summary="Sort the elements in a list, set or sorted set")  # fmt: skip
def sort(client: Client, argv: list[bytes]) -> bytes:
    return sort_generic(client, argv, readonly=False)


@command("sort_ro", -2, "readonly movablekeys", keys=(1, 1, 1), group="generic",
         acl_categories=("read", "set", "sortedset", "list", "slow", "dangerous"),
         summary="Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
         since="7.0.0")  # fmt: skip
def sort_ro(client: Client, argv: list[bytes]) -> bytes:
    return sort_generic(client, argv, readonly=True)
