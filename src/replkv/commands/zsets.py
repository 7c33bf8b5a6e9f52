"""Sorted set commands (t_zset.c), the blocking pops included.

Events are Redis 7.0's: every write propagates as sent when it changed something,
except ZMPOP and BZMPOP, which become `ZPOPMIN|ZPOPMAX key n` (n: how many were
popped), and BZPOPMIN / BZPOPMAX, which become `ZPOPMIN|ZPOPMAX key`. A blocked client
served later (replkv/blocking.py) propagates the same forms, as its own unit after the
write that made its key ready.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable
from typing import Any

from replkv import errors, reply
from replkv.blocking import parse_timeout
from replkv.client import Client
from replkv.commands.args import LLONG_MAX, parse_int
from replkv.commands.keys import parse_cursor
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.glob import compile_glob
from replkv.keyspace.database import Database
from replkv.keyspace.values import type_name
from replkv.keyspace.zset import LexRange, ScoreRange, ZSet, from_pairs
from replkv.notify import NOTIFY_GENERIC, NOTIFY_ZSET, notify

NOT_FLOAT_RANGE = errors.err("min or max is not a float")
NOT_LEX_RANGE = errors.err("min or max not valid string range item")
NAN_RESULT = errors.err("resulting score is not a number (NaN)")
XX_AND_NX = errors.err("XX and NX options at the same time are not compatible")
GT_LT_NX = errors.err("GT, LT, and/or NX options at the same time are not compatible")
INCR_PAIRS = errors.err("INCR option supports a single increment-element pair")
LIMIT_NEEDS_BY = errors.err(
    "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
)
WITHSCORES_BYLEX = errors.err("syntax error, WITHSCORES not supported in combination with BYLEX")
WEIGHT_NOT_FLOAT = errors.err("weight value is not a float")
LIMIT_NEGATIVE = errors.err("LIMIT can't be negative")
NUMKEYS_POSITIVE = errors.err("numkeys should be greater than 0")
COUNT_POSITIVE = errors.err("count should be greater than 0")
MUST_BE_POSITIVE = errors.err("value is out of range, must be positive")
OUT_OF_RANGE = errors.err("value is out of range")
COUNT_RANGE = errors.err(
    "value is out of range, value must between -9223372036854775807 and 9223372036854775807"
)
EMPTY_SCAN = b"*2\r\n$1\r\n0\r\n*0\r\n"
LONG_MAX = LLONG_MAX

_random = random.Random()

# -- doubles as strtod() reads them --------------------------------------------------

_DECIMAL = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(rb"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?")
_INFINITIES = {b"inf": math.inf, b"infinity": math.inf}
_C_SPACE = b" \t\n\v\f\r"


def strtod(text: bytes) -> tuple[float, bool] | None:
    """strtod() over the whole of text: (value, ERANGE), or None if any of it is left."""
    lowered = text.lower()
    unsigned = lowered.lstrip(b"+-")
    if len(lowered) - len(unsigned) <= 1 and unsigned in _INFINITIES:
        return (-math.inf if lowered[:1] == b"-" else math.inf), False
    if _DECIMAL.fullmatch(text):
        value = float(text)
        if value == 0.0:  # an underflow, unless every mantissa digit is 0
            mantissa = re.split(rb"[eE]", text)[0]
            return value, re.search(rb"[1-9]", mantissa) is not None
        return value, math.isinf(value)
    if _HEX.fullmatch(text):
        try:
            value = float.fromhex(text.decode())
        except OverflowError:
            return (-math.inf if text[:1] == b"-" else math.inf), True
        mantissa = re.split(rb"[pP]", text[text.index(b"x") + 1 if b"x" in text else 2 :])[0]
        underflow = value == 0.0 and re.search(rb"[1-9a-fA-F]", mantissa) is not None
        return value, underflow
    return None


def parse_score(arg: bytes, error: bytes = errors.NOT_FLOAT) -> float:
    """object.c: getDoubleFromObject(): the whole argument, no spaces, no NaN, no overflow."""
    if arg.isdigit() and len(arg) <= 15:  # the common case: a small whole number, exact
        return float(arg)
    if not arg or arg[0] in _C_SPACE or b"\0" in arg:
        raise CommandError(error)
    parsed = strtod(arg)
    if parsed is None:
        raise CommandError(error)
    value, erange = parsed
    if erange and (math.isinf(value) or value == 0.0):
        raise CommandError(error)
    return value


def _range_double(text: bytes) -> float:
    """strtod() as zslParseRange() uses it: leading spaces skipped, C string, no NaN."""
    text = text.split(b"\0", 1)[0]
    if not text:
        return 0.0
    stripped = text.lstrip(_C_SPACE)
    parsed = strtod(stripped) if stripped else None
    if parsed is None:
        raise CommandError(NOT_FLOAT_RANGE)
    return parsed[0]


def parse_score_range(low: bytes, high: bytes) -> ScoreRange:
    """zslParseRange(): `(` makes a bound exclusive."""
    minex = low[:1] == b"("
    maxex = high[:1] == b"("
    return ScoreRange(
        _range_double(low[1:] if minex else low),
        _range_double(high[1:] if maxex else high),
        minex,
        maxex,
    )


def _lex_item(item: bytes) -> tuple[bytes | None, bool, int]:
    """zslParseLexRangeItem(): (value, exclusive, -1 for `-` / 1 for `+` / 0)."""
    first = item[:1]
    if first == b"+" or first == b"-":
        if len(item) > 1 and item[1] != 0:
            raise CommandError(NOT_LEX_RANGE)
        return None, True, (1 if first == b"+" else -1)
    if first == b"(":
        return item[1:], True, 0
    if first == b"[":
        return item[1:], False, 0
    raise CommandError(NOT_LEX_RANGE)


def parse_lex_range(low: bytes, high: bytes) -> LexRange:
    """zslParseLexRange()."""
    min_value, minex, min_special = _lex_item(low)
    max_value, maxex, max_special = _lex_item(high)
    return LexRange(
        min_value,
        max_value,
        minex,
        maxex,
        min_is_max=min_special == 1,
        max_is_min=max_special == -1,
    )


# -- lookups and replies -------------------------------------------------------------


def get_zset(client: Client, key: bytes) -> ZSet | None:
    """The sorted set at key (a read lookup), None if missing; WRONGTYPE otherwise."""
    value = client.db.get(key)
    if value is None or type(value) is ZSet:
        return value
    raise CommandError(errors.WRONGTYPE)


def get_zset_for_write(client: Client, key: bytes) -> ZSet | None:
    """Like get_zset(), with a write lookup."""
    value = client.db.get_for_write(key)
    if value is None or type(value) is ZSet:
        return value
    raise CommandError(errors.WRONGTYPE)


def _limits(client: Client) -> tuple[int, int]:
    config = client.server.config
    return config.zset_max_listpack_entries, config.zset_max_listpack_value


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(value), value)


def range_reply(items: Iterable[tuple[float, bytes]], withscores: bool, resp: int) -> bytes:
    """Members (and scores): flat in RESP2, [member, score] pairs in RESP3."""
    items = list(items)
    if not withscores:
        return b"*%d\r\n%b" % (len(items), b"".join([_bulk(m) for _, m in items]))
    if resp == 3:
        body = b"".join([b"*2\r\n" + _bulk(m) + reply.double(s, 3) for s, m in items])
        return b"*%d\r\n%b" % (len(items), body)
    body = b"".join([_bulk(m) + reply.double(s, 2) for s, m in items])
    return b"*%d\r\n%b" % (2 * len(items), body)


def _drop_if_empty(client: Client, key: bytes, zs: ZSet) -> None:
    """A sorted set left empty is deleted (`del` notified); otherwise its observers hear
    of the change."""
    db = client.db
    if zs:
        db.modified(key)
    else:
        db.delete(key)
        notify(client.server, NOTIFY_GENERIC, b"del", key, db.id)


# -- ZADD, ZINCRBY, ZREM -------------------------------------------------------------

_ZADD_FLAGS = {b"nx": 1, b"xx": 2, b"ch": 4, b"incr": 8, b"gt": 16, b"lt": 32}
NX, XX, CH, INCR, GT, LT = 1, 2, 4, 8, 16, 32


def zadd_generic(client: Client, argv: list[bytes], flags: int, scoreidx: int) -> bytes:
    """t_zset.c: zaddGenericCommand() once options are parsed."""
    elements = len(argv) - scoreidx
    if elements % 2 or not elements:
        return errors.SYNTAX
    elements //= 2
    if flags & NX and flags & XX:
        return XX_AND_NX
    if (flags & GT and flags & NX) or (flags & LT and flags & NX) or (flags & GT and flags & LT):
        return GT_LT_NX
    if flags & INCR and elements > 1:
        return INCR_PAIRS
    scores = [parse_score(argv[scoreidx + 2 * j]) for j in range(elements)]
    key = argv[1]
    db = client.db
    zs = get_zset_for_write(client, key)
    added = updated = processed = 0
    score = 0.0
    incr = bool(flags & INCR)
    if zs is None and not flags & XX:
        max_entries, max_value = _limits(client)
        zs = ZSet(max_entries != 0 and len(argv[scoreidx + 1]) <= max_value)
        db.store(key, zs)
    if zs is not None:
        max_entries, max_value = _limits(client)
        member_scores = zs.scores
        for j in range(elements):
            score = scores[j]
            member = argv[scoreidx + 1 + 2 * j]
            current = member_scores.get(member)
            if current is not None:
                if flags & NX:
                    continue
                if incr:
                    score += current
                    if math.isnan(score):
                        if added or updated:
                            db.modified(key)
                        return NAN_RESULT
                if (flags & LT and score >= current) or (flags & GT and score <= current):
                    continue
                processed += 1
                if score != current:
                    zs.update(member, score)
                    updated += 1
            elif not flags & XX:
                zs.insert(member, score, max_entries, max_value)
                added += 1
                processed += 1
        if added or updated:
            db.modified(key)
            notify(client.server, NOTIFY_ZSET, b"zincr" if incr else b"zadd", key, db.id)
            client.server.propagate(db, argv)
    if incr:
        return reply.double(score, client.resp) if processed else client.null
    return reply.integer(added + updated if flags & CH else added)


@command("zadd", -4, "write denyoom fast", keys=(1, 1, 1), group="sorted_set",
         summary="Add one or more members to a sorted set, or update its score if it "
         "already exists", since="1.2.0")  # fmt: skip
def zadd(client: Client, argv: list[bytes]) -> bytes:
    flags = 0
    scoreidx = 2
    while scoreidx < len(argv):
        flag = _ZADD_FLAGS.get(argv[scoreidx].lower())
        if flag is None:
            break
        flags |= flag
        scoreidx += 1
    return zadd_generic(client, argv, flags, scoreidx)


@command("zincrby", 4, "write denyoom fast", keys=(1, 1, 1), group="sorted_set",
         summary="Increment the score of a member in a sorted set", since="1.2.0")  # fmt: skip
def zincrby(client: Client, argv: list[bytes]) -> bytes:
    return zadd_generic(client, argv, INCR, 2)


@command("zrem", -3, "write fast", keys=(1, 1, 1), group="sorted_set",
         summary="Remove one or more members from a sorted set", since="1.2.0")  # fmt: skip
def zrem(client: Client, argv: list[bytes]) -> bytes:
    key = argv[1]
    zs = get_zset_for_write(client, key)
    if zs is None:
        return reply.ZERO
    deleted = 0
    for member in argv[2:]:
        if zs.remove(member):
            deleted += 1
            if not zs:
                break
    if deleted:
        notify(client.server, NOTIFY_ZSET, b"zrem", key, client.db.id)
        _drop_if_empty(client, key, zs)
        client.server.propagate(client.db, argv)
    return reply.integer(deleted)


# -- single-key reads ----------------------------------------------------------------


@command("zcard", 2, "readonly fast", keys=(1, 1, 1), group="sorted_set",
         summary="Get the number of members in a sorted set", since="1.2.0")  # fmt: skip
def zcard(client: Client, argv: list[bytes]) -> bytes:
    zs = get_zset(client, argv[1])
    return reply.integer(0 if zs is None else len(zs))


@command("zscore", 3, "readonly fast", keys=(1, 1, 1), group="sorted_set",
         summary="Get the score associated with the given member in a sorted set",
         since="1.2.0")  # fmt: skip
def zscore(client: Client, argv: list[bytes]) -> bytes:
    zs = get_zset(client, argv[1])
    score = None if zs is None else zs.scores.get(argv[2])
    return client.null if score is None else reply.double(score, client.resp)


@command("zmscore", -3, "readonly fast", keys=(1, 1, 1), group="sorted_set",
         summary="Get the score associated with the given members in a sorted set",
         since="6.2.0")  # fmt: skip
def zmscore(client: Client, argv: list[bytes]) -> bytes:
    zs = get_zset(client, argv[1])
    scores = {} if zs is None else zs.scores
    parts = []
    for member in argv[2:]:
        score = scores.get(member)
        parts.append(client.null if score is None else reply.double(score, client.resp))
    return reply.array(parts)


def _rank(client: Client, argv: list[bytes], reverse: bool) -> bytes:
    zs = get_zset(client, argv[1])
    rank = None if zs is None else zs.rank(argv[2])
    if rank is None:
        return client.null
    return reply.integer(len(zs) - 1 - rank if reverse and zs is not None else rank)


@command("zrank", 3, "readonly fast", keys=(1, 1, 1), group="sorted_set",
         summary="Determine the index of a member in a sorted set", since="2.0.0")  # fmt: skip
def zrank(client: Client, argv: list[bytes]) -> bytes:
    return _rank(client, argv, False)


@command("zrevrank", 3, "readonly fast", keys=(1, 1, 1), group="sorted_set",
         summary="Determine the index of a member in a sorted set, with scores ordered from "
         "high to low", since="2.0.0")  # fmt: skip
def zrevrank(client: Client, argv: list[bytes]) -> bytes:
    return _rank(client, argv, True)


@command("zcount", 4, "readonly fast", keys=(1, 1, 1), group="sorted_set",
         summary="Count the members in a sorted set with scores within the given values",
         since="2.0.0")  # fmt: skip
def zcount(client: Client, argv: list[bytes]) -> bytes:
    spec = parse_score_range(argv[2], argv[3])
    zs = get_zset(client, argv[1])
    if zs is None:
        return reply.ZERO
    start, stop = zs.score_span(spec)
    return reply.integer(max(stop - start, 0))


@command("zlexcount", 4, "readonly fast", keys=(1, 1, 1), group="sorted_set",
         summary="Count the number of members in a sorted set between a given lexicographical "
         "range", since="2.8.9")  # fmt: skip
def zlexcount(client: Client, argv: list[bytes]) -> bytes:
    spec = parse_lex_range(argv[2], argv[3])
    zs = get_zset(client, argv[1])
    if zs is None:
        return reply.ZERO
    start, stop = zs.lex_forward(spec)
    return reply.integer(max(stop - start, 0))


# -- ZRANGE and friends --------------------------------------------------------------

RANK, BYSCORE, BYLEX = 0, 1, 2


def _rank_span(size: int, start: int, end: int) -> tuple[int, int] | None:
    """Z[REV]RANGE's index rules: [start, end] clipped, None when empty."""
    if start < 0:
        start += size
    if end < 0:
        end += size
    if start < 0:
        start = 0
    if start > end or start >= size:
        return None
    if end >= size:
        end = size - 1
    return start, end


