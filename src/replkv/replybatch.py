"""Replies whose events are appended to the log but not yet written to its file.

Redis writes its AOF once per event-loop turn, before it writes any reply
(beforeSleep(): flushAppendOnlyFile(), then handleClientsWithPendingWrites()). Here a
reply that follows unwritten events waits in the batch; at the end of the turn the
log is written once (one batch, one writev: the log's own end-of-turn write, which
calls the batch back) and then every waiting reply leaves, in the order the replies
were made. Writing the log per reply instead costs a system
call (and a batch header) per client read under `appendfsync everysec` and `no`.
`appendfsync always` holds replies until the fsync instead (IEventLog.when_durable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from replkv.server import Server


class HeldClient(Protocol):
    def write_held(self, data: bytes) -> None: ...


class ReplyBatch:
    """Replies held until the log's end-of-turn write; one per server."""

    def __init__(self, server: Server) -> None:
        self._server = server
        self._held: list[tuple[HeldClient, bytes]] = []
        self._waiting = False

    def hold(self, client: HeldClient, data: bytes) -> None:
        """Send data to client once the events appended so far are written."""
        self._held.append((client, data))
        if not self._waiting:
            self._waiting = True
            self._server.log.after_flush(self.release)

    def release(self) -> None:
        """The log is written: every held reply leaves (in order)."""
        self._waiting = False
        held = self._held
        self._held = []
        for client, data in held:
            client.write_held(data)
