"""Unit tests for replkv.commands.hashes: replies, events, encodings, HSCAN walks, replay."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.hashes import MAX_WALKS, Hash, scan_batch
from tests.commands_strategy import available_commands
from tests.support.harness import START_MS, Harness


def encodings(harness: Harness) -> dict[bytes, bool]:
    """Every hash key of database 0 → whether it is hashtable-encoded."""
    return {key: value.hashtable for key, value in harness.db.data.items() if type(value) is Hash}


class HashTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.r = Harness()

    def assertReplayMatches(self) -> None:  # noqa: N802
        """The log rebuilds the data, and the encodings on a replica configured alike."""
        self.assertEqual(self.r.replay().dataset(), self.r.dataset())
        config = self.r.server.config
        replica = Harness(
            hash_max_listpack_entries=config.hash_max_listpack_entries,
            hash_max_listpack_value=config.hash_max_listpack_value,
        )
        replica.clock.advance(self.r.clock.seconds() - replica.clock.seconds())
        applier = StreamApplier(replica.server)
        applier.feed(self.r.server.log.read(self.r.server.log.start_offset, 1 << 30))
        self.assertEqual(applier.errors, 0)
        self.assertEqual(replica.dataset(), self.r.dataset())
        self.assertEqual(encodings(replica), encodings(self.r))


class EventTests(HashTestCase):
    def test_events_are_redis_7_streams(self) -> None:
        # Captured from redis-server 7.0.15 with `redis-cli --replica`.
        self.r("HINCRBYFLOAT", "hf", "f", "1.5")
        self.r("HSETNX", "hf", "f", "2")  # not set: nothing propagated
        self.r("HSETNX", "hf", "g", "2")
        self.r("HDEL", "hf", "f", "g", "zz")  # empties the key: still HDEL
        self.r("HDEL", "hf", "f")  # nothing deleted: nothing propagated
        self.r("HINCRBY", "hi", "f", "5")
        self.r("HMSET", "hi", "a", "1", "a", "2")
        self.r("HINCRBYFLOAT", "hi", "a", "0x10")
        self.r("HINCRBYFLOAT", "hi", "a", "1e3")
        self.assertEqual(
            self.r.writes(),
            [
                [b"HSET", b"hf", b"f", b"1.5"],
                [b"HSETNX", b"hf", b"g", b"2"],
                [b"HDEL", b"hf", b"f", b"g", b"zz"],
                [b"HINCRBY", b"hi", b"f", b"5"],
                [b"HMSET", b"hi", b"a", b"1", b"a", b"2"],
                [b"HSET", b"hi", b"a", b"18"],
                [b"HSET", b"hi", b"a", b"1018"],
            ],
        )
        self.assertNotIn(b"hf", self.r.db.data)
        self.assertReplayMatches()

    def test_errors_propagate_nothing(self) -> None:
        self.r("SET", "s", "x")
        self.r("HSET", "h", "n", "abc", "i", "9223372036854775807")
        mark = self.r.mark()
        for argv in (
            ("HSET", "s", "a", "1"),
            ("HSET", "h", "a"),
            ("HINCRBY", "h", "n", "1"),
            ("HINCRBY", "h", "i", "1"),
            ("HINCRBY", "h", "i", "x"),
            ("HINCRBYFLOAT", "h", "n", "1"),
            ("HINCRBYFLOAT", "h", "x", "inf"),
            ("HINCRBYFLOAT", "nokey", "x", "nan"),
            ("HDEL", "s", "a"),
        ):
            self.assertEqual((self.r(*argv) or b"")[:1], b"-", argv)
        self.assertEqual(self.r("HDEL", "nokey", "a"), b":0\r\n")
        self.assertEqual(self.r("HDEL", "h", "zz"), b":0\r\n")
        self.assertEqual(self.r("HSETNX", "h", "n", "x"), b":0\r\n")
        self.assertEqual(self.r.new_events(mark), [])
        self.assertNotIn(b"nokey", self.r.db.data)

    def test_replies(self) -> None:
        self.assertEqual(self.r("HSET", "h", "a", "1", "b", "2", "a", "3"), b":2\r\n")
        self.assertEqual(self.r("HMSET", "h", "c", "4"), b"+OK\r\n")
        self.assertEqual(self.r("HGET", "h", "a"), b"$1\r\n3\r\n")
        self.assertEqual(
            self.r("HGETALL", "h"),
            b"*6\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n4\r\n",
        )
        self.assertEqual(self.r("HKEYS", "h"), b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n")
        self.assertEqual(self.r("HVALS", "h"), b"*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n4\r\n")
        self.assertEqual(self.r("HINCRBY", "h", "a", "-5"), b":-2\r\n")
        self.assertEqual(self.r("HINCRBYFLOAT", "h", "a", "10.5"), b"$3\r\n8.5\r\n")
        self.assertEqual(self.r("HSTRLEN", "h", "a"), b":3\r\n")
        self.assertEqual(self.r("HDEL", "h", "a", "a", "zz"), b":1\r\n")
        self.assertEqual(self.r("HLEN", "h"), b":2\r\n")
        self.r("HELLO", "3")
        self.assertEqual(self.r("HGETALL", "nokey"), b"%0\r\n")
        self.assertEqual(self.r("HGET", "h", "zz"), b"_\r\n")
        self.assertEqual(
            self.r("HRANDFIELD", "h", "9", "WITHVALUES"),
            b"*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n4\r\n",
        )


class EncodingTests(HashTestCase):
    def test_thresholds_and_one_way_conversion(self) -> None:
        self.r.server.config.hash_max_listpack_entries = 2
        self.r.server.config.hash_max_listpack_value = 4
        self.r("HSET", "h", "a", "1", "b", "2")
        self.assertEqual(self.r("OBJECT", "ENCODING", "h"), b"$8\r\nlistpack\r\n")
        self.r("HSET", "h", "c", "3")
        self.assertEqual(self.r("OBJECT", "ENCODING", "h"), b"$9\r\nhashtable\r\n")
        self.r("HDEL", "h", "a", "b")
        self.assertEqual(self.r("OBJECT", "ENCODING", "h"), b"$9\r\nhashtable\r\n")
        self.r("HSET", "v", "a", "12345")
        self.r("HINCRBY", "i", "a", "12345")
        self.r("HINCRBYFLOAT", "f", "a", "1.125")
        self.r("HSETNX", "n", "long-field", "1")
        self.r("HSET", "s", "a", "1")
        self.assertEqual(
            encodings(self.r),
            {b"h": True, b"v": True, b"i": True, b"f": True, b"n": True, b"s": False},
        )
        self.assertReplayMatches()

    def test_copy_keeps_encoding_and_is_independent(self) -> None:
        self.r.server.config.hash_max_listpack_entries = 1
        self.r("HSET", "h", "a", "1", "b", "2")
        self.r("COPY", "h", "h2")
        self.r("HSET", "h2", "c", "3")
        copy = self.r.db.data[b"h2"]
        self.assertIs(type(copy), Hash)
        self.assertTrue(copy.hashtable)
        self.assertEqual(self.r("HLEN", "h"), b":2\r\n")
        self.assertEqual(self.r("TYPE", "h2"), b"+hash\r\n")
        self.assertReplayMatches()


class ExpiryAndWatchTests(HashTestCase):
    def test_write_on_an_expired_hash_starts_a_new_one(self) -> None:
        self.r("HSET", "h", "a", "1")
        self.r("PEXPIRE", "h", "100")
        self.r.clock.advance(1)
        self.assertEqual(self.r("HSET", "h", "b", "2"), b":1\r\n")
        self.assertEqual(self.r("HGETALL", "h"), b"*2\r\n$1\r\nb\r\n$1\r\n2\r\n")
        self.assertIn([b"DEL", b"h"], self.r.writes())
        self.assertNotIn(b"h", self.r.db.expires)
        self.assertReplayMatches()

    def test_hset_keeps_the_ttl(self) -> None:
        self.r("HSET", "h", "a", "1")
        self.r("PEXPIREAT", "h", START_MS + 10_000)
        self.r("HSET", "h", "a", "2")
        self.r("HINCRBY", "h", "n", "1")
        self.r("HDEL", "h", "a")
        self.assertEqual(self.r.db.expires[b"h"], START_MS + 10_000)

    def test_in_place_changes_abort_watchers(self) -> None:
        for write in (("HSET", "h", "a", "2"), ("HDEL", "h", "a"), ("HINCRBY", "h", "a", "1")):
            self.r("HSET", "h", "a", "1")
            self.r("WATCH", "h")
            self.r(*write)
            self.r("MULTI")
            self.r("HGET", "h", "a")
            self.assertEqual(self.r("EXEC"), b"*-1\r\n", write)


class ScanWalkTests(SynchronousTestCase):
    def big(self, size: int) -> Hash:
        value = Hash((b"f%d" % i, b"v") for i in range(size))
        value.hashtable = True
        return value

    def test_listpack_returns_everything_whatever_the_cursor(self) -> None:
        value = Hash([(b"a", b"1"), (b"b", b"2")])
        self.assertEqual(scan_batch(value, 12345, 1), (0, [b"a", b"b"]))

    def test_every_field_once_with_unknown_cursors_restarting(self) -> None:
        value = self.big(100)
        cursor, fields = scan_batch(value, 0, 30)
        self.assertNotEqual(cursor, 0)
        seen = list(fields)
        while cursor:
            cursor, fields = scan_batch(value, cursor, 30)
            seen += fields
        self.assertEqual(sorted(seen), sorted(value))
        self.assertEqual(value.walks, {})
        cursor, fields = scan_batch(value, 999 << 32 | 5, 30)  # unknown: starts over
        self.assertEqual(fields, [b"f%d" % i for i in range(30)])

    def test_walks_are_bounded(self) -> None:
        value = self.big(50)
        cursors = [scan_batch(value, 0, 10)[0] for _ in range(MAX_WALKS + 3)]
        walks: Any = value.walks
        self.assertEqual(len(walks), MAX_WALKS)
        _, fields = scan_batch(value, cursors[0], 10)  # dropped: starts over
        self.assertEqual(fields, [b"f%d" % i for i in range(10)])
        _, fields = scan_batch(value, cursors[-1], 10)  # still held: goes on
        self.assertEqual(fields, [b"f%d" % i for i in range(10, 20)])

    def test_hscan_skips_deleted_fields_and_applies_match(self) -> None:
        r = Harness(hash_max_listpack_entries=4)
        r("HSET", "h", *[part for i in range(20) for part in (b"f%d" % i, b"v%d" % i)])
        reply = r("HSCAN", "h", "0", "COUNT", "10")
        assert reply is not None
        cursor = reply.split(b"\r\n")[2]
        r("HDEL", "h", "f15", "f16")
        reply = r("HSCAN", "h", cursor, "COUNT", "10", "MATCH", "f1*")
        self.assertEqual(
            reply,
            b"*2\r\n$1\r\n0\r\n*16\r\n"
            + b"".join(
                b"$3\r\nf%d\r\n$3\r\nv%d\r\n" % (i, i) for i in (10, 11, 12, 13, 14, 17, 18, 19)
            ),
        )


class ReplayedEncodingTests(SynchronousTestCase):
    """The replay property, with the hashes' encodings compared too (the digest ignores them)."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(available_commands(), min_size=1, max_size=30))
    def test_replayed_hashes_have_the_same_encodings(self, commands) -> None:  # type: ignore[no-untyped-def]
        master = Harness(hash_max_listpack_entries=2)
        for argv in commands:
            master(*argv)
        replica = Harness(hash_max_listpack_entries=2)
        applier = StreamApplier(replica.server)
        applier.feed(master.server.log.read(master.server.log.start_offset, 1 << 30))
        self.assertEqual(applier.errors, 0)
        for db, other in zip(master.keyspace.dbs, replica.keyspace.dbs, strict=True):
            self.assertEqual(db.data, other.data)
            self.assertEqual(
                {k: v.hashtable for k, v in db.data.items() if type(v) is Hash},
                {k: v.hashtable for k, v in other.data.items() if type(v) is Hash},
            )
