"""Hash commands compared byte for byte with redis-server 7.0.

Replies whose order is the hash table's (HGETALL, HKEYS, HVALS of a big hash) are
compared as multisets; random replies (HRANDFIELD) and HSCAN over a hash table by
their properties: sizes, membership, distinctness, every field exactly once.
"""

from __future__ import annotations

from collections import Counter

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd, unordered
from tests.support.resp_client import RawClient, parse_reply

DEBUG_ON = ("--enable-debug-command", "yes")
HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])
BINARY = [b"nul\0field", b"crlf\r\nx", b"", b"\xff\xfe", b"sp ace"]
LONG = b"L" * 65  # one byte past the default hash-max-listpack-value
FLOATS = [
    b"1.5", b"-2.5e3", b"0.1", b"10.5", b"1e308", b"5.0e4000", b"inf", b"-inf", b"nan",
    b"0x1p3", b"3.0", b"-0", b".5", b"5.", b"1e", b"1 ", b" 1", b"", b"x", b"1_0",
    b"1.18973149535723176502e+4932", b"1e-4951", b"12\0abc", b"9223372036854775807",
]  # fmt: skip


def big_hash(name: bytes, size: int) -> list[bytes]:
    """HSET name with `size` fields: past the listpack's 128 entries when size > 128."""
    argv = [b"HSET", name]
    for i in range(size):
        argv += [b"f%d" % i, b"v%d" % i]
    return argv


def scan_all(client: RawClient, key: bytes, *options: bytes) -> tuple[list[bytes], int]:
    """Every field an HSCAN iteration returns (with repeats) and how many calls it took."""
    cursor = b"0"
    fields: list[bytes] = []
    calls = 0
    while True:
        calls += 1
        result = parse_reply(client.call(b"HSCAN", key, cursor, *options))
        assert isinstance(result, list), result
        cursor, items = result
        assert isinstance(items, list) and isinstance(cursor, bytes)
        fields += items[::2]
        if cursor == b"0" or calls > 10_000:
            return fields, calls