def _limited(start: int, stop: int, offset: int, limit: int, reverse: bool) -> tuple[int, int]:
    """Apply LIMIT offset count to ranks [start, stop); a negative offset selects nothing."""
    if offset < 0:
        return 0, 0
    if reverse:
        high = stop - offset
        low = start if limit < 0 else max(start, high - limit)
        return low, high
    low = start + offset
    high = stop if limit < 0 else min(stop, low + limit)
    return low, high


def zrange_generic(
    client: Client,
    argv: list[bytes],
    argc_start: int,
    store: bool,
    rangetype: int | None,
    reverse: bool | None,
) -> bytes:
    """t_zset.c: zrangeGenericCommand() for ZRANGE, ZRANGESTORE and the legacy forms."""
    withscores = False
    offset, limit = 0, -1
    j = argc_start + 3
    count = len(argv)
    while j < count:
        option = argv[j].lower()
        left = count - j - 1
        if not store and option == b"withscores":
            withscores = True
        elif option == b"limit" and left >= 2:
            offset = parse_int(argv[j + 1])
            limit = parse_int(argv[j + 2])
            j += 2
        elif reverse is None and option == b"rev":
            reverse = True
        elif rangetype is None and option == b"bylex":
            rangetype = BYLEX
        elif rangetype is None and option == b"byscore":
            rangetype = BYSCORE
        else:
            return errors.SYNTAX
        j += 1
    reverse = bool(reverse)
    if rangetype is None:
        rangetype = RANK
    if limit != -1 and rangetype == RANK:
        return LIMIT_NEEDS_BY
    if withscores and rangetype == BYLEX:
        return WITHSCORES_BYLEX
    low, high = argv[argc_start + 1], argv[argc_start + 2]
    if reverse and rangetype != RANK:
        low, high = high, low
    score_spec = lex_spec = None
    if rangetype == RANK:
        first, last = parse_int(low), parse_int(high)
    elif rangetype == BYSCORE:
        score_spec = parse_score_range(low, high)
    else:
        lex_spec = parse_lex_range(low, high)
    key = argv[argc_start]
    zs = get_zset(client, key)
    items: list[tuple[float, bytes]] = []
    if zs is not None:
        size = len(zs)
        if rangetype == RANK:
            span = _rank_span(size, first, last)
            if span is not None:
                if reverse:
                    items = zs.items(size - 1 - span[1], size - span[0], reverse=True)
                else:
                    items = zs.items(span[0], span[1] + 1)
        elif not (offset > 0 and offset >= size):
            if score_spec is not None:
                start, stop = zs.score_span(score_spec)
            elif reverse:
                start, stop = zs.lex_backward(lex_spec)  # type: ignore[arg-type]
            else:
                start, stop = zs.lex_forward(lex_spec)  # type: ignore[arg-type]
            if start < stop:
                start, stop = _limited(start, stop, offset, limit, reverse)
                items = zs.items(start, stop, reverse=reverse)
    if store:
        return store_result(client, argv, argv[1], [(m, s) for s, m in items], b"zrangestore")
    return range_reply(items, withscores, client.resp)


