"""The EVAL scripting engine: the script cache, the Lua client, running a script.

eval.c (the cache of scripts by SHA1, shebang flags, evalGenericCommand()) and
script.c (scriptPrepareForRun(), scriptCall(): the checks a command run from a script
passes, then call()). A script's writes are one execution unit: Server.call() of
EVAL appends the events of every command the script ran as one block, wrapped in
MULTI/EXEC when there are several (Redis 7's effects replication). Scripts never run
on replicas or on replay: only their effects are logged.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import attrs
from twisted.logger import Logger, LogLevel

from replkv import REDIS_VERSION, errors, reply
from replkv.client import Client
from replkv.scripting.busy import watchdog
from replkv.scripting.convert import error_message, error_table, lua_to_reply, reply_to_lua
from replkv.scripting.lua import LuaState, lua_type
from replkv.splitargs import split_args

if TYPE_CHECKING:
    from replkv.commands.table import Command
    from replkv.server import Server

log = Logger(namespace="replkv.scripting")

# Shebang flags (script.c: scripts_flags_def).
FLAG_NO_WRITES = 1
FLAG_ALLOW_OOM = 2
FLAG_ALLOW_STALE = 4
FLAG_NO_CLUSTER = 8
FLAG_ALLOW_CROSS_SLOT = 16
FLAG_EVAL_COMPAT_MODE = 32  # no shebang: EVAL's pre-7.0 behaviour
SHEBANG_FLAGS = {
    b"no-writes": FLAG_NO_WRITES,
    b"allow-oom": FLAG_ALLOW_OOM,
    b"allow-stale": FLAG_ALLOW_STALE,
    b"no-cluster": FLAG_NO_CLUSTER,
    b"allow-cross-slot-keys": FLAG_ALLOW_CROSS_SLOT,
}

# Commands Redis 7.0 flags MAY_REPLICATE that scripts may call (COMMAND INFO hides the
# flag): read-only scripts refuse them as writes.
MAY_REPLICATE = frozenset(["publish", "spublish", "pfcount"])

NOSCRIPT = b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
# The most scripts EVAL alone created that are kept (SCRIPT LOAD's do not count).
MAX_EVAL_SCRIPTS = 500
RO_WITH_WRITE_FLAG = errors.err("Can not execute a script with write flag using *_ro command.")

_LOG_LEVELS = (LogLevel.debug, LogLevel.info, LogLevel.info, LogLevel.warn)
_VERBOSITY = {"debug": 0, "verbose": 1, "notice": 2, "warning": 3, "nothing": 4}


class ScriptError(Exception):
    """A shebang or compilation error: the reply to send."""

    def __init__(self, reply: bytes) -> None:
        super().__init__(reply)
        self.reply = reply


class ScriptCallError(Exception):
    """Raised through Lua by redis.call() and friends; the error table waits in the engine."""


@attrs.define(slots=True)
class Script:
    """One cached script (eval.c: luaScript)."""

    sha: bytes
    body: bytes
    flags: int
    function: Any  # the compiled Lua function


def sha1hex(data: bytes) -> bytes:
    """The lower-case hex SHA1 of data."""
    return hashlib.sha1(data).hexdigest().encode()  # noqa: S324 - Redis's script names


def shebang_flags(body: bytes) -> tuple[int, int]:
    """eval.c: evalExtractShebangFlags(): (flags, length of the shebang line)."""
    if not body.startswith(b"#!"):
        return FLAG_EVAL_COMPAT_MODE, 0
    end = body.find(b"\n")
    if end < 0:
        raise ScriptError(errors.err("Invalid script shebang"))
    parts = split_args(body[:end])
    if not parts:  # None: unbalanced quotes
        raise ScriptError(errors.err("Invalid engine in script shebang"))
    if parts[0] != b"#!lua":
        raise ScriptError(b"-ERR Unexpected engine in script shebang: " + parts[0] + b"\r\n")
    flags = 0
    for part in parts[1:]:
        if not part.startswith(b"flags="):
            raise ScriptError(b"-ERR Unknown lua shebang option: " + part + b"\r\n")
        names = part[6:]
        for name in names.split(b",") if names else ():
            flag = SHEBANG_FLAGS.get(name)
            if flag is None:
                raise ScriptError(b"-ERR Unexpected flag in script shebang: " + name + b"\r\n")
            flags |= flag
    return flags, end


class ScriptClient(Client):
    """The client scripts run their commands as (server.c: the Lua client)."""

    def __init__(self, server: Server) -> None:
        super().__init__(server, 0)
        self.kind = "lua"
        self.deny_blocking = True  # CLIENT_DENY_BLOCKING: BLPOP answers at once
        self.authenticated = True


@attrs.define(slots=True)
class Run:
    """The running script (script.c: scriptRunCtx)."""

    caller: Client
    name: bytes
    read_only: bool
    write_dirty: bool = False
    resp: int = 2
    eval_mode: bool = True  # EVAL (SCRIPT KILL), not FCALL (FUNCTION KILL)
    argv: list[bytes] | None = None  # the caller's command (FUNCTION STATS shows it)
    # The watchdog's (replkv.scripting.busy): start time, past the threshold, killed by
    # SCRIPT KILL, abandoned by SHUTDOWN NOSAVE.
    started_ms: float = 0.0
    timed_out: bool = False
    killed: bool = False
    abandoned: bool = False


class ScriptEngine:
    """The Lua state, the scripts it compiled, and running them for EVAL."""

    # Its scripts are stopped by SCRIPT KILL (FCALL's functions: FUNCTION KILL).
    eval_mode = True

    def __init__(self, server: Server) -> None:
        self.server = server
        self.scripts: dict[bytes, Script] = {}
        # The scripts only EVAL created, least recently used first: at most
        # MAX_EVAL_SCRIPTS are kept (SCRIPT LOAD's stay until SCRIPT FLUSH).
        self._eval_only: OrderedDict[bytes, None] = OrderedDict()
        self.evicted = 0
        self.client = ScriptClient(server)
        self.running: Run | None = None
        self.pending_error: Any = None
        self.lua = self._new_state()

    def _new_state(self) -> LuaState:
        raising = self._raising
        callbacks = {
            "call": lambda *args: raising(self._command(True, *args)),
            "pcall": lambda *args: self._command(False, *args)[1],
            "log": lambda *args: raising(self._log(*args)),
            "setresp": lambda *args: raising(self._setresp(*args)),
            "set_repl": lambda *args: raising(self._set_repl(*args)),
            "sha1hex": lambda *args: raising(self._sha1hex(*args)),
            "acl_check_cmd": lambda *args: raising(self._acl_check_cmd(*args)),
            "take_error": self._take_error,
            "interrupt": lambda: watchdog(self.server).interrupt(),
            "error_reply": self._error_reply,
            "error_table": lambda text: error_table(self.lua, _as_bytes(text)),
            "version": REDIS_VERSION.encode(),
            "version_num": _version_num(REDIS_VERSION),
        }
        return self._state(callbacks)

    def _state(self, callbacks: dict[str, Any]) -> LuaState:
        """The Lua state with these redis.* callbacks (the functions engine has its own)."""
        return LuaState(callbacks, _install_libraries)

    # -- the cache ---------------------------------------------------------------------

    def flush(self) -> None:
        """SCRIPT FLUSH: forget every script and start a fresh Lua state."""
        self.scripts = {}
        self._eval_only.clear()
        self.lua = self._new_state()

    def memory(self) -> int:
        """used_memory_scripts_eval: the bodies and names of the cached scripts."""
        return sum(len(script.body) + 40 for script in self.scripts.values())

    def find(self, sha: bytes) -> Script | None:
        """EVALSHA's script, if cached (a use keeps an EVAL-made script longer)."""
        script = self.scripts.get(sha)
        if script is not None and sha in self._eval_only:
            self._eval_only.move_to_end(sha)
        return script

    def create(self, body: bytes, *, loaded: bool = False) -> Script:
        """eval.c: luaCreateFunction(): the cached script, compiled on first sight.

        loaded: SCRIPT LOAD's, kept until SCRIPT FLUSH. EVAL's are kept at most
        MAX_EVAL_SCRIPTS at a time, the least recently used dropped first, so a client
        that sends endless distinct scripts cannot grow the cache without bound (Redis
        7.4's rule); EVALSHA of a dropped one answers -NOSCRIPT, and clients send EVAL.
        """
        sha = sha1hex(body)
        script = self.scripts.get(sha)
        if script is not None:
            if loaded:
                self._eval_only.pop(sha, None)
            elif sha in self._eval_only:
                self._eval_only.move_to_end(sha)
            return script
        flags, shebang = shebang_flags(body)
        source = body[shebang:]
        if source[:1] == b"\x1b":  # precompiled chunks are refused, as Redis's Lua does
            raise ScriptError(
                errors.err(
                    "Error compiling script (new function): user_script: "
                    "bad binary format (precompiled chunk)"
                )
            )
        function, message = self.lua.compile(source)
        if function is None:
            text = (message or b"").replace(b"\r", b" ").replace(b"\n", b" ")
            raise ScriptError(b"-ERR Error compiling script (new function): " + text + b"\r\n")
        script = Script(sha, body, flags, function)
        self.scripts[sha] = script
        if not loaded:
            self._eval_only[sha] = None
            if len(self._eval_only) > MAX_EVAL_SCRIPTS:
                oldest, _ = self._eval_only.popitem(last=False)
                del self.scripts[oldest]
                self.evicted += 1
        return script

    # -- running -----------------------------------------------------------------------

    def refusal(self, caller: Client, script: Script, read_only: bool) -> bytes | None:
        """The checks before a script runs: processCommand()'s, with the command flags a
        shebang gives (eval.c: evalGetCommandFlags()), then scriptPrepareForRun()'s."""
        server = self.server
        link = server.master_link
        obey = caller.is_master_link
        compat = script.flags & FLAG_EVAL_COMPAT_MODE
        writes = not compat and not script.flags & FLAG_NO_WRITES
        if writes and not obey:
            if server.write_refusal is not None:
                return server.write_refusal
            if link is not None and server.config.replica_read_only:
                return errors.READONLY
        if (
            link is not None
            and not obey
            and link.state != "connected"
            and not server.config.replica_serve_stale_data
            and (compat or not script.flags & FLAG_ALLOW_STALE)
        ):
            return errors.MASTERDOWN
        if writes and read_only:
            return RO_WITH_WRITE_FLAG
        return None

    def run(
        self,
        caller: Client,
        script: Script,
        keys: list[bytes],
        args: list[bytes],
        ro: bool,
        argv: list[bytes] | None = None,
    ) -> bytes | None:
        """evalGenericCommand() from scriptPrepareForRun() on: the script's reply."""
        refusal = self.refusal(caller, script, ro)
        if refusal is not None:
            return refusal
        server = self.server
        client = self.client
        client.db = caller.db
        client.set_resp(2)
        read_only = ro or bool(
            not script.flags & FLAG_EVAL_COMPAT_MODE and script.flags & FLAG_NO_WRITES
        )
        run = Run(caller, script.sha, read_only, eval_mode=self.eval_mode, argv=argv)
        self.running = run
        keyspace = server.keyspace
        outer_frozen = keyspace.frozen_ms
        if outer_frozen is None:  # one clock for the whole script
            keyspace.frozen_ms = keyspace.now_ms()
        guard = watchdog(server)
        try:
            ok, value = self.lua.run(script.function, keys, args, guard.start(run))
            if run.abandoned:  # SHUTDOWN NOSAVE: no reply, the server is stopping
                caller.close_after_reply()
                return None
            if ok:
                if _counted_already(value):  # a pcall's error table, returned
                    server.error_counted = True
                return lua_to_reply(value, caller.resp, run.resp)
            if _counted_already(value):
                server.error_counted = True
            return _error_reply(value, script.sha)
        finally:
            guard.finish(run)
            keyspace.frozen_ms = outer_frozen
            self.running = None

    # -- callbacks from Lua ------------------------------------------------------------

    def _raising(self, outcome: tuple[bool, Any]) -> Any:
        """The value, or raise: Lua gets an error that take_error() turns into the table."""
        ok, value = outcome
        if ok:
            return value
        self.pending_error = value
        raise ScriptCallError

    def _take_error(self) -> Any:
        """The error table of the exception a callback raised last (None if none)."""
        value, self.pending_error = self.pending_error, None
        return value

    def _command(self, raise_error: bool, *args: Any) -> tuple[bool, Any]:
        """script_lua.c: luaRedisGenericCommand(), script.c: scriptCall()."""
        lua = self.lua
        run = self.running
        if run is None:
            return False, error_table(
                lua, b"redis.call can only be called inside a script invocation"
            )
        if not args:
            return False, error_table(
                lua, b"Please specify at least one argument for this redis lib call"
            )
        argv: list[bytes] = []
        for arg in args:
            kind = type(arg)
            if kind is bytes:
                argv.append(arg)
            elif kind is int or kind is float:
                argv.append(b"%.17g" % arg)
            else:
                return False, error_table(
                    lua, b"Lua redis lib command arguments must be strings or integers"
                )
        server = self.server
        cmd = _lookup(server, argv)
        refusal = self._refusal(cmd, argv, run)
        if refusal is not None:
            if cmd is not None:
                cmd.rejected_calls += 1
            server.stats.count_error(b"-" + error_message(refusal) + b"\r\n")
            return False, error_table(lua, refusal, ignore_stats=True)
        assert cmd is not None
        if cmd.is_write:
            run.write_dirty = True
        client = self.client
        client.set_resp(run.resp)
        result = server.call(client, cmd, argv)
        if result is None:
            return True, False
        value = reply_to_lua(lua, result)
        if result[:1] == b"-":
            return not raise_error, value
        return True, value

    def _refusal(self, cmd: Command | None, argv: list[bytes], run: Run) -> bytes | None:
        """scriptCall()'s checks; the error text (with or without a -CODE)."""
        if cmd is None:
            return b"Unknown Redis command called from script"
        arity = cmd.arity
        if (arity > 0 and arity != len(argv)) or len(argv) < -arity:
            return b"Wrong number of args calling Redis command from script"
        if "noscript" in cmd.flags:
            return b"This Redis command is not allowed from script"
        if run.read_only and (cmd.is_write or cmd.name in MAY_REPLICATE):
            return b"Write commands are not allowed from read-only scripts."
        if not cmd.is_write or run.write_dirty:
            return None
        server = self.server
        if (
            server.master_link is not None
            and server.config.replica_read_only
            and not run.caller.is_master_link
        ):
            return errors.READONLY
        return server.write_refusal

    def _log(self, *args: Any) -> tuple[bool, Any]:
        """script_lua.c: luaLogCommand()."""
        lua = self.lua
        if len(args) < 2:
            return False, error_table(lua, b"redis.log() requires two arguments or more.")
        level = args[0]
        if type(level) is bytes:
            try:
                level = float(level)
            except ValueError:
                level = None
        if type(level) not in (int, float):
            return False, error_table(lua, b"First argument must be a number (log level).")
        level = int(level)
        if not 0 <= level <= 3:
            return False, error_table(lua, b"Invalid debug level.")
        if level < _VERBOSITY.get(self.server.config.loglevel, 2):
            return True, None
        words = [_as_bytes(arg) for arg in args[1:] if type(arg) in (bytes, int, float)]
        text = b" ".join(words).decode("utf-8", "replace")
        log.emit(_LOG_LEVELS[level], "{text}", text=text)
        return True, None

    def _setresp(self, *args: Any) -> tuple[bool, Any]:
        """script_lua.c: luaSetResp()."""
        lua = self.lua
        if self.running is None:
            return False, error_table(
                lua, b"redis.setresp can only be called inside a script invocation"
            )
        if len(args) != 1:
            return False, error_table(lua, b"redis.setresp() requires one argument.")
        version = _to_number(args[0])
        if version not in (2, 3):
            return False, error_table(lua, b"RESP version must be 2 or 3.")
        self.running.resp = int(version)
        return True, None

    def _set_repl(self, *args: Any) -> tuple[bool, Any]:
        """script_lua.c: luaRedisSetReplCommand(). Accepted; the effects are always logged."""
        lua = self.lua
        if self.running is None:
            return False, error_table(
                lua, b"redis.set_repl can only be called inside a script invocation"
            )
        if len(args) != 1:
            return False, error_table(lua, b"redis.set_repl() requires two arguments.")
        flags = _to_number(args[0])
        if flags is None or int(flags) & ~3:
            return False, error_table(
                lua,
                b"Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
            )
        return True, None

    def _sha1hex(self, *args: Any) -> tuple[bool, Any]:
        """script_lua.c: luaRedisSha1hexCommand()."""
        if len(args) != 1:
            return False, error_table(self.lua, b"wrong number of arguments")
        value = args[0]
        data = _as_bytes(value) if type(value) in (bytes, int, float) else b""
        return True, sha1hex(data)

    def _acl_check_cmd(self, *args: Any) -> tuple[bool, Any]:
        """script_lua.c: luaRedisAclCheckCmdPermissionsCommand(); every user may run all."""
        lua = self.lua
        if not args:
            return False, error_table(
                lua, b"Please specify at least one argument for this redis lib call"
            )
        argv = [_as_bytes(arg) for arg in args if type(arg) in (bytes, int, float)]
        if len(argv) != len(args):
            return False, error_table(
                lua, b"Lua redis lib command arguments must be strings or integers"
            )
        if _lookup(self.server, argv) is None:
            return False, error_table(lua, b"Invalid command passed to redis.acl_check_cmd()")
        return True, True

    def _error_reply(self, *args: Any) -> Any:
        """script_lua.c: luaRedisErrorReplyCommand()."""
        lua = self.lua
        if len(args) != 1 or type(args[0]) is not bytes:
            return error_table(lua, b"wrong number or type of arguments")
        text = args[0]
        return error_table(lua, text if text[:1] == b"-" else b"-" + text)


