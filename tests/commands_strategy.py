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
counts = st.integers(-5, 20).map(lambda n: b"%d" % n)
# Relative TTLs of two seconds or more: the replay property advances its clock past them,
# while a real-time sequence against redis-server ends long before any of them expires.
ttl_seconds = st.integers(2, 5).map(lambda n: b"%d" % n)
_SIDES = st.sampled_from([b"LEFT", b"RIGHT", b"left"])
far_times_ms = st.integers(FAR_FUTURE_MS, FAR_FUTURE_MS + 10**6).map(lambda n: b"%d" % n)


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
    b"swapdb": st.tuples(st.sampled_from([b"0", b"1"]), st.sampled_from([b"1", b"2"])).map(
        lambda t: [b"SWAPDB", *t]
    ),
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
}


def available_commands() -> st.SearchStrategy[list[bytes]]:
    """One command drawn among those registered."""
    registry.load()
    present = [s for name, s in _CANDIDATES.items() if name in registry.COMMANDS]
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
