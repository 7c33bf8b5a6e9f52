"""Appends per second on the event log: in memory, and on disk under each appendfsync policy.

Events are 100-byte RESP commands; a "turn" is one reactor turn, after which the disk log
writes (and under `always` fsyncs) everything appended in it as one batch. With one event
per turn every append pays a write (and an fsync); with more, group commit shares them.
Time is a task.Clock advanced by the real elapsed time, so `everysec` starts an fsync about
once a second (inline here, so its cost is counted). Then it times opening (verifying) a
log of --load-events 40-byte events, one batch per event and 100 events per batch.

    .venv/bin/python bench/disklog.py [--events 200000] [--per-turn 1,100] [--load-events 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from typing import Any

from twisted.internet.task import Clock

from replkv.log.disk import open_disk_log
from replkv.log.eventlog import InMemoryLog
from replkv.log.fsync import InlineSyncRunner


def event(size: int) -> bytes:
    """A SET command of exactly size bytes."""
    head = b"*3\r\n$3\r\nSET\r\n$8\r\nkey:0001\r\n"
    for digits in (1, 2, 3):
        value_length = size - len(head) - digits - len(b"$\r\n\r\n")
        if len(b"%d" % value_length) == digits:
            return head + b"$%d\r\n%s\r\n" % (value_length, b"v" * value_length)
    raise ValueError(f"no SET command of {size} bytes")


def run(make_log: Callable[[Clock], Any], events: int, per_turn: int, size: int) -> float:
    """Appends per second: events appended, per_turn per reactor turn."""
    clock = Clock()
    log = make_log(clock)
    data = event(size)
    append = log.append
    start = last = time.perf_counter()
    for _ in range(events // per_turn):
        for _ in range(per_turn):
            append(data)
        now = time.perf_counter()
        clock.advance(now - last)  # the end of the turn: flush, and due syncs
        last = now
    if hasattr(log, "close"):
        log.close()
    return events // per_turn * per_turn / (time.perf_counter() - start)


def load_time(events: int, per_batch: int, size: int) -> tuple[float, int]:
    """Seconds to open (and verify) a log of events; and its size in bytes."""
    with tempfile.TemporaryDirectory() as directory:
        clock = Clock()
        log = open_disk_log(directory, clock, appendfsync="no", segment_size=64 << 20)
        data = event(size)
        for _ in range(events // per_batch):
            for _ in range(per_batch):
                log.append(data)
            log.flush()
        end = log.end_offset
        log.close()
        start = time.perf_counter()
        reopened = open_disk_log(directory, clock, appendfsync="no")
        elapsed = time.perf_counter() - start
        assert reopened.end_offset == end
        reopened.close()
        return elapsed, end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--per-turn", default="1,100")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--load-events", type=int, default=1_000_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        counter = iter(range(1 << 30))

        def disk(policy: str) -> Callable[[Clock], Any]:
            def make(clock: Clock) -> Any:
                path = f"{directory}/{policy}-{next(counter)}"
                return open_disk_log(
                    path, clock, appendfsync=policy, sync_runner=InlineSyncRunner()
                )

            return make

        kinds: list[tuple[str, Callable[[Clock], Any]]] = [
            ("in memory", lambda clock: InMemoryLog(clock, retention=1 << 20)),
            ("disk, no", disk("no")),
            ("disk, everysec", disk("everysec")),
            ("disk, always", disk("always")),
        ]
        print(f"{'log':<16} {'events/turn':>11} {'appends/s':>12}")
        for per_turn in (int(n) for n in options.per_turn.split(",")):
            for name, make in kinds:
                events = options.events
                if name == "disk, always" and per_turn == 1:
                    events = min(events, 5_000)  # one fsync per event
                rate = run(make, events, per_turn, options.size)
                print(f"{name:<16} {per_turn:>11} {rate:>12,.0f}")
    for per_batch in (1, 100):
        seconds, size = load_time(options.load_events, per_batch, 40)
        print(
            f"open {options.load_events:,} events of 40 bytes, {per_batch} per batch "
            f"({size / 1e6:.0f} MB): {seconds:.2f} s"
        )


if __name__ == "__main__":
    main()
