"""Diskless full sync: a forked child writes the snapshot into a pipe, the parent reads the
pipe on the reactor and writes each chunk to every replica sharing the transfer.

The payload is framed as `rdbSaveRioWithEOFMark()` does: `$EOF:<40 random hex>\\r\\n`, the
RDB, the same 40 characters; the child writes the whole frame, so the parent forwards
bytes as they come. Flow control: the pipe is read only while no replica transport is
paused, so the slowest replica sets the pace (the child blocks on the full pipe) and what
is buffered stays bounded by the transports' buffers plus one chunk.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from twisted.internet import fdesc
from twisted.internet.interfaces import IReadDescriptor
from twisted.python.failure import Failure
from zope.interface import implementer

from replkv.rdb.values import Limits
from replkv.rdb.writer import write_rdb

if TYPE_CHECKING:
    from replkv.config import Config
    from replkv.keyspace.keyspace import Keyspace
    from replkv.replication.master import AttachedReplica

# What one read of the pipe takes (PROTO_IOBUF_LEN in Redis is 16 KiB).
CHUNK = 64 * 1024
MARK_SIZE = 40  # CONFIG_RUN_ID_SIZE


def eof_mark() -> bytes:
    """40 random hex characters that end the payload."""
    return os.urandom(MARK_SIZE // 2).hex().encode()


def write_eof_payload(
    out: BinaryIO,
    mark: bytes,
    keyspace: Keyspace,
    aux: dict[bytes, bytes],
    config: Config,
    functions: Sequence[bytes] = (),
) -> None:
    """rdbSaveRioWithEOFMark(): `$EOF:<mark>\\r\\n`, the RDB, `<mark>`."""
    out.write(b"$EOF:" + mark + b"\r\n")
    write_rdb(
        keyspace,
        out,
        aux,
        compress=config.rdbcompression,
        checksum=config.rdbchecksum,
        limits=Limits.from_config(config),
        functions=functions,
    )
    out.write(mark)
    out.flush()


@implementer(IReadDescriptor)
class PipeTransfer:
    """The read end of one diskless child's pipe and the replicas it feeds."""

    def __init__(
        self,
        reactor: Any,
        fd: int,
        *,
        on_eof: Callable[[], None],
        on_error: Callable[[str], None],
    ) -> None:
        self.reactor = reactor
        self.fd = fd
        self.replicas: list[AttachedReplica] = []
        self.reading = False
        self.eof = False  # the child closed its end: everything was read
        self.child_ok = False  # the child exited with success before the pipe was drained
        self.size = 0
        self._on_eof = on_eof
        self._on_error = on_error
        fdesc.setNonBlocking(fd)

    # -- what the master does ----------------------------------------------------------

    def add(self, replica: AttachedReplica) -> None:
        self.replicas.append(replica)

    def remove(self, replica: AttachedReplica) -> None:
        """A replica left: the others go on (reading again if it was the paused one)."""
        if replica in self.replicas:
            self.replicas.remove(replica)
            self.resume()

    def start(self) -> None:
        self.resume()

    def resume(self) -> None:
        """Read the pipe again unless it is done or a replica transport is still full."""
        if self.reading or self.eof or self.fd == -1:
            return
        if any(_paused(replica) for replica in self.replicas):
            return
        self.reading = True
        self.reactor.addReader(self)

    def close(self) -> None:
        """Stop reading and close the pipe (done, or the transfer is abandoned)."""
        self._stop_reading()
        if self.fd != -1:
            os.close(self.fd)
            self.fd = -1

    def _stop_reading(self) -> None:
        if self.reading:
            self.reading = False
            self.reactor.removeReader(self)

    # -- IReadDescriptor ---------------------------------------------------------------

    def fileno(self) -> int:
        return self.fd

    def logPrefix(self) -> str:  # noqa: N802 - Twisted's name
        return "diskless-sync"

    def doRead(self) -> None:  # noqa: N802 - Twisted's name
        """rdbPipeReadHandler(): one chunk to every replica; stop while one is full."""
        try:
            data = os.read(self.fd, CHUNK)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EINTR):
                return
            self.close()
            self._on_error(f"Diskless rdb transfer, read error sending DB to replicas: {exc}")
            return
        if not data:
            self._done()
            return
        self.size += len(data)
        for replica in self.replicas:
            feed = replica.feed
            if feed is not None:
                feed.write_payload(data)
        if any(_paused(replica) for replica in self.replicas):
            self._stop_reading()

    def connectionLost(self, reason: Failure) -> None:  # noqa: N802 - Twisted's name
        """The reactor saw the pipe hang up with nothing left to read."""
        self.reading = False
        if not self.eof:
            self._done()

    def _done(self) -> None:
        self.eof = True
        self.close()
        self._on_eof()


def _paused(replica: AttachedReplica) -> bool:
    feed = replica.feed
    return feed is not None and feed.paused
