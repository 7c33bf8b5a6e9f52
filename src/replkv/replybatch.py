"""Replies whose events are appended to the log but not yet written to its file.

Redis writes its AOF once per event-loop turn, before it writes any reply
(beforeSleep(): flushAppendOnlyFile(), then handleClientsWithPendingWrites()). Here a
reply that follows unwritten events waits in the batch; at the end of the turn the
log is written once (one batch, one writev) and then every waiting reply leaves, in
the order the replies were made. Writing the log per reply instead costs a system
call (and a batch header) per client read under `appendfsync everysec` and `no`.
`appendfsync always` holds replies until the fsync instead (IEventLog.when_durable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from twisted.internet.interfaces import IDelayedCall

    from replkv.server import Server


class HeldClient(Protocol):
    def write_held(self, data: bytes) -> None: ...


class ReplyBatch:
    """Replies held until the log's end-of-turn write; one per server."""

    def __init__(self, server: Server) -> None:
        self._server = server
        self._held: list[tuple[HeldClient, bytes]] = []
        self._call: IDelayedCall | None = None

    def hold(self, client: HeldClient, data: bytes) -> None:
        """Send data to client once the events appended so far are written."""
        self._held.append((client, data))
        if self._call is None:
            self._call = self._server.clock.callLater(0, self.release)

    def release(self) -> None:
        """Write the log, then every held reply (in order)."""
        self._call = None
        self._server.log.flush()
        held = self._held
        self._held = []
        for client, data in held:
            client.write_held(data)
