"""Longest common subsequence as lcsCommand() (t_string.c) finds it, bit-parallel.

Redis fills an (alen+1)*(blen+1) table of LCS lengths and walks it back from the
end. We keep one row of that table per byte of `a` as a bit vector over `b`
(Hyyrö's bit-parallel LCS): bit k of row i is 0 where LCS(i, k+1) = LCS(i, k) + 1.
A row follows from the previous one with a few big-integer operations, so the
work is O(alen*blen/w) in C, and the walk back reads single bits of the rows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

# (a_start, a_end, b_start, b_end), inclusive, as LCS IDX reports a match.
Range = tuple[int, int, int, int]


def _match_masks(b: bytes) -> dict[int, int]:
    """For each byte of b: the bit vector of the positions where it occurs."""
    reversed_b = b[::-1]  # int(..., 2) reads the most significant digit first
    masks = {}
    for byte in set(b):
        table = bytearray(b"0" * 256)
        table[byte] = ord("1")
        masks[byte] = int(reversed_b.translate(table), 2)
    return masks


def _rows(a: bytes, b: bytes) -> Iterator[int]:
    """Rows 1..alen of the table: bit k set where LCS(i, k+1) == LCS(i, k)."""
    full = (1 << len(b)) - 1
    masks = _match_masks(b)
    row = full  # row 0: LCS(0, j) = 0 for every j
    for byte in a:
        matches = row & masks.get(byte, 0)
        if matches:
            row = ((row + matches) | (row - matches)) & full
        yield row


def lcs_length(a: bytes, b: bytes) -> int:
    """LCS(alen, blen): the length of the longest common subsequence."""
    if not a or not b:
        return 0
    last = deque(_rows(a, b), maxlen=1)[0]  # only the final row is needed
    return len(b) - last.bit_count()


def lcs_walk(a: bytes, b: bytes, min_match_len: int) -> tuple[bytes, list[Range]]:
    """The LCS Redis reports and its matching ranges (those of at least min_match_len).

    The walk is lcsCommand()'s: from (alen, blen), on equal bytes step diagonally;
    otherwise step up (i-1) when LCS(i-1, j) > LCS(i, j-1), else left (j-1). On a
    mismatch LCS(i, j) is the larger of the two, so LCS(i-1, j) is the greater one
    exactly when LCS(i, j-1) < LCS(i, j): when bit j-1 of row i is 0.
    """
    if not a or not b:
        return b"", []
    rows = list(_rows(a, b))
    length = len(b) - rows[-1].bit_count()
    row_bytes = (len(b) + 7) // 8
    result = bytearray(length)
    ranges: list[Range] = []
    unset = len(a)  # arange_start == alen means "no range open"
    a_start, a_end, b_start, b_end = unset, 0, 0, 0
    i, j = len(a), len(b)
    bits_row = -1
    bits = b""
    idx = length
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            idx -= 1
            result[idx] = a[i - 1]
            if a_start == unset:
                a_start = a_end = i - 1
                b_start = b_end = j - 1
            elif a_start == i and b_start == j:
                a_start -= 1
                b_start -= 1
            else:
                emit = True
            if a_start == 0 or b_start == 0:
                emit = True
            i -= 1
            j -= 1
        else:
            if bits_row != i:
                # Bytes of the row, read one bit at a time as j moves left.
                bits = rows[i - 1].to_bytes(row_bytes, "little")
                bits_row = i
            k = j - 1
            if bits[k >> 3] >> (k & 7) & 1:
                j -= 1
            else:
                i -= 1
            if a_start != unset:
                emit = True
        if emit:
            if a_end - a_start + 1 >= min_match_len:  # always, when it is 0
                ranges.append((a_start, a_end, b_start, b_end))
            a_start = unset
    return bytes(result), ranges
