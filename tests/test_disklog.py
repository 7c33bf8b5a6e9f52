"""The event log on disk: the shared contract, segments, retention, recovery, durability."""

from __future__ import annotations

import os
import random
import shutil
import zlib
from collections.abc import Callable
from typing import Any

from twisted.internet.interfaces import IReactorFromThreads, IReactorThreads
from twisted.internet.task import Clock
from twisted.trial.unittest import SkipTest, SynchronousTestCase
from zope.interface import classImplements

from replkv.log.disk import DiskLog, LogCorruptError, LogTruncatedError, open_disk_log
from replkv.log.fsync import InlineSyncRunner, ThreadSyncRunner
from replkv.log.interfaces import OffsetNotRetained
from replkv.log.segments import segment_name
from tests.support.eventlog_contract import EventLogContract
from tests.support.tempdirs import temporary_directory


class _DiskContract(EventLogContract):
    policy = "always"

    def make_log(self, clock: Clock, start_offset: int = 0) -> Any:
        log = open_disk_log(
            os.path.join(temporary_directory(self), "log"),
            clock,
            appendfsync=self.policy,
            start_offset=start_offset,
            sync_runner=InlineSyncRunner(),
        )
        self.addCleanup(log.close)
        return log

    def sync(self, log: Any) -> None:
        log.sync()


class DiskLogAlwaysContractTests(_DiskContract, SynchronousTestCase):
    policy = "always"


class DiskLogEverysecContractTests(_DiskContract, SynchronousTestCase):
    policy = "everysec"


class DiskLogNoContractTests(_DiskContract, SynchronousTestCase):
    policy = "no"


class DiskLogSmallSegmentContractTests(_DiskContract, SynchronousTestCase):
    """The contract again with tiny segments and tail cache: reads come from the files."""

    def make_log(self, clock: Clock, start_offset: int = 0) -> Any:
        log = open_disk_log(
            os.path.join(temporary_directory(self), "log"),
            clock,
            appendfsync="always",
            start_offset=start_offset,
            segment_size=4,
            tail_cache=0,
        )
        self.addCleanup(log.close)
        return log

    def sync(self, log: Any) -> None:
        log.flush()


def command(n: int) -> bytes:
    """A RESP event of a few dozen bytes, different for each n."""
    key, value = b"key:%d" % n, b"v" * (n % 23)
    return b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value)