def store_result(
    client: Client,
    argv: list[bytes],
    dst: bytes,
    pairs: list[tuple[bytes, float]],
    event: bytes,
) -> bytes:
    """Store a computed set at dst (or delete dst when empty) and propagate if it changed.

    A stored result notifies event (`zunionstore`, `zrangestore`, …) on dst; a deleted
    dst notifies `del`.
    """
    db = client.db
    server = client.server
    if pairs:
        max_entries, max_value = _limits(client)
        result = from_pairs(pairs, max_entries, max_value)
        db.get_for_write(dst)
        db.store(dst, result)
        notify(server, NOTIFY_ZSET, event, dst, db.id)
        server.propagate(db, argv)
        return reply.integer(len(result))
    if db.delete(dst):
        notify(server, NOTIFY_GENERIC, b"del", dst, db.id)
        server.propagate(db, argv)
    return reply.ZERO


@command("zrange", -4, "readonly", keys=(1, 1, 1), group="sorted_set",
         summary="Return a range of members in a sorted set", since="1.2.0")  # fmt: skip
def zrange(client: Client, argv: list[bytes]) -> bytes:
    return zrange_generic(client, argv, 1, False, None, None)


@command("zrangestore", -5, "write denyoom", keys=(1, 2, 1), group="sorted_set",
         summary="Store a range of members from sorted set into another key",
         since="6.2.0")  # fmt: skip
