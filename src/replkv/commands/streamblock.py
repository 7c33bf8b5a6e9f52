"""Blocking on streams (blocked.c: BLOCKED_STREAM), shared by XREAD and XREADGROUP.

A reader that finds nothing blocks with `block_on_streams()`, giving a callback that
is offered each stream key made ready: it gets the client, the database, the key and
the stream there, and returns the full reply to send (`served_reply()` builds the
one-stream reply Redis sends a served reader) or None to stay blocked. XADD calls
`signal_stream_ready()` after appending (signalKeyAsReady()): a stream that already
existed does not go through Database.store(), which signals only new keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from replkv import errors, reply
from replkv.blocking import TIMEOUT_NEGATIVE
from replkv.errors import CommandError
from replkv.integers import LLONG_MAX, string_to_ll
from replkv.keyspace.stream import Stream

if TYPE_CHECKING:
    from replkv.client import Client
    from replkv.keyspace.database import Database

# (the blocked client, its database, the ready key, the stream there) -> reply or None.
StreamServe = Callable[["Client", "Database", bytes, Stream], "bytes | None"]

TIMEOUT_NOT_INTEGER = errors.err("timeout is not an integer or out of range")
# XREAD_BLOCKED_DEFAULT_COUNT: a blocked reader without COUNT gets at most this many.
BLOCKED_DEFAULT_COUNT = 1000


def parse_timeout_ms(arg: bytes, now_ms: int) -> int:
    """getTimeoutFromObjectOrReply() in milliseconds: the deadline, 0 for none."""
    value = string_to_ll(arg)
    if value is None:
        raise CommandError(TIMEOUT_NOT_INTEGER)
    if value < 0:
        raise CommandError(TIMEOUT_NEGATIVE)
    if value == 0 or value > LLONG_MAX - now_ms:
        return 0
    return value + now_ms


def may_block(client: Client) -> bool:
    """CLIENT_DENY_BLOCKING: inside MULTI/EXEC, scripts, the master's stream."""
    return client.multi is None and not client.is_master_link and not client.deny_blocking


def signal_stream_ready(db: Database, key: bytes) -> None:
    """signalKeyAsReady() for a stream that got new entries."""
    if db.blocking and key in db.blocking:
        db.keyspace.ready[(db, key)] = None


def served_reply(client: Client, key: bytes, body: bytes) -> bytes:
    """A served reader's reply: one stream, as a 1-element array of [key, entries] in
    RESP2, a 1-entry map in RESP3."""
    if client.resp == 3:
        return b"%1\r\n" + reply.bulk(key) + body
    return b"*1\r\n*2\r\n" + reply.bulk(key) + body


def block_on_streams(
    client: Client, keys: list[bytes], deadline_ms: int, serve: StreamServe
) -> None:
    """blockForKeys(BLOCKED_STREAM): wait until serve answers for one of keys, or the
    deadline (0: none) passes and the reader gets a null array."""

    def serve_key(blocked: Client, db: Database, key: bytes) -> bytes | None:
        value = db.data.get(key)
        if type(value) is not Stream:
            return None
        return serve(blocked, db, key, value)

    client.server.blocking.block(
        client, keys, deadline_ms, serve_key, reply.null_array(client.resp)
    )
