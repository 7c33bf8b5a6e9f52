"""Unit tests for replkv.bitfield: types, field reads and writes, Redis's overflow rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from replkv.bitfield import (
    OVERFLOW_FAIL,
    OVERFLOW_SAT,
    OVERFLOW_WRAP,
    get_field,
    hash_offset,
    only_reads,
    parse_type,
    set_field,
    settle,
)

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


class TypeTests(SynchronousTestCase):
    def test_valid_types(self) -> None:
        self.assertEqual(parse_type(b"i1"), (True, 1))
        self.assertEqual(parse_type(b"i64"), (True, 64))
        self.assertEqual(parse_type(b"u1"), (False, 1))
        self.assertEqual(parse_type(b"u63"), (False, 63))
        self.assertEqual(parse_type(b"i8\x00junk"), (True, 8))  # a C string's end

    def test_invalid_types(self) -> None:
        for arg in (b"u64", b"i65", b"u0", b"i0", b"x8", b"", b"i", b"i08", b"I8", b"i+8",
                    b"i-8", b"i 8", b"i8 ", b"i1.0", b"u99999999999999999999"):  # fmt: skip
            self.assertIsNone(parse_type(arg), arg)

    def test_hash_offsets_wrap_like_c(self) -> None:
        self.assertEqual(hash_offset(3, 8), 24)
        self.assertEqual(hash_offset(-1, 8), -8)
        self.assertEqual(hash_offset(2305843009213693953, 8), 8)  # 2**64 + 8 wraps to 8
        self.assertEqual(hash_offset(INT64_MAX, 64), -64)


class FieldTests(SynchronousTestCase):
    def test_reads_past_the_end_are_zeros(self) -> None:
        data = b"\xff"
        self.assertEqual(get_field(data, 4, 8, False), 0xF0)
        self.assertEqual(get_field(data, 4, 8, True), -16)
        self.assertEqual(get_field(data, 100, 64, True), 0)
        self.assertEqual(get_field(b"", 0, 63, False), 0)

    def test_unaligned_write_keeps_neighbours(self) -> None:
        data = bytearray(b"\xff\xff\xff")
        set_field(data, 5, 11, 0)
        self.assertEqual(data, bytearray(b"\xf8\x00\xff"))
        set_field(data, 5, 11, -1)  # a negative value is written in two's complement
        self.assertEqual(data, bytearray(b"\xff\xff\xff"))

    @given(st.binary(min_size=12, max_size=14), st.integers(0, 24), st.integers(1, 64),
           st.integers(INT64_MIN, INT64_MAX))  # fmt: skip
    def test_write_then_read(self, raw: bytes, offset: int, bits: int, value: int) -> None:
        data = bytearray(raw)
        set_field(data, offset, bits, value)
        expected = settle(value, 0, True, bits, OVERFLOW_WRAP)
        self.assertEqual(get_field(data, offset, bits, True), expected)
        # Only the field's bits changed.
        mask = ((1 << bits) - 1) << (len(raw) * 8 - offset - bits)
        before = int.from_bytes(raw, "big") & ~mask
        self.assertEqual(int.from_bytes(data, "big") & ~mask, before)


class OverflowTests(SynchronousTestCase):
    def test_unsigned(self) -> None:
        self.assertEqual(settle(255, 1, False, 8, OVERFLOW_WRAP), 0)
        self.assertEqual(settle(255, 1, False, 8, OVERFLOW_SAT), 255)
        self.assertIsNone(settle(255, 1, False, 8, OVERFLOW_FAIL))
        self.assertEqual(settle(0, -1, False, 8, OVERFLOW_WRAP), 255)
        self.assertEqual(settle(0, -1, False, 8, OVERFLOW_SAT), 0)
        self.assertEqual(settle(3, -2, False, 8, OVERFLOW_FAIL), 1)

    def test_unsigned_set_of_a_negative_saturates_to_the_maximum(self) -> None:
        self.assertEqual(settle(-1, 0, False, 8, OVERFLOW_SAT), 255)
        self.assertEqual(settle(-1, 0, False, 8, OVERFLOW_WRAP), 255)
        self.assertEqual(settle(-256, 0, False, 8, OVERFLOW_WRAP), 0)
        self.assertIsNone(settle(-1, 0, False, 63, OVERFLOW_FAIL))

    def test_signed(self) -> None:
        self.assertEqual(settle(127, 1, True, 8, OVERFLOW_WRAP), -128)
        self.assertEqual(settle(127, 1, True, 8, OVERFLOW_SAT), 127)
        self.assertEqual(settle(-128, -1, True, 8, OVERFLOW_SAT), -128)
        self.assertEqual(settle(-128, -1, True, 8, OVERFLOW_WRAP), 127)
        self.assertEqual(settle(-100, 0, True, 64, OVERFLOW_FAIL), -100)
        self.assertEqual(settle(INT64_MAX, 1, True, 64, OVERFLOW_WRAP), INT64_MIN)
        self.assertEqual(settle(INT64_MIN, -1, True, 64, OVERFLOW_SAT), INT64_MIN)
        self.assertEqual(settle(INT64_MIN, INT64_MAX, True, 64, OVERFLOW_FAIL), -1)

    def test_signed_set_far_below_wraps_into_an_upward_overflow(self) -> None:
        # Redis computes max - value in 64 bits: it wraps, and SAT stores the maximum.
        self.assertEqual(settle(INT64_MIN, 0, True, 8, OVERFLOW_SAT), 127)
        self.assertEqual(settle(-(1 << 62) - 1, 0, True, 63, OVERFLOW_SAT), (1 << 62) - 1)
        self.assertEqual(settle(-129, 0, True, 8, OVERFLOW_SAT), -128)

    def test_only_reads(self) -> None:
        self.assertTrue(only_reads([]))
        self.assertTrue(
            only_reads([b"GET", b"u8", b"0", b"overflow", b"fail", b"get", b"i8", b"1"])
        )
        self.assertFalse(only_reads([b"GET", b"u8", b"0", b"SET", b"u8", b"0", b"1"]))
        self.assertFalse(only_reads([b"GET", b"u8"]))
        self.assertFalse(only_reads([b"bogus"]))
