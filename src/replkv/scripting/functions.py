"""Redis 7.0 functions: libraries of Lua functions (functions.c, function_lua.c).

A library is its code: `#!lua name=<library>` then Lua that registers functions with
redis.register_function(). The libraries are data: FUNCTION LOAD, DELETE, FLUSH and
RESTORE are logged as themselves (replicas and replay load the same code, running only
the registration, never a function), snapshots keep each library's code as an
RDB_OPCODE_FUNCTION2 record. FCALL runs a function like EVAL runs a script, in a Lua
state of its own: what is logged is the commands it ran.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from replkv.rdb.crc import crc64
from replkv.rdb.dump import FOOTER_SIZE, PayloadVersionError, verify_payload
from replkv.rdb.format import OP_FUNCTION2, RDB_VERSION, RdbError, encode_string
from replkv.rdb.parser import Parser
from replkv.scripting.engine import (
    Script,
    ScriptEngine,
    _install_libraries,
    log,
)
from replkv.scripting.lua import FunctionLuaState
from replkv.splitargs import split_args

if TYPE_CHECKING:
    from replkv.server import Server

ENGINE_NAME = b"LUA"
LOAD_TIMEOUT = 0.5  # seconds a library's code may run in FUNCTION LOAD
_NAME = re.compile(rb"[A-Za-z0-9_]+\Z")
NAME_RULE = (
    b"Library names can only contain letters, numbers, or underscores(_) and must be at "
    b"least one character long"
)
# Flags as FUNCTION LIST names them (script.c: scripts_flags_def order).
FLAG_NAMES = (
    (1, b"no-writes"),
    (2, b"allow-oom"),
    (4, b"allow-stale"),
    (8, b"no-cluster"),
    (16, b"allow-cross-slot-keys"),
)


class FunctionError(Exception):
    """A refused FUNCTION LOAD or RESTORE: the error text (without the leading '-')."""

    def __init__(self, message: bytes) -> None:
        super().__init__(message)
        self.message = message

    @property
    def reply(self) -> bytes:
        text = self.message if self.message[:4] == b"ERR " else b"ERR " + self.message
        return b"-" + text.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"


@attrs.define(slots=True, eq=False)
class Function:
    """One registered function (functions.h: functionInfo)."""

    name: bytes
    description: bytes | None
    flags: int
    callback: Any  # the Lua function
    library: Library

    def script(self) -> Script:
        """The form the scripting engine runs: its name stands where EVAL has the SHA1."""
        return Script(self.name, b"", self.flags, self.callback)


@attrs.define(slots=True, eq=False)
class Library:
    """One library (functions.h: functionLibInfo)."""

    name: bytes
    code: bytes
    functions: dict[bytes, Function] = attrs.Factory(dict)


def library_metadata(code: bytes) -> tuple[bytes, bytes, int]:
    """functions.c: functionExtractLibMetaData(): (engine, name, end of the shebang)."""
    if not code.startswith(b"#!"):
        raise FunctionError(b"Missing library metadata")
    end = code.find(b"\n")
    if end < 0:
        raise FunctionError(b"Invalid library metadata")
    parts = split_args(code[:end])
    if not parts:
        raise FunctionError(b"Invalid library metadata")
    engine = parts[0][2:]
    name = None
    for part in parts[1:]:
        if part[:5].lower() == b"name=":
            if name is not None:
                raise FunctionError(
                    b"Invalid metadata value, name argument was given multiple times"
                )
            name = part[5:]
        else:
            raise FunctionError(b"Invalid metadata value given: " + part)
    if name is None:
        raise FunctionError(b"Library name was not given")
    return engine, name, end


class FunctionEngine(ScriptEngine):
    """The libraries and the Lua state their functions live in."""

    lua: FunctionLuaState
    eval_mode = False

    def __init__(self, server: Server) -> None:
        self.libraries: dict[bytes, Library] = {}
        # FCALL finds functions by name in any case (Redis's case-insensitive dict).
        self.functions: dict[bytes, Function] = {}
        self._loading: Library | None = None
        self._load_deadline = 0.0
        super().__init__(server)

    def _state(self, callbacks: dict[str, Any]) -> FunctionLuaState:
        """A Lua state of its own, with redis.register_function for loading."""
        return FunctionLuaState(callbacks, _install_libraries, self._register, self._load_expired)

    def _load_expired(self) -> bool:
        """FUNCTION LOAD's time is up (500 ms of running the library's code)."""
        return time.monotonic() > self._load_deadline

    # -- loading -----------------------------------------------------------------------

    def _register(
        self, name: bytes, description: bytes | None, callback: Any, flags: int
    ) -> bytes | None:
        """functions.c: functionLibCreateFunction(), from redis.register_function()."""
        library = self._loading
        assert library is not None
        if not _NAME.match(name):
            return b"ERR " + NAME_RULE
        if name in library.functions:
            return b"ERR Function already exists in the library"
        library.functions[name] = Function(name, description, int(flags), callback, library)
        return None

    def compile(self, code: bytes) -> Library:
        """A library from its code, checked alone (its names may clash with others')."""
        engine, name, end = library_metadata(code)
        if engine.upper() != ENGINE_NAME:
            raise FunctionError(b"Engine '" + engine + b"' not found")
        if not _NAME.match(name):
            raise FunctionError(NAME_RULE)
        return self._run_library(name, code, end)

    def _run_library(self, name: bytes, code: bytes, end: int) -> Library:
        library = Library(name, code)
        self._loading = library
        self._load_deadline = time.monotonic() + LOAD_TIMEOUT
        try:
            refusal = self.lua.load_library(code[end:])
        finally:
            self._loading = None
        if refusal is not None:
            raise FunctionError(refusal)
        if not library.functions:
            raise FunctionError(b"No functions registered")
        return library

    def load(self, code: bytes, replace: bool) -> bytes:
        """functions.c: functionsCreateWithLibraryCtx(): the new library's name."""
        engine, name, end = library_metadata(code)
        if engine.upper() != ENGINE_NAME:
            raise FunctionError(b"Engine '" + engine + b"' not found")
        if not _NAME.match(name):
            raise FunctionError(NAME_RULE)
        if name in self.libraries and not replace:
            raise FunctionError(b"Library '" + name + b"' already exists")
        library = self._run_library(name, code, end)
        self.install([library], replace=True)
        return name

    def install(self, libraries: list[Library], replace: bool) -> None:
        """Add libraries, all or none: a library of the same name is replaced when
        replace, else refused; a function name another library has is refused."""
        replaced = set()
        for library in libraries:
            if library.name in self.libraries:
                if not replace:
                    raise FunctionError(b"Library " + library.name + b" already exists")
                replaced.add(library.name)
        seen: set[bytes] = set()
        for library in libraries:
            names = {name.lower(): name for name in reversed(library.functions)}
            for key, name in names.items():
                owner = self.functions.get(key)
                if (owner is not None and owner.library.name not in replaced) or key in seen:
                    raise FunctionError(b"Function " + name + b" already exists")
                seen.add(key)
        for library in libraries:
            self.delete(library.name)
            self.libraries[library.name] = library
            for name, function in library.functions.items():
                self.functions[name.lower()] = function  # the last of equal names wins

    def delete(self, name: bytes) -> bool:
        """FUNCTION DELETE: False when there is no such library."""
        library = self.libraries.pop(name, None)
        if library is None:
            return False
        for name in library.functions:
            key = name.lower()
            if self.functions[key].library is library:
                del self.functions[key]
        return True

    def clear(self) -> None:
        """FUNCTION FLUSH."""
        self.libraries = {}
        self.functions = {}

    # -- payloads ------------------------------------------------------------------------

    def codes(self) -> list[bytes]:
        """Every library's code, for a snapshot."""
        return [library.code for library in self.libraries.values()]

    def dump(self, compress: bool = True, checksum: bool = True) -> bytes:
        """FUNCTION DUMP: FUNCTION2 records, the RDB version, the CRC64."""
        payload = function_records(self.codes(), compress) + RDB_VERSION.to_bytes(2, "little")
        crc = crc64(payload) if checksum else 0
        return payload + crc.to_bytes(8, "little")

    def restore(self, payload: bytes, policy: bytes) -> None:
        """FUNCTION RESTORE with policy FLUSH, APPEND or REPLACE; all or nothing."""
        try:
            verify_payload(payload)
        except PayloadVersionError:
            raise FunctionError(b"DUMP payload version or checksum are wrong") from None
        codes = []
        p = Parser(payload, 0, len(payload) - FOOTER_SIZE)
        try:
            while p.pos < p.size:
                if p.byte() != OP_FUNCTION2:
                    raise FunctionError(b"given type is not a function")
                codes.append(p.string())
        except (RdbError, IndexError):
            raise FunctionError(b"failed loading the given functions payload") from None
        libraries = []
        names: set[bytes] = set()
        for code in codes:
            library = self.compile(code)
            if library.name in names:
                raise FunctionError(b"Library '" + library.name + b"' already exists")
            names.add(library.name)
            libraries.append(library)
        if policy == b"flush":
            kept = self.libraries, self.functions
            self.clear()
            try:
                self.install(libraries, replace=False)
            except FunctionError:
                self.libraries, self.functions = kept
                raise
        else:
            self.install(libraries, replace=policy == b"replace")

    def load_codes(self, codes: Iterable[bytes]) -> None:
        """Libraries from a snapshot, replacing those of the same name; a library that
        fails to load is logged and skipped."""
        for code in codes:
            try:
                self.load(code, replace=True)
            except FunctionError as exc:
                log.warn("Failed loading library from RDB: {error}", error=exc.message)

    def memory(self) -> int:
        """used_memory_functions: an estimate from the libraries' code and names."""
        return sum(
            len(library.code) + 64 + 48 * len(library.functions)
            for library in self.libraries.values()
        )


def function_records(codes: Iterable[bytes], compress: bool) -> bytes:
    """rdbSaveFunctions(): one RDB_OPCODE_FUNCTION2 record per library."""
    opcode = bytes((OP_FUNCTION2,))
    return b"".join(opcode + encode_string(code, compress) for code in codes)


def functions(server: Server) -> FunctionEngine:
    """The server's functions engine, created on first use."""
    found = server.functions
    if found is None:
        found = server.functions = FunctionEngine(server)
    return found


def library_codes(server: Server) -> list[bytes]:
    """The libraries' code for a snapshot (none when no library was ever loaded)."""
    found = server.functions
    return found.codes() if found is not None else []


def load_libraries(server: Server, codes: list[bytes], flush: bool = True) -> None:
    """Install the libraries a snapshot held (after a restart, a full sync, DEBUG RELOAD)."""
    if not codes and server.functions is None:
        return
    engine = functions(server)
    if flush:
        engine.clear()
    engine.load_codes(codes)
