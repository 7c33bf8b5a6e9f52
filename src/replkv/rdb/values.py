"""One value in RDB form: what rdbSaveObjectType()/rdbSaveObject() write, and reading it back.

Writing follows Redis 7.0's choices, so the bytes match a redis-server holding the
same value in the same encoding: strings as rdbSaveRawString() does; lists as a
quicklist of listpack nodes split as RPUSH would fill them; intset sets as an intset
blob, other sets plainly; listpack hashes and sorted sets as listpack blobs, other
hashes plainly and skiplist sorted sets as ZSET_2 from the highest score down.

Streams are written and read by `replkv.rdb.streams`.

Reading accepts every type Redis 7.0 loads except modules (an RdbError names the
type), and leaves each value in the encoding Redis would give it after
loading, by the thresholds in `Limits`.
"""

from __future__ import annotations

import math
import struct
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs

from replkv.keyspace.hashes import Hash
from replkv.keyspace.sets import SetValue, built_set
from replkv.keyspace.stream import Stream
from replkv.keyspace.zset import ZSet, from_pairs
from replkv.rdb import containers, streams
from replkv.rdb.containers import lp_entry, lp_int_entry
from replkv.rdb.format import (
    CONTAINER_PACKED,
    CONTAINER_PLAIN,
    TYPE_HASH,
    TYPE_HASH_LISTPACK,
    TYPE_HASH_ZIPLIST,
    TYPE_HASH_ZIPMAP,
    TYPE_LIST,
    TYPE_LIST_QUICKLIST,
    TYPE_LIST_QUICKLIST_2,
    TYPE_LIST_ZIPLIST,
    TYPE_NAMES,
    TYPE_SET,
    TYPE_SET_INTSET,
    TYPE_STREAM_LISTPACKS,
    TYPE_STREAM_LISTPACKS_2,
    TYPE_STRING,
    TYPE_ZSET,
    TYPE_ZSET_2,
    TYPE_ZSET_LISTPACK,
    TYPE_ZSET_ZIPLIST,
    RdbError,
    encode_length,
    encode_string,
)
from replkv.rdb.parser import Parser

_DOUBLE = struct.Struct("<d")

# quicklist.c: optimization_level[], SIZE_SAFETY_LIMIT, SIZE_ESTIMATE_OVERHEAD, packed_threshold.
_OPTIMIZATION_LEVEL = (4096, 8192, 16384, 32768, 65536)
_SIZE_SAFETY_LIMIT = 8192
_SIZE_ESTIMATE_OVERHEAD = 8
PACKED_THRESHOLD = 1 << 30
_DOUBLE_INT_LIMIT = 4503599627370496.0  # 2**52: d2string() prints integers below it as such


@attrs.frozen
class Limits:
    """The encoding thresholds a loaded value is converted by (Redis's defaults)."""

    hash_max_listpack_entries: int = 512
    hash_max_listpack_value: int = 64
    set_max_intset_entries: int = 512
    zset_max_listpack_entries: int = 128
    zset_max_listpack_value: int = 64
    list_max_listpack_size: int = -2
    stream_node_max_entries: int = 100
    stream_node_max_bytes: int = 4096

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        """The thresholds of a replkv Config (or anything with the same attributes)."""
        return cls(
            config.hash_max_listpack_entries,
            config.hash_max_listpack_value,
            config.set_max_intset_entries,
            config.zset_max_listpack_entries,
            config.zset_max_listpack_value,
            config.list_max_listpack_size,
            stream_node_max_entries=config.stream_node_max_entries,
            stream_node_max_bytes=config.stream_node_max_bytes,
        )


DEFAULT_LIMITS = Limits()


# -- writing ---------------------------------------------------------------------------


def _string_value(value: bytes | bytearray, compress: bool, limits: Limits) -> tuple[int, bytes]:
    return TYPE_STRING, encode_string(value, compress)


def _node_allows(node_size: int, count: int, element_size: int, fill: int) -> bool:
    """quicklist.c: _quicklistNodeAllowInsert() for a packed node (its size estimate)."""
    new_size = node_size + element_size + _SIZE_ESTIMATE_OVERHEAD
    if fill < 0:
        level = -fill - 1
        if level < len(_OPTIMIZATION_LEVEL) and new_size <= _OPTIMIZATION_LEVEL[level]:
            return True
    if new_size > _SIZE_SAFETY_LIMIT:
        return False
    return count < fill


def quicklist_nodes(value: Any, fill: int) -> list[tuple[int, bytes]]:
    """The list's nodes as pushing its elements at the tail one by one would build them:
    (container, blob) with a listpack blob for PACKED nodes, the element for PLAIN ones."""
    nodes: list[tuple[int, bytes]] = []
    entries: list[bytes] = []
    node_size = 0  # the open node's listpack size; 0 when there is no open node
    for element in value:
        size = len(element)
        if size >= PACKED_THRESHOLD:
            if entries:
                nodes.append((CONTAINER_PACKED, containers.listpack(entries)))
                entries = []
                node_size = 0
            nodes.append((CONTAINER_PLAIN, bytes(element)))
            continue
        if node_size and not _node_allows(node_size, len(entries), size, fill):
            nodes.append((CONTAINER_PACKED, containers.listpack(entries)))
            entries = []
            node_size = 0
        if not node_size:
            node_size = containers.LP_HEADER_SIZE + 1
        entry = lp_entry(element)
        entries.append(entry)
        node_size += len(entry)
    if entries:
        nodes.append((CONTAINER_PACKED, containers.listpack(entries)))
    return nodes


