"""`restore DIR --to OFFSET --out NEWDIR`: a new data directory holding the dataset as it
was at a past log offset.

The snapshot is loaded when it covers an offset at or before OFFSET (else, when the log
goes back to offset 0, the replay starts empty), the log is replayed up to exactly
OFFSET on an in-process server through the one apply path, and NEWDIR gets a snapshot
of the result (repl-offset OFFSET, a new repl-id: the history goes on differently from
there) and a log holding the retained history up to OFFSET. replkv started on NEWDIR
with `--appendonly yes` serves that dataset at that offset.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from typing import TYPE_CHECKING

from twisted.internet.task import Clock

from replkv.config import Config
from replkv.keyspace.apply import StreamApplier
from replkv.log.manifest import write_manifest
from replkv.log.segments import LogScan, batch_header, iter_batches, segment_name
from replkv.rdb.values import Limits
from replkv.rdb.writer import write_rdb
from replkv.replication.ids import new_replid
from replkv.tools.datadir import DataDir, snapshot_offset
from replkv.tools.errors import ToolError
from replkv.tools.stream import StreamError, read_range, walk_events

if TYPE_CHECKING:
    from replkv.server import Server


def check_boundary(scan: LogScan, db: int, base: int, offset: int) -> int:
    """Check offset is a command boundary outside MULTI (walking from base, one);
    returns how many events lie in [base, offset)."""
    count = 0
    try:
        multi_at: int | None = None
        for walked in walk_events(scan, db, start=base, stop=offset):
            event = walked.event
            if event.end > offset:
                name = event.argv[0].decode("utf-8", "replace")
                raise ToolError(
                    f"offset {offset} is inside the command {name} at log offsets "
                    f"{event.offset}-{event.end}: choose {event.offset} or {event.end}"
                )
            count += 1
            multi_at = walked.multi_at
    except StreamError as error:
        raise ToolError(f"bad event log {error}") from None
    if multi_at is not None:
        raise ToolError(
            f"offset {offset} is inside the MULTI/EXEC block that starts at log offset "
            f"{multi_at}: choose an offset before it or after its EXEC"
        )
    return count


def replay(
    source: DataDir, scan: LogScan, load_snapshot: bool, db: int, base: int, offset: int
) -> Server:
    """A server holding the dataset at offset: the snapshot, then the log from base."""
    # Imported here: the command table is only needed to replay, not by the other tools.
    from replkv.scripting.functions import load_libraries
    from replkv.server import Server

    clock = Clock()
    clock.advance(time.time())
    server = Server(Config(), clock)
    if load_snapshot:
        info = source.load_snapshot(server.keyspace)
        load_libraries(server, info.functions)
    applier = StreamApplier(server, log_received=False)
    applier.client.select(db)
    server.propagator.log_db = db
    for chunk in read_range(scan, base, offset):
        applier.feed(chunk)
    if applier.pending:
        raise ToolError(f"offset {offset} is not at a command boundary")
    if applier.errors:
        print(
            f"warning: {applier.errors} events got an error reply while replaying "
            f"(ignored, as a replica ignores them)",
            file=sys.stderr,
        )
    server.propagator.log_db = applier.client.db.id
    return server


def write_log(scan: LogScan, offset: int, log_path: str, manifest_filename: str) -> None:
    """The log's segments from its start up to offset, the last batch cut at offset."""
    os.makedirs(log_path)
    names: list[str] = []
    for segment in scan.segments:
        if segment.start >= offset:
            break
        name = segment_name(segment.start)
        with open(os.path.join(log_path, name), "wb") as out:
            for _, batch_offset, data in iter_batches(segment, end=offset):
                if batch_offset + len(data) > offset:
                    data = data[: offset - batch_offset]
                out.write(batch_header(batch_offset, data))
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
        names.append(name)
    if not names:
        name = segment_name(offset)
        with open(os.path.join(log_path, name), "wb") as out:
            os.fsync(out.fileno())
        names.append(name)
    write_manifest(log_path, manifest_filename, names)


