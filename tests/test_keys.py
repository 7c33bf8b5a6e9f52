"""Unit tests for replkv.commands.keys: replies, events, and replay of the events."""

from __future__ import annotations

from typing import Any

import hiredis
from twisted.trial.unittest import SynchronousTestCase

from replkv.commands import objects
from replkv.keyspace import walks
from tests.support.harness import START_MS, Harness


class KeysTestCase(SynchronousTestCase):
    """Base: a fresh harness per test, and replay checked at the end of each test."""

    config: dict[str, Any] = {}
    check_replay = True

    def setUp(self) -> None:
        self.h = Harness(**self.config)

    def tearDown(self) -> None:
        if self.check_replay:
            self.assertEqual(self.h.replay().dataset(), self.h.dataset())

    def assertEvents(self, since: int, expected: list[list[bytes]]) -> None:  # noqa: N802
        self.assertEqual(self.h.new_events(since), expected)


class DelTests(KeysTestCase):
    def test_del_counts_and_propagates_as_typed(self) -> None:
        h = self.h
        h("SET", "a", "1")
        h("SET", "b", "2")
        mark = h.mark()
        self.assertEqual(h("DEL", "a", "b", "c", "a"), b":2\r\n")
        self.assertEvents(mark, [[b"DEL", b"a", b"b", b"c", b"a"]])

    def test_del_nothing_propagates_nothing(self) -> None:
        mark = self.h.mark()
        self.assertEqual(self.h("DEL", "x", "y"), b":0\r\n")
        self.assertEqual(self.h("UNLINK", "x"), b":0\r\n")
        self.assertEvents(mark, [])

    def test_unlink(self) -> None:
        self.h("SET", "a", "1")
        mark = self.h.mark()
        self.assertEqual(self.h("unlink", "a"), b":1\r\n")
        self.assertEvents(mark, [[b"unlink", b"a"]])

    def test_del_of_expired_key_on_master_emits_only_the_expiry(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "100")
        h.clock.advance(1)
        mark = h.mark()
        self.assertEqual(h("DEL", "a"), b":0\r\n")
        self.assertEvents(mark, [[b"DEL", b"a"]])
        self.assertNotIn(b"a", h.keyspace.dbs[0].data)

    def test_del_of_expired_key_on_replica_deletes_it(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "100")
        h.clock.advance(1)
        h.keyspace.is_master = False
        self.assertEqual(h("DEL", "a"), b":1\r\n")
        self.check_replay = False


