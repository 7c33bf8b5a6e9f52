"""A dataset of every value type and encoding, as commands to run on a server.

Used by the RDB and DUMP/RESTORE interop tests: small and large lists (several
quicklist nodes), intsets of each width, hashtable sets, listpack and hashtable
hashes, listpack and skiplist sorted sets, integer, short, long and compressible
strings, expiries and several databases.
"""

from __future__ import annotations

from tests.support.resp_client import Arg

FAR_FUTURE_MS = 4102444800000  # 2100-01-01


def _words(count: int, width: int = 1) -> list[bytes]:
    return [b"w%d-" % i + b"x" * (i % 7 * width) for i in range(count)]


def every_encoding() -> list[list[Arg]]:
    """Commands that fill db 0, 2 and 9 with every type in every encoding Redis 7.0 uses."""
    commands: list[list[Arg]] = [
        ["SET", "str", "hello"],
        ["SET", "int8", "7"],
        ["SET", "int16", "-12345"],
        ["SET", "int32", "123456789"],
        ["SET", "int64", "12345678901234"],
        ["SET", "notint", "007"],
        ["SET", "long", "abcdefghij" * 10],
        ["SET", "compressible", "a" * 300],
        ["SET", "incompressible", bytes(range(256)) * 2],
        ["SET", "raw", "x"],
        ["APPEND", "raw", "yz"],
        ["SET", "12345", "integer key"],
        ["RPUSH", "list", "a", "1", "-3", "200", "70000", "5000000000", "xyz"],
        ["RPUSH", "biglist", *_words(1500, 3)],
        ["RPUSH", "longelems", "p" * 5000, "q" * 9000, "r"],
        ["LPUSH", "lpushed", "a", "b", "c"],
        ["SADD", "intset16", "1", "2", "3", "-100"],
        ["SADD", "intset32", "1", "70000", "-70000"],
        ["SADD", "intset64", "1", "5000000000"],
        ["SADD", "hashset", "a", "b", "1"],
        ["SADD", "bigintset", *[str(i * 7) for i in range(600)]],
        ["HSET", "hash", "f", "v", "num", "123", "neg", "-77"],
        ["HSET", "bighash", *[x for i in range(200) for x in (f"f{i}", f"v{i}")]],
        ["HSET", "longhash", "f", "v" * 100],
        ["ZADD", "zset", "1.5", "m", "2", "n", "-3", "o", "0.1", "p", "inf", "q", "-inf", "r"],
        ["ZADD", "zsetbig", *[x for i in range(200) for x in (str(i / 3), f"m{i}")]],
        ["ZADD", "zsetlong", "1", "m" * 100, "2", "short"],
        ["ZADD", "zbigscores", "1e20", "a", "9007199254740993", "b", "-0.5", "c"],
        ["PEXPIREAT", "str", FAR_FUTURE_MS],
        ["PEXPIREAT", "hash", FAR_FUTURE_MS + 1],
        ["PEXPIREAT", "biglist", FAR_FUTURE_MS + 2],
        ["SELECT", "2"],
        ["SET", "db2", "value"],
        ["RPUSH", "db2list", "x"],
        ["SELECT", "9"],
        ["ZADD", "db9z", "1", "a"],
        ["SELECT", "0"],
    ]
    return commands


KEYS_DB0 = [
    "str", "int8", "int16", "int32", "int64", "notint", "long", "compressible",
    "incompressible", "raw", "12345", "list", "biglist", "longelems", "lpushed",
    "intset16", "intset32", "intset64", "hashset", "bigintset", "hash", "bighash",
    "longhash", "zset", "zsetbig", "zsetlong", "zbigscores",
]  # fmt: skip
# Keys whose DUMP bytes depend on Redis's hash-table order, so differ legitimately.
UNORDERED_KEYS = {"hashset", "bighash", "longhash"}
