"""Streams in RDB form (rdb.c: rdbSaveObject()/rdbLoadObject() for OBJ_STREAM).

Redis keeps a stream's entries in a radix tree of listpacks, each keyed by its master
id (16 bytes, big-endian) and holding a master entry followed by delta-encoded entries
(t_stream.c: streamAppendItem()). replkv keeps entries in a SortedDict, so writing
rebuilds the listpacks as appending every live entry in id order would fill them,
split by `stream-node-max-entries` and `stream-node-max-bytes`: for a stream built by
XADD alone that is Redis's own layout, byte for byte. Entries a Redis payload marks
deleted are dropped on reading, so a stream that had XDEL/XTRIM comes back out with
the same entries in freshly packed nodes.

Reading checks what rdbLoadObject() and the deep streamValidateListpackIntegrity()
check, and a little more where replkv's model cannot hold the inconsistency (a length
that is not the number of live entries, a pending entry no consumer owns): each is an
RdbError, which RESTORE answers with "Bad data format".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sortedcontainers import SortedDict

from replkv.integers import string_to_ll
from replkv.keyspace.stream import (
    ENTRIES_READ_INVALID,
    MAX_ID,
    UINT64_MAX,
    Consumer,
    ConsumerGroup,
    PendingEntry,
    Stream,
    make_id,
)
from replkv.rdb import containers
from replkv.rdb.containers import lp_entry, lp_int_entry
from replkv.rdb.format import TYPE_STREAM_LISTPACKS_2, RdbError, encode_length, encode_string
from replkv.rdb.parser import Parser

if TYPE_CHECKING:
    from replkv.rdb.values import Limits

# t_stream.c: STREAM_ITEM_FLAG_*, STREAM_LISTPACK_MAX_SIZE.
FLAG_NONE = 0
FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2
LISTPACK_MAX_SIZE = 1 << 30
_INT64_SIGN = 1 << 63
_TWO64 = 1 << 64
_ZERO = lp_int_entry(0)
_NONE = lp_int_entry(FLAG_NONE)
_SAMEFIELDS = lp_int_entry(FLAG_SAMEFIELDS)


def _int64(value: int) -> int:
    """A uint64 as C reads it back into an int64_t."""
    value &= UINT64_MAX
    return value - _TWO64 if value >= _INT64_SIGN else value


# -- writing ---------------------------------------------------------------------------


def _listpack(count: int, body: list[bytes], elements: int) -> bytes:
    """A node's listpack: its entry count, then body (already encoded) of elements."""
    data = lp_int_entry(count) + b"".join(body)
    total = containers.LP_HEADER_SIZE + len(data) + 1
    elements = min(elements + 1, containers.LP_UNKNOWN_COUNT)
    return total.to_bytes(4, "little") + elements.to_bytes(2, "little") + data + b"\xff"


def stream_nodes(stream: Stream, max_entries: int, max_bytes: int) -> list[tuple[int, bytes]]:
    """(master id, listpack) of each node, as streamAppendItem() fills them entry by entry.

    A node is closed when the next entry would bring it to max_bytes (its listpack
    size plus the entry's fields and values) or when it holds max_entries entries;
    0 means no limit for either (max_bytes then caps at 1 GiB as in Redis).
    """
    if max_bytes <= 0 or max_bytes > LISTPACK_MAX_SIZE:
        max_bytes = LISTPACK_MAX_SIZE
    if max_entries <= 0:
        max_entries = -1  # never reached
    nodes: list[tuple[int, bytes]] = []
    master_id = -1
    master_ms = master_seq = 0
    master_fields: list[bytes] = []
    count = 0
    body: list[bytes] = []  # the node's encoded elements after its count, in chunks
    elements = 0  # how many elements body holds
    size = 0  # bytes of body
    frame = containers.LP_HEADER_SIZE + 1
    for sid, flat in stream.entries.items():
        fields = flat[0::2]
        if master_id >= 0 and (
            count == max_entries
            or frame + len(lp_int_entry(count)) + size + sum(map(len, flat)) >= max_bytes
        ):
            nodes.append((master_id, _listpack(count, body, elements)))
            master_id = -1
        if master_id < 0:
            # A new node: its master entry is (deleted 0, field count, fields, 0).
            master_id = sid
            master_ms = sid >> 64
            master_seq = sid & UINT64_MAX
            master_fields = fields
            count = 0
            head = b"".join([_ZERO, lp_int_entry(len(fields)), *map(lp_entry, fields), _ZERO])
            body = [head]
            elements = len(fields) + 3
            size = len(head)
        numfields = len(fields)
        ms_delta = lp_int_entry(_int64((sid >> 64) - master_ms))
        seq_delta = lp_int_entry(_int64((sid & UINT64_MAX) - master_seq))
        if fields == master_fields:
            entry = b"".join(
                [_SAMEFIELDS, ms_delta, seq_delta, *map(lp_entry, flat[1::2]),
                 lp_int_entry(numfields + 3)]
            )  # fmt: skip
            elements += numfields + 4
        else:
            entry = b"".join(
                [_NONE, ms_delta, seq_delta, lp_int_entry(numfields), *map(lp_entry, flat),
                 lp_int_entry(2 * numfields + 4)]
            )  # fmt: skip
            elements += 2 * numfields + 5
        body.append(entry)
        size += len(entry)
        count += 1
    if master_id >= 0:
        nodes.append((master_id, _listpack(count, body, elements)))
    return nodes


