"""The set value (t_set.c): a Python set of bytes that knows its Redis 7.0 encoding.

Redis 7.0 keeps a set as an `intset` while every member is an integer in its one
canonical spelling (string2ll) and there are at most set-max-intset-entries of them,
and converts it to a `hashtable` for good otherwise (7.0 has no listpack sets). A
canonical spelling makes bytes equality the same as integer equality, so one Python
set serves both encodings; an intset lists its members in numeric order.

Python sets have no positional access: random members come from a sampled copy of
the member list, and SSCAN walks a copy of the list taken when an iteration starts
(see `SetValue.random_member` and `SetValue.scan_batch`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from replkv.integers import string_to_ll

INTSET_HARD_LIMIT = 1 << 30  # setTypeAdd(): intsets never grow past 1G entries
POSITION_BITS = 32
POSITION_MASK = (1 << POSITION_BITS) - 1
MAX_WALKS = 16  # SSCAN iterations held per set (least recently started dropped)
# The random-member sample is refreshed after len/SAMPLE_REUSE picks, once the set
# grew by more than len/SAMPLE_REUSE, or shrank to half of it.
SAMPLE_REUSE = 16
SAMPLE_MISSES = 4
# srandmemberWithCountCommand(): past this share of the set, sample the whole list.
SRANDMEMBER_SUB_STRATEGY_MUL = 3

_random = random.Random()


def is_intset_member(member: bytes) -> bool:
    """Whether an intset can hold member (isSdsRepresentableAsLongLong())."""
    return len(member) <= 20 and string_to_ll(member) is not None


def intset_limit(max_entries: int) -> int:
    """set-max-intset-entries as setTypeAdd() applies it."""
    return min(max_entries, INTSET_HARD_LIMIT)


def would_be_intset(members: Iterable[bytes], size: int, max_entries: int) -> bool:
    """Whether a set built by adding these members (size of them) stays an intset."""
    if size > intset_limit(max_entries):
        return False
    return all(len(m) <= 20 and string_to_ll(m) is not None for m in members)


class SetValue(set[bytes]):
    """A set of members, and whether Redis would hold it as a hashtable by now."""

    __slots__ = ("hashtable", "_walks", "_next_walk", "_sample", "_picks")

    def __init__(self, members: Iterable[bytes] = (), hashtable: bool = False) -> None:
        super().__init__(members)
        self.hashtable = hashtable
        self._walks: dict[int, list[bytes]] | None = None
        self._next_walk = 1
        self._sample: list[bytes] | None = None
        self._picks = 0

    def copy(self) -> SetValue:
        """setTypeDup(): same members, same encoding."""
        return SetValue(self, self.hashtable)

    def add_members(self, members: Iterable[bytes], max_entries: int) -> int:
        """setTypeAdd() for each member: how many were new; converts as Redis does."""
        before = len(self)
        if self.hashtable:
            self.update(members)
            return len(self) - before
        for member in members:
            if member not in self:
                self.add(member)
                if not self.hashtable and not is_intset_member(member):
                    self.hashtable = True
        if len(self) > intset_limit(max_entries):
            self.hashtable = True
        return len(self) - before

    def ordered(self) -> list[bytes]:
        """The members in Redis's iteration order: numeric for an intset."""
        if self.hashtable:
            return list(self)
        return sorted(self, key=int)

    # -- random members -------------------------------------------------------------

    def random_member(self) -> bytes:
        """A member picked (almost) uniformly; the set must not be empty.

        Picks come from a copy of the member list, reused for a while: members added
        since the copy are not candidates until it is refreshed.
        """
        sample = self._sample
        size = len(self)
        if (
            sample is None
            or self._picks > len(sample) // SAMPLE_REUSE
            or size > len(sample) + len(sample) // SAMPLE_REUSE
            or size < len(sample) // 2
        ):
            sample = self._refresh_sample()
        misses = 0
        while True:
            member = sample[_random.randrange(len(sample))]
            if member in self:
                self._picks += 1
                return member
            misses += 1
            if misses >= SAMPLE_MISSES:
                sample = self._refresh_sample()
                misses = 0

    def random_distinct(self, count: int) -> list[bytes]:
        """count distinct members picked at random; count < len(self)."""
        if count * SRANDMEMBER_SUB_STRATEGY_MUL > len(self):
            return _random.sample(list(self), count)
        chosen: dict[bytes, None] = {}
        while len(chosen) < count:
            chosen[self.random_member()] = None
        return list(chosen)

    def _refresh_sample(self) -> list[bytes]:
        sample = self._sample = list(self)
        self._picks = 0
        return sample

    # -- SSCAN ----------------------------------------------------------------------

    def scan_batch(self, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """The next cursor and up to count candidate members (maybe removed since).

        A cursor is `walk id << 32 | position` into a copy of the member list taken
        when the iteration started: every member present from the start of an
        iteration to its end is returned exactly once. An unknown cursor starts a new
        iteration (members may then come again, never be missed).
        """
        walks = self._walks
        members = walks.get(cursor >> POSITION_BITS) if walks is not None and cursor else None
        position = cursor & POSITION_MASK
        if members is None or position >= len(members):
            if len(self) <= count:
                return 0, list(self)
            if walks is None:
                walks = self._walks = {}
            walk_id = self._next_walk
            self._next_walk = walk_id + 1 if walk_id < POSITION_MASK else 1
            members = walks[walk_id] = list(self)
            if len(walks) > MAX_WALKS:
                del walks[next(iter(walks))]
            position = 0
        else:
            walk_id = cursor >> POSITION_BITS
        end = position + count
        batch = members[position:end]
        if end >= len(members):
            assert walks is not None
            walks.pop(walk_id, None)
            return 0, batch
        return walk_id << POSITION_BITS | end, batch


def built_set(members: Iterable[bytes], max_entries: int) -> SetValue:
    """A new set holding members, encoded as adding them one by one would leave it."""
    value = SetValue(members)
    value.hashtable = not would_be_intset(value, len(value), max_entries)
    return value


def set_encoding(value: SetValue) -> bytes:
    """OBJECT ENCODING of a set."""
    return b"hashtable" if value.hashtable else b"intset"
