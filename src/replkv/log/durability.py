"""A log's durable offset and the callbacks waiting for it (`appendfsync always`).

A log that syncs behind its appends (the disk log: group commit once per reactor turn)
owns one `DurableOffset`, calls `mark_durable(offset)` after each fsync, and forwards
`when_durable()` to it. The in-memory log does not need one: everything it holds is as
durable as it will ever be the moment it is appended.

Plain callbacks, no Deferreds: with `appendfsync always` there is one waiter per write.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable


class DurableOffset:
    """The durable offset, and waiters released in offset order as it advances."""

    def __init__(self, offset: int = 0) -> None:
        self.offset = offset
        # (offset, arrival number, callback): the number keeps equal offsets in arrival
        # order and spares heapq from ever comparing two callbacks.
        self._waiters: list[tuple[int, int, Callable[[], None]]] = []
        self._arrivals = 0

    def when_durable(self, offset: int, callback: Callable[[], None]) -> None:
        """Call callback at once if offset is durable, else when mark_durable reaches it."""
        if offset <= self.offset:
            callback()
            return
        self._arrivals += 1
        heapq.heappush(self._waiters, (offset, self._arrivals, callback))

    def mark_durable(self, offset: int) -> None:
        """Everything before offset is now on stable storage; release who waited for it.

        An older offset than the current one changes nothing (syncs may finish late).
        """
        if offset <= self.offset:
            return
        self.offset = offset
        waiters = self._waiters
        while waiters and waiters[0][0] <= offset:
            # Popped before the call, so a callback may add waiters safely.
            heapq.heappop(waiters)[2]()

    def reset(self, offset: int) -> None:
        """The log restarts at offset (full resync): release every waiter, in offset order.

        The history they waited for was replaced by a snapshot; holding their replies
        would hang their clients.
        """
        self.offset = offset
        waiters = self._waiters
        self._waiters = []
        waiters.sort()
        for _, _, callback in waiters:
            callback()

    @property
    def pending(self) -> int:
        """How many callbacks are waiting."""
        return len(self._waiters)