def write_snapshot(server: Server, offset: int, path: str) -> None:
    """dump.rdb covering offset, written to a temporary name, fsynced, renamed."""
    aux = {
        b"repl-stream-db": b"%d" % max(server.propagator.log_db, 0),
        b"repl-id": new_replid().encode(),
        b"repl-offset": b"%d" % offset,
        b"aof-base": b"0",
    }
    temporary = path + ".tmp"
    with open(temporary, "wb") as out:
        write_rdb(
            server.keyspace,
            out,
            aux,
            limits=Limits.from_config(server.config),
            functions=server.functions.codes() if server.functions is not None else (),
        )
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def restore(source: DataDir, offset: int, out_path: str) -> str:
    """Build out_path holding the dataset at offset; a one-line summary."""
    if os.path.exists(out_path) and (not os.path.isdir(out_path) or os.listdir(out_path)):
        raise ToolError(f"{out_path} exists and is not an empty directory")
    snapshot = source.snapshot_aux()
    scan = source.scan_log()
    try:
        if not scan.start <= offset <= scan.end:
            raise ToolError(
                f"offset {offset} is not in the log: it holds offsets {scan.start}-{scan.end}"
            )
        covered = snapshot_offset(snapshot, scan)
        if covered is not None and scan.start <= covered <= offset:
            base, from_snapshot = covered, True
            stream_db = snapshot.repl_stream_db if snapshot is not None else None
            db = stream_db if stream_db is not None else 0
        elif scan.start == 0:
            base, from_snapshot, db = 0, False, 0
        else:
            raise ToolError(
                f"offset {offset} cannot be rebuilt: the snapshot covers offset {covered} "
                f"(after it) and the log does not go back to offset 0 (it starts at "
                f"{scan.start})"
            )
        events = check_boundary(scan, db, base, offset)
        server = replay(source, scan, from_snapshot, db, base, offset)
        target = DataDir(out_path, source.dbfilename, source.appenddirname)
        created = not os.path.exists(out_path)
        os.makedirs(out_path, exist_ok=True)
        try:
            write_log(scan, offset, target.log_path, source.manifest_filename())
            write_snapshot(server, offset, target.snapshot_path)
        except BaseException:
            if created:
                shutil.rmtree(out_path, ignore_errors=True)
            else:
                for name in os.listdir(out_path):
                    shutil.rmtree(os.path.join(out_path, name), ignore_errors=True)
            raise
    finally:
        scan.close()
    keys = sum(len(db_.data) for db_ in server.keyspace.dbs)
    start = f"the snapshot at offset {base}" if from_snapshot else "an empty dataset"
    return (
        f"restored log offset {offset} into {out_path}: {start} and {events} events "
        f"replayed, {keys} keys in {target.dbfilename}, log offsets {scan.start}-{offset} "
        f"in {target.appenddirname}/"
    )


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="build a new data directory holding the dataset at a past offset",
        description=(
            "Build NEWDIR holding the dataset as it was at log offset OFFSET: the snapshot "
            "(when it covers an offset at or before OFFSET; else an empty dataset, when the "
            "log goes back to offset 0) plus the log replayed up to exactly OFFSET. NEWDIR "
            "gets dump.rdb (repl-offset OFFSET, a new repl-id) and appendonlydir/ holding "
            "the log's retained history up to OFFSET; start replkv on it with --appendonly "
            "yes. OFFSET must be a command boundary outside MULTI/EXEC (the offsets "
            "`events` prints, or the end of the last event). DIR is not changed."
        ),
    )
    parser.add_argument("dir", metavar="DIR", help="the data directory (replkv --dir)")
    parser.add_argument(
        "--to", dest="offset", type=int, required=True, metavar="OFFSET", help="the log offset"
    )
    parser.add_argument(
        "--out", required=True, metavar="NEWDIR", help="the new data directory (new or empty)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    source = DataDir.open(args.dir)
    print(restore(source, args.offset, args.out))
    return 0
