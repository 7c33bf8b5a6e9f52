"""Transactions: MULTI EXEC DISCARD WATCH UNWATCH (multi.c, Redis 7.0).

Queueing happens in `Server.execute`: inside MULTI every command but these is
appended to `client.multi` and answered +QUEUED, and an error while queueing sets
`client.multi_error`. EXEC runs the queue as one execution unit, so its events reach
the log as one MULTI … EXEC block (a single event goes out bare, as in Redis).
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.table import command


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
    if server.clients.monitors:
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


@command("exec", 1, "noscript loading stale skip_slowlog", group="transactions")
def exec_(client: Client, argv: list[bytes]) -> bytes:
    queue = client.multi
    if queue is None:
        return errors.EXEC_WITHOUT_MULTI
    watches = client.watches
    if watches.keys and watches.any_expired(client.server.keyspace.now_ms()):
        watches.dirty = True
    if client.multi_error or watches.dirty:
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
    propagator = server.propagator
    propagator.enter()
    try:
        for cmd, queued_argv in queue:
            result = server.call(client, cmd, queued_argv)
            # A command that answers nothing (CLIENT REPLY) still takes its slot.
            parts.append(result if result is not None else client.null)
    finally:
        keyspace.frozen_ms = outer_frozen
        discard_transaction(client)
        propagator.leave()
    return reply.array(parts)


@command(
    "watch", -2, "noscript loading stale fast allow_busy", keys=(1, -1, 1), group="transactions"
)
def watch(client: Client, argv: list[bytes]) -> bytes:
    if client.multi is not None:
        return errors.WATCH_IN_MULTI
    watches = client.watches
    if watches.dirty:
        return reply.OK  # no point watching more: EXEC will fail anyway
    db = client.db
    now = client.server.keyspace.now_ms()
    for key in argv[1:]:
        watches.watch(db, key, now)
    return reply.OK


@command("unwatch", 1, "noscript loading stale fast allow_busy", group="transactions")
def unwatch(client: Client, argv: list[bytes]) -> bytes:
    client.unwatch_all()
    return reply.OK
