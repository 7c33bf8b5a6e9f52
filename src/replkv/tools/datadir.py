"""A replkv data directory as the tools see it: the snapshot and the event log in it."""

from __future__ import annotations

import glob
import os

import attrs
from twisted.internet.task import Clock

from replkv.config import Config
from replkv.keyspace.keyspace import Keyspace
from replkv.log.manifest import MANIFEST_SUFFIX
from replkv.log.segments import LogCorruptError, LogScan, list_segments, scan_log
from replkv.rdb.format import RdbError
from replkv.rdb.reader import RdbInfo, load_rdb, read_aux
from replkv.rdb.values import Limits
from replkv.tools.errors import ToolError

DEFAULTS = Config()


@attrs.define
class DataDir:
    """The files of a data directory (`--dir`), named as replkv's defaults name them."""

    path: str
    dbfilename: str = DEFAULTS.dbfilename
    appenddirname: str = DEFAULTS.appenddirname

    @classmethod
    def open(cls, path: str) -> DataDir:
        """The data directory at path; ToolError if it is not a directory."""
        if not os.path.isdir(path):
            raise ToolError(f"{path} is not a directory")
        name = os.path.basename(os.path.normpath(path))
        if not os.path.isdir(os.path.join(path, DEFAULTS.appenddirname)) and list_segments(path):
            # The log's own directory, as start-up's messages name it: its parent is DIR.
            return cls(os.path.dirname(os.path.normpath(path)) or ".", appenddirname=name)
        return cls(path)

    @property
    def snapshot_path(self) -> str:
        return os.path.join(self.path, self.dbfilename)

    @property
    def log_path(self) -> str:
        return os.path.join(self.path, self.appenddirname)

    def has_snapshot(self) -> bool:
        return os.path.exists(self.snapshot_path)

    def has_log(self) -> bool:
        return os.path.isdir(self.log_path) and bool(list_segments(self.log_path))

    def snapshot_aux(self) -> RdbInfo | None:
        """The snapshot's header and AUX fields, None without a snapshot; ToolError if
        it is not an RDB file."""
        if not self.has_snapshot():
            return None
        try:
            with open(self.snapshot_path, "rb") as source:
                return read_aux(source)
        except (RdbError, OSError) as error:
            raise ToolError(f"{self.snapshot_path}: not a readable snapshot: {error}") from None

    def load_snapshot(self, keyspace: Keyspace) -> RdbInfo:
        """Load every key of the snapshot (expired ones too), checking its CRC."""
        try:
            with open(self.snapshot_path, "rb") as source:
                return load_rdb(source, keyspace, limits=Limits.from_config(DEFAULTS))
        except RdbError as error:
            raise ToolError(
                f"{self.snapshot_path}: damaged snapshot at file position {error.offset}: "
                f"{error.reason}"
            ) from None
        except OSError as error:
            raise ToolError(f"{self.snapshot_path}: {error.strerror}") from None

    def scan_log(self) -> LogScan:
        """The log's segments, verified read-only (the scan reports damage, see LogScan)."""
        if not self.has_log():
            raise ToolError(f"{self.path} holds no event log ({self.appenddirname}/ is empty)")
        try:
            return scan_log(self.log_path)
        except OSError as error:
            raise ToolError(f"{self.log_path}: {error}") from None

    def manifest_filename(self) -> str:
        """The AOF manifest's base name in the log directory (appendfilename)."""
        found = sorted(glob.glob(os.path.join(self.log_path, "*" + MANIFEST_SUFFIX)))
        if found:
            return os.path.basename(found[0])[: -len(MANIFEST_SUFFIX)]
        return DEFAULTS.appendfilename


def empty_keyspace() -> Keyspace:
    """A keyspace with the default number of databases, to load a snapshot into."""
    return Keyspace(DEFAULTS.databases, Clock())


def db_at_log_start(scan: LogScan, snapshot: RdbInfo | None) -> int | None:
    """The database the log's first event applies to, when it is known: 0 at offset 0
    (replay starts in db 0), the snapshot's repl-stream-db at its offset."""
    if scan.start == 0:
        return 0
    if snapshot is not None and snapshot.repl_offset == scan.start:
        return snapshot.repl_stream_db
    return None


def snapshot_offset(snapshot: RdbInfo | None, scan: LogScan | None) -> int | None:
    """The log offset the snapshot covers; as recovery reads it: without `repl-offset`,
    the log's end when the log starts at 0."""
    if snapshot is None:
        return None
    offset = snapshot.repl_offset
    if offset is None and scan is not None and scan.start == 0:
        return scan.end
    return offset


def describe(error: LogCorruptError) -> str:
    """A damage of the log in one line, without start-up's advice."""
    return (
        f"bad event log file {error.path} at file position {error.position} "
        f"(log offset {error.offset}): {error.reason}"
    )
