"""FCALL, FCALL_RO and FUNCTION (functions.c, Redis 7.0).

The libraries live in `replkv.scripting.functions`. FUNCTION LOAD, DELETE, FLUSH and
RESTORE are events as sent, so replicas and log replay load the same libraries; FCALL's
events are the commands its function ran, appended as one unit like EVAL's.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import try_int
from replkv.commands.table import command, container, subcommand
from replkv.glob import glob_match
from replkv.scripting.busy import watchdog
from replkv.scripting.functions import ENGINE_NAME, FLAG_NAMES, FunctionError, functions

FUNCTION_NOT_FOUND = errors.err("Function not found")
BAD_NUMKEYS = errors.err("Bad number of keys provided")
KEYS_GREATER = errors.err("Number of keys can't be greater than number of args")
KEYS_NEGATIVE = errors.err("Number of keys can't be negative")
LIBRARY_NOT_FOUND = errors.err("Library not found")
FLUSH_OPTION = errors.err("FUNCTION FLUSH only supports SYNC|ASYNC option")
WRONG_POLICY = errors.err(
    "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
)

FUNCTION_HELP = [
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored"
    " using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a"
    " restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision,"
    " replace the old",
    "      libraries with the new libraries (notice that even on this option there is a"
    " chance of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
]

_FCALL_FLAGS = "noscript stale skip_monitor no_mandatory_keys movablekeys"
_ALL_SHARDS = ("request_policy:all_shards", "response_policy:all_succeeded")


def _fcall(client: Client, argv: list[bytes], ro: bool) -> bytes | None:
    """functions.c: fcallCommandGeneric()."""
    server = client.server
    if server.clients.monitors:  # before the function's own commands, as for EVAL
        server.feed_monitors(client, argv)
    engine = server.functions
    function = engine.functions.get(argv[1].lower()) if engine is not None else None
    if engine is None or function is None:
        return FUNCTION_NOT_FOUND
    numkeys = try_int(argv[2])
    if numkeys is None:
        return BAD_NUMKEYS
    if numkeys > len(argv) - 3:
        return KEYS_GREATER
    if numkeys < 0:
        return KEYS_NEGATIVE
    keys = argv[3 : 3 + numkeys]
    return engine.run(client, function.script(), keys, argv[3 + numkeys :], ro, argv)


@command("fcall", -3, _FCALL_FLAGS, group="scripting",
         summary="Invoke a function", since="7.0.0")  # fmt: skip
def fcall(client: Client, argv: list[bytes]) -> bytes | None:
    return _fcall(client, argv, ro=False)


@command("fcall_ro", -3, "readonly " + _FCALL_FLAGS, group="scripting",
         summary="Invoke a read-only function", since="7.0.0")  # fmt: skip
def fcall_ro(client: Client, argv: list[bytes]) -> bytes | None:
    return _fcall(client, argv, ro=True)


container("function", summary="A container for function commands", since="7.0.0")


@subcommand("function", "load", -3, "write denyoom noscript", group="scripting",
            tips=_ALL_SHARDS, summary="Create a function with the given arguments (name, code,"
            " description)", since="7.0.0")  # fmt: skip
def function_load(client: Client, argv: list[bytes]) -> bytes:
    replace = False
    for option in argv[2:-1]:
        if option.lower() != b"replace":
            return errors._one_line(b"-ERR Unknown option given: " + errors._c_string(option))
        replace = True
    try:
        name = functions(client.server).load(argv[-1], replace)
    except FunctionError as exc:
        return exc.reply
    client.server.propagate(client.db, argv)
    return reply.bulk(name)


@subcommand("function", "delete", 3, "write noscript", group="scripting", tips=_ALL_SHARDS,
            summary="Delete a function by name", since="7.0.0")  # fmt: skip
def function_delete(client: Client, argv: list[bytes]) -> bytes:
    engine = client.server.functions
    if engine is None or not engine.delete(argv[2]):
        return LIBRARY_NOT_FOUND
    client.server.propagate(client.db, argv)
    return reply.OK


@subcommand("function", "flush", -2, "write noscript", group="scripting", tips=_ALL_SHARDS,
            summary="Deleting all functions", since="7.0.0")  # fmt: skip
def function_flush(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) > 3:
        return _syntax_error(argv)
    if len(argv) == 3 and argv[2].lower() not in (b"sync", b"async"):
        return FLUSH_OPTION
    engine = client.server.functions
    if engine is not None:
        engine.clear()
    client.server.propagate(client.db, argv)
    return reply.OK


@subcommand("function", "restore", -3, "write denyoom noscript", group="scripting",
            tips=_ALL_SHARDS, summary="Restore all the functions on the given payload",
            since="7.0.0")  # fmt: skip
def function_restore(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) > 4:
        return _syntax_error(argv)
    policy = b"append"
    if len(argv) == 4:
        policy = argv[3].lower()
        if policy not in (b"flush", b"append", b"replace"):
            return WRONG_POLICY
    try:
        functions(client.server).restore(argv[2], policy)
    except FunctionError as exc:
        return exc.reply
    client.server.propagate(client.db, argv)
    return reply.OK


def _syntax_error(argv: list[bytes]) -> bytes:
    """networking.c: addReplySubcommandSyntaxError()."""
    return errors._one_line(
        b"-ERR unknown subcommand or wrong number of arguments for '%b'. Try FUNCTION HELP."
        % errors._c_string(argv[1])[:128]
    )


@subcommand("function", "dump", 2, "noscript", group="scripting",
            summary="Dump all functions into a serialized binary payload",
            since="7.0.0")  # fmt: skip
def function_dump(client: Client, argv: list[bytes]) -> bytes:
    config = client.server.config
    payload = functions(client.server).dump(config.rdbcompression, config.rdbchecksum)
    return reply.bulk(payload)


@subcommand("function", "list", -2, "noscript", group="scripting",
            tips=("nondeterministic_output_order",),
            summary="List information about all the functions", since="7.0.0")  # fmt: skip
def function_list(client: Client, argv: list[bytes]) -> bytes:
    with_code = False
    pattern = None
    i = 2
    while i < len(argv):
        arg = argv[i]
        if not with_code and arg.lower() == b"withcode":
            with_code = True
        elif pattern is None and arg.lower() == b"libraryname":
            if i >= len(argv) - 1:
                return errors.err("library name argument was not given")
            i += 1
            pattern = argv[i]
        else:
            return errors._one_line(b"-ERR Unknown argument " + errors._c_string(arg))
        i += 1
    engine = client.server.functions
    resp = client.resp
    libraries = list(engine.libraries.values()) if engine is not None else []
    if pattern is not None:
        libraries = [lib for lib in libraries if glob_match(pattern, lib.name, nocase=True)]
    parts = [b"*%d\r\n" % len(libraries)]
    for library in libraries:
        parts.append(reply.map_header(4 if with_code else 3, resp))
        parts.append(reply.bulk(b"library_name") + reply.bulk(library.name))
        parts.append(reply.bulk(b"engine") + reply.bulk(ENGINE_NAME))
        parts.append(reply.bulk(b"functions") + b"*%d\r\n" % len(library.functions))
        for function in library.functions.values():
            parts.append(reply.map_header(3, resp))
            parts.append(reply.bulk(b"name") + reply.bulk(function.name))
            parts.append(reply.bulk(b"description"))
            parts.append(reply.bulk_or_null(function.description, resp))
            flags = [name for bit, name in FLAG_NAMES if function.flags & bit]
            parts.append(reply.bulk(b"flags") + reply.set_header(len(flags), resp))
            parts.extend(reply.simple(flag) for flag in flags)
        if with_code:
            parts.append(reply.bulk(b"library_code") + reply.bulk(library.code))
    return b"".join(parts)


@subcommand("function", "stats", 2, "noscript allow_busy", group="scripting",
            tips=("nondeterministic_output", "request_policy:all_shards",
                  "response_policy:special"),
            summary="Return information about the function currently running (name,"
            " description, duration)", since="7.0.0")  # fmt: skip
def function_stats(client: Client, argv: list[bytes]) -> bytes:
    engine = client.server.functions
    resp = client.resp
    libraries = len(engine.libraries) if engine is not None else 0
    count = len(engine.functions) if engine is not None else 0
    return b"".join(
        [
            reply.map_header(2, resp),
            reply.bulk(b"running_script"),
            _running_function(client),
            reply.bulk(b"engines"),
            reply.map_header(1, resp),
            reply.bulk(ENGINE_NAME),
            reply.map_header(2, resp),
            reply.bulk(b"libraries_count") + reply.integer(libraries),
            reply.bulk(b"functions_count") + reply.integer(count),
        ]
    )


def _running_function(client: Client) -> bytes:
    """FUNCTION STATS' running_script: the function running now, or null (also while
    an EVAL script runs)."""
    guard = watchdog(client.server)
    run = guard.running
    resp = client.resp
    if run is None or run.eval_mode or run.argv is None:
        return reply.null(resp)
    return b"".join(
        [
            reply.map_header(3, resp),
            reply.bulk(b"name") + reply.bulk(run.name),
            reply.bulk(b"command") + reply.bulk_array(run.argv),
            reply.bulk(b"duration_ms") + reply.integer(int(guard.clock_ms() - run.started_ms)),
        ]
    )


@subcommand("function", "kill", 2, "noscript allow_busy", group="scripting",
            tips=("request_policy:all_shards", "response_policy:one_succeeded"),
            summary="Kill the function currently in execution.", since="7.0.0")  # fmt: skip
def function_kill(client: Client, argv: list[bytes]) -> bytes:
    return watchdog(client.server).kill(is_eval=False)


@subcommand("function", "help", 2, "loading stale", group="scripting",
            summary="Show helpful text about the different subcommands", since="7.0.0")  # fmt: skip
def function_help(client: Client, argv: list[bytes]) -> bytes:
    return reply.array([reply.simple(line) for line in FUNCTION_HELP])
