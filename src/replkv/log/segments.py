"""Segment files of the log on disk: names, batch framing, verification, reads by offset.

A segment is a Redis 7 AOF "incr" file: the event bytes exactly as appended (RESP
commands), preceded per batch (one flush: everything appended in one reactor turn) by an
annotation line that Redis's loader and `redis-check-aof` skip, as they skip every line
starting with `#`:

    #B <log offset of the batch> <length> <crc32 of the batch, 8 hex digits>\\r\\n

The annotation makes the file self-describing: a loader tells a torn tail (the file ends
inside the last batch) from corruption (a checksum mismatch, a bad header), and maps a log
offset to a file position without reading the events. A segment is named after the log
offset of its first byte, so start-up orders segments from the directory listing alone.
"""

from __future__ import annotations

import os
import re
import zlib
from bisect import bisect_right
from collections.abc import Iterator

SEGMENT_PREFIX = "replkv."
SEGMENT_SUFFIX = ".incr.aof"
SEGMENT_NAME = re.compile(r"replkv\.(\d{20})\.incr\.aof")

# An annotation line is short (Redis's loader reads '#' lines into a 128-byte buffer).
HEADER_MAX = 64
HEADER_LINE = re.compile(rb"#B (\d{1,20}) (\d{1,20}) ([0-9a-f]{8})\r\n")
# What the start of a header may look like when the file ends inside it (a torn write).
PARTIAL_HEADER = re.compile(rb"#(B( (\d{0,20}( (\d{0,20}( ([0-9a-f]{0,8}\r?)?)?)?)?)?)?)?")

# The sparse index keeps one entry per INDEX_STRIDE bytes of log (or more, when batches
# are larger): a read walks at most that far through batch headers to find its offset.
INDEX_STRIDE = 16 * 1024
# How much a read takes from the file at once when it walks through small batches.
READ_BLOCK = 64 * 1024

REPAIR_COMMAND = "python -m replkv.tools repair"


def segment_name(start_offset: int) -> str:
    """The file name of the segment whose first byte is at start_offset."""
    return f"{SEGMENT_PREFIX}{start_offset:020d}{SEGMENT_SUFFIX}"


def batch_header(offset: int, data: bytes | memoryview) -> bytes:
    """The annotation line that precedes a batch of events at offset."""
    return b"#B %d %d %08x\r\n" % (offset, len(data), zlib.crc32(data))


class LogCorruptError(Exception):
    """A segment is damaged: start-up stops (the message names file, offset and repair)."""

    def __init__(self, directory: str, path: str, position: int, offset: int, reason: str):
        self.path = path
        self.position = position
        self.offset = offset
        self.reason = reason
        super().__init__(
            f"Bad event log file {path} at file position {position} (log offset {offset}): "
            f"{reason}. Make a backup of {directory}, then repair it with: "
            f"{REPAIR_COMMAND} {directory}"
        )


class LogTruncatedError(LogCorruptError):
    """The last segment ends inside a batch and aof-load-truncated is no."""

    def __init__(self, directory: str, path: str, position: int, offset: int):
        super().__init__(
            directory,
            path,
            position,
            offset,
            "the file ends inside its last batch (a torn write); set aof-load-truncated yes "
            "to cut it off at start-up",
        )


