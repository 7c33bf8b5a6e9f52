"""Unit tests for replkv.commands.sort: SORT and SORT_RO over sets, sorted sets and lists.

Lists are deques stored into the database directly (the list commands live elsewhere).
"""

from __future__ import annotations

import collections
from typing import Any

import hiredis
from twisted.trial.unittest import SynchronousTestCase

from replkv.keyspace.digest import dataset_digest
from tests.support.harness import Harness


def parse(raw: bytes | None) -> Any:
    reader = hiredis.Reader()
    assert raw is not None
    reader.feed(raw)
    return reader.gets()


def bulks(*items: bytes | None) -> bytes:
    parts = [b"$-1\r\n" if i is None else b"$%d\r\n%b\r\n" % (len(i), i) for i in items]
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


class SortTestCase(SynchronousTestCase):
    """A fresh harness per test; the log must replay to the same data."""

    def setUp(self) -> None:
        self.h = Harness()
        self.replayable = True

    def tearDown(self) -> None:
        if not self.replayable:
            return  # a list written directly has no event to replay
        # Sorting a sorted set converts it to a skiplist without an event (as in
        # Redis): the replay is compared by digest, which ignores encodings.
        replayed = self.h.replay()
        self.assertEqual(dataset_digest(replayed.keyspace), dataset_digest(self.h.keyspace))

    def put_list(self, key: bytes, *items: bytes) -> None:
        """A list value stored directly, as the list family will store one."""
        self.replayable = False
        self.h.db.store(key, collections.deque(items))


class NumericAndAlphaTests(SortTestCase):
    def test_numeric_sort_of_a_set(self) -> None:
        h = self.h
        h("SADD", "s", "10", "9", "-1.5", "1e2", "inf")
        self.assertEqual(h("SORT", "s"), bulks(b"-1.5", b"9", b"10", b"1e2", b"inf"))
        self.assertEqual(h("SORT", "s", "DESC"), bulks(b"inf", b"1e2", b"10", b"9", b"-1.5"))
        self.assertEqual(h("SORT_RO", "s", "LIMIT", "1", "2"), bulks(b"9", b"10"))

    def test_equal_scores_order_by_bytes(self) -> None:
        self.put_list(b"l", b"1.0", b"1", b"01", b"1")
        self.assertEqual(self.h("SORT", "l"), bulks(b"01", b"1", b"1", b"1.0"))
        self.assertEqual(self.h("SORT", "l", "DESC"), bulks(b"1.0", b"1", b"1", b"01"))

    def test_strtod_rules(self) -> None:
        h = self.h
        self.put_list(b"ok", b"", b" 2", b"0x10", b"-inf", b"1\x00junk")
        self.assertEqual(h("SORT", "ok"), bulks(b"-inf", b"", b"1\x00junk", b" 2", b"0x10"))
        for bad in (b"x", b"1 ", b"nan", b"1e400", b"1e-310", b" "):
            self.put_list(b"bad", b"1", bad)
            self.assertEqual(
                h("SORT", "bad"),
                b"-ERR One or more scores can't be converted into double\r\n",
                bad,
            )

    def test_alpha(self) -> None:
        h = self.h
        h("SADD", "s", "b", "B", "a", "10", "9")
        self.assertEqual(h("SORT", "s", "ALPHA"), bulks(b"10", b"9", b"B", b"a", b"b"))
        self.assertEqual(h("SORT", "s", "ALPHA", "DESC", "LIMIT", "0", "2"), bulks(b"b", b"a"))

    def test_limit_edges(self) -> None:
        h = self.h
        h("SADD", "s", "1", "2", "3")
        self.assertEqual(h("SORT", "s", "LIMIT", "-5", "2"), bulks(b"1", b"2"))
        self.assertEqual(h("SORT", "s", "LIMIT", "1", "-1"), bulks(b"2", b"3"))
        self.assertEqual(h("SORT", "s", "LIMIT", "3", "1"), b"*0\r\n")
        self.assertEqual(h("SORT", "s", "LIMIT", "0", "0"), b"*0\r\n")
        self.assertEqual(h("SORT", "s", "LIMIT", "2", "100"), bulks(b"3"))

    def test_missing_key_is_an_empty_list(self) -> None:
        self.assertEqual(self.h("SORT", "nosuch"), b"*0\r\n")
        self.assertEqual(self.h("SORT", "nosuch", "BY", "nosort", "LIMIT", "1", "1"), b"*0\r\n")


