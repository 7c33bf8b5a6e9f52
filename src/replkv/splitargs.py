"""Split a line into arguments the way Redis's `sdssplitargs()` (sds.c) does.

Used by the RESP reader for inline commands and by the configuration file parser.
"""

# Leading blanks are skipped with C's isspace(); an unquoted token ends only at
# these four (or NUL), so "a\vb" is one argument, as in Redis.
_BLANKS = frozenset(b" \t\n\v\f\r")
_TOKEN_END = frozenset(b" \n\r\t")
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}
# Lines without these bytes split like bytes.split() on space/tab/CR/LF.
_SLOW_PATH_BYTES = (b'"', b"'", b"\v", b"\f", b"\0")


def split_args(line: bytes) -> list[bytes] | None:
    """Return the arguments of `line`, or None when its quotes are unbalanced.

    Double quotes take the escapes \\n \\r \\t \\b \\a \\xHH and backslash-anything;
    single quotes take only \\'. A closing quote must be followed by a blank or
    the end of the line. A NUL byte ends the line, as for a C string.
    """
    if not any(special in line for special in _SLOW_PATH_BYTES):
        return line.split()
    nul = line.find(b"\0")
    if nul >= 0:
        line = line[:nul]
    args: list[bytes] = []
    end = len(line)
    pos = 0
    while True:
        while pos < end and line[pos] in _BLANKS:
            pos += 1
        if pos == end:
            return args
        current = bytearray()
        in_double = in_single = False
        while True:
            char = line[pos] if pos < end else 0
            if in_double:
                if (
                    char == 0x5C  # backslash
                    and pos + 3 < end
                    and line[pos + 1] == 0x78  # x
                    and line[pos + 2] in _HEX_DIGITS
                    and line[pos + 3] in _HEX_DIGITS
                ):
                    current.append(int(line[pos + 2 : pos + 4], 16))
                    pos += 3
                elif char == 0x5C and pos + 1 < end:
                    pos += 1
                    escaped = line[pos]
                    current.append(_ESCAPES.get(escaped, escaped))
                elif char == 0x22:  # closing "
                    if pos + 1 < end and line[pos + 1] not in _BLANKS:
                        return None
                    pos += 1
                    break
                elif pos == end:
                    return None
                else:
                    current.append(char)
            elif in_single:
                if char == 0x5C and pos + 1 < end and line[pos + 1] == 0x27:
                    pos += 1
                    current.append(0x27)
                elif char == 0x27:  # closing '
                    if pos + 1 < end and line[pos + 1] not in _BLANKS:
                        return None
                    pos += 1
                    break
                elif pos == end:
                    return None
                else:
                    current.append(char)
            elif pos == end or char in _TOKEN_END:
                if pos < end:
                    pos += 1
                break
            elif char == 0x22:
                in_double = True
            elif char == 0x27:
                in_single = True
            else:
                current.append(char)
            pos += 1
        args.append(bytes(current))
