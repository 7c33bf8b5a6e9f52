"""The in-memory event log: offsets, reads, retention, listeners."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from replkv.log.durability import DurableOffset
from replkv.log.eventlog import IEventLog, InMemoryLog, OffsetNotRetained


class InMemoryLogTests(SynchronousTestCase):
    def test_interface(self) -> None:
        self.assertTrue(verifyObject(IEventLog, InMemoryLog()))

    def test_offsets_count_bytes(self) -> None:
        log = InMemoryLog(start_offset=100)
        log.append(b"abc")
        log.append(b"de")
        self.assertEqual((log.start_offset, log.end_offset), (100, 105))
        self.assertEqual(log.read(100, 10), b"abcde")
        self.assertEqual(log.read(103, 1), b"d")
        self.assertEqual(log.read(105, 10), b"")

    def test_retention_trims_the_oldest_bytes(self) -> None:
        log = InMemoryLog(retention=10)
        for i in range(10):
            log.append(b"%05d" % i)
        self.assertEqual(log.end_offset, 50)
        self.assertTrue(log.retains(40))
        self.assertFalse(log.retains(0))
        self.assertEqual(log.read(45, 100), b"00009")
        self.assertLessEqual(log.end_offset - log.start_offset, 20)
        with self.assertRaises(OffsetNotRetained):
            log.read(0, 1)

    def test_reads_see_every_append(self) -> None:
        log = InMemoryLog(retention=1000)
        chunks = [b"x" * n for n in range(1, 60)]
        written = b""
        for chunk in chunks:
            log.append(chunk)
            written += chunk
            self.assertEqual(log.read(log.start_offset, 10**6), written[log.start_offset :])

    def test_listeners(self) -> None:
        log = InMemoryLog()
        calls: list[int] = []

        def listener() -> None:
            calls.append(log.end_offset)

        log.add_listener(listener)
        log.append(b"ab")
        log.remove_listener(listener)
        log.append(b"c")
        self.assertEqual(calls, [2])


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
