"""A child process for the crash test: appends to a disk log with `appendfsync always`.

Usage: python -m tests.support.disklog_writer DIR SEED

It reopens DIR, continues the deterministic event stream from the log's end, appends a
few events per reactor turn, and prints every durable offset the log reports, one per
line, until it is killed.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator


def event(n: int) -> bytes:
    """Event number n of the stream."""
    key, value = b"key:%d" % n, b"value-%d-" % n + b"x" * (n % 50)
    return b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value)


def stream() -> Iterator[bytes]:
    """The events, forever."""
    n = 0
    while True:
        yield event(n)
        n += 1


def stream_bytes(length: int) -> bytes:
    """The first length bytes of the stream (past length when it ends inside an event)."""
    chunks = []
    total = 0
    for data in stream():
        if total >= length:
            break
        chunks.append(data)
        total += len(data)
    return b"".join(chunks)


def main(directory: str, seed: int) -> None:
    from twisted.internet import reactor

    from replkv.log.disk import open_disk_log

    log = open_disk_log(directory, reactor, appendfsync="always", segment_size=20_000)
    events = stream()
    skipped = 0
    while skipped < log.end_offset:
        skipped += len(next(events))
    if skipped != log.end_offset:
        sys.exit(f"the log ends inside an event: {log.end_offset}")
    rng = random.Random(seed)
    out = sys.stdout

    def report(offset: int) -> None:
        out.write(f"{offset}\n")
        out.flush()

    def turn() -> None:
        end = 0
        for _ in range(rng.randint(1, 20)):
            end = log.append(next(events))
        log.when_durable(end, lambda: report(end))
        reactor.callLater(0, turn)  # type: ignore[attr-defined]

    report(log.durable_offset)
    reactor.callWhenRunning(turn)  # type: ignore[attr-defined]
    reactor.run()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
