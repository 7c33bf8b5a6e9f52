"""CONFIG GET/SET/RESETSTAT/REWRITE/HELP (config.c) over replkv.config."""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.debug import is_local
from replkv.commands.table import container, subcommand
from replkv.directives import ConfigSetError

container("config", "", group="server", acl_categories=("slow",),
          summary="A container for server configuration commands", since="2.0.0")  # fmt: skip

CONFIG_HELP = [
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
]

_CONFIG_ADMIN = "admin noscript loading stale"
_CONFIG_ACL = ("admin", "slow", "dangerous")


@subcommand("config", "get", -3, _CONFIG_ADMIN, group="server", acl_categories=_CONFIG_ACL,
            summary="Get the values of configuration parameters", since="2.0.0")  # fmt: skip
def config_get(client: Client, argv: list[bytes]) -> bytes:
    pairs = client.server.config.get_matching(argv[2:])
    parts = [reply.map_header(len(pairs), client.resp)]
    for name, value in pairs:
        parts.append(reply.bulk(name.encode("utf-8", "surrogateescape")))
        parts.append(reply.bulk(value.encode("utf-8", "surrogateescape")))
    return b"".join(parts)


@subcommand("config", "set", -4, _CONFIG_ADMIN, group="server", acl_categories=_CONFIG_ACL,
            tips=("request_policy:all_nodes", "response_policy:all_succeeded"),
            summary="Set configuration parameters to the given values", since="2.0.0")  # fmt: skip
def config_set(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) % 2:
        return errors.SYNTAX
    pairs = [(argv[i], argv[i + 1]) for i in range(2, len(argv), 2)]
    try:
        client.server.config.set_many(pairs, client_is_local=is_local(client))
    except ConfigSetError as failure:
        return reply.error(str(failure).encode("utf-8", "surrogateescape"))
    return reply.OK


@subcommand("config", "resetstat", 2, _CONFIG_ADMIN, group="server", acl_categories=_CONFIG_ACL,
            summary="Reset the server's statistics", since="2.0.0")  # fmt: skip
def config_resetstat(client: Client, argv: list[bytes]) -> bytes:
    client.server.stats.reset()
    client.server.commands.reset_stats()
    return reply.OK


@subcommand("config", "rewrite", 2, _CONFIG_ADMIN, group="server", acl_categories=_CONFIG_ACL,
            summary="Persist the effective configuration to file", since="2.8.0")  # fmt: skip
def config_rewrite(client: Client, argv: list[bytes]) -> bytes:
    try:
        client.server.config.rewrite()
    except ConfigSetError as failure:
        return reply.error(str(failure))
    return reply.OK


@subcommand("config", "help", 2, "loading stale", group="server", acl_categories=("slow",),
            summary="Show helpful text about the different subcommands", since="5.0.0")  # fmt: skip
def config_help(client: Client, argv: list[bytes]) -> bytes:
    return reply.array([reply.simple(line) for line in CONFIG_HELP])
