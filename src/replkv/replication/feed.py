"""Streaming to one replica connection: a snapshot file, then the log through a cursor.

`ReplicaFeed` is a push producer registered on the replica's transport, so Twisted's
flow control drives it: when the transport's buffer is full, `pauseProducing()` stops
the reading, and `resumeProducing()` goes on once the socket drained. What is unsent
is therefore bounded by the transport's buffer plus one chunk; the rest stays in the
log, where the cursor points (Redis's per-replica buffer, kept once for everyone).

Phases: `idle` (waiting for a snapshot; only `\\n` keepalives are written), `bulk`
(the snapshot file, after its `$<len>\\r\\n` header), `pipe` (a diskless payload the
transfer writes with `write_payload()`; a resume tells it to read on), `held` (the diskless
payload is written; the stream waits for the replica's first REPLCONF ACK), `stream` (the
log from the cursor, woken by the log once per reactor turn), `closed`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from twisted.internet.interfaces import IPushProducer
from zope.interface import implementer

from replkv.log.interfaces import OffsetNotRetained
from replkv.outbuf import pending_bytes

if TYPE_CHECKING:
    from replkv.log.interfaces import IEventCursor

# Bytes read from the log or the snapshot file per write.
CHUNK = 64 * 1024


@implementer(IPushProducer)
class ReplicaFeed:
    """Writes a snapshot payload and then the log from a cursor to one transport."""

    def __init__(
        self,
        transport: Any,
        *,
        on_lost: Callable[[str], None],
        on_bulk_done: Callable[[], None],
        on_gone: Callable[[], None],
        on_sent: Callable[[int], None] | None = None,
    ) -> None:
        self.transport = transport
        # The log fell out of retention under the cursor (reason for the log line).
        self._on_lost = on_lost
        # The whole snapshot is written: the replica is online.
        self._on_bulk_done = on_bulk_done
        # The connection is gone (Twisted calls stopProducing).
        self._on_gone = on_gone
        self._on_sent = on_sent
        self.phase = "idle"
        self.paused = False
        self.cursor: IEventCursor | None = None
        self._file: BinaryIO | None = None
        self.bulk_size = 0
        self.bulk_sent = 0
        self.sent = 0  # bytes of payload and stream written
        self._on_resume: Callable[[], None] | None = None
        transport.registerProducer(self, True)

    # -- what the master asks --------------------------------------------------------

    def keepalive(self) -> None:
        """A `\\n` while the replica waits for its snapshot (replicationCron())."""
        if self.phase == "idle":
            self.transport.write(b"\n")

    def write_line(self, line: bytes) -> None:
        """+FULLRESYNC / +CONTINUE: written before anything else."""
        self.transport.write(line)

    def follow(self, cursor: IEventCursor) -> None:
        """The stream to send once the snapshot (if any) is written."""
        self.cursor = cursor

    def send_snapshot(self, path: str) -> None:
        """Send the snapshot at path as `$<len>\\r\\n<bytes>`, then the stream."""
        source = open(path, "rb")  # noqa: SIM115 - closed when the bulk is written or lost
        self._file = source
        self.bulk_size = os.fstat(source.fileno()).st_size
        self.bulk_sent = 0
        self.phase = "bulk"
        self.transport.write(b"$%d\r\n" % self.bulk_size)
        self._pump()

    def start_pipe(self, on_resume: Callable[[], None]) -> None:
        """A diskless payload follows, written by its transfer; on_resume is called when
        the transport drained after a pause."""
        self.phase = "pipe"
        self._on_resume = on_resume
        self.bulk_size = self.bulk_sent = 0

    def write_payload(self, data: bytes) -> None:
        """A chunk of the diskless payload (the transfer reads it from the child's pipe)."""
        self.bulk_sent += len(data)
        self.sent += len(data)
        self.transport.write(data)
        if self._on_sent is not None:
            self._on_sent(len(data))

    def hold(self) -> None:
        """The diskless payload is written: the stream waits for start_stream()."""
        self.phase = "held"
        self.bulk_size = self.bulk_sent
        self._on_resume = None

    def start_stream(self) -> None:
        """Stream from the cursor now (a partial resync, or the snapshot is written)."""
        self.phase = "stream"
        if self.cursor is not None:
            self.cursor.set_wakeup(self.woken)
        self._pump()

    def unsent(self, end_offset: int) -> int:
        """Bytes not yet taken by the replica: the log past the cursor (end_offset is the
        log's end) plus what the transport still buffers, the snapshot included (Redis's
        replica output buffer, which holds the stream during a full sync)."""
        cursor = self.cursor
        behind = 0
        if cursor is not None and not cursor.lost:
            behind = end_offset - cursor.position
        return behind + pending_bytes(self.transport)

    def close(self) -> None:
        """Stop writing (the connection is being dropped)."""
        self._finish()

    # -- IPushProducer -----------------------------------------------------------------

    def pauseProducing(self) -> None:
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False
        if self.phase == "pipe":
            if self._on_resume is not None:
                self._on_resume()
            return
        self._pump()

    def stopProducing(self) -> None:
        if self.phase != "closed":
            self._finish()
            self._on_gone()

    # -- writing -----------------------------------------------------------------------

    def _pump(self) -> None:
        if self.phase == "bulk":
            self._pump_bulk()
        if self.phase == "stream":
            self._pump_stream()

    def _pump_bulk(self) -> None:
        source = self._file
        assert source is not None
        write = self.transport.write
        while not self.paused and self.phase == "bulk":
            data = source.read(min(CHUNK, self.bulk_size - self.bulk_sent))
            if not data:
                if self.bulk_sent < self.bulk_size:
                    self._finish()
                    self._on_lost("its snapshot file ended early")
                    return
                source.close()
                self._file = None
                self._on_bulk_done()
                if self.phase == "bulk":
                    self.start_stream()
                return
            self.bulk_sent += len(data)
            self.sent += len(data)
            write(data)
            if self._on_sent is not None:
                self._on_sent(len(data))

    def _pump_stream(self) -> None:
        cursor = self.cursor
        if cursor is None:
            return
        write = self.transport.write
        while not self.paused and self.phase == "stream":
            try:
                data, more = cursor.read(CHUNK)
            except OffsetNotRetained:
                self._finish()
                self._on_lost("its position is no longer held by the log")
                return
            if data:
                self.sent += len(data)
                write(data)
                if self._on_sent is not None:
                    self._on_sent(len(data))
            if not more:
                return  # the cursor is armed again: the log wakes us

    def woken(self) -> None:
        """The log has more (or lost the cursor): write on unless paused."""
        if self.phase == "stream":
            if self.cursor is not None and self.cursor.lost:
                self._finish()
                self._on_lost("its position is no longer held by the log")
                return
            if not self.paused:
                self._pump_stream()

    def _finish(self) -> None:
        self.phase = "closed"
        self._on_resume = None
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.cursor is not None:
            self.cursor.close()
