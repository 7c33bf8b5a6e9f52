"""The active expiry cycle (expire.c: activeExpireCycle()), on a master only.

Python dicts cannot be sampled at random, so each database is walked with a cursor over
a snapshot of its volatile keys, refreshed when the walk ends: every volatile key is
looked at within one pass, and each turn is bounded in keys and in time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from replkv.keyspace.database import Database
from replkv.keyspace.keyspace import Keyspace

KEYS_PER_LOOP = 20  # ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP
ACCEPTABLE_STALE = 10  # percent of expired keys in a sample that stops the loop
SLOW_TIME_PERC = 25  # share of each 1/hz period the cycle may take


class ActiveExpiry:
    """Deletes expired keys nobody reads, a bounded amount per call.

    `timer` measures the time budget of a call (seconds, any origin); tests pass their own.
    """

    def __init__(self, keyspace: Keyspace, timer: Callable[[], float] = time.perf_counter) -> None:
        self.keyspace = keyspace
        self._timer = timer
        self._snapshots: dict[int, list[bytes]] = {}
        self._cursors: dict[int, int] = {}
        self.stale_percent = 0.0

    def cycle(self, hz: int) -> int:
        """One turn; returns how many keys were deleted."""
        keyspace = self.keyspace
        if not keyspace.is_master:
            return 0
        budget = SLOW_TIME_PERC / 100 / max(hz, 1)
        deadline = self._timer() + budget
        deleted = sampled_total = expired_total = 0
        for db in keyspace.dbs:
            if not db.expires:
                continue
            while True:
                sampled, expired = self._sample(db)
                sampled_total += sampled
                expired_total += expired
                deleted += expired
                if sampled == 0 or expired * 100 <= sampled * ACCEPTABLE_STALE:
                    break
                if self._timer() > deadline:
                    return deleted
        if sampled_total:
            self.stale_percent = expired_total / sampled_total
        return deleted

    def _sample(self, db: Database) -> tuple[int, int]:
        snapshot = self._snapshots.get(db.id)
        cursor = self._cursors.get(db.id, 0)
        if snapshot is None or cursor >= len(snapshot):
            snapshot = self._snapshots[db.id] = list(db.expires)
            cursor = 0
        now = self.keyspace.now_ms()
        sampled = expired = 0
        end = min(cursor + KEYS_PER_LOOP, len(snapshot))
        for key in snapshot[cursor:end]:
            when = db.expires.get(key)
            if when is None:
                continue
            sampled += 1
            if when < now:  # now > when, as activeExpireCycleTryExpire()
                db.expire_now(key)
                expired += 1
        self._cursors[db.id] = end
        return sampled, expired
