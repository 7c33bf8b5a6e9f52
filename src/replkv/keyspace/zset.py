"""The sorted set value (t_zset.c): members with scores, ordered by (score, member bytes).

A dict member → score answers ZSCORE in O(1); a SortedList of (score, member) tuples
gives O(log n) ranks and range bounds. Tuples order equal scores by member bytes, as
Redis's memcmp does, and -0.0 == 0.0 as in C.

`listpack` mirrors Redis's encoding: a set starts as a listpack and becomes a skiplist,
for good, once it holds more than zset-max-listpack-entries members or a member longer
than zset-max-listpack-value bytes. Its one visible quirk is kept: a listpack stores a
score of -0 as the integer 0, where a skiplist keeps -0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from sortedcontainers import SortedList

from replkv.keyspace import digest, values

INF = math.inf
MAX_SCAN_WALKS = 4  # ZSCAN iterations a sorted set remembers at once


class ScoreRange:
    """zrangespec: min and max, each inclusive or exclusive."""

    __slots__ = ("min", "max", "minex", "maxex")

    def __init__(self, low: float, high: float, minex: bool, maxex: bool) -> None:
        self.min = low
        self.max = high
        self.minex = minex
        self.maxex = maxex


class LexRange:
    """zlexrangespec: None stands for `-` as min and `+` as max (minstring/maxstring)."""

    __slots__ = ("min", "max", "minex", "maxex", "min_is_max", "max_is_min")

    def __init__(
        self,
        low: bytes | None,
        high: bytes | None,
        minex: bool,
        maxex: bool,
        min_is_max: bool = False,
        max_is_min: bool = False,
    ) -> None:
        self.min = low
        self.max = high
        self.minex = minex
        self.maxex = maxex
        # `+` given as min, `-` given as max: ranges nothing can be in.
        self.min_is_max = min_is_max
        self.max_is_min = max_is_min

    def gte_min(self, member: bytes) -> bool:
        """zslLexValueGteMin()."""
        if self.min_is_max:
            return False
        if self.min is None:
            return True
        return member > self.min if self.minex else member >= self.min

    def lte_max(self, member: bytes) -> bool:
        """zslLexValueLteMax()."""
        if self.max_is_min:
            return False
        if self.max is None:
            return True
        return member < self.max if self.maxex else member <= self.max

    def is_empty(self) -> bool:
        """zslIsInLexRange()'s first test: min above max, or equal with an open end."""
        if self.min_is_max or self.max_is_min:
            return True
        if self.min is None or self.max is None:
            return False
        if self.min > self.max:
            return True
        return self.min == self.max and (self.minex or self.maxex)


