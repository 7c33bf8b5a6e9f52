"""Unit tests for replkv.hyperloglog (the encoding) and replkv.commands.hyperloglog."""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase

from replkv import hyperloglog as hll
from tests.support.harness import Harness

EMPTY = b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff"


def sparse(*opcodes: int) -> bytearray:
    return bytearray(b"HYLL\x01\x00\x00\x00" + bytes(8) + bytes(opcodes))


def dense_with(registers: dict[int, int]) -> bytearray:
    raw = bytearray(hll.REGISTERS)
    for index, value in registers.items():
        raw[index] = value
    return bytearray(b"HYLL\x00\x00\x00\x00" + bytes(8)) + hll.pack_registers(raw)


class HashTests(SynchronousTestCase):
    def test_pattern_matches_redis(self) -> None:
        """(register, run length) as PFDEBUG GETREG shows them on redis-server 7.0."""
        cases = {
            b"": (5938, 2),
            b"a": (12711, 2),
            b"hello": (9216, 1),
            b"12345678": (10579, 3),
            b"element:123456789": (10111, 6),
        }
        for element, expected in cases.items():
            self.assertEqual(hll.pattern(element), expected, element)

    def test_murmurhash_tail_lengths(self) -> None:
        self.assertEqual(hll.murmurhash64a(b"a"), 0x53D2470A9B43B1A7)
        self.assertEqual(hll.murmurhash64a(b"element:123456789"), 0x5B210693C7F8277F)
        seen = {hll.murmurhash64a(b"x" * n) for n in range(40)}
        self.assertEqual(len(seen), 40)


