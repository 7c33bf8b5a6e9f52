"""Receiving a full sync's snapshot: `$<len>\\r\\n<len bytes>` or `$EOF:<mark>\\r\\n…<mark>`.

replication.c: readSyncBulkPayload(). Before the `$` header a master may send bare
`\\n` keepalives (and a `-` line when it gives up). With the disk form the command
stream follows the last payload byte at once; with the EOF form the payload ends with
the same 40 bytes as the header's mark. Bytes are handed to a sink as they arrive
(a file), never gathered in memory; what follows the payload is returned.
"""

from __future__ import annotations

from collections.abc import Callable

EOF_MARK_SIZE = 40  # RDB_EOF_MARK_SIZE
# A header line longer than this is not a payload header.
MAX_HEADER = 1024


class PayloadError(Exception):
    """The master sent something that is not a payload; the message is Redis's log text."""


class PayloadReader:
    """Feed it the bytes after `+FULLRESYNC`; `done` once the payload has been read.

    `sink` receives the payload's bytes in order. `total` is -1 until the header is read,
    then the payload size (0 for the EOF form, whose size is unknown); `received` counts
    payload bytes read so far (with the EOF form, including the final mark).
    """

    def __init__(self, sink: Callable[[bytes], object]) -> None:
        self.sink = sink
        self.total = -1
        self.received = 0
        self.done = False
        self.eof_mark: bytes | None = None
        self._line = bytearray()
        # EOF form: payload bytes not yet given to the sink, as they may be the mark.
        self._held = bytearray()

    @property
    def header_read(self) -> bool:
        return self.total >= 0

    def feed(self, data: bytes) -> bytes:
        """Consume data; returns the bytes after the payload (empty until it ends)."""
        if self.done:
            return data
        if not self.header_read:
            data = self._read_header(data)
            if not self.header_read:
                return b""
        if self.eof_mark is None:
            return self._read_sized(data)
        return self._read_marked(data)

    def _read_header(self, data: bytes) -> bytes:
        """Skip keepalives; parse the `$` line. Returns what follows it."""
        while data:
            newline = data.find(b"\n")
            if newline < 0:
                self._line += data
                if len(self._line) > MAX_HEADER:
                    raise PayloadError("Bad protocol from MASTER, the first byte is not '$'")
                return b""
            self._line += data[:newline]
            data = data[newline + 1 :]
            line = bytes(self._line).rstrip(b"\r")
            self._line.clear()
            if not line:
                continue  # a keepalive from a master still preparing the snapshot
            self._parse_header(line)
            return data
        return b""

    def _parse_header(self, line: bytes) -> None:
        if line[:1] == b"-":
            raise PayloadError(
                "MASTER aborted replication with an error: " + line[1:].decode("utf-8", "replace")
            )
        if line[:1] != b"$":
            raise PayloadError(
                "Bad protocol from MASTER, the first byte is not '$' (we received '"
                + line.decode("utf-8", "replace")
                + "'), are you sure the host and port are right?"
            )
        if line.startswith(b"$EOF:"):
            mark = line[5:]
            # Redis uses the first 40 bytes of a longer mark; a shorter one it would read
            # as a 0-byte payload and then fail to load: refused here at once.
            if len(mark) < EOF_MARK_SIZE:
                raise PayloadError("Bad EOF mark from MASTER (shorter than 40 bytes)")
            self.eof_mark = mark[:EOF_MARK_SIZE]
            self.total = 0
            return
        try:
            size = int(line[1:])
        except ValueError:
            raise PayloadError("Bad payload length from MASTER") from None
        if size < 0:
            raise PayloadError("Bad payload length from MASTER")
        self.total = size
        if size == 0:
            self.done = True

    def _read_sized(self, data: bytes) -> bytes:
        wanted = self.total - self.received
        chunk, rest = data[:wanted], data[wanted:]
        if chunk:
            self.sink(chunk)
            self.received += len(chunk)
        if self.received == self.total:
            self.done = True
            return rest
        return b""

    def _read_marked(self, data: bytes) -> bytes:
        mark = self.eof_mark
        assert mark is not None
        held = self._held
        held += data
        at = held.find(mark)
        if at >= 0:
            if at:
                self.sink(bytes(held[:at]))
            rest = bytes(held[at + EOF_MARK_SIZE :])
            self.received += len(data) - len(rest)
            held.clear()
            self.done = True
            return rest
        self.received += len(data)
        # Keep the last bytes: they may be the start of the mark.
        keep = EOF_MARK_SIZE - 1
        if len(held) > keep:
            self.sink(bytes(held[:-keep]))
            del held[:-keep]
        return b""