class RecordingRunner:
    """A SyncRunner that holds each job until the test runs it."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], None], Callable[[BaseException | None], None]]] = []

    def run(self, job: Callable[[], None], done: Callable[[BaseException | None], None]) -> None:
        self.jobs.append((job, done))

    def finish(self, error: BaseException | None = None) -> None:
        job, done = self.jobs.pop(0)
        job()
        done(error)


class DiskLogTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.directory = os.path.join(temporary_directory(self), "log")

    def open(self, **options: Any) -> DiskLog:
        options.setdefault("sync_runner", InlineSyncRunner())
        log = open_disk_log(self.directory, self.clock, **options)
        self.addCleanup(log.close)
        return log

    def fill(self, log: DiskLog, count: int, first: int = 0, per_turn: int = 1) -> bytes:
        """Append count events, per_turn of them per reactor turn; return their bytes."""
        written = []
        for n in range(first, first + count):
            event = command(n)
            written.append(event)
            log.append(event)
            if (n - first + 1) % per_turn == 0:
                self.clock.advance(0)
        self.clock.advance(0)
        return b"".join(written)

    def test_new_log_in_an_empty_directory(self) -> None:
        log = self.open(start_offset=1234)
        self.assertEqual((log.start_offset, log.end_offset, log.durable_offset), (1234, 1234, 1234))
        self.assertEqual(
            sorted(os.listdir(self.directory)),
            ["appendonly.aof.manifest", segment_name(1234)],
        )
        log.close()
        reopened = self.open(start_offset=99)  # the files say where the log is
        self.assertEqual((reopened.start_offset, reopened.end_offset), (1234, 1234))

    def test_one_batch_per_turn(self) -> None:
        log = self.open()
        log.append(b"*1\r\n$4\r\nPING\r\n")
        log.append(b"*1\r\n$4\r\nPING\r\n")
        self.assertEqual(os.path.getsize(log.segment_paths[0]), 0)  # nothing before the turn
        self.clock.advance(0)
        with open(log.segment_paths[0], "rb") as file:
            content = file.read()
        self.assertEqual(
            content,
            b"#B 0 28 %08x\r\n" % zlib.crc32(b"*1\r\n$4\r\nPING\r\n" * 2)
            + b"*1\r\n$4\r\nPING\r\n" * 2,
        )

    def test_rotation_by_size(self) -> None:
        log = self.open(segment_size=200, tail_cache=0)
        data = self.fill(log, 40)
        paths = log.segment_paths
        self.assertGreater(len(paths), 5)
        starts = [int(os.path.basename(path).split(".")[1]) for path in paths]
        self.assertEqual(starts[0], 0)
        self.assertEqual(starts, sorted(starts))
        for path in paths[:-1]:
            # A segment is full once it reaches the size; a batch is never split.
            self.assertGreaterEqual(os.path.getsize(path), 200)
            self.assertLess(os.path.getsize(path), 200 + 100)
        self.assertEqual(log.read(0, len(data) + 10), data)
        for offset in range(0, len(data), 7):
            self.assertEqual(log.read(offset, 50), data[offset : offset + 50])
        with open(os.path.join(self.directory, "appendonly.aof.manifest")) as file:
            listed = [line.split()[1] for line in file if line.startswith("file ")]
        self.assertEqual(listed, [os.path.basename(path) for path in paths])

    def test_reads_from_disk_at_every_offset(self) -> None:
        # Small batches over several index strides; nothing served from memory.
        log = self.open(tail_cache=0, segment_size=30_000)
        data = self.fill(log, 2000, per_turn=3)
        self.assertGreater(len(data), 3 * 16 * 1024)
        rng = random.Random(7)
        for _ in range(300):
            offset = rng.randrange(len(data) + 1)
            size = rng.choice((1, 10, 100, 5000, 70_000))
            self.assertEqual(log.read(offset, size), data[offset : offset + size])
        self.assertEqual(b"".join(log.iter_from(100, chunk_size=999)), data[100:])

    def test_reopen_keeps_data_and_offsets(self) -> None:
        log = self.open(start_offset=500, segment_size=300)
        data = self.fill(log, 30)
        log.append(b"*1\r\n$4\r\nPING\r\n")  # not yet flushed: close writes it
        data += b"*1\r\n$4\r\nPING\r\n"
        paths = log.segment_paths
        log.close()
        log = self.open(segment_size=300)
        self.assertEqual(log.segment_paths, paths)
        self.assertEqual((log.start_offset, log.end_offset), (500, 500 + len(data)))
        self.assertEqual(log.durable_offset, log.end_offset)
        self.assertIsNone(log.truncation)
        self.assertEqual(log.read(500, len(data)), data)
        more = self.fill(log, 5, first=30)
        log.close()
        log = self.open()
        self.assertEqual(b"".join(log.iter_from(500)), data + more)

    def test_trim_deletes_whole_segments_no_cursor_needs(self) -> None:
        log = self.open(segment_size=200, retention=0)
        data = self.fill(log, 20)
        starts = [int(os.path.basename(path).split(".")[1]) for path in log.segment_paths]
        cursor = log.cursor(starts[1] + 1)
        log.trim(starts[3] + 5)
        # The cursor's segment stays, and every one after it.
        self.assertEqual(log.start_offset, starts[1])
        self.assertFalse(os.path.exists(os.path.join(self.directory, segment_name(starts[0]))))
        self.assertFalse(cursor.lost)
        self.assertEqual(cursor.read(10), (data[starts[1] + 1 : starts[1] + 11], True))
        cursor.close()
        log.trim(starts[3] + 6)
        self.assertEqual(log.start_offset, starts[3])
        self.assertEqual(log.read(starts[3], 1000), data[starts[3] : starts[3] + 1000])
        with self.assertRaises(OffsetNotRetained):
            log.read(starts[3] - 1, 1)
        log.trim(log.end_offset)
        self.assertEqual(log.segment_paths, [log.segment_paths[-1]])  # the last one stays

    def test_retention_keeps_history_beyond_the_snapshot(self) -> None:
        log = self.open(segment_size=200, retention=450)
        self.fill(log, 30)
        log.trim(log.end_offset)
        self.assertLessEqual(log.start_offset, log.end_offset - 450)
        self.assertGreater(log.start_offset, log.end_offset - 450 - 300)
        kept = log.start_offset
        log.retention = 10
        self.assertGreater(log.start_offset, kept)

    def test_without_trim_everything_is_kept(self) -> None:
        log = self.open(segment_size=200, retention=0)
        data = self.fill(log, 30)
        self.assertEqual(log.start_offset, 0)
        self.assertEqual(log.read(0, len(data)), data)

    def test_reset_starts_a_new_segment(self) -> None:
        log = self.open(segment_size=200)
        self.fill(log, 20)
        cursor = log.cursor(10)
        log.reset(7)
        self.assertTrue(cursor.lost)
        self.assertEqual(log.segment_paths, [os.path.join(self.directory, segment_name(7))])
        self.assertEqual(
            sorted(os.listdir(self.directory)), ["appendonly.aof.manifest", segment_name(7)]
        )
        data = self.fill(log, 3)
        log.close()
        log = self.open()
        self.assertEqual((log.start_offset, log.end_offset), (7, 7 + len(data)))
        self.assertEqual(log.read(7, 1000), data)

    # Recovery

    def batches(self, path: str) -> list[tuple[int, int]]:
        """(file position, length with header) of each batch in a segment file."""
        with open(path, "rb") as file:
            content = file.read()
        found = []
        position = 0
        while position < len(content):
            newline = content.index(b"\r\n", position)
            length = int(content[position:newline].split()[2])
            end = newline + 2 + length
            found.append((position, end - position))
            position = end
        return found

    def test_torn_last_batch_is_cut_at_every_position(self) -> None:
        log = self.open(segment_size=300)
        self.fill(log, 25, per_turn=2)
        log.close()
        last = log.segment_paths[-1]
        position, length = self.batches(last)[-1]
        with open(last, "rb") as file:
            whole = file.read()
        self.assertEqual(position + length, len(whole))
        end_of_whole_batches = log.end_offset - (
            length - whole.index(b"\r\n", position) - 2 + position
        )
        for cut in range(position + 1, position + length):
            copy = os.path.join(temporary_directory(self), "log")
            shutil.copytree(self.directory, copy)
            copied = os.path.join(copy, os.path.basename(last))
            os.truncate(copied, cut)
            reopened = open_disk_log(copy, self.clock)
            self.addCleanup(reopened.close)
            self.assertEqual(reopened.end_offset, end_of_whole_batches)
            self.assertEqual(os.path.getsize(copied), position)
            self.assertEqual(reopened.truncation.position, position)  # type: ignore[union-attr]
            # It goes on from there.
            self.assertEqual(reopened.append(b"x"), end_of_whole_batches + 1)
        os.truncate(last, position + 3)
        with self.assertRaises(LogTruncatedError) as caught:
            open_disk_log(self.directory, self.clock, load_truncated=False)
        self.assertIn(last, str(caught.exception))
        self.assertEqual(os.path.getsize(last), position + 3)  # left as it was

    def corrupt_and_open(self, mangle: Callable[[bytearray, list[tuple[int, int]]], int]) -> str:
        """Write a log, damage a segment with mangle, open: return the error's message."""
        log = self.open(segment_size=300)
        self.fill(log, 25, per_turn=2)
        log.close()
        path = log.segment_paths[1]
        with open(path, "rb") as file:
            content = bytearray(file.read())
        position = mangle(content, self.batches(path))
        with open(path, "wb") as file:
            file.write(content)
        with self.assertRaises(LogCorruptError) as caught:
            open_disk_log(self.directory, self.clock)
        message = str(caught.exception)
        self.assertIn(path, message)
        self.assertIn("position %d " % position, message)
        self.assertIn("python -m replkv.tools repair " + self.directory, message)
        self.assertNotIsInstance(caught.exception, LogTruncatedError)
        return message

    def test_flipped_byte_in_a_batch(self) -> None:
        def flip(content: bytearray, batches: list[tuple[int, int]]) -> int:
            position, length = batches[1]
            content[position + length - 3] ^= 0x01
            return position

        self.assertIn("checksum mismatch", self.corrupt_and_open(flip))

    def test_flipped_byte_in_a_header(self) -> None:
        def flip(content: bytearray, batches: list[tuple[int, int]]) -> int:
            position, _ = batches[1]
            content[position + 3] = ord("x")
            return position

        self.assertIn("bad batch header", self.corrupt_and_open(flip))

    def test_short_segment_that_is_not_the_last(self) -> None:
        def cut(content: bytearray, batches: list[tuple[int, int]]) -> int:
            position, _ = batches[-1]
            del content[position + 5 :]
            return position

        self.assertIn("not the last segment", self.corrupt_and_open(cut))

    def test_zeros_after_the_last_batch_are_not_a_torn_write(self) -> None:
        log = self.open()
        self.fill(log, 3)
        log.close()
        with open(log.segment_paths[0], "ab") as file:
            file.write(b"\0" * 10)
        with self.assertRaises(LogCorruptError):
            open_disk_log(self.directory, self.clock)

    def test_gap_between_segments(self) -> None:
        log = self.open(segment_size=200)
        self.fill(log, 20)
        log.close()
        os.unlink(log.segment_paths[2])
        with self.assertRaises(LogCorruptError) as caught:
            open_disk_log(self.directory, self.clock)
        self.assertIn(log.segment_paths[3], str(caught.exception))

    # Durability

    def test_always_syncs_before_releasing_waiters(self) -> None:
        log = self.open(appendfsync="always")
        released: list[int] = []
        end = log.append(command(1))
        log.when_durable(end, lambda: released.append(log.durable_offset))
        self.assertEqual((released, log.durable_offset), ([], 0))
        self.clock.advance(0)
        self.assertEqual(released, [end])

    def test_always_lets_cursors_read_only_what_is_synced(self) -> None:
        log = self.open(appendfsync="always")
        cursor = log.cursor(0)
        woken: list[int] = []
        cursor.set_wakeup(lambda: woken.append(log.durable_offset))
        end = log.append(command(1))
        self.assertEqual((log.release_offset, cursor.read(1024)), (0, (b"", False)))
        log.flush()  # written and fsynced: the cursor is woken and may read it
        self.assertEqual(log.release_offset, end)
        self.clock.advance(0)
        self.assertEqual(woken, [end])
        self.assertEqual(cursor.read(1024), (command(1), False))

    def test_everysec_lets_cursors_read_before_the_sync(self) -> None:
        log = self.open(appendfsync="everysec")
        cursor = log.cursor(0)
        log.append(command(1))
        self.assertEqual(cursor.read(1024), (command(1), False))

    def test_no_counts_written_as_durable(self) -> None:
        log = self.open(appendfsync="no")
        end = log.append(command(1))
        self.assertEqual(log.durable_offset, 0)
        log.flush()
        self.assertEqual(log.durable_offset, end)

    def test_everysec_syncs_in_the_runner_about_once_a_second(self) -> None:
        runner = RecordingRunner()
        log = self.open(appendfsync="everysec", sync_runner=runner, segment_size=100)
        first = log.append(command(1))
        self.clock.advance(0)
        self.assertEqual(len(runner.jobs), 1)  # the first sync starts at once
        self.assertEqual(log.durable_offset, 0)
        self.fill(log, 5, first=2)  # rotates meanwhile
        second = log.end_offset
        self.assertEqual(len(runner.jobs), 1)  # one job at a time
        runner.finish()
        self.assertEqual(log.durable_offset, first)
        self.assertEqual(len(runner.jobs), 0)  # the next waits for its second
        self.clock.advance(0.5)
        self.assertEqual(len(runner.jobs), 0)
        self.clock.advance(0.5)
        self.assertEqual(len(runner.jobs), 1)
        runner.finish()
        self.assertEqual(log.durable_offset, second)
        self.assertEqual(log.last_write_status, "ok")
        self.clock.advance(5)
        self.assertEqual(runner.jobs, [])  # nothing left to sync

    def test_everysec_sync_error_is_recorded(self) -> None:
        runner = RecordingRunner()
        log = self.open(appendfsync="everysec", sync_runner=runner)
        log.append(command(1))
        self.clock.advance(0)
        runner.finish(OSError(5, "Input/output error"))
        self.assertEqual((log.last_write_status, log.durable_offset), ("err", 0))
        self.clock.advance(1)
        runner.finish()
        self.assertEqual(log.durable_offset, log.end_offset)

    def test_reset_during_a_sync_does_not_report_the_old_offset(self) -> None:
        runner = RecordingRunner()
        log = self.open(appendfsync="everysec", sync_runner=runner)
        self.fill(log, 10)
        log.reset(3)
        runner.finish()
        self.assertEqual((log.durable_offset, log.end_offset), (3, 3))


