"""Random command sequences on replkv and redis-server: every reply compared byte for byte.

A fixed list of seeds makes each run the same; a failure names the seed, the protocol
and the sequence up to the first differing reply, so it replays by hand. Each sequence
draws from every implemented command over a few colliding keys and four databases,
with valid and invalid options, edge values, wrong arities and MULTI/EXEC blocks. Only
absolute expiry times far in the future or long past are drawn, and nothing that
depends on time, chance or connection identity, so the two servers must agree exactly;
after each sequence their DEBUG DIGESTs must agree too.

Set REPLKV_RANDOM_SEEDS (e.g. "17" or "0-199") to run other seeds.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import (
    Command,
    DifferentialCase,
    cmd,
    run_script,
    shape_only,
    unordered,
)
from tests.support.resp_client import RawClient, reply_end

DEBUG_ON = ("--enable-debug-command", "yes")
SEEDS = range(200)
COMMANDS_PER_SEQUENCE = 60
RESP3_EVERY = 4  # every fourth seed runs after HELLO 3

KEYS = [b"k", b"n", b"f", b"s p", b"\x00b", b""]
DBS = [b"0", b"1", b"2", b"3"]
BAD_DBS = [b"16", b"-1", b"x", b"9223372036854775808", b"1.0", b""]
FAR_S = 4_102_444_800  # 2100-01-01, in seconds
LLONG_MAX = 2**63 - 1

INTEGERS = [
    b"0", b"1", b"-1", b"2", b"7", b"-3", b"10", b"100",
    b"9223372036854775807", b"-9223372036854775808", b"9223372036854775806",
    b"-9223372036854775807", b"9223372036854775808", b"-9223372036854775809",
    b"4611686018427387904", b"-0", b"+1", b"01", b" 1", b"1 ", b"1.0", b"1e3", b"", b"x",
    b"18446744073709551616", b"0x10",
]  # fmt: skip
FLOATS = [
    b"1.5", b"-2.5e3", b"0.1", b"1e308", b"1.7976931348623157e309", b"inf", b"-inf", b"nan",
    b"0x1p3", b"3.0", b"-0", b"1e-320", b".5", b"5.", b"1e", b"1 ", b"5.0e4000", b"",
]  # fmt: skip
VALUES = [
    b"", b"v", b"hello", b"\x00", b"a\x00b", b"\r\n", b"x\r\ny", b"\xff\xfe", b"sp ace",
    b"x" * 44, b"y" * 45, b"10", b"-7", b"3.5", b"12345678901234567890",
]  # fmt: skip
HASH_FIELDS = [b"f", b"g", b"10", b"", b"a\x00b", b"-1"]
UNORDERED = (b"hkeys", b"hvals", b"hgetall", b"hrandfield", b"hscan")
GEO_LONS = [b"0", b"13.361389", b"15.087269", b"180", b"-180", b"179.99", b"-0.5", b"181", b"x"]
GEO_LATS = [b"0", b"38.115556", b"37.502669", b"85.05112878", b"-85.05112878", b"-30", b"86"]
ZSCORES = [b"1", b"2", b"-0", b"0", b"1.5", b"inf", b"-inf", b"0.1", b"1e300", b"x", b"nan", b""]
ZMEMBERS = [b"a", b"b", b"c", b"", b"m" * 65, b"\x00"]
# HyperLogLog strings made by hand: empty sparse, short (corrupted) sparse, dense.
HLL_FORGED = [
    b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff",
    b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\x00",
    b"HYLL\x00\x00\x00\x00" + bytes(8) + bytes(range(256)) * 48,
]
PATTERNS = [b"*", b"k*", b"?", b"[a-z]", b"\\*", b"[", b"*\x00*", b"s*p", b"[^k]", b"", b"n"]


# Replies that need a normaliser, so not drawn inside MULTI (EXEC answers them in one).
UNORDERED_IN_EXEC = (
    b"ttl", b"pttl", b"hello", b"keys", b"scan",
    b"sscan", b"smembers", b"sinter", b"sunion", b"sdiff",
)  # fmt: skip


def positive_integers(raw: bytes) -> bytes:
    """TTL/PTTL of a far-future key: only that it is positive is deterministic."""
    if raw.startswith(b":") and not raw.startswith((b":-", b":0\r")):
        return b":<positive>\r\n"
    return raw


_UNIX_MS = re.compile(rb":1[0-9]{12}\r\n")
_IDLE = re.compile(rb"(\$4\r\nidle\r\n):[0-9]+\r\n")
_PENDING_IDLE = re.compile(
    rb"(\*4\r\n\$[0-9]+\r\n[0-9]+-[0-9]+\r\n\$[0-9]+\r\n[^\r]*\r\n):[0-9]+\r\n"
)


def stream_times(raw: bytes) -> bytes:
    """XINFO / XPENDING: unix ms times and idle times replaced by placeholders."""
    raw = _IDLE.sub(rb"\1:<idle>\r\n", _UNIX_MS.sub(b":<time>\r\n", raw))
    return _PENDING_IDLE.sub(rb"\1:<idle>\r\n", raw)


def first_byte(raw: bytes) -> bytes:
    """HELLO's reply holds the client id: compare its type only (errors in full)."""
    return raw if raw.startswith((b"-", b"!")) else raw[:1]


def scan_reply(raw: bytes) -> bytes:
    """SCAN over a small database: cursor kept, the keys compared as a multiset."""
    if not raw.startswith(b"*2\r\n"):
        return raw
    cursor_end = reply_end(raw, 4)
    assert cursor_end is not None
    return raw[:cursor_end] + unordered(raw[cursor_end:])


def random_fields(raw: bytes) -> bytes:
    """HRANDFIELD: which fields is chance; the reply's type and sizes are not."""
    return shape_only(raw) if raw[:1] in (b"$", b"*") and raw[:3] != b"$-1" else raw


