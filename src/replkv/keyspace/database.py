"""The databases: keys, values and expiry times. Only this package mutates data.

Values are plain Python objects chosen per type: a string is `bytes` (or `bytearray`
once APPEND/SETRANGE made it a mutable "raw" string, as Redis's sds does). Expiry times
are absolute milliseconds in a second dict, as Redis keeps `db->expires`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from replkv.keyspace.keyspace import Keyspace
    from replkv.stats import Stats


class KeyObserver(Protocol):
    """Told of changes to the keys it observes (WATCH now; blocked clients later)."""

    def key_modified(self, db: Database, key: bytes) -> None:
        """key was written, deleted, expired or flushed (db.c: signalModifiedKey())."""

    def key_swapped(self, db: Database, key: bytes, other: Database, now_ms: int) -> None:
        """SWAPDB is about to give db the contents of other."""


class Database:
    """One numbered database (SELECT n)."""

    __slots__ = ("id", "data", "expires", "observed", "blocking", "keyspace", "id_bytes", "stats")

    def __init__(self, db_id: int, keyspace: Keyspace, stats: Stats) -> None:
        self.id = db_id
        self.id_bytes = b"%d" % db_id
        self.data: dict[bytes, Any] = {}
        self.expires: dict[bytes, int] = {}
        # Observed keys → their observers (multi.c: watched_keys). Mutations test this
        # dict before signalling, so a database nobody watches pays one truth test.
        self.observed: dict[bytes, list[KeyObserver]] = {}
        # Keys clients are blocked on → the blocked entries, first blocked first
        # (db->blocking_keys; see replkv/blocking.py). Stores test it like `observed`.
        self.blocking: dict[bytes, list[Any]] = {}
        self.keyspace = keyspace
        self.stats = stats

    # -- lookups ---------------------------------------------------------------------

    def get(self, key: bytes) -> Any:
        """The live value of key, or None (a read lookup: expired keys are not seen)."""
        value = self.data.get(key)
        if value is None:
            return self._missed(key)
        if self.expires:
            when = self.expires.get(key)
            if when is not None and when < self.keyspace.now_ms():
                value = self._expired(key, value, write=False)
                if value is None:
                    return self._missed(key)
        self.stats.keyspace_hits += 1
        return value

    def _missed(self, key: bytes) -> None:
        """lookupKey()'s miss: counted, and announced as `keymiss` when asked."""
        self.stats.keyspace_misses += 1
        missed = self.keyspace.key_missed
        if missed is not None:
            missed(self, key)

    def get_without_notification(self, key: bytes) -> Any:
        """get() with LOOKUP_NONOTIFY, as OBJECT looks keys up: a miss is counted, not announced."""
        keyspace = self.keyspace
        missed, keyspace.key_missed = keyspace.key_missed, None
        try:
            return self.get(key)
        finally:
            keyspace.key_missed = missed

    def get_for_write(self, key: bytes) -> Any:
        """Like get(), for a command about to modify key."""
        value = self.data.get(key)
        if value is not None and self.expires:
            when = self.expires.get(key)
            if when is not None and when < self.keyspace.now_ms():
                return self._expired(key, value, write=True)
        return value

    def expire_if_needed(self, key: bytes) -> None:
        """db.c: expireIfNeeded() alone, as DEL uses it: a master deletes an expired key
        (emitting its DEL); a replica keeps it for the caller. Not a read: no stats."""
        if self.expires and self.is_expired(key, self.keyspace.now_ms()):
            keyspace = self.keyspace
            if keyspace.is_master and not keyspace.obey_master and not keyspace.expiry_paused:
                self.expire_now(key)

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
        created = self.keyspace.key_created
        if created is not None and key not in self.data:
            self.data[key] = value
            if self.observed:
                self.signal_modified(key)
            if self.blocking:
                self.signal_ready(key)
            created(self, key)
            return
        self.data[key] = value
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)
        if self.observed:
            self.signal_modified(key)
        if self.blocking:
            self.signal_ready(key)  # db.c: dbAdd()'s signalKeyAsReady()

    def replace(self, key: bytes, value: Any) -> None:
        """Give an existing key a new value, keeping its TTL (APPEND, INCR, …)."""
        self.data[key] = value
        if self.observed:
            self.signal_modified(key)

    def unshare(self, key: bytes, value: Any) -> None:
        """db.c: dbUnshareStringValue(): an equal, mutable copy of the value takes its
        place; nothing changed, so nobody is told."""
        self.data[key] = value

    def signal_ready(self, key: bytes) -> None:
        """db.c: signalKeyAsReady(): clients blocked on key get a look at it once the
        running unit ends (a stream that got entries, a key deleted or recreated)."""
        if key in self.blocking:
            self.keyspace.ready[(self, key)] = None

    def modified(self, key: bytes) -> None:
        """A container value was changed in place (LPUSH, HSET, …): tell observers."""
        if self.observed:
            self.signal_modified(key)

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
        if self.observed:
            self.signal_modified(key)
        if self.blocking:
            self.signal_ready(key)  # signalDeletedKeyAsReady()

    def set_expire(self, key: bytes, when_ms: int) -> None:
        """Give key an absolute expiry time in ms."""
        self.expires[key] = when_ms
        if self.observed:
            self.signal_modified(key)

    def persist(self, key: bytes) -> bool:
        """Remove key's expiry; True if it had one."""
        if self.expires.pop(key, None) is None:
            return False
        if self.observed:
            self.signal_modified(key)
        return True

    def flush(self) -> int:
        """Remove every key; returns how many there were."""
        removed = len(self.data)
        # Watched keys that existed are touched once they are gone (touchAllWatchedKeysInDb).
        existed = [key for key in self.observed if key in self.data] if self.observed else []
        for key in self.blocking:
            if key in self.data:
                self.keyspace.ready[(self, key)] = None  # signalDeletedKeyAsReady()
        self.data = {}
        self.expires = {}
        for key in existed:
            self.signal_modified(key)
        return removed

    # -- observers -------------------------------------------------------------------

    def observe(self, key: bytes, observer: KeyObserver) -> None:
        """Tell observer of every change to key."""
        self.observed.setdefault(key, []).append(observer)

    def unobserve(self, key: bytes, observer: KeyObserver) -> None:
        """Stop telling observer about key."""
        observers = self.observed.get(key)
        if observers is not None:
            observers.remove(observer)
            if not observers:
                del self.observed[key]

    def signal_modified(self, key: bytes) -> None:
        """db.c: signalModifiedKey(): key changed; tell its observers."""
        observers = self.observed.get(key)
        if observers:
            for observer in list(observers):
                observer.key_modified(self, key)

    def signal_ready_keys(self) -> None:
        """db.c: scanDatabaseForReadyKeys(): every blocked-on key that now exists."""
        for key in self.blocking:
            if key in self.data:
                self.keyspace.ready[(self, key)] = None

    def signal_swapped(self, other: Database, now_ms: int) -> None:
        """SWAPDB: this database is about to hold other's keys; tell every observer."""
        for key, observers in list(self.observed.items()):
            for observer in list(observers):
                observer.key_swapped(self, key, other, now_ms)