class Segment:
    """One segment file: its log range [start, end), its size and its sparse index."""

    def __init__(self, path: str, start: int) -> None:
        self.path = path
        self.start = start
        self.end = start
        # Bytes of the file holding whole batches (the file is never longer once loaded).
        self.size = 0
        # Parallel lists: the log offset and file position of indexed batch headers.
        self.index_offsets: list[int] = []
        self.index_positions: list[int] = []
        self._fd: int | None = None

    def __repr__(self) -> str:
        return f"<Segment {os.path.basename(self.path)} [{self.start}, {self.end})>"

    def add_batch(self, offset: int, position: int, length: int) -> None:
        """A batch of length bytes at offset now starts at file position position."""
        offsets = self.index_offsets
        if not offsets or offset - offsets[-1] >= INDEX_STRIDE:
            offsets.append(offset)
            self.index_positions.append(position)
        self.end = offset + length

    def read(self, offset: int, max_bytes: int) -> bytes:
        """Up to max_bytes of events from offset (start <= offset < end), without headers."""
        i = bisect_right(self.index_offsets, offset) - 1
        batch_offset = self.index_offsets[i]
        position = self.index_positions[i]
        fd = self._fd
        if fd is None:
            fd = self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        chunks: list[bytes] = []
        wanted = max_bytes
        block = b""
        block_position = position
        while wanted > 0 and batch_offset < self.end:
            at = position - block_position
            newline = block.find(b"\r\n", at, at + HEADER_MAX)
            if newline < 0:
                block = os.pread(fd, READ_BLOCK + min(wanted, READ_BLOCK), position)
                block_position = position
                at = 0
                newline = block.find(b"\r\n", 0, HEADER_MAX)
                if newline < 0:
                    raise OSError(f"{self.path}: no batch header at file position {position}")
            # Written by this process or verified at load: the header is well formed.
            length = int(block[at:newline].split(b" ", 3)[2])
            data_position = position + newline - at + 2
            batch_end = batch_offset + length
            if batch_end > offset:
                skip = offset - batch_offset if offset > batch_offset else 0
                take = min(length - skip, wanted)
                begin = data_position - block_position + skip
                if begin + take <= len(block):
                    chunks.append(block[begin : begin + take])
                else:
                    chunks.append(os.pread(fd, take, data_position + skip))
                wanted -= take
            batch_offset = batch_end
            position = data_position + length
        return b"".join(chunks)

    def close(self) -> None:
        """Close the read descriptor, if open."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class SegmentScan:
    """What verifying a segment found: its batches, and where it stops being whole."""

    def __init__(
        self, segment: Segment, torn_at: int | None, error: LogCorruptError | None = None
    ) -> None:
        self.segment = segment
        # File position of a last batch cut short (the file ends inside it), or None.
        self.torn_at = torn_at
        # The first damage found (scan_segment_read_only() only; scan_segment() raises it).
        self.error = error


def scan_segment(directory: str, path: str, start: int) -> SegmentScan:
    """Read and verify a segment batch by batch: offsets, lengths and checksums.

    Returns the segment up to its last whole batch, and where a torn last batch begins.
    Raises LogCorruptError for anything else that is not a whole batch.
    """
    scan = scan_segment_read_only(directory, path, start)
    if scan.error is not None:
        raise scan.error
    return scan


def scan_segment_read_only(directory: str, path: str, start: int) -> SegmentScan:
    """scan_segment() that reports damage instead of raising it: the segment holds the
    whole batches before the damage, `error` says what and where it is."""
    segment = Segment(path, start)
    with open(path, "rb") as file:
        data = file.read()
    view = memoryview(data)
    size = len(data)
    position = 0
    offset = start
    # The loop runs once per batch (a million times for a million one-event turns): keep
    # it to one regex match, one checksum and a few integer operations.
    header = HEADER_LINE.match
    crc32 = zlib.crc32
    index_offsets = segment.index_offsets
    index_positions = segment.index_positions
    next_index = offset
    torn_at: int | None = None
    error: LogCorruptError | None = None
    try:
        while position < size:
            match = header(data, position)
            if match is None:
                torn_at = _torn_or_corrupt(directory, path, data, position, offset)
                break
            batch_offset, length, crc = match.groups()
            if int(batch_offset) != offset:
                raise LogCorruptError(
                    directory,
                    path,
                    position,
                    offset,
                    f"the batch says it is at log offset {int(batch_offset)}",
                )
            begin = match.end()
            end = begin + int(length)
            if end > size:
                torn_at = position
                break
            if crc32(view[begin:end]) != int(crc, 16):
                raise LogCorruptError(directory, path, position, offset, "checksum mismatch")
            if offset >= next_index:
                index_offsets.append(offset)
                index_positions.append(position)
                next_index = offset + INDEX_STRIDE
            offset += end - begin
            position = end
    except LogCorruptError as damage:
        error = damage
    finally:
        view.release()
    segment.end = offset
    segment.size = position if torn_at is None else torn_at
    return SegmentScan(segment, torn_at, error)


def _torn_or_corrupt(directory: str, path: str, data: bytes, position: int, offset: int) -> int:
    """No whole header at position: a torn one at the end of the file, or corruption."""
    newline = data.find(b"\r\n", position, position + HEADER_MAX)
    if newline < 0:
        rest = data[position : position + HEADER_MAX]
        if len(rest) < HEADER_MAX and PARTIAL_HEADER.fullmatch(rest):
            return position
        raise LogCorruptError(directory, path, position, offset, "no batch header")
    raise LogCorruptError(directory, path, position, offset, "bad batch header")


def list_segments(directory: str) -> list[tuple[int, str]]:
    """The segment files in directory as (start offset, path), oldest first."""
    found = sorted(
        (int(match[1]), name)
        for name in os.listdir(directory)
        if (match := SEGMENT_NAME.fullmatch(name)) is not None
    )
    return [(start, os.path.join(directory, name)) for start, name in found]


class LogScan:
    """What verifying the whole log found, read-only: its whole part and the first damage.

    `segments` are whole from the log's start up to the first problem (the damaged
    segment is included up to its last whole batch). `torn` is a torn last batch of the
    last segment; `error` the first other damage (a bad batch, a gap between segments,
    a torn batch in a segment that is not the last). At most one of them is set.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.segments: list[Segment] = []
        # The segment files the scan did not reach (after the damage), (start, path).
        self.unread: list[tuple[int, str]] = []
        self.torn: LogTruncatedError | None = None
        self.error: LogCorruptError | None = None

    @property
    def start(self) -> int:
        return self.segments[0].start

    @property
    def end(self) -> int:
        """The end of the whole part of the log."""
        return self.segments[-1].end

    @property
    def damaged_index(self) -> int:
        """The index in segments of the segment holding the damage (the last one read)."""
        return len(self.segments) - 1

    def close(self) -> None:
        for segment in self.segments:
            segment.close()


