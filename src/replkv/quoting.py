"""Redis's sdscatrepr(): a byte string as a double-quoted, escaped literal.

MONITOR shows arguments this way, and CONFIG REWRITE writes values this way so that
split_args() reads them back.
"""

from __future__ import annotations

_ESCAPES = {0x5C: "\\\\", 0x22: '\\"', 10: "\\n", 13: "\\r", 9: "\\t", 7: "\\a", 8: "\\b"}


def quote_bytes(data: bytes | bytearray) -> str:
    """`"…"` with backslash escapes and \\xHH for other non-printable bytes."""
    out = ['"']
    for byte in data:
        escape = _ESCAPES.get(byte)
        if escape is not None:
            out.append(escape)
        elif 0x20 <= byte <= 0x7E:
            out.append(chr(byte))
        else:
            out.append("\\x%02x" % byte)
    out.append('"')
    return "".join(out)
