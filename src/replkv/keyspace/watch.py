"""WATCH: a client's watched keys, told of every change by the keys' databases.

multi.c: watchForKey(), touchWatchedKey(), touchAllWatchedKeysInDb(),
isWatchedKeyExpired(). A database signals `key_modified` for each write to an observed
key; WatchedKeys turns that into the client's "EXEC will fail" flag.
"""

from __future__ import annotations

from replkv.keyspace.database import Database


class WatchedKeys:
    """One client's WATCHed keys, and whether one of them changed since."""

    __slots__ = ("keys", "expired", "dirty")

    def __init__(self) -> None:
        self.keys: list[tuple[Database, bytes]] = []
        # Watched keys that were already expired when WATCHed (multi.c: watchedKey.expired).
        self.expired: set[tuple[Database, bytes]] = set()
        self.dirty = False

    def watch(self, db: Database, key: bytes, now_ms: int) -> None:
        """watchForKey(): observe key once, remembering if it is already expired."""
        entry = (db, key)
        if entry in self.keys:
            return
        db.observe(key, self)
        self.keys.append(entry)
        if key in db.data and db.is_expired(key, now_ms):
            self.expired.add(entry)

    def unwatch_all(self) -> None:
        """unwatchAllKeys(): forget every key and the dirty flag."""
        for db, key in self.keys:
            db.unobserve(key, self)
        self.keys = []
        self.expired.clear()
        self.dirty = False

    def any_expired(self, now_ms: int) -> bool:
        """isWatchedKeyExpired(): a key live at WATCH time has expired since."""
        for db, key in self.keys:
            if (db, key) in self.expired:
                continue  # already expired when WATCHed: not a change
            if key in db.data and db.is_expired(key, now_ms):
                return True
        return False

    def key_modified(self, db: Database, key: bytes) -> None:
        """touchWatchedKey(). A key that was already expired when WATCHed and is now
        gone (deleted by expiry, or flushed) is no logical change: its flag is cleared."""
        entry = (db, key)
        if self.expired and entry in self.expired and key not in db.data:
            self.expired.discard(entry)
            return
        self.dirty = True

    def key_swapped(self, db: Database, key: bytes, other: Database, now_ms: int) -> None:
        """SWAPDB: key in db is about to hold what other holds (touchAllWatchedKeysInDb
        with a replacement, expired flags included)."""
        here = key in db.data
        there = key in other.data
        if not (here or there):
            return
        entry = (db, key)
        there_expired = there and other.is_expired(key, now_ms)
        if entry in self.expired:
            if not there:
                self.expired.discard(entry)
                return
            if there_expired:
                return
        elif not here and there_expired:
            self.expired.add(entry)
            return
        self.dirty = True