class Generator:
    """Random commands from one seed; `sequence()` gives one whole sequence."""

    def __init__(self, seed: int):
        self.rnd = random.Random(seed)
        # INCRBYFLOAT leaves an integer-looking result embstr-encoded in Redis, where
        # replkv reports int: OBJECT ENCODING/REFCOUNT are not drawn after one.
        self.float_written = False

    # --- argument pieces ----------------------------------------------------------

    def key(self) -> bytes:
        return self.rnd.choice(KEYS)

    def keys(self, low: int = 1, high: int = 4) -> list[bytes]:
        return [self.key() for _ in range(self.rnd.randint(low, high))]

    def value(self) -> bytes:
        roll = self.rnd.random()
        if roll < 0.3:
            return self.rnd.choice(INTEGERS)
        if roll < 0.4:
            return self.rnd.choice(FLOATS)
        if roll < 0.5:
            return b"%d" % self.rnd.randint(-50, 50)
        return self.rnd.choice(VALUES)

    def integer(self) -> bytes:
        if self.rnd.random() < 0.5:
            return b"%d" % self.rnd.randint(-20, 20)
        return self.rnd.choice(INTEGERS)

    def case(self, word: bytes) -> bytes:
        """Options and names in any case, as Redis compares them."""
        roll = self.rnd.random()
        if roll < 0.6:
            return word.upper()
        if roll < 0.8:
            return word.lower()
        return bytes(c ^ 0x20 if chr(c).isalpha() and self.rnd.random() < 0.5 else c for c in word)

    def db_arg(self) -> bytes:
        return self.rnd.choice(DBS) if self.rnd.random() < 0.85 else self.rnd.choice(BAD_DBS)

    def abs_seconds(self) -> bytes:
        roll = self.rnd.random()
        if roll < 0.7:
            return b"%d" % (FAR_S + self.rnd.randint(0, 10**6))
        if roll < 0.85:
            return b"%d" % self.rnd.choice([1, 100, 0, -1, 1_000_000_000])
        return self.rnd.choice([b"9223372036854775807", b"9223372036854775", b"x", b"1.5", b""])

    def abs_ms(self) -> bytes:
        roll = self.rnd.random()
        if roll < 0.7:
            return b"%d" % (FAR_S * 1000 + self.rnd.randint(0, 10**9))
        if roll < 0.85:
            return b"%d" % self.rnd.choice([1, 100, 0, -1, 1_000_000_000_000])
        return self.rnd.choice([b"9223372036854775807", b"-9223372036854775808", b"x", b""])

    def relative_invalid(self) -> bytes:
        """A relative expiry that never leaves a time-dependent TTL: zero, negative, bad."""
        return self.rnd.choice(
            [b"0", b"-1", b"-100", b"x", b"1.5", b"", b"9223372036854775807",
             b"-9223372036854775808", b"9223372036854775806", b"-9223372036854775"]
        )  # fmt: skip

    # --- commands -----------------------------------------------------------------

    def c_set(self) -> list[bytes]:
        argv = [self.case(b"set"), self.key(), self.value()]
        options: list[list[bytes]] = []
        for _ in range(self.rnd.choice([0, 0, 1, 1, 2, 3])):
            kind = self.rnd.randrange(9)
            if kind == 0:
                options.append([self.case(b"nx")])
            elif kind == 1:
                options.append([self.case(b"xx")])
            elif kind == 2:
                options.append([self.case(b"get")])
            elif kind == 3:
                options.append([self.case(b"keepttl")])
            elif kind == 4:
                options.append([self.case(b"exat"), self.abs_seconds()])
            elif kind == 5:
                options.append([self.case(b"pxat"), self.abs_ms()])
            elif kind == 6:
                options.append(
                    [self.case(self.rnd.choice([b"ex", b"px"])), self.relative_invalid()]
                )
            elif kind == 7:
                options.append([self.case(self.rnd.choice([b"ex", b"px", b"exat", b"pxat"]))])
            else:
                # "-1", not "1": after a bare EX (kind 7) it would make a live relative TTL.
                options.append([self.rnd.choice([b"bogus", b"PERSIST", b"-1"])])
        for option in options:
            argv += option
        return argv

    def c_getex(self) -> list[bytes]:
        argv = [self.case(b"getex"), self.key()]
        for _ in range(self.rnd.choice([0, 1, 1, 2])):
            kind = self.rnd.randrange(5)
            if kind == 0:
                argv += [self.case(b"exat"), self.abs_seconds()]
            elif kind == 1:
                argv += [self.case(b"pxat"), self.abs_ms()]
            elif kind == 2:
                argv += [self.case(self.rnd.choice([b"ex", b"px"])), self.relative_invalid()]
            elif kind == 3:
                argv += [self.case(b"persist")]
            else:
                argv += [self.rnd.choice([b"EX", b"bogus", b"KEEPTTL"])]
        return argv

    def c_strings(self) -> list[bytes]:
        r = self.rnd
        choice = r.randrange(22)
        if choice == 0:
            return [b"GET", self.key()]
        if choice == 1:
            return [b"APPEND", self.key(), self.value()]
        if choice == 2:
            return [self.case(r.choice([b"incr", b"decr"])), self.key()]
        if choice == 3:
            return [self.case(r.choice([b"incrby", b"decrby"])), self.key(), self.integer()]
        if choice == 4:
            self.float_written = True
            operand = r.choice(FLOATS) if r.random() < 0.7 else self.integer()
            return [b"INCRBYFLOAT", self.key(), operand]
        if choice == 5:
            return [self.case(r.choice([b"getrange", b"substr"])), self.key(),
                    self.integer(), self.integer()]  # fmt: skip
        if choice == 6:
            return [b"GETSET", self.key(), self.value()]
        if choice == 7:
            return [b"GETDEL", self.key()]
        if choice == 8:
            return self.c_getex()
        if choice == 9:
            return [b"MGET", *self.keys()]
        if choice == 10:
            pairs = [part for _ in range(r.randint(1, 3)) for part in (self.key(), self.value())]
            return [self.case(r.choice([b"mset", b"msetnx"])), *pairs]
        if choice == 11:
            return [b"SETNX", self.key(), self.value()]
        if choice == 12:
            return [self.case(r.choice([b"setex", b"psetex"])), self.key(),
                    self.relative_invalid(), self.value()]  # fmt: skip
        if choice == 13:
            offset = r.choice([b"%d" % r.randint(0, 20), b"-1", b"536870912", b"536870911",
                               b"x", b"9223372036854775807"])  # fmt: skip
            value = self.value() if offset[:1] != b"5" else r.choice([b"", b"z"])
            if offset == b"536870911":
                value = b""  # a 512 MB string is not worth building twice
            return [b"SETRANGE", self.key(), offset, value]
        if choice == 14:
            return [b"STRLEN", self.key()]
        if choice == 15:
            argv = [b"LCS", self.key(), self.key()]
            for _ in range(r.randint(0, 3)):
                option = r.choice([b"len", b"idx", b"withmatchlen", b"minmatchlen", b"bogus"])
                argv.append(self.case(option))
                if option == b"minmatchlen":
                    argv.append(self.integer())
            return argv
        return self.c_set()

    def c_bitmaps(self) -> list[bytes]:
        """Bitmap commands; offsets stay small (or past the 512 MB limit, refused)."""
        r = self.rnd
        offset = lambda: r.choice(  # noqa: E731
            [b"%d" % r.randint(0, 70), b"%d" % r.randint(0, 70), b"-1", b"x", b"4294967296"]
        )
        bound = lambda: r.choice([b"%d" % r.randint(-20, 20), b"x"])  # noqa: E731
        unit = lambda: r.choice([[], [], [b"BIT"], [b"byte"], [b"bogus"]])  # noqa: E731
        choice = r.randrange(10)
        if choice <= 1:
            patterns = [b"\xff", b"\xff\xff\xff", b"\x00\x00", b"\x0f\xf0", b"\x80\x01"]
            return [b"SET", self.key(), r.choice(patterns)]  # runs of ones and zeros
        choice -= 2
        if choice == 0:
            return [self.case(b"setbit"), self.key(), offset(), r.choice([b"0", b"1", b"2"])]
        if choice == 1:
            return [self.case(b"getbit"), self.key(), offset()]
        if choice == 2:
            return [
                self.case(b"bitcount"),
                self.key(),
                *r.choice([[], [bound(), bound()]]),
                *unit(),
            ]
        if choice == 3:
            tail = r.choice([[], [bound()], [bound(), bound()], [bound(), bound(), *unit()]])
            return [self.case(b"bitpos"), self.key(), r.choice([b"0", b"1", b"2"]), *tail]
        if choice == 4:
            operation = r.choice([b"and", b"or", b"xor", b"not", b"nand"])
            return [b"BITOP", self.case(operation), self.key(), *self.keys(1, 3)]
        argv = [self.case(r.choice([b"bitfield", b"bitfield", b"bitfield_ro"])), self.key()]
        for _ in range(r.randint(0, 4)):
            kind = r.choice([b"i8", b"u8", b"i64", b"u63", b"i5", b"u1", b"u64", b"x"])
            where = r.choice([offset(), b"#%d" % r.randint(0, 8)])
            roll = r.random()
            if roll < 0.2:
                argv += [b"OVERFLOW", r.choice([b"WRAP", b"sat", b"FAIL", b"bogus"])]
            elif roll < 0.5:
                argv += [self.case(b"get"), kind, where]
            else:
                argv += [self.case(r.choice([b"set", b"incrby"])), kind, where, self.integer()]
        return argv

    def c_zsets(self) -> list[bytes]:
        """Sorted set commands with deterministic replies (no ZRANDMEMBER)."""
        r = self.rnd
        score = lambda: r.choice(ZSCORES)  # noqa: E731
        member = lambda: r.choice(ZMEMBERS)  # noqa: E731
        bound = lambda: r.choice([*ZSCORES, b"(1", b"(-0", b"(inf", b"-inf", b"+inf"])  # noqa: E731
        lex = lambda: r.choice([b"-", b"+", b"[a", b"(b", b"[", b"(", b"x", b"[m"])  # noqa: E731
        choice = r.randrange(16)
        if choice < 4:
            options = [self.case(r.choice([b"nx", b"xx", b"gt", b"lt", b"ch", b"incr"]))
                       for _ in range(r.choice([0, 0, 1, 2]))]  # fmt: skip
            pairs = [part for _ in range(r.randint(1, 3)) for part in (score(), member())]
            return [b"ZADD", self.key(), *options, *pairs]
        if choice == 4:
            return [b"ZINCRBY", self.key(), score(), member()]
        if choice == 5:
            return [b"ZREM", self.key(), *[member() for _ in range(r.randint(1, 3))]]
        if choice == 6:
            name = r.choice([b"zrange", b"zrangestore"])
            argv = [self.case(name), *([self.key()] if name == b"zrangestore" else []), self.key()]
            kind = r.choice([b"", b"byscore", b"bylex"])
            if kind == b"byscore":
                argv += [bound(), bound(), self.case(kind)]
            elif kind == b"bylex":
                argv += [lex(), lex(), self.case(kind)]
            else:
                argv += [self.integer(), self.integer()]
            for _ in range(r.choice([0, 1, 2])):
                option = r.choice([b"rev", b"withscores", b"limit"])
                argv.append(self.case(option))
                if option == b"limit":
                    argv += [self.integer(), self.integer()]
            return argv
        if choice == 7:
            name = r.choice([b"zrangebyscore", b"zrevrangebyscore", b"zcount"])
            return [self.case(name), self.key(), bound(), bound()]
        if choice == 8:
            name = r.choice([b"zrangebylex", b"zrevrangebylex", b"zlexcount", b"zremrangebylex"])
            return [self.case(name), self.key(), lex(), lex()]
        if choice == 9:
            name = r.choice([b"zremrangebyrank", b"zremrangebyscore", b"zrevrange"])
            if name == b"zremrangebyscore":
                return [self.case(name), self.key(), bound(), bound()]
            return [self.case(name), self.key(), self.integer(), self.integer()]
        if choice == 10:
            name = r.choice([b"zpopmin", b"zpopmax", b"bzpopmin", b"bzpopmax"])
            if name.startswith(b"bz"):  # served at once, or times out at once
                return [self.case(name), *self.keys(1, 2), b"0.01"]
            return [self.case(name), self.key(), *r.choice([[], [b"2"], [self.integer()]])]
        if choice == 11:
            keys = self.keys(1, 3)
            name = r.choice([[b"ZMPOP"], [b"ZMPOP"], [b"BZMPOP", b"0.01"]])
            return [*name, b"%d" % len(keys), *keys, r.choice([b"MIN", b"max", b"x"]),
                    *r.choice([[], [b"COUNT", self.integer()]])]  # fmt: skip
        if choice == 12:
            name = r.choice([b"zunion", b"zinter", b"zdiff", b"zunionstore", b"zinterstore",
                             b"zdiffstore", b"zintercard"])  # fmt: skip
            keys = self.keys(1, 3)
            target = [self.key()] if name.endswith(b"store") else []
            argv = [self.case(name), *target, b"%d" % len(keys), *keys]
            for _ in range(r.choice([0, 1, 2])):
                option = r.choice([b"weights", b"aggregate", b"withscores", b"limit"])
                argv.append(self.case(option))
                if option == b"weights":
                    argv += [score() for _ in keys]
                elif option == b"aggregate":
                    argv.append(r.choice([b"sum", b"MIN", b"max", b"avg"]))
                elif option == b"limit":
                    argv.append(self.integer())
            return argv
        if choice == 13:
            return [self.case(r.choice([b"zscore", b"zrank", b"zrevrank"])), self.key(), member()]
        if choice == 14:
            return [b"ZMSCORE", self.key(), member(), member()]
        return [r.choice([b"ZCARD", b"ZSCAN"]), self.key(), *([b"0"] if r.random() < 0.5 else [])]

    def c_geo(self) -> list[bytes]:
        """Geo commands over the same keys (so also over sorted sets of any scores)."""
        r = self.rnd
        member = lambda: r.choice(ZMEMBERS)  # noqa: E731
        lon = lambda: r.choice(GEO_LONS)  # noqa: E731
        lat = lambda: r.choice(GEO_LATS)  # noqa: E731
        unit = lambda: r.choice([b"m", b"km", b"KM", b"mi", b"ft", b"parsec"])  # noqa: E731
        radius = lambda: r.choice([b"0", b"1", b"500", b"3000", b"1e9", b"-1", b"x"])  # noqa: E731
        choice = r.randrange(8)
        if choice < 3:
            options = [
                self.case(r.choice([b"nx", b"xx", b"ch"])) for _ in range(r.choice([0, 0, 1]))
            ]
            points = [part for _ in range(r.randint(1, 3)) for part in (lon(), lat(), member())]
            return [b"GEOADD", self.key(), *options, *points]
        if choice == 3:
            name = r.choice([b"geopos", b"geohash", b"geodist"])
            extra = [unit()] if name == b"geodist" and r.random() < 0.5 else []
            return [self.case(name), self.key(), member(), member(), *extra]
        options: list[bytes] = []
        for _ in range(r.choice([0, 1, 2, 3])):
            option = r.choice([b"withdist", b"withcoord", b"withhash", b"asc", b"desc", b"count",
                               b"any", b"store", b"storedist"])  # fmt: skip
            options.append(self.case(option))
            if option == b"count":
                options.append(r.choice([b"1", b"2", b"5", b"0", b"x"]))
            elif option.startswith(b"store") and choice != 7:
                options.append(self.key())
        if choice == 4:
            name = r.choice([b"georadius", b"georadius_ro"])
            return [self.case(name), self.key(), lon(), lat(), radius(), unit(), *options]
        if choice == 5:
            name = r.choice([b"georadiusbymember", b"georadiusbymember_ro"])
            return [self.case(name), self.key(), member(), radius(), unit(), *options]
        origin = r.choice([[b"FROMLONLAT", lon(), lat()], [b"FROMMEMBER", member()], []])
        shape = r.choice(
            [[b"BYRADIUS", radius(), unit()], [b"BYBOX", radius(), radius(), unit()], []]
        )
        options = [o for o in options if o.lower() != b"store"] if choice == 7 else options
        target = [self.key()] if choice == 7 else []
        name = b"geosearchstore" if choice == 7 else b"geosearch"
        return [self.case(name), *target, self.key(), *origin, *shape, *options]

    def c_keys(self) -> list[bytes]:
        r = self.rnd
        choice = r.randrange(20)
        if choice == 0:
            return [self.case(r.choice([b"del", b"unlink"])), *self.keys()]
        if choice == 1:
            return [self.case(r.choice([b"exists", b"touch"])), *self.keys()]
        if choice == 2:
            return [b"TYPE", self.key()]
        if choice == 3:
            return [self.case(r.choice([b"rename", b"renamenx"])), self.key(), self.key()]
        if choice == 4:
            argv = [b"COPY", self.key(), self.key()]
            for _ in range(r.choice([0, 1, 1, 2, 3])):
                option = r.choice([b"db", b"replace", b"db", b"bogus"])
                argv.append(self.case(option))
                if option == b"db":
                    argv.append(self.db_arg())
            return argv
        if choice == 5:
            return [b"MOVE", self.key(), self.db_arg()]
        if choice == 6:
            return [b"SWAPDB", self.db_arg(), self.db_arg()]
        if choice == 7:
            return [b"DBSIZE"]
        if choice == 8:
            return [b"SELECT", self.db_arg()]
        if choice == 9:
            return [b"FLUSHDB", *r.choice([[], [], [b"ASYNC"], [b"sync"], [b"bogus"]])]
        if choice == 10 and r.random() < 0.3:
            return [b"FLUSHALL", *r.choice([[], [b"SYNC"], [b"async"], [b"x", b"y"]])]
        if choice == 11:
            sub = r.choice([b"encoding", b"refcount", b"freq", b"help", b"bogus"])
            if self.float_written and sub in (b"encoding", b"refcount"):
                sub = b"freq"
            return [b"OBJECT", self.case(sub), *([self.key()] if sub != b"help" else [])]
        if choice == 12:
            return [b"DEBUG", b"DIGEST-VALUE", *self.keys(0, 3)]
        return self.c_strings()

    def c_expiry(self) -> list[bytes]:
        r = self.rnd
        choice = r.randrange(6)
        options = [self.case(r.choice([b"nx", b"xx", b"gt", b"lt", b"bogus"]))
                   for _ in range(r.choice([0, 0, 1, 1, 2]))]  # fmt: skip
        if choice == 0:
            return [self.case(b"expireat"), self.key(), self.abs_seconds(), *options]
        if choice == 1:
            return [self.case(b"pexpireat"), self.key(), self.abs_ms(), *options]
        if choice == 2:
            name = r.choice([b"expire", b"pexpire"])
            return [self.case(name), self.key(), self.relative_invalid(), *options]
        if choice == 3:
            return [self.case(r.choice([b"expiretime", b"pexpiretime"])), self.key()]
        if choice == 4:
            return [b"PERSIST", self.key()]
        return [self.case(r.choice([b"ttl", b"pttl"])), self.key()]

    def field(self) -> bytes:
        return self.rnd.choice(HASH_FIELDS)

    def hash_value(self) -> bytes:
        # Past hash-max-listpack-value (64): converts the hash to a hash table.
        return b"L" * 65 if self.rnd.random() < 0.05 else self.value()

    def c_hashes(self) -> list[bytes]:
        r = self.rnd
        choice = r.randrange(16)
        key = self.key()
        if choice <= 2:
            pairs = [p for _ in range(r.randint(1, 3)) for p in (self.field(), self.hash_value())]
            return [self.case(r.choice([b"hset", b"hmset"])), key, *pairs]
        if choice == 3:
            return [b"HSETNX", key, self.field(), self.hash_value()]
        if choice == 4:
            return [b"HGET", key, self.field()]
        if choice == 5:
            return [b"HMGET", key, *[self.field() for _ in range(r.randint(1, 3))]]
        if choice == 6:
            return [b"HDEL", key, *[self.field() for _ in range(r.randint(1, 3))]]
        if choice == 7:
            return [self.case(r.choice([b"hlen", b"hkeys", b"hvals", b"hgetall"])), key]
        if choice == 8:
            return [self.case(r.choice([b"hstrlen", b"hexists"])), key, self.field()]
        if choice == 9:
            return [b"HINCRBY", key, self.field(), self.integer()]
        if choice == 10:
            operand = r.choice(FLOATS) if r.random() < 0.7 else self.integer()
            return [b"HINCRBYFLOAT", key, self.field(), operand]
        if choice == 11:
            # Deterministic forms only: no count, or 0, or more than any hash holds.
            count = r.choice([[], [b"0"], [b"100"], [b"-0"], [b"x"], [b"-9223372036854775808"]])
            extra = r.choice([[], [], [self.case(b"withvalues")], [b"bogus"]]) if count else []
            return [b"HRANDFIELD", key, *count, *extra]
        if choice == 12:
            argv = [b"HSCAN", key, r.choice([b"0", b"0", b"x", b"-0"])]
            for _ in range(r.choice([0, 1, 1, 2])):
                option = r.choice([b"match", b"count", b"bogus"])
                argv.append(self.case(option))
                if option == b"match":
                    argv.append(r.choice(PATTERNS))
                elif option == b"count":
                    argv.append(r.choice([b"10", b"100", b"0", b"x"]))
            return argv
        return [b"HSET", key, self.field(), self.hash_value()]

    def c_sets(self) -> list[bytes]:
        """Set commands whose replies are deterministic (no SPOP, no SRANDMEMBER)."""
        r = self.rnd
        if r.random() < 0.12:
            return self.c_sort()
        choice = r.randrange(12)
        if choice <= 2:
            return [self.case(b"sadd"), self.key(), *[self.value() for _ in range(r.randint(1, 5))]]
        if choice == 3:
            return [self.case(b"srem"), self.key(), *[self.value() for _ in range(r.randint(1, 3))]]
        if choice == 4:
            return [self.case(r.choice([b"scard", b"smembers"])), self.key()]
        if choice == 5:
            return [self.case(b"sismember"), self.key(), self.value()]
        if choice == 6:
            return [self.case(b"smismember"), self.key(), self.value(), self.value()]
        if choice == 7:
            return [self.case(b"smove"), self.key(), self.key(), self.value()]
        if choice == 8:
            return [self.case(r.choice([b"sinter", b"sunion", b"sdiff"])), *self.keys()]
        if choice == 9:
            name = r.choice([b"sinterstore", b"sunionstore", b"sdiffstore"])
            return [self.case(name), self.key(), *self.keys()]
        if choice == 10:
            numkeys = r.choice([b"1", b"2", b"3", b"0", b"-1", b"x", b"5"])
            argv = [self.case(b"sintercard"), numkeys, *self.keys(1, 3)]
            if r.random() < 0.4:
                argv += [self.case(b"limit"), r.choice([b"0", b"1", b"2", b"-1", b"x"])]
            return argv
        argv = [self.case(b"sscan"), self.key(), r.choice([b"0", b"0", b"x", b"-0"])]
        argv += r.choice([[b"COUNT", b"1000"], [b"count", b"1000", b"MATCH", r.choice(PATTERNS)],
                          [b"COUNT", b"0"], [b"bogus"]])  # fmt: skip
        return argv

    def c_sort(self) -> list[bytes]:
        """SORT / SORT_RO in forms whose order Redis fixes: no ALPHA BY a pattern (qsort
        orders its ties), no BY nosort of a set unless STORE forces ALPHA."""
        r = self.rnd
        store = r.random() < 0.5
        argv = [self.case(b"sort" if store else r.choice([b"sort", b"sort_ro"])), self.key()]
        by_options = [[], [], [b"BY", b"k*"], [b"BY", b"nosort"]] if store else [[], [b"BY", b"k*"]]
        by = r.choice(by_options)
        argv += by
        if not by or by[1] != b"k*":
            argv += r.choice([[], [self.case(b"alpha")]])
        argv += r.choice([[], [b"DESC"], [b"ASC"]])
        argv += r.choice([[], [b"LIMIT", b"1", b"2"], [b"LIMIT", b"-1", b"x"], [b"LIMIT", b"0"]])
        argv += r.choice([[], [b"GET", b"#"], [b"GET", b"k*", b"GET", b"#"]])
        if store:
            argv += [self.case(b"store"), self.key()]
        return argv

    def c_connection(self) -> list[bytes]:
        r = self.rnd
        choice = r.randrange(12)
        if choice == 0:
            return [b"PING", *([self.value()] if r.random() < 0.5 else [])]
        if choice == 1:
            return [b"ECHO", self.value()]
        if choice == 2:
            return [b"CLIENT", b"SETNAME", r.choice([b"name", b"", b"a b", b"x\ny", b"ok-1"])]
        if choice == 3:
            return [b"CLIENT", self.case(r.choice([b"getname", b"getredir", b"trackinginfo"]))]
        if choice == 4:
            return [b"CLIENT", b"NO-EVICT", r.choice([b"on", b"OFF", b"maybe"])]
        if choice == 5:
            options = r.choice([[], [], [b"bcast"], [b"-30"], [b"prefix"], [b"redirect", b"x"]])
            return [b"CLIENT", r.choice([b"TRACKING", b"CACHING"]),
                    r.choice([b"off", b"no", b"x"]), *options]  # fmt: skip
        if choice == 6:
            return [b"AUTH", *r.choice([[b"pw"], [b"default", b"pw"], [b"a", b"b", b"c"]])]
        if choice == 7:
            return [b"COMMAND", r.choice([b"INFO", b"GETKEYS"]), *self.c_strings()]
        if choice == 8:
            return [b"CONFIG", b"GET", r.choice([b"databases", b"maxmemory", b"hz", b"nosuch"])]
        if choice == 9:
            return [b"UNKNOWNCMD", *self.keys(0, 2)]
        if choice == 10:
            return [b"CLIENT", self.case(b"bogus"), *self.keys(0, 1)]
        return [b"HELLO", r.choice([b"4", b"x", b"0"])]

    def c_lists(self) -> list[bytes]:
        r = self.rnd
        side = [b"LEFT", b"RIGHT", b"left", b"middle"]
        index = [b"0", b"-1", b"2", b"-3", b"100", b"x"]
        forms: list[list[bytes]] = [
            [r.choice([b"LPUSH", b"RPUSH", b"LPUSHX", b"RPUSHX"]), self.key(), *self.keys(1, 3)],
            [r.choice([b"LPOP", b"RPOP"]), self.key(), *r.choice([[], [b"0"], [b"2"], [b"-1"]])],
            [b"LRANGE", self.key(), r.choice(index), r.choice(index)],
            [b"LINDEX", self.key(), r.choice(index)],
            [b"LSET", self.key(), r.choice(index), self.value()],
            [b"LINSERT", self.key(), r.choice([b"BEFORE", b"after", b"x"]), *self.keys(2, 2)],
            [b"LREM", self.key(), r.choice(index), self.key()],
            [b"LTRIM", self.key(), r.choice(index), r.choice(index)],
            [b"LPOS", self.key(), self.key(), *r.choice([[], [b"RANK", b"-1"], [b"COUNT", b"0"]])],
            [b"LMOVE", self.key(), self.key(), r.choice(side), r.choice(side)],
            [b"RPOPLPUSH", self.key(), self.key()],
            [b"LMPOP", b"2", *self.keys(2, 2), r.choice(side), b"COUNT", r.choice(index)],
            [b"LLEN", self.key()],
            [r.choice([b"BLPOP", b"BRPOP"]), *self.keys(1, 2), b"0.01"],
        ]
        return r.choice(forms)

    def c_hyperloglog(self) -> list[bytes]:
        r = self.rnd
        many = [b"e%d" % r.randrange(10**6) for _ in range(r.choice([50, 400]))]
        debug = self.case(r.choice([b"encoding", b"decode", b"todense", b"bogus"]))
        forms: list[list[bytes]] = [
            [self.case(b"pfadd"), self.key(), *[self.value() for _ in range(r.randint(0, 4))]],
            [b"PFADD", self.key(), *many],
            [self.case(b"pfcount"), *self.keys(1, 3)],
            [self.case(b"pfmerge"), *self.keys(1, 3)],
            [b"PFDEBUG", debug, self.key()],
            [b"SET", self.key(), r.choice(HLL_FORGED)],
        ]
        return r.choice(forms)

    def c_stream_groups(self) -> list[bytes]:
        """Consumer group commands (no BLOCK); times in replies are normalised."""
        r = self.rnd
        group = r.choice([b"g", b"h", b"nog"])
        consumer = r.choice([b"c1", b"c2"])
        sid = r.choice([b"0", b"1-1", b"$", b"+", b"-", b"(1", b"x", b"18446744073709551615"])
        forms: list[list[bytes]] = [
            [b"XGROUP", self.case(b"create"), self.key(), group, sid,
             *r.choice([[], [b"MKSTREAM"], [b"MKSTREAM", b"ENTRIESREAD", r.choice([b"2", b"-"])]])],
            [b"XGROUP", self.case(b"setid"), self.key(), group, sid,
             *r.choice([[], [b"ENTRIESREAD", b"3"], [b"MKSTREAM"]])],
            [b"XGROUP", self.case(r.choice([b"createconsumer", b"delconsumer"])), self.key(),
             group, consumer],
            [b"XGROUP", self.case(b"destroy"), self.key(), group],
            [b"XREADGROUP", b"GROUP", group, consumer,
             *r.choice([[], [b"COUNT", b"2"], [b"NOACK"], [b"COUNT", b"x"]]),
             b"STREAMS", *self.keys(1, 2)[:1], r.choice([b">", b"0", b"$", b"1-1"])],
            [b"XACK", self.key(), group, *r.choice([[b"1-1"], [b"0", b"x"]])],
            [b"XPENDING", self.key(), group,
             *r.choice([[], [b"-", b"+", b"10"], [b"IDLE", b"0", b"-", b"+", b"5", consumer]])],
            [b"XCLAIM", self.key(), group, consumer, r.choice([b"0", b"x"]), b"1-1",
             *r.choice([[], [b"FORCE", b"JUSTID"], [b"LASTID", b"5-5"], [b"bogus"]])],
            [b"XAUTOCLAIM", self.key(), group, consumer, b"0", r.choice([b"0", b"(1", b"x"]),
             *r.choice([[], [b"COUNT", b"1"], [b"JUSTID"], [b"COUNT", b"0"]])],
            [b"XINFO", self.case(r.choice([b"stream", b"groups"])), self.key()],
            [b"XINFO", b"CONSUMERS", self.key(), group],
            [b"XINFO", b"STREAM", self.key(), b"FULL", *r.choice([[], [b"COUNT", b"1"]])],
        ]  # fmt: skip
        return r.choice(forms)

    def c_streams(self) -> list[bytes]:
        """Stream commands with explicit (or `<ms>-*`) ids: replies independent of time."""
        r = self.rnd
        ids = [
            b"1-1",
            b"2",
            b"3-*",
            b"3-5",
            b"0-0",
            b"0-*",
            b"x",
            b"-",
            b"+",
            b"(2",
            b"5-0",
            b"18446744073709551615-18446744073709551615",
            b"$",
            b"%d-*" % r.randint(1, 40),
        ]
        sid = lambda: r.choice(ids)  # noqa: E731

        def trim() -> list[bytes]:
            forms = [
                [],
                [],
                [b"MAXLEN", r.choice([b"~", b"=", b""]), b"%d" % r.randint(-1, 5)],
                [b"MINID", r.choice([b"~", b"="]), sid()],
                [b"MAXLEN", b"~", b"2", b"LIMIT", self.integer()],
            ]
            return [part for part in r.choice(forms) if part]

        choice = r.randrange(10)
        if choice < 4:
            option = [b"NOMKSTREAM"] if r.random() < 0.1 else []
            fields = [part for _ in range(r.randint(1, 2)) for part in (self.key(), self.value())]
            return [b"XADD", self.key(), *option, *trim(), sid(), *fields]
        if choice == 4:
            return [b"XDEL", self.key(), *[sid() for _ in range(r.randint(1, 3))]]
        if choice == 5:
            return [b"XTRIM", self.key(), *trim()]
        if choice == 6:
            extra = r.choice([[], [b"ENTRIESADDED", self.integer()], [b"MAXDELETEDID", sid()]])
            return [b"XSETID", self.key(), sid(), *extra]
        if choice == 7:
            count = r.choice([[], [b"COUNT", self.integer()]])
            return [r.choice([b"XRANGE", b"XREVRANGE"]), self.key(), sid(), sid(), *count]
        if choice == 8:
            keys = self.keys(1, 2)
            return [b"XREAD", *r.choice([[], [b"COUNT", b"2"]]), b"STREAMS", *keys,
                    *[sid() for _ in keys]]  # fmt: skip
        return [b"XLEN", self.key()]

    def plain(self) -> Command:
        """One command of any family, with its normaliser; sometimes of the wrong arity."""
        if self.rnd.random() < 0.15:
            return self.normalised(self.c_lists())
        if self.rnd.random() < 0.05:
            return self.normalised(self.c_hyperloglog())
        if self.rnd.random() < 0.1:
            return self.normalised(self.c_bitmaps())
        if self.rnd.random() < 0.05:
            return self.normalised(self.c_stream_groups())
        if self.rnd.random() < 0.06:
            return self.normalised(self.c_streams())
        roll = self.rnd.random()
        if roll < 0.4:
            family = self.rnd.random()
            if family < 0.7:
                argv = self.c_strings()
            else:
                argv = self.c_zsets() if family < 0.92 else self.c_geo()
        elif roll < 0.6:
            argv = self.c_keys()
        elif roll < 0.72:
            argv = self.c_expiry()
        elif roll < 0.82:
            argv = self.c_connection()
        elif roll < 0.91:
            argv = self.c_hashes()
        else:
            argv = self.c_sets()
        if argv[0] == b"COMMAND":
            pass  # COMMAND alone lists every command, and Redis has more
        elif self.rnd.random() < 0.04:
            argv = argv[: self.rnd.randrange(1, len(argv))] if len(argv) > 1 else argv + [b"x"]
        elif self.rnd.random() < 0.03:
            argv = argv + [self.value()]
        return self.normalised(argv)

    def normalised(self, argv: list[bytes]) -> Command:
        name = argv[0].lower()
        normalise: Callable[[bytes], bytes] | None = None
        if name in (b"ttl", b"pttl"):
            normalise = positive_integers
        elif name == b"keys":
            normalise = unordered
        elif name in (b"scan", b"hscan", b"sscan"):
            normalise = scan_reply
        elif name in (b"hkeys", b"hvals", b"hgetall"):
            normalise = unordered  # a hash table's order is Redis's seeded dict order
        elif name == b"hrandfield":
            normalise = random_fields
        elif name in (b"smembers", b"sinter", b"sunion", b"sdiff"):
            normalise = unordered
        elif name == b"hello":
            normalise = first_byte
        elif name in (b"xinfo", b"xpending"):
            normalise = stream_times
        return cmd(*argv, normalise=normalise)

    def listing(self) -> Command:
        """KEYS or a first SCAN call: small databases fit in one SCAN reply."""
        r = self.rnd
        if r.random() < 0.5:
            return self.normalised([b"KEYS", r.choice(PATTERNS)])
        # Any cursor but 0 walks Redis's seeded hash table order: only 0 and invalid ones.
        cursor = r.choice(
            [b"0", b"0", b"0", b"+0", b"-0", b" 0", b"0 ", b"x", b"18446744073709551616"]
        )
        argv = [b"SCAN", cursor]
        for _ in range(r.choice([0, 1, 1, 2])):
            option = r.choice([b"match", b"count", b"type", b"bogus"])
            argv.append(self.case(option))
            if option == b"match":
                argv.append(r.choice(PATTERNS))
            elif option == b"count":
                argv.append(r.choice([b"10", b"100", b"0", b"-1", b"x"]))
            elif option == b"type":
                argv.append(r.choice([b"string", b"STRING", b"list", b"hash", b"nosuchtype"]))
        return self.normalised(argv)

    def transaction(self) -> list[Command]:
        """MULTI ... EXEC or DISCARD, sometimes after a WATCH on this connection."""
        r = self.rnd
        commands: list[Command] = []
        if r.random() < 0.4:
            commands.append(cmd(b"WATCH", *self.keys(1, 2)))
            if r.random() < 0.5:
                commands.append(self.plain())
        commands.append(cmd(b"MULTI"))
        for _ in range(r.randint(0, 5)):
            roll = r.random()
            if roll < 0.05:
                commands.append(cmd(r.choice([b"MULTI", b"WATCH"]), *self.keys(0, 1)))
            elif roll < 0.1:
                commands.append(cmd(b"GET"))  # a queueing error: EXEC aborts
            else:
                argv = [arg for arg in self.plain().args if isinstance(arg, bytes)]
                if argv[0].lower() in (*UNORDERED_IN_EXEC, *UNORDERED):
                    argv = [b"EXISTS", self.key()]
                commands.append(cmd(*argv))
        commands.append(cmd(b"EXEC" if r.random() < 0.8 else b"DISCARD"))
        return commands

    def sequence(self, length: int) -> list[Command]:
        commands: list[Command] = []
        while len(commands) < length:
            roll = self.rnd.random()
            if roll < 0.08:
                commands += self.transaction()
            elif roll < 0.13:
                commands.append(self.listing())
            elif roll < 0.15:
                commands.append(cmd(self.rnd.choice([b"EXEC", b"DISCARD", b"UNWATCH"])))
            elif roll < 0.16:
                commands.append(cmd(b"RESET"))
            else:
                commands.append(self.plain())
        return commands


