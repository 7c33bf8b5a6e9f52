"""The listpack nodes of a stream, as Redis lays them out (t_stream.c).

Redis keeps a stream as a radix tree of listpacks. Approximate trimming (`~`) removes
whole nodes only, and XINFO counts them, so replkv keeps the same layout beside the
entries: which ids each node holds, how many are live and deleted, and how many bytes
its listpack takes, computed as listpack.c encodes each element. Nothing is encoded
here: only sizes are summed.

A node's listpack is a header (6 bytes) and the end byte, the master entry
(live count, deleted count, the field count, the first entry's field names, a 0), then
each entry: flags, the ms and seq deltas from the master id, the field count and field
names unless they equal the master's (SAMEFIELDS), the values, the element count.
streamAppendItem() opens a new node when the tail's bytes plus the new entry's raw
field and value lengths reach stream-node-max-bytes, or when it holds
stream-node-max-entries entries, deleted ones included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from replkv.integers import string_to_ll

if TYPE_CHECKING:
    from replkv.keyspace.stream import Stream

# An entry's fields and values, flat: (field, value, field, value, ...). A tuple of
# bytes, which the cyclic garbage collector stops tracking, where a list would be
# visited by every full collection, once per entry of every stream.
Fields = tuple[bytes, ...]

# The defaults of stream-node-max-entries and stream-node-max-bytes, used when a
# stream built entry by entry without its layout needs one outside a command.
DEFAULT_LIMITS = (100, 4096)
LISTPACK_MAX_SIZE = 1 << 30  # STREAM_LISTPACK_MAX_SIZE
_U64 = (1 << 64) - 1
_EMPTY_LISTPACK = 7  # header and end byte
_FLAG_DELETED = 1
_FLAG_SAMEFIELDS = 2


def int_size(value: int) -> int:
    """Bytes of a listpack integer entry, its back-length included."""
    if 0 <= value <= 127:
        return 2
    if -4096 <= value <= 4095:
        return 3
    if -32768 <= value <= 32767:
        return 4
    if -8388608 <= value <= 8388607:
        return 5
    if -2147483648 <= value <= 2147483647:
        return 6
    return 10


def _backlen_size(n: int) -> int:
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


def element_size(element: bytes) -> int:
    """Bytes of a listpack entry holding element (an integer when it reads as one)."""
    n = len(element)
    if n <= 20:
        if n and (47 < element[0] < 58 or element[0] == 45):  # a digit or '-'
            number = string_to_ll(element)
            if number is not None:
                return int_size(number)
        return n + 2
    if n < 64:
        return n + 2
    if n < 4096:
        return n + 2 + _backlen_size(n + 2)
    return n + 5 + _backlen_size(n + 5)


def _delta(a: int, b: int) -> int:
    """a - b on uint64 halves, read back as the int64 lpAppendInteger() stores."""
    return _signed(a - b)


def _signed(difference: int) -> int:
    """A difference of uint64 halves as the int64 lpAppendInteger() stores."""
    d = difference & _U64
    return d - (1 << 64) if d >> 63 else d


class StreamNode:
    """One listpack: its master id and fields, every id it holds (deleted ones too),
    the live and deleted counts, and its size in bytes without the two counts."""

    __slots__ = (
        "master_id",
        "master_fields",
        "ids",
        "live",
        "deleted",
        "size",
        "tombstones",
        "head",
    )

    def __init__(self, master_id: int, master_fields: Fields) -> None:
        self.master_id = master_id
        self.master_fields = master_fields
        self.ids: list[int] = []
        self.live = 0
        self.deleted = 0
        size = _EMPTY_LISTPACK + int_size(len(master_fields)) + 2  # the 0 terminator
        for field in master_fields:
            size += element_size(field)
        self.size = size
        # Deleted entries' fields: their bytes stay in the listpack (DUMP writes them).
        self.tombstones: dict[int, Fields] | None = None
        # ids[:head] are all deleted: walks for the first live entry start here, so
        # exact trims, which delete from the front, do not walk the same ids again.
        self.head = 0

    def lp_bytes(self) -> int:
        """lpBytes() of the node's listpack."""
        return self.size + int_size(self.live) + int_size(self.deleted)

    def entry_size(self, sid: int, fields: Fields) -> int:
        """Bytes one entry takes in this node."""
        master = self.master_id
        ms = (sid >> 64) - (master >> 64)
        seq = (sid & _U64) - (master & _U64)
        size = 2
        size += 2 if 0 <= ms <= 127 else int_size(_delta(sid >> 64, master >> 64))
        size += 2 if 0 <= seq <= 127 else int_size(_delta(sid & _U64, master & _U64))
        numfields = len(fields) >> 1
        master_fields = self.master_fields
        if numfields == len(master_fields) and (
            fields[0] == master_fields[0] if numfields == 1 else fields[0::2] == master_fields
        ):
            for value in fields[1::2]:
                size += element_size(value)
            return size + int_size(numfields + 3)
        size += int_size(numfields)
        for part in fields:
            size += element_size(part)
        return size + int_size(2 * numfields + 4)

    def bury(self, sid: int, fields: Fields) -> None:
        """Keep a deleted entry's fields: the listpack still holds them."""
        if self.tombstones is None:
            self.tombstones = {}
        self.tombstones[sid] = fields

    def flags(self, sid: int, fields: Fields) -> int:
        """The entry's flags field as the listpack holds it."""
        flags = _FLAG_SAMEFIELDS if fields[0::2] == self.master_fields else 0
        if self.tombstones is not None and sid in self.tombstones:
            flags |= _FLAG_DELETED
        return flags

    def copy(self) -> StreamNode:
        twin = StreamNode.__new__(StreamNode)
        twin.master_id = self.master_id
        twin.master_fields = self.master_fields
        twin.ids = list(self.ids)
        twin.live = self.live
        twin.deleted = self.deleted
        twin.size = self.size
        twin.tombstones = None if self.tombstones is None else dict(self.tombstones)
        twin.head = self.head
        return twin


