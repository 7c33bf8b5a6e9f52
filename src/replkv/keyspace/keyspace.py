"""The keyspace: all databases, the clock they expire by, and the expiry rules."""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IReactorTime

from replkv.keyspace.database import Database
from replkv.keyspace.walks import KeyWalks
from replkv.stats import Stats


def _no_propagation(db: Database, key: bytes) -> None:
    """Default deletion sink, replaced by the server's propagation."""


class Keyspace:
    """The numbered databases and the state that governs their expiry."""

    def __init__(self, databases: int, clock: IReactorTime, stats: Stats | None = None) -> None:
        self.clock = clock
        self.stats = stats or Stats()
        self.dbs = [Database(i, self, self.stats) for i in range(databases)]
        # SCAN iterations and RANDOMKEY samples over these databases.
        self.walks = KeyWalks()
        # Only a master deletes expired keys (db.c: expireIfNeeded()); a replica hides them.
        self.is_master = True
        # True while applying a master's stream or a log replay: expired keys stay visible.
        self.obey_master = False
        # Called as (db, key) when an expired key is deleted, to emit `DEL key`.
        self.propagate_deletion: Callable[[Database, bytes], None] = _no_propagation
        # A fixed time while set (MULTI/EXEC, replays) so one unit sees one clock.
        self.frozen_ms: int | None = None
        # While clients are paused expired keys are hidden but not deleted (expireIfNeeded()).
        self.expiry_paused = False
        # Called as (db, key) when store() creates a key (dbAdd()'s `new` notification);
        # None while nobody listens, so store() pays one test.
        self.key_created: Callable[[Database, bytes], None] | None = None
        # Called as (db, key) when a read lookup misses (the `keymiss` notification);
        # None while nobody listens.
        self.key_missed: Callable[[Database, bytes], None] | None = None
        # Keys written while clients were blocked on them, in signal order
        # (server.ready_keys); served after the running unit (replkv/blocking.py).
        self.ready: dict[tuple[Database, bytes], None] = {}

    def now_ms(self) -> int:
        """The current time in ms, as expiry sees it."""
        frozen = self.frozen_ms
        if frozen is not None:
            return frozen
        return int(self.clock.seconds() * 1000)

    def swap(self, a: int, b: int) -> None:
        """SWAPDB: exchange the contents of two databases."""
        first, second = self.dbs[a], self.dbs[b]
        # Watchers stay with their database number and see the keys now there.
        now = self.now_ms()
        first.signal_swapped(second, now)
        second.signal_swapped(first, now)
        first.data, second.data = second.data, first.data
        first.expires, second.expires = second.expires, first.expires
        if first.blocking:
            first.signal_ready_keys()
        if second.blocking:
            second.signal_ready_keys()
