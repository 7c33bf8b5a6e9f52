"""`repair DIR [--yes]`: cut the event log back to its last good batch, then verify.

A torn tail (the last segment ends inside a batch) is cut off: no whole event is lost.
Other damage (a bad checksum or header, a gap between segments, bytes that are not
RESP commands, a MULTI never closed) cuts the log at the start of the first bad batch:
every event after it is lost. As `redis-check-aof --fix` does, repair says exactly what
it cuts and asks before changing anything, unless --yes.

When the cut falls before the offset the snapshot covers, the log would no longer reach
the snapshot: then every segment is removed and the log starts again, empty, at the
snapshot's offset (the snapshot holds the data up to there; the events after it are lost).
Repair never changes the snapshot.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

import attrs

from replkv.log.manifest import write_manifest
from replkv.log.segments import (
    HEADER_LINE,
    LogScan,
    iter_batches,
    segment_name,
)
from replkv.tools.datadir import DataDir, describe
from replkv.tools.errors import ToolError
from replkv.tools.verify import Findings, check, report

# Each round fixes the first damage; a log with more damage needs more rounds.
MAX_ROUNDS = 100


@attrs.define
class Cut:
    """The change that fixes the first damage, and what it loses, in words."""

    explanation: list[str]
    # (file, new size) for the segment cut back, files deleted, an empty segment created.
    truncate: tuple[str, int] | None = None
    delete: list[str] = attrs.Factory(list)
    create_at: int | None = None


def plan(found: Findings) -> Cut | None:
    """The cut that fixes the first damage of the log; None when the log is whole.

    Raises ToolError for what repair cannot fix (the snapshot, a missing history).
    """
    if found.snapshot_error is not None:
        raise ToolError(
            f"{found.snapshot_error}; repair fixes the event log only: move the snapshot "
            f"away (a start-up then loads the log alone) or restore it from a backup"
        )
    scan = found.scan
    if scan is None:
        return None
    if scan.torn is not None:
        torn = scan.torn
        size = os.path.getsize(torn.path)
        return _with_snapshot(
            found,
            torn.offset,
            Cut(
                [
                    f"{torn.path}: the last batch, at file position {torn.position} "
                    f"(log offset {torn.offset}), is cut short (a torn write)",
                    f"Cutting the file to {torn.position} bytes drops those "
                    f"{size - torn.position} bytes; no whole event is lost.",
                ],
                truncate=(torn.path, torn.position),
            ),
        )
    if scan.error is not None:
        error = scan.error
        damaged = scan.segments[-1]
        if error.path == damaged.path:  # a bad batch: cut the segment before it
            index = len(scan.segments) - 1
            return _cut_at(found, scan, index, error.position, error.offset, describe(error))
        # A gap: the segment after it and all later ones go.
        return _cut_at(found, scan, len(scan.segments), 0, scan.end, describe(error))
    if found.stream_error is not None:
        bad = found.stream_error
        return _cut_at_event(found, scan, bad.offset, f"bad event log {bad}")
    if found.open_multi is not None:
        reason = f"the log ends inside the MULTI/EXEC block at log offset {found.open_multi}"
        return _cut_at_event(found, scan, found.open_multi, reason)
    return None


def _cut_at_event(found: Findings, scan: LogScan, offset: int, reason: str) -> Cut:
    """Cut at the start of the batch holding offset."""
    for i, segment in enumerate(scan.segments):
        if segment.start <= offset < segment.end:
            for position, batch_offset, data in iter_batches(segment):
                if batch_offset <= offset < batch_offset + len(data):
                    return _cut_at(found, scan, i, position, batch_offset, reason)
    raise ToolError(f"log offset {offset} is not in the log's segments")  # not reached


def _cut_at(
    found: Findings, scan: LogScan, index: int, position: int, offset: int, reason: str
) -> Cut:
    """Keep segments before index, segment index up to position (log offset offset)."""
    later = [segment.path for segment in scan.segments[index + 1 :]]
    later += [path for _, path in scan.unread]
    lost_end, known = _known_end(scan)
    cut = Cut([reason])
    if index < len(scan.segments) and (position > 0 or index == 0):
        path = scan.segments[index].path
        cut.truncate = (path, position)
        cut.explanation.append(f"Cutting {path} at file position {position} (log offset {offset})")
    else:
        later[:0] = [scan.segments[index].path] if index < len(scan.segments) else []
        cut.explanation.append(f"Cutting the log at offset {offset}")
    cut.delete = later
    removed = f" and removing {len(later)} later segment file(s)" if later else ""
    cut.explanation[-1] += (
        f"{removed} loses the events at log offsets {offset}-{lost_end}"
        f"{'' if known else ' or more'} ({lost_end - offset} bytes)."
    )
    return _with_snapshot(found, offset, cut)


def _known_end(scan: LogScan) -> tuple[int, bool]:
    """How far the log reached beyond the damage, read leniently (batch lengths without
    checksums), and whether that is known to the end of the files."""
    files = [(scan.segments[-1].path, scan.segments[-1].size, scan.end)] if scan.error else []
    files += [(path, 0, start) for start, path in scan.unread]
    end, known = scan.end, True
    for path, position, offset in files:
        with open(path, "rb") as file:
            data = file.read()
        while position < len(data) and (match := HEADER_LINE.match(data, position)):
            offset += int(match[2])
            position = match.end() + int(match[2])
        end = max(end, offset)
        known = known and position == len(data)
    return end, known


def _with_snapshot(found: Findings, new_end: int, cut: Cut) -> Cut:
    """A cut before the snapshot's offset: start the log again at that offset instead."""
    offset = found.snapshot_offset
    scan = found.scan
    if offset is None or scan is None or new_end >= offset:
        return cut
    everything = [segment.path for segment in scan.segments] + [p for _, p in scan.unread]
    lost_end, known = _known_end(scan)
    return Cut(
        [
            cut.explanation[0],
            f"The cut falls before log offset {offset}, which the snapshot covers: removing "
            f"every segment file ({len(everything)}) and starting the log again, empty, at "
            f"offset {offset} keeps the snapshot's data and loses the events at log offsets "
            f"{offset}-{lost_end}{'' if known else ' or more'} ({lost_end - offset} bytes) "
            f"and the history before it.",
        ],
        delete=everything,
        create_at=offset,
    )


