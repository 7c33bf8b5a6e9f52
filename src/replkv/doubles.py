"""Doubles as Redis prints them: snprintf("%.17g"), for replies and the dataset digest."""

from __future__ import annotations


def format_double(value: float) -> bytes:
    """`%.17g` as glibc writes it: 17 significant digits, trailing zeros dropped.

    Integral values print without a point (1.0 is `1`, -0.0 is `-0`), large and tiny ones
    in exponent form (`1e+17`), infinities as `inf`/`-inf` (addReplyDouble() spells them
    out, with the same result). Redis never holds a NaN score or reply, so `nan` is only
    what Python writes for one.
    """
    return b"%.17g" % value
