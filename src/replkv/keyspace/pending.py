"""A pending entries list (PEL): a consumer group's or a consumer's pending entries by
stream id, in id order.

Redis keeps a PEL as a radix tree. Deliveries almost always add ids above every id
held, so this keeps a dict for lookups beside an ascending list of the ids: adding
past the end is a dict insert and a list append. Removing an id drops it from the dict
only; the list keeps it, stale, and walks skip it, until stale ids outnumber live ones
and the list is rebuilt. The rebuilt list is a new object, so a walk in progress over
the old one (XAUTOCLAIM acknowledging deleted entries as it goes) is not disturbed.
Nothing may be added to a PEL while one of its own walks is in progress.
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from collections.abc import Iterator
from typing import Generic, TypeVar

V = TypeVar("V")


class PendingEntries(Generic[V]):
    """Values (PendingEntry objects) by id, walked in id order."""

    __slots__ = ("_entries", "_ids", "_head")

    def __init__(self) -> None:
        self._entries: dict[int, V] = {}
        # Every id of _entries, ascending, and stale ids no longer there.
        self._ids: list[int] = []
        # The ids before this position are all stale (first() moves it on).
        self._head = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __contains__(self, sid: int) -> bool:
        return sid in self._entries

    def __getitem__(self, sid: int) -> V:
        return self._entries[sid]

    def get(self, sid: int) -> V | None:
        return self._entries.get(sid)

    def __setitem__(self, sid: int, value: V) -> None:
        entries = self._entries
        ids = self._ids
        if not ids or sid > ids[-1]:
            ids.append(sid)  # the usual delivery: past every id held
        elif sid not in entries:
            index = bisect_left(ids, sid)
            if index == len(ids) or ids[index] != sid:
                ids.insert(index, sid)
            # (else a stale id comes back: it is in place already)
            if index < self._head:
                self._head = index
        entries[sid] = value

    def pop(self, sid: int) -> V | None:
        """Remove sid; its value, or None if it was not pending."""
        entries = self._entries
        value = entries.pop(sid, None)
        if value is not None and len(self._ids) > 2 * len(entries) + 32:
            self._ids = [kept for kept in self._ids if kept in entries]
            self._head = 0
        return value

    def __delitem__(self, sid: int) -> None:
        if self.pop(sid) is None:
            raise KeyError(sid)

    def __iter__(self) -> Iterator[int]:
        entries = self._entries
        for sid in self._ids:
            if sid in entries:
                yield sid

    def items(self) -> Iterator[tuple[int, V]]:
        entries = self._entries
        for sid in self._ids:
            value = entries.get(sid)
            if value is not None:
                yield sid, value

    def irange(self, minimum: int, maximum: int | None = None) -> Iterator[int]:
        """The ids from minimum to maximum (None: no bound), both included, in order."""
        entries = self._entries
        ids = self._ids
        index = bisect_left(ids, minimum)
        while index < len(ids):
            sid = ids[index]
            index += 1
            if maximum is not None and sid > maximum:
                return
            if sid in entries:
                yield sid

    def first(self) -> int | None:
        """The smallest id, None when empty."""
        entries = self._entries
        ids = self._ids
        index = self._head
        while index < len(ids) and ids[index] not in entries:
            index += 1
        self._head = index
        return ids[index] if index < len(ids) else None

    def last(self) -> int | None:
        """The largest id, None when empty (stale ids at the end are dropped)."""
        entries = self._entries
        ids = self._ids
        while ids and ids[-1] not in entries:
            ids.pop()
        if self._head > len(ids):
            self._head = len(ids)
        return ids[-1] if ids else None

    def table_bytes(self) -> int:
        """sys.getsizeof() of the PEL, its dict and its id list (MEMORY USAGE)."""
        return sys.getsizeof(self) + sys.getsizeof(self._entries) + sys.getsizeof(self._ids)
