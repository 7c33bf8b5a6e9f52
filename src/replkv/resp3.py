"""Stored RESP3 replies: where each element ends, and their RESP2 form.

Replies kept as RESP3 bytes (COMMAND DOCS's data, captured from redis-server) are
served as they are to a RESP3 client and converted for a RESP2 one, as Redis's
own reply functions would have written them (networking.c: addReplyMapLen(),
addReplySetLen(), addReplyNull(), addReplyDouble(), addReplyBool(), addReplyVerbatim()).
"""

from __future__ import annotations

# Types whose header line is the whole element.
_LINE_TYPES = frozenset(b"+-:_#,(")
# Types whose header gives the length of a payload that follows.
_BULK_TYPES = frozenset(b"$=!")
# Aggregates of n elements, and of n pairs.
_ARRAY_TYPES = frozenset(b"*~>")
_PAIR_TYPES = frozenset(b"%")


def element_end(raw: bytes, start: int = 0) -> int:
    """The offset just past the complete element that starts at `start`."""
    pos = start
    pending = 1  # elements still to skip; an aggregate's header adds its children
    while pending:
        line_end = raw.index(b"\r\n", pos)
        kind = raw[pos]
        header = raw[pos + 1 : line_end]
        pos = line_end + 2
        pending -= 1
        if kind in _LINE_TYPES:
            continue
        count = int(header)
        if kind in _BULK_TYPES:
            if count >= 0:  # $-1 has no payload
                pos += count + 2
        elif kind in _ARRAY_TYPES:
            pending += max(count, 0)
        elif kind in _PAIR_TYPES:
            pending += 2 * count
        else:
            raise ValueError(f"unknown RESP type byte {bytes([kind])!r} at {pos}")
    return pos


def to_resp2(raw: bytes) -> bytes:
    """The RESP2 form of RESP3 reply bytes.

    Maps become flat arrays of their 2n keys and values; sets and pushes arrays;
    null `$-1`; booleans the integers 1 and 0; doubles and big numbers bulk
    strings; verbatim strings bulk strings without their `txt:` prefix; blob
    errors simple errors. Arrays, bulk strings, integers and simple strings are
    the same in both. A single linear scan over the header lines: aggregates
    need no recursion, since only their headers change.
    """
    out: list[bytes] = []
    pos = 0
    end = len(raw)
    while pos < end:
        line_end = raw.index(b"\r\n", pos)
        kind = raw[pos]
        header = raw[pos + 1 : line_end]
        next_pos = line_end + 2
        if kind == 0x24:  # $: bulk string, payload unchanged
            length = int(header)
            if length >= 0:
                next_pos += length + 2
            out.append(raw[pos:next_pos])
        elif kind == 0x25:  # %: map of n pairs
            out.append(b"*%d\r\n" % (2 * int(header)))
        elif kind == 0x7E or kind == 0x3E:  # ~ set, > push
            out.append(b"*%b\r\n" % header)
        elif kind == 0x5F:  # _: null
            out.append(b"$-1\r\n")
        elif kind == 0x23:  # #: boolean
            out.append(b":1\r\n" if header == b"t" else b":0\r\n")
        elif kind == 0x2C or kind == 0x28:  # , double, ( big number
            out.append(b"$%d\r\n%b\r\n" % (len(header), header))
        elif kind == 0x3D:  # =: verbatim string, "txt:" + text
            payload = raw[next_pos + 4 : next_pos + int(header)]
            next_pos += int(header) + 2
            out.append(b"$%d\r\n%b\r\n" % (len(payload), payload))
        elif kind == 0x21:  # !: blob error
            payload = raw[next_pos : next_pos + int(header)]
            next_pos += int(header) + 2
            out.append(b"-%b\r\n" % payload)
        elif kind in b"+-:*":
            out.append(raw[pos:next_pos])
        else:
            raise ValueError(f"unknown RESP type byte {bytes([kind])!r} at {pos}")
        pos = next_pos
    return b"".join(out)