def zrangestore(client: Client, argv: list[bytes]) -> bytes:
    return zrange_generic(client, argv, 2, True, None, None)


@command("zrevrange", -4, "readonly", keys=(1, 1, 1), group="sorted_set",
         summary="Return a range of members in a sorted set, by index, with scores ordered "
         "from high to low", since="1.2.0")  # fmt: skip
def zrevrange(client: Client, argv: list[bytes]) -> bytes:
    return zrange_generic(client, argv, 1, False, RANK, True)


@command("zrangebyscore", -4, "readonly", keys=(1, 1, 1), group="sorted_set",
         summary="Return a range of members in a sorted set, by score",
         since="1.0.5")  # fmt: skip
def zrangebyscore(client: Client, argv: list[bytes]) -> bytes:
    return zrange_generic(client, argv, 1, False, BYSCORE, False)


@command("zrevrangebyscore", -4, "readonly", keys=(1, 1, 1), group="sorted_set",
         summary="Return a range of members in a sorted set, by score, with scores ordered "
         "from high to low", since="2.2.0")  # fmt: skip
def zrevrangebyscore(client: Client, argv: list[bytes]) -> bytes:
    return zrange_generic(client, argv, 1, False, BYSCORE, True)


@command("zrangebylex", -4, "readonly", keys=(1, 1, 1), group="sorted_set",
         summary="Return a range of members in a sorted set, by lexicographical range",
         since="2.8.9")  # fmt: skip
def zrangebylex(client: Client, argv: list[bytes]) -> bytes:
    return zrange_generic(client, argv, 1, False, BYLEX, False)


