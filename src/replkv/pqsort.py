"""Redis's partial quicksort (pqsort.c): Bentley & McIlroy's qsort that only sorts the
parts of the array overlapping a range of positions.

GEORADIUS / GEOSEARCH with COUNT sort their matches with it. It is not stable, so
matches at equal distances come out in the order its swaps leave them; doing the same
swaps gives the same replies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Compare = Callable[[Any, Any], int]


def pqsort(items: list[Any], cmp: Compare, lrange: int, rrange: int) -> None:
    """Sort items in place so that positions lrange..rrange hold what a full sort would."""
    _pqsort(items, 0, len(items), cmp, lrange, rrange)


def _insertion_sort(a: list[Any], base: int, n: int, cmp: Compare) -> None:
    for pm in range(base + 1, base + n):
        pl = pm
        while pl > base and cmp(a[pl - 1], a[pl]) > 0:
            a[pl], a[pl - 1] = a[pl - 1], a[pl]
            pl -= 1


def _med3(a: list[Any], i: int, j: int, k: int, cmp: Compare) -> int:
    if cmp(a[i], a[j]) < 0:
        if cmp(a[j], a[k]) < 0:
            return j
        return k if cmp(a[i], a[k]) < 0 else i
    if cmp(a[j], a[k]) > 0:
        return j
    return i if cmp(a[i], a[k]) < 0 else k


def _vecswap(a: list[Any], i: int, j: int, n: int) -> None:
    for offset in range(n):
        a[i + offset], a[j + offset] = a[j + offset], a[i + offset]


def _outside(lo: int, count: int, lrange: int, rrange: int) -> bool:
    """Whether the wanted positions miss the part [lo, lo + count) entirely."""
    end = lo + count
    return (lrange < lo and rrange < lo) or (lrange >= end and rrange >= end)


def _pqsort(a: list[Any], base: int, n: int, cmp: Compare, lrange: int, rrange: int) -> None:
    while True:
        if n < 7:
            _insertion_sort(a, base, n, cmp)
            return
        pm = base + n // 2
        if n > 7:
            pl = base
            pn = base + n - 1
            if n > 40:
                d = n // 8
                pl = _med3(a, pl, pl + d, pl + 2 * d, cmp)
                pm = _med3(a, pm - d, pm, pm + d, cmp)
                pn = _med3(a, pn - 2 * d, pn - d, pn, cmp)
            pm = _med3(a, pl, pm, pn, cmp)
        a[base], a[pm] = a[pm], a[base]
        pivot_index = base
        pa = pb = base + 1
        pc = pd = base + n - 1
        swapped = False
        while True:
            while pb <= pc:
                result = cmp(a[pb], a[pivot_index])
                if result > 0:
                    break
                if result == 0:
                    swapped = True
                    a[pa], a[pb] = a[pb], a[pa]
                    pa += 1
                pb += 1
            while pb <= pc:
                result = cmp(a[pc], a[pivot_index])
                if result < 0:
                    break
                if result == 0:
                    swapped = True
                    a[pc], a[pd] = a[pd], a[pc]
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            a[pb], a[pc] = a[pc], a[pb]
            swapped = True
            pb += 1
            pc -= 1
        if not swapped:  # already in order around the pivot: insertion sort
            _insertion_sort(a, base, n, cmp)
            return
        pn = base + n
        r = min(pa - base, pb - pa)
        _vecswap(a, base, pb - r, r)
        r = min(pd - pc, pn - pd - 1)
        _vecswap(a, pb, pn - r, r)
        r = pb - pa
        if r > 1 and not _outside(base, r, lrange, rrange):
            _pqsort(a, base, r, cmp, lrange, rrange)
        r = pd - pc
        if r <= 1:
            return
        base = pn - r
        n = r
        if _outside(base, n, lrange, rrange):
            return