def _list_value(value: Any, compress: bool, limits: Limits) -> tuple[int, bytes]:
    nodes = quicklist_nodes(value, limits.list_max_listpack_size)
    parts = [encode_length(len(nodes))]
    for container, blob in nodes:
        parts.append(encode_length(container))
        parts.append(encode_string(blob, compress))
    return TYPE_LIST_QUICKLIST_2, b"".join(parts)


def _set_value(value: SetValue, compress: bool, limits: Limits) -> tuple[int, bytes]:
    if not value.hashtable:
        blob = containers.intset(int(member) for member in value)
        return TYPE_SET_INTSET, encode_string(blob, compress)
    parts = [encode_length(len(value))]
    parts.extend(encode_string(member, compress) for member in value)
    return TYPE_SET, b"".join(parts)


def _hash_value(value: Hash, compress: bool, limits: Limits) -> tuple[int, bytes]:
    if not value.hashtable:
        entries = []
        for field, field_value in value.items():
            entries.append(lp_entry(field))
            entries.append(lp_entry(field_value))
        return TYPE_HASH_LISTPACK, encode_string(containers.listpack(entries), compress)
    parts = [encode_length(len(value))]
    for field, field_value in value.items():
        parts.append(encode_string(field, compress))
        parts.append(encode_string(field_value, compress))
    return TYPE_HASH, b"".join(parts)


def score_entry(score: float) -> bytes:
    """The listpack entry of a score: d2string() output, stored as lpAppend() stores it."""
    if score == 0.0:
        return lp_int_entry(0)
    if -_DOUBLE_INT_LIMIT < score < _DOUBLE_INT_LIMIT and score == int(score):
        return lp_int_entry(int(score))
    if math.isinf(score):
        return lp_entry(b"inf" if score > 0 else b"-inf")
    return lp_entry(b"%.17g" % score)


def _zset_value(value: ZSet, compress: bool, limits: Limits) -> tuple[int, bytes]:
    if value.listpack:
        entries = []
        for score, member in value.order:
            entries.append(lp_entry(member))
            entries.append(score_entry(score))
        return TYPE_ZSET_LISTPACK, encode_string(containers.listpack(entries), compress)
    pack = _DOUBLE.pack
    parts = [encode_length(len(value))]
    for score, member in reversed(value.order):
        parts.append(encode_string(member, compress))
        parts.append(pack(score))
    return TYPE_ZSET_2, b"".join(parts)


_WRITERS: dict[type, Callable[[Any, bool, Limits], tuple[int, bytes]]] = {
    bytes: _string_value,
    bytearray: _string_value,
    deque: _list_value,
    SetValue: _set_value,
    Hash: _hash_value,
    ZSet: _zset_value,
    Stream: streams.encode_stream,
}


def encode_value(value: Any, compress: bool, limits: Limits = DEFAULT_LIMITS) -> tuple[int, bytes]:
    """(type byte, serialized value) as rdbSaveObjectType() and rdbSaveObject() write them."""
    try:
        writer = _WRITERS[type(value)]
    except KeyError:
        raise TypeError(f"no RDB form for {type(value).__name__}") from None
    return writer(value, compress, limits)


# -- reading ---------------------------------------------------------------------------


def _hash_from_pairs(flat: list[bytes], limits: Limits, start: int) -> Hash | None:
    value = Hash(zip(flat[0::2], flat[1::2], strict=False))
    if len(value) * 2 != len(flat):
        if len(flat) % 2:
            raise RdbError("hash blob with an odd number of entries", start)
        raise RdbError("duplicate hash fields", start)
    if not value:
        return None
    value.hashtable = len(value) > limits.hash_max_listpack_entries or any(
        len(item) > limits.hash_max_listpack_value for item in flat
    )
    return value


def _zset_from_pairs(pairs: list[tuple[bytes, float]], limits: Limits, start: int) -> ZSet | None:
    if not pairs:
        return None
    value = from_pairs(pairs, limits.zset_max_listpack_entries, limits.zset_max_listpack_value)
    if len(value) != len(pairs):
        raise RdbError("duplicate sorted set members", start)
    return value


def _score(text: bytes, start: int) -> float:
    try:
        score = float(text)
    except ValueError:
        raise RdbError(f"invalid sorted set score {text!r}", start) from None
    if math.isnan(score):
        raise RdbError("NaN sorted set score", start)
    return score