@command("zrevrangebylex", -4, "readonly", keys=(1, 1, 1), group="sorted_set",
         summary="Return a range of members in a sorted set, by lexicographical range, "
         "ordered from higher to lower strings.", since="2.8.9")  # fmt: skip
def zrevrangebylex(client: Client, argv: list[bytes]) -> bytes:
    return zrange_generic(client, argv, 1, False, BYLEX, True)


# -- ZREMRANGEBY* --------------------------------------------------------------------


_ZREMRANGE_EVENTS = {
    RANK: b"zremrangebyrank",
    BYSCORE: b"zremrangebyscore",
    BYLEX: b"zremrangebylex",
}


def _zremrange(client: Client, argv: list[bytes], rangetype: int) -> bytes:
    """t_zset.c: zremrangeGenericCommand()."""
    if rangetype == RANK:
        first, last = parse_int(argv[2]), parse_int(argv[3])
    elif rangetype == BYSCORE:
        score_spec = parse_score_range(argv[2], argv[3])
    else:
        lex_spec = parse_lex_range(argv[2], argv[3])
    key = argv[1]
    zs = get_zset_for_write(client, key)
    if zs is None:
        return reply.ZERO
    if rangetype == RANK:
        span = _rank_span(len(zs), first, last)
        start, stop = (0, 0) if span is None else (span[0], span[1] + 1)
    elif rangetype == BYSCORE:
        start, stop = zs.score_span(score_spec)
    else:
        start, stop = zs.lex_forward(lex_spec)
    deleted = zs.delete_slice(start, stop)
    if deleted:
        notify(client.server, NOTIFY_ZSET, _ZREMRANGE_EVENTS[rangetype], key, client.db.id)
        _drop_if_empty(client, key, zs)
        client.server.propagate(client.db, argv)
    return reply.integer(deleted)


@command("zremrangebyrank", 4, "write", keys=(1, 1, 1), group="sorted_set",
         summary="Remove all members in a sorted set within the given indexes",
         since="2.0.0")  # fmt: skip
def zremrangebyrank(client: Client, argv: list[bytes]) -> bytes:
    return _zremrange(client, argv, RANK)


@command("zremrangebyscore", 4, "write", keys=(1, 1, 1), group="sorted_set",
         summary="Remove all members in a sorted set within the given scores",
         since="1.2.0")  # fmt: skip
def zremrangebyscore(client: Client, argv: list[bytes]) -> bytes:
    return _zremrange(client, argv, BYSCORE)


@command("zremrangebylex", 4, "write", keys=(1, 1, 1), group="sorted_set",
         summary="Remove all members in a sorted set between the given lexicographical range",
         since="2.8.9")  # fmt: skip
def zremrangebylex(client: Client, argv: list[bytes]) -> bytes:
    return _zremrange(client, argv, BYLEX)


# -- pops ----------------------------------------------------------------------------


def pop_members(
    client: Client, key: bytes, zs: ZSet, count: int, from_max: bool
) -> list[tuple[bytes, float]]:
    """Pop up to count members (lowest first, or highest); an emptied key is deleted.

    Notifies `zpopmin` or `zpopmax` once, then `del` for an emptied key, as
    genericZpopCommand() does for every pop command.

    The caller replies and propagates (ZPOPMIN/ZPOPMAX as sent, ZMPOP and the blocking
    forms as `ZPOPMIN|ZPOPMAX key count`).
    """
    popped = zs.pop(count, from_max)
    if popped:
        event = b"zpopmax" if from_max else b"zpopmin"
        notify(client.server, NOTIFY_ZSET, event, key, client.db.id)
        _drop_if_empty(client, key, zs)
    return popped


def pop_reply(popped: list[tuple[bytes, float]], nested: bool, resp: int) -> bytes:
    """The popped pairs: flat (member, score, …) or nested [[member, score], …]."""
    if nested:
        body = b"".join([b"*2\r\n" + _bulk(m) + reply.double(s, resp) for m, s in popped])
        return b"*%d\r\n%b" % (len(popped), body)
    body = b"".join([_bulk(m) + reply.double(s, resp) for m, s in popped])
    return b"*%d\r\n%b" % (2 * len(popped), body)


def _zpop(client: Client, argv: list[bytes], from_max: bool) -> bytes:
    """t_zset.c: zpopMinMaxCommand()."""
    if len(argv) > 3:
        return errors.SYNTAX
    count = -1
    if len(argv) == 3:
        count = parse_int(argv[2], MUST_BE_POSITIVE)
        if count < 0:
            return MUST_BE_POSITIVE
    key = argv[1]
    zs = get_zset_for_write(client, key)
    if zs is None or count == 0:
        return reply.EMPTY_ARRAY
    popped = pop_members(client, key, zs, 1 if count == -1 else count, from_max)
    client.server.propagate(client.db, argv)
    return pop_reply(popped, client.resp == 3 and count != -1, client.resp)


@command("zpopmin", -2, "write fast", keys=(1, 1, 1), group="sorted_set",
         summary="Remove and return members with the lowest scores in a sorted set",
         since="5.0.0")  # fmt: skip
def zpopmin(client: Client, argv: list[bytes]) -> bytes:
    return _zpop(client, argv, False)


@command("zpopmax", -2, "write fast", keys=(1, 1, 1), group="sorted_set",
         summary="Remove and return members with the highest scores in a sorted set",
         since="5.0.0")  # fmt: skip
