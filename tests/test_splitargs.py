"""split_args() against sdssplitargs(); expectations checked with redis-server inline commands."""

from twisted.trial.unittest import SynchronousTestCase

from replkv.splitargs import split_args


class SplitArgsTests(SynchronousTestCase):
    def check(self, line: bytes, expected: list[bytes] | None) -> None:
        self.assertEqual(split_args(line), expected)

    def test_blanks(self) -> None:
        self.check(b"", [])
        self.check(b"   \t ", [])
        self.check(b"set  a\tb\r\n", [b"set", b"a", b"b"])

    def test_vertical_tab_and_form_feed(self) -> None:
        # Skipped as leading blanks, but they do not end an unquoted argument.
        self.check(b"a\x0bb c", [b"a\x0bb", b"c"])
        self.check(b"a \x0bb", [b"a", b"b"])
        self.check(b"a\x0cb", [b"a\x0cb"])

    def test_double_quotes(self) -> None:
        self.check(b'"a b" c', [b"a b", b"c"])
        self.check(b'"" x', [b"", b"x"])
        self.check(b'"a\\tb\\rc\\bd\\a\\n"', [b"a\tb\rc\x08d\x07\n"])
        self.check(b'"\\q\\\\\\""', [b'q\\"'])

    def test_hex_escapes(self) -> None:
        self.check(b'"a\\x41\\x7a\\xFF"', [b"aAz\xff"])
        # Not two hex digits: the backslash just escapes the 'x'.
        self.check(b'"\\x4" q', [b"x4", b"q"])
        self.check(b'"\\xZZ"', [b"xZZ"])

    def test_single_quotes(self) -> None:
        self.check(b"'a b' c", [b"a b", b"c"])
        self.check(b"'it\\'s'", [b"it's"])
        self.check(b"'\\a\\b'", [b"\\a\\b"])
        # The last backslash escapes the closing quote, leaving it open.
        self.check(b"'a\\\\'", None)
        self.check(b"'a\\\"' b", [b'a\\"', b"b"])

    def test_quotes_inside_a_word(self) -> None:
        self.check(b'a"b c"', [b"ab c"])
        self.check(b"x'y z'", [b"xy z"])

    def test_closing_quote_must_end_the_argument(self) -> None:
        self.check(b'"a"b', None)
        self.check(b"'a'b", None)
        self.check(b'a"b c"d', None)
        self.check(b'"a"\x0bb', [b"a", b"b"])

    def test_unbalanced(self) -> None:
        self.check(b'"abc', None)
        self.check(b"'abc", None)
        self.check(b'"\\', None)
        self.check(b'x "a\\"b', None)

    def test_nul_ends_the_line(self) -> None:
        self.check(b"a b\0c d", [b"a", b"b"])
        self.check(b'"a\0b"', None)
