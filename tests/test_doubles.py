"""replkv.doubles.format_double and the double reply: Redis 7.0.15's `%.17g` spellings.

Each expected spelling is redis-server 7.0.15's ZSCORE reply (RESP3, `,<text>`) for a
member added with the score written in the first column, in a skiplist-encoded zset
(`zset-max-listpack-entries 0`: the listpack encoding stores -0 as 0).
tests/interop/test_doubles_vs_redis.py asks a running redis-server the same for many more.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from replkv import reply
from replkv.doubles import format_double

# ZADD z <score> m; ZSCORE z m
REDIS_SPELLINGS = [
    ("1", b"1"),
    ("1.0", b"1"),
    ("100", b"100"),
    ("0", b"0"),
    ("-0", b"-0"),
    ("1.5", b"1.5"),
    ("-2.25", b"-2.25"),
    ("0.1", b"0.10000000000000001"),
    ("0.30000000000000004", b"0.30000000000000004"),
    ("3.3333333333333335", b"3.3333333333333335"),
    ("0.0001", b"0.0001"),
    ("1e-5", b"1.0000000000000001e-05"),
    ("2.5e-7", b"2.4999999999999999e-07"),
    ("1e15", b"1000000000000000"),
    ("1e16", b"10000000000000000"),
    ("1e17", b"1e+17"),
    ("123456789012345678", b"1.2345678901234568e+17"),
    ("9007199254740993", b"9007199254740992"),
    ("1e100", b"1e+100"),
    ("1e-300", b"1e-300"),
    ("5e-324", b"4.9406564584124654e-324"),
    ("1.7976931348623157e308", b"1.7976931348623157e+308"),
    ("inf", b"inf"),
    ("+inf", b"inf"),
    ("-inf", b"-inf"),
]


class FormatDoubleTests(SynchronousTestCase):
    def test_redis_spellings(self) -> None:
        for written, expected in REDIS_SPELLINGS:
            self.assertEqual(format_double(float(written)), expected, written)

    def test_nan(self) -> None:
        # Redis refuses NaN scores and results, so none reaches a reply; glibc writes "nan".
        self.assertEqual(format_double(float("nan")), b"nan")

    def test_round_trip(self) -> None:
        # 17 significant digits are enough to read back the same double.
        for written, expected in REDIS_SPELLINGS:
            self.assertEqual(float(expected), float(written), written)


class DoubleReplyTests(SynchronousTestCase):
    def test_resp3_double(self) -> None:
        self.assertEqual(reply.double(0.1, 3), b",0.10000000000000001\r\n")
        self.assertEqual(reply.double(float("-inf"), 3), b",-inf\r\n")
        self.assertEqual(reply.double(1.0, 3), b",1\r\n")

    def test_resp2_bulk(self) -> None:
        self.assertEqual(reply.double(0.1, 2), b"$19\r\n0.10000000000000001\r\n")
        self.assertEqual(reply.double(float("inf"), 2), b"$3\r\ninf\r\n")
        self.assertEqual(reply.double(-0.0, 2), b"$2\r\n-0\r\n")
