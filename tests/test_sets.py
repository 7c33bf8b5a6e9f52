"""Unit tests for replkv.commands.sets: replies, encodings, events, and their replay."""

from __future__ import annotations

from typing import Any

import hiredis
from twisted.trial.unittest import SynchronousTestCase

from replkv.keyspace.sets import SetValue
from tests.support.harness import Harness


def parse(raw: bytes | None) -> Any:
    reader = hiredis.Reader()
    assert raw is not None
    reader.feed(raw)
    return reader.gets()


class SetsTestCase(SynchronousTestCase):
    """Base: a fresh harness per test, and replay checked at the end of each test."""

    config: dict[str, Any] = {}

    def setUp(self) -> None:
        self.h = Harness(**self.config)

    def tearDown(self) -> None:
        self.assertEqual(self.h.replay().dataset(), self.h.dataset())

    def assertEvents(self, since: int, expected: list[list[bytes]]) -> None:  # noqa: N802
        events = [e for e in self.h.new_events(since) if e[0] != b"SELECT"]
        self.assertEqual(events, expected)

    def members(self, key: str) -> set[bytes]:
        return set(parse(self.h("SMEMBERS", key)))

    def encoding(self, key: str) -> bytes | None:
        return self.h("OBJECT", "ENCODING", key)


class AddRemoveTests(SetsTestCase):
    def test_sadd_counts_new_members_and_propagates_only_changes(self) -> None:
        h = self.h
        mark = h.mark()
        self.assertEqual(h("SADD", "s", "a", "b", "a"), b":2\r\n")
        self.assertEqual(h("SADD", "s", "a"), b":0\r\n")
        self.assertEvents(mark, [[b"SADD", b"s", b"a", b"b", b"a"]])
        self.assertEqual(h("TYPE", "s"), b"+set\r\n")

    def test_srem_deletes_the_emptied_set(self) -> None:
        h = self.h
        h("SADD", "s", "a", "b")
        mark = h.mark()
        self.assertEqual(h("SREM", "s", "x"), b":0\r\n")
        self.assertEqual(h("SREM", "s", "a", "b", "c"), b":2\r\n")
        self.assertEvents(mark, [[b"SREM", b"s", b"a", b"b", b"c"]])
        self.assertEqual(h("EXISTS", "s"), b":0\r\n")

    def test_wrong_type(self) -> None:
        self.h("SET", "k", "v")
        for argv in (("SADD", "k", "a"), ("SREM", "k", "a"), ("SCARD", "k"), ("SPOP", "k")):
            self.assertEqual(self.h(*argv)[:10], b"-WRONGTYPE")  # type: ignore[index]

    def test_watch_sees_sadd(self) -> None:
        h = self.h
        h("SADD", "s", "a")
        h("WATCH", "s")
        h("SADD", "s", "a")  # no change: the transaction still runs
        h("MULTI")
        h("SCARD", "s")
        self.assertEqual(h("EXEC"), b"*1\r\n:1\r\n")
        h("WATCH", "s")
        h("SADD", "s", "b")
        h("MULTI")
        h("SCARD", "s")
        self.assertEqual(h("EXEC"), b"*-1\r\n")


