"""Consumer group bookkeeping on the stream value (t_stream.c, Redis 7.0).

The commands in `replkv.commands.stream_groups` parse, reply and propagate; the
changes to groups, consumers and pending entries, and the 7.0 read counters
(entries-read, lag), are made here.
"""

from __future__ import annotations

from collections.abc import Iterable

from replkv.keyspace.stream import (
    ENTRIES_READ_INVALID,
    MAX_ID,
    MIN_ID,
    Consumer,
    ConsumerGroup,
    PendingEntry,
    Stream,
)


def entry_exists(stream: Stream, sid: int) -> bool:
    """streamEntryExists()."""
    return sid in stream.entries


def range_has_tombstones(stream: Stream, start: int) -> bool:
    """streamRangeHasTombstones(s, start, NULL): a deleted id at or after start?"""
    deleted = stream.max_deleted_id
    if not stream.entries or deleted == MIN_ID:
        return False
    if stream.first_id > deleted:
        return False
    return start <= deleted


def estimate_distance(stream: Stream, sid: int) -> int:
    """streamEstimateDistanceFromFirstEverEntry(): sid's read counter, or -1 if unknown."""
    added = stream.entries_added
    if not added:
        return 0
    if not stream.entries and sid <= stream.last_id:
        return added
    if sid == stream.last_id:
        return added
    if sid > stream.last_id:
        return ENTRIES_READ_INVALID
    deleted = stream.max_deleted_id
    if deleted == MIN_ID or deleted < stream.first_id:
        if sid < stream.first_id:
            return added - len(stream.entries)
        if sid == stream.first_id:
            return added - len(stream.entries) + 1
    return ENTRIES_READ_INVALID


def group_lag(stream: Stream, group: ConsumerGroup) -> int | None:
    """streamReplyWithCGLag(): entries not read by the group yet, None if unknown."""
    if not stream.entries_added:
        return 0
    if group.entries_read != ENTRIES_READ_INVALID and not range_has_tombstones(
        stream, group.last_id
    ):
        return stream.entries_added - group.entries_read
    entries_read = estimate_distance(stream, group.last_id)
    if entries_read == ENTRIES_READ_INVALID:
        return None
    return stream.entries_added - entries_read


def advance_group(stream: Stream, group: ConsumerGroup, sid: int) -> None:
    """streamReplyWithRange(): the group delivered sid, past its last id: count it."""
    if group.entries_read != ENTRIES_READ_INVALID and (
        stream.max_deleted_id == MIN_ID or not range_has_tombstones(stream, sid)
    ):
        group.entries_read += 1
    elif stream.entries_added:
        group.entries_read = estimate_distance(stream, sid)
    group.last_id = sid


def create_consumer(group: ConsumerGroup, name: bytes, now_ms: int) -> Consumer:
    """streamCreateConsumer() for a name not in the group yet."""
    consumer = Consumer(name, now_ms)
    group.consumers[name] = consumer
    return consumer


def delete_consumer(group: ConsumerGroup, consumer: Consumer) -> int:
    """streamDelConsumer(): drop it and its pending entries; how many it had."""
    pending = len(consumer.pel)
    for sid in consumer.pel:
        del group.pel[sid]
    del group.consumers[consumer.name]
    return pending


def deliver(group: ConsumerGroup, consumer: Consumer, sid: int, now_ms: int) -> PendingEntry:
    """A new delivery of sid to consumer: a fresh pending entry, or the one the group
    had (another consumer's, after XGROUP SETID moved back) handed over and reset."""
    nack = group.pel.get(sid)
    if nack is None:
        nack = PendingEntry(now_ms, 1, consumer)
        group.pel[sid] = nack
        consumer.pel[sid] = nack
        return nack
    del nack.consumer.pel[sid]
    nack.consumer = consumer
    nack.delivery_time = now_ms
    nack.delivery_count = 1
    consumer.pel[sid] = nack
    return nack


def acknowledge(group: ConsumerGroup, sid: int) -> bool:
    """Drop sid from the group's and its consumer's PEL; False if it was not pending."""
    nack = group.pel.pop(sid)
    if nack is None:
        return False
    if nack.consumer is not None:
        del nack.consumer.pel[sid]
    return True


def hand_over(group: ConsumerGroup, nack: PendingEntry, sid: int, consumer: Consumer) -> None:
    """XCLAIM / XAUTOCLAIM: the pending entry sid now belongs to consumer."""
    old = nack.consumer
    if old is consumer:
        return
    if old is not None:
        del old.pel[sid]
    consumer.pel[sid] = nack
    nack.consumer = consumer


def sorted_names(names: Iterable[bytes]) -> list[bytes]:
    """Names in the order Redis's rax keeps them: by bytes."""
    return sorted(names)


def rax_nodes(keys: list[int]) -> int:
    """XINFO STREAM's radix-tree-nodes: the nodes of a rax holding these 128-bit keys.

    Every key is 16 bytes, so none is a prefix of another. A node covers either a run
    of bytes all the keys below it share (one compressed node, whatever its length)
    or a branch (one node, a child node per distinct byte); each key ends in a leaf.
    """
    encoded = sorted(key.to_bytes(16, "big") for key in keys)
    if not encoded:
        return 1  # the empty root
    return _nodes_below(encoded, 0)


def _nodes_below(keys: list[bytes], depth: int) -> int:
    """The nodes of the subtree for keys (sorted) sharing their first `depth` bytes."""
    if depth == 16:
        return 1  # a key's leaf
    first, last = keys[0], keys[-1]
    branch = depth
    while branch < 16 and first[branch] == last[branch]:
        branch += 1
    if branch > depth:
        return 1 + _nodes_below(keys, branch)  # a compressed run
    count = 1
    start = 0
    for index in range(1, len(keys) + 1):
        if index == len(keys) or keys[index][depth] != keys[start][depth]:
            count += _nodes_below(keys[start:index], depth + 1)
            start = index
    return count


__all__ = [
    "MAX_ID",
    "acknowledge",
    "advance_group",
    "create_consumer",
    "delete_consumer",
    "deliver",
    "entry_exists",
    "estimate_distance",
    "group_lag",
    "hand_over",
    "range_has_tombstones",
    "rax_nodes",
    "sorted_names",
]