class ExistsTypeTouchTests(KeysTestCase):
    def test_exists_counts_repeats(self) -> None:
        self.h("SET", "a", "1")
        self.assertEqual(self.h("EXISTS", "a", "a", "b"), b":2\r\n")

    def test_type(self) -> None:
        self.h("SET", "a", "1")
        self.assertEqual(self.h("TYPE", "a"), b"+string\r\n")
        self.assertEqual(self.h("TYPE", "nope"), b"+none\r\n")

    def test_touch_is_not_propagated(self) -> None:
        self.h("SET", "a", "1")
        mark = self.h.mark()
        self.assertEqual(self.h("TOUCH", "a", "b", "a"), b":2\r\n")
        self.assertEvents(mark, [])

    def test_expired_key_on_master_is_gone_and_deleted(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "10")
        h.clock.advance(0.02)
        mark = h.mark()
        self.assertEqual(h("EXISTS", "a"), b":0\r\n")
        self.assertEqual(h("TYPE", "a"), b"+none\r\n")
        self.assertEqual(h("DBSIZE"), b":0\r\n")
        self.assertEvents(mark, [[b"DEL", b"a"]])

    def test_expired_key_on_replica_is_hidden_but_counted(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "10")
        h("SET", "b", "1")
        h.clock.advance(0.02)
        h.keyspace.is_master = False
        mark = h.mark()
        self.assertEqual(h("EXISTS", "a"), b":0\r\n")
        self.assertEqual(h("TYPE", "a"), b"+none\r\n")
        self.assertEqual(h("TTL", "a"), b":-2\r\n")
        self.assertEqual(h("KEYS", "*"), b"*1\r\n$1\r\nb\r\n")
        self.assertEqual(h("SCAN", "0"), b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n")
        self.assertEqual(h("DBSIZE"), b":2\r\n")
        self.assertEvents(mark, [])
        self.check_replay = False

    def test_obeying_the_master_sees_expired_keys(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "10")
        h.clock.advance(0.02)
        self.assertEqual(h.apply("RENAME", "a", "b").errors, 0)  # "no such key" if hidden
        self.assertEqual(h.db.data, {b"b": b"1"})
        self.check_replay = False


class KeysCommandTests(KeysTestCase):
    def test_patterns(self) -> None:
        h = self.h
        for key in ("foo", "fob", "bar", ""):
            h("SET", key, "1")
        self.assertEqual(sorted(self._keys("*")), [b"", b"bar", b"fob", b"foo"])
        self.assertEqual(sorted(self._keys("fo?")), [b"fob", b"foo"])
        self.assertEqual(sorted(self._keys("**")), [b"bar", b"fob", b"foo"])  # not ""

    def test_expired_keys_hidden_not_deleted(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "10")
        h("SET", "b", "1")
        h.clock.advance(0.02)
        mark = h.mark()
        self.assertEqual(self._keys("*"), [b"b"])
        self.assertIn(b"a", h.keyspace.dbs[0].data)
        self.assertEvents(mark, [])

    def _keys(self, pattern: str) -> list[bytes]:
        raw = self.h("KEYS", pattern)
        reader = hiredis.Reader()
        reader.feed(raw)
        return reader.gets()


def scan_reply(raw: bytes) -> tuple[int, list[bytes]]:
    reader = hiredis.Reader()
    reader.feed(raw)
    cursor, keys = reader.gets()
    return int(cursor), keys


class ScanTests(KeysTestCase):
    def scan_all(self, *options: str, start: int = 0) -> list[bytes]:
        cursor, found, calls = start, [], 0
        while True:
            cursor, keys = scan_reply(self.h("SCAN", cursor, *options))
            found.extend(keys)
            calls += 1
            self.assertLess(calls, 10_000)
            if cursor == 0:
                return found

    def test_small_database_in_one_reply(self) -> None:
        for i in range(5):
            self.h("SET", f"k{i}", "v")
        cursor, keys = scan_reply(self.h("SCAN", "0"))
        self.assertEqual(cursor, 0)
        self.assertEqual(sorted(keys), [b"k0", b"k1", b"k2", b"k3", b"k4"])

    def test_full_iteration_returns_each_key_once(self) -> None:
        for i in range(95):
            self.h("SET", f"k{i}", "v")
        found = self.scan_all("COUNT", "7")
        self.assertEqual(sorted(found), sorted(b"k%d" % i for i in range(95)))

    def test_count_bounds_each_reply(self) -> None:
        for i in range(50):
            self.h("SET", f"k{i}", "v")
        cursor, keys = scan_reply(self.h("SCAN", "0", "COUNT", "5"))
        self.assertNotEqual(cursor, 0)
        self.assertEqual(len(keys), 5)

    def test_keys_present_throughout_survive_changes(self) -> None:
        h = self.h
        for i in range(100):
            h("SET", f"k{i}", "v")
        cursor, found = scan_reply(h("SCAN", "0", "COUNT", "10"))
        stable = {b"k%d" % i for i in range(100) if i % 3}
        added = 0
        while cursor:
            # Delete some keys not yet guaranteed and add new ones at every step.
            for i in range(0, 100, 3):
                h("DEL", f"k{i}")
            h("SET", f"new{added}", "v")
            added += 1
            cursor, keys = scan_reply(h("SCAN", cursor, "COUNT", "10"))
            found.extend(keys)
        self.assertTrue(stable.issubset(found))
        self.assertEqual(len(found), len(set(found)))

    def test_interleaved_iterations(self) -> None:
        for i in range(40):
            self.h("SET", f"k{i}", "v")
        a, found_a = scan_reply(self.h("SCAN", "0", "COUNT", "3"))
        b, found_b = scan_reply(self.h("SCAN", "0", "COUNT", "4"))
        while a or b:
            if a:
                a, keys = scan_reply(self.h("SCAN", a, "COUNT", "3"))
                found_a += keys
            if b:
                b, keys = scan_reply(self.h("SCAN", b, "COUNT", "4"))
                found_b += keys
        everything = sorted(b"k%d" % i for i in range(40))
        self.assertEqual(sorted(found_a), everything)
        self.assertEqual(sorted(found_b), everything)

    def test_unknown_cursor_restarts_without_missing_keys(self) -> None:
        for i in range(30):
            self.h("SET", f"k{i}", "v")
        found = self.scan_all("COUNT", "4", start=123456789)
        self.assertEqual(sorted(found), sorted(b"k%d" % i for i in range(30)))

    def test_evicted_walk_restarts(self) -> None:
        for i in range(30):
            self.h("SET", f"k{i}", "v")
        cursor, first = scan_reply(self.h("SCAN", "0", "COUNT", "4"))
        for _ in range(walks.MAX_WALKS):
            scan_reply(self.h("SCAN", "0", "COUNT", "4"))
        found = first + self.scan_all("COUNT", "4", start=cursor)
        self.assertEqual(set(found), {b"k%d" % i for i in range(30)})

    def test_match_and_type(self) -> None:
        for i in range(30):
            self.h("SET", f"k{i}", "v")
        self.assertEqual(
            sorted(self.scan_all("MATCH", "k1*", "COUNT", "4")),
            sorted([b"k1"] + [b"k1%d" % i for i in range(10)]),
        )
        self.assertEqual(len(self.scan_all("TYPE", "STRING")), 30)
        self.assertEqual(self.scan_all("TYPE", "list"), [])
        self.assertEqual(self.scan_all("TYPE", "nonsense"), [])

    def test_expired_keys_deleted_on_master(self) -> None:
        h = self.h
        h("SET", "gone", "1", "PX", "10")
        h("SET", "kept", "1")
        h.clock.advance(0.02)
        mark = h.mark()
        self.assertEqual(self.scan_all(), [b"kept"])
        self.assertEvents(mark, [[b"DEL", b"gone"]])

    def test_type_none_lists_a_key_that_just_expired(self) -> None:
        # Redis's TYPE filter looks the key up first, which deletes it, and the
        # expiry check that follows then finds nothing to filter.
        h = self.h
        h("SET", "gone", "1", "PX", "10")
        h.clock.advance(0.02)
        self.assertEqual(self.scan_all("TYPE", "none"), [b"gone"])

    def test_cursor_parsing(self) -> None:
        h = self.h
        h("SET", "a", "1")
        one_reply = b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n"
        for cursor in ("-1", "+0", "", "18446744073709551615", "-18446744073709551615"):
            self.assertEqual(h("SCAN", cursor), one_reply, cursor)
        for cursor in (" 1", "1 ", "x", "18446744073709551616", "-", "+", "1.5", "0x10"):
            self.assertEqual(h("SCAN", cursor), b"-ERR invalid cursor\r\n", cursor)

    def test_option_errors(self) -> None:
        h = self.h
        self.assertEqual(h("SCAN", "0", "COUNT", "0"), b"-ERR syntax error\r\n")
        self.assertEqual(h("SCAN", "0", "COUNT", "-1"), b"-ERR syntax error\r\n")
        self.assertEqual(
            h("SCAN", "0", "COUNT", "x"), b"-ERR value is not an integer or out of range\r\n"
        )
        self.assertEqual(h("SCAN", "0", "MATCH"), b"-ERR syntax error\r\n")
        self.assertEqual(h("SCAN", "0", "FOO", "bar"), b"-ERR syntax error\r\n")


class RandomKeyTests(KeysTestCase):
    def test_empty(self) -> None:
        self.assertEqual(self.h("RANDOMKEY"), b"$-1\r\n")

    def test_picks_existing_keys_fairly(self) -> None:
        keys = {b"k%d" % i for i in range(20)}
        for key in keys:
            self.h("SET", key, "v")
        seen: dict[bytes, int] = {}
        for _ in range(2000):
            key = scan_key(self.h("RANDOMKEY"))
            seen[key] = seen.get(key, 0) + 1
        self.assertEqual(set(seen), keys)
        self.assertGreater(min(seen.values()), 40)

    def test_follows_deletions_and_additions(self) -> None:
        h = self.h
        for i in range(100):
            h("SET", f"old{i}", "v")
        h("RANDOMKEY")
        for i in range(100):
            h("DEL", f"old{i}")
        h("SET", "new", "v")
        for _ in range(20):
            self.assertEqual(h("RANDOMKEY"), b"$3\r\nnew\r\n")

    def test_expired_keys_are_deleted_on_master(self) -> None:
        h = self.h
        for i in range(10):
            h("SET", f"k{i}", "v", "PX", "10")
        h.clock.advance(0.02)
        mark = h.mark()
        self.assertEqual(h("RANDOMKEY"), b"$-1\r\n")
        deletions = [e for e in h.new_events(mark) if e[0] == b"DEL"]
        self.assertEqual(sorted(deletions), [[b"DEL", b"k%d" % i] for i in range(10)])
        self.assertEqual(h.keyspace.dbs[0].data, {})

    def test_replica_with_only_expired_keys_gives_up_after_tries(self) -> None:
        h = self.h
        h("SET", "a", "v", "PX", "10")
        h.clock.advance(0.02)
        h.keyspace.is_master = False
        self.assertEqual(h("RANDOMKEY"), b"$1\r\na\r\n")
        self.check_replay = False

    def test_replica_skips_expired_keys(self) -> None:
        h = self.h
        h("SET", "a", "v", "PX", "10")
        h("SET", "b", "v")
        h.clock.advance(0.02)
        h.keyspace.is_master = False
        for _ in range(20):
            self.assertEqual(h("RANDOMKEY"), b"$1\r\nb\r\n")
        self.check_replay = False

    def test_not_propagated(self) -> None:
        self.h("SET", "a", "v")
        mark = self.h.mark()
        self.h("RANDOMKEY")
        self.assertEvents(mark, [])


def scan_key(raw: bytes | None) -> bytes:
    reader = hiredis.Reader()
    reader.feed(raw)
    return reader.gets()


class RenameTests(KeysTestCase):
    def test_rename_keeps_ttl_and_propagates(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "5000")
        h("SET", "b", "2")
        mark = h.mark()
        self.assertEqual(h("RENAME", "a", "b"), b"+OK\r\n")
        self.assertEvents(mark, [[b"RENAME", b"a", b"b"]])
        db = h.keyspace.dbs[0]
        self.assertEqual(db.data, {b"b": b"1"})
        self.assertEqual(db.expires, {b"b": START_MS + 5000})

    def test_rename_drops_target_ttl(self) -> None:
        h = self.h
        h("SET", "a", "1")
        h("SET", "b", "2", "PX", "5000")
        h("RENAME", "a", "b")
        self.assertEqual(h.keyspace.dbs[0].expires, {})

    def test_missing_source(self) -> None:
        self.assertEqual(self.h("RENAME", "a", "b"), b"-ERR no such key\r\n")
        self.assertEqual(self.h("RENAMENX", "a", "b"), b"-ERR no such key\r\n")
        self.assertEqual(self.h("RENAME", "a", "a"), b"-ERR no such key\r\n")

    def test_same_key(self) -> None:
        h = self.h
        h("SET", "a", "1")
        mark = h.mark()
        self.assertEqual(h("RENAME", "a", "a"), b"+OK\r\n")
        self.assertEqual(h("RENAMENX", "a", "a"), b":0\r\n")
        self.assertEvents(mark, [])

    def test_renamenx(self) -> None:
        h = self.h
        h("SET", "a", "1")
        h("SET", "b", "2")
        mark = h.mark()
        self.assertEqual(h("RENAMENX", "a", "b"), b":0\r\n")
        self.assertEvents(mark, [])
        self.assertEqual(h("RENAMENX", "a", "c"), b":1\r\n")
        self.assertEvents(mark, [[b"RENAMENX", b"a", b"c"]])

    def test_rename_over_expired_target_on_master(self) -> None:
        h = self.h
        h("SET", "b", "old", "PX", "10")
        h("SET", "a", "new")
        h.clock.advance(0.02)
        mark = h.mark()
        self.assertEqual(h("RENAMENX", "a", "b"), b":1\r\n")
        self.assertEvents(mark, [[b"MULTI"], [b"DEL", b"b"], [b"RENAMENX", b"a", b"b"], [b"EXEC"]])


class CopyMoveTests(KeysTestCase):
    def test_copy_same_db(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "5000")
        mark = h.mark()
        self.assertEqual(h("COPY", "a", "b"), b":1\r\n")
        self.assertEqual(h("COPY", "a", "b"), b":0\r\n")
        self.assertEqual(h("COPY", "a", "b", "REPLACE"), b":1\r\n")
        self.assertEvents(mark, [[b"COPY", b"a", b"b"], [b"COPY", b"a", b"b", b"REPLACE"]])
        self.assertEqual(h.keyspace.dbs[0].expires[b"b"], START_MS + 5000)

    def test_copy_to_other_db(self) -> None:
        h = self.h
        h("SET", "a", "1")
        self.assertEqual(h("COPY", "a", "a", "DB", "3"), b":1\r\n")
        self.assertEqual(h.keyspace.dbs[3].data, {b"a": b"1"})
        self.assertEqual(h("COPY", "a", "a", "db", "3"), b":0\r\n")

    def test_copy_of_a_raw_string_is_independent(self) -> None:
        h = self.h
        h.keyspace.dbs[0].store(b"a", bytearray(b"raw"))
        h("COPY", "a", "b")
        copied = h.keyspace.dbs[0].data[b"b"]
        self.assertEqual(type(copied), bytearray)
        self.assertIsNot(copied, h.keyspace.dbs[0].data[b"a"])
        self.check_replay = False  # the raw value was stored without an event

    def test_copy_errors(self) -> None:
        h = self.h
        h("SET", "a", "1")
        same = b"-ERR source and destination objects are the same\r\n"
        self.assertEqual(h("COPY", "a", "a"), same)
        self.assertEqual(h("COPY", "a", "a", "DB", "0"), same)
        self.assertEqual(h("COPY", "a", "b", "DB", "16"), b"-ERR DB index is out of range\r\n")
        self.assertEqual(h("COPY", "a", "b", "DB"), b"-ERR syntax error\r\n")
        self.assertEqual(h("COPY", "a", "b", "FOO"), b"-ERR syntax error\r\n")
        self.assertEqual(
            h("COPY", "a", "b", "DB", "x"), b"-ERR value is not an integer or out of range\r\n"
        )
        self.assertEqual(h("COPY", "nope", "b"), b":0\r\n")

    def test_move(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "5000")
        mark = h.mark()
        self.assertEqual(h("MOVE", "a", "2"), b":1\r\n")
        self.assertEqual(h("MOVE", "a", "2"), b":0\r\n")
        self.assertEvents(mark, [[b"MOVE", b"a", b"2"]])
        self.assertEqual(h.keyspace.dbs[2].expires, {b"a": START_MS + 5000})
        self.assertEqual(h.keyspace.dbs[0].data, {})

    def test_move_to_existing_key(self) -> None:
        h = self.h
        h("SET", "a", "1")
        h("SELECT", "2")
        h("SET", "a", "2")
        h("SELECT", "0")
        self.assertEqual(h("MOVE", "a", "2"), b":0\r\n")

    def test_move_errors(self) -> None:
        h = self.h
        h("SET", "a", "1")
        self.assertEqual(
            h("MOVE", "a", "0"), b"-ERR source and destination objects are the same\r\n"
        )
        self.assertEqual(h("MOVE", "a", "16"), b"-ERR DB index is out of range\r\n")
        self.assertEqual(h("MOVE", "a", "-1"), b"-ERR DB index is out of range\r\n")
        self.assertEqual(
            h("MOVE", "a", "4294967296"),
            b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
        )


class FlushSwapTests(KeysTestCase):
    def test_flushdb_propagates_even_when_empty(self) -> None:
        h = self.h
        mark = h.mark()
        self.assertEqual(h("FLUSHDB"), b"+OK\r\n")
        self.assertEqual(h("flushdb", "async"), b"+OK\r\n")
        self.assertEvents(mark, [[b"SELECT", b"0"], [b"FLUSHDB"], [b"flushdb", b"async"]])

    def test_flushdb_only_current(self) -> None:
        h = self.h
        h("SET", "a", "1")
        h("SELECT", "1")
        h("SET", "b", "1")
        h("FLUSHDB", "SYNC")
        self.assertEqual(h.keyspace.dbs[0].data, {b"a": b"1"})
        self.assertEqual(h.keyspace.dbs[1].data, {})

    def test_flushall(self) -> None:
        h = self.h
        h("SET", "a", "1", "PX", "100")
        h("SELECT", "5")
        h("SET", "b", "1")
        self.assertEqual(h("FLUSHALL"), b"+OK\r\n")
        self.assertEqual(h.dataset(), [({}, {})] * len(h.keyspace.dbs))

    def test_flush_syntax(self) -> None:
        self.assertEqual(self.h("FLUSHALL", "now"), b"-ERR syntax error\r\n")
        self.assertEqual(self.h("FLUSHDB", "sync", "async"), b"-ERR syntax error\r\n")

    def test_flush_touches_watched_keys(self) -> None:
        h = self.h
        h("SET", "a", "1")
        db = h.keyspace.dbs[0]
        h.client.watches.watch(db, b"a", h.keyspace.now_ms())
        h("FLUSHALL")
        self.assertTrue(h.client.watches.dirty)
        h.client.unwatch_all()

    def test_swapdb(self) -> None:
        h = self.h
        h("SET", "a", "1")
        mark = h.mark()
        self.assertEqual(h("SWAPDB", "0", "1"), b"+OK\r\n")
        self.assertEqual(h("SWAPDB", "1", "1"), b"+OK\r\n")
        self.assertEvents(mark, [[b"SWAPDB", b"0", b"1"], [b"SWAPDB", b"1", b"1"]])
        self.assertEqual(h.keyspace.dbs[1].data, {b"a": b"1"})
        self.assertEqual(h("GET", "a"), b"$-1\r\n")

    def test_swapdb_errors(self) -> None:
        h = self.h
        self.assertEqual(h("SWAPDB", "x", "0"), b"-ERR invalid first DB index\r\n")
        self.assertEqual(h("SWAPDB", "0", "x"), b"-ERR invalid second DB index\r\n")
        self.assertEqual(h("SWAPDB", "0", "4294967296"), b"-ERR invalid second DB index\r\n")
        self.assertEqual(h("SWAPDB", "0", "16"), b"-ERR DB index is out of range\r\n")
        self.assertEqual(h("SWAPDB", "-1", "0"), b"-ERR DB index is out of range\r\n")


class ObjectTests(KeysTestCase):
    def test_string_encodings(self) -> None:
        h = self.h
        cases = {
            "123": b"int",
            "-9223372036854775808": b"int",
            "9223372036854775808": b"embstr",
            "0123": b"embstr",
            "+1": b"embstr",
            "-0": b"embstr",
            "x" * 44: b"embstr",
            "x" * 45: b"raw",
            "": b"embstr",
        }
        for value, encoding in cases.items():
            h("SET", "k", value)
            self.assertEqual(
                h("OBJECT", "ENCODING", "k"), b"$%d\r\n%b\r\n" % (len(encoding), encoding), value
            )
        h.keyspace.dbs[0].store(b"r", bytearray(b"12"))
        self.assertEqual(h("OBJECT", "encoding", "r"), b"$3\r\nraw\r\n")
        self.check_replay = False

    def test_refcount(self) -> None:
        h = self.h
        h("SET", "shared", "9999")
        h("SET", "big", "10000")
        h("SET", "text", "abc")
        self.assertEqual(h("OBJECT", "REFCOUNT", "shared"), b":2147483647\r\n")
        self.assertEqual(h("OBJECT", "REFCOUNT", "big"), b":1\r\n")
        self.assertEqual(h("OBJECT", "REFCOUNT", "text"), b":1\r\n")

    def test_refcount_without_sharing_under_lru_with_maxmemory(self) -> None:
        h = Harness(maxmemory=1 << 30, maxmemory_policy="allkeys-lru")
        h("SET", "shared", "1")
        self.assertEqual(h("OBJECT", "REFCOUNT", "shared"), b":1\r\n")

    def test_missing_key(self) -> None:
        for sub in ("ENCODING", "REFCOUNT", "IDLETIME", "FREQ"):
            self.assertEqual(self.h("OBJECT", sub, "nope"), b"$-1\r\n")

    def test_idletime_and_freq(self) -> None:
        h = self.h
        h("SET", "k", "v")
        self.assertEqual(h("OBJECT", "IDLETIME", "k"), b":0\r\n")
        self.assertEqual(h("OBJECT", "FREQ", "k"), objects.NO_LFU)
        lfu = Harness(maxmemory_policy="allkeys-lfu")
        lfu("SET", "k", "v")
        self.assertEqual(lfu("OBJECT", "FREQ", "k"), b":5\r\n")
        self.assertEqual(lfu("OBJECT", "IDLETIME", "k"), objects.LFU_NO_IDLETIME)

    def test_help(self) -> None:
        raw = self.h("OBJECT", "HELP")
        self.assertTrue(raw.startswith(b"*15\r\n+OBJECT <subcommand>"))

    def test_unknown_subcommand_and_arity(self) -> None:
        self.assertEqual(
            self.h("OBJECT", "foo"), b"-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"
        )
        self.assertEqual(
            self.h("OBJECT", "encoding"),
            b"-ERR wrong number of arguments for 'object|encoding' command\r\n",
        )


class RandomizedReplayTests(KeysTestCase):
    """Random sequences of key commands: the replayed log gives the same data."""

    def test_random_sequences(self) -> None:
        import random

        rng = random.Random(7)
        keys = [f"k{i}" for i in range(6)]
        h = self.h
        for _ in range(600):
            key, other = rng.choice(keys), rng.choice(keys)
            choice = rng.randrange(12)
            if choice == 0:
                h("SET", key, str(rng.randrange(100)))
            elif choice == 1:
                h("SET", key, "v", "PX", str(rng.randrange(1, 300)))
            elif choice == 2:
                h("DEL", key, other)
            elif choice == 3:
                h("RENAME", key, other)
            elif choice == 4:
                h("RENAMENX", key, other)
            elif choice == 5:
                h("COPY", key, other, "DB", str(rng.randrange(3)), "REPLACE")
            elif choice == 6:
                h("MOVE", key, str(rng.randrange(1, 3)))
            elif choice == 7:
                h("SELECT", str(rng.randrange(3)))
            elif choice == 8:
                h("SWAPDB", str(rng.randrange(3)), str(rng.randrange(3)))
            elif choice == 9:
                h("EXPIRE", key, str(rng.randrange(-1, 2)))
            elif choice == 10:
                h("SCAN", "0", "COUNT", "2")
            else:
                h("FLUSHDB") if rng.randrange(20) == 0 else h("EXISTS", key)
            h.clock.advance(rng.randrange(0, 100) / 1000)
