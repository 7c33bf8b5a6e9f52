"""Unit tests for replkv.longdouble: x87 long double parsing, addition and printing."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from replkv import longdouble
from replkv.longdouble import (
    MAX_VALUE,
    MIN_QUANTUM_EXP,
    NotANumber,
    add,
    format_human,
    parse,
    round_to_long_double,
)


def incrbyfloat(start: bytes, increment: bytes) -> bytes:
    """What INCRBYFLOAT replies after SET key start (no error expected)."""
    a, b = parse(start), parse(increment)
    assert a is not None and b is not None
    return format_human(add(a, b))


class ParseTests(SynchronousTestCase):
    def test_decimal_forms(self) -> None:
        self.assertEqual(parse(b"10"), 10)
        self.assertEqual(parse(b"-2.5"), Fraction(-5, 2))
        self.assertEqual(parse(b"+.5"), Fraction(1, 2))
        self.assertEqual(parse(b"5."), 5)
        self.assertEqual(parse(b"1e3"), 1000)
        self.assertEqual(parse(b"1E+03"), 1000)
        self.assertEqual(parse(b"25e-2"), Fraction(1, 4))

    def test_hexadecimal_forms(self) -> None:
        self.assertEqual(parse(b"0x10"), 16)
        self.assertEqual(parse(b"0X1.8p1"), 3)
        self.assertEqual(parse(b"-0x.8"), Fraction(-1, 2))
        self.assertEqual(parse(b"0x1p-3"), Fraction(1, 8))

    def test_infinities_are_read(self) -> None:
        self.assertEqual(parse(b"inf"), float("inf"))
        self.assertEqual(parse(b"-Infinity"), float("-inf"))

    def test_refused(self) -> None:
        for text in [
            b"", b" 1", b"1 ", b"abc", b"nan", b"-NaN", b"1e", b".", b"-", b"0x", b"1_0",
            b"infin", b"1e5000", b"-1e5000", b"1e-5000", b"0x1p20000", b"1.2e4932",
        ]:  # fmt: skip
            self.assertIsNone(parse(text), text)

    def test_length_limit(self) -> None:
        self.assertIsNone(parse(b"1" + b"0" * (longdouble.MAX_LONG_DOUBLE_CHARS - 1)))
        self.assertIsNotNone(parse(b"0." + b"1" * (longdouble.MAX_LONG_DOUBLE_CHARS - 3)))

    def test_nul_is_trailing_garbage(self) -> None:
        # strtold() stops at the NUL, short of the length Redis checks it consumed.
        self.assertIsNone(parse(b"12\x00abc"))
        self.assertIsNone(parse(b"12\x00"))

    def test_exact_zero_is_not_an_underflow(self) -> None:
        self.assertEqual(parse(b"0e-5000"), 0)
        self.assertEqual(parse(b"-0"), 0)

    def test_subnormals_are_kept(self) -> None:
        value = parse(b"4e-4951")
        self.assertEqual(value, Fraction(1, 1 << -MIN_QUANTUM_EXP))

    def test_long_double_max(self) -> None:
        self.assertEqual(parse(b"1.18973149535723176502e+4932"), MAX_VALUE)
        self.assertIsNone(parse(b"1.18973149535723176509e+4932"))

    def test_rounds_to_nearest_long_double(self) -> None:
        value = parse(b"0.1")
        assert isinstance(value, Fraction)
        self.assertEqual(value.denominator, 1 << 67)
        self.assertEqual(value.numerator, 0xCCCCCCCCCCCCCCCD)


class RoundingTests(SynchronousTestCase):
    def test_ties_go_to_even(self) -> None:
        one = Fraction(1 << 63)
        self.assertEqual(round_to_long_double(one * 2 + 1), one * 2)  # .5 of a unit
        self.assertEqual(round_to_long_double(one * 2 + 3), one * 2 + 4)

    def test_overflow_gives_infinity(self) -> None:
        self.assertEqual(round_to_long_double(MAX_VALUE * 2), float("inf"))
        self.assertEqual(round_to_long_double(-MAX_VALUE * 2), float("-inf"))

    @given(st.fractions(max_denominator=10**30).filter(lambda f: abs(f) < 10**40))
    def test_result_is_representable_and_nearest(self, value: Fraction) -> None:
        rounded = round_to_long_double(value)
        assert isinstance(rounded, Fraction)
        # within half a unit in the last place of a 64-bit mantissa
        self.assertLessEqual(abs(rounded - value), abs(value) / 2**64)
        self.assertEqual(round_to_long_double(rounded), rounded)

    @given(st.floats(allow_nan=False, allow_infinity=False))
    def test_doubles_are_exact(self, value: float) -> None:
        self.assertEqual(round_to_long_double(Fraction(value)), Fraction(value))


class FormatTests(SynchronousTestCase):
    def test_redis_examples(self) -> None:
        # Values checked against redis-server 7.0.15.
        self.assertEqual(incrbyfloat(b"10.5", b"0.1"), b"10.6")
        self.assertEqual(incrbyfloat(b"5.0e3", b"2.0e2"), b"5200")
        self.assertEqual(incrbyfloat(b"1.1", b"2.2"), b"3.3")
        self.assertEqual(incrbyfloat(b"0", b"1e-30"), b"0")
        self.assertEqual(incrbyfloat(b"-1", b"1"), b"0")
        self.assertEqual(incrbyfloat(b"0", b"-1e-30"), b"0")
        self.assertEqual(incrbyfloat(b"0", b"0.123456789012345678"), b"0.12345678901234568")
        self.assertEqual(
            incrbyfloat(b"1e308", b"1e308")[:40], b"1999999999999999999933717593116912913211"
        )

    def test_huge_values_print_every_digit(self) -> None:
        text = format_human(MAX_VALUE)
        self.assertEqual(len(text), 4933)
        self.assertTrue(text.startswith(b"118973149535723176502"))

    def test_infinity(self) -> None:
        self.assertEqual(format_human(float("inf")), b"inf")
        self.assertEqual(format_human(float("-inf")), b"-inf")

    def test_print_rounds_half_even_on_the_exact_value(self) -> None:
        # 2**-18 has 18 decimals: 0.000003814697265625 → 0.00000381469726562 (even).
        self.assertEqual(format_human(Fraction(1, 1 << 18)), b"0.00000381469726562")
        self.assertEqual(format_human(Fraction(3, 1 << 18)), b"0.00001144409179688")

    @given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
    def test_integers_print_plainly(self, value: int) -> None:
        self.assertEqual(format_human(Fraction(value)), b"%d" % value)


class AddTests(SynchronousTestCase):
    def test_infinite_or_nan_results_are_refused(self) -> None:
        inf = float("inf")
        self.assertRaises(NotANumber, add, inf, Fraction(1))
        self.assertRaises(NotANumber, add, Fraction(1), -inf)
        self.assertRaises(NotANumber, add, MAX_VALUE, MAX_VALUE)

    @given(st.integers(-(2**62), 2**62), st.integers(-(2**62), 2**62))
    def test_integer_sums_are_exact(self, a: int, b: int) -> None:
        self.assertEqual(add(Fraction(a), Fraction(b)), a + b)

    @given(
        st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-1e9, max_value=1e9)
    )
    def test_printed_result_reads_back_to_the_same_value(self, number: object) -> None:
        value = parse(str(number).encode())
        assert value is not None
        total = add(value, Fraction(0))
        self.assertEqual(total, value)
        printed = parse(format_human(total))
        assert printed is not None
        # 17 decimals are not always enough to round-trip, but stay within one unit.
        self.assertLessEqual(abs(printed - total), Fraction(1, 10**17))
