"""Redis glob matching; edge cases checked with KEYS and CONFIG GET on redis-server 7.0.15."""

from twisted.trial.unittest import SynchronousTestCase

from replkv.glob import compile_glob, glob_match


class GlobTests(SynchronousTestCase):
    def test_star_and_question_mark(self) -> None:
        self.assertTrue(glob_match(b"h*llo", b"hello"))
        self.assertTrue(glob_match(b"h*llo", b"hllo"))
        self.assertTrue(glob_match(b"h?llo", b"hallo"))
        self.assertFalse(glob_match(b"h?llo", b"hllo"))
        self.assertTrue(glob_match(b"*a*b*", b"xaxbx"))
        self.assertFalse(glob_match(b"*a*b", b"xbxa"))

    def test_empty_subject(self) -> None:
        # stringmatchlen() never enters its loop: only "" matches "".
        self.assertTrue(glob_match(b"", b""))
        self.assertFalse(glob_match(b"*", b""))
        self.assertFalse(glob_match(b"**", b""))
        self.assertFalse(glob_match(b"", b"a"))
        self.assertTrue(glob_match(b"a*", b"a"))

    def test_classes(self) -> None:
        self.assertTrue(glob_match(b"h[ae]llo", b"hello"))
        self.assertFalse(glob_match(b"h[^e]llo", b"hello"))
        self.assertTrue(glob_match(b"h[a-b]llo", b"hbllo"))
        self.assertTrue(glob_match(b"[b-a]", b"a"))  # reversed range
        self.assertFalse(glob_match(b"[]", b"]"))  # empty class
        self.assertTrue(glob_match(b"[^]", b"x"))
        self.assertTrue(glob_match(b"[\\]]", b"]"))

    def test_unclosed_class_runs_to_the_end(self) -> None:
        self.assertFalse(glob_match(b"[", b"["))
        self.assertTrue(glob_match(b"[^", b"x"))
        self.assertTrue(glob_match(b"a[bc", b"ac"))
        self.assertTrue(glob_match(b"[a\\", b"\\"))

    def test_range_ending_in_bracket(self) -> None:
        # "[a-]" is the range ']'..'a' and leaves the class unclosed.
        self.assertTrue(glob_match(b"[a-]", b"^"))
        self.assertFalse(glob_match(b"[a-]", b"-"))

    def test_high_bytes_compare_as_signed_chars(self) -> None:
        # 0x80 is -128 as a C char, so [\x80-a] covers \x80..\xff and \0..'a'.
        self.assertTrue(glob_match(b"[\x80-a]", b"\xff"))
        self.assertTrue(glob_match(b"[\x80-a]", b"A"))
        self.assertFalse(glob_match(b"[\x80-a]", b"b"))
        self.assertTrue(glob_match(b"[a-\xff]", b"\xff"))
        self.assertTrue(glob_match(b"[a-\xff]", b"0"))
        self.assertFalse(glob_match(b"[a-\xff]", b"\x80"))

    def test_escapes(self) -> None:
        self.assertTrue(glob_match(b"a\\*", b"a*"))
        self.assertFalse(glob_match(b"a\\*", b"ab"))
        self.assertTrue(glob_match(b"\\", b"\\"))  # a trailing backslash is literal

    def test_nocase(self) -> None:
        self.assertTrue(glob_match(b"*MAX*", b"maxmemory", nocase=True))
        self.assertFalse(glob_match(b"*MAX*", b"maxmemory"))
        self.assertTrue(glob_match(b"[A-C]", b"b", nocase=True))
        # Redis swaps a reversed range before lowering it: [Z-a] is empty.
        self.assertFalse(glob_match(b"[Z-a]", b"z", nocase=True))
        self.assertTrue(glob_match(b"[Z-a]", b"_"))
        # An escaped byte in a class is compared exactly, even without case.
        self.assertFalse(glob_match(b"[\\A]", b"a", nocase=True))

    def test_star_nesting_limit(self) -> None:
        subject = b"a" * 1000 + b"b"
        self.assertTrue(glob_match(b"*a" * 999 + b"*b", subject))
        self.assertFalse(glob_match(b"*a" * 1000 + b"*b", subject))
        self.assertTrue(glob_match(b"*a" * 1000 + b"*", subject))
        self.assertFalse(glob_match(b"*a" * 1001 + b"*", subject))

    def test_no_exponential_backtracking(self) -> None:
        self.assertFalse(glob_match(b"*a*a*a*a*a*a*a*a*a*a*b", b"a" * 20000))

    def test_compiled_patterns_are_cached(self) -> None:
        self.assertIs(compile_glob(b"user:*"), compile_glob(b"user:*"))
        self.assertIsNot(compile_glob(b"user:*"), compile_glob(b"user:*", nocase=True))