def seeds() -> list[int]:
    """The fixed seeds, or those named by REPLKV_RANDOM_SEEDS ("5", "0-99", "3,8")."""
    spec = os.environ.get("REPLKV_RANDOM_SEEDS")
    if not spec:
        return list(SEEDS)
    chosen: list[int] = []
    for part in spec.split(","):
        low, _, high = part.partition("-")
        chosen += range(int(low), int(high or low) + 1)
    return chosen


def describe(seed: int, protocol: int, commands: list[Command], upto: int) -> str:
    lines = [f"seed {seed} (RESP{protocol}); sequence up to the first difference:"]
    lines += [f"  #{index} {command}" for index, command in enumerate(commands[: upto + 1])]
    return "\n".join(lines)


class RandomVsRedis(DifferentialCase, SynchronousTestCase):
    """Seeded random sequences: every reply and the final digest equal to redis-server's."""

    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def run_sequence(self, seed: int) -> str | None:
        """Run one seed on fresh connections; a failure description, or None."""
        protocol = 3 if seed % RESP3_EVERY == RESP3_EVERY - 1 else 2
        commands = Generator(seed).sequence(COMMANDS_PER_SEQUENCE)
        prelude = [cmd(b"FLUSHALL"), cmd(b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0")]
        if protocol == 3:
            commands.insert(0, cmd(b"HELLO", b"3", normalise=first_byte))
        redis = RawClient(self.redis_server.port)
        replkv = RawClient(self.replkv_server.port)
        try:
            mismatches = run_script(redis, replkv, prelude)
            assert not mismatches, mismatches
            mismatches = run_script(redis, replkv, commands)
            if mismatches:
                first = mismatches[0]
                return (
                    describe(seed, protocol, commands, first.index)
                    + f"\n  redis  {first.reply_a!r}\n  replkv {first.reply_b!r}"
                )
            digests = run_script(redis, replkv, [[b"DISCARD"], [b"DEBUG", b"DIGEST"]])
            if digests:
                return describe(seed, protocol, commands, len(commands)) + "\n  DIGEST differs"
        finally:
            redis.close()
            replkv.close()
        return None

    def test_random_sequences(self) -> None:
        failures = [f for f in (self.run_sequence(seed) for seed in seeds()) if f]
        if failures:
            self.fail(f"{len(failures)} sequences differ\n\n" + "\n\n".join(failures))