class EncodingTests(SetsTestCase):
    config = {"set_max_intset_entries": 4}

    def test_intset_until_a_non_integer_and_never_back(self) -> None:
        h = self.h
        h("SADD", "s", "3", "-1", "2")
        self.assertEqual(self.encoding("s"), b"$6\r\nintset\r\n")
        self.assertEqual(h("SMEMBERS", "s"), b"*3\r\n$2\r\n-1\r\n$1\r\n2\r\n$1\r\n3\r\n")
        h("SADD", "s", "x")
        self.assertEqual(self.encoding("s"), b"$9\r\nhashtable\r\n")
        h("SREM", "s", "x")
        self.assertEqual(self.encoding("s"), b"$9\r\nhashtable\r\n")

    def test_non_canonical_integers_are_strings(self) -> None:
        for i, member in enumerate([b"01", b"+1", b"-0", b" 1", b"9223372036854775808"]):
            self.h("SADD", f"k{i}", member)
            self.assertEqual(self.encoding(f"k{i}"), b"$9\r\nhashtable\r\n", member)
        self.h("SADD", "edge", "-9223372036854775808", "9223372036854775807")
        self.assertEqual(self.encoding("edge"), b"$6\r\nintset\r\n")

    def test_too_many_entries_converts(self) -> None:
        h = self.h
        h("SADD", "s", "1", "2", "3", "4")
        self.assertEqual(self.encoding("s"), b"$6\r\nintset\r\n")
        h("SADD", "s", "5")
        self.assertEqual(self.encoding("s"), b"$9\r\nhashtable\r\n")

    def test_copy_keeps_the_encoding(self) -> None:
        h = self.h
        h("SADD", "s", "1", "x")
        h("SREM", "s", "x")
        h("COPY", "s", "t")
        self.assertEqual(self.encoding("t"), b"$9\r\nhashtable\r\n")
        h("SADD", "t", "9")
        self.assertEqual(self.members("s"), {b"1"})

    def test_store_results_are_encoded_afresh(self) -> None:
        h = self.h
        h("SADD", "a", "1", "x")
        h("SREM", "a", "x")
        h("SUNIONSTORE", "d", "a")
        self.assertEqual(self.encoding("d"), b"$6\r\nintset\r\n")
        # SDIFF's second algorithm (chosen here) adds the whole first set first.
        h("SADD", "big", "1", "2", "3", "x")
        for key in ("s1", "s2", "s3"):
            h("SADD", key, "x")
        h("SDIFFSTORE", "d", "big", "s1", "s2", "s3")
        self.assertEqual(self.members("d"), {b"1", b"2", b"3"})
        self.assertEqual(self.encoding("d"), b"$9\r\nhashtable\r\n")
        h("SDIFFSTORE", "d", "big", "s1")  # the first algorithm: only the result's members
        self.assertEqual(self.encoding("d"), b"$6\r\nintset\r\n")