def _id_lengths(sid: int) -> bytes:
    return encode_length(sid >> 64) + encode_length(sid & UINT64_MAX)


def _ms_time(value: int) -> bytes:
    """rdbSaveMillisecondTime(): 8 bytes little-endian."""
    return (value & UINT64_MAX).to_bytes(8, "little")


def encode_stream(stream: Stream, compress: bool, limits: Limits) -> tuple[int, bytes]:
    """RDB_TYPE_STREAM_LISTPACKS_2 as rdbSaveObject() writes it."""
    nodes = stream_nodes(stream, limits.stream_node_max_entries, limits.stream_node_max_bytes)
    parts = [encode_length(len(nodes))]
    for master_id, blob in nodes:
        parts.append(encode_string(master_id.to_bytes(16, "big"), compress))
        parts.append(encode_string(blob, compress))
    parts.append(encode_length(len(stream.entries)))
    parts.append(_id_lengths(stream.last_id))
    parts.append(_id_lengths(stream.first_id))
    parts.append(_id_lengths(stream.max_deleted_id))
    parts.append(encode_length(stream.entries_added))
    groups = stream.groups
    parts.append(encode_length(len(groups)))
    for name in sorted(groups):  # the cgroups rax: byte order
        group = groups[name]
        parts.append(encode_string(name, compress))
        parts.append(_id_lengths(group.last_id))
        parts.append(encode_length(group.entries_read & UINT64_MAX))
        parts.append(encode_length(len(group.pel)))
        for sid, nack in group.pel.items():
            parts.append(sid.to_bytes(16, "big"))
            parts.append(_ms_time(nack.delivery_time))
            parts.append(encode_length(nack.delivery_count))
        consumers = group.consumers
        parts.append(encode_length(len(consumers)))
        for cname in sorted(consumers):
            consumer = consumers[cname]
            parts.append(encode_string(cname, compress))
            parts.append(_ms_time(consumer.seen_time))
            parts.append(encode_length(len(consumer.pel)))
            parts.extend(sid.to_bytes(16, "big") for sid in consumer.pel)
    return TYPE_STREAM_LISTPACKS_2, b"".join(parts)


# -- reading ---------------------------------------------------------------------------


def _integer(elements: list[bytes], at: int, base: int) -> int:
    """lpGetIntegerIfValid() of a listpack element, or RdbError."""
    try:
        value = string_to_ll(elements[at])
    except IndexError:
        raise RdbError("Stream listpack integrity check failed: entry cut short", base) from None
    if value is None:
        raise RdbError("Stream listpack integrity check failed: not an integer", base)
    return value


def _read_node(master_id: int, blob: bytes, base: int, out: list[tuple[int, list[bytes]]]) -> None:
    """Append the live entries of one node's listpack to out (streamValidateListpackIntegrity())."""
    elements = containers.parse_listpack(blob, base)
    if not elements:
        raise RdbError("Empty listpack inside stream", base)
    count = _integer(elements, 0, base)
    deleted = _integer(elements, 1, base)
    master_count = _integer(elements, 2, base)
    if count < 0 or deleted < 0 or master_count < 0:
        raise RdbError("Stream listpack integrity check failed: negative count", base)
    pos = 3 + master_count
    master_fields = elements[3:pos]
    if _integer(elements, pos, base) != 0:
        raise RdbError("Stream listpack integrity check failed: no master terminator", base)
    pos += 1
    master_ms = master_id >> 64
    master_seq = master_id & UINT64_MAX
    live = 0
    total = len(elements)
    for _ in range(count + deleted):
        flags = _integer(elements, pos, base)
        ms = (master_ms + _integer(elements, pos + 1, base)) & UINT64_MAX
        seq = (master_seq + _integer(elements, pos + 2, base)) & UINT64_MAX
        pos += 3
        if flags & FLAG_SAMEFIELDS:
            fields = master_count
            values = elements[pos : pos + fields]
            pos += fields
            flat = [part for pair in zip(master_fields, values, strict=False) for part in pair]
            expected = fields + 3
        else:
            fields = _integer(elements, pos, base)
            if fields < 0:
                raise RdbError("Stream listpack integrity check failed: negative count", base)
            flat = elements[pos + 1 : pos + 1 + 2 * fields]
            pos += 1 + 2 * fields
            expected = 2 * fields + 4
        if pos >= total or len(flat) != 2 * fields:
            raise RdbError("Stream listpack integrity check failed: entry cut short", base)
        if _integer(elements, pos, base) != expected:
            raise RdbError("Stream listpack integrity check failed: bad lp-count", base)
        pos += 1
        if not flags & FLAG_DELETED:
            live += 1
            out.append((ms << 64 | seq, flat))
    if pos != total:
        raise RdbError("Stream listpack integrity check failed: trailing elements", base)
    if live != count:
        raise RdbError("Stream listpack counts disagree with its entry flags", base)