class DenseTests(SynchronousTestCase):
    def test_get_set_every_bit_offset(self) -> None:
        value = dense_with({})
        for index in (0, 1, 2, 3, 4, 5, 16382, 16383):
            self.assertEqual(hll.dense_set(value, index, 63 - index % 7), 1)
            self.assertEqual(hll.dense_set(value, index, 1), 0)
        for index in (0, 1, 2, 3, 4, 5, 16382, 16383):
            self.assertEqual(hll.dense_get(value, index), 63 - index % 7)
        self.assertEqual(len(value), hll.DENSE_SIZE)

    def test_pack_and_unpack_are_inverse(self) -> None:
        raw = bytearray((i * 7 + i // 5) % 64 for i in range(hll.REGISTERS))
        packed = bytearray(b"HYLL\x00\x00\x00\x00" + bytes(8)) + hll.pack_registers(raw)
        self.assertEqual(hll.dense_registers(packed), raw)
        self.assertEqual(hll.dense_get(packed, 12345), raw[12345])


class SparseTests(SynchronousTestCase):
    max_bytes = 3000

    def test_new_is_one_xzero(self) -> None:
        self.assertEqual(hll.new_sparse(), EMPTY)
        self.assertEqual(hll.decode(hll.new_sparse()), b"Z:16384")
        self.assertTrue(hll.is_hll(hll.new_sparse()))

    def test_split_xzero_into_xzero_val_xzero(self) -> None:
        value = hll.new_sparse()
        self.assertEqual(hll.sparse_set(value, 1000, 3, self.max_bytes), 1)
        self.assertEqual(hll.decode(value), b"Z:1000 v:3,1 Z:15383")
        self.assertIsNone(hll.cached_cardinality(value))

    def test_split_zero_and_merge_adjacent_vals(self) -> None:
        value = hll.new_sparse()
        hll.sparse_set(value, 10, 2, self.max_bytes)
        hll.sparse_set(value, 12, 2, self.max_bytes)
        self.assertEqual(hll.decode(value), b"z:10 v:2,1 z:1 v:2,1 Z:16371")
        hll.sparse_set(value, 11, 2, self.max_bytes)  # the single ZERO becomes a VAL
        self.assertEqual(hll.decode(value), b"z:10 v:2,3 Z:16371")
        self.assertEqual(hll.sparse_set(value, 11, 1, self.max_bytes), 0)
        hll.sparse_set(value, 11, 5, self.max_bytes)  # a VAL run split in three
        self.assertEqual(hll.decode(value), b"z:10 v:2,1 v:5,1 v:2,1 Z:16371")

    def test_value_above_32_promotes(self) -> None:
        value = hll.new_sparse()
        hll.sparse_set(value, 7, 2, self.max_bytes)
        self.assertEqual(hll.sparse_set(value, 9, 33, self.max_bytes), 1)
        self.assertEqual(value[4], hll.DENSE)
        self.assertEqual(len(value), hll.DENSE_SIZE)
        self.assertEqual(hll.dense_get(value, 7), 2)
        self.assertEqual(hll.dense_get(value, 9), 33)

    def test_growth_past_the_limit_promotes(self) -> None:
        value = hll.new_sparse()
        hll.sparse_set(value, 100, 1, 23)  # 18 → 23 bytes: still sparse
        self.assertEqual(value[4], hll.SPARSE)
        hll.sparse_set(value, 200, 1, 23)
        self.assertEqual(value[4], hll.DENSE)

    def test_hint_gives_the_same_bytes(self) -> None:
        plain = hll.new_sparse()
        hinted = hll.new_sparse()
        hint = [hll.HEADER_SIZE, 0]
        for index in range(0, hll.REGISTERS, 37):
            count = index % 5 + 1
            hll.sparse_set(plain, index, count, self.max_bytes)
            hll.sparse_set(hinted, index, count, self.max_bytes, hint)
        self.assertEqual(hinted, plain)

    def test_index_gives_the_same_bytes(self) -> None:
        """sparse_add() (scans from the index's marks) writes what sparse_set() writes."""
        rnd = random.Random(7)
        for max_bytes in (300, 3000):
            plain = hll.new_sparse()
            indexed = hll.new_sparse()
            for step in range(1800):
                if plain[4] == hll.DENSE:
                    break
                index = rnd.randrange(hll.REGISTERS) if rnd.random() < 0.8 else rnd.randrange(99)
                count = rnd.choice([1, 1, 2, 2, 3, 5, 9, 20, 32])
                self.assertEqual(
                    hll.sparse_add(indexed, index, count, max_bytes),
                    hll.sparse_set(plain, index, count, max_bytes),
                )
                self.assertEqual(indexed, plain, (max_bytes, step))
                if step % 97 == 0:
                    # A write the index did not see (PFMERGE's): it must notice.
                    other = rnd.randrange(hll.REGISTERS)
                    hll.sparse_set(plain, other, 4, max_bytes)
                    hll.sparse_set(indexed, other, 4, max_bytes)

    def test_corrupted_opcodes(self) -> None:
        for value in (sparse(), sparse(0x7F, 0x00), sparse(0x7F, 0xFF, 0x80), sparse(0x40)):
            self.assertRaises(hll.CorruptedHLL, hll.histogram, value)
            self.assertRaises(hll.CorruptedHLL, hll.sparse_to_dense, bytearray(value))
            self.assertRaises(hll.CorruptedHLL, hll.merge_into, bytearray(hll.REGISTERS), value)
        self.assertRaises(hll.CorruptedHLL, hll.sparse_set, sparse(0x7F, 0x00), 16383, 1, 3000)


class EstimateTests(SynchronousTestCase):
    def test_empty_and_small(self) -> None:
        self.assertEqual(hll.count(hll.new_sparse()), 0)
        value = hll.new_sparse()
        for element in (b"a", b"b", b"c"):
            hll.add(value, element, 3000)
        self.assertEqual(hll.count(value), 3)

    def test_sparse_and_dense_agree(self) -> None:
        value = hll.new_sparse()
        for i in range(500):
            hll.add(value, b"%d" % i, 3000)
        self.assertEqual(value[4], hll.SPARSE)
        dense = bytearray(value)
        hll.sparse_to_dense(dense)
        self.assertEqual(hll.count(dense), hll.count(value))
        self.assertLess(abs(hll.count(value) - 500), 10)

    def test_every_register_past_the_hash_overflows(self) -> None:
        value = dense_with(dict.fromkeys(range(hll.REGISTERS), 63))
        self.assertEqual(hll.count(value), hll.LLROUND_OVERFLOW)
        self.assertEqual(hll.as_reply_integer(hll.LLROUND_OVERFLOW), -(2**63))


class CommandTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = Harness()

    def tearDown(self) -> None:
        self.assertEqual(self.h.replay().dataset(), self.h.dataset())

    def events(self, since: int) -> list[list[bytes]]:
        return [e for e in self.h.new_events(since) if e[0] != b"SELECT"]

    def test_pfadd_propagates_only_changes(self) -> None:
        h = self.h
        mark = h.mark()
        self.assertEqual(h("PFADD", "h", "a", "b"), b":1\r\n")
        self.assertEqual(h("PFADD", "h", "a"), b":0\r\n")
        self.assertEqual(h("PFADD", "new"), b":1\r\n")
        self.assertEqual(h("PFADD", "new"), b":0\r\n")
        self.assertEqual(self.events(mark), [[b"PFADD", b"h", b"a", b"b"], [b"PFADD", b"new"]])
        self.assertEqual(h("GET", "new"), b"$18\r\n" + EMPTY[:15] + b"\x80" + EMPTY[16:] + b"\r\n")

    def test_pfcount_refreshes_the_cache_once(self) -> None:
        h = self.h
        h("PFADD", "h", "a", "b", "c")
        mark = h.mark()
        self.assertEqual(h("PFCOUNT", "h"), b":3\r\n")
        self.assertEqual(h("PFCOUNT", "h"), b":3\r\n")
        self.assertEqual(h("PFCOUNT", "h", "nokey"), b":3\r\n")
        self.assertEqual(h("PFCOUNT", "nokey"), b":0\r\n")
        self.assertEqual(self.events(mark), [[b"PFCOUNT", b"h"]])
        self.assertEqual(h.db.get(b"h")[8:16], b"\x03" + bytes(7))

    def test_set_value_is_copied_before_changes(self) -> None:
        h = self.h
        h("SET", "h", EMPTY)
        h("COPY", "h", "h2")
        h("PFADD", "h", "a")
        self.assertEqual(h("PFCOUNT", "h"), b":1\r\n")
        self.assertEqual(h("PFCOUNT", "h2"), b":0\r\n")
        self.assertEqual(h("STRLEN", "h2"), b":18\r\n")

    def test_pfmerge_and_pfdebug_events(self) -> None:
        h = self.h
        h("PFADD", "a", "x", "y")
        mark = h.mark()
        self.assertEqual(h("PFMERGE", "m", "a", "nokey"), b"+OK\r\n")
        self.assertEqual(h("PFDEBUG", "ENCODING", "m"), b"+sparse\r\n")
        self.assertEqual(h("PFDEBUG", "TODENSE", "m"), b":1\r\n")
        self.assertEqual(h("PFDEBUG", "TODENSE", "m"), b":0\r\n")
        self.assertEqual(h("PFDEBUG", "DECODE", "m"), b"-ERR HLL encoding is not sparse\r\n")
        getreg = h("PFDEBUG", "GETREG", "a")
        assert getreg is not None
        self.assertTrue(getreg.startswith(b"*16384\r\n"))
        self.assertEqual(
            self.events(mark),
            [
                [b"PFMERGE", b"m", b"a", b"nokey"],
                [b"PFDEBUG", b"TODENSE", b"m"],
                [b"PFDEBUG", b"GETREG", b"a"],
            ],
        )
        self.assertEqual(h("PFCOUNT", "a", "m"), b":2\r\n")

    def test_errors(self) -> None:
        h = self.h
        h("SET", "s", "x")
        h("RPUSH", "l", "x")
        corrupted = sparse(0x7F, 0x00)
        h("SET", "cached", bytes(corrupted))  # a valid cache is trusted, as in Redis
        hll.invalidate_cache(corrupted)
        h("SET", "c", bytes(corrupted))
        wrong_hll = b"-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"
        self.assertEqual(h("PFADD", "s", "a"), wrong_hll)
        self.assertEqual(h("PFCOUNT", "l"), h("GET", "l"))
        self.assertEqual(h("PFCOUNT", "cached"), b":0\r\n")
        self.assertEqual(h("PFCOUNT", "c"), b"-INVALIDOBJ Corrupted HLL object detected\r\n")
        self.assertEqual(h("PFMERGE", "d", "c"), b"-INVALIDOBJ Corrupted HLL object detected\r\n")
        self.assertEqual(
            h("PFDEBUG", "nope", "nokey"), b"-ERR The specified key does not exist\r\n"
        )
        self.assertEqual(h("PFDEBUG", "nope", "c"), b"-ERR Unknown PFDEBUG subcommand 'nope'\r\n")
        self.assertEqual(h("EXISTS", "d"), b":0\r\n")

    def test_partly_applied_pfadd_on_a_corrupted_hll_propagates_its_bytes(self) -> None:
        h = self.h
        short = sparse(0x40, 0xFF)  # XZERO:256, registers 256 and up missing
        hll.invalidate_cache(short)
        h("SET", "c", bytes(short))
        mark = h.mark()
        candidates = [b"%d" % i for i in range(2000)]
        low = [e for e in candidates if hll.pattern(e)[0] < 256][:3]
        high = [e for e in candidates if hll.pattern(e)[0] >= 256][:1]
        elements = low + high  # three registers set, then the corruption is found
        self.assertEqual(
            h("PFADD", "c", *elements), b"-INVALIDOBJ Corrupted HLL object detected\r\n"
        )
        changed = h.db.get(b"c")
        self.assertNotEqual(changed, short)
        self.assertEqual(self.events(mark), [[b"SET", b"c", bytes(changed), b"KEEPTTL"]])

    def test_selftest(self) -> None:
        self.assertEqual(self.h("PFSELFTEST"), b"+OK\r\n")
