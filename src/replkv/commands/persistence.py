"""SAVE, BGSAVE and BGREWRITEAOF (rdb.c: saveCommand(), bgsaveCommand(); aof.c).

BGREWRITEAOF compacts what start-up must replay, as Redis's rewrite does: here that is
a snapshot, after which the log before its offset may be dropped.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.table import command

SAVE_IN_PROGRESS = errors.err("Background save already in progress")
SCHEDULED = reply.simple(b"Background saving scheduled")
STARTED = reply.simple(b"Background saving started")
FAILED = b"-ERR\r\n"  # shared.err: the reason is in the server log


@command("save", 1, "admin noscript no_async_loading no_multi", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="Synchronously save the dataset to disk", since="1.0.0")  # fmt: skip
def save(client: Client, argv: list[bytes]) -> bytes:
    server = client.server
    if server.saves.bgsave_in_progress:
        return SAVE_IN_PROGRESS
    return reply.OK if server.snapshots.save() else FAILED


@command("bgsave", -1, "admin noscript no_async_loading", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="Asynchronously save the dataset to disk", since="1.0.0")  # fmt: skip
def bgsave(client: Client, argv: list[bytes]) -> bytes:
    # SCHEDULE matters only while another kind of child (an AOF rewrite) runs: replkv
    # has none, so it is accepted and changes nothing.
    if len(argv) > 1 and (len(argv) != 2 or argv[1].lower() != b"schedule"):
        return errors.SYNTAX
    server = client.server
    if server.saves.bgsave_in_progress:
        return SAVE_IN_PROGRESS
    if server.propagator.depth > 1:  # inside EXEC: a fork would split the transaction
        server.saves.scheduled = True
        return SCHEDULED
    return STARTED if server.snapshots.background_save() else FAILED


REWRITE_SCHEDULED = reply.simple(b"Background append only file rewriting scheduled")
REWRITE_STARTED = reply.simple(b"Background append only file rewriting started")


@command("bgrewriteaof", 1, "admin noscript no_async_loading", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="Asynchronously rewrite the append-only file", since="1.0.0")  # fmt: skip
def bgrewriteaof(client: Client, argv: list[bytes]) -> bytes:
    server = client.server
    if server.saves.bgsave_in_progress or server.propagator.depth > 1:
        server.saves.scheduled = True
        return REWRITE_SCHEDULED
    return REWRITE_STARTED if server.snapshots.background_save() else FAILED
