"""x87 80-bit long double arithmetic, emulated exactly, for INCRBYFLOAT.

Redis reads INCRBYFLOAT operands with strtold(), adds them as `long double` (on x86-64
a 64-bit mantissa, 15-bit exponent) and prints the sum with "%.17Lf" before trimming
zeros (util.c: string2ld(), ld2string() in LD_STR_HUMAN mode). Python floats are
doubles, so their sums and digits differ (10.5 + 0.1 gives 10.6 in Redis, 10.59999…
with doubles). Values here are exact `Fraction`s that are always representable long
doubles, or the infinities; every operation rounds to nearest, ties to even, as the
FPU does by default.
"""

from __future__ import annotations

import re
from fractions import Fraction

MANTISSA_BITS = 64
MIN_EXPONENT = -16382  # of a normal number 1.x * 2**e
MAX_EXPONENT = 16383
# The quantum (weight of the last mantissa bit) of subnormals: 2**-16445.
MIN_QUANTUM_EXP = MIN_EXPONENT - (MANTISSA_BITS - 1)
# The largest finite value: (2**64 - 1) * 2**(16383 - 63).
MAX_VALUE = Fraction((1 << MANTISSA_BITS) - 1) * Fraction(2) ** (MAX_EXPONENT - MANTISSA_BITS + 1)
INF = float("inf")
ZERO = Fraction(0)

# util.c: MAX_LONG_DOUBLE_CHARS; string2ld() refuses strings this long or longer.
MAX_LONG_DOUBLE_CHARS = 5 * 1024
# %.17Lf: digits after the point.
PRINT_DECIMALS = 17

LongDouble = Fraction | float  # a Fraction, or float('inf') / float('-inf')

_DECIMAL = re.compile(rb"([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?")
_HEX = re.compile(
    rb"([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?"
)
_INFINITY = re.compile(rb"([+-]?)(?:inf|infinity)", re.IGNORECASE)
# Decimal digit strings longer than Python's int-parsing limit are converted in chunks.
_CHUNK = 4000
# Nonzero, yet rounds to zero: stands for literals far below the subnormals.
_BELOW_HALF_MIN_SUBNORMAL = Fraction(1, 1 << (-MIN_QUANTUM_EXP + 8))
# An exponent this large in magnitude overflows or underflows whatever the digits.
_HUGE_EXPONENT = 100_000


class NotANumber(ValueError):
    """The operation produced NaN or an infinity where Redis refuses one."""


def round_to_long_double(value: Fraction) -> LongDouble:
    """The long double nearest to value (ties to even), or ±inf when it overflows."""
    if value == 0:
        return Fraction(0)
    negative = value < 0
    magnitude = -value if negative else value
    num, den = magnitude.numerator, magnitude.denominator
    # exponent e with 2**e <= magnitude < 2**(e + 1)
    exponent = num.bit_length() - den.bit_length()
    if (num << max(-exponent, 0)) < (den << max(exponent, 0)):
        exponent -= 1
    quantum_exp = max(exponent - (MANTISSA_BITS - 1), MIN_QUANTUM_EXP)
    # mantissa = magnitude / 2**quantum_exp, rounded half to even
    if quantum_exp >= 0:
        scaled_num, scaled_den = num, den << quantum_exp
    else:
        scaled_num, scaled_den = num << -quantum_exp, den
    mantissa, remainder = divmod(scaled_num, scaled_den)
    twice = remainder * 2
    if twice > scaled_den or (twice == scaled_den and mantissa & 1):
        mantissa += 1
    if quantum_exp >= 0:
        result = Fraction(mantissa << quantum_exp)
    else:
        result = Fraction(mantissa, 1 << -quantum_exp)
    if result > MAX_VALUE:
        return -INF if negative else INF
    return -result if negative else result


def _digits_to_int(digits: bytes) -> int:
    """int(digits) for any length (Python refuses more than 4300 digits at once)."""
    if len(digits) <= _CHUNK:
        return int(digits) if digits else 0
    head, tail = digits[:-_CHUNK], digits[-_CHUNK:]
    return _digits_to_int(head) * 10**_CHUNK + int(tail)


def _int_to_digits(value: int) -> bytes:
    """b"%d" % value for any size (Python refuses more than 4300 digits at once)."""
    if value < 10**_CHUNK:
        return b"%d" % value
    head, tail = divmod(value, 10**_CHUNK)
    return _int_to_digits(head) + b"%0*d" % (_CHUNK, tail)


def _exponent(text: bytes | None) -> int:
    """An exponent field, clamped so absurd ones cannot blow up the arithmetic."""
    if not text:
        return 0
    sign = -1 if text[:1] == b"-" else 1
    digits = text.lstrip(b"+-").lstrip(b"0")
    if len(digits) > 7:
        return sign * _HUGE_EXPONENT
    return sign * int(digits or b"0")