class HashesVsRedis(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def both(self) -> list[RawClient]:
        return [self.redis_client, self.replkv_client]

    def config(self, name: str, value: str) -> None:
        """CONFIG SET on both servers, restored to Redis's default after the test."""
        defaults = {"hash-max-listpack-entries": "128", "hash-max-listpack-value": "64"}
        self.assertSameReplies([["CONFIG", "SET", name, value]])
        self.addCleanup(self.assertSameReplies, [["CONFIG", "SET", name, defaults[name]]])

    def test_set_get_and_friends(self) -> None:
        self.assertSameReplies(
            [
                ["HSET", "h", "a", "1"],
                ["HSET", "h", "a", "2", "b", "3", "a", "4"],
                ["HGET", "h", "a"],
                ["HGET", "h", "zz"],
                ["HGET", "nokey", "a"],
                ["HSETNX", "h", "a", "x"],
                ["HSETNX", "h", "c", "x"],
                ["HSETNX", "new", "c", "x"],
                ["HMSET", "h", "d", "5", "e", "6"],
                ["HMGET", "h", "a", "zz", "e", "a"],
                ["HMGET", "nokey", "a", "b"],
                ["HLEN", "h"],
                ["HLEN", "nokey"],
                ["HSTRLEN", "h", "a"],
                ["HSTRLEN", "h", "zz"],
                ["HSTRLEN", "nokey", "a"],
                ["HEXISTS", "h", "a"],
                ["HEXISTS", "h", "zz"],
                ["HEXISTS", "nokey", "a"],
                ["HKEYS", "h"],
                ["HVALS", "h"],
                ["HGETALL", "h"],
                ["HKEYS", "nokey"],
                ["HVALS", "nokey"],
                ["HGETALL", "nokey"],
                ["HDEL", "h", "a", "zz", "a"],
                ["HDEL", "nokey", "a"],
                ["HDEL", "h", "zz"],
                ["HGETALL", "h"],
                ["HSET", "h", "a", "again"],  # a deleted field comes back at the end
                ["HGETALL", "h"],
                ["HDEL", "h", "b", "c", "d", "e", "a", "zz"],
                ["EXISTS", "h"],
                ["TYPE", "new"],
                *[["HSET", "bin", field, field] for field in BINARY],
                *[["HGET", "bin", field] for field in BINARY],
                ["HGETALL", "bin"],
                ["HSTRLEN", "bin", b"nul\0field"],
            ]
        )

    def test_resp3(self) -> None:
        self.assertSameReplies(
            [
                HELLO3,
                ["HSET", "h", "a", "1", "b", "2"],
                ["HGETALL", "h"],
                ["HGETALL", "nokey"],
                ["HKEYS", "h"],
                ["HGET", "h", "zz"],
                ["HGET", "nokey", "a"],
                ["HMGET", "h", "a", "zz"],
                ["HMGET", "nokey", "a"],
                ["HEXISTS", "h", "a"],
                ["HSETNX", "h", "a", "1"],
                ["HINCRBYFLOAT", "h", "a", "0.5"],
                ["HRANDFIELD", "nokey"],
                ["HRANDFIELD", "nokey", "3"],
                ["HRANDFIELD", "h", "5"],
                ["HRANDFIELD", "h", "5", "WITHVALUES"],
                ["HRANDFIELD", "h", "2", "withvalues"],
                ["HRANDFIELD", "h", "0", "WITHVALUES"],
                ["HSCAN", "h", "0"],
                ["HSCAN", "nokey", "0"],
                HELLO2,
            ]
        )

    def test_arity_and_wrong_type(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "s", "x"],
                ["HSET", "h"],
                ["HSET", "h", "a"],
                ["HSET", "h", "a", "1", "b"],
                ["HMSET", "h", "a"],
                ["HMSET", "h", "a", "1", "b"],
                ["HSETNX", "h", "a"],
                ["HGET", "h"],
                ["HMGET", "h"],
                ["HDEL", "h"],
                ["HLEN"],
                ["HSTRLEN", "h"],
                ["HEXISTS", "h"],
                ["HKEYS", "h", "x"],
                ["HINCRBY", "h", "a"],
                ["HINCRBYFLOAT", "h", "a"],
                ["HRANDFIELD"],
                ["HSCAN", "h"],
                ["EXISTS", "h"],
                ["HSET", "s", "a", "1"],
                ["HMSET", "s", "a", "1"],
                ["HSETNX", "s", "a", "1"],
                ["HGET", "s", "a"],
                ["HMGET", "s", "a"],
                ["HDEL", "s", "a"],
                ["HLEN", "s"],
                ["HSTRLEN", "s", "a"],
                ["HEXISTS", "s", "a"],
                ["HKEYS", "s"],
                ["HVALS", "s"],
                ["HGETALL", "s"],
                ["HINCRBY", "s", "a", "1"],
                ["HINCRBY", "s", "a", "x"],
                ["HINCRBYFLOAT", "s", "a", "1"],
                ["HINCRBYFLOAT", "s", "a", "inf"],
                ["HRANDFIELD", "s"],
                ["HRANDFIELD", "s", "0"],
                ["HRANDFIELD", "s", "x"],
                ["HSCAN", "s", "0"],
                ["HSCAN", "s", "x"],
                ["HSET", "h", "a", "1"],
                ["GET", "h"],
                ["APPEND", "h", "x"],
                ["TYPE", "h"],
            ]
        )

    def test_hincrby(self) -> None:
        self.assertSameReplies(
            [
                ["HINCRBY", "h", "n", "5"],
                ["HINCRBY", "h", "n", "-7"],
                ["HINCRBY", "h", "n", "x"],
                ["HINCRBY", "h", "n", "1.5"],
                ["HINCRBY", "h", "n", ""],
                ["HINCRBY", "h", "n", "9223372036854775808"],
                ["HSET", "h", "s", "abc", "big", "9223372036854775807", "f", "1.5", "z", "01"],
                ["HINCRBY", "h", "s", "1"],
                ["HINCRBY", "h", "f", "1"],
                ["HINCRBY", "h", "z", "1"],
                ["HINCRBY", "h", "big", "1"],
                ["HINCRBY", "h", "big", "-9223372036854775808"],
                ["HINCRBY", "h", "big", "-9223372036854775808"],
                ["HINCRBY", "h", "big", "-1"],
                ["HINCRBY", "nokey", "x", "x"],
                ["EXISTS", "nokey"],
                ["HGETALL", "h"],
            ]
        )

    def test_hincrbyfloat(self) -> None:
        script: list[list[bytes]] = [[b"HSET", b"h", b"i", b"10", b"s", b"abc", b"e", b""]]
        for operand in FLOATS:
            script += [[b"HINCRBYFLOAT", b"h", b"f", operand], [b"HGET", b"h", b"f"]]
            script += [[b"HINCRBYFLOAT", b"h", b"i", operand]]
        for stored in FLOATS:
            script += [[b"HSET", b"h", b"g", stored], [b"HINCRBYFLOAT", b"h", b"g", b"0.1"]]
        script += [
            [b"HINCRBYFLOAT", b"h", b"s", b"1"],
            [b"HINCRBYFLOAT", b"h", b"e", b"1"],
            [b"HINCRBYFLOAT", b"new", b"f", b"inf"],
            [b"HINCRBYFLOAT", b"new", b"f", b"nan"],
            [b"EXISTS", b"new"],
            [b"HINCRBYFLOAT", b"new", b"f", b"10.5"],
            [b"HINCRBYFLOAT", b"new", b"f", b"0.1"],
            [b"HSET", b"new", b"big", b"1e4932"],
            [b"HINCRBYFLOAT", b"new", b"big", b"1e4932"],
            [b"OBJECT", b"ENCODING", b"h"],
        ]
        self.assertSameReplies(script)
        # Converted to hash tables by their long values: Redis's order is its table's.
        self.assertSameReplies(
            [
                cmd("HGETALL", "h", normalise=unordered_pairs),
                cmd("HGETALL", "new", normalise=unordered_pairs),
            ]
        )

    def test_encoding_thresholds(self) -> None:
        self.config("hash-max-listpack-entries", "4")
        self.config("hash-max-listpack-value", "8")
        self.assertSameReplies(
            [
                ["HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"],
                ["OBJECT", "ENCODING", "h"],
                ["HSET", "h", "e", "5"],
                ["OBJECT", "ENCODING", "h"],
                ["HDEL", "h", "e", "d", "c"],
                ["OBJECT", "ENCODING", "h"],  # one-way
                ["HSET", "v", "a", "12345678"],
                ["OBJECT", "ENCODING", "v"],
                ["HSET", "v", "a", "123456789"],
                ["OBJECT", "ENCODING", "v"],
                ["HSET", "w", "123456789", "1"],
                ["OBJECT", "ENCODING", "w"],
                ["HSET", "x", "a", "1"],
                ["HSET", "x", "a", "1", "123456789", "1"],  # refused only after converting
                ["OBJECT", "ENCODING", "x"],
                ["HSET", "y", "a", "1"],
                ["HSETNX", "y", "a", "123456789"],  # the field exists: no conversion
                ["OBJECT", "ENCODING", "y"],
                ["HSETNX", "y", "b", "123456789"],
                ["OBJECT", "ENCODING", "y"],
                ["HINCRBY", "z", "a", "1"],
                ["OBJECT", "ENCODING", "z"],
                ["HINCRBY", "z", "a", "999999999"],  # the result is 10 bytes long
                ["OBJECT", "ENCODING", "z"],
                ["HINCRBYFLOAT", "zf", "a", "1.5"],
                ["HINCRBYFLOAT", "zf", "a", "1000000.25"],
                ["OBJECT", "ENCODING", "zf"],
                ["HINCRBY", "zk", "123456789", "1"],
                ["OBJECT", "ENCODING", "zk"],
                ["HMSET", "m", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"],
                ["OBJECT", "ENCODING", "m"],
                ["COPY", "m", "m2"],
                ["OBJECT", "ENCODING", "m2"],
                ["COPY", "y", "y2"],
                ["OBJECT", "ENCODING", "y2"],
                ["RENAME", "y2", "y3"],
                ["OBJECT", "ENCODING", "y3"],
                ["HSET", "small", "a", "1"],
                ["OBJECT", "ENCODING", "small"],
                ["OBJECT", "ENCODING", "nokey"],
            ]
        )
        self.config("hash-max-listpack-entries", "0")
        self.assertSameReplies(
            [["HSET", "zero", "a", "1"], ["OBJECT", "ENCODING", "zero"], ["HGETALL", "zero"]]
        )

    def test_big_hash(self) -> None:
        self.assertSameReplies(
            [
                big_hash(b"big", 200),
                ["OBJECT", "ENCODING", "big"],
                ["HLEN", "big"],
                ["HGET", "big", "f150"],
                ["HMGET", "big", "f0", "f199", "f200"],
                cmd("HGETALL", "big", normalise=unordered),
                cmd("HKEYS", "big", normalise=unordered),
                cmd("HVALS", "big", normalise=unordered),
                cmd("HRANDFIELD", "big", "500", normalise=unordered),
                ["HDEL", "big", *[b"f%d" % i for i in range(0, 200, 2)]],
                ["HLEN", "big"],
                ["OBJECT", "ENCODING", "big"],
                cmd("HGETALL", "big", normalise=unordered),
                HELLO3,
                cmd("HGETALL", "big", normalise=unordered),
                cmd("HRANDFIELD", "big", "500", "WITHVALUES", normalise=unordered),
                HELLO2,
                cmd("HRANDFIELD", "big", "500", "WITHVALUES", normalise=unordered_pairs),
            ]
        )

    def test_hrandfield_deterministic_cases(self) -> None:
        self.assertSameReplies(
            [
                ["HSET", "h", "a", "1", "b", "2", "c", "3"],
                ["HRANDFIELD", "h", "3"],
                ["HRANDFIELD", "h", "100", "WITHVALUES"],
                ["HRANDFIELD", "h", "0"],
                ["HRANDFIELD", "h", "-0"],
                ["HRANDFIELD", "nokey"],
                ["HRANDFIELD", "nokey", "5"],
                ["HRANDFIELD", "nokey", "-5", "WITHVALUES"],
                ["HRANDFIELD", "h", "x"],
                ["HRANDFIELD", "h", "1.5"],
                ["HRANDFIELD", "h", "x", "bogus"],
                ["HRANDFIELD", "h", "1", "bogus"],
                ["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
                ["HRANDFIELD", "h", "-9223372036854775808"],
                ["HRANDFIELD", "h", "-9223372036854775807", "withvalues"],
                ["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"],
                ["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"],
                ["HRANDFIELD", "h", "9223372036854775808"],
                ["HRANDFIELD", "nokey", "-9223372036854775808"],
                ["HSET", "one", "only", "v"],
                ["HRANDFIELD", "one"],
                ["HRANDFIELD", "one", "1", "WITHVALUES"],
                ["HRANDFIELD", "one", "-3", "WITHVALUES"],
                ["HRANDFIELD", "one", "-2"],
            ]
        )

    def check_random_fields(self, key: bytes, hash_size: int) -> None:
        """HRANDFIELD's properties on both servers, for one hash of hash_size fields."""
        for client in self.both():
            contents = parse_reply(client.call(b"HGETALL", key))
            assert isinstance(contents, list)
            values = dict(zip(contents[::2], contents[1::2], strict=True))
            self.assertEqual(len(values), hash_size)
            for count in (1, 3, hash_size - 1, hash_size, hash_size + 5):
                picked = parse_reply(client.call(b"HRANDFIELD", key, b"%d" % count))
                assert isinstance(picked, list)
                self.assertEqual(len(picked), min(count, hash_size))
                self.assertEqual(len(set(picked)), len(picked))
                self.assertTrue(set(picked) <= set(values))
            for count in (1, 5, 3 * hash_size):
                picked = parse_reply(client.call(b"HRANDFIELD", key, b"-%d" % count))
                assert isinstance(picked, list)
                self.assertEqual(len(picked), count)
                self.assertTrue(set(picked) <= set(values))
            flat = parse_reply(client.call(b"HRANDFIELD", key, b"-7", b"WITHVALUES"))
            assert isinstance(flat, list)
            self.assertEqual(len(flat), 14)
            for field, value in zip(flat[::2], flat[1::2], strict=True):
                self.assertEqual(values[field], value)
            distinct = parse_reply(client.call(b"HRANDFIELD", key, b"3", b"WITHVALUES"))
            assert isinstance(distinct, list)
            self.assertEqual(len(set(distinct[::2])), 3)
            for _ in range(10):
                one = parse_reply(client.call(b"HRANDFIELD", key))
                self.assertIn(one, values)
            client.call(b"HELLO", b"3")
            pairs = parse_reply(client.call(b"HRANDFIELD", key, b"-4", b"WITHVALUES"))
            assert isinstance(pairs, list)
            self.assertEqual(len(pairs), 4)
            for pair in pairs:
                assert isinstance(pair, list)
                self.assertEqual(values[pair[0]], pair[1])
            client.call(b"HELLO", b"2")

    def test_hrandfield_properties(self) -> None:
        self.assertSameReplies([big_hash(b"small", 10), big_hash(b"big", 300)])
        self.check_random_fields(b"small", 10)
        self.check_random_fields(b"big", 300)
        # Every field of a small hash is eventually picked.
        seen: set[object] = set()
        for _ in range(200):
            seen.add(parse_reply(self.replkv_client.call(b"HRANDFIELD", b"small")))
        self.assertEqual(len(seen), 10)

    def test_hscan_listpack_is_one_reply(self) -> None:
        self.assertSameReplies(
            [
                big_hash(b"h", 50),
                ["HSCAN", "h", "0"],
                ["HSCAN", "h", "0", "COUNT", "1"],
                ["HSCAN", "h", "123"],
                ["HSCAN", "h", "-1"],
                ["HSCAN", "h", "0", "MATCH", "f1*"],
                ["HSCAN", "h", "0", "match", "*", "count", "5"],
                ["HSCAN", "h", "0", "MATCH", "v*"],
                ["HSCAN", "h", "0", "MATCH", "[", "COUNT", "100"],
                ["HSCAN", "h", "0", "COUNT", "0"],
                ["HSCAN", "h", "0", "COUNT", "-1"],
                ["HSCAN", "h", "0", "COUNT", "x"],
                ["HSCAN", "h", "0", "COUNT"],
                ["HSCAN", "h", "0", "MATCH"],
                ["HSCAN", "h", "0", "TYPE", "string"],
                ["HSCAN", "h", "0", "bogus", "x"],
                ["HSCAN", "h", "x"],
                ["HSCAN", "h", "18446744073709551616"],
                ["HSCAN", "h", "18446744073709551615"],
                ["HSCAN", "h", " 0"],
                ["HSCAN", "nokey", "0", "bogus"],
                ["HSCAN", "nokey", "x"],
                ["HSET", "long", "a", LONG],  # a one-field hash table
                ["OBJECT", "ENCODING", "long"],
                ["HSCAN", "long", "0"],
            ]
        )

    def test_hscan_hashtable_returns_each_field_once(self) -> None:
        self.assertSameReplies([big_hash(b"big", 1000), ["OBJECT", "ENCODING", "big"]])
        expected = [b"f%d" % i for i in range(1000)]
        for options in ([], [b"COUNT", b"7"], [b"COUNT", b"100"], [b"COUNT", b"5000"]):
            for client in self.both():
                fields, calls = scan_all(client, b"big", *options)
                self.assertEqual(sorted(fields), sorted(expected), options)
                if options != [b"COUNT", b"5000"]:
                    self.assertGreater(calls, 1)
        for client in self.both():
            fields, _ = scan_all(client, b"big", b"MATCH", b"f1?", b"COUNT", b"50")
            self.assertEqual(Counter(fields), Counter(b"f1%d" % i for i in range(10)))

    def test_hscan_with_changes_meanwhile(self) -> None:
        # Fields present throughout are returned; deleted ones may not be; none twice.
        self.assertSameReplies([big_hash(b"big", 500)])
        for client in self.both():
            result = parse_reply(client.call(b"HSCAN", b"big", b"0", b"COUNT", b"20"))
            assert isinstance(result, list)
            cursor, first = result
            assert isinstance(first, list) and isinstance(cursor, bytes)
            client.call(b"HDEL", b"big", *[b"f%d" % i for i in range(400, 500)])
            client.call(b"HSET", b"big", b"new", b"1")
            fields = list(first[::2])
            while cursor != b"0":
                result = parse_reply(client.call(b"HSCAN", b"big", cursor, b"COUNT", b"20"))
                assert isinstance(result, list)
                cursor, items = result
                assert isinstance(items, list) and isinstance(cursor, bytes)
                fields += items[::2]
            self.assertEqual(len(fields), len(set(fields)))
            self.assertTrue({b"f%d" % i for i in range(400)} <= set(fields))

    def test_digest(self) -> None:
        self.assertSameReplies(
            [
                ["HSET", "h", "a", "1", "b", "2", "num", "12345", "neg", "-7", "", ""],
                ["DEBUG", "DIGEST"],
                ["DEBUG", "DIGEST-VALUE", "h", "nokey"],
                ["HSET", "bin", b"nul\0x", b"\r\n"],
                ["DEBUG", "DIGEST-VALUE", "bin"],
                ["PEXPIREAT", "h", "4102444800000"],
                ["DEBUG", "DIGEST-VALUE", "h"],
                big_hash(b"big", 300),
                ["HINCRBYFLOAT", "big", "f3", "0.25"],
                ["DEBUG", "DIGEST-VALUE", "big"],
                ["DEBUG", "DIGEST"],
                ["SELECT", "3"],
                ["HSET", "h3", "x", "y"],
                ["DEBUG", "DIGEST"],
            ]
        )

    def test_command_info_and_keys(self) -> None:
        names = "hset hsetnx hget hmget hmset hdel hlen hstrlen hexists hkeys hvals hgetall"
        names += " hincrby hincrbyfloat hrandfield hscan"
        self.assertSameReplies(
            [
                ["COMMAND", "INFO", *names.split()],
                ["COMMAND", "GETKEYS", "hset", "h", "a", "1"],
                ["COMMAND", "GETKEYS", "hmget", "h", "a", "b"],
                *[
                    ["COMMAND", "GETKEYSANDFLAGS", *argv]
                    for argv in (
                        ["hset", "h", "a", "1"],
                        ["hsetnx", "h", "a", "1"],
                        ["hdel", "h", "a"],
                        ["hlen", "h"],
                        ["hincrbyfloat", "h", "a", "1"],
                        ["hgetall", "h"],
                        ["hscan", "h", "0"],
                    )
                ],
            ]
        )

    def test_watch_sees_hash_changes(self) -> None:
        commands: list[list[str]] = []
        for write in (
            ["HSET", "h", "a", "2"],
            ["HDEL", "h", "a"],
            ["HINCRBY", "h", "n", "1"],
            ["HINCRBYFLOAT", "h", "n", "1"],
            ["HSETNX", "h", "z", "1"],
        ):
            commands += [
                ["HSET", "h", "a", "1"],
                ["WATCH", "h"],
                write,
                ["MULTI"],
                ["HGET", "h", "a"],
                ["EXEC"],
            ]
        commands += [
            ["HSET", "h", "a", "1"],
            ["WATCH", "h"],
            ["HSETNX", "h", "a", "2"],  # no change: the transaction runs
            ["HDEL", "h", "zz"],
            ["MULTI"],
            ["HGET", "h", "a"],
            ["EXEC"],
        ]
        self.assertSameReplies(commands)


def unordered_pairs(raw: bytes) -> bytes:
    """A flat RESP2 field/value array compared as a multiset of pairs."""
    items = parse_reply(raw)
    if not isinstance(items, list):
        return raw
    return repr(sorted(zip(items[::2], items[1::2], strict=True))).encode()