def zpopmax(client: Client, argv: list[bytes]) -> bytes:
    return _zpop(client, argv, True)


def parse_mpop(argv: list[bytes], numkeys_index: int) -> tuple[list[bytes], bool, int]:
    """zmpopGenericCommand()'s arguments: (keys, from_max, count)."""
    numkeys = parse_int(argv[numkeys_index], NUMKEYS_POSITIVE)
    if numkeys < 1:
        raise CommandError(NUMKEYS_POSITIVE)
    where_index = numkeys_index + numkeys + 1
    if where_index >= len(argv):
        raise CommandError(errors.SYNTAX)
    where = argv[where_index].lower()
    if where not in (b"min", b"max"):
        raise CommandError(errors.SYNTAX)
    count = -1
    j = where_index + 1
    while j < len(argv):
        if count == -1 and argv[j].lower() == b"count" and j + 1 < len(argv):
            j += 1
            count = parse_int(argv[j], COUNT_POSITIVE)
            if count < 1:
                raise CommandError(COUNT_POSITIVE)
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    keys = argv[numkeys_index + 1 : where_index]
    return keys, where == b"max", 1 if count == -1 else count


def mpop_first(
    client: Client, keys: list[bytes], from_max: bool, count: int
) -> tuple[bytes, list[tuple[bytes, float]]] | None:
    """Pop from the first non-empty key; its event is `ZPOPMIN|ZPOPMAX key n`, n being
    how many were popped (as Redis 7.0 streams it, not the requested count)."""
    for key in keys:
        zs = get_zset_for_write(client, key)
        if zs is None:
            continue
        popped = pop_members(client, key, zs, count, from_max)
        name = b"ZPOPMAX" if from_max else b"ZPOPMIN"
        client.server.propagate(client.db, [name, key, b"%d" % len(popped)])
        return key, popped
    return None


@command("zmpop", -4, "write movablekeys", group="sorted_set",
         summary="Remove and return members with scores in a sorted set",
         since="7.0.0")  # fmt: skip
def zmpop(client: Client, argv: list[bytes]) -> bytes:
    keys, from_max, count = parse_mpop(argv, 1)
    found = mpop_first(client, keys, from_max, count)
    if found is None:
        return reply.null_array(client.resp)
    key, popped = found
    return b"*2\r\n" + _bulk(key) + pop_reply(popped, True, client.resp)


# -- blocking pops -------------------------------------------------------------------


def _may_block(client: Client) -> bool:
    """CLIENT_DENY_BLOCKING: inside MULTI/EXEC, or the master's stream, never block."""
    return client.multi is None and not client.is_master_link and not client.deny_blocking


def _blocking_pop_now(client: Client, key: bytes, zs: ZSet, from_max: bool, count: int) -> bytes:
    """genericZpopCommand() with the key emitted: pop from a non-empty zs, propagate,
    reply. count -1 is BZPOPMIN / BZPOPMAX ([key, member, score], event without a
    count); otherwise BZMPOP ([key, [[member, score], …]], event with the popped count).
    """
    popped = pop_members(client, key, zs, 1 if count == -1 else count, from_max)
    name = b"ZPOPMAX" if from_max else b"ZPOPMIN"
    if count == -1:
        client.server.propagate(client.db, [name, key])
        member, score = popped[0]
        return b"*3\r\n" + _bulk(key) + _bulk(member) + reply.double(score, client.resp)
    client.server.propagate(client.db, [name, key, b"%d" % len(popped)])
    return b"*2\r\n" + _bulk(key) + pop_reply(popped, True, client.resp)


def _serve_pop(from_max: bool, count: int) -> Callable[[Client, Database, bytes], bytes | None]:
    """The callback serving a blocked BZPOPMIN / BZPOPMAX / BZMPOP client from a key
    (serveClientsBlockedOnSortedSetKey()): only a sorted set serves it."""

    def serve(client: Client, db: Database, key: bytes) -> bytes | None:
        value = db.get_for_write(key)
        if type(value) is not ZSet:
            return None
        return _blocking_pop_now(client, key, value, from_max, count)

    return serve


def _blocking_pop(
    client: Client, keys: list[bytes], from_max: bool, timeout_arg: bytes, count: int
) -> bytes | None:
    """t_zset.c: blockingGenericZpopCommand(): pop now, or block on the keys."""
    deadline = parse_timeout(timeout_arg, client.db.keyspace.now_ms())
    for key in keys:
        zs = get_zset_for_write(client, key)
        if zs is not None:
            return _blocking_pop_now(client, key, zs, from_max, count)
    if not _may_block(client):
        return reply.null_array(client.resp)
    client.server.blocking.block(
        client, keys, deadline, _serve_pop(from_max, count), reply.null_array(client.resp)
    )
    return None


@command("bzpopmin", -3, "write noscript blocking fast", keys=(1, -2, 1), group="sorted_set",
         summary="Remove and return the member with the lowest score from one or more "
         "sorted sets, or block until one is available", since="5.0.0")  # fmt: skip
def bzpopmin(client: Client, argv: list[bytes]) -> bytes | None:
    return _blocking_pop(client, argv[1:-1], False, argv[-1], -1)


@command("bzpopmax", -3, "write noscript blocking fast", keys=(1, -2, 1), group="sorted_set",
         summary="Remove and return the member with the highest score from one or more "
         "sorted sets, or block until one is available", since="5.0.0")  # fmt: skip