def place_entries(stream: Stream, ids: list[int], max_entries: int, max_bytes: int) -> None:
    """streamAppendItem()'s choice of node, and the node's new size, for entries of
    stream.entries appended in this (id) order under these limits: the layout each
    append would have made. The tail node's counters stay in locals while it fills."""
    if max_bytes <= 0 or max_bytes > LISTPACK_MAX_SIZE:
        max_bytes = LISTPACK_MAX_SIZE
    entries = stream.entries
    nodes = stream.nodes
    node = nodes[-1] if nodes else None
    live = deleted = size = master_ms = master_seq = 0
    node_ids: list[int] = []
    single: bytes | None = None  # the master's field when it has just one
    if node is not None:
        live, deleted, size, node_ids = node.live, node.deleted, node.size, node.ids
        master_ms, master_seq = node.master_id >> 64, node.master_id & _U64
        single = node.master_fields[0] if len(node.master_fields) == 1 else None
    for sid in ids:
        fields = entries[sid]
        two = len(fields) == 2
        if node is not None:
            if max_entries and live + deleted >= max_entries:
                full = True
            else:
                used = size + (2 if live < 128 else int_size(live))
                used += 2 if deleted < 128 else int_size(deleted)
                used += len(fields[0]) + len(fields[1]) if two else sum(map(len, fields))
                full = used >= max_bytes
            if full:
                node.live, node.size = live, size
                node = None
        if node is None:
            node = StreamNode(sid, fields[0::2])
            nodes.append(node)
            stream.node_keys.append(sid)
            live, deleted, size, node_ids = 0, 0, node.size, node.ids
            master_ms, master_seq = sid >> 64, sid & _U64
            single = fields[0] if two else None
        if two and fields[0] == single:
            # One field, the master's: flags, the two deltas, the value, the count 4.
            # (the two deltas: 2 bytes from 0 to 127, 3 from -4096 to 4095)
            ms = (sid >> 64) - master_ms
            seq = (sid & _U64) - master_seq
            size += 4  # the flags and the count, 2 bytes each
            if 0 <= ms < 128:
                size += 2
            else:
                size += 3 if -4096 <= ms < 4096 else int_size(_signed(ms))
            if 0 <= seq < 128:
                size += 2
            else:
                size += 3 if -4096 <= seq < 4096 else int_size(_signed(seq))
            value = fields[1]
            n = len(value)
            if n < 64 and (n > 20 or not n or not (47 < value[0] < 58 or value[0] == 45)):
                size += n + 2
            else:
                size += element_size(value)
        else:
            size += node.entry_size(sid, fields)
        node_ids.append(sid)
        live += 1
    if node is not None:
        node.live, node.size = live, size


def restore_node(
    stream: Stream,
    master_id: int,
    master_fields: Fields,
    items: list[tuple[int, Fields, bool]],
) -> StreamNode:
    """Append a node read from a snapshot: (id, fields, deleted) in listpack order.
    Live entries also go into stream.entries; the caller sets the stream's ids."""
    node = StreamNode(master_id, master_fields)
    for sid, fields, deleted in items:
        node.size += node.entry_size(sid, fields)
        node.ids.append(sid)
        if deleted:
            node.deleted += 1
            node.bury(sid, fields)
        else:
            node.live += 1
            stream.entries[sid] = fields
            stream.placed += 1
    stream.nodes.append(node)
    stream.node_keys.append(master_id)
    return node


def trim_nodes(stream: Stream, maxlen: int, minid: int | None, approx: bool, limit: int) -> int:
    """streamTrim() over the layout: whole nodes from the head while they can go, then
    (unless approx) entries of the first node that remains."""
    nodes = stream.nodes
    keys = stream.node_keys
    entries = stream.entries
    removed = 0
    while nodes:
        if minid is None and len(entries) <= maxlen:
            break
        node = nodes[0]
        live = node.live
        if limit and removed + live > limit:
            break
        if minid is None:
            whole = len(entries) - live >= maxlen
        else:
            whole = bool(node.ids) and node.ids[-1] < minid
        if whole:
            for sid in node.ids:
                entries.pop(sid, None)
            del nodes[0]
            del keys[0]
            removed += live
            continue
        if approx:
            break
        marked = 0
        ids = node.ids
        position = node.head  # the ids before are deleted already
        while position < len(ids):
            sid = ids[position]
            if minid is None:
                if len(entries) <= maxlen:
                    break
            elif sid >= minid:
                break
            fields = entries.pop(sid, None)
            if fields is not None:
                node.bury(sid, fields)
                marked += 1
            position += 1
        node.head = position
        node.live -= marked
        node.deleted += marked
        removed += marked
        break
    return removed
