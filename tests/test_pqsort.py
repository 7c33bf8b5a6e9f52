"""Unit tests for replkv.pqsort: the wanted positions hold what a full sort puts there."""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase

from replkv.pqsort import pqsort


def _cmp(a: int, b: int) -> int:
    return (a > b) - (a < b)


class PqsortTests(SynchronousTestCase):
    def test_range_matches_a_full_sort(self) -> None:
        rng = random.Random(11)
        for _ in range(300):
            items = [rng.randrange(20) for _ in range(rng.randrange(1, 120))]
            left = rng.randrange(len(items))
            right = rng.randrange(left, len(items))
            expected = sorted(items)
            pqsort(items, _cmp, left, right)
            self.assertEqual(items[left : right + 1], expected[left : right + 1])
            self.assertEqual(sorted(items), expected)

    def test_whole_range_sorts_everything(self) -> None:
        items = list(range(100, 0, -1))
        pqsort(items, _cmp, 0, 99)
        self.assertEqual(items, list(range(1, 101)))