def bzpopmax(client: Client, argv: list[bytes]) -> bytes | None:
    return _blocking_pop(client, argv[1:-1], True, argv[-1], -1)


@command("bzmpop", -5, "write blocking movablekeys", group="sorted_set",
         summary="Remove and return members with scores in a sorted set or block until "
         "one is available", since="7.0.0")  # fmt: skip
def bzmpop(client: Client, argv: list[bytes]) -> bytes | None:
    keys, from_max, count = parse_mpop(argv, 2)
    return _blocking_pop(client, keys, from_max, argv[1], count)


# -- ZRANDMEMBER ---------------------------------------------------------------------


@command("zrandmember", -2, "readonly", keys=(1, 1, 1), group="sorted_set",
         tips=("nondeterministic_output",),
         summary="Get one or multiple random elements from a sorted set",
         since="6.2.0")  # fmt: skip
def zrandmember(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) == 2:
        zs = get_zset(client, argv[1])
        if zs is None:
            return client.null
        return _bulk(zs.order[_random.randrange(len(zs))][1])
    count = parse_int(argv[2])
    if count < -LONG_MAX:
        return COUNT_RANGE
    withscores = False
    if len(argv) > 4 or (len(argv) == 4 and argv[3].lower() != b"withscores"):
        return errors.SYNTAX
    if len(argv) == 4:
        withscores = True
        if count < -LONG_MAX // 2 or count > LONG_MAX // 2:
            return OUT_OF_RANGE
    zs = get_zset(client, argv[1])
    if zs is None or count == 0:
        return reply.EMPTY_ARRAY
    size = len(zs)
    order = zs.order
    if count < 0:
        picks = [order[_random.randrange(size)] for _ in range(-count)]
    elif count >= size:
        picks = list(order)
    else:
        picks = [order[i] for i in _random.sample(range(size), count)]
    return range_reply(picks, withscores, client.resp)


# -- ZUNION, ZINTER, ZDIFF and their STORE forms; ZINTERCARD ---------------------------

UNION, INTER, DIFF = 0, 1, 2
_STORE_EVENTS = {UNION: b"zunionstore", INTER: b"zinterstore", DIFF: b"zdiffstore"}
SUM, MIN, MAX = 0, 1, 2
_AGGREGATES = {b"sum": SUM, b"min": MIN, b"max": MAX}


class _Source:
    """zsetopsrc: one input (a sorted set, a set whose members score 1, or nothing)."""

    __slots__ = ("subject", "weight", "length")

    def __init__(self, subject: Any) -> None:
        self.subject = subject
        self.weight = 1.0
        self.length = 0 if subject is None else len(subject)

    def items(self) -> Iterable[tuple[bytes, float]]:
        subject = self.subject
        if subject is None:
            return ()
        if type(subject) is ZSet:
            return subject.scores.items()
        return ((member, 1.0) for member in subject)

    def find(self, member: bytes) -> float | None:
        subject = self.subject
        if subject is None:
            return None
        if type(subject) is ZSet:
            return subject.scores.get(member)
        return 1.0 if member in subject else None


def _aggregate(target: float, value: float, how: int) -> float:
    """zunionInterAggregate(): a NaN sum (inf + -inf) counts as 0."""
    if how == SUM:
        total = target + value
        return 0.0 if math.isnan(total) else total
    if how == MIN:
        return value if value < target else target
    return value if value > target else target


def _compute(sources: list[_Source], op: int, how: int) -> dict[bytes, float]:
    """The member → score result of the operation."""
    result: dict[bytes, float] = {}
    if op == DIFF:
        base, others = sources[0], sources[1:]
        for member, score in base.items():
            if all(other.find(member) is None for other in others):
                result[member] = score
        return result
    ordered = sorted(sources, key=lambda source: source.length)
    if op == INTER:
        first = ordered[0]
        if first.length == 0:
            return result
        for member, value in first.items():
            score = first.weight * value
            if math.isnan(score):
                score = 0.0
            for other in ordered[1:]:
                found = other.find(member)
                if found is None:
                    break
                score = _aggregate(score, found * other.weight, how)
            else:
                result[member] = score
        return result
    for source in ordered:
        if source.length == 0:
            continue
        weight = source.weight
        for member, value in source.items():
            score = weight * value
            if math.isnan(score):
                score = 0.0
            current = result.get(member)
            result[member] = score if current is None else _aggregate(current, score, how)
    return result


