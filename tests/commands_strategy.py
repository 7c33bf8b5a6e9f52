"""Hypothesis strategies: random write-heavy command sequences over a few keys.

Shared by the replay property (tests/test_replay.py) and its interop twin
(tests/interop/test_digest_vs_redis.py). Only commands the table has are drawn.
"""

from __future__ import annotations

from hypothesis import strategies as st

from replkv.commands import registry

KEYS = [b"k1", b"k2", b"k3", b"n", b"x\r\ny", b"\x00z"]
FAR_FUTURE_MS = 4_102_444_800_000  # 2100-01-01

keys = st.sampled_from(KEYS)
values = st.sampled_from([b"", b"v", b"hello", b"10", b"-3", b"1.5", b"a\x00b", b"x" * 50])
# Set members: integers (intset) and strings (hashtable), a few of them colliding.
members = st.sampled_from([b"1", b"2", b"-3", b"10", b"a", b"b", b"", b"01", b"x\x00y"])
counts = st.integers(-5, 20).map(lambda n: b"%d" % n)
# Relative TTLs of two seconds or more: the replay property advances its clock past them,
# while a real-time sequence against redis-server ends long before any of them expires.
ttl_seconds = st.integers(2, 5).map(lambda n: b"%d" % n)
_SIDES = st.sampled_from([b"LEFT", b"RIGHT", b"left"])
far_times_ms = st.integers(FAR_FUTURE_MS, FAR_FUTURE_MS + 10**6).map(lambda n: b"%d" % n)
fields = st.sampled_from([b"f", b"g", b"10", b"", b"a\x00b"])
# A value past hash-max-listpack-value (64) converts a hash to a hash table.
hash_values = st.one_of(values, st.just(b"L" * 65))
field_values = st.lists(st.tuples(fields, hash_values), min_size=1, max_size=3).map(
    lambda pairs: [part for pair in pairs for part in pair]
)


scores = st.sampled_from([b"1", b"-2.5", b"0.1", b"-0", b"inf", b"-inf", b"1e300", b"(1", b"x"])
members = st.sampled_from([b"a", b"b", b"c", b"", b"m" * 70])
score_bounds = st.sampled_from([b"-inf", b"+inf", b"0", b"(1", b"1.5", b"(-0"])
lex_bounds = st.sampled_from([b"-", b"+", b"[a", b"(b", b"[c"])


