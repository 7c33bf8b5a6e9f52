"""`python -m replkv.tools`: verify, events, repair and restore on data directories that a
real Server with the log on disk wrote (in process, on a task.Clock)."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Sequence

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.client import Client
from replkv.config import Config
from replkv.keyspace.digest import dataset_digest
from replkv.log.disk import DiskLog, open_disk_log
from replkv.log.fsync import InlineSyncRunner
from replkv.log.segments import list_segments
from replkv.server import Server
from replkv.tools.__main__ import main
from replkv.tools.datadir import DataDir, empty_keyspace
from replkv.tools.stream import EventParser, StreamError
from tests.support.harness import START
from tests.support.tempdirs import temporary_directory


class Run:
    """What one run of the tool printed, and its exit status."""

    def __init__(self, status: int, out: bytes, err: str) -> None:
        self.status = status
        self.raw = out
        self.out = out.decode("utf-8", "replace")
        self.err = err


def run_tool(*argv: str, stdin: str = "") -> Run:
    """main(argv) with stdout, stderr and stdin captured."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(argv))
            except SystemExit as exit:  # --help, usage errors
                status = exit.code if isinstance(exit.code, int) else 1
    finally:
        sys.stdin = old_stdin
    out.flush()
    raw = out.buffer.getvalue()  # type: ignore[attr-defined]
    return Run(status, raw, err.getvalue())


def snapshot_files(directory: str) -> dict[str, tuple[bytes, int]]:
    """Every file under directory: its bytes and mtime."""
    found = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as file:
                found[path] = (file.read(), os.stat(path).st_mtime_ns)
    return found


class Writer:
    """A server writing a data directory: the log on disk in small segments, SAVE."""

    def __init__(self, directory: str, *, retention: int = 1 << 20) -> None:
        self.directory = directory
        self.clock = Clock()
        self.clock.advance(START)
        self.log: DiskLog = open_disk_log(
            os.path.join(directory, "appendonlydir"),
            self.clock,
            appendfsync="no",
            segment_size=150,
            retention=retention,
            sync_runner=InlineSyncRunner(),
        )
        config = Config()
        config.dir = directory
        self.server = Server(config, self.clock, event_log=self.log)
        self.client = Client(self.server, self.server.clients.next_id())
        self.server.clients.add(self.client)
        # The offset after each write, and the dataset's digest at that moment.
        self.moments: list[tuple[int, bytes]] = [(0, dataset_digest(self.server.keyspace))]

    def __call__(self, *argv: str | bytes) -> bytes | None:
        args = [a if isinstance(a, bytes) else a.encode() for a in argv]
        result = self.server.execute(self.client, args)
        self.log.flush()  # the end of the reactor turn
        self.moments.append((self.log.end_offset, dataset_digest(self.server.keyspace)))
        return result

    def save(self) -> int:
        assert self.server.snapshots.save()
        return self.log.end_offset

    def close(self) -> None:
        self.log.close()


class ToolTestCase(SynchronousTestCase):
    def write(self, *, retention: int = 1 << 20) -> tuple[str, Writer]:
        """A data directory with a snapshot in the middle of the log."""
        directory = temporary_directory(self)
        w = Writer(directory, retention=retention)
        w("SET", "a", "1")
        w("RPUSH", "list", "x", "y", "z")
        w("SELECT", "3")
        w("SET", "bin", b'\x00\xff"q"\n')
        w.save()
        w("HSET", "h", "f", "v")
        w("MULTI")
        w("INCR", "n")
        w("SADD", "s", "m")
        w("EXEC")
        w("SELECT", "0")
        w("DEL", "a")
        w("SET", "b", "after")
        w.close()
        return directory, w

    def segments(self, directory: str) -> list[str]:
        return [path for _, path in list_segments(os.path.join(directory, "appendonlydir"))]


