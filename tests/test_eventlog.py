"""The in-memory event log (the replication backlog) and the helpers every log shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import classImplements

from replkv.log.durability import DurableOffset
from replkv.log.eventlog import IEventLog, InMemoryLog, OffsetNotRetained
from tests.support.eventlog_contract import EventLogContract


class InMemoryLogContractTests(EventLogContract, SynchronousTestCase):
    def make_log(self, clock: Clock, start_offset: int = 0) -> Any:
        return InMemoryLog(clock, retention=1024 * 1024, start_offset=start_offset)

    def sync(self, log: Any) -> None:
        """Nothing to do: appended is durable."""


class LaggingLog:
    """An in-memory log whose durability lags until flush(), the way a disk log's does.

    It checks that the contract holds for a log with pending durability waiters, and shows
    how such a log drives DurableOffset. A wrapper, not a subclass: interpreted classes
    cannot inherit from mypyc-compiled ones.
    """

    def __init__(self, clock: Clock, retention: int, start_offset: int) -> None:
        self._log = InMemoryLog(clock, retention, start_offset)
        self._durable = DurableOffset(start_offset)
        self.append = self._log.append
        self.read = self._log.read
        self.retains = self._log.retains
        self.cursor = self._log.cursor
        self.trim = self._log.trim
        self.close = self._log.close

    start_offset = property(lambda self: self._log.start_offset)
    end_offset = property(lambda self: self._log.end_offset)
    durable_offset = property(lambda self: self._durable.offset)
    written_offset = property(lambda self: self._log.end_offset)
    release_offset = property(lambda self: self._log.end_offset)
    last_write_status = "ok"
    retention = property(lambda self: self._log.retention)

    def when_durable(self, offset: int, callback: Callable[[], None]) -> None:
        if offset > self.end_offset:
            raise ValueError(offset)
        self._durable.when_durable(offset, callback)

    def reset(self, offset: int) -> None:
        self._log.reset(offset)
        self._durable.reset(offset)

    def flush(self) -> None:
        self._durable.mark_durable(self.end_offset)

    def after_flush(self, callback: Callable[[], None]) -> None:
        callback()


classImplements(LaggingLog, IEventLog)


class LaggingDurabilityContractTests(EventLogContract, SynchronousTestCase):
    def make_log(self, clock: Clock, start_offset: int = 0) -> Any:
        return LaggingLog(clock, 1024 * 1024, start_offset)

    def sync(self, log: Any) -> None:
        log.flush()


class InMemoryLogTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()

    def test_defaults(self) -> None:
        log = InMemoryLog(self.clock)
        self.assertEqual((log.retention, log.start_offset, log.end_offset), (1 << 20, 0, 0))

    def test_retention_keeps_exactly_the_newest_bytes(self) -> None:
        log = InMemoryLog(self.clock, retention=10)
        for i in range(10):
            log.append(b"%05d" % i)
            self.assertLessEqual(log.end_offset - log.start_offset, 10)
        self.assertEqual((log.start_offset, log.end_offset), (40, 50))
        self.assertTrue(log.retains(40))
        self.assertFalse(log.retains(39))
        self.assertEqual(log.read(40, 100), b"0000800009")
        with self.assertRaises(OffsetNotRetained):
            log.read(0, 1)

    def test_an_append_larger_than_the_retention(self) -> None:
        log = InMemoryLog(self.clock, retention=4)
        log.append(b"ab")
        log.append(b"0123456789")
        self.assertEqual((log.start_offset, log.end_offset), (8, 12))
        self.assertEqual(log.read(8, 100), b"6789")  # the backlog may start mid-event

    def test_durable_offset_is_the_end_offset(self) -> None:
        log = InMemoryLog(self.clock, start_offset=5)
        calls: list[int] = []
        end = log.append(b"abc")
        self.assertEqual(log.durable_offset, 8)
        log.when_durable(end, lambda: calls.append(end))
        self.assertEqual(calls, [8])

    def test_trim_keeps_the_backlog(self) -> None:
        # As in Redis, a snapshot does not shorten the backlog: replicas still PSYNC.
        log = InMemoryLog(self.clock)
        log.append(b"abcdef")
        log.trim(6)
        self.assertEqual(log.start_offset, 0)
        self.assertEqual(log.read(0, 10), b"abcdef")

    def test_shrinking_the_retention_trims(self) -> None:
        log = InMemoryLog(self.clock, retention=100)
        log.append(b"x" * 60)
        log.retention = 10
        self.assertEqual((log.start_offset, log.end_offset), (50, 60))
        self.assertFalse(log.retains(49))

    def test_growing_the_retention_does_not_bring_bytes_back(self) -> None:
        log = InMemoryLog(self.clock, retention=10)
        log.append(b"x" * 30)
        log.retention = 100
        self.assertEqual(log.start_offset, 20)
        log.append(b"y" * 50)
        self.assertEqual(log.start_offset, 20)
        log.append(b"z" * 50)
        self.assertEqual(log.start_offset, 30)
        self.assertEqual(log.read(30, 1000), b"y" * 50 + b"z" * 50)

    def test_the_clock_comes_first(self) -> None:
        with self.assertRaises(TypeError):
            InMemoryLog(1024)  # type: ignore[arg-type]

    def test_negative_values_are_refused(self) -> None:
        with self.assertRaises(ValueError):
            InMemoryLog(self.clock, retention=-1)
        log = InMemoryLog(self.clock)
        with self.assertRaises(ValueError):
            log.retention = -1
        with self.assertRaises(ValueError):
            log.read(0, -1)
        with self.assertRaises(ValueError):
            log.reset(-1)

    def test_an_open_cursor_keeps_what_it_has_not_read(self) -> None:
        # As Redis 7.0's shared replication buffer: the backlog offered to new partial
        # resyncs stays bounded, a replica's unread bytes are kept for it (the master
        # bounds them with client-output-buffer-limit replica).
        log = InMemoryLog(self.clock, retention=10)
        cursor = log.cursor(0)
        log.append(b"abcdef")
        log.append(b"ghijkl" * 10)
        self.assertEqual(log.start_offset, 56)  # the backlog: the newest 10 bytes
        with self.assertRaises(OffsetNotRetained):
            log.cursor(0)
        with self.assertRaises(OffsetNotRetained):
            log.read(0, 10)
        self.assertFalse(cursor.lost)
        self.assertEqual(cursor.read(100), (b"abcdef" + b"ghijkl" * 10, False))
        log.append(b"x" * 100)  # read: the kept bytes may go now
        held = len(log._buf) + sum(len(chunk) for chunk in log._pending)
        self.assertLessEqual(held, 3 * 10 + 100)

    def test_a_closed_cursor_keeps_nothing(self) -> None:
        log = InMemoryLog(self.clock, retention=10)
        cursor = log.cursor(0)
        log.append(b"x" * 50)
        cursor.close()
        log.append(b"y" * 50)
        held = len(log._buf) + sum(len(chunk) for chunk in log._pending)
        self.assertLessEqual(held, 3 * 10 + 50)

    def test_a_cursor_is_lost_by_a_reset(self) -> None:
        log = InMemoryLog(self.clock, retention=10)
        cursor = log.cursor(0)
        calls: list[int] = []
        cursor.set_wakeup(lambda: calls.append(1))
        log.append(b"abcdef")
        log.reset(100)
        self.assertTrue(cursor.lost)
        self.clock.advance(0)
        self.assertEqual(calls, [1])  # woken, so its owner finds out
        with self.assertRaises(OffsetNotRetained):
            cursor.read(10)

    def test_shrinking_the_retention_keeps_open_cursors(self) -> None:
        log = InMemoryLog(self.clock, retention=100)
        log.append(b"x" * 50)
        cursor = log.cursor(10)
        log.retention = 20
        self.assertFalse(cursor.lost)
        with self.assertRaises(OffsetNotRetained):
            log.cursor(10)
        self.assertEqual(cursor.read(100), (b"x" * 40, False))

    def test_memory_stays_bounded_without_readers(self) -> None:
        log = InMemoryLog(self.clock, retention=1000)
        for _ in range(10_000):
            log.append(b"x" * 37)
        held = len(log._buf) + sum(len(chunk) for chunk in log._pending)
        self.assertLessEqual(held, 3 * 1000 + 37)

    def test_oldest_cursor_position(self) -> None:
        log = InMemoryLog(self.clock)
        log.append(b"abcdef")
        self.assertIsNone(log._cursors.oldest_position())
        first, second = log.cursor(4), log.cursor(2)
        self.assertEqual(log._cursors.oldest_position(), 2)
        second.close()
        first.read(1)
        self.assertEqual(log._cursors.oldest_position(), 5)

    @settings(max_examples=200, deadline=None)
    @given(
        st.integers(min_value=0, max_value=64),
        st.lists(
            st.one_of(
                st.tuples(st.just("append"), st.integers(min_value=0, max_value=100)),
                st.tuples(st.just("read"), st.integers(min_value=0, max_value=100)),
                st.tuples(st.just("retention"), st.integers(min_value=0, max_value=64)),
            ),
            max_size=80,
        ),
    )
    def test_histlen_never_exceeds_the_retention(
        self, retention: int, steps: list[tuple[str, int]]
    ) -> None:
        log = InMemoryLog(self.clock, retention=retention)
        written = bytearray()
        start = 0
        for action, n in steps:
            if action == "append":
                chunk = bytes((len(written) + i) % 251 for i in range(n))
                written += chunk
                self.assertEqual(log.append(chunk), len(written))
            elif action == "read":
                offset = max(log.start_offset, log.end_offset - n)
                self.assertEqual(log.read(offset, n), bytes(written[offset:][:n]))
            else:
                log.retention = n
                retention = n
            # The backlog holds the newest bytes, never more than the retention, and a
            # byte once dropped stays dropped.
            self.assertLessEqual(log.end_offset - log.start_offset, log.retention)
            self.assertGreaterEqual(log.start_offset, start)
            self.assertGreaterEqual(log.start_offset, log.end_offset - retention)
            start = log.start_offset
            self.assertEqual(log.end_offset, len(written))
            self.assertEqual(log.read(start, 1 << 30), bytes(written[start:]))


class DurableOffsetTests(SynchronousTestCase):
    def test_already_durable_calls_at_once(self) -> None:
        durable = DurableOffset(10)
        calls: list[int] = []
        durable.when_durable(10, lambda: calls.append(10))
        durable.when_durable(3, lambda: calls.append(3))
        self.assertEqual(calls, [10, 3])
        self.assertEqual(durable.pending, 0)

    def test_waiters_fire_in_offset_order(self) -> None:
        durable = DurableOffset()
        calls: list[str] = []
        durable.when_durable(30, lambda: calls.append("30"))
        durable.when_durable(10, lambda: calls.append("10a"))
        durable.when_durable(20, lambda: calls.append("20"))
        durable.when_durable(10, lambda: calls.append("10b"))
        durable.mark_durable(20)
        self.assertEqual(calls, ["10a", "10b", "20"])
        self.assertEqual((durable.offset, durable.pending), (20, 1))
        durable.mark_durable(30)
        self.assertEqual(calls[-1], "30")

    def test_never_goes_backwards(self) -> None:
        durable = DurableOffset()
        durable.mark_durable(20)
        durable.mark_durable(5)
        self.assertEqual(durable.offset, 20)

    def test_a_waiter_may_wait_again(self) -> None:
        durable = DurableOffset()
        calls: list[int] = []

        def first() -> None:
            calls.append(1)
            durable.when_durable(5, lambda: calls.append(2))  # durable already
            durable.when_durable(15, lambda: calls.append(3))

        durable.when_durable(5, first)
        durable.mark_durable(10)
        self.assertEqual(calls, [1, 2])
        durable.mark_durable(15)
        self.assertEqual(calls, [1, 2, 3])

    def test_reset_releases_every_waiter(self) -> None:
        durable = DurableOffset()
        calls: list[int] = []
        durable.when_durable(30, lambda: calls.append(30))
        durable.when_durable(20, lambda: calls.append(20))
        durable.reset(5)
        self.assertEqual(calls, [20, 30])
        self.assertEqual((durable.offset, durable.pending), (5, 0))