def _zadd() -> st.SearchStrategy[list[bytes]]:
    options = st.lists(st.sampled_from([b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR"]), max_size=2)
    pairs = st.lists(st.tuples(scores, members), min_size=1, max_size=3)
    return st.tuples(keys, options, pairs).map(
        lambda t: [b"ZADD", t[0], *t[1], *[part for pair in t[2] for part in pair]]
    )


lonlats = st.sampled_from(
    [(b"13.361389", b"38.115556"), (b"15.087269", b"37.502669"), (b"0", b"0"),
     (b"180", b"85.05112878"), (b"-180", b"-85.05112878"), (b"10", b"10"), (b"200", b"0")]
)  # fmt: skip


def _geoadd() -> st.SearchStrategy[list[bytes]]:
    options = st.lists(st.sampled_from([b"NX", b"XX", b"CH"]), max_size=2)
    points = st.lists(st.tuples(lonlats, members), min_size=1, max_size=3)
    return st.tuples(keys, options, points).map(
        lambda t: [
            b"GEOADD",
            t[0],
            *t[1],
            *[part for (lon, lat), m in t[2] for part in (lon, lat, m)],
        ]
    )


def _geosearchstore() -> st.SearchStrategy[list[bytes]]:
    origin = st.one_of(
        lonlats.map(lambda p: [b"FROMLONLAT", *p]), members.map(lambda m: [b"FROMMEMBER", m])
    )
    shape = st.sampled_from(
        [
            [b"BYRADIUS", b"300", b"km"],
            [b"BYRADIUS", b"0", b"m"],
            [b"BYBOX", b"5000", b"900", b"km"],
        ]
    )
    extra = st.sampled_from(
        [[], [b"STOREDIST"], [b"COUNT", b"1"], [b"DESC", b"COUNT", b"2", b"ANY"]]
    )
    return st.tuples(keys, keys, origin, shape, extra).map(
        lambda t: [b"GEOSEARCHSTORE", t[0], t[1], *t[2], *t[3], *t[4]]
    )


def _zstore(name: bytes) -> st.SearchStrategy[list[bytes]]:
    extra = st.sampled_from([[], [b"AGGREGATE", b"MIN"], [b"AGGREGATE", b"MAX"]])
    if name != b"ZDIFFSTORE":
        extra = st.one_of(extra, st.just([b"WEIGHTS", b"2", b"-1.5"]))
    return st.tuples(keys, keys, keys, extra).map(
        lambda t: [name, t[0], b"2", t[1], t[2], *(t[3] if name != b"ZDIFFSTORE" else [])]
    )


group_names = st.sampled_from([b"g", b"h"])
consumer_names = st.sampled_from([b"c1", b"c2", b"c3"])
group_ids = st.sampled_from([b"0", b"1-1", b"2", b"3-5", b"$", b"(1"])


def _xgroup() -> st.SearchStrategy[list[bytes]]:
    """XGROUP's write forms (streams come from MKSTREAM until XADD is drawn too)."""
    entries_read = st.sampled_from([[], [b"ENTRIESREAD", b"1"], [b"ENTRIESREAD", b"-1"]])
    return st.one_of(
        st.tuples(keys, group_names, group_ids, entries_read).map(
            lambda t: [b"XGROUP", b"CREATE", t[0], t[1], t[2], b"MKSTREAM", *t[3]]
        ),
        st.tuples(keys, group_names, group_ids, entries_read).map(
            lambda t: [b"XGROUP", b"SETID", t[0], t[1], t[2], *t[3]]
        ),
        st.tuples(keys, group_names, consumer_names).map(
            lambda t: [b"XGROUP", b"CREATECONSUMER", *t]
        ),
        st.tuples(keys, group_names, consumer_names).map(lambda t: [b"XGROUP", b"DELCONSUMER", *t]),
        st.tuples(keys, group_names).map(lambda t: [b"XGROUP", b"DESTROY", *t]),
    )


def _xreadgroup() -> st.SearchStrategy[list[bytes]]:
    options = st.sampled_from([[], [b"COUNT", b"2"], [b"NOACK"], [b"COUNT", b"1", b"NOACK"]])
    return st.tuples(group_names, consumer_names, options, keys, st.sampled_from([b">", b"0"])).map(
        lambda t: [b"XREADGROUP", b"GROUP", t[0], t[1], *t[2], b"STREAMS", t[3], t[4]]
    )


def _xclaim() -> st.SearchStrategy[list[bytes]]:
    options = st.sampled_from(
        [[], [b"JUSTID"], [b"FORCE"], [b"RETRYCOUNT", b"3"], [b"LASTID", b"9-9"], [b"IDLE", b"5"]]
    )
    ids = st.lists(st.sampled_from([b"1-1", b"2-1", b"3-1"]), min_size=1, max_size=2)
    return st.tuples(keys, group_names, consumer_names, ids, options).map(
        lambda t: [b"XCLAIM", t[0], t[1], t[2], b"0", *t[3], *t[4]]
    )


stream_ids = st.one_of(
    st.integers(0, 30).map(lambda n: b"%d-*" % n),
    st.tuples(st.integers(0, 30), st.integers(0, 3)).map(lambda t: b"%d-%d" % t),
    st.sampled_from([b"7", b"0-0", b"x", b"18446744073709551615-18446744073709551615"]),
)


def _stream_trim() -> st.SearchStrategy[list[bytes]]:
    """XADD / XTRIM trimming options, approximate ones included (they are rewritten)."""
    lengths = st.integers(0, 6).map(lambda n: b"%d" % n)
    return st.one_of(
        st.just([]),
        st.tuples(st.sampled_from([[b"MAXLEN"], [b"MAXLEN", b"~"], [b"MAXLEN", b"="]]), lengths)
        .map(lambda t: [*t[0], t[1]]),
        st.tuples(st.sampled_from([[b"MINID"], [b"MINID", b"~"]]), stream_ids)
        .map(lambda t: [*t[0], t[1]]),
        lengths.map(lambda n: [b"MAXLEN", b"~", n, b"LIMIT", b"2"]),
    )  # fmt: skip


def _set() -> st.SearchStrategy[list[bytes]]:
    expiry = st.one_of(
        st.just([]),
        st.tuples(st.just(b"EX"), ttl_seconds).map(list),
        st.tuples(st.just(b"PX"), st.integers(2000, 5000).map(lambda n: b"%d" % n)).map(list),
        st.tuples(st.just(b"PXAT"), far_times_ms).map(list),
        st.just([b"KEEPTTL"]),
    )
    condition = st.sampled_from([[], [b"NX"], [b"XX"]])
    get = st.sampled_from([[], [b"GET"]])
    return st.tuples(keys, values, condition, expiry, get).map(
        lambda t: [b"SET", t[0], t[1], *t[2], *t[3], *t[4]]
    )


_CANDIDATES: dict[bytes, st.SearchStrategy[list[bytes]]] = {
    b"set": _set(),
    b"get": keys.map(lambda k: [b"GET", k]),
    b"append": st.tuples(keys, values).map(lambda t: [b"APPEND", *t]),
    b"incr": keys.map(lambda k: [b"INCR", k]),
    b"decr": keys.map(lambda k: [b"DECR", k]),
    b"incrby": st.tuples(keys, counts).map(lambda t: [b"INCRBY", *t]),
    b"decrby": st.tuples(keys, counts).map(lambda t: [b"DECRBY", *t]),
    b"incrbyfloat": st.tuples(keys, st.sampled_from([b"1.5", b"-0.25", b"3"])).map(
        lambda t: [b"INCRBYFLOAT", *t]
    ),
    b"del": st.lists(keys, min_size=1, max_size=3).map(lambda ks: [b"DEL", *ks]),
    b"unlink": st.lists(keys, min_size=1, max_size=2).map(lambda ks: [b"UNLINK", *ks]),
    b"expire": st.tuples(keys, ttl_seconds).map(lambda t: [b"EXPIRE", *t]),
    b"pexpireat": st.tuples(keys, far_times_ms).map(lambda t: [b"PEXPIREAT", *t]),
    b"persist": keys.map(lambda k: [b"PERSIST", k]),
    b"rename": st.tuples(keys, keys).map(lambda t: [b"RENAME", *t]),
    b"renamenx": st.tuples(keys, keys).map(lambda t: [b"RENAMENX", *t]),
    b"mset": st.lists(st.tuples(keys, values), min_size=1, max_size=3).map(
        lambda pairs: [b"MSET"] + [part for pair in pairs for part in pair]
    ),
    b"msetnx": st.lists(st.tuples(keys, values), min_size=1, max_size=2).map(
        lambda pairs: [b"MSETNX"] + [part for pair in pairs for part in pair]
    ),
    b"getdel": keys.map(lambda k: [b"GETDEL", k]),
    b"getex": st.tuples(keys, st.sampled_from([[], [b"PERSIST"], [b"EX", b"2"]])).map(
        lambda t: [b"GETEX", t[0], *t[1]]
    ),
    b"setrange": st.tuples(keys, st.integers(0, 8), values).map(
        lambda t: [b"SETRANGE", t[0], b"%d" % t[1], t[2]]
    ),
    b"select": st.sampled_from([b"0", b"1", b"2"]).map(lambda n: [b"SELECT", n]),
    b"move": st.tuples(keys, st.sampled_from([b"0", b"1"])).map(lambda t: [b"MOVE", *t]),
    b"copy": st.tuples(keys, keys).map(lambda t: [b"COPY", *t]),
    b"hset": st.tuples(keys, field_values).map(lambda t: [b"HSET", t[0], *t[1]]),
    b"hmset": st.tuples(keys, field_values).map(lambda t: [b"HMSET", t[0], *t[1]]),
    b"hsetnx": st.tuples(keys, fields, hash_values).map(lambda t: [b"HSETNX", *t]),
    b"hdel": st.tuples(keys, st.lists(fields, min_size=1, max_size=3)).map(
        lambda t: [b"HDEL", t[0], *t[1]]
    ),
    b"hincrby": st.tuples(keys, fields, counts).map(lambda t: [b"HINCRBY", *t]),
    b"hincrbyfloat": st.tuples(keys, fields, st.sampled_from([b"1.5", b"-0.25", b"3"])).map(
        lambda t: [b"HINCRBYFLOAT", *t]
    ),
    b"zadd": _zadd(),
    b"zincrby": st.tuples(keys, scores, members).map(lambda t: [b"ZINCRBY", *t]),
    b"zrem": st.tuples(keys, st.lists(members, min_size=1, max_size=2)).map(
        lambda t: [b"ZREM", t[0], *t[1]]
    ),
    b"zpopmin": st.tuples(keys, st.sampled_from([[], [b"2"], [b"0"]])).map(
        lambda t: [b"ZPOPMIN", t[0], *t[1]]
    ),
    b"zpopmax": keys.map(lambda k: [b"ZPOPMAX", k]),
    b"zmpop": st.tuples(keys, keys, st.sampled_from([b"MIN", b"MAX"]), counts).map(
        lambda t: [b"ZMPOP", b"2", t[0], t[1], t[2], b"COUNT", t[3]]
    ),
    # The blocking pops run here as their immediate forms (or time out at once).
    b"bzpopmin": st.lists(keys, min_size=1, max_size=2).map(lambda ks: [b"BZPOPMIN", *ks, b"0.01"]),
    b"bzpopmax": keys.map(lambda k: [b"BZPOPMAX", k, b"0.01"]),
    b"bzmpop": st.tuples(keys, keys, st.sampled_from([b"MIN", b"MAX"]), counts).map(
        lambda t: [b"BZMPOP", b"0.01", b"2", t[0], t[1], t[2], b"COUNT", t[3]]
    ),
    b"zremrangebyrank": st.tuples(keys, counts, counts).map(lambda t: [b"ZREMRANGEBYRANK", *t]),
    b"zremrangebyscore": st.tuples(keys, score_bounds, score_bounds).map(
        lambda t: [b"ZREMRANGEBYSCORE", *t]
    ),
    b"zremrangebylex": st.tuples(keys, lex_bounds, lex_bounds).map(
        lambda t: [b"ZREMRANGEBYLEX", *t]
    ),
    b"zrangestore": st.tuples(keys, keys, score_bounds, score_bounds).map(
        lambda t: [b"ZRANGESTORE", t[0], t[1], t[2], t[3], b"BYSCORE"]
    ),
    b"zunionstore": _zstore(b"ZUNIONSTORE"),
    b"zinterstore": _zstore(b"ZINTERSTORE"),
    b"zdiffstore": _zstore(b"ZDIFFSTORE"),
    b"geoadd": _geoadd(),
    b"geosearchstore": _geosearchstore(),
    b"georadius": st.tuples(keys, lonlats, st.sampled_from([b"STORE", b"STOREDIST"]), keys).map(
        lambda t: [b"GEORADIUS", t[0], *t[1], b"2000", b"km", t[2], t[3]]
    ),
    b"swapdb": st.tuples(st.sampled_from([b"0", b"1"]), st.sampled_from([b"1", b"2"])).map(
        lambda t: [b"SWAPDB", *t]
    ),
    b"sadd": st.tuples(keys, st.lists(members, min_size=1, max_size=4)).map(
        lambda t: [b"SADD", t[0], *t[1]]
    ),
    b"srem": st.tuples(keys, st.lists(members, min_size=1, max_size=3)).map(
        lambda t: [b"SREM", t[0], *t[1]]
    ),
    b"smove": st.tuples(keys, keys, members).map(lambda t: [b"SMOVE", *t]),
    b"sinterstore": st.lists(keys, min_size=2, max_size=4).map(lambda ks: [b"SINTERSTORE", *ks]),
    b"sunionstore": st.lists(keys, min_size=2, max_size=4).map(lambda ks: [b"SUNIONSTORE", *ks]),
    b"sdiffstore": st.lists(keys, min_size=2, max_size=4).map(lambda ks: [b"SDIFFSTORE", *ks]),
    b"spop": st.tuples(keys, st.sampled_from([[], [], [b"0"], [b"2"], [b"5"], [b"30"]])).map(
        lambda t: [b"SPOP", t[0], *t[1]]
    ),
    # Stream consumer groups (t_stream.c).
    b"xgroup": _xgroup(),
    b"xreadgroup": _xreadgroup(),
    b"xack": st.tuples(keys, group_names, st.sampled_from([b"1-1", b"2-1"])).map(
        lambda t: [b"XACK", *t]
    ),
    b"xclaim": _xclaim(),
    b"xautoclaim": st.tuples(
        keys, group_names, consumer_names, st.sampled_from([[], [b"JUSTID"]])
    ).map(lambda t: [b"XAUTOCLAIM", t[0], t[1], t[2], b"0", b"0", b"COUNT", b"2", *t[3]]),
    # Lists (t_list.c); the blocking forms run here as their immediate forms.
    b"lpush": st.tuples(keys, st.lists(values, min_size=1, max_size=3)).map(
        lambda t: [b"LPUSH", t[0], *t[1]]
    ),
    b"rpush": st.tuples(keys, st.lists(values, min_size=1, max_size=3)).map(
        lambda t: [b"RPUSH", t[0], *t[1]]
    ),
    b"lpushx": st.tuples(keys, values).map(lambda t: [b"LPUSHX", *t]),
    b"rpushx": st.tuples(keys, values).map(lambda t: [b"RPUSHX", *t]),
    b"lpop": st.tuples(keys, st.sampled_from([[], [b"0"], [b"2"]])).map(
        lambda t: [b"LPOP", t[0], *t[1]]
    ),
    b"rpop": st.tuples(keys, st.sampled_from([[], [b"1"], [b"5"]])).map(
        lambda t: [b"RPOP", t[0], *t[1]]
    ),
    b"lset": st.tuples(keys, counts, values).map(lambda t: [b"LSET", *t]),
    b"linsert": st.tuples(keys, st.sampled_from([b"BEFORE", b"AFTER"]), values, values).map(
        lambda t: [b"LINSERT", *t]
    ),
    b"lrem": st.tuples(keys, st.integers(-2, 2), values).map(
        lambda t: [b"LREM", t[0], b"%d" % t[1], t[2]]
    ),
    b"ltrim": st.tuples(keys, counts, counts).map(lambda t: [b"LTRIM", *t]),
    b"lmove": st.tuples(keys, keys, _SIDES, _SIDES).map(lambda t: [b"LMOVE", *t]),
    b"rpoplpush": st.tuples(keys, keys).map(lambda t: [b"RPOPLPUSH", *t]),
    b"lmpop": st.tuples(st.lists(keys, min_size=1, max_size=3), _SIDES, counts).map(
        lambda t: [b"LMPOP", b"%d" % len(t[0]), *t[0], t[1], b"COUNT", t[2]]
    ),
    b"blpop": st.lists(keys, min_size=1, max_size=2).map(lambda ks: [b"BLPOP", *ks, b"0.01"]),
    b"blmove": st.tuples(keys, keys, _SIDES, _SIDES).map(lambda t: [b"BLMOVE", *t, b"0.01"]),
    # ALPHA BY a pattern is left out: equal weights leave Redis's order to qsort.
    b"sort": st.tuples(
        keys,
        st.sampled_from(
            [
                [],
                [b"ALPHA"],
                [b"DESC"],
                [b"BY", b"nosort"],
                [b"BY", b"k*"],
                [b"BY", b"nosort", b"DESC", b"LIMIT", b"1", b"2"],
                [b"ALPHA", b"LIMIT", b"0", b"1"],
            ]
        ),
        st.sampled_from([[], [b"GET", b"#"], [b"GET", b"k*", b"GET", b"#"]]),
        keys,
    ).map(lambda t: [b"SORT", t[0], *t[1], *t[2], b"STORE", t[3]]),  # fmt: skip
    # HyperLogLog (hyperloglog.c): PFCOUNT of one key refreshes the cached cardinality.
    b"pfadd": st.tuples(keys, st.lists(values, max_size=4)).map(lambda t: [b"PFADD", t[0], *t[1]]),
    b"pfmerge": st.lists(keys, min_size=1, max_size=3).map(lambda ks: [b"PFMERGE", *ks]),
    b"pfcount": keys.map(lambda k: [b"PFCOUNT", k]),
    # Bitmaps (bitops.c)
    b"setbit": st.tuples(keys, st.integers(0, 80), st.sampled_from([b"0", b"1"])).map(
        lambda t: [b"SETBIT", t[0], b"%d" % t[1], t[2]]
    ),
    b"bitop": st.tuples(
        st.sampled_from([b"AND", b"OR", b"XOR", b"NOT"]),
        keys,
        st.lists(keys, min_size=1, max_size=3),
    ).map(lambda t: [b"BITOP", t[0], t[1], *(t[2][:1] if t[0] == b"NOT" else t[2])]),
    b"bitfield": st.tuples(
        keys,
        st.sampled_from([b"WRAP", b"SAT", b"FAIL"]),
        st.sampled_from([b"SET", b"INCRBY"]),
        st.sampled_from([b"u8", b"i5", b"i64", b"u63", b"u1"]),
        st.sampled_from([b"0", b"3", b"#2", b"40"]),
        st.sampled_from([b"1", b"-1", b"100", b"-300", b"9223372036854775807"]),
    ).map(lambda t: [b"BITFIELD", t[0], b"OVERFLOW", t[1], t[2], t[3], t[4], t[5]]),
    # Streams: explicit and `<ms>-*` ids only, so the replies do not depend on the time.
    b"xadd": st.tuples(keys, _stream_trim(), stream_ids, field_values).map(
        lambda t: [b"XADD", t[0], *t[1], t[2], *t[3]]
    ),
    b"xdel": st.tuples(keys, st.lists(stream_ids, min_size=1, max_size=3)).map(
        lambda t: [b"XDEL", t[0], *t[1]]
    ),
    b"xtrim": st.tuples(keys, _stream_trim()).map(lambda t: [b"XTRIM", t[0], *t[1]]),
    b"xsetid": st.tuples(
        keys,
        stream_ids,
        st.sampled_from([[], [b"ENTRIESADDED", b"50"], [b"MAXDELETEDID", b"1-1"]]),
    ).map(lambda t: [b"XSETID", t[0], t[1], *t[2]]),
}
# Commands whose effect is a random choice: fine where one server's log is replayed,
# not where two servers run the same sequence and compare their data.
RANDOM_EFFECT = frozenset([b"spop"])


def available_commands(deterministic: bool = False) -> st.SearchStrategy[list[bytes]]:
    """One command drawn among those registered (only deterministic ones if asked)."""
    registry.load()
    present = [
        s
        for name, s in _CANDIDATES.items()
        if name in registry.COMMANDS and not (deterministic and name in RANDOM_EFFECT)
    ]
    return st.one_of(*present)


def steps() -> st.SearchStrategy[list[tuple[int, list[list[bytes]]]]]:
    """(milliseconds to advance first, commands) steps; a step of several is a MULTI/EXEC."""
    group = st.lists(available_commands(), min_size=1, max_size=3)
    wait = st.sampled_from([0, 0, 0, 100, 700, 1500, 2500])
    return st.lists(st.tuples(wait, group), min_size=1, max_size=25)


def as_calls(batch: list[list[bytes]]) -> list[list[bytes]]:
    """The commands of one step, wrapped in MULTI/EXEC when there are several."""
    if len(batch) == 1 or b"multi" not in registry.COMMANDS:
        return batch
    return [[b"MULTI"], *batch, [b"EXEC"]]