def _exact_decimal(int_part: bytes, frac_part: bytes, exp_text: bytes | None) -> Fraction | None:
    """The exact value of a decimal literal; None when it is beyond any long double."""
    digits = (int_part + frac_part).lstrip(b"0")
    exponent = _exponent(exp_text) - len(frac_part)
    stripped = digits.rstrip(b"0")
    exponent += len(digits) - len(stripped)
    if not stripped:
        return Fraction(0)
    # value = stripped * 10**exponent, with len(stripped) significant digits
    magnitude = exponent + len(stripped)  # value < 10**magnitude
    if magnitude > 4934:
        return None  # beyond MAX_VALUE (~1.19e4932): overflow
    if magnitude < -4951:
        return _BELOW_HALF_MIN_SUBNORMAL
    mantissa = _digits_to_int(stripped)
    if exponent >= 0:
        return Fraction(mantissa * 10**exponent)
    return Fraction(mantissa, 10**-exponent)


def _exact_hex(int_part: bytes, frac_part: bytes, exp_text: bytes | None) -> Fraction | None:
    """The exact value of a hexadecimal literal (0x1.8p3); None when it overflows."""
    digits = (int_part + frac_part).lstrip(b"0")
    exponent = _exponent(exp_text) - 4 * len(frac_part)
    if not digits:
        return Fraction(0)
    bits = 4 * len(digits)
    if exponent + bits > MAX_EXPONENT + 5:
        return None
    if exponent + bits < MIN_QUANTUM_EXP - 2:
        return _BELOW_HALF_MIN_SUBNORMAL
    mantissa = int(digits, 16)
    if exponent >= 0:
        return Fraction(mantissa << exponent)
    return Fraction(mantissa, 1 << -exponent)


# The numerals strtold() reads, each with what gives its exact value.
_NUMBER_FORMS = ((_DECIMAL, _exact_decimal), (_HEX, _exact_hex))


def parse(text: bytes | bytearray) -> LongDouble | None:
    """util.c: string2ld(): the long double strtold() reads, or None if Redis refuses it.

    Refused: empty or too long strings, leading whitespace, trailing garbage (a NUL
    included, since strtold() must consume all slen bytes), NaN,
    and values whose conversion overflows or underflows to zero (ERANGE).
    """
    if not text or len(text) >= MAX_LONG_DOUBLE_CHARS:
        return None
    data = bytes(text)  # a NUL stops strtold() short of the end: refused below
    for pattern, exact_value in _NUMBER_FORMS:
        match = pattern.fullmatch(data)
        if match is not None:
            sign, int_part, frac_part, only_frac, exp_text = match.groups()
            if only_frac is not None:
                int_part, frac_part = b"", only_frac
            exact = exact_value(int_part, frac_part or b"", exp_text)
            break
    else:
        match = _INFINITY.fullmatch(data)
        if match is None:
            return None  # garbage, whitespace, or NaN
        return -INF if match.group(1) == b"-" else INF
    if exact is None:
        return None  # overflow: ERANGE with HUGE_VALL
    value = round_to_long_double(exact)
    if value == 0 and exact != 0:
        return None  # underflow to zero: ERANGE
    if isinstance(value, float):
        return None  # rounded up to infinity: ERANGE
    return -value if sign == b"-" else value


def add(a: LongDouble, b: LongDouble) -> LongDouble:
    """a + b rounded to a long double; raises NotANumber for NaN or an infinite sum."""
    if isinstance(a, float) or isinstance(b, float):
        raise NotANumber()  # inf + x is inf, inf - inf is NaN: Redis refuses both
    result = round_to_long_double(a + b)
    if isinstance(result, float):
        raise NotANumber()
    return result


def format_human(value: LongDouble) -> bytes:
    """ld2string(LD_STR_HUMAN): "%.17Lf", trailing zeros and point removed, "-0" → "0"."""
    if isinstance(value, float):
        return b"inf" if value > 0 else b"-inf"
    negative = value < 0
    magnitude = -value if negative else value
    scaled = magnitude * 10**PRINT_DECIMALS
    units, remainder = divmod(scaled.numerator, scaled.denominator)
    twice = remainder * 2
    if twice > scaled.denominator or (twice == scaled.denominator and units & 1):
        units += 1
    whole, fraction = divmod(units, 10**PRINT_DECIMALS)
    sign = b"-" if negative else b""
    text = b"%s%s.%0*d" % (sign, _int_to_digits(whole), PRINT_DECIMALS, fraction)
    text = text.rstrip(b"0").rstrip(b".")
    if text == b"-0":
        return b"0"
    return text
