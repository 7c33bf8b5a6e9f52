"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (eval.c, Redis 7.0).

The scripts run in `replkv.scripting.engine`; their commands' events are appended as
one unit when EVAL's call() returns. The script cache is local to each server: SCRIPT
LOAD and EVALSHA are never logged, only the writes a script made.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int
from replkv.commands.table import command, container, subcommand
from replkv.scripting.busy import watchdog
from replkv.scripting.engine import NOSCRIPT, ScriptError, engine

KEYS_GREATER = errors.err("Number of keys can't be greater than number of args")
KEYS_NEGATIVE = errors.err("Number of keys can't be negative")
FLUSH_OPTION = errors.err("SCRIPT FLUSH only support SYNC|ASYNC option")

SCRIPT_HELP = [
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
]

_EVAL_FLAGS = "noscript stale skip_monitor no_mandatory_keys movablekeys"


def _eval(client: Client, argv: list[bytes], evalsha: bool, ro: bool) -> bytes | None:
    """eval.c: evalGenericCommand()."""
    server = client.server
    if server.clients.monitors:  # before the script's own commands, as Redis does
        server.feed_monitors(client, argv)
    if evalsha and len(argv[1]) != 40:
        return NOSCRIPT
    numkeys = parse_int(argv[2])
    if numkeys > len(argv) - 3:
        return KEYS_GREATER
    if numkeys < 0:
        return KEYS_NEGATIVE
    scripts = engine(server)
    if evalsha:
        script = scripts.find(argv[1].lower())
        if script is None:
            return NOSCRIPT
    else:
        try:
            script = scripts.create(argv[1])
        except ScriptError as exc:
            return exc.reply
    keys = argv[3 : 3 + numkeys]
    return scripts.run(client, script, keys, argv[3 + numkeys :], ro)


@command("eval", -3, _EVAL_FLAGS, group="scripting",
         summary="Execute a Lua script server side", since="2.6.0")  # fmt: skip
def eval_(client: Client, argv: list[bytes]) -> bytes | None:
    return _eval(client, argv, evalsha=False, ro=False)


@command("evalsha", -3, _EVAL_FLAGS, group="scripting",
         summary="Execute a Lua script server side", since="2.6.0")  # fmt: skip
def evalsha(client: Client, argv: list[bytes]) -> bytes | None:
    return _eval(client, argv, evalsha=True, ro=False)


@command("eval_ro", -3, "readonly " + _EVAL_FLAGS, group="scripting",
         summary="Execute a read-only Lua script server side", since="7.0.0")  # fmt: skip
def eval_ro(client: Client, argv: list[bytes]) -> bytes | None:
    return _eval(client, argv, evalsha=False, ro=True)


@command("evalsha_ro", -3, "readonly " + _EVAL_FLAGS, group="scripting",
         summary="Execute a read-only Lua script server side", since="7.0.0")  # fmt: skip
def evalsha_ro(client: Client, argv: list[bytes]) -> bytes | None:
    return _eval(client, argv, evalsha=True, ro=True)


container("script", summary="A container for Lua scripts management commands", since="2.6.0")


@subcommand("script", "help", 2, "loading stale", group="scripting",
            summary="Show helpful text about the different subcommands", since="5.0.0")  # fmt: skip
def script_help(client: Client, argv: list[bytes]) -> bytes:
    return reply.array([reply.simple(line) for line in SCRIPT_HELP])


@subcommand("script", "exists", -3, "noscript", group="scripting",
            tips=("request_policy:all_shards", "response_policy:agg_logical_and"),
            summary="Check existence of scripts in the script cache.", since="2.6.0")  # fmt: skip
def script_exists(client: Client, argv: list[bytes]) -> bytes:
    scripts = engine(client.server).scripts
    return reply.array([reply.ONE if sha.lower() in scripts else reply.ZERO for sha in argv[2:]])


@subcommand("script", "load", 3, "noscript stale", group="scripting",
            tips=("request_policy:all_nodes", "response_policy:all_succeeded"),
            summary="Load the specified Lua script into the script cache.",
            since="2.6.0")  # fmt: skip
def script_load(client: Client, argv: list[bytes]) -> bytes:
    try:
        script = engine(client.server).create(argv[2], loaded=True)
    except ScriptError as exc:
        return exc.reply
    return reply.bulk(script.sha)


@subcommand("script", "flush", -2, "noscript", group="scripting",
            tips=("request_policy:all_nodes", "response_policy:all_succeeded"),
            summary="Remove all the scripts from the script cache.", since="2.6.0")  # fmt: skip
def script_flush(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        return FLUSH_OPTION
    if client.server.scripting is not None:
        client.server.scripting.flush()
    return reply.OK


@subcommand("script", "kill", 2, "noscript allow_busy", group="scripting",
            tips=("request_policy:all_shards", "response_policy:one_succeeded"),
            summary="Kill the script currently in execution.", since="2.6.0")  # fmt: skip
def script_kill(client: Client, argv: list[bytes]) -> bytes:
    return watchdog(client.server).kill(is_eval=True)
