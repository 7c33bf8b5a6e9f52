"""Streams in RDB form (rdb.c: rdbSaveObject()/rdbLoadObject() for OBJ_STREAM).

Redis keeps a stream's entries in a radix tree of listpacks, each keyed by its master
id (16 bytes, big-endian) and holding a master entry followed by delta-encoded entries
(t_stream.c: streamAppendItem()); XDEL and exact trims leave entries in place, flagged
deleted. replkv keeps the same node layout beside its entries
(replkv/keyspace/streamnodes.py), deleted entries' fields included, so writing encodes
each node as Redis holds it, byte for byte. A stream that has no layout yet gets the
one appending its entries in order gives, by the server's `stream-node-max-entries`
and `stream-node-max-bytes`. Reading rebuilds every node, deleted entries kept as
tombstones, so a loaded stream trims, reports XINFO and dumps as Redis's does.

Reading checks what rdbLoadObject() and the deep streamValidateListpackIntegrity()
check, and a little more where replkv's model cannot hold the inconsistency (a length
that is not the number of live entries, a pending entry no consumer owns, entry ids
out of order or outside their node): each is an RdbError, which RESTORE answers with
"Bad data format".
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING

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
from replkv.keyspace.streamnodes import Fields, StreamNode, restore_node
from replkv.rdb import containers
from replkv.rdb.containers import lp_entry, lp_int_entry
from replkv.rdb.format import TYPE_STREAM_LISTPACKS_2, RdbError, encode_length, encode_string
from replkv.rdb.parser import Parser

if TYPE_CHECKING:
    from replkv.rdb.values import Limits

# t_stream.c: STREAM_ITEM_FLAG_*.
FLAG_NONE = 0
FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2
_INT64_SIGN = 1 << 63
_TWO64 = 1 << 64
_ZERO = lp_int_entry(0)


def _int64(value: int) -> int:
    """A uint64 as C reads it back into an int64_t."""
    value &= UINT64_MAX
    return value - _TWO64 if value >= _INT64_SIGN else value


# -- writing ---------------------------------------------------------------------------


def _listpack(body: list[bytes], elements: int) -> bytes:
    """A listpack around body (its elements, already encoded)."""
    data = b"".join(body)
    total = containers.LP_HEADER_SIZE + len(data) + 1
    elements = min(elements, containers.LP_UNKNOWN_COUNT)
    return total.to_bytes(4, "little") + elements.to_bytes(2, "little") + data + b"\xff"


def encode_node(stream: Stream, node: StreamNode) -> bytes:
    """One node's listpack as streamAppendItem(), streamDeleteItem() and streamTrim()
    leave it: the master entry (live and deleted counts, the master fields, a 0), then
    every entry in order, deleted ones flagged and with the fields they had."""
    master_fields = node.master_fields
    master_ms = node.master_id >> 64
    master_seq = node.master_id & UINT64_MAX
    body = [
        lp_int_entry(node.live),
        lp_int_entry(node.deleted),
        lp_int_entry(len(master_fields)),
        *map(lp_entry, master_fields),
        _ZERO,
    ]
    elements = len(master_fields) + 4
    entries = stream.entries
    tombstones = node.tombstones
    for sid in node.ids:
        if tombstones is not None and sid in tombstones:
            flat = tombstones[sid]
            flags = FLAG_DELETED
        else:
            flat = entries[sid]
            flags = FLAG_NONE
        numfields = len(flat) >> 1
        ms_delta = lp_int_entry(_int64((sid >> 64) - master_ms))
        seq_delta = lp_int_entry(_int64((sid & UINT64_MAX) - master_seq))
        if flat[0::2] == master_fields:
            body += [lp_int_entry(flags | FLAG_SAMEFIELDS), ms_delta, seq_delta]
            body += map(lp_entry, flat[1::2])
            body.append(lp_int_entry(numfields + 3))
            elements += numfields + 4
        else:
            body += [lp_int_entry(flags), ms_delta, seq_delta, lp_int_entry(numfields)]
            body += map(lp_entry, flat)
            body.append(lp_int_entry(2 * numfields + 4))
            elements += 2 * numfields + 5
    return _listpack(body, elements)


def _id_lengths(sid: int) -> bytes:
    return encode_length(sid >> 64) + encode_length(sid & UINT64_MAX)


def _ms_time(value: int) -> bytes:
    """rdbSaveMillisecondTime(): 8 bytes little-endian."""
    return (value & UINT64_MAX).to_bytes(8, "little")


def encode_stream(stream: Stream, compress: bool, limits: Limits) -> tuple[int, bytes]:
    """RDB_TYPE_STREAM_LISTPACKS_2 as rdbSaveObject() writes it."""
    # A stream built without its layout gets the one this server's limits give.
    stream.ensure_layout(limits.stream_node_max_entries, limits.stream_node_max_bytes)
    parts = [encode_length(len(stream.nodes))]
    for node in stream.nodes:
        parts.append(encode_string(node.master_id.to_bytes(16, "big"), compress))
        parts.append(encode_string(encode_node(stream, node), compress))
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


_Item = tuple[int, Fields, bool]  # (id, fields, deleted), as restore_node() takes them


def _read_node(master_id: int, blob: bytes, base: int) -> tuple[Fields, list[_Item]]:
    """One node's master fields and entries, deleted ones included, in listpack order
    (the checks of streamValidateListpackIntegrity())."""
    elements = containers.parse_listpack(blob, base)
    if not elements:
        raise RdbError("Empty listpack inside stream", base)
    count = _integer(elements, 0, base)
    deleted = _integer(elements, 1, base)
    master_count = _integer(elements, 2, base)
    if count < 0 or deleted < 0 or master_count < 0:
        raise RdbError("Stream listpack integrity check failed: negative count", base)
    pos = 3 + master_count
    master_fields = tuple(elements[3:pos])
    if _integer(elements, pos, base) != 0:
        raise RdbError("Stream listpack integrity check failed: no master terminator", base)
    pos += 1
    master_ms = master_id >> 64
    master_seq = master_id & UINT64_MAX
    live = 0
    items: list[_Item] = []
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
            flat = tuple(chain.from_iterable(zip(master_fields, values, strict=False)))
            expected = fields + 3
        else:
            fields = _integer(elements, pos, base)
            if fields < 0:
                raise RdbError("Stream listpack integrity check failed: negative count", base)
            flat = tuple(elements[pos + 1 : pos + 1 + 2 * fields])
            pos += 1 + 2 * fields
            expected = 2 * fields + 4
        if pos >= total or len(flat) != 2 * fields:
            raise RdbError("Stream listpack integrity check failed: entry cut short", base)
        if _integer(elements, pos, base) != expected:
            raise RdbError("Stream listpack integrity check failed: bad lp-count", base)
        pos += 1
        deleted_flag = bool(flags & FLAG_DELETED)
        live += not deleted_flag
        items.append((ms << 64 | seq, flat, deleted_flag))
    if pos != total:
        raise RdbError("Stream listpack integrity check failed: trailing elements", base)
    if live != count:
        raise RdbError("Stream listpack counts disagree with its entry flags", base)
    return master_fields, items


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
    nodes: dict[int, tuple[Fields, list[_Item]]] = {}
    for _ in range(p.length()):
        at = p.pos
        key = p.string()
        if len(key) != 16:
            raise RdbError("Stream node key entry is not the size of a stream ID", at)
        at = p.pos
        master_id = int.from_bytes(key, "big")
        node = _read_node(master_id, p.string(), at)
        if master_id in nodes:
            raise RdbError("Listpack re-added with existing key", at)
        nodes[master_id] = node
    # The radix tree orders the nodes by key. Each node's ids, deleted ones included,
    # must lie from its key up to the next node's, in order: replkv finds an entry's
    # node by its id.
    keys = sorted(nodes)
    for index, master_id in enumerate(keys):
        master_fields, items = nodes[master_id]
        low = master_id
        high = keys[index + 1] if index + 1 < len(keys) else MAX_ID + 1
        for sid, _, _ in items:
            if not low <= sid < high:
                raise RdbError("Stream entry ids out of order or outside their node", start)
            low = sid + 1
        restore_node(stream, master_id, master_fields, items)
    found = len(stream.entries)
    at = p.pos
    length = p.length()
    if length != found:
        raise RdbError(f"Stream length {length} but {found} entries", at)
    stream.last_id = _read_id(p)
    if rdb_type == TYPE_STREAM_LISTPACKS_2:
        stream.first_id = _read_id(p)
        stream.max_deleted_id = _read_id(p)
        stream.entries_added = p.length()
    else:
        # Redis 5/6: the counters start from the length and the first live id
        # (streamGetEdgeID(): the largest id when there is none).
        stream.entries_added = length
        first = stream.first_entry_id()
        stream.first_id = MAX_ID if first is None else first
    for _ in range(p.length()):
        group = _read_group(p, stream, rdb_type)
        stream.groups[group.name] = group
    return stream
