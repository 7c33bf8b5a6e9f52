"""`events DIR [--from OFFSET] [--to OFFSET] [--raw]`: the log's events, readable or raw.

One line per event: `<offset> <db> <arguments>`, each argument quoted as MONITOR and
redis-cli show them (sdscatrepr). The db is the database the event applies to, `?`
while the log has not said (a log that starts after offset 0 before its first SELECT).
An event is shown when it starts at or after --from and ends at or before --to.
"""

from __future__ import annotations

import argparse
import sys
from typing import BinaryIO, TextIO

from replkv.log.segments import LogScan
from replkv.quoting import quote_bytes
from replkv.tools.datadir import DataDir, db_at_log_start, describe
from replkv.tools.errors import ToolError
from replkv.tools.stream import StreamError, read_range, walk_events


def event_line(offset: int, db: int | None, argv: tuple[bytes, ...]) -> str:
    """`<offset> <db> "arg" "arg" …`."""
    quoted = " ".join(quote_bytes(arg) for arg in argv)
    return f"{offset} {'?' if db is None else db} {quoted}"


def write_events(
    scan: LogScan,
    db: int | None,
    first: int,
    last: int,
    *,
    text: TextIO | None = None,
    raw: BinaryIO | None = None,
) -> int:
    """Write the events in [first, last] to text (lines) or raw (bytes); how many."""
    count = 0
    begin = end = -1  # the bytes of the events written raw: one contiguous range
    for walked in walk_events(scan, db, stop=last):
        event = walked.event
        if event.offset < first or event.end > last:
            continue
        if begin < 0:
            begin = event.offset
        end = event.end
        if text is not None:
            print(event_line(event.offset, walked.db, event.argv), file=text)
        count += 1
    if raw is not None and count:
        for chunk in read_range(scan, begin, end):
            raw.write(chunk)
    return count


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "events",
        help="print the log's events between two offsets",
        description=(
            "Print the events of the event log, one per line: its log offset, the database "
            "it applies to ('?' when the log has not said yet) and the command with its "
            "arguments quoted as redis-cli and MONITOR quote them. MULTI, EXEC and SELECT "
            "are shown as they are in the log. Events that start at or after --from and "
            "end at or before --to are shown."
        ),
    )
    parser.add_argument("dir", metavar="DIR", help="the data directory (replkv --dir)")
    parser.add_argument(
        "--from",
        dest="first",
        type=int,
        metavar="OFFSET",
        help="first log offset (default: the start of the log)",
    )
    parser.add_argument(
        "--to", dest="last", type=int, metavar="OFFSET", help="last offset (default: the end)"
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="write the events' bytes (RESP, as in the log, without batch headers)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    datadir = DataDir.open(args.dir)
    snapshot = datadir.snapshot_aux()
    scan = datadir.scan_log()
    try:
        first = scan.start if args.first is None else args.first
        last = scan.end if args.last is None else args.last
        for name, offset in (("--from", first), ("--to", last)):
            if not scan.start <= offset <= scan.end:
                raise ToolError(f"{name} {offset}: the log holds offsets {scan.start}-{scan.end}")
        if first > last:
            raise ToolError(f"--from {first} is after --to {last}")
        db = db_at_log_start(scan, snapshot)
        try:
            if args.raw:
                write_events(scan, db, first, last, raw=sys.stdout.buffer)
                sys.stdout.buffer.flush()
            else:
                write_events(scan, db, first, last, text=sys.stdout)
        except StreamError as error:
            raise ToolError(f"bad event log {error}") from None
        damage = scan.error or scan.torn
        if damage is not None and last == scan.end:
            print(describe(damage), file=sys.stderr)
            return 1
        return 0
    finally:
        scan.close()