def _read_id(p: Parser) -> int:
    ms = p.length()
    return make_id(ms, p.length())


def _estimated_entries_read(stream: Stream, sid: int) -> int:
    """streamEstimateDistanceFromFirstEverEntry(), for groups from a version 15 value."""
    added = stream.entries_added
    if not added:
        return 0
    length = len(stream.entries)
    if not length and sid <= stream.last_id:
        return added
    if sid == stream.last_id:
        return added
    if sid > stream.last_id:
        return ENTRIES_READ_INVALID
    if stream.max_deleted_id == 0 or stream.max_deleted_id < stream.first_id:
        if sid < stream.first_id:
            return added - length
        if sid == stream.first_id:
            return added - length + 1
    return ENTRIES_READ_INVALID


def _read_group(p: Parser, stream: Stream, rdb_type: int) -> ConsumerGroup:
    start = p.pos
    name = p.string()
    last_id = _read_id(p)
    if rdb_type == TYPE_STREAM_LISTPACKS_2:
        entries_read = _int64(p.length())
    else:
        entries_read = _estimated_entries_read(stream, last_id)
    if name in stream.groups:
        raise RdbError(f"Duplicated consumer group name {name!r}", start)
    group = ConsumerGroup(name, last_id, entries_read)
    # The global PEL first; each entry gets its consumer (and its one shared
    # PendingEntry) when that consumer's own PEL names it.
    unowned: dict[int, tuple[int, int]] = {}
    for _ in range(p.length()):
        at = p.pos
        sid = int.from_bytes(p.take(16), "big")
        delivery_time = p.int64()
        delivery_count = p.length()
        if sid in unowned:
            raise RdbError("Duplicated global PEL entry loading stream consumer group", at)
        unowned[sid] = (delivery_time, delivery_count)
    for _ in range(p.length()):
        at = p.pos
        cname = p.string()
        if cname in group.consumers:
            raise RdbError("Duplicate stream consumer detected.", at)
        consumer = Consumer(cname, p.int64())
        group.consumers[cname] = consumer
        for _ in range(p.length()):
            at = p.pos
            sid = int.from_bytes(p.take(16), "big")
            nack = unowned.pop(sid, None)
            if nack is None:
                if sid in group.pel:
                    raise RdbError("Consumer PEL entry owned twice in a stream group", at)
                raise RdbError("Consumer entry not found in group global PEL", at)
            pending = PendingEntry(nack[0], nack[1], consumer)
            consumer.pel[sid] = pending
            group.pel[sid] = pending
    if unowned:
        raise RdbError("Stream CG PEL entry without consumer", start)
    return group


def read_stream(p: Parser, rdb_type: int, limits: Limits) -> Stream:
    """RDB_TYPE_STREAM_LISTPACKS(_2): the stream at p (an empty stream is a value)."""
    start = p.pos
    stream = Stream()
    found: list[tuple[int, list[bytes]]] = []
    masters: set[bytes] = set()
    for _ in range(p.length()):
        at = p.pos
        key = p.string()
        if len(key) != 16:
            raise RdbError("Stream node key entry is not the size of a stream ID", at)
        at = p.pos
        _read_node(int.from_bytes(key, "big"), p.string(), at, found)
        if key in masters:
            raise RdbError("Listpack re-added with existing key", at)
        masters.add(key)
    stream.entries = SortedDict(found)
    if len(stream.entries) != len(found):
        raise RdbError("Stream holds the same entry id twice", start)
    at = p.pos
    length = p.length()
    if length != len(found):
        raise RdbError(f"Stream length {length} but {len(found)} entries", at)
    stream.last_id = _read_id(p)
    if rdb_type == TYPE_STREAM_LISTPACKS_2:
        stream.first_id = _read_id(p)
        stream.max_deleted_id = _read_id(p)
        stream.entries_added = p.length()
    else:
        # Redis 5/6: the counters start from the length and the first live id
        # (streamGetEdgeID(): the largest id when there is none).
        stream.entries_added = length
        stream.first_id = stream.entries.keys()[0] if found else MAX_ID
    for _ in range(p.length()):
        group = _read_group(p, stream, rdb_type)
        stream.groups[group.name] = group
    return stream
