"""The databases: keys, values and expiry times. Only this package mutates data.

Values are plain Python objects chosen per type: a string is `bytes` (or `bytearray`
once APPEND/SETRANGE made it a mutable "raw" string, as Redis's sds does). Expiry times
are absolute milliseconds in a second dict, as Redis keeps `db->expires`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from replkv.client import Client
    from replkv.keyspace.keyspace import Keyspace
    from replkv.stats import Stats


class Database:
    """One numbered database (SELECT n)."""

    __slots__ = ("id", "data", "expires", "watched", "keyspace", "id_bytes", "stats")

    def __init__(self, db_id: int, keyspace: Keyspace, stats: Stats) -> None:
        self.id = db_id
        self.id_bytes = b"%d" % db_id
        self.data: dict[bytes, Any] = {}
        self.expires: dict[bytes, int] = {}
        # WATCHed keys → the clients watching them (multi.c: watched_keys).
        self.watched: dict[bytes, list[Client]] = {}
        self.keyspace = keyspace
        self.stats = stats

    # -- lookups ---------------------------------------------------------------------

    def get(self, key: bytes) -> Any:
        """The live value of key, or None (a read lookup: expired keys are not seen)."""
        value = self.data.get(key)
        if value is None:
            self.stats.keyspace_misses += 1
            return None
        if self.expires:
            when = self.expires.get(key)
            if when is not None and when < self.keyspace.now_ms():
                value = self._expired(key, value, write=False)
                if value is None:
                    self.stats.keyspace_misses += 1
                    return None
        self.stats.keyspace_hits += 1
        return value

    def get_for_write(self, key: bytes) -> Any:
        """Like get(), for a command about to modify key."""
        value = self.data.get(key)
        if value is not None and self.expires:
            when = self.expires.get(key)
            if when is not None and when < self.keyspace.now_ms():
                return self._expired(key, value, write=True)
        return value

    def _expired(self, key: bytes, value: Any, write: bool) -> Any:
        """db.c: expireIfNeeded(). Only a master deletes; a replica hides the key."""
        keyspace = self.keyspace
        if keyspace.obey_master:
            return value  # the master's stream sees keys as its master does
        if keyspace.expiry_paused:
            return None  # CLIENT PAUSE keeps the dataset constant: hidden, not deleted
        if keyspace.is_master:
            self.expire_now(key)
        elif write:
            self._remove(key)  # a writable replica's write drops it locally
        return None

    def expire_now(self, key: bytes) -> None:
        """Delete an expired key and propagate the deletion as `DEL key`."""
        self._remove(key)
        self.stats.expired_keys += 1
        self.keyspace.propagate_deletion(self, key)

    def exists(self, key: bytes) -> bool:
        """Whether key is live."""
        return self.get(key) is not None

    def ttl_ms(self, key: bytes) -> int | None:
        """The absolute expiry of key in ms, or None if it has none."""
        return self.expires.get(key)

    def __len__(self) -> int:
        return len(self.data)

    def keys(self) -> Iterator[bytes]:
        """All keys, expired or not (callers filter with is_expired)."""
        return iter(self.data)

    def is_expired(self, key: bytes, now_ms: int) -> bool:
        """Whether key expired before now_ms (db.c: keyIsExpired(): now > when)."""
        when = self.expires.get(key)
        return when is not None and when < now_ms

    # -- mutations -------------------------------------------------------------------

    def store(self, key: bytes, value: Any, keep_ttl: bool = False) -> None:
        """db.c: setKey(): set key to value, dropping its TTL unless keep_ttl."""
        self.data[key] = value
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)
        if self.watched:
            self.touch(key)

    def replace(self, key: bytes, value: Any) -> None:
        """Give an existing key a new value, keeping its TTL (APPEND, INCR, …)."""
        self.data[key] = value
        if self.watched:
            self.touch(key)

    def delete(self, key: bytes) -> bool:
        """Remove key; True if it existed (expired or not: callers look up first)."""
        if key not in self.data:
            return False
        self._remove(key)
        return True

    def _remove(self, key: bytes) -> None:
        del self.data[key]
        if self.expires:
            self.expires.pop(key, None)
        if self.watched:
            self.touch(key)

    def set_expire(self, key: bytes, when_ms: int) -> None:
        """Give key an absolute expiry time in ms."""
        self.expires[key] = when_ms
        if self.watched:
            self.touch(key)

    def persist(self, key: bytes) -> bool:
        """Remove key's expiry; True if it had one."""
        if self.expires.pop(key, None) is None:
            return False
        if self.watched:
            self.touch(key)
        return True

    def flush(self) -> int:
        """Remove every key; returns how many there were."""
        removed = len(self.data)
        # Watched keys that existed are touched once they are gone (touchAllWatchedKeysInDb).
        existed = [key for key in self.watched if key in self.data] if self.watched else []
        self.data = {}
        self.expires = {}
        for key in existed:
            self.touch(key)
        return removed

    # -- WATCH -----------------------------------------------------------------------

    def touch(self, key: bytes) -> None:
        """multi.c: touchWatchedKey(): a write to key aborts the watchers' EXEC.

        A key that was already expired when WATCHed and is now gone (deleted by
        expiry, or flushed) is no logical change: its flag is cleared instead.
        """
        clients = self.watched.get(key)
        if clients:
            for client in clients:
                if client.watched_expired and (self, key) in client.watched_expired:
                    if key not in self.data:
                        client.watched_expired.discard((self, key))
                        continue
                client.watch_dirty = True

    def touch_swapped(self, other: Database, now_ms: int) -> None:
        """SWAPDB: touch this database's watched keys, about to be replaced by other's.

        multi.c: touchAllWatchedKeysInDb(emptied, replaced_with), expired flags included.
        """
        for key, clients in self.watched.items():
            here = key in self.data
            there = key in other.data
            if not (here or there):
                continue
            there_expired = there and other.is_expired(key, now_ms)
            for client in clients:
                flagged = (self, key) in client.watched_expired
                if flagged:
                    if not there:
                        client.watched_expired.discard((self, key))
                        continue
                    if there_expired:
                        continue
                elif not here and there_expired:
                    client.watched_expired.add((self, key))
                    continue
                client.watch_dirty = True
