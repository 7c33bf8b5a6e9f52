"""Lookups and replies the stream commands share (t_stream.c's addReplyStreamID and friends)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from replkv import errors
from replkv.errors import CommandError
from replkv.keyspace.stream import UINT64_MAX, Stream, parse_id
from replkv.keyspace.streamnodes import Fields

if TYPE_CHECKING:
    from replkv.client import Client

INVALID_ID = errors.err("Invalid stream ID specified as stream command argument")


def get_stream(client: Client, key: bytes) -> Stream | None:
    """The stream at key (a read lookup), None if missing; WRONGTYPE otherwise."""
    value = client.db.get(key)
    if value is None or type(value) is Stream:
        return value
    raise CommandError(errors.WRONGTYPE)


def get_stream_for_write(client: Client, key: bytes) -> Stream | None:
    """Like get_stream(), with a write lookup."""
    value = client.db.get_for_write(key)
    if value is None or type(value) is Stream:
        return value
    raise CommandError(errors.WRONGTYPE)


def parse_id_or_error(arg: bytes, missing_seq: int, strict: bool = False) -> int:
    """streamParseIDOrReply(): the id, or the "Invalid stream ID" error."""
    parsed = parse_id(arg, missing_seq, strict)
    if parsed is None:
        raise CommandError(INVALID_ID)
    return parsed[0]


def parse_strict_id(arg: bytes, missing_seq: int = 0) -> int:
    """streamParseStrictIDOrReply(): like parse_id_or_error(), `-` and `+` refused."""
    return parse_id_or_error(arg, missing_seq, strict=True)


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(value), value)


def id_reply(sid: int) -> bytes:
    """addReplyStreamID(): `<ms>-<seq>` as a bulk string."""
    return _bulk(b"%d-%d" % (sid >> 64, sid & UINT64_MAX))


def entry_reply(sid: int, fields: Fields | None) -> bytes:
    """One entry: [id, [field, value, ...]]; a null field list for a deleted id (XCLAIM)."""
    return entry_reply_with_text(b"%d-%d" % (sid >> 64, sid & UINT64_MAX), fields)


def entry_reply_with_text(idtext: bytes, fields: Fields | None) -> bytes:
    """entry_reply() for an id already written as text."""
    if fields is None:
        return b"*2\r\n%b*-1\r\n" % _bulk(idtext)
    if len(fields) == 2:  # one field, the common entry: one formatting operation
        field, value = fields
        return b"*2\r\n$%d\r\n%b\r\n*2\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
            len(idtext), idtext, len(field), field, len(value), value
        )  # fmt: skip
    body = b"".join([_bulk(part) for part in fields])
    return b"*2\r\n%b*%d\r\n%b" % (_bulk(idtext), len(fields), body)


def entries_reply(items: Iterable[tuple[int, Fields]]) -> bytes:
    """An array of entries, as XRANGE and XREAD answer them."""
    parts = [entry_reply(sid, fields) for sid, fields in items]
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))
