"""SYNC, PSYNC, REPLCONF and WAIT: the master side of replication (replication.c)."""

from __future__ import annotations

from replkv import errors
from replkv.client import Client
from replkv.commands.args import try_int
from replkv.commands.table import command
from replkv.errors import CommandError

WAIT_ON_REPLICA = errors.err(
    "WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
    "replica is configured to be writable (which is not the default) writes to replicas are "
    "just local and are not propagated."
)
TIMEOUT_NOT_INTEGER = errors.err("timeout is not an integer or out of range")
TIMEOUT_NEGATIVE = errors.err("timeout is negative")


@command("sync", 1, "admin noscript no_async_loading no_multi", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="Internal command used for replication", since="1.0.0")  # fmt: skip
def sync(client: Client, argv: list[bytes]) -> bytes | None:
    return client.server.replicas.sync(client, argv)


@command("psync", -3, "admin noscript no_async_loading no_multi", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="Internal command used for replication", since="2.8.0")  # fmt: skip
def psync(client: Client, argv: list[bytes]) -> bytes | None:
    return client.server.replicas.sync(client, argv)


@command("replconf", -1, "admin noscript loading stale allow_busy", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="An internal command for configuring the replication stream",
         since="3.0.0")  # fmt: skip
def replconf(client: Client, argv: list[bytes]) -> bytes | None:
    return client.server.replicas.replconf(client, argv)


@command("wait", 3, "noscript", group="generic", acl_categories=("slow", "connection"),
         summary="Wait for the synchronous replication of all the write commands sent in the "
                 "context of the current connection",
         since="3.0.0",
         tips=("request_policy:all_shards", "response_policy:agg_min"))  # fmt: skip
def wait(client: Client, argv: list[bytes]) -> bytes | None:
    server = client.server
    if server.master_link is not None:
        return WAIT_ON_REPLICA
    count = try_int(argv[1])
    if count is None:
        return errors.NOT_INTEGER
    timeout = try_int(argv[2])
    if timeout is None:
        raise CommandError(TIMEOUT_NOT_INTEGER)
    if timeout < 0:
        raise CommandError(TIMEOUT_NEGATIVE)
    deadline = timeout + server.keyspace.now_ms() if timeout > 0 else 0
    return server.replicas.wait(client, count, deadline)