def apply_cut(datadir: DataDir, cut: Cut) -> None:
    """Make the change, then rewrite the manifest to list the segments left."""
    if cut.truncate is not None:
        path, size = cut.truncate
        os.truncate(path, size)
    for path in cut.delete:
        os.unlink(path)
    if cut.create_at is not None:
        path = os.path.join(datadir.log_path, segment_name(cut.create_at))
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    names = sorted(
        name
        for name in os.listdir(datadir.log_path)
        if name.startswith("replkv.") and name.endswith(".incr.aof")
    )
    write_manifest(datadir.log_path, datadir.manifest_filename(), names)


def ask(question: str) -> bool:
    """y/N on stdin; no answer (end of input) is no."""
    print(f"{question} [y/N]: ", end="", flush=True)
    try:
        answer = input()
    except EOFError:
        print()
        return False
    return answer.strip().lower() in ("y", "yes")


def repair(datadir: DataDir, confirm: Callable[[str], bool]) -> int:
    """Fix the log round by round, each change confirmed; then verify. Exit status."""
    changed = False
    for _ in range(MAX_ROUNDS):
        found = check(datadir)
        try:
            cut = plan(found)
        finally:
            found.close()
        if cut is None:
            break
        for line in cut.explanation:
            print(line)
        if not confirm("Continue?"):
            print("repair cancelled: nothing more was changed", file=sys.stderr)
            return 1
        apply_cut(datadir, cut)
        changed = True
        print("Done.")
    if not changed:
        print("Nothing to repair in the event log.")
    found = check(datadir)
    try:
        return report(found, sys.stdout, sys.stderr)
    finally:
        found.close()


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "repair",
        help="cut a damaged event log back to its last good batch",
        description=(
            "Fix the event log so that replkv starts: a torn tail (the last segment ends "
            "inside a batch) is cut off; other damage cuts the log at the start of the first "
            "bad batch, and every event after it is lost. If that cut falls before the "
            "offset the snapshot covers, the log starts again, empty, at that offset. Says "
            "which offsets are lost and asks before each change, then verifies the "
            "directory again. The snapshot is never changed. Make a backup first."
        ),
    )
    parser.add_argument("dir", metavar="DIR", help="the data directory (replkv --dir)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    datadir = DataDir.open(args.dir)
    if not datadir.has_log():
        raise ToolError(f"{datadir.path} holds no event log ({datadir.appenddirname}/ is empty)")
    return repair(datadir, (lambda question: True) if args.yes else ask)
