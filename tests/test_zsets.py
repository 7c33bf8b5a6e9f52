"""Unit tests for replkv.commands.zsets: replies, events, encodings and replay."""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from replkv.commands import zsets
from replkv.keyspace.zset import ZSet
from tests.support.harness import Harness


class ZsetTestCase(SynchronousTestCase):
    """A fresh harness per test; the log must rebuild the same data at the end."""

    config: dict[str, Any] = {}
    # A replay runs on a default configuration: encodings only match under it.
    check_replay = True

    def setUp(self) -> None:
        self.h = Harness(**self.config)

    def tearDown(self) -> None:
        if self.check_replay:
            self.assertEqual(self.h.replay().dataset(), self.h.dataset())


class EventTests(ZsetTestCase):
    def test_writes_propagate_as_sent_only_when_they_change_something(self) -> None:
        h = self.h
        h("ZADD", "z", "1", "a", "2", "b")
        h("ZADD", "z", "NX", "5", "a")  # nothing changes
        h("ZADD", "z", "GT", "0", "a")
        h("ZINCRBY", "z", "0", "a")
        h("ZINCRBY", "z", "1e-320", "b")
        h("ZREM", "z", "nosuch")
        h("ZINCRBY", "z", "0.1", "a")
        self.assertEqual(
            h.writes(),
            [[b"ZADD", b"z", b"1", b"a", b"2", b"b"], [b"ZINCRBY", b"z", b"0.1", b"a"]],
        )
        self.assertEqual(h("ZSCORE", "z", "a"), b"$18\r\n1.1000000000000001\r\n")

    def test_zmpop_becomes_zpopmin_or_zpopmax_with_the_popped_count(self) -> None:
        h = self.h
        h("ZADD", "z", "1", "a", "2", "b", "3", "c")
        mark = h.mark()
        h("ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "10")
        self.assertEqual(h.new_events(mark), [[b"ZPOPMAX", b"z", b"3"]])
        self.assertIsNone(h.db.data.get(b"z"))
        h("ZPOPMIN", "z")
        self.assertEqual(len(h.new_events(mark)), 1)

    def test_store_of_an_empty_result_deletes_the_target_once(self) -> None:
        h = self.h
        h("SET", "d", "x")
        mark = h.mark()
        self.assertEqual(h("ZUNIONSTORE", "d", "1", "nokey"), b":0\r\n")
        self.assertEqual(h("ZINTERSTORE", "d", "1", "nokey"), b":0\r\n")
        self.assertEqual(h.new_events(mark), [[b"ZUNIONSTORE", b"d", b"1", b"nokey"]])

    def test_nan_increment_is_refused(self) -> None:
        h = self.h
        h("ZADD", "z", "inf", "a")
        self.assertEqual(h("ZINCRBY", "z", "-inf", "a"), zsets.NAN_RESULT)
        self.assertEqual(h("ZSCORE", "z", "a"), b"$3\r\ninf\r\n")

    def test_watch_sees_in_place_changes(self) -> None:
        h = self.h
        h("ZADD", "z", "1", "a")
        h("WATCH", "z")
        h("ZADD", "z", "2", "b")
        h("MULTI")
        h("ZCARD", "z")
        self.assertEqual(h("EXEC"), b"*-1\r\n")


class EncodingTests(ZsetTestCase):
    config = {"zset_max_listpack_entries": 3, "zset_max_listpack_value": 4}
    check_replay = False

    def encoding(self, key: str) -> bytes | None:
        return self.h("OBJECT", "ENCODING", key)

    def test_conversion_is_one_way(self) -> None:
        h = self.h
        h("ZADD", "z", "1", "a", "2", "b", "3", "c")
        self.assertEqual(self.encoding("z"), b"$8\r\nlistpack\r\n")
        h("ZADD", "z", "4", "d")
        self.assertEqual(self.encoding("z"), b"$8\r\nskiplist\r\n")
        h("ZREM", "z", "d", "c")
        self.assertEqual(self.encoding("z"), b"$8\r\nskiplist\r\n")
        h("ZADD", "long", "1", "abcde")
        self.assertEqual(self.encoding("long"), b"$8\r\nskiplist\r\n")

    def test_negative_zero_is_zero_in_a_listpack_only(self) -> None:
        h = self.h
        h("ZADD", "lp", "-0", "a")
        self.assertEqual(h("ZSCORE", "lp", "a"), b"$1\r\n0\r\n")
        h("ZADD", "sl", "-0", "abcde")
        self.assertEqual(h("ZSCORE", "sl", "abcde"), b"$2\r\n-0\r\n")

    def test_store_results_are_listpacks_when_they_fit(self) -> None:
        h = self.h
        h("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
        h("ZRANGESTORE", "d", "z", "0", "1")
        self.assertEqual(self.encoding("d"), b"$8\r\nlistpack\r\n")
        h("ZUNIONSTORE", "u", "1", "z")
        self.assertEqual(self.encoding("u"), b"$8\r\nskiplist\r\n")
        h("COPY", "u", "c")
        self.assertEqual(self.encoding("c"), b"$8\r\nskiplist\r\n")

    def test_zscan_of_a_skiplist_returns_every_member_present_throughout(self) -> None:
        h = self.h
        for i in range(50):
            h("ZADD", "z", str(i), f"m{i}")
        seen: set[bytes] = set()
        cursor = b"0"
        first = True
        while first or cursor != b"0":
            first = False
            raw = h("ZSCAN", "z", cursor, "COUNT", "7")
            assert raw is not None
            parts = raw.split(b"\r\n")
            cursor = parts[2]
            seen.update(p for p in parts[5::2] if p.startswith(b"m"))
            h("ZREM", "z", "m0")  # removals meanwhile shift nothing
        self.assertEqual(len(seen | {b"m0"}), 50)


class PopTests(ZsetTestCase):
    def test_pop_members_is_reusable(self) -> None:
        h = self.h
        h("ZADD", "z", "1", "a", "2", "b")
        zs = h.db.data[b"z"]
        self.assertIsInstance(zs, ZSet)
        popped = zsets.pop_members(h.client, b"z", zs, 5, True)
        self.assertEqual(popped, [(b"b", 2.0), (b"a", 1.0)])
        self.assertNotIn(b"z", h.db.data)
        self.assertEqual(
            zsets.pop_reply(popped, True, 3),
            b"*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n",
        )
        self.check_replay = False  # called outside a command: its caller propagates


class ParsingTests(SynchronousTestCase):
    def test_scores(self) -> None:
        self.assertEqual(zsets.parse_score(b"0x10"), 16.0)
        self.assertEqual(zsets.parse_score(b"-Infinity"), float("-inf"))
        for bad in (b"", b" 1", b"1 ", b"nan", b"1e400", b"1e-400", b"1_0", b"1\x00"):
            with self.assertRaises(zsets.CommandError):
                zsets.parse_score(bad)

    def test_range_bounds(self) -> None:
        spec = zsets.parse_score_range(b"(", b" 2\x00junk")
        self.assertEqual((spec.min, spec.minex, spec.max, spec.maxex), (0.0, True, 2.0, False))
        with self.assertRaises(zsets.CommandError):
            zsets.parse_score_range(b"  ", b"1")