def _zset_from_flat(flat: list[bytes], limits: Limits, start: int) -> ZSet | None:
    if len(flat) % 2:
        raise RdbError("sorted set blob with an odd number of entries", start)
    pairs = [
        (member, _score(score, start)) for member, score in zip(flat[0::2], flat[1::2], strict=True)
    ]
    return _zset_from_pairs(pairs, limits, start)


def _read_list(p: Parser, rdb_type: int, limits: Limits) -> deque[bytes] | None:
    value: deque[bytes] = deque()
    if rdb_type == TYPE_LIST:
        for _ in range(p.length()):
            value.append(p.string())
    elif rdb_type == TYPE_LIST_QUICKLIST_2:
        for _ in range(p.length()):
            start = p.pos
            container = p.length()
            blob = p.string()
            if container == CONTAINER_PLAIN:
                value.append(blob)
            elif container == CONTAINER_PACKED:
                value.extend(containers.parse_listpack(blob, start))
            else:
                raise RdbError(f"invalid quicklist node container {container}", start)
    elif rdb_type == TYPE_LIST_QUICKLIST:
        for _ in range(p.length()):
            start = p.pos
            value.extend(containers.parse_ziplist(p.string(), start))
    else:  # TYPE_LIST_ZIPLIST
        start = p.pos
        value.extend(containers.parse_ziplist(p.string(), start))
    return value or None


def _read_set(p: Parser, rdb_type: int, limits: Limits) -> SetValue | None:
    start = p.pos
    if rdb_type == TYPE_SET:
        count = p.length()
        members = [p.string() for _ in range(count)]
    else:  # TYPE_SET_INTSET
        members = containers.parse_intset(p.string(), start)
    value = built_set(members, limits.set_max_intset_entries)
    if len(value) != len(members):
        raise RdbError("duplicate set members", start)
    return value or None


def _read_hash(p: Parser, rdb_type: int, limits: Limits) -> Hash | None:
    start = p.pos
    if rdb_type == TYPE_HASH:
        count = p.length()
        flat = []
        string = p.string
        for _ in range(count):
            flat.append(string())
            flat.append(string())
    elif rdb_type == TYPE_HASH_LISTPACK:
        flat = containers.parse_listpack(p.string(), start)
    elif rdb_type == TYPE_HASH_ZIPLIST:
        flat = containers.parse_ziplist(p.string(), start)
    else:  # TYPE_HASH_ZIPMAP
        flat = containers.parse_zipmap(p.string(), start)
    return _hash_from_pairs(flat, limits, start)


def _read_zset(p: Parser, rdb_type: int, limits: Limits) -> ZSet | None:
    start = p.pos
    if rdb_type == TYPE_ZSET_2 or rdb_type == TYPE_ZSET:
        count = p.length()
        read_score = p.binary_double if rdb_type == TYPE_ZSET_2 else p.string_double
        pairs = []
        for _ in range(count):
            member = p.string()
            at = p.pos
            score = read_score()
            if math.isnan(score):
                raise RdbError("NaN sorted set score", at)
            pairs.append((member, score))
        return _zset_from_pairs(pairs, limits, start)
    if rdb_type == TYPE_ZSET_LISTPACK:
        flat = containers.parse_listpack(p.string(), start)
    else:  # TYPE_ZSET_ZIPLIST
        flat = containers.parse_ziplist(p.string(), start)
    return _zset_from_flat(flat, limits, start)


def _read_string(p: Parser, rdb_type: int, limits: Limits) -> bytes:
    return p.string()


_READERS: dict[int, Callable[[Parser, int, Limits], Any]] = {
    TYPE_STRING: _read_string,
    TYPE_LIST: _read_list,
    TYPE_LIST_ZIPLIST: _read_list,
    TYPE_LIST_QUICKLIST: _read_list,
    TYPE_LIST_QUICKLIST_2: _read_list,
    TYPE_SET: _read_set,
    TYPE_SET_INTSET: _read_set,
    TYPE_HASH: _read_hash,
    TYPE_HASH_LISTPACK: _read_hash,
    TYPE_HASH_ZIPLIST: _read_hash,
    TYPE_HASH_ZIPMAP: _read_hash,
    TYPE_ZSET: _read_zset,
    TYPE_ZSET_2: _read_zset,
    TYPE_ZSET_LISTPACK: _read_zset,
    TYPE_ZSET_ZIPLIST: _read_zset,
    TYPE_STREAM_LISTPACKS: streams.read_stream,
    TYPE_STREAM_LISTPACKS_2: streams.read_stream,
}


def is_value_type(code: int) -> bool:
    """rdbIsObjectType() for Redis 7.0: 0..7 and 9..19."""
    return 0 <= code <= 19 and code != 8


def read_value(p: Parser, rdb_type: int, limits: Limits) -> Any:
    """rdbLoadObject(): the value of type rdb_type at p, or None for an empty collection."""
    reader = _READERS.get(rdb_type)
    if reader is None:
        name = TYPE_NAMES.get(rdb_type)
        if name is None:
            raise RdbError(f"unknown value type {rdb_type}", p.pos - 1)
        raise RdbError(f"unsupported value type {rdb_type} ({name})", p.pos - 1)
    return reader(p, rdb_type, limits)
