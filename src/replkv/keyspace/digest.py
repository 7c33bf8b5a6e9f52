"""The dataset digest of DEBUG DIGEST / DIGEST-VALUE, bit for bit as Redis 7.0 computes it.

debug.c: computeDatasetDigest(). Two primitives build every digest of 20 bytes:
xor (the digest ^= SHA1(data): order-free, for keys, set members, hash fields) and
mix (the digest = SHA1(digest ^ SHA1(data)): order-sensitive, for list elements and
the parts of one entry). A key's digest mixes its name, its type code and its value,
and is xor-ed with SHA1("!!expire!!") when the key has a TTL; the dataset digest mixes
each non-empty database's id (4 bytes, big endian) then xors in each key's digest.
Keys logically expired but not yet deleted count, as in Redis (it walks db->dict).

Value types register how they are digested, so new types slot in with their module.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from hashlib import sha1
from typing import TYPE_CHECKING, Any

from replkv.doubles import format_double

if TYPE_CHECKING:
    from replkv.keyspace.database import Database
    from replkv.keyspace.keyspace import Keyspace

ZERO = bytes(20)
EMPTY_HEX = b"0" * 40
EXPIRE_MARK = b"!!expire!!"

# server.h: OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET, OBJ_HASH, OBJ_STREAM.
OBJ_STRING = 0
OBJ_LIST = 1
OBJ_SET = 2
OBJ_ZSET = 3
OBJ_HASH = 4
OBJ_STREAM = 6

_TYPE_CODES = [n.to_bytes(4, "big") for n in range(7)]


def _xor20(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(20, "big")


def xor_digest(digest: bytes, data: bytes | bytearray) -> bytes:
    """debug.c: xorDigest(): digest ^ SHA1(data)."""
    return _xor20(digest, sha1(data).digest())


def mix_digest(digest: bytes, data: bytes | bytearray) -> bytes:
    """debug.c: mixDigest(): SHA1(digest ^ SHA1(data))."""
    return sha1(_xor20(digest, sha1(data).digest())).digest()


# -- value digests: (digest so far, value) -> digest ----------------------------------

ValueDigest = Callable[[bytes, Any], bytes]


def _string(digest: bytes, value: bytes | bytearray) -> bytes:
    return mix_digest(digest, value)


def _list(digest: bytes, value: Any) -> bytes:
    for element in value:  # head to tail: order matters
        digest = mix_digest(digest, element)
    return digest


def set_digest(digest: bytes, value: Any) -> bytes:
    """Members xor-ed in: order-free, each as its string (an intset's integers spelled out)."""
    for member in value:
        digest = xor_digest(digest, member)
    return digest


def hash_digest(digest: bytes, value: Any) -> bytes:
    """Digest of a hash: each field mixed with its value, xor-ed in (any order)."""
    for field, field_value in value.items():
        digest = xor_digest(digest, mix_digest(mix_digest(ZERO, field), field_value))
    return digest


def zset_digest(digest: bytes, pairs: Any) -> bytes:
    """Digest of a sorted set given its (member, score) pairs in any order."""
    for member, score in pairs:
        element = mix_digest(mix_digest(ZERO, member), format_double(score))
        digest = xor_digest(digest, element)
    return digest


# type(value) -> (OBJ_* code, digest function). Python's built-in containers stand for
# lists, hashes and sets; the sorted-set type registers itself when it exists.
_DIGESTS: dict[type, tuple[int, ValueDigest]] = {
    bytes: (OBJ_STRING, _string),
    bytearray: (OBJ_STRING, _string),
    list: (OBJ_LIST, _list),
    collections.deque: (OBJ_LIST, _list),
    set: (OBJ_SET, set_digest),
    frozenset: (OBJ_SET, set_digest),
    dict: (OBJ_HASH, hash_digest),
}


def register_type(value_type: type, type_code: int, digest: ValueDigest) -> None:
    """Teach the digest a value type (e.g. the sorted set, with zset_digest over its pairs)."""
    _DIGESTS[value_type] = (type_code, digest)


def _value_digest(digest: bytes, value: Any, has_expire: bool) -> bytes:
    """debug.c: xorObjectDigest(): type code, value, then the expire mark."""
    try:
        type_code, function = _DIGESTS[type(value)]
    except KeyError:
        raise TypeError(f"no digest rule for {type(value).__name__}") from None
    digest = mix_digest(digest, _TYPE_CODES[type_code])
    digest = function(digest, value)
    if has_expire:
        digest = xor_digest(digest, EXPIRE_MARK)
    return digest


def _entry_digest(db: Database, key: bytes, value: Any) -> bytes:
    return _value_digest(mix_digest(ZERO, key), value, key in db.expires)


def dataset_raw_digest(keyspace: Keyspace) -> bytes:
    """The 20-byte digest of every database."""
    final = ZERO
    for db in keyspace.dbs:
        if not db.data:
            continue
        final = mix_digest(final, db.id.to_bytes(4, "big"))
        # XOR of the entries, accumulated as an integer: the order of keys does not matter.
        acc = 0
        for key, value in db.data.items():
            acc ^= int.from_bytes(sha1(_entry_digest(db, key, value)).digest(), "big")
        final = _xor20(final, acc.to_bytes(20, "big"))
    return final


def dataset_digest(keyspace: Keyspace) -> bytes:
    """DEBUG DIGEST: 40 hex digits, all zeros for an empty dataset."""
    return dataset_raw_digest(keyspace).hex().encode()


def key_digest(db: Database, key: bytes) -> bytes:
    """DEBUG DIGEST-VALUE of one key: 40 hex digits, zeros when the key does not exist.

    Like Redis it looks the key up without expiring it, and leaves the key name out.
    """
    value = db.data.get(key)
    if value is None:
        return EMPTY_HEX
    return _value_digest(ZERO, value, key in db.expires).hex().encode()
