"""string_to_ll(): Redis's string2ll(), the one canonical spelling of a 64-bit integer."""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase

from replkv.integers import LLONG_MAX, LLONG_MIN, string_to_ll


def canonical(text: bytes) -> int | None:
    """What string2ll() accepts, by definition: int() of it, printed back the same."""
    try:
        value = int(text)
    except ValueError:
        return None
    if b"%d" % value != text or not LLONG_MIN <= value <= LLONG_MAX:
        return None
    return value


class StringToLlTests(SynchronousTestCase):
    def test_edges(self) -> None:
        cases = {
            b"0": 0,
            b"1": 1,
            b"-1": -1,
            b"123456789012345678": 123456789012345678,
            b"9223372036854775807": LLONG_MAX,
            b"-9223372036854775808": LLONG_MIN,
        }
        for text, value in cases.items():
            self.assertEqual(string_to_ll(text), value)
            self.assertEqual(string_to_ll(bytearray(text)), value)
        for text in (b"", b"00", b"01", b"-0", b"+1", b" 1", b"1 ", b"1_0", b"\xd9\xa1"):
            self.assertIsNone(string_to_ll(text), text)
        for text in (b"9223372036854775808", b"-9223372036854775809", b"1" * 21):
            self.assertIsNone(string_to_ll(text), text)

    def test_random_spellings(self) -> None:
        rnd = random.Random(3)
        for _ in range(20000):
            text = bytes(rnd.choice(b"0123456789-+ _") for _ in range(rnd.randint(0, 21)))
            self.assertEqual(string_to_ll(text), canonical(text), text)