def writer_descriptor(path: str) -> int:
    """The descriptor this process has open for appending to path (Linux /proc)."""
    if not os.path.isdir("/proc/self/fdinfo"):
        raise SkipTest("needs /proc/self/fdinfo")
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}") != os.path.abspath(path):
                continue
            with open(f"/proc/self/fdinfo/{name}") as info:
                flags = int(info.read().split("flags:")[1].split()[0], 8)
        except OSError:
            continue
        if flags & os.O_APPEND:
            return int(name)
    raise AssertionError(f"no descriptor appends to {path}")


class WriteErrorTests(SynchronousTestCase):
    """A write that fails: the log's own descriptor is swapped for a read-only one."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.errors: list[OSError] = []

    def break_writes(self, log: DiskLog) -> Callable[[], None]:
        """Make writes to the log's file fail; return what repairs them."""
        fd = writer_descriptor(log.segment_paths[-1])
        saved = os.dup(fd)
        read_only = os.open(os.devnull, os.O_RDONLY)
        os.dup2(read_only, fd)
        os.close(read_only)

        def repair() -> None:
            os.dup2(saved, fd)
            os.close(saved)

        return repair

    def test_always_calls_the_fatal_error_handler(self) -> None:
        log = open_disk_log(
            os.path.join(temporary_directory(self), "log"),
            self.clock,
            appendfsync="always",
            on_fatal_error=self.errors.append,
        )
        repair = self.break_writes(log)
        self.addCleanup(log.close)
        self.addCleanup(repair)
        released: list[int] = []
        log.when_durable(log.append(command(1)), lambda: released.append(1))
        self.clock.advance(0)
        self.assertEqual(len(self.errors), 1)
        self.assertIsInstance(self.errors[0], OSError)
        self.assertEqual((released, log.durable_offset), ([], 0))

    def test_everysec_records_the_error_and_retries(self) -> None:
        log = open_disk_log(
            os.path.join(temporary_directory(self), "log"),
            self.clock,
            appendfsync="everysec",
            sync_runner=InlineSyncRunner(),
            on_fatal_error=self.errors.append,
        )
        self.addCleanup(log.close)
        repair = self.break_writes(log)
        data = command(1)
        log.append(data)
        self.clock.advance(0)
        self.assertEqual((log.last_write_status, log.durable_offset), ("err", 0))
        self.assertEqual(os.path.getsize(log.segment_paths[-1]), 0)
        repair()
        self.clock.advance(1)
        self.assertEqual(log.last_write_status, "ok")
        self.assertEqual(log.durable_offset, len(data))
        self.assertEqual(self.errors, [])
        log.close()
        reopened = open_disk_log(log.directory, self.clock)
        self.addCleanup(reopened.close)
        self.assertEqual(reopened.read(0, 100), data)


class ImmediateThreads:
    """callInThread and callFromThread that call at once, as a reactor's would later."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def callInThread(self, f: Callable[..., object], *args: object) -> None:  # noqa: N802
        self.calls.append("in thread")
        f(*args)

    def callFromThread(self, f: Callable[..., object], *args: object) -> None:  # noqa: N802
        self.calls.append("from thread")
        f(*args)


classImplements(ImmediateThreads, IReactorThreads, IReactorFromThreads)


class ThreadSyncRunnerTests(SynchronousTestCase):
    def test_job_runs_in_a_thread_and_reports_back(self) -> None:
        threads = ImmediateThreads()
        results: list[BaseException | None] = []
        runner = ThreadSyncRunner(threads)
        runner.run(lambda: None, results.append)
        error = OSError(28, "No space left on device")

        def fail() -> None:
            raise error

        runner.run(fail, results.append)
        self.assertEqual(results, [None, error])
        self.assertEqual(threads.calls, ["in thread", "from thread"] * 2)
