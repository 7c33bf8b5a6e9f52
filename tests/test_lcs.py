"""Unit tests for replkv.lcs and the LCS command: the bit-parallel LCS against the table DP."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from replkv.lcs import lcs_length, lcs_walk
from tests.support.harness import Harness

# Small alphabets make many equal-length choices, where the walk's tie-breaking shows.
ALPHABETS = [b"a", b"ab", b"abc", b"ab\x00", b"acgt", b"\r\n", bytes(range(256))]


# -- the oracle: the former implementation, Redis's table and walk as written in C ---------


def _table(a: bytes, b: bytes) -> list[list[int]]:
    """table[i][j] = length of the LCS of a[:i] and b[:j] (the vanilla DP)."""
    width = len(b) + 1
    previous = [0] * width
    table = [previous]
    for char in a:
        row = [0] * width
        for j in range(1, width):
            if b[j - 1] == char:
                row[j] = previous[j - 1] + 1
            else:
                up = previous[j]
                left = row[j - 1]
                row[j] = up if up > left else left
        table.append(row)
        previous = row
    return table


def _walk(
    a: bytes, b: bytes, table: list[list[int]], min_match_len: int
) -> tuple[bytes, list[tuple[int, int, int, int]]]:
    """Walk the table back from the end as lcsCommand() does: the LCS and the ranges."""
    i, j = len(a), len(b)
    idx = table[i][j]
    result = bytearray(idx)
    ranges = []
    unset = len(a)  # arange_start == alen means "no range open"
    a_start, a_end, b_start, b_end = unset, 0, 0, 0
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            result[idx - 1] = a[i - 1]
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
            idx -= 1
            i -= 1
            j -= 1
        else:
            if table[i - 1][j] > table[i][j - 1]:
                i -= 1
            else:
                j -= 1
            if a_start != unset:
                emit = True
        if emit:
            match_len = a_end - a_start + 1
            if min_match_len == 0 or match_len >= min_match_len:
                ranges.append((a_start, a_end, b_start, b_end))
            a_start = unset
    return bytes(result), ranges


def _int(n: int) -> bytes:
    return b":%d\r\n" % n


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(value), value)


def oracle_reply(a: bytes, b: bytes, options: list[bytes], resp: int) -> bytes:
    """The reply of the former table implementation to LCS with these (valid) options."""
    get_len = get_idx = with_match_len = False
    min_match_len = 0
    i = 0
    while i < len(options):
        option = options[i].lower()
        if option == b"minmatchlen":
            min_match_len = max(int(options[i + 1]), 0)
            i += 1
        get_len |= option == b"len"
        get_idx |= option == b"idx"
        with_match_len |= option == b"withmatchlen"
        i += 1
    if get_len and get_idx:
        return b"-ERR If you want both the length and indexes, please just use IDX.\r\n"
    table = _table(a, b)
    length = table[len(a)][len(b)]
    if get_len:
        return _int(length)
    text, ranges = _walk(a, b, table, min_match_len)
    if not get_idx:
        return _bulk(text)
    matches = []
    for a_start, a_end, b_start, b_end in ranges:
        match = b"*2\r\n" + _int(a_start) + _int(a_end) + b"*2\r\n" + _int(b_start) + _int(b_end)
        if with_match_len:
            matches.append(b"*3\r\n" + match + _int(a_end - a_start + 1))
        else:
            matches.append(b"*2\r\n" + match)
    header = b"%2\r\n" if resp == 3 else b"*4\r\n"
    matches_header = b"*%d\r\n" % len(matches)
    return b"".join(
        [header, _bulk(b"matches"), matches_header, *matches, _bulk(b"len"), _int(length)]
    )


# -- strategies ----------------------------------------------------------------------------


@st.composite
def string_pairs(draw: st.DrawFn, max_size: int = 40) -> tuple[bytes, bytes]:
    """Two strings over one small alphabet (sometimes all 256 bytes)."""
    alphabet = draw(st.sampled_from(ALPHABETS))
    chars = st.sampled_from(alphabet)
    a = bytes(draw(st.lists(chars, max_size=max_size)))
    b = bytes(draw(st.lists(chars, max_size=max_size)))
    return a, b


@st.composite
def lcs_options(draw: st.DrawFn) -> list[bytes]:
    """Any mix of LEN, IDX, WITHMATCHLEN and MINMATCHLEN n, in any order and case."""
    names = [b"LEN", b"IDX", b"WITHMATCHLEN", b"MINMATCHLEN"]
    options: list[bytes] = []
    for name in draw(st.lists(st.sampled_from(names), max_size=5)):
        options.append(draw(st.sampled_from([name, name.lower(), name.capitalize()])))
        if name == b"MINMATCHLEN":
            options.append(b"%d" % draw(st.integers(-2, 6)))
    return options


# -- tests ---------------------------------------------------------------------------------


class BitParallelTests(SynchronousTestCase):
    """replkv.lcs on its own."""

    def test_empty(self) -> None:
        for a, b in ((b"", b""), (b"abc", b""), (b"", b"abc")):
            self.assertEqual(lcs_length(a, b), 0)
            self.assertEqual(lcs_walk(a, b, 0), (b"", []))

    def test_known(self) -> None:
        self.assertEqual(lcs_length(b"ohmytext", b"mynewtext"), 6)
        self.assertEqual(
            lcs_walk(b"ohmytext", b"mynewtext", 0), (b"mytext", [(4, 7, 5, 8), (2, 3, 0, 1)])
        )
        self.assertEqual(lcs_walk(b"ohmytext", b"mynewtext", 3), (b"mytext", [(4, 7, 5, 8)]))
        self.assertEqual(lcs_walk(b"abc", b"def", 0), (b"", []))
        self.assertEqual(lcs_walk(b"abc", b"abc", 0), (b"abc", [(0, 2, 0, 2)]))

    @settings(max_examples=400, deadline=None)
    @given(string_pairs(max_size=90), st.integers(0, 4))
    def test_same_as_table(self, pair: tuple[bytes, bytes], min_match_len: int) -> None:
        a, b = pair
        table = _table(a, b)
        self.assertEqual(lcs_length(a, b), table[len(a)][len(b)])
        self.assertEqual(lcs_walk(a, b, min_match_len), _walk(a, b, table, min_match_len))

    def test_same_as_table_long(self) -> None:
        """Rows of many machine words, and runs of matches and mismatches."""
        rnd = random.Random(11)
        for alphabet in (b"ab", b"acgt", bytes(range(256))):
            for _ in range(3):
                a = bytes(rnd.choice(alphabet) for _ in range(rnd.randrange(300, 500)))
                b = bytes(rnd.choice(alphabet) for _ in range(rnd.randrange(300, 500)))
                b = b[:100] + a[50:250] + b[100:]  # a long common stretch
                table = _table(a, b)
                self.assertEqual(lcs_walk(a, b, 2), _walk(a, b, table, 2))


class LcsCommandTests(SynchronousTestCase):
    """The LCS command's replies: the former implementation is the oracle."""

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(string_pairs(), lcs_options(), st.sampled_from([2, 3]))
    def test_same_reply_as_table(
        self, pair: tuple[bytes, bytes], options: list[bytes], resp: int
    ) -> None:
        a, b = pair
        r = Harness()
        r.client.set_resp(resp)
        r("MSET", "a", a, "b", b)
        self.assertEqual(r("LCS", "a", "b", *options), oracle_reply(a, b, options, resp))

    def test_large_strings(self) -> None:
        """Two 20,000-byte strings (Redis's table would need 1.6 GB): the replies hold together.

        The oracle's table is too slow at this size, so the checks are the ones any LCS
        must pass: a subsequence of both strings, as long as LEN says.
        """
        r = Harness()
        r.server.config.proto_max_bulk_len = 1 << 32
        rnd = random.Random(5)
        same = bytes(rnd.choice(b"acgt") for _ in range(20_000))
        r("MSET", "a", same, "b", same)
        self.assertEqual(r("LCS", "a", "b"), b"$20000\r\n" + same + b"\r\n")
        self.assertEqual(
            r("LCS", "a", "b", "IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"),
            b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:19999\r\n"
            b"*2\r\n:0\r\n:19999\r\n:20000\r\n$3\r\nlen\r\n:20000\r\n",
        )
        r("MSET", "a", b"a" * 20_000, "b", b"b" * 20_000)
        self.assertEqual(r("LCS", "a", "b"), b"$0\r\n\r\n")
        self.assertEqual(r("LCS", "a", "b", "LEN"), b":0\r\n")
        pairs = [
            (bytes(rnd.choice(b"ab") for _ in range(20_000)),
             bytes(rnd.choice(b"ab") for _ in range(20_000))),
            (rnd.randbytes(20_000), rnd.randbytes(20_000)),
        ]  # fmt: skip
        for a, b in pairs:
            r("MSET", "a", a, "b", b)
            reply = r("LCS", "a", "b")
            assert reply is not None
            header, _, rest = reply.partition(b"\r\n")
            common = rest[:-2]
            self.assertEqual(header, b"$%d" % len(common))
            self.assertTrue(is_subsequence(common, a) and is_subsequence(common, b))
            self.assertEqual(r("LCS", "a", "b", "LEN"), b":%d\r\n" % len(common))
            self.assertEqual(lcs_length(a, b), len(common))
            self.assertGreater(len(common), 0)


def is_subsequence(short: bytes, long: bytes) -> bool:
    """Whether `short` is `long` with some bytes left out."""
    rest = iter(long)
    return all(byte in rest for byte in short)
