"""REPLICAOF / SLAVEOF and ROLE (replication.c: replicaofCommand(), roleCommand())."""

from __future__ import annotations

from twisted.logger import Logger

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.replication.replica import become_master, become_replica, client_description

log = Logger()

INVALID_PORT = errors.err("Invalid master port")
FROM_REPLICA = errors.err("Command is not valid when client is a replica.")
ALREADY_CONNECTED = b"+OK Already connected to specified master\r\n"


def _replicaof(client: Client, argv: list[bytes]) -> bytes:
    server = client.server
    if client.kind == "replica":
        return FROM_REPLICA
    host, port_arg = argv[1], argv[2]
    if host.lower() == b"no" and port_arg.lower() == b"one":
        if server.master_link is not None:
            become_master(server)
            log.info(
                "MASTER MODE enabled (user request from '{who}')", who=client_description(client)
            )
        return reply.OK
    port = parse_int(port_arg, INVALID_PORT)
    if not 0 <= port <= 65535:
        raise CommandError(INVALID_PORT)
    host_text = host.decode("utf-8", "surrogateescape")
    link = server.master_link
    if link is not None and link.host.lower() == host_text.lower() and link.port == port:
        log.info(
            "REPLICAOF would result into synchronization with the master we are already "
            "connected with. No operation performed."
        )
        return ALREADY_CONNECTED
    become_replica(server, host_text, port)
    log.info(
        "REPLICAOF {host}:{port} enabled (user request from '{who}')",
        host=host_text,
        port=port,
        who=client_description(client),
    )
    return reply.OK


@command("replicaof", 3, "admin noscript stale no_async_loading", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="Make the server a replica of another instance, or promote it as master.",
         since="5.0.0")  # fmt: skip
def replicaof(client: Client, argv: list[bytes]) -> bytes:
    return _replicaof(client, argv)


@command("slaveof", 3, "admin noscript stale no_async_loading", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="Make the server a replica of another instance, or promote it as master.",
         since="1.0.0")  # fmt: skip
def slaveof(client: Client, argv: list[bytes]) -> bytes:
    return _replicaof(client, argv)


@command("role", 1, "noscript loading stale fast", group="server",
         acl_categories=("admin", "fast", "dangerous"),
         summary="Return the role of the instance in the context of replication",
         since="2.8.12")  # fmt: skip
def role(client: Client, argv: list[bytes]) -> bytes:
    server = client.server
    link = server.master_link
    if link is None:
        replicas = server.replicas.role_entries()
        return reply.array(
            [reply.bulk(b"master"), reply.integer(server.log.end_offset), reply.array(replicas)]
        )
    offset = server.log.end_offset if link.master_client is not None else -1
    return reply.array(
        [
            reply.bulk(b"slave"),
            reply.bulk(link.host.encode("utf-8", "surrogateescape")),
            reply.integer(link.port),
            reply.bulk(link.state.encode()),
            reply.integer(offset),
        ]
    )
