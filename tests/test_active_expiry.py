"""Unit tests for replkv.keyspace.expiry.ActiveExpiry (the active expiry cycle)."""

from __future__ import annotations

import itertools

from replkv.keyspace.expiry import KEYS_PER_LOOP, ActiveExpiry
from tests.support.harness import Harness
from tests.test_keys import KeysTestCase


class ActiveExpiryTests(KeysTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.expiry = ActiveExpiry(self.h.keyspace)

    def cycle(self) -> int:
        return self.expiry.cycle(self.h.server.config.hz)

    def test_expires_keys_nobody_reads(self) -> None:
        h = self.h
        for i in range(50):
            h("SET", f"k{i}", "v", "PX", "100")
        h("SET", "later", "v", "PX", "10000")
        h("SET", "forever", "v")
        h.clock.advance(0.2)
        mark = h.mark()
        deleted = 0
        for _ in range(20):
            deleted += self.cycle()
        self.assertEqual(deleted, 50)
        self.assertEqual(sorted(h.keyspace.dbs[0].data), [b"forever", b"later"])
        events = h.new_events(mark)
        deletions = sorted(e for e in events if e[0] == b"DEL")
        self.assertEqual(deletions, sorted([b"DEL", b"k%d" % i] for i in range(50)))
        # Each deletion is its own unit: no MULTI/EXEC around them.
        self.assertNotIn([b"MULTI"], events)
        self.assertEqual(h.keyspace.stats.expired_keys, 50)

    def test_nothing_before_the_time(self) -> None:
        h = self.h
        h("SET", "k", "v", "PX", "100")
        h.clock.advance(0.05)
        mark = h.mark()
        self.assertEqual(self.cycle(), 0)
        self.assertEqual(h.new_events(mark), [])
        self.assertIn(b"k", h.keyspace.dbs[0].data)

    def test_every_database(self) -> None:
        h = self.h
        for db in (0, 3, 15):
            h("SELECT", db)
            h("SET", "k", "v", "PX", "10")
        h.clock.advance(0.02)
        mark = h.mark()
        self.assertEqual(self.cycle(), 3)
        self.assertEqual(
            h.new_events(mark),
            [
                [b"SELECT", b"0"],
                [b"DEL", b"k"],
                [b"SELECT", b"3"],
                [b"DEL", b"k"],
                [b"SELECT", b"15"],
                [b"DEL", b"k"],
            ],
        )

    def test_only_on_a_master(self) -> None:
        h = self.h
        h("SET", "k", "v", "PX", "10")
        h.clock.advance(0.02)
        h.keyspace.is_master = False
        self.assertEqual(self.cycle(), 0)
        self.assertIn(b"k", h.keyspace.dbs[0].data)
        self.check_replay = False

    def test_low_stale_ratio_stops_the_loop(self) -> None:
        # One expired key among many volatile ones: one sample per database per call.
        h = self.h
        for i in range(10 * KEYS_PER_LOOP):
            h("SET", f"k{i:04}", "v", "PX", "10" if i == 0 else "100000")
        h.clock.advance(0.02)
        self.assertEqual(self.cycle(), 1)
        self.assertEqual(self.expiry._cursors[0], KEYS_PER_LOOP)

    def test_walk_reaches_every_volatile_key(self) -> None:
        h = self.h
        total = 10 * KEYS_PER_LOOP
        for i in range(total):
            h("SET", f"k{i:04}", "v", "PX", "100000")
        h("SET", "last", "v", "PX", "10")  # the end of the walk
        h.clock.advance(0.02)
        calls = 0
        while b"last" in h.keyspace.dbs[0].data:
            self.cycle()
            calls += 1
            self.assertLessEqual(calls, total // KEYS_PER_LOOP + 1)

    def test_new_keys_are_picked_up_after_a_pass(self) -> None:
        h = self.h
        h("SET", "a", "v", "PX", "100000")
        self.cycle()
        h("SET", "b", "v", "PX", "10")
        h.clock.advance(0.02)
        for _ in range(3):
            self.cycle()
        self.assertNotIn(b"b", h.keyspace.dbs[0].data)

    def expire_directly(self, total: int) -> None:
        """`total` keys already expired, stored directly: the commands would take long."""
        db = self.h.keyspace.dbs[0]
        for i in range(total):
            key = b"k%d" % i
            db.store(key, b"v")
            db.set_expire(key, 1)

    def test_bounded_work_per_call(self) -> None:
        # A timer that moves 10 ms each time it is read: at hz 10 the budget is 25 ms,
        # so the call samples three times (reads at 10, 20 and 30 ms) and stops.
        readings = itertools.count()
        expiry = ActiveExpiry(self.h.keyspace, timer=lambda: next(readings) * 0.010)
        total = 20 * KEYS_PER_LOOP
        self.expire_directly(total)
        self.assertEqual(expiry.cycle(10), 3 * KEYS_PER_LOOP)
        self.assertEqual(len(self.h.keyspace.dbs[0].data), total - 3 * KEYS_PER_LOOP)
        self.check_replay = False

    def test_budget_left_finishes_the_work(self) -> None:
        expiry = ActiveExpiry(self.h.keyspace, timer=lambda: 0.0)
        total = 20 * KEYS_PER_LOOP
        self.expire_directly(total)
        self.assertEqual(expiry.cycle(10), total)
        self.assertEqual(self.h.keyspace.dbs[0].data, {})
        self.check_replay = False

    def test_replay_gives_the_same_data(self) -> None:
        h = self.h
        for i in range(30):
            h("SET", f"k{i}", "v", "PX", str(10 * (i + 1)))
        for step in range(10):
            h.clock.advance(0.05)
            self.cycle()
            h("SET", f"new{step}", "v")
        replayed: Harness = h.replay()
        self.assertEqual(replayed.dataset(), h.dataset())
