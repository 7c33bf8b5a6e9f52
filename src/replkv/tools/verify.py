"""`verify DIR`: check the snapshot and every log segment, read-only; exit 0 when whole.

The snapshot is loaded key by key into a scratch keyspace (header, every value, CRC).
Every segment is scanned (batch offsets, lengths, checksums, segments contiguous), the
events are parsed (RESP commands, the log ending at a command boundary outside MULTI),
and the snapshot's offset must be a command boundary the log holds, as recovery needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

import attrs

from replkv.log.segments import LogScan
from replkv.rdb.reader import RdbInfo
from replkv.tools.datadir import (
    DataDir,
    db_at_log_start,
    describe,
    empty_keyspace,
    snapshot_offset,
)
from replkv.tools.errors import ToolError
from replkv.tools.stream import StreamError, walk_events


@attrs.define
class Findings:
    """What verify found: the summary, the problems, and what repair needs to know."""

    datadir: DataDir
    snapshot: RdbInfo | None = None
    snapshot_offset: int | None = None
    snapshot_error: str | None = None
    scan: LogScan | None = None
    events: int = 0
    stream_error: StreamError | None = None
    # The offset of a MULTI the log ends inside.
    open_multi: int | None = None
    summary: list[str] = attrs.Factory(list)
    problems: list[str] = attrs.Factory(list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def close(self) -> None:
        if self.scan is not None:
            self.scan.close()


def check(datadir: DataDir) -> Findings:
    """Verify the data directory; nothing in it is changed."""
    found = Findings(datadir)
    if datadir.has_snapshot():
        _check_snapshot(found)
    if datadir.has_log():
        _check_log(found)
    else:
        found.summary.append(f"log: none ({datadir.appenddirname}/ holds no segment)")
    if found.snapshot is None and found.scan is None and found.snapshot_error is None:
        found.problems.append(f"{datadir.path} holds neither a snapshot nor an event log")
    return found


def _check_snapshot(found: Findings) -> None:
    datadir = found.datadir
    try:
        info = datadir.load_snapshot(empty_keyspace())
    except ToolError as error:
        found.snapshot_error = str(error)
        found.problems.append(str(error))
        return
    found.snapshot = info
    offset = info.repl_offset
    covers = f"log offset {offset}" if offset is not None else "no log offset (no repl-offset)"
    found.summary.append(
        f"snapshot: {datadir.snapshot_path}, RDB version {info.version}, "
        f"{info.keys_loaded} keys, covers {covers}"
    )


def _check_log(found: Findings) -> None:
    datadir = found.datadir
    scan = found.scan = datadir.scan_log()
    damage = scan.error or scan.torn
    if damage is not None:
        found.problems.append(describe(damage))
    offset = found.snapshot_offset = snapshot_offset(found.snapshot, scan)
    boundary = offset is not None and offset == scan.start
    try:
        for walked in walk_events(scan, db_at_log_start(scan, found.snapshot)):
            found.events += 1
            event = walked.event
            found.open_multi = walked.multi_at
            if event.end == offset and walked.multi_at is None:
                boundary = True
    except StreamError as error:
        found.stream_error = error
        found.problems.append(f"bad event log {error}")
    else:
        if found.open_multi is not None:
            found.problems.append(
                f"the event log ends inside the MULTI/EXEC block at log offset "
                f"{found.open_multi} (offsets {found.open_multi}-{scan.end} are incomplete)"
            )
    on_disk = sum(os.path.getsize(segment.path) for segment in scan.segments)
    on_disk += sum(os.path.getsize(path) for _, path in scan.unread)
    count = len(scan.segments) + len(scan.unread)
    found.summary.append(
        f"log: {datadir.log_path}, offsets {scan.start}-{scan.end}"
        f"{' before the damage' if damage is not None else ''} "
        f"({scan.end - scan.start} bytes of events, {found.events} events), "
        f"{count} segment{'s' if count != 1 else ''}, {on_disk} bytes on disk"
    )
    if offset is not None:
        if not scan.start <= offset <= scan.end:
            found.problems.append(
                f"the snapshot covers log offset {offset}, which the log "
                f"(offsets {scan.start}-{scan.end}) does not hold"
            )
        elif not boundary and found.stream_error is None:
            found.problems.append(
                f"the snapshot covers log offset {offset}, which is not a command boundary "
                f"outside MULTI/EXEC in the log"
            )
    elif found.snapshot_error is None and scan.start and scan.end:
        found.problems.append(
            f"the log starts at offset {scan.start} and no snapshot covers what came before it"
        )


def report(found: Findings, out: TextIO, err: TextIO) -> int:
    """Print the summary (stdout) and the problems (stderr); the exit status."""
    for line in found.summary:
        print(line, file=out)
    for problem in found.problems:
        print(problem, file=err)
    if found.ok:
        print(f"OK: {found.datadir.path}", file=out)
        return 0
    noun = "problem" if len(found.problems) == 1 else "problems"
    print(f"FAILED: {found.datadir.path}: {len(found.problems)} {noun}", file=out)
    return 1


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check the snapshot and the event log (read-only)",
        description=(
            "Check the snapshot (header, every key, CRC64) and every segment of the event "
            "log (batch headers, offsets contiguous, CRC32 checksums, RESP commands, the log "
            "ending at a command boundary), and that the log holds the offset the snapshot "
            "covers. Prints a summary and exits 0, or prints each problem (file, file "
            "position, log offset) on stderr and exits 1. Changes nothing."
        ),
    )
    parser.add_argument("dir", metavar="DIR", help="the data directory (replkv --dir)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    found = check(DataDir.open(args.dir))
    try:
        return report(found, sys.stdout, sys.stderr)
    finally:
        found.close()
