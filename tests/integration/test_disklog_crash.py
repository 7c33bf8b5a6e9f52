"""Kill a process appending to a disk log with `appendfsync always` at random moments:
every offset it reported durable is there after a restart, with the bytes it appended."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.log.disk import open_disk_log
from tests.support.disklog_writer import stream_bytes
from tests.support.tempdirs import temporary_directory

ROUNDS = 3
ROUND_TIMEOUT = 15.0


def read_durable_offsets(process: subprocess.Popen[bytes], count: int) -> list[int]:
    """The first count offsets the child prints (fewer if it stops printing in time)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + ROUND_TIMEOUT
    buffer = b""
    offsets: list[int] = []
    while len(offsets) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        data = os.read(fd, 65536)
        if not data:
            break
        buffer += data
        *lines, buffer = buffer.split(b"\n")
        offsets += [int(line) for line in lines]
    return offsets


class DiskLogCrashTests(SynchronousTestCase):
    def test_sigkill_loses_nothing_reported_durable(self) -> None:
        directory = os.path.join(temporary_directory(self), "log")
        rng = random.Random()
        reported = 0
        for round_number in range(ROUNDS):
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.support.disklog_writer",
                    directory,
                    str(round_number),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            try:
                offsets = read_durable_offsets(process, rng.randint(2, 400))
            finally:
                process.send_signal(signal.SIGKILL)
                _, errors = process.communicate(timeout=ROUND_TIMEOUT)
            self.assertGreater(len(offsets), 1, errors.decode(errors="replace"))
            # It started where the previous round's log ended, at least at what it reported.
            self.assertGreaterEqual(offsets[0], reported)
            reported = max(offsets)
            log = open_disk_log(directory, Clock(), appendfsync="no")
            try:
                self.assertGreaterEqual(log.end_offset, reported)
                expected = stream_bytes(log.end_offset)
                self.assertEqual(len(expected), log.end_offset)  # ends between two events
                self.assertEqual(b"".join(log.iter_from(0)), expected)
            finally:
                log.close()
