"""The tests every IEventLog implementation must pass, as a mixin.

A test module mixes `EventLogContract` into a `SynchronousTestCase` and implements
`make_log()` (and `sync()` when durability lags behind appends). Time is a task.Clock:
`clock.advance(0)` runs what the log scheduled with `callLater(0)`, i.e. one reactor turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.task import Clock
from zope.interface.verify import verifyObject

from replkv.log.interfaces import IEventCursor, IEventLog, OffsetNotRetained

if TYPE_CHECKING:
    from twisted.trial.unittest import SynchronousTestCase

    _Base = SynchronousTestCase
else:
    _Base = object


class EventLogContract(_Base):
    """What any event log promises: offsets, reads, cursors, wakeups, durability, reset."""

    clock: Clock

    def make_log(self, clock: Clock, start_offset: int = 0) -> Any:
        """A new empty log at start_offset, retaining at least 1 MB."""
        raise NotImplementedError

    def sync(self, log: Any) -> None:
        """Make everything appended so far durable (fsync, group commit...)."""
        raise NotImplementedError

    def new_log(self, start_offset: int = 0) -> Any:
        self.clock = Clock()
        return self.make_log(self.clock, start_offset)

    def woken_cursor(self, log: Any, offset: int) -> tuple[Any, list[int]]:
        """A cursor at offset whose wakeups are recorded (as the log's end offset)."""
        cursor = log.cursor(offset)
        calls: list[int] = []
        cursor.set_wakeup(lambda: calls.append(log.end_offset))
        return cursor, calls

    # Offsets and reads

    def test_interfaces(self) -> None:
        log = self.new_log()
        self.assertTrue(verifyObject(IEventLog, log))
        self.assertTrue(verifyObject(IEventCursor, log.cursor(0)))

    def test_empty_log(self) -> None:
        log = self.new_log(start_offset=100)
        self.assertEqual((log.start_offset, log.end_offset), (100, 100))
        self.assertEqual(log.read(100, 10), b"")
        self.assertTrue(log.retains(100))
        self.assertFalse(log.retains(99))
        self.assertFalse(log.retains(101))

    def test_append_returns_the_new_end_offset(self) -> None:
        log = self.new_log(start_offset=100)
        self.assertEqual(log.append(b"abc"), 103)
        self.assertEqual(log.append(b"de"), 105)
        self.assertEqual((log.start_offset, log.end_offset), (100, 105))

    def test_read_is_addressed_by_offset(self) -> None:
        log = self.new_log(start_offset=100)
        log.append(b"abc")
        log.append(b"de")
        self.assertEqual(log.read(100, 10), b"abcde")
        self.assertEqual(log.read(101, 3), b"bcd")
        self.assertEqual(log.read(103, 1), b"d")
        self.assertEqual(log.read(105, 10), b"")
        self.assertEqual(log.read(100, 0), b"")

    def test_read_outside_the_log_raises(self) -> None:
        log = self.new_log(start_offset=100)
        log.append(b"abc")
        for offset in (0, 99, 104):
            self.assertFalse(log.retains(offset))
            with self.assertRaises(OffsetNotRetained):
                log.read(offset, 1)

    def test_reads_see_every_append(self) -> None:
        log = self.new_log()
        written = b""
        for n in range(1, 60):
            log.append(b"%d" % n * n)
            written += b"%d" % n * n
            self.assertEqual(log.read(0, 1 << 30), written)
            self.assertEqual(log.read(len(written) // 2, 7), written[len(written) // 2 :][:7])

    def test_trim_keeps_what_is_at_or_after_the_offset(self) -> None:
        log = self.new_log()
        log.append(b"abcdef")
        log.flush()  # released to cursors (under appendfsync always: once fsynced)
        cursor = log.cursor(2)
        log.trim(4)
        self.assertTrue(log.retains(4))
        self.assertEqual(log.read(4, 10), b"ef")
        self.assertFalse(cursor.lost)  # an open cursor keeps what it needs
        self.assertEqual(cursor.read(10), (b"cdef", False))
        with self.assertRaises(ValueError):
            log.trim(7)

    # Cursors

    def test_cursor_outside_the_log_raises(self) -> None:
        log = self.new_log(start_offset=10)
        log.append(b"abc")
        with self.assertRaises(OffsetNotRetained):
            log.cursor(9)
        with self.assertRaises(OffsetNotRetained):
            log.cursor(14)

    def test_cursor_reads_bounded_batches(self) -> None:
        log = self.new_log(start_offset=10)
        log.append(b"abcde")
        log.flush()
        cursor = log.cursor(11)
        self.assertEqual(cursor.position, 11)
        self.assertEqual(cursor.read(2), (b"bc", True))
        self.assertEqual(cursor.position, 13)
        self.assertEqual(cursor.read(2), (b"de", False))
        self.assertEqual(cursor.position, 15)
        self.assertEqual(cursor.read(2), (b"", False))
        log.append(b"fg")
        log.flush()
        self.assertEqual(cursor.read(100), (b"fg", False))
        self.assertEqual(cursor.position, 17)
        self.assertFalse(cursor.lost)

    def test_after_flush_calls_back_once_the_bytes_are_written(self) -> None:
        log = self.new_log()
        calls: list[int] = []
        log.after_flush(lambda: calls.append(log.written_offset))
        self.assertEqual(calls, [0])  # nothing waits to be written: at once
        log.append(b"ab")
        log.after_flush(lambda: calls.append(log.written_offset))
        self.clock.advance(0)  # the end of the turn writes what was appended
        self.assertEqual(calls, [0, 2])
        log.flush()
        self.clock.advance(0)
        self.assertEqual(calls, [0, 2])  # once

    def test_cursors_read_up_to_the_release_offset(self) -> None:
        log = self.new_log()
        cursor = log.cursor(0)
        log.append(b"ab")
        self.assertLessEqual(log.durable_offset, log.release_offset)
        data, _ = cursor.read(10)
        self.assertEqual(len(data), log.release_offset)
        log.flush()  # everything appended is released
        self.assertEqual(log.release_offset, log.end_offset)
        self.assertEqual(data + cursor.read(10)[0], b"ab")

    def test_cursors_are_independent(self) -> None:
        log = self.new_log()
        log.append(b"abcd")
        log.flush()
        first, second = log.cursor(0), log.cursor(2)
        self.assertEqual(first.read(1), (b"a", True))
        self.assertEqual(second.read(10), (b"cd", False))
        self.assertEqual(first.read(10), (b"bcd", False))

    def test_wakeup_once_per_turn_not_per_append(self) -> None:
        log = self.new_log()
        cursor, calls = self.woken_cursor(log, 0)
        log.append(b"a")
        log.append(b"b")
        log.append(b"c")
        self.assertEqual(calls, [])  # never synchronously from append
        self.clock.advance(0)
        self.assertEqual(calls, [3])
        self.clock.advance(0)
        self.assertEqual(calls, [3])

    def test_woken_again_only_after_catching_up(self) -> None:
        log = self.new_log()
        cursor, calls = self.woken_cursor(log, 0)
        log.append(b"ab")
        self.clock.advance(0)
        self.assertEqual(cursor.read(1), (b"a", True))
        log.append(b"c")
        self.clock.advance(0)
        self.assertEqual(calls, [2])  # it has more to read, it knows: no wakeup
        self.assertEqual(cursor.read(10), (b"bc", False))
        self.clock.advance(0)
        self.assertEqual(calls, [2])  # nothing new
        log.append(b"d")
        self.clock.advance(0)
        self.assertEqual(calls, [2, 4])

    def test_wakeup_set_with_data_waiting_fires_next_turn(self) -> None:
        log = self.new_log()
        log.append(b"abc")
        cursor, calls = self.woken_cursor(log, 1)
        self.assertEqual(calls, [])
        self.clock.advance(0)
        self.assertEqual(calls, [3])

    def test_no_wakeup_when_read_before_the_turn(self) -> None:
        log = self.new_log()
        cursor, calls = self.woken_cursor(log, 0)
        log.append(b"ab")
        log.flush()
        self.assertEqual(cursor.read(10), (b"ab", False))
        self.clock.advance(0)
        self.assertEqual(calls, [])

    def test_each_armed_cursor_is_woken(self) -> None:
        log = self.new_log()
        first, first_calls = self.woken_cursor(log, 0)
        second, second_calls = self.woken_cursor(log, 0)
        log.append(b"ab")
        log.append(b"cd")
        self.clock.advance(0)
        self.assertEqual((first_calls, second_calls), ([4], [4]))

    def test_clearing_the_wakeup_disarms(self) -> None:
        log = self.new_log()
        cursor, calls = self.woken_cursor(log, 0)
        cursor.set_wakeup(None)
        log.append(b"a")
        self.clock.advance(0)
        self.assertEqual(calls, [])

    def test_no_wakeup_after_close(self) -> None:
        log = self.new_log()
        cursor, calls = self.woken_cursor(log, 0)
        log.append(b"a")
        cursor.close()
        self.clock.advance(0)
        log.append(b"b")
        self.clock.advance(0)
        self.assertEqual(calls, [])
        cursor.close()  # idempotent
        with self.assertRaises(ValueError):
            cursor.read(1)

    def test_close_from_another_wakeup(self) -> None:
        log = self.new_log()
        second_calls: list[int] = []
        first = log.cursor(0)
        second = log.cursor(0)
        first.set_wakeup(second.close)
        second.set_wakeup(lambda: second_calls.append(1))
        log.append(b"a")
        self.clock.advance(0)
        self.assertEqual(second_calls, [])

    # Reset

    def test_reset_empties_the_log_at_the_offset(self) -> None:
        log = self.new_log()
        log.append(b"abcdef")
        log.reset(1000)
        self.assertEqual((log.start_offset, log.end_offset), (1000, 1000))
        self.assertFalse(log.retains(0))
        self.assertEqual(log.read(1000, 10), b"")
        self.assertEqual(log.append(b"xy"), 1002)
        self.assertEqual(log.read(1000, 10), b"xy")

    def test_reset_to_an_older_offset(self) -> None:
        log = self.new_log(start_offset=500)
        log.append(b"abc")
        log.reset(10)
        self.assertEqual((log.start_offset, log.end_offset), (10, 10))
        self.assertEqual(log.append(b"z"), 11)
        self.assertEqual(log.read(10, 5), b"z")

    def test_reset_loses_open_cursors(self) -> None:
        log = self.new_log()
        log.append(b"abc")
        behind = log.cursor(1)
        at_offset = log.cursor(3)
        log.reset(3)
        for cursor in (behind, at_offset):
            self.assertTrue(cursor.lost)
            with self.assertRaises(OffsetNotRetained):
                cursor.read(10)
        log.append(b"d")
        log.flush()
        self.assertTrue(at_offset.lost)  # a new history, even at the same offset
        self.assertEqual(log.cursor(3).read(10), (b"d", False))

    def test_reset_wakes_armed_cursors_once(self) -> None:
        log = self.new_log()
        cursor, calls = self.woken_cursor(log, 0)
        log.reset(50)
        self.assertEqual(calls, [])
        self.clock.advance(0)
        self.assertEqual(calls, [50])
        log.append(b"a")
        self.clock.advance(0)
        self.assertEqual(calls, [50])
        cursor.close()

    # Durability

    def test_durable_offset_never_passes_the_end(self) -> None:
        log = self.new_log(start_offset=7)
        self.assertEqual(log.durable_offset, 7)
        log.append(b"abc")
        self.assertLessEqual(log.durable_offset, log.end_offset)
        self.sync(log)
        self.assertEqual(log.durable_offset, 10)

    def test_when_durable_waits_for_the_offset(self) -> None:
        log = self.new_log()
        calls: list[int] = []
        first = log.append(b"abc")
        second = log.append(b"de")
        # Registered out of offset order: released in offset order.
        log.when_durable(second, lambda: calls.append(second))
        log.when_durable(first, lambda: calls.append(first))
        log.when_durable(first, lambda: calls.append(first))
        for offset in calls:
            self.assertLessEqual(offset, log.durable_offset)  # only what is durable
        released_at_once = len(calls)
        self.sync(log)
        self.assertEqual(sorted(calls), [3, 3, 5])
        self.assertEqual(calls[released_at_once:], sorted(calls[released_at_once:]))
        log.when_durable(5, lambda: calls.append(0))
        self.assertEqual(calls[-1], 0)  # durable now: called at once

    def test_when_durable_beyond_the_end_raises(self) -> None:
        log = self.new_log()
        log.append(b"abc")
        with self.assertRaises(ValueError):
            log.when_durable(4, lambda: None)

    def test_reset_releases_durability_waiters(self) -> None:
        log = self.new_log()
        calls: list[int] = []
        log.when_durable(log.append(b"abc"), lambda: calls.append(1))
        log.reset(100)
        self.assertEqual(calls, [1])
        self.assertEqual(log.durable_offset, 100)