class VerifyTests(ToolTestCase):
    def test_a_whole_directory_passes_and_is_not_changed(self) -> None:
        directory, w = self.write()
        before = snapshot_files(directory)
        result = run_tool("verify", directory)
        self.assertEqual(result.status, 0, result.err)
        self.assertEqual(result.err, "")
        snapshot_offset = int(result.out.split("covers log offset ")[1].split()[0].rstrip(","))
        self.assertEqual(snapshot_offset, w.moments[4][0])
        self.assertIn("3 keys", result.out)
        end = w.log.end_offset
        count = len(self.segments(directory))
        self.assertGreater(count, 2)
        self.assertIn(f"offsets 0-{end} ({end} bytes of events", result.out)
        self.assertIn(f"{count} segments", result.out)
        self.assertIn(f"OK: {directory}", result.out)
        self.assertEqual(snapshot_files(directory), before)

    def test_a_torn_tail_fails_with_its_position_and_is_left_alone(self) -> None:
        directory, w = self.write()
        last = self.segments(directory)[-1]
        whole = os.path.getsize(last)
        with open(last, "ab") as file:
            file.write(b"#B %d 40 00000000\r\n*3\r\n$3\r\nSET" % w.log.end_offset)
        before = snapshot_files(directory)
        result = run_tool("verify", directory)
        self.assertEqual(result.status, 1)
        self.assertIn(
            f"{last} at file position {whole} (log offset {w.log.end_offset})", result.err
        )
        self.assertIn("torn write", result.err)
        self.assertEqual(snapshot_files(directory), before)

    def test_a_flipped_byte_names_file_position_and_offset(self) -> None:
        directory, _ = self.write()
        middle = self.segments(directory)[1]
        start = int(os.path.basename(middle).split(".")[1])
        raw = bytearray(open(middle, "rb").read())
        spot = raw.index(b"\r\n*") + 5  # inside the first batch's events
        raw[spot] ^= 0x20
        with open(middle, "wb") as file:
            file.write(raw)
        result = run_tool("verify", directory)
        self.assertEqual(result.status, 1)
        self.assertIn(
            f"{middle} at file position 0 (log offset {start}): checksum mismatch", result.err
        )

    def test_a_missing_segment_is_a_gap(self) -> None:
        directory, _ = self.write()
        os.unlink(self.segments(directory)[1])
        result = run_tool("verify", directory)
        self.assertEqual(result.status, 1)
        self.assertIn("not where this one starts", result.err)

    def test_a_damaged_snapshot_fails_naming_it(self) -> None:
        directory, _ = self.write()
        path = os.path.join(directory, "dump.rdb")
        raw = bytearray(open(path, "rb").read())
        raw[-12] ^= 0x01
        with open(path, "wb") as file:
            file.write(raw)
        result = run_tool("verify", directory)
        self.assertEqual(result.status, 1)
        self.assertIn(f"{path}: damaged snapshot at file position", result.err)
        repaired = run_tool("repair", "--yes", directory)
        self.assertEqual(repaired.status, 1)
        self.assertIn("repair fixes the event log only", repaired.err)

    def test_the_log_directory_itself_is_accepted(self) -> None:
        """Start-up's message names the log's directory: the tools take it too."""
        directory, _ = self.write()
        result = run_tool("verify", os.path.join(directory, "appendonlydir"))
        self.assertEqual(result.status, 0, result.err)
        self.assertIn(os.path.join(directory, "dump.rdb"), result.out)

    def test_a_missing_directory_is_one_line_on_stderr(self) -> None:
        result = run_tool("verify", os.path.join(temporary_directory(self), "nope"))
        self.assertEqual(result.status, 1)
        self.assertEqual(result.err.count("\n"), 1)
        self.assertIn("is not a directory", result.err)


class EventsTests(ToolTestCase):
    def test_every_event_with_its_offset_and_database(self) -> None:
        directory, w = self.write()
        result = run_tool("events", directory)
        self.assertEqual(result.status, 0, result.err)
        lines = result.out.splitlines()
        offsets = [int(line.split()[0]) for line in lines]
        self.assertEqual(offsets[0], 0)
        self.assertEqual(offsets, sorted(offsets))
        by_offset = {int(line.split()[0]): line for line in lines}
        moments = [offset for offset, _ in w.moments]
        # SELECT 3 logs nothing; the SET after it starts with the log's own SELECT 3.
        self.assertEqual(lines[:2], ['0 0 "SELECT" "0"', '23 0 "SET" "a" "1"'])
        self.assertEqual(by_offset[moments[1]], f'{moments[1]} 0 "RPUSH" "list" "x" "y" "z"')
        self.assertEqual(by_offset[moments[3]], f'{moments[3]} 3 "SELECT" "3"')
        self.assertIn('3 "SET" "bin" "\\x00\\xff\\"q\\"\\n"', result.out)
        names = [line.split()[2] for line in lines]
        multi = names.index('"MULTI"')
        self.assertEqual(names[multi : multi + 4], ['"MULTI"', '"INCR"', '"SADD"', '"EXEC"'])
        self.assertTrue(lines[-1].endswith(' 0 "SET" "b" "after"'))
        self.assertEqual(int(lines[-1].split()[0]), moments[-2])

    def test_from_and_to_select_whole_events(self) -> None:
        directory, w = self.write()
        first, last = w.moments[5][0], w.moments[9][0]
        result = run_tool("events", directory, "--from", str(first), "--to", str(last))
        self.assertEqual(result.status, 0, result.err)
        lines = result.out.splitlines()
        self.assertEqual(int(lines[0].split()[0]), first)
        self.assertEqual([line.split()[2] for line in lines][-1], '"EXEC"')
        inside = run_tool("events", directory, "--from", str(first + 1), "--to", str(last - 1))
        self.assertEqual(len(inside.out.splitlines()), len(lines) - 2)

    def test_raw_writes_the_logged_bytes(self) -> None:
        directory, w = self.write()
        first = w.moments[5][0]
        result = run_tool("events", directory, "--from", str(first), "--raw")
        self.assertEqual(result.status, 0, result.err)
        reopened = open_disk_log(os.path.join(directory, "appendonlydir"), Clock())
        self.addCleanup(reopened.close)
        self.assertEqual(result.raw, reopened.read(first, 1 << 20))

    def test_an_offset_outside_the_log_is_refused(self) -> None:
        directory, w = self.write()
        result = run_tool("events", directory, "--to", str(w.log.end_offset + 1))
        self.assertEqual(result.status, 1)
        self.assertIn(f"the log holds offsets 0-{w.log.end_offset}", result.err)