def scan_log(directory: str) -> LogScan:
    """Verify every segment of the log in directory without changing anything.

    The files are only read: unlike open_disk_log(), a torn tail is reported, not cut.
    Scanning stops at the first damage. Raises OSError (and FileNotFoundError when the
    directory holds no segment).
    """
    found = list_segments(directory)
    if not found:
        raise FileNotFoundError(f"no event log segment in {directory}")
    scan = LogScan(directory)
    for i, (start, path) in enumerate(found):
        if scan.segments and scan.segments[-1].end != start:
            previous = scan.segments[-1]
            scan.error = LogCorruptError(
                directory,
                path,
                0,
                start,
                f"the previous segment {os.path.basename(previous.path)} ends at log offset "
                f"{previous.end}, not where this one starts",
            )
            scan.unread = found[i:]
            break
        segment_scan = scan_segment_read_only(directory, path, start)
        segment = segment_scan.segment
        scan.segments.append(segment)
        if segment_scan.error is not None:
            scan.error = segment_scan.error
        elif segment_scan.torn_at is not None:
            if i == len(found) - 1:
                scan.torn = LogTruncatedError(directory, path, segment_scan.torn_at, segment.end)
            else:
                scan.error = LogCorruptError(
                    directory,
                    path,
                    segment_scan.torn_at,
                    segment.end,
                    "the file ends inside a batch but is not the last segment",
                )
        if scan.error is not None:
            scan.unread = found[i + 1 :]
            break
    return scan


def iter_batches(segment: Segment, end: int | None = None) -> Iterator[tuple[int, int, bytes]]:
    """The whole batches of a scanned segment as (file position, log offset, events),
    read-only, up to the batch that reaches end (default: the segment's end)."""
    stop = segment.end if end is None else min(end, segment.end)
    with open(segment.path, "rb") as file:
        data = file.read(segment.size)
    position = 0
    offset = segment.start
    while offset < stop:
        match = HEADER_LINE.match(data, position)
        if match is None:  # verified by the scan: only a file changed since then
            raise OSError(f"{segment.path}: no batch header at file position {position}")
        begin = match.end()
        length = int(match[2])
        yield position, offset, data[begin : begin + length]
        offset += length
        position = begin + length