def set_operation(
    client: Client,
    argv: list[bytes],
    dst: bytes | None,
    numkeys_index: int,
    op: int,
    cardinality_only: bool = False,
) -> bytes:
    """t_zset.c: zunionInterDiffGenericCommand()."""
    setnum = parse_int(argv[numkeys_index])
    if setnum < 1:
        name = argv[0].lower().decode(errors="replace")
        return errors.err(f"at least 1 input key is needed for '{name}' command")
    if setnum > len(argv) - numkeys_index - 1:
        return errors.SYNTAX
    db = client.db
    sources = []
    j = numkeys_index + 1
    for j in range(numkeys_index + 1, numkeys_index + 1 + setnum):
        value = db.get(argv[j])
        if value is not None and type(value) is not ZSet and type_name(value) != b"set":
            return errors.WRONGTYPE
        sources.append(_Source(value))
    j = numkeys_index + 1 + setnum
    how = SUM
    withscores = False
    limit = 0
    count = len(argv)
    while j < count:
        remaining = count - j
        option = argv[j].lower()
        if op != DIFF and not cardinality_only and remaining >= setnum + 1 and option == b"weights":
            j += 1
            for source in sources:
                source.weight = parse_score(argv[j], WEIGHT_NOT_FLOAT)
                j += 1
        elif op != DIFF and not cardinality_only and remaining >= 2 and option == b"aggregate":
            found = _AGGREGATES.get(argv[j + 1].lower())
            if found is None:
                return errors.SYNTAX
            how = found
            j += 2
        elif dst is None and not cardinality_only and option == b"withscores":
            withscores = True
            j += 1
        elif cardinality_only and remaining >= 2 and option == b"limit":
            limit = parse_int(argv[j + 1], LIMIT_NEGATIVE)
            if limit < 0:
                return LIMIT_NEGATIVE
            j += 2
        else:
            return errors.SYNTAX
    if cardinality_only:
        return reply.integer(_intersection_size(sources, limit))
    result = _compute(sources, op, how)
    if dst is not None:
        return store_result(client, argv, dst, list(result.items()), _STORE_EVENTS[op])
    items = sorted((score, member) for member, score in result.items())
    return range_reply(items, withscores, client.resp)


def _intersection_size(sources: list[_Source], limit: int) -> int:
    """ZINTERCARD: members in every input, counting stops at limit (0: no limit)."""
    ordered = sorted(sources, key=lambda source: source.length)
    first = ordered[0]
    found = 0
    for member, _ in first.items():
        if all(other.find(member) is not None for other in ordered[1:]):
            found += 1
            if found == limit:
                break
    return found


@command("zunion", -3, "readonly movablekeys", group="sorted_set",
         summary="Add multiple sorted sets", since="6.2.0")  # fmt: skip
def zunion(client: Client, argv: list[bytes]) -> bytes:
    return set_operation(client, argv, None, 1, UNION)


@command("zinter", -3, "readonly movablekeys", group="sorted_set",
         summary="Intersect multiple sorted sets", since="6.2.0")  # fmt: skip
def zinter(client: Client, argv: list[bytes]) -> bytes:
    return set_operation(client, argv, None, 1, INTER)


@command("zdiff", -3, "readonly movablekeys", group="sorted_set",
         summary="Subtract multiple sorted sets", since="6.2.0")  # fmt: skip
def zdiff(client: Client, argv: list[bytes]) -> bytes:
    return set_operation(client, argv, None, 1, DIFF)


@command("zunionstore", -4, "write denyoom movablekeys", keys=(1, 1, 1), group="sorted_set",
         summary="Add multiple sorted sets and store the resulting sorted set in a new key",
         since="2.0.0")  # fmt: skip
def zunionstore(client: Client, argv: list[bytes]) -> bytes:
    return set_operation(client, argv, argv[1], 2, UNION)


@command("zinterstore", -4, "write denyoom movablekeys", keys=(1, 1, 1), group="sorted_set",
         summary="Intersect multiple sorted sets and store the resulting sorted set in a new "
         "key", since="2.0.0")  # fmt: skip
def zinterstore(client: Client, argv: list[bytes]) -> bytes:
    return set_operation(client, argv, argv[1], 2, INTER)


@command("zdiffstore", -4, "write denyoom movablekeys", keys=(1, 1, 1), group="sorted_set",
         summary="Subtract multiple sorted sets and store the resulting sorted set in a new "
         "key", since="6.2.0")  # fmt: skip
def zdiffstore(client: Client, argv: list[bytes]) -> bytes:
    return set_operation(client, argv, argv[1], 2, DIFF)


@command("zintercard", -3, "readonly movablekeys", group="sorted_set",
         summary="Intersect multiple sorted sets and return the cardinality of the result",
         since="7.0.0")  # fmt: skip
def zintercard(client: Client, argv: list[bytes]) -> bytes:
    return set_operation(client, argv, None, 1, INTER, cardinality_only=True)


# -- ZSCAN ---------------------------------------------------------------------------


@command("zscan", -3, "readonly", keys=(1, 1, 1), group="sorted_set",
         tips=("nondeterministic_output",),
         summary="Incrementally iterate sorted sets elements and associated scores",
         since="2.8.0")  # fmt: skip
def zscan(client: Client, argv: list[bytes]) -> bytes:
    """A listpack answers whole with cursor 0, as Redis does; see ZSet.scan_batch."""
    cursor = parse_cursor(argv[2])
    zs = get_zset(client, argv[1])
    if zs is None:
        return EMPTY_SCAN
    count = 10
    matches: Callable[[bytes], bool] | None = None
    i = 3
    while i < len(argv):
        option = argv[i].lower()
        if option == b"count" and len(argv) - i >= 2:
            count = parse_int(argv[i + 1])
            if count < 1:
                return errors.SYNTAX
        elif option == b"match" and len(argv) - i >= 2:
            pattern = argv[i + 1]
            matches = None if pattern == b"*" else compile_glob(pattern)
        else:
            return errors.SYNTAX
        i += 2
    if zs.listpack:
        next_cursor = 0
        members = [member for _, member in zs.order]
    else:
        next_cursor, members = zs.scan_batch(cursor, count)
    scores = zs.scores
    parts = []
    for member in members:
        if matches is not None and not matches(member):
            continue
        parts.append(_bulk(member))
        parts.append(_bulk(b"%.17g" % scores[member]))
    return b"*2\r\n%b*%d\r\n%b" % (_bulk(b"%d" % next_cursor), len(parts), b"".join(parts))
