"""SCAN cursors and RANDOMKEY samples over databases.

Python dicts have no positional access, so a SCAN iteration walks a copy of the key
list taken when it starts, and RANDOMKEY picks from a sampled copy refreshed as the
database changes; see KeyWalks for the guarantees.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from replkv.integers import ULLONG_MAX

if TYPE_CHECKING:
    from replkv.keyspace.database import Database

MAX_WALKS = 64  # SCAN iterations held at once, per keyspace
POSITION_BITS = 32
POSITION_MASK = (1 << POSITION_BITS) - 1
# RANDOMKEY re-samples the key list after len/SAMPLE_REUSE picks, or once the database
# grew by more than len/SAMPLE_REUSE keys: O(SAMPLE_REUSE) copying per call, amortized.
SAMPLE_REUSE = 16
SAMPLE_MISSES = 4  # picks of deleted keys in one call before re-sampling at once
RANDOM_TRIES = 100  # dbRandomKey(): maxtries on a replica whose keys are all volatile


class _Walk:
    """One SCAN iteration: the database's keys as they were when it started."""

    __slots__ = ("db_id", "keys")

    def __init__(self, db_id: int, keys: list[bytes]) -> None:
        self.db_id = db_id
        self.keys = keys


class _Sample:
    """The key list RANDOMKEY picks from, and how much it has been used."""

    __slots__ = ("source", "keys", "picks")

    def __init__(self, source: dict[bytes, Any]) -> None:
        self.source = source
        self.keys = list(source)
        self.picks = 0

    def stale(self, data: dict[bytes, Any]) -> bool:
        size = len(self.keys)
        return (
            data is not self.source
            or self.picks > size // SAMPLE_REUSE
            or len(data) > size + size // SAMPLE_REUSE
        )


class KeyWalks:
    """Per-keyspace state of SCAN iterations and RANDOMKEY samples.

    SCAN: Python dicts cannot resume an iteration after they change, nor seek to a
    position, so an iteration over a database larger than COUNT starts with one
    C-level copy of its key list (O(n), about 5 ms per million keys); every later
    call reads the next COUNT entries of that copy (O(COUNT)) and returns those still
    present. The cursor is `walk id << 32 | position`. Guarantee: every key present
    from the start of an iteration to its end is returned; keys added meanwhile may
    not be; a key is returned at most once per iteration. At most MAX_WALKS
    iterations are held (least recently used dropped); a cursor whose walk is gone
    (or any unknown cursor) starts a new walk from the beginning, which may return
    keys again but never misses one.

    RANDOMKEY: picks uniformly from a copy of the key list, refreshed as SAMPLE_REUSE
    describes, and at once when picks keep landing on deleted keys. Keys added since
    the copy are not candidates until it is refreshed.
    """

    def __init__(self) -> None:
        self.walks: OrderedDict[int, _Walk] = OrderedDict()
        self.next_id = 1
        self.samples: dict[int, _Sample] = {}
        self.random = random.Random()

    def start(self, db: Database) -> tuple[int, _Walk]:
        """A new iteration over db's current keys."""
        walk_id = self.next_id
        self.next_id = walk_id + 1 if walk_id < ULLONG_MAX >> POSITION_BITS else 1
        walk = _Walk(db.id, list(db.data))
        self.walks[walk_id] = walk
        if len(self.walks) > MAX_WALKS:
            self.walks.popitem(last=False)
        return walk_id, walk

    def resume(self, db: Database, cursor: int) -> tuple[int, _Walk, int] | None:
        """The walk and position a cursor names, or None if it names none."""
        walk_id = cursor >> POSITION_BITS
        walk = self.walks.get(walk_id)
        if walk is None or walk.db_id != db.id:
            return None
        position = cursor & POSITION_MASK
        if position >= len(walk.keys):
            return None
        self.walks.move_to_end(walk_id)
        return walk_id, walk, position

    def batch(self, db: Database, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """The next cursor and up to `count` candidate keys (maybe deleted since)."""
        data = db.data
        found = self.resume(db, cursor) if cursor else None
        if found is None:
            if len(data) <= count:  # all of it in one reply, as Redis does for small dicts
                return 0, list(data)
            walk_id, walk = self.start(db)
            position = 0
        else:
            walk_id, walk, position = found
        end = position + count
        keys = walk.keys[position:end]
        if end >= len(walk.keys):
            del self.walks[walk_id]
            return 0, keys
        return walk_id << POSITION_BITS | end, keys

    def pick(self, db: Database) -> bytes | None:
        """A uniformly chosen key of db's sample (maybe deleted or expired since)."""
        data = db.data
        sample = self.samples.get(db.id)
        if sample is None or sample.stale(data):
            sample = self.samples[db.id] = _Sample(data)
        if not sample.keys:
            return None
        sample.picks += 1
        return sample.keys[self.random.randrange(len(sample.keys))]

    def resample(self, db: Database) -> None:
        """Drop db's sample: too many of its keys are gone."""
        self.samples.pop(db.id, None)
