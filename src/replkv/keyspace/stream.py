"""The stream value (t_stream.c): entries by id, consumer groups, their pending entries.

A stream id (streamID: two unsigned 64-bit halves, ms and seq) is held as one Python
int, `ms << 64 | seq`, so ids order, compare and sort as Redis's do and cost one
object. Entries map an id to its flat field/value list in a plain dict: ids only ever
grow (XADD appends above the last id, a snapshot is read in order), so the dict's
insertion order is id order. Ordered lookups (XRANGE's bounds, the entries after a
group's last id) bisect the node layout (replkv/keyspace/streamnodes.py), which holds
every id in order, deleted ones included, as Redis's radix tree of listpacks does.

A consumer group keeps its pending entries list (PEL) by id, and each consumer keeps
the same PendingEntry objects for the ids it owns, as Redis shares its streamNACKs
between the group's PEL and the consumer's (replkv/keyspace/pending.py).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from itertools import islice

from replkv.integers import string_to_ll
from replkv.keyspace import digest, streamnodes, values
from replkv.keyspace.pending import PendingEntries
from replkv.keyspace.streamnodes import DEFAULT_LIMITS, Fields, StreamNode

UINT64_MAX = (1 << 64) - 1
MIN_ID = 0
MAX_ID = (UINT64_MAX << 64) | UINT64_MAX
# streamCG.entries_read when it cannot be known (SCG_INVALID_ENTRIES_READ).
ENTRIES_READ_INVALID = -1
# At most this many appended entries wait for their node (Stream.placed).
PLACE_BATCH = 1024
_ID_MAX_LENGTH = 127  # streamGenericParseIDOrReply()'s 128-byte buffer
_SPACES = b" \t\n\v\f\r"


def make_id(ms: int, seq: int) -> int:
    return ms << 64 | seq


def id_ms(sid: int) -> int:
    return sid >> 64


def id_seq(sid: int) -> int:
    return sid & UINT64_MAX


def format_id(sid: int) -> bytes:
    """The `<ms>-<seq>` text of an id, as replies and events carry it."""
    return b"%d-%d" % (sid >> 64, sid & UINT64_MAX)


def string_to_ull(text: bytes) -> int | None:
    """util.c: string2ull(): string2ll() first, then strtoull()'s laxer rules.

    strtoull() skips leading spaces, takes a sign (a minus wraps modulo 2^64) and
    refuses overflow; a negative value string2ll() accepted is refused.
    """
    value = string_to_ll(text)
    if value is not None:
        return value if value >= 0 else None
    rest = text.lstrip(_SPACES)
    negative = False
    if rest[:1] in (b"+", b"-"):
        negative = rest[:1] == b"-"
        rest = rest[1:]
    if not rest or not rest.isdigit():
        return None
    number = int(rest)
    if number > UINT64_MAX:
        return None
    return (-number) & UINT64_MAX if negative else number


def parse_id(
    arg: bytes, missing_seq: int, strict: bool = False, seq_star: bool = False
) -> tuple[int, bool] | None:
    """streamGenericParseIDOrReply(): (id, seq given) or None for an invalid id.

    `-` and `+` are the smallest and largest ids (refused when strict); `<ms>` alone
    takes missing_seq; `<ms>-*`, only where XADD asks for it (seq_star), comes back
    with seq 0 and "seq given" False, for XADD to pick the sequence: every other
    command refuses it, as Redis does when it passes no seq_given. The C code reads
    the argument as a C string: it ends at a NUL byte, and over 127 bytes it is
    refused.
    """
    if len(arg) > _ID_MAX_LENGTH:
        return None
    nul = arg.find(b"\x00")
    if nul >= 0:
        arg = arg[:nul]
    if arg == b"-" or arg == b"+":
        if strict:
            return None
        return (MIN_ID if arg == b"-" else MAX_ID), True
    ms_text, dash, seq_text = arg.partition(b"-")
    ms = string_to_ull(ms_text)
    if ms is None:
        return None
    if not dash:
        return make_id(ms, missing_seq), True
    if seq_star and seq_text == b"*":
        return make_id(ms, 0), False
    seq = string_to_ull(seq_text)
    if seq is None:
        return None
    return make_id(ms, seq), True


class PendingEntry:
    """streamNACK: an id delivered to a consumer of a group and not acknowledged yet."""

    __slots__ = ("delivery_time", "delivery_count", "consumer")

    def __init__(self, delivery_time: int, delivery_count: int, consumer: Consumer) -> None:
        self.delivery_time = delivery_time  # unix ms of the last delivery
        self.delivery_count = delivery_count
        self.consumer = consumer


class Consumer:
    """streamConsumer: a name, when it was last seen, and the ids it owns."""

    __slots__ = ("name", "seen_time", "pel")

    def __init__(self, name: bytes, seen_time: int) -> None:
        self.name = name
        self.seen_time = seen_time  # unix ms
        self.pel: PendingEntries[PendingEntry] = PendingEntries()


class ConsumerGroup:
    """streamCG: the last id delivered, how many entries were read, the PEL, consumers."""

    __slots__ = ("name", "last_id", "entries_read", "pel", "consumers")

    def __init__(self, name: bytes, last_id: int, entries_read: int) -> None:
        self.name = name
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel: PendingEntries[PendingEntry] = PendingEntries()
        self.consumers: dict[bytes, Consumer] = {}


class Stream:
    """stream: entries, the last id ever generated, and the 7.0 bookkeeping.

    `first_id` is the recorded first entry id (XINFO's recorded-first-entry-id),
    `max_deleted_id` the largest id ever deleted, `entries_added` how many entries
    were ever added: together they let a group's lag be computed.
    """

    __slots__ = (
        "entries",
        "last_id",
        "first_id",
        "max_deleted_id",
        "entries_added",
        "groups",
        "nodes",
        "node_keys",
        "placed",
        "batch_limits",
    )

    def __init__(self) -> None:
        # id -> (field, value, field, value, ...), in id order (see the module's text)
        self.entries: dict[int, Fields] = {}
        self.last_id = MIN_ID
        self.first_id = MIN_ID
        self.max_deleted_id = MIN_ID
        self.entries_added = 0
        self.groups: dict[bytes, ConsumerGroup] = {}
        # The listpack nodes Redis would hold (see replkv/keyspace/streamnodes.py), in
        # id order, and their master ids for bisection.
        self.nodes: list[StreamNode] = []
        self.node_keys: list[int] = []
        # How many live entries the nodes hold. The entries past them, the newest, are
        # placed in a batch (ensure_layout()) when the layout is read or PLACE_BATCH of
        # them wait: an XADD costs less, and a burst of appends places in one loop.
        self.placed = 0
        # The (stream-node-max-entries, stream-node-max-bytes) those waiting entries
        # were appended under; None when they came without append() (tests).
        self.batch_limits: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def __eq__(self, other: object) -> bool:
        """Same entries, 7.0 bookkeeping and node layout; consumer groups are left out,
        as DEBUG DIGEST leaves them out: Redis 7.0's events do not carry all of a group's state (an
        XREADGROUP without NOACK propagates no entries-read, a history read neither its
        consumer nor its delivery counts), so a replica's groups may differ."""
        if type(other) is not Stream:
            return NotImplemented
        self.lay_out()
        other.lay_out()
        return (
            self.entries == other.entries
            and (self.last_id, self.first_id, self.max_deleted_id, self.entries_added)
            == (other.last_id, other.first_id, other.max_deleted_id, other.entries_added)
            and [node.ids for node in self.nodes] == [node.ids for node in other.nodes]
        )

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Stream:
        """streamDup(): entries, groups, their PELs and consumers, for COPY."""
        self.lay_out()
        twin = Stream()
        twin.entries = dict(self.entries)  # the field tuples are immutable: shared
        twin.last_id = self.last_id
        twin.first_id = self.first_id
        twin.max_deleted_id = self.max_deleted_id
        twin.entries_added = self.entries_added
        for name, group in self.groups.items():
            copy = ConsumerGroup(name, group.last_id, group.entries_read)
            for cname, consumer in group.consumers.items():
                ccopy = Consumer(cname, consumer.seen_time)
                for sid, nack in consumer.pel.items():
                    pending = PendingEntry(nack.delivery_time, nack.delivery_count, ccopy)
                    ccopy.pel[sid] = pending
                    copy.pel[sid] = pending
                copy.consumers[cname] = ccopy
            twin.groups[name] = copy
        twin.nodes = [node.copy() for node in self.nodes]
        twin.node_keys = list(self.node_keys)
        twin.placed = self.placed
        return twin

    # -- the entry side: appends, deletions, trimming over the node layout -----------

    def ensure_layout(self, max_entries: int, max_bytes: int) -> None:
        """Place the entries no node holds yet: as Redis would have placed them when
        they were appended, under the stream-node-max-entries and -bytes of their
        append(), or the ones given for entries put in the dict directly (a stream
        built entry by entry)."""
        waiting = len(self.entries) - self.placed
        if not waiting:
            return
        limits = self.batch_limits
        self.batch_limits = None
        entries = self.entries
        if limits is not None:
            max_entries, max_bytes = limits
        elif not self.nodes:
            # Entries put in the dict directly (a stream built entry by entry): fields
            # made tuples, the dict refilled in id order, in place (callers hold it).
            items = sorted(entries.items())
            entries.clear()
            entries.update((sid, tuple(fields)) for sid, fields in items)
        ids = list(islice(reversed(entries), waiting))
        ids.reverse()
        streamnodes.place_entries(self, ids, max_entries, max_bytes)
        self.placed += waiting

    def lay_out(self) -> None:
        """Bring the node layout up to date (the default limits for entries put in the
        dict directly)."""
        if len(self.entries) != self.placed:
            self.ensure_layout(*DEFAULT_LIMITS)

    def append(self, sid: int, fields: Fields, max_entries: int, max_bytes: int) -> None:
        """streamAppendItem() once the id is known to be valid: add the entry (its node
        follows in a batch: see `placed`), keep the 7.0 bookkeeping."""
        entries = self.entries
        waiting = len(entries) - self.placed
        if waiting and (waiting >= PLACE_BATCH or self.batch_limits != (max_entries, max_bytes)):
            self.ensure_layout(max_entries, max_bytes)
            waiting = 0
        if not waiting:
            self.batch_limits = (max_entries, max_bytes)
        entries[sid] = fields
        self.last_id = sid
        self.entries_added += 1
        if len(entries) == 1:
            self.first_id = sid

    def delete(self, sid: int) -> bool:
        """streamDeleteItem(): mark one entry deleted in its node (a node left without
        live entries goes away). True if it existed."""
        if sid not in self.entries:
            return False
        self.lay_out()
        fields = self.entries.pop(sid)
        self.placed -= 1
        index = bisect_right(self.node_keys, sid) - 1
        node = self.nodes[index]
        if node.live == 1:
            del self.nodes[index]
            del self.node_keys[index]
        else:
            node.live -= 1
            node.deleted += 1
            node.bury(sid, fields)
        return True

    def trim(self, maxlen: int, minid: int | None, approx: bool, limit: int) -> int:
        """streamTrim(): by length (minid None) or by minimum id; whole nodes only when
        approx, at most `limit` entries (0: no limit). Returns how many were removed."""
        self.lay_out()
        removed = streamnodes.trim_nodes(self, maxlen, minid, approx, limit)
        self.placed -= removed
        first = self.first_entry_id()
        self.first_id = MIN_ID if first is None else first
        return removed

    def first_node_id(self) -> int | None:
        """streamGetEdgeID(first, with tombstones): the first id any node holds."""
        self.lay_out()
        for node in self.nodes:
            if node.ids:
                return node.ids[0]
        return None

    def first_entry_id(self) -> int | None:
        """The smallest live id, None for an empty stream."""
        entries = self.entries
        if not entries:
            return None
        self.lay_out()
        for node in self.nodes:
            ids = node.ids
            for position in range(node.head, len(ids)):
                sid = ids[position]
                if sid in entries:
                    node.head = position  # what came before is deleted
                    return sid
            node.head = len(ids)
        return None

    def last_entry_id(self) -> int | None:
        """The largest live id (streamLastValidID()), None for an empty stream."""
        entries = self.entries
        if not entries:
            return None
        last = self.last_id
        if last in entries:  # no id is above last_id: nothing deleted at the tail
            return last
        self.lay_out()
        for node in reversed(self.nodes):
            for sid in reversed(node.ids):
                if sid in entries:
                    return sid
        return None

    def ids_after(self, after: int, count: int) -> list[int]:
        """Up to count (0: no limit) live ids above `after`, in order: what a group
        reading `>` gets."""
        entries = self.entries
        if not entries or after >= self.last_id:
            return []
        self.lay_out()
        nodes = self.nodes
        index = bisect_right(self.node_keys, after) - 1
        if index < 0:
            index = 0
        found: list[int] = []
        ids = nodes[index].ids
        position = bisect_right(ids, after)
        while True:
            end = len(ids)
            while position < end:
                sid = ids[position]
                position += 1
                if sid in entries:
                    found.append(sid)
                    if len(found) == count:
                        return found
            index += 1
            if index == len(nodes):
                return found
            ids = nodes[index].ids
            position = 0

    def ids_between(self, start: int, end: int, reverse: bool = False) -> Iterator[int]:
        """The live ids from start to end, both included, ascending or descending."""
        entries = self.entries
        if start > end or not entries:
            return
        self.lay_out()
        nodes = self.nodes
        keys = self.node_keys
        if not reverse:
            index = bisect_right(keys, start) - 1
            if index < 0:
                index = 0
            ids = nodes[index].ids
            for sid in ids[bisect_left(ids, start) :]:
                if sid > end:
                    return
                if sid in entries:
                    yield sid
            for following in range(index + 1, len(nodes)):  # no copy of the node list
                for sid in nodes[following].ids:
                    if sid > end:
                        return
                    if sid in entries:
                        yield sid
            return
        index = bisect_right(keys, end) - 1
        if index < 0:
            return
        ids = nodes[index].ids
        for sid in reversed(ids[: bisect_right(ids, end)]):
            if sid < start:
                return
            if sid in entries:
                yield sid
        for preceding in range(index - 1, -1, -1):
            for sid in reversed(nodes[preceding].ids):
                if sid < start:
                    return
                if sid in entries:
                    yield sid

    def node_count(self) -> int:
        """How many listpack nodes the radix tree holds (XINFO's radix-tree-keys)."""
        return len(self.node_ids())

    def node_ids(self) -> list[int]:
        """The radix tree's keys: each node's master id, in order."""
        self.lay_out()
        return self.node_keys


def _digest(value: bytes, stream: Stream) -> bytes:
    """debug.c: each entry mixes "<ms>.<seq>", then each field and value; groups do not count."""
    mix = digest.mix_digest
    for sid, fields in stream.entries.items():
        value = mix(value, b"%d.%d" % (sid >> 64, sid & UINT64_MAX))
        for part in fields:
            value = mix(value, part)
    return value


values.TYPE_NAMES[Stream] = b"stream"
values.ENCODINGS[Stream] = lambda value: b"stream"
digest.register_type(Stream, digest.OBJ_STREAM, _digest)