class PatternTests(SortTestCase):
    def test_by_strings_and_hash_fields(self) -> None:
        h = self.h
        h("SADD", "s", "a", "b", "c")
        h("MSET", "w_a", "3", "w_b", "1", "w_c", "2")
        h("HSET", "h_a", "f", "30")
        h("HSET", "h_b", "f", "10")
        self.assertEqual(h("SORT", "s", "BY", "w_*"), bulks(b"b", b"c", b"a"))
        # A missing weight counts as 0.
        self.assertEqual(h("SORT", "s", "BY", "h_*->f"), bulks(b"c", b"b", b"a"))
        self.assertEqual(h("SORT", "s", "BY", "h_*->f", "ALPHA"), bulks(b"c", b"b", b"a"))

    def test_get_patterns(self) -> None:
        h = self.h
        h("SADD", "s", "1", "2")
        h("SET", "v_1", "one")
        h("HSET", "h_2", "name", "two")
        self.assertEqual(
            h("SORT", "s", "GET", "#", "GET", "v_*", "GET", "h_*->name", "GET", "const"),
            bulks(b"1", b"one", None, None, b"2", None, b"two", None),
        )
        h("HELLO", "3")
        self.assertEqual(h("SORT", "s", "GET", "v_*"), b"*2\r\n$3\r\none\r\n_\r\n")

    def test_wrong_types_of_looked_up_keys_are_missing(self) -> None:
        h = self.h
        h("SADD", "s", "1")
        h("SADD", "v_1", "x")
        h("SET", "h_1", "str")
        self.assertEqual(h("SORT", "s", "GET", "v_*", "GET", "h_*->f"), bulks(None, None))

    def test_nosort_keeps_the_native_order(self) -> None:
        h = self.h
        h("ZADD", "z", "1", "c", "2", "b", "3", "a")
        self.put_list(b"l", b"c", b"a", b"b")
        self.assertEqual(h("SORT", "z", "BY", "nosort"), bulks(b"c", b"b", b"a"))
        self.assertEqual(h("SORT", "z", "BY", "nosort", "DESC"), bulks(b"a", b"b", b"c"))
        self.assertEqual(h("SORT", "z", "BY", "nosort", "LIMIT", "1", "1"), bulks(b"b"))
        self.assertEqual(
            h("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "5"), bulks(b"b", b"c")
        )
        self.assertEqual(
            h("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "0", "2"), bulks(b"b", b"a")
        )
        self.assertEqual(h("SORT", "l", "BY", "nosort", "LIMIT", "9", "2"), b"*0\r\n")
        self.assertEqual(
            h("SORT", "z"), b"-ERR One or more scores can't be converted into double\r\n"
        )
        self.assertEqual(h("SORT", "z", "ALPHA"), bulks(b"a", b"b", b"c"))

    def test_sorting_a_zset_converts_it(self) -> None:
        h = self.h
        h("ZADD", "z", "1", "a")
        self.assertEqual(h("OBJECT", "ENCODING", "z"), b"$8\r\nlistpack\r\n")
        h("SORT_RO", "z", "ALPHA")
        self.assertEqual(h("OBJECT", "ENCODING", "z"), b"$8\r\nskiplist\r\n")


class StoreTests(SortTestCase):
    def test_store_makes_a_list_and_propagates(self) -> None:
        h = self.h
        h("SADD", "s", "3", "1", "2")
        h("SET", "d", "old")
        h("EXPIRE", "d", "100")
        mark = h.mark()
        self.assertEqual(h("SORT", "s", "DESC", "STORE", "d"), b":3\r\n")
        self.assertEqual(h.new_events(mark), [[b"SORT", b"s", b"DESC", b"STORE", b"d"]])
        self.assertEqual(list(h.db.data[b"d"]), [b"3", b"2", b"1"])
        self.assertEqual(h("TYPE", "d"), b"+list\r\n")
        self.assertEqual(h("TTL", "d"), b":-1\r\n")

    def test_store_of_gets_uses_empty_strings(self) -> None:
        h = self.h
        h("SADD", "s", "1", "2")
        h("SET", "v_1", "x")
        self.assertEqual(h("SORT", "s", "GET", "v_*", "GET", "#", "STORE", "d"), b":4\r\n")
        self.assertEqual(list(h.db.data[b"d"]), [b"x", b"1", b"", b"2"])

    def test_empty_result_deletes_the_destination(self) -> None:
        h = self.h
        h("SET", "d", "x")
        mark = h.mark()
        self.assertEqual(h("SORT", "nosuch", "STORE", "d"), b":0\r\n")
        self.assertEqual(h("EXISTS", "d"), b":0\r\n")
        self.assertEqual(h("SORT", "nosuch", "STORE", "d"), b":0\r\n")
        self.assertEqual(h.new_events(mark), [[b"SORT", b"nosuch", b"STORE", b"d"]])

    def test_nosort_set_is_sorted_alpha_when_stored(self) -> None:
        h = self.h
        h("SADD", "s", "b", "10", "a", "9")
        h("SORT", "s", "BY", "nosort", "STORE", "d")
        self.assertEqual(list(h.db.data[b"d"]), [b"10", b"9", b"a", b"b"])

    def test_store_into_the_sorted_key(self) -> None:
        h = self.h
        h("SADD", "l", "2", "1")
        self.assertEqual(h("SORT", "l", "STORE", "l"), b":2\r\n")
        self.assertEqual(list(h.db.data[b"l"]), [b"1", b"2"])

    def test_sort_ro_refuses_store(self) -> None:
        self.h("SADD", "s", "1")
        self.assertEqual(self.h("SORT_RO", "s", "STORE", "d"), b"-ERR syntax error\r\n")


class ErrorTests(SortTestCase):
    def test_errors(self) -> None:
        h = self.h
        h("SET", "str", "x")
        h("SADD", "s", "1")
        self.assertEqual(h("SORT", "str")[:10], b"-WRONGTYPE")  # type: ignore[index]
        self.assertEqual(h("SORT", "s", "LIMIT", "1"), b"-ERR syntax error\r\n")
        self.assertEqual(h("SORT", "s", "STORE"), b"-ERR syntax error\r\n")
        self.assertEqual(h("SORT", "s", "BY"), b"-ERR syntax error\r\n")
        self.assertEqual(h("SORT", "s", "GET"), b"-ERR syntax error\r\n")
        self.assertEqual(h("SORT", "s", "junk"), b"-ERR syntax error\r\n")
        self.assertEqual(
            h("SORT", "s", "LIMIT", "a", "1"), b"-ERR value is not an integer or out of range\r\n"
        )
        # Options are parsed before the key's type is checked.
        self.assertEqual(h("SORT", "str", "junk"), b"-ERR syntax error\r\n")
        self.assertEqual(h("SORT"), b"-ERR wrong number of arguments for 'sort' command\r\n")


class IntrospectionTests(SynchronousTestCase):
    def test_getkeys(self) -> None:
        h = Harness()
        cases = {
            ("sort", "a", "store", "b", "store", "c"): [b"a", b"c"],
            ("sort", "a", "get", "store", "b"): [b"a"],
            ("sort", "a", "store", "get", "x"): [b"a", b"get"],
            ("sort", "a", "limit", "store", "b", "1"): [b"a"],
            ("sort", "a", "store"): [b"a"],
            ("sort_ro", "a", "store", "b"): [b"a"],
        }
        for argv, keys in cases.items():
            self.assertEqual(parse(h("COMMAND", "GETKEYS", *argv)), keys, argv)
        self.assertEqual(
            parse(h("COMMAND", "GETKEYSANDFLAGS", "sort", "a", "STORE", "b")),
            [[b"a", [b"RO", b"access"]], [b"b", [b"OW", b"update"]]],
        )