def _counted_already(value: Any) -> bool:
    """An error table from a failed redis.call (counted in errorstats when it failed)."""
    return lua_type(value) == "table" and bool(value[b"ignore_error_stats_update"])


def _error_reply(value: Any, sha: bytes) -> bytes:
    """luaCallFunction()'s error reply: the err field, then where the script failed."""
    message = b"ERR execution failure"
    source = line = None
    if type(value) is bytes or type(value) in (int, float):
        message = b"ERR " + _as_bytes(value)
    elif value is not None and hasattr(value, "items"):
        err = value[b"err"]
        if type(err) in (bytes, int, float):
            message = _as_bytes(err)
        if type(value[b"source"]) in (bytes, int, float):
            source = _as_bytes(value[b"source"])
        if type(value[b"line"]) in (bytes, int, float):
            line = _as_bytes(value[b"line"])
    text = b"-" + message
    if source is not None and line is not None:
        text += b" script: " + sha + b", on " + source + b":" + line + b"."
    return text.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"


def _lookup(server: Server, argv: list[bytes]) -> Command | None:
    """server.c: lookupCommand(): None for an unknown command or subcommand."""
    cmd = server.commands.by_name.get(argv[0].lower())
    if cmd is not None and cmd.subcommands is not None and len(argv) > 1:
        return cmd.subcommands.get(argv[1].lower())
    return cmd


def _as_bytes(value: Any) -> bytes:
    """lua_tolstring(): strings as they are, numbers as Lua prints them (%.14g)."""
    if type(value) is bytes:
        return value
    if type(value) is int or type(value) is float:
        return b"%.14g" % value
    return b""


def _to_number(value: Any) -> float | None:
    """lua_tonumber(): numbers and numeric strings, else None (0 in C)."""
    if type(value) is int or type(value) is float:
        return float(value)
    if type(value) is bytes:
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0


def _version_num(version: str) -> int:
    major, minor, patch = (int(part) for part in version.split("."))
    return (major << 16) | (minor << 8) | patch


def _install_libraries(runtime: Any) -> None:
    """cjson, cmsgpack, bit, struct, when replkv.scripting.libraries provides them."""
    try:
        from replkv.scripting import libraries  # type: ignore[attr-defined]
    except ImportError:
        return
    libraries.install(runtime)


def engine(server: Server) -> ScriptEngine:
    """The server's scripting engine, created on first use."""
    found = server.scripting
    if found is None:
        found = server.scripting = ScriptEngine(server)
    return found


__all__ = ["NOSCRIPT", "Script", "ScriptEngine", "ScriptError", "engine", "reply"]
