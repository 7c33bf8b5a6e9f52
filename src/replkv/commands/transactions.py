"""Transactions: MULTI EXEC DISCARD WATCH UNWATCH (multi.c, Redis 7.0).

Queueing happens in `Server.execute`: inside MULTI every command but these is
appended to `client.multi` and answered +QUEUED, and an error while queueing sets
`client.multi_error`. EXEC runs the queue as one execution unit, so its events reach
the log as one MULTI … EXEC block (a single event goes out bare, as in Redis).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.table import command

if TYPE_CHECKING:
    from replkv.keyspace.database import Database


def discard_transaction(client: Client) -> None:
    """multi.c: discardTransaction(): leave MULTI and forget every WATCHed key."""
    client.multi = None
    client.multi_error = False
    client.unwatch_all()


def exec_abort(client: Client, error: bytes) -> bytes:
    """multi.c: execCommandAbort(): EXEC itself was rejected (arity, NOAUTH, …).

    The transaction is discarded and the reason is wrapped in EXECABORT.
    """
    discard_transaction(client)
    # rejectCommandFormat() texts carry no ERR code; shared error objects keep theirs.
    reason = error[5:] if error.startswith(b"-ERR ") else error[1:]
    server = client.server
    if server.monitors:
        server.feed_monitors(client, [b"exec"])
    return b"-EXECABORT Transaction discarded because of: " + reason


@command("multi", 1, "noscript loading stale fast allow_busy", group="transactions")
def multi(client: Client, argv: list[bytes]) -> bytes:
    if client.multi is not None:
        return errors.NESTED_MULTI
    client.multi = []
    client.multi_error = False
    return reply.OK


@command("discard", 1, "noscript loading stale fast allow_busy", group="transactions")
def discard(client: Client, argv: list[bytes]) -> bytes:
    if client.multi is None:
        return errors.DISCARD_WITHOUT_MULTI
    discard_transaction(client)
    return reply.OK


def watched_key_expired(client: Client) -> bool:
    """multi.c: isWatchedKeyExpired(): a key live at WATCH time has expired since."""
    if not client.watched:
        return False
    now = client.server.keyspace.now_ms()
    for db, key in client.watched:
        if (db, key) in client.watched_expired:
            continue  # already expired when WATCHed: not a change
        if key in db.data and db.is_expired(key, now):
            return True
    return False


@command("exec", 1, "noscript loading stale skip_slowlog", group="transactions")
def exec_(client: Client, argv: list[bytes]) -> bytes:
    queue = client.multi
    if queue is None:
        return errors.EXEC_WITHOUT_MULTI
    if watched_key_expired(client):
        client.watch_dirty = True
    if client.multi_error or client.watch_dirty:
        failure = errors.EXECABORT if client.multi_error else reply.null_array(client.resp)
        discard_transaction(client)
        return failure
    client.unwatch_all()  # unwatch first, as Redis does: our own writes must not count
    server = client.server
    keyspace = server.keyspace
    # One clock for the whole transaction (server.c: fixed_time_expire).
    outer_frozen = keyspace.frozen_ms
    if outer_frozen is None:
        keyspace.frozen_ms = keyspace.now_ms()
    parts: list[bytes] = []
    server.begin_unit()
    try:
        for cmd, queued_argv in queue:
            result = server.call(client, cmd, queued_argv)
            # A command that answers nothing (CLIENT REPLY) still takes its slot.
            parts.append(result if result is not None else client.null)
    finally:
        keyspace.frozen_ms = outer_frozen
        discard_transaction(client)
        server.end_unit()
    return reply.array(parts)


@command(
    "watch", -2, "noscript loading stale fast allow_busy", keys=(1, -1, 1), group="transactions"
)
def watch(client: Client, argv: list[bytes]) -> bytes:
    if client.multi is not None:
        return errors.WATCH_IN_MULTI
    if client.watch_dirty:
        return reply.OK  # no point watching more: EXEC will fail anyway
    db = client.db
    now = client.server.keyspace.now_ms()
    for key in argv[1:]:
        watch_key(client, db, key, now)
    return reply.OK


def watch_key(client: Client, db: Database, key: bytes, now_ms: int) -> None:
    """multi.c: watchForKey(): register key once, remembering if it is already expired."""
    entry = (db, key)
    if entry in client.watched:
        return
    db.watched.setdefault(key, []).append(client)
    client.watched.append(entry)
    if key in db.data and db.is_expired(key, now_ms):
        client.watched_expired.add(entry)


@command("unwatch", 1, "noscript loading stale fast allow_busy", group="transactions")
def unwatch(client: Client, argv: list[bytes]) -> bytes:
    client.unwatch_all()
    return reply.OK