class RepairTests(ToolTestCase):
    def tear(self, directory: str, end: int) -> str:
        last = self.segments(directory)[-1]
        with open(last, "ab") as file:
            file.write(b"#B %d 40 00000000\r\n*3\r\n$3\r\nSET" % end)
        return last

    def test_a_torn_tail_is_cut_after_confirmation(self) -> None:
        directory, w = self.write()
        whole = os.path.getsize(self.segments(directory)[-1])
        last = self.tear(directory, w.log.end_offset)
        refused = run_tool("repair", directory, stdin="n\n")
        self.assertEqual(refused.status, 1)
        self.assertIn("Continue? [y/N]", refused.out)
        self.assertGreater(os.path.getsize(last), whole)
        result = run_tool("repair", directory, stdin="y\n")
        self.assertEqual(result.status, 0, result.err)
        self.assertIn("no whole event is lost", result.out)
        self.assertEqual(os.path.getsize(last), whole)
        self.assertIn("OK: ", result.out)
        log = open_disk_log(os.path.join(directory, "appendonlydir"), Clock(), load_truncated=False)
        self.addCleanup(log.close)
        self.assertEqual(log.end_offset, w.log.end_offset)

    def test_corruption_cuts_the_log_at_the_bad_batch(self) -> None:
        directory, w = self.write()
        paths = self.segments(directory)
        bad = paths[-2]
        start = int(os.path.basename(bad).split(".")[1])
        raw = bytearray(open(bad, "rb").read())
        raw[raw.index(b"\r\n*") + 5] ^= 0x20  # in the segment's first batch
        with open(bad, "wb") as file:
            file.write(raw)
        result = run_tool("repair", "--yes", directory)
        self.assertEqual(result.status, 0, result.err + result.out)
        self.assertIn(f"loses the events at log offsets {start}-{w.log.end_offset} ", result.out)
        self.assertEqual(self.segments(directory), paths[:-2])  # the cut one is empty: gone
        log = open_disk_log(os.path.join(directory, "appendonlydir"), Clock())
        self.addCleanup(log.close)
        self.assertEqual(log.end_offset, start)
        manifest = open(os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")).read()
        self.assertNotIn(os.path.basename(paths[-1]), manifest)

    def test_a_cut_before_the_snapshot_starts_the_log_at_its_offset(self) -> None:
        directory, w = self.write()
        covered = w.moments[4][0]
        first = self.segments(directory)[0]
        raw = bytearray(open(first, "rb").read())
        raw[-3] ^= 0x20
        with open(first, "wb") as file:
            file.write(raw)
        result = run_tool("repair", "--yes", directory)
        self.assertEqual(result.status, 0, result.err + result.out)
        self.assertIn(f"starting the log again, empty, at offset {covered}", result.out)
        self.assertEqual(len(self.segments(directory)), 1)
        self.assertIn(f"{covered:020d}", self.segments(directory)[0])

    def test_nothing_to_repair(self) -> None:
        directory, _ = self.write()
        before = snapshot_files(directory)
        result = run_tool("repair", directory)
        self.assertEqual(result.status, 0, result.err)
        self.assertIn("Nothing to repair", result.out)
        self.assertEqual(snapshot_files(directory), before)


class RestoreTests(ToolTestCase):
    def test_every_boundary_gives_the_dataset_of_that_moment(self) -> None:
        directory, w = self.write()
        lines = run_tool("events", directory).out.splitlines()
        multi = [i for i, line in enumerate(lines) if line.endswith('"MULTI"')][0]
        in_multi = {int(line.split()[0]) for line in lines[multi + 1 : multi + 4]}
        moments = w.moments + [(offset, b"") for offset in in_multi]
        for offset, digest in moments:
            out = os.path.join(temporary_directory(self), "new")
            result = run_tool("restore", directory, "--to", str(offset), "--out", out)
            if offset in in_multi:
                self.assertEqual(result.status, 1)
                self.assertIn("inside the MULTI/EXEC block", result.err)
                continue
            self.assertEqual(result.status, 0, result.err)
            keyspace = empty_keyspace()
            info = DataDir(out).load_snapshot(keyspace)
            self.assertEqual(dataset_digest(keyspace), digest, offset)
            self.assertEqual(info.repl_offset, offset)
            log = open_disk_log(os.path.join(out, "appendonlydir"), Clock(), load_truncated=False)
            self.assertEqual((log.start_offset, log.end_offset), (0, offset))
            log.close()
            self.assertEqual(run_tool("verify", out).status, 0)
        self.assertEqual(len(in_multi), 3)

    def test_restored_database_is_the_one_selected_then(self) -> None:
        directory, w = self.write()
        out = os.path.join(temporary_directory(self), "new")
        offset = w.moments[4][0]  # after SET bin in db 3
        self.assertEqual(
            run_tool("restore", directory, "--to", str(offset), "--out", out).status, 0
        )
        info = DataDir(out).snapshot_aux()
        assert info is not None
        self.assertEqual(info.repl_stream_db, 3)

    def test_an_offset_inside_a_command_is_refused(self) -> None:
        directory, w = self.write()
        out = os.path.join(temporary_directory(self), "new")
        offset = w.moments[1][0]
        result = run_tool("restore", directory, "--to", str(offset + 3), "--out", out)
        self.assertEqual(result.status, 1)
        self.assertIn(f"inside the command RPUSH at log offsets {offset}-", result.err)
        self.assertFalse(os.path.exists(out))

    def test_libraries_of_the_snapshot_and_of_the_log_are_kept(self) -> None:
        directory = temporary_directory(self)
        w = Writer(directory)
        w("FUNCTION", "LOAD", "#!lua name=a\nredis.register_function('fa', function() end)")
        w.save()
        w("FUNCTION", "LOAD", "#!lua name=b\nredis.register_function('fb', function() end)")
        w.close()
        out = os.path.join(temporary_directory(self), "new")
        result = run_tool("restore", directory, "--to", str(w.moments[-1][0]), "--out", out)
        self.assertEqual(result.status, 0, result.err)
        info = DataDir(out).load_snapshot(empty_keyspace())
        self.assertEqual([code[:12] for code in info.functions], [b"#!lua name=a", b"#!lua name=b"])

    def test_a_directory_in_use_is_refused(self) -> None:
        directory, _ = self.write()
        result = run_tool("restore", directory, "--to", "0", "--out", directory)
        self.assertEqual(result.status, 1)
        self.assertIn("is not an empty directory", result.err)

    def test_before_a_snapshot_whose_log_was_trimmed(self) -> None:
        directory, w = self.write(retention=0)
        self.assertGreater(int(os.path.basename(self.segments(directory)[0]).split(".")[1]), 0)
        out = os.path.join(temporary_directory(self), "new")
        early = run_tool("restore", directory, "--to", str(w.moments[1][0]), "--out", out)
        self.assertEqual(early.status, 1)
        self.assertIn("is not in the log: it holds offsets", early.err)
        offset, digest = w.moments[-1]
        result = run_tool("restore", directory, "--to", str(offset), "--out", out)
        self.assertEqual(result.status, 0, result.err)
        keyspace = empty_keyspace()
        DataDir(out).load_snapshot(keyspace)
        self.assertEqual(dataset_digest(keyspace), digest)
        self.assertEqual(run_tool("verify", out).status, 0)


class EventParserTests(SynchronousTestCase):
    def test_events_split_anywhere_keep_their_offsets(self) -> None:
        data = b"*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
        for cut in range(len(data) + 1):
            parser = EventParser(100)
            events = parser.feed(data[:cut]) + parser.feed(data[cut:])
            self.assertEqual(
                [(e.offset, e.end, e.argv) for e in events],
                [(100, 114, (b"PING",)), (114, 100 + len(data), (b"SET", b"k", b""))],
            )
            self.assertEqual(parser.pending, 0)

    def test_bytes_that_are_not_commands_name_their_offset(self) -> None:
        parser = EventParser(7)
        with self.assertRaises(StreamError) as caught:
            parser.feed(b"*1\r\n$4\r\nPING\r\nPING\r\n")
        self.assertEqual(caught.exception.offset, 21)


class HelpTests(SynchronousTestCase):
    def test_help_documents_every_subcommand(self) -> None:
        result = run_tool("--help")
        self.assertEqual(result.status, 0)
        commands: Sequence[str] = ("verify", "events", "repair", "restore")
        for name in commands:
            self.assertIn(name, result.out)
            sub = run_tool(name, "--help")
            self.assertEqual(sub.status, 0)
            self.assertIn("DIR", sub.out)
        self.assertIn("--yes", run_tool("repair", "--help").out)
        self.assertIn("--raw", run_tool("events", "--help").out)
