"""Redis glob patterns (`stringmatchlen()` in util.c) for KEYS, SCAN MATCH and CONFIG GET.

A pattern is walked exactly as Redis walks it and translated once into a `re`
pattern, so odd patterns (an unclosed `[`, a trailing `\\`, `[a-]`, reversed
ranges, bytes above 0x7f in ranges, which C compares as signed chars) match
what Redis matches.
"""

import re
from collections.abc import Callable
from functools import lru_cache

_STAR = None  # marks a run of '*' in the element list; other elements are byte sets
_ALL_BYTES = frozenset(range(256))
# stringmatchlen() gives up past this recursion depth: a pattern with more
# non-trailing '*' runs than this never matches.
_MAX_NESTING = 1000


def _signed(byte: int) -> int:
    """Redis compares `char`s, which are signed on the platforms it runs on."""
    return byte - 256 if byte > 127 else byte


def _lower(byte: int) -> int:
    """C tolower() in the "C" locale: only A-Z change."""
    return byte + 32 if 65 <= byte <= 90 else byte


def _literal(byte: int, nocase: bool) -> frozenset[int]:
    if nocase:
        return frozenset(c for c in range(256) if _lower(c) == _lower(byte))
    return frozenset((byte,))


def _range(start: int, end: int, nocase: bool) -> frozenset[int]:
    low, high = _signed(start), _signed(end)
    if low > high:
        low, high = high, low
    if nocase:
        # Redis swaps first and lowers afterwards, so [Z-a] is empty with nocase.
        low, high = _lower(low), _lower(high)
        return frozenset(c for c in range(256) if low <= _lower(_signed(c)) <= high)
    return frozenset(c for c in range(256) if low <= _signed(c) <= high)


def _bracket(pattern: bytes, pos: int, nocase: bool) -> tuple[frozenset[int], int]:
    """Parse the class that opens at pattern[pos] == '['; return its set and the next position."""
    end = len(pattern)
    pos += 1
    negate = pos < end and pattern[pos] == 0x5E  # ^
    if negate:
        pos += 1
    matched: set[int] = set()
    while True:
        if pos < end - 1 and pattern[pos] == 0x5C:  # backslash: exact byte, even with nocase
            pos += 1
            matched.add(pattern[pos])
        elif pos < end and pattern[pos] == 0x5D:  # ]
            break
        elif pos >= end:
            # An unclosed class runs to the end of the pattern.
            pos = end - 1
            break
        elif end - pos >= 3 and pattern[pos + 1] == 0x2D:  # a-z
            matched |= _range(pattern[pos], pattern[pos + 2], nocase)
            pos += 2
        else:
            matched |= _literal(pattern[pos], nocase)
        pos += 1
    chosen = _ALL_BYTES - matched if negate else frozenset(matched)
    return chosen, pos + 1


def _elements(pattern: bytes, nocase: bool) -> list[frozenset[int] | None]:
    """The pattern as a list of single-byte sets and `_STAR` runs."""
    elements: list[frozenset[int] | None] = []
    pos, end = 0, len(pattern)
    while pos < end:
        char = pattern[pos]
        if char == 0x2A:  # *
            while pos + 1 < end and pattern[pos + 1] == 0x2A:
                pos += 1
            elements.append(_STAR)
            pos += 1
        elif char == 0x3F:  # ?
            elements.append(_ALL_BYTES)
            pos += 1
        elif char == 0x5B:  # [
            chosen, pos = _bracket(pattern, pos, nocase)
            elements.append(chosen)
        else:
            if char == 0x5C and pos + 1 < end:
                pos += 1
            elements.append(_literal(pattern[pos], nocase))
            pos += 1
    return elements


def _byte_class(chosen: frozenset[int]) -> str:
    if chosen == _ALL_BYTES:
        return "."
    if not chosen:
        return "(?!)"
    parts = []
    ordered = sorted(chosen)
    first = previous = ordered[0]
    for byte in ordered[1:] + [-2]:
        if byte != previous + 1:
            parts.append(
                f"\\x{first:02x}" if first == previous else f"\\x{first:02x}-\\x{previous:02x}"
            )
            first = byte
        previous = byte
    return "[" + "".join(parts) + "]"


def _never(subject: bytes) -> bool:
    return False


@lru_cache(maxsize=1024)
def compile_glob(pattern: bytes, nocase: bool = False) -> Callable[[bytes], bool]:
    """Return a predicate telling whether a subject matches `pattern`, as stringmatchlen().

    Like Redis, an empty subject matches only the empty pattern (even `*` does
    not match it: KEYS and SCAN special-case a lone `*` themselves).
    """
    elements = _elements(pattern, nocase)
    runs = elements.count(_STAR) - (1 if elements and elements[-1] is _STAR else 0)
    if runs > _MAX_NESTING:
        return _never
    segments: list[list[str]] = [[]]
    for element in elements:
        if element is _STAR:
            segments.append([])
        else:
            segments[-1].append(_byte_class(element))
    parts = ["".join(segments[0])]
    # Each segment between two stars matches one byte per element, so taking its
    # earliest occurrence is always right; the atomic group stops the backtracking
    # that makes "*a*a*a*b" exponential (Redis's skipLongerMatches).
    for middle in segments[1:-1]:
        parts.append("(?>.*?" + "".join(middle) + ")")
    if len(segments) > 1:
        parts.append(".*" + "".join(segments[-1]))
    fullmatch = re.compile("".join(parts).encode("ascii"), re.DOTALL).fullmatch
    if not pattern:
        return lambda subject: not subject

    def match(subject: bytes) -> bool:
        return bool(subject) and fullmatch(subject) is not None

    return match


def glob_match(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    """Whether `subject` matches the Redis glob `pattern`."""
    return compile_glob(pattern, nocase)(subject)