class PopTests(SetsTestCase):
    def test_spop_propagates_srem_and_deletes_the_emptied_set(self) -> None:
        h = self.h
        h("SADD", "s", "a")
        mark = h.mark()
        self.assertEqual(h("SPOP", "s"), b"$1\r\na\r\n")
        self.assertEvents(mark, [[b"SREM", b"s", b"a"]])
        self.assertEqual(h("EXISTS", "s"), b":0\r\n")
        self.assertEqual(h("SPOP", "s"), b"$-1\r\n")

    def test_spop_count_is_one_srem_per_member_in_a_transaction(self) -> None:
        h = self.h
        h("SADD", "s", *range(20))
        for count in (3, 15):  # a few picked, then most taken (a new set kept)
            mark = h.mark()
            popped = parse(h("SPOP", "s", count))
            self.assertEqual(len(set(popped)), count)
            events = [e for e in h.new_events(mark) if e[0] != b"SELECT"]
            self.assertEqual(events[0], [b"MULTI"])
            self.assertEqual(events[-1], [b"EXEC"])
            self.assertEqual(sorted(events[1:-1]), sorted([b"SREM", b"s", m] for m in popped))
        self.assertEqual(len(self.members("s")), 2)

    def test_spop_count_covering_the_set_is_a_del(self) -> None:
        h = self.h
        h("SADD", "s", "2", "1")
        mark = h.mark()
        self.assertEqual(h("SPOP", "s", "5"), b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n")
        self.assertEvents(mark, [[b"DEL", b"s"]])
        self.assertEqual(h("SPOP", "s", "0"), b"*0\r\n")

    def test_spop_single_pick_with_count_one(self) -> None:
        h = self.h
        h("SADD", "s", "a", "b")
        mark = h.mark()
        [member] = parse(h("SPOP", "s", "1"))
        self.assertEvents(mark, [[b"SREM", b"s", member]])

    def test_srandmember_counts(self) -> None:
        h = self.h
        h("SADD", "s", *range(10))
        self.assertEqual(len(set(parse(h("SRANDMEMBER", "s", "4")))), 4)
        self.assertEqual(len(set(parse(h("SRANDMEMBER", "s", "9")))), 9)
        self.assertEqual(len(parse(h("SRANDMEMBER", "s", "-30"))), 30)
        self.assertEqual(len(parse(h("SRANDMEMBER", "s", "30"))), 10)
        seen = {parse(h("SRANDMEMBER", "s")) for _ in range(200)}
        self.assertEqual(seen, {b"%d" % i for i in range(10)})

    def test_random_members_cover_a_shrinking_set(self) -> None:
        value = SetValue(b"%d" % i for i in range(100))
        for _ in range(99):
            value.discard(value.random_member())
        self.assertEqual(len(value), 1)
        self.assertIn(value.random_member(), value)


class MoveAndStoreTests(SetsTestCase):
    def test_smove(self) -> None:
        h = self.h
        h("SADD", "a", "1", "2")
        mark = h.mark()
        self.assertEqual(h("SMOVE", "a", "b", "9"), b":0\r\n")
        self.assertEqual(h("SMOVE", "a", "a", "1"), b":1\r\n")
        self.assertEqual(h("SMOVE", "a", "b", "1"), b":1\r\n")
        self.assertEqual(h("SMOVE", "a", "b", "2"), b":1\r\n")
        self.assertEvents(mark, [[b"SMOVE", b"a", b"b", b"1"], [b"SMOVE", b"a", b"b", b"2"]])
        self.assertEqual(h("EXISTS", "a"), b":0\r\n")
        self.assertEqual(self.members("b"), {b"1", b"2"})

    def test_store_replaces_and_empty_deletes(self) -> None:
        h = self.h
        h("SADD", "a", "1", "2")
        h("SADD", "b", "2", "3")
        h("SET", "d", "x", "EX", "100")
        mark = h.mark()
        self.assertEqual(h("SINTERSTORE", "d", "a", "b"), b":1\r\n")
        self.assertEqual(h("TTL", "d"), b":-1\r\n")
        self.assertEqual(h("SINTERSTORE", "d", "a", "nosuch"), b":0\r\n")
        self.assertEqual(h("SINTERSTORE", "d", "a", "nosuch"), b":0\r\n")
        self.assertEqual(h("SUNIONSTORE", "d", "a", "b"), b":3\r\n")
        self.assertEqual(h("SDIFFSTORE", "d", "a", "b"), b":1\r\n")
        self.assertEvents(
            mark,
            [
                [b"SINTERSTORE", b"d", b"a", b"b"],
                [b"SINTERSTORE", b"d", b"a", b"nosuch"],
                [b"SUNIONSTORE", b"d", b"a", b"b"],
                [b"SDIFFSTORE", b"d", b"a", b"b"],
            ],
        )
        self.assertEqual(self.members("d"), {b"1"})

    def test_sintercard_limit(self) -> None:
        h = self.h
        h("SADD", "a", *range(10))
        h("SADD", "b", *range(5, 20))
        self.assertEqual(h("SINTERCARD", "2", "a", "b"), b":5\r\n")
        self.assertEqual(h("SINTERCARD", "2", "a", "b", "LIMIT", "3"), b":3\r\n")
        self.assertEqual(h("SINTERCARD", "2", "a", "b", "limit", "0"), b":5\r\n")


class ScanTests(SetsTestCase):
    def scan_all(self, key: str, count: int, during: Any = None) -> list[bytes]:
        found: list[bytes] = []
        cursor = b"0"
        calls = 0
        while True:
            cursor, batch = parse(self.h("SSCAN", key, cursor, "COUNT", count))
            found += batch
            calls += 1
            if during is not None:
                during(calls)
            if cursor == b"0":
                return found

    def test_intset_comes_whole(self) -> None:
        self.h("SADD", "s", *range(100))
        cursor, batch = parse(self.h("SSCAN", "s", "0", "COUNT", "5"))
        self.assertEqual((cursor, batch), (b"0", [b"%d" % i for i in range(100)]))

    def test_hashtable_every_member_once_while_it_changes(self) -> None:
        h = self.h
        h("SADD", "s", *[f"m{i}" for i in range(100)])

        def churn(calls: int) -> None:
            h("SADD", "s", f"new{calls}")
            h("SREM", "s", f"m{calls}")  # members already returned or not

        found = self.scan_all("s", 7, churn)
        self.assertEqual(len(found), len(set(found)))
        stayed = {f"m{i}".encode() for i in range(100) if i > 20}
        self.assertLessEqual(stayed, set(found))

    def test_match(self) -> None:
        self.h("SADD", "s", *[f"m{i}" for i in range(30)], "x")
        found = self.scan_all("s", 4)
        self.assertEqual(len(found), 31)
        _, batch = parse(self.h("SSCAN", "s", "0", "MATCH", "x*", "COUNT", "100"))
        self.assertEqual(batch, [b"x"])