class ZSet:
    """One sorted set; see the module docstring."""

    __slots__ = ("scores", "order", "listpack", "walks", "next_walk")

    def __init__(self, listpack: bool = True) -> None:
        self.scores: dict[bytes, float] = {}
        self.order = SortedList()
        self.listpack = listpack
        self.walks: dict[int, list[bytes]] | None = None
        self.next_walk = 1

    def __len__(self) -> int:
        return len(self.scores)

    def copy(self) -> ZSet:
        """COPY: an equal set with the same encoding."""
        other = ZSet(self.listpack)
        other.scores = dict(self.scores)
        other.order = self.order.copy()
        return other

    def __eq__(self, other: object) -> bool:
        """Same members, scores (-0 told from 0) and encoding."""
        if type(other) is not ZSet:
            return NotImplemented
        if self.listpack != other.listpack or self.scores != other.scores:
            return False
        theirs = other.scores
        return all(
            math.copysign(1.0, score) == math.copysign(1.0, theirs[member])
            for member, score in self.scores.items()
            if score == 0.0
        )

    __hash__ = None  # type: ignore[assignment]

    def pairs(self) -> Iterator[tuple[bytes, float]]:
        """(member, score) in any order (the digest's view)."""
        return iter(self.scores.items())

    # -- changes ---------------------------------------------------------------------

    def insert(self, member: bytes, score: float, max_entries: int, max_value: int) -> None:
        """Add a member not yet present (zsetAdd(): convert first if it would not fit)."""
        if self.listpack:
            if len(self.scores) + 1 > max_entries or len(member) > max_value:
                self.listpack = False
            elif score == 0.0:
                score = 0.0  # the listpack's integer 0
        self.scores[member] = score
        self.order.add((score, member))

    def update(self, member: bytes, score: float) -> None:
        """Give a present member a new score."""
        old = self.scores[member]
        if self.listpack and score == 0.0:
            score = 0.0
        self.order.remove((old, member))
        self.order.add((score, member))
        self.scores[member] = score

    def remove(self, member: bytes) -> bool:
        """Remove member; True if it was there."""
        score = self.scores.pop(member, None)
        if score is None:
            return False
        self.order.remove((score, member))
        return True

    def delete_slice(self, start: int, stop: int) -> int:
        """Remove the members at ranks start..stop-1; returns how many."""
        if start >= stop:
            return 0
        scores = self.scores
        for _, member in self.order.islice(start, stop):
            del scores[member]
        del self.order[start:stop]
        return stop - start

    def pop(self, count: int, from_max: bool) -> list[tuple[bytes, float]]:
        """Remove and return up to count lowest (or highest) members, in pop order."""
        size = len(self.order)
        count = min(count, size)
        if from_max:
            taken = list(self.order.islice(size - count, size, reverse=True))
            start, stop = size - count, size
        else:
            taken = list(self.order.islice(0, count))
            start, stop = 0, count
        self.delete_slice(start, stop)
        return [(member, score) for score, member in taken]

    # -- reads -----------------------------------------------------------------------

    def rank(self, member: bytes) -> int | None:
        """0-based rank by ascending score, or None."""
        score = self.scores.get(member)
        if score is None:
            return None
        return int(self.order.index((score, member)))

    def items(self, start: int, stop: int, reverse: bool = False) -> list[tuple[float, bytes]]:
        """(score, member) at ranks start..stop-1, in order (or reversed)."""
        if start >= stop:
            return []
        return list(self.order.islice(start, stop, reverse=reverse))

    def score_span(self, spec: ScoreRange) -> tuple[int, int]:
        """Ranks [start, stop) of the members within spec (start >= stop when none)."""
        order = self.order
        size = len(order)
        if spec.minex:
            start = size if spec.min == INF else order.bisect_left((math.nextafter(spec.min, INF),))
        else:
            start = order.bisect_left((spec.min,))
        if spec.maxex:
            stop = order.bisect_left((spec.max,))
        else:
            stop = size if spec.max == INF else order.bisect_left((math.nextafter(spec.max, INF),))
        return start, stop

    def _member(self, index: int) -> bytes:
        member: bytes = self.order[index][1]
        return member

    def lex_first(self, spec: LexRange) -> int | None:
        """zzlFirstInLexRange() / zslFirstInLexRange(): the first rank in range, or None."""
        size = len(self.order)
        if size == 0 or spec.is_empty():
            return None
        if not spec.gte_min(self._member(size - 1)) or not spec.lte_max(self._member(0)):
            return None
        if self.listpack:  # a linear scan, as the listpack does (scores may differ)
            index = next((i for i, (_, m) in enumerate(self.order) if spec.gte_min(m)), None)
            if index is None:
                return None
        else:
            low, high = 0, size
            while low < high:
                mid = (low + high) // 2
                if spec.gte_min(self._member(mid)):
                    high = mid
                else:
                    low = mid + 1
            index = low
            if index >= size:
                return None
        return index if spec.lte_max(self._member(index)) else None

    def lex_last(self, spec: LexRange) -> int | None:
        """zzlLastInLexRange() / zslLastInLexRange(): the last rank in range, or None."""
        size = len(self.order)
        if size == 0 or spec.is_empty():
            return None
        if not spec.gte_min(self._member(size - 1)) or not spec.lte_max(self._member(0)):
            return None
        if self.listpack:
            index = next(
                (
                    size - 1 - i
                    for i, (_, m) in enumerate(self.order.islice(0, size, reverse=True))
                    if spec.lte_max(m)
                ),
                None,
            )
            if index is None:
                return None
        else:
            low, high = 0, size
            while low < high:
                mid = (low + high) // 2
                if spec.lte_max(self._member(mid)):
                    low = mid + 1
                else:
                    high = mid
            index = low - 1
            if index < 0:
                return None
        return index if spec.gte_min(self._member(index)) else None

    def lex_forward(self, spec: LexRange) -> tuple[int, int]:
        """Ranks [start, stop): from the first in range, while members are <= max."""
        start = self.lex_first(spec)
        if start is None:
            return 0, 0
        if not self.listpack:
            last = self.lex_last(spec)
            return start, (start if last is None else last + 1)
        stop = start
        for _, member in self.order.islice(start, len(self.order)):
            if not spec.lte_max(member):
                break
            stop += 1
        return start, stop

    def lex_backward(self, spec: LexRange) -> tuple[int, int]:
        """Ranks [start, stop): from the last in range back, while members are >= min."""
        last = self.lex_last(spec)
        if last is None:
            return 0, 0
        if not self.listpack:
            first = self.lex_first(spec)
            return (last + 1 if first is None else first), last + 1
        start = last + 1
        for _, member in self.order.islice(0, last + 1, reverse=True):
            if not spec.gte_min(member):
                break
            start -= 1
        return start, last + 1

    # -- ZSCAN -----------------------------------------------------------------------

    def scan_batch(self, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """The next cursor and up to count members (those removed since are skipped).

        An iteration walks a copy of the member list taken when it starts; the set keeps
        its last few iterations (a cursor it has forgotten starts again from the top).
        """
        walks = self.walks
        if walks is None:
            walks = self.walks = {}
        walk_id = cursor >> 32
        found_walk = walks.get(walk_id) if cursor else None
        if found_walk is None:
            walk_id = self.next_walk
            self.next_walk += 1
            members = [member for _, member in self.order]
            walks[walk_id] = members
            if len(walks) > MAX_SCAN_WALKS:
                del walks[next(iter(walks))]
            position = 0
        else:
            members = found_walk
            position = cursor & 0xFFFFFFFF
        end = position + count
        found = [member for member in members[position:end] if member in self.scores]
        if end >= len(members):
            walks.pop(walk_id, None)
            return 0, found
        return walk_id << 32 | end, found


def from_pairs(pairs: Iterable[tuple[bytes, float]], max_entries: int, max_value: int) -> ZSet:
    """A new set as a store command leaves it: a listpack if it fits, else a skiplist.

    zsetConvertToListpackIfNeeded(): members are distinct.
    """
    result = ZSet(False)
    scores = result.scores
    for member, score in pairs:
        scores[member] = score
    fits = len(scores) <= max_entries and all(len(m) <= max_value for m in scores)
    if fits:
        result.listpack = True
        for member, score in scores.items():
            if score == 0.0:
                scores[member] = 0.0
    result.order = SortedList((score, member) for member, score in scores.items())
    return result


def _digest(start: bytes, value: ZSet) -> bytes:
    return digest.zset_digest(start, value.pairs())


def _encoding(value: ZSet) -> bytes:
    return b"listpack" if value.listpack else b"skiplist"


values.TYPE_NAMES[ZSet] = b"zset"
values.ENCODINGS[ZSet] = _encoding
digest.register_type(ZSet, digest.OBJ_ZSET, _digest)
