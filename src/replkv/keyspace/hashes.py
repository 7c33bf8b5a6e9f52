"""The hash value: a dict of field → value that remembers its OBJECT ENCODING, and HSCAN.

Redis keeps a small hash as a listpack and converts it, once and for good, to a hash
table when it holds more than hash-max-listpack-entries fields or is given a field
or value longer than hash-max-listpack-value bytes (t_hash.c: hashTypeTryConversion(),
hashTypeSet()). A Python dict keeps insertion order, which is a listpack's order, so
HGETALL and friends answer as Redis does while the hash is small.

HSCAN: a listpack hash is returned whole, with cursor 0, as Redis does. A hash-table
hash larger than COUNT is walked over a copy of its field list taken when the
iteration starts (dicts cannot resume an iteration after they change); the walks are
kept on the value itself, at most MAX_WALKS of them (the oldest dropped). The cursor
is `walk id << 32 | position`. Guarantee: every field present from the start of an
iteration to its end is returned exactly once; fields added meanwhile may not be. A
cursor naming no walk of this value starts a new walk from the beginning.
"""

from __future__ import annotations

from collections.abc import Iterable

from replkv.keyspace.digest import OBJ_HASH, hash_digest, register_type
from replkv.keyspace.values import ENCODINGS, TYPE_NAMES

MAX_WALKS = 16  # HSCAN iterations held at once, per hash
POSITION_BITS = 32
POSITION_MASK = (1 << POSITION_BITS) - 1
_WALK_ID_LIMIT = 1 << 31


class Hash(dict[bytes, bytes]):
    """A hash: fields to values, in insertion order; `hashtable` once converted."""

    __slots__ = ("hashtable", "walks")

    def __init__(self, items: Iterable[tuple[bytes, bytes]] = ()) -> None:
        super().__init__(items)
        self.hashtable = False
        # HSCAN walks over a hash-table hash: walk id → the fields it started with.
        self.walks: dict[int, list[bytes]] | None = None

    def copy(self) -> Hash:
        """A copy with the same encoding (object.c: hashTypeDup()); walks stay here."""
        duplicate = Hash(self.items())
        duplicate.hashtable = self.hashtable
        return duplicate


def hash_encoding(value: Hash) -> bytes:
    """OBJECT ENCODING of a hash."""
    return b"hashtable" if value.hashtable else b"listpack"


TYPE_NAMES[Hash] = b"hash"
ENCODINGS[Hash] = hash_encoding
register_type(Hash, OBJ_HASH, hash_digest)


_next_walk_id = 1


def _new_walk_id() -> int:
    global _next_walk_id
    walk_id = _next_walk_id
    _next_walk_id = walk_id + 1 if walk_id < _WALK_ID_LIMIT else 1
    return walk_id


def scan_batch(value: Hash, cursor: int, count: int) -> tuple[int, list[bytes]]:
    """The next cursor and up to `count` candidate fields (maybe deleted since)."""
    if not value.hashtable:
        return 0, list(value)  # a listpack is returned whole, whatever the cursor
    walks = value.walks
    if walks is None:
        walks = value.walks = {}
    walk = walks.get(cursor >> POSITION_BITS) if cursor else None
    walk_id = cursor >> POSITION_BITS
    position = cursor & POSITION_MASK
    if walk is None or position >= len(walk):
        if len(value) <= count:  # all of it in one reply, as Redis does for small tables
            return 0, list(value)
        walk_id = _new_walk_id()
        walk = walks[walk_id] = list(value)
        if len(walks) > MAX_WALKS:
            del walks[next(iter(walks))]
        position = 0
    end = position + count
    fields = walk[position:end]
    if end >= len(walk):
        del walks[walk_id]
        return 0, fields
    return walk_id << POSITION_BITS | end, fields
