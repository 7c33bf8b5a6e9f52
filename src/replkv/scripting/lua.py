"""The Lua 5.1 state and Redis's sandbox in it (script_lua.c, eval.c: scriptingInit()).

This is the one module that touches lupa, which has no type stubs: everything else
sees `LuaState` and plain Python values (bytes, int, float, bool, None) or opaque
`LuaTable` handles.

The sandbox follows Redis 7.0: the libraries it loads (base, table, string, math, and
cjson, cmsgpack, bit, struct from `replkv.scripting.libraries` when present), without
print, dofile, loadfile, os, io, package, require, module, setfenv, getfenv, newproxy
and debug. Redis makes the globals and every library table read-only inside its Lua
VM; stock Lua cannot, so scripts run with a read-only proxy as their environment and
read-only proxies in place of the library tables: reading a missing global raises
"Script attempted to access nonexistent global variable", writing raises "Attempt to
modify a readonly table". pairs/next/ipairs/rawget/rawset see through the proxies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lupa import lua51  # type: ignore[import-untyped]

LuaTable = Any  # a lupa table handle: index it with bytes or ints

# Chunk name of our own Lua code: the error handler skips its frames, so errors point
# at the user's script as Redis's do.
INTERNAL_CHUNK = "@replkv"

_BOOT = r"""
local py = ...
local G = _G
local dbg = debug
local rawget, rawset, next, type, error, tostring, setmetatable, setfenv, pcall, xpcall =
    rawget, rawset, next, type, error, tostring, setmetatable, setfenv, pcall, xpcall
local loadstring, load, ipairs, select = loadstring, load, ipairs, select

local as_error
-- The error handler (eval.c: __redis__err__handler): a table error, with the user
-- script's source and line.
local function err_handler(err)
  local level = 2
  local i = dbg.getinfo(level, 'nSl')
  while i and (i.what == 'C' or i.source == '@replkv') do
    level = level + 1
    i = dbg.getinfo(level, 'nSl')
  end
  err = as_error(err)
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end

local real_of = setmetatable({}, {__mode = 'k'})

local function readonly_error()
  error('Attempt to modify a readonly table', 3)
end

local function protect(t)
  local proxy = {}
  real_of[proxy] = t
  return setmetatable(proxy, {__index = t, __newindex = function() readonly_error() end,
                              __metatable = false})
end

local function real(t)
  return real_of[t] or t
end

local env = {}
real_of[env] = G
setmetatable(env, {
  __index = function(_, name)
    local value = rawget(G, name)
    if value == nil then
      error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end
    return value
  end,
  __newindex = function() readonly_error() end,
  __metatable = false,
})

local function pairs_(t)
  return next, real(t), nil
end
local function next_(t, k)
  return next(real(t), k)
end
local function ipairs_(t)
  return ipairs(real(t))
end
local function rawget_(t, k)
  return rawget(real(t), k)
end
local function rawset_(t, k, v)
  if real_of[t] then
    error('Attempt to modify a readonly table', 0)  -- raised in C by Redis: no position
  end
  return rawset(t, k, v)
end
local function with_env(f, ...)
  if f then
    setfenv(f, env)
  end
  return f, ...
end
local function loadstring_(s, name)
  return with_env(loadstring(s, name))
end
local function load_(f, name)
  return with_env(load(f, name))
end

-- redis.*: the functions that may raise are Python callables (C functions to Lua, so a
-- `return redis.call(...)` keeps the script's frame for the error's line, as in Redis).
-- They raise a Python exception; take_error() hands over the error table it stands for.
local take_error = py.take_error
as_error = function(e)
  if type(e) == 'userdata' then
    local t = take_error()
    if t then return t end
  end
  return e
end
-- script_lua.c: luaRedisPcall(): an error table comes back as its err string.
local function pcall_result(ok, ...)
  if ok then return ok, ... end
  local e = as_error((...))
  if type(e) == 'table' then
    local message = e.err
    local kind = type(message)
    if kind == 'string' or kind == 'number' then
      e = message
    end
  end
  return false, e
end
local function pcall_(f, ...)
  return pcall_result(pcall(f, ...))
end
local function xpcall_(f, handler)
  return xpcall(f, function(e) return handler(as_error(e)) end)
end
local redis = {}
redis.call = py.call
redis.pcall = py.pcall
redis.log = py.log
redis.setresp = py.setresp
redis.set_repl = py.set_repl
redis.sha1hex = py.sha1hex
redis.acl_check_cmd = py.acl_check_cmd
redis.error_reply = function(...)
  local e = py.error_reply(...)
  return e
end
redis.status_reply = function(...)
  if select('#', ...) ~= 1 or type((...)) ~= 'string' then
    return py.error_table('wrong number or type of arguments')
  end
  return {ok = (...)}
end
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.LOG_DEBUG = 0
redis.LOG_VERBOSE = 1
redis.LOG_NOTICE = 2
redis.LOG_WARNING = 3
redis.REPL_NONE = 0
redis.REPL_AOF = 1
redis.REPL_SLAVE = 2
redis.REPL_REPLICA = 2
redis.REPL_ALL = 3
redis.REDIS_VERSION = py.version
redis.REDIS_VERSION_NUM = py.version_num

-- script_lua.c: luaMaskCountHook(): every 100000 instructions ask Python whether to
-- go on; once killed, a line hook raises on every line, so pcall cannot keep it alive.
-- Only the user's code raises: never our wrappers or the error handler (an error there
-- would escape xpcall or become "error in error handling").
local interrupt, sethook, getinfo = py.interrupt, dbg.sethook, dbg.getinfo
local killed_error = 'ERR Script killed by user with SCRIPT KILL...'
local function count_hook()
  local where = getinfo(2, 'S')
  if where and where.source == '@replkv' then
    return
  end
  if interrupt() then
    sethook(count_hook, 'l')
    error({err = killed_error})
  end
end

local function unhook(...)
  sethook()
  return ...
end

local function run(f, watch)
  if watch then
    sethook(count_hook, '', 100000)
    return unhook(xpcall(f, err_handler))
  end
  return xpcall(f, err_handler)
end

local function compile(body)
  local f, e = loadstring(body, '@user_script')
  if f then setfenv(f, env) end
  return f, e
end

local function finish(libraries)
  for _, name in ipairs({'print', 'dofile', 'loadfile', 'os', 'io', 'package', 'require',
                         'module', 'setfenv', 'getfenv', 'newproxy', 'debug', 'python'}) do
    rawset(G, name, nil)
  end
  rawset(G, 'redis', redis)
  rawset(G, '__redis__err__handler', err_handler)
  rawset(G, 'pairs', pairs_)
  rawset(G, 'next', next_)
  rawset(G, 'ipairs', ipairs_)
  rawset(G, 'rawget', rawget_)
  rawset(G, 'rawset', rawset_)
  rawset(G, 'loadstring', loadstring_)
  rawset(G, 'load', load_)
  rawset(G, 'pcall', pcall_)
  rawset(G, 'xpcall', xpcall_)
  for name, value in next, G do
    if type(value) == 'table' and name ~= '_G' then
      rawset(G, name, protect(value))
    end
  end
  rawset(G, '_G', env)
end

local function set_arrays(keys, argv)
  rawset(G, 'KEYS', keys)
  rawset(G, 'ARGV', argv)
end

return run, compile, finish, set_arrays
"""


class LuaState:
    """One Lua 5.1 interpreter with Redis's sandbox and `redis` table."""

    def __init__(self, callbacks: dict[str, Any], install_libraries: Callable[[Any], None]) -> None:
        self.runtime = lua51.LuaRuntime(
            encoding=None,
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
        )
        lua = self.runtime
        boot = lua.globals().loadstring(_BOOT.encode(), INTERNAL_CHUNK.encode())
        py = lua.table_from({k.encode(): v for k, v in callbacks.items()})
        self._run, self._compile, finish, self._set_arrays = boot(py)
        install_libraries(lua)
        finish(None)
        self._new_table = lua.table

    def compile(self, body: bytes) -> tuple[Any, bytes | None]:
        """The script's body as a Lua function, or None and the compiler's message."""
        function, message = self._compile(body)
        return function, message

    def run(
        self, function: Any, keys: list[bytes], argv: list[bytes], watch: bool = False
    ) -> tuple[bool, Any]:
        """Call function with KEYS and ARGV set; (True, result) or (False, error table).

        With watch, the `interrupt` callback is asked every 100000 instructions whether
        to kill the script (it then fails with "Script killed by user with SCRIPT KILL").
        """
        lua = self.runtime
        self._set_arrays(lua.table_from(keys), lua.table_from(argv))
        outcome = self._run(function, watch)
        if type(outcome) is tuple:
            return bool(outcome[0]), outcome[1]
        return bool(outcome), None

    def table(self, *items: Any, **fields: Any) -> LuaTable:
        """A new Lua table: items at 1..n."""
        return self._new_table(*items)

    def table_from(self, items: list[Any] | dict[Any, Any]) -> LuaTable:
        """A new Lua table from a list (1..n) or a dict."""
        return self.runtime.table_from(items)

    def memory(self) -> int:
        """Bytes the Lua heap uses (lua_gc(LUA_GCCOUNT) * 1024)."""
        return int(self.runtime.eval("collectgarbage('count')") * 1024)


def lua_type(value: Any) -> str | None:
    """'table', 'function', … for a Lua object handed to Python, None for Python values."""
    kind = lua51.lua_type(value)
    return kind if kind is None else str(kind)


# The functions engine's additions (function_lua.c), run before the sandbox is sealed:
# library code runs in its own environment, which during FUNCTION LOAD shows only a
# `redis` table with register_function, log and the version (redis.call and the rest of
# the globals are missing), and afterwards the whole API. Callbacks get KEYS and ARGV
# as their two arguments.
_FUNCTIONS_BOOT = r"""
local run, take_error, py_register, load_expired = ...
local G = _G
local sethook = debug.sethook
local rawget, setmetatable, setfenv, error, tostring, type, next, pcall, select, loadstring =
    rawget, setmetatable, setfenv, error, tostring, type, next, pcall, select, loadstring
local lower = string.lower
local loading = false

local function readonly()
  error('Attempt to modify a readonly table', 2)
end
local function missing(name)
  error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 3)
end
local function sealed(t)
  return setmetatable({}, {
    __index = function(_, name)
      local value = t[name]
      if value == nil then missing(name) end
      return value
    end,
    __newindex = readonly,
    __metatable = false,
  })
end

local FLAGS = {['no-writes'] = 1, ['allow-oom'] = 2, ['allow-stale'] = 4,
               ['no-cluster'] = 8, ['allow-cross-slot-keys'] = 16}

local function fail(message)
  error({err = 'ERR ' .. message})
end
local function is_string(v)
  local kind = type(v)
  return kind == 'string' or kind == 'number'
end
-- redis.* functions written in Python are userdata here, C functions in Redis.
local function is_function(v)
  local kind = type(v)
  return kind == 'function' or kind == 'userdata'
end

local function register_function(...)
  if not loading then
    fail('redis.register_function can only be called on FUNCTION LOAD command')
  end
  local n = select('#', ...)
  if n < 1 or n > 2 then
    fail('wrong number of arguments to redis.register_function')
  end
  local name, description, callback, flags = nil, nil, nil, 0
  if n == 1 then
    local args = ...
    if type(args) ~= 'table' then
      fail('calling redis.register_function with a single argument is only applicable to ' ..
           'Lua table (representing named arguments).')
    end
    for key, value in next, args do
      if not is_string(key) then
        fail('named argument key given to redis.register_function is not a string')
      end
      key = lower(tostring(key))
      if key == 'function_name' then
        if not is_string(value) then
          fail('function_name argument given to redis.register_function must be a string')
        end
        name = tostring(value)
      elseif key == 'description' then
        if not is_string(value) then
          fail('description argument given to redis.register_function must be a string')
        end
        description = tostring(value)
      elseif key == 'callback' then
        if not is_function(value) then
          fail('callback argument given to redis.register_function must be a function')
        end
        callback = value
      elseif key == 'flags' then
        if type(value) ~= 'table' then
          fail('flags argument to redis.register_function must be a table representing ' ..
               'function flags')
        end
        local j = 1
        while value[j] ~= nil do
          local flag = value[j]
          local bit = is_string(flag) and FLAGS[lower(tostring(flag))]
          if not bit then
            fail('unknown flag given')
          end
          if flags % (bit * 2) < bit then flags = flags + bit end
          j = j + 1
        end
      else
        fail('unknown argument given to redis.register_function')
      end
    end
    if name == nil then
      fail('redis.register_function must get a function name argument')
    end
    if callback == nil then
      fail('redis.register_function must get a callback argument')
    end
  else
    name, callback = ...
    if not is_string(name) then
      fail('first argument to redis.register_function must be a string')
    end
    name = tostring(name)
    if not is_function(callback) then
      fail('second argument to redis.register_function must be a function')
    end
  end
  local refusal = py_register(name, description, callback, flags)
  if refusal then
    error({err = refusal})
  end
end

-- Built on first use: `redis` joins the globals when the sandbox is sealed, after this.
local load_redis
local function library_api()
  if not load_redis then
    local redis = rawget(G, 'redis')
    load_redis = sealed({
      register_function = register_function,
      log = redis.log,
      LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
      REDIS_VERSION = redis.REDIS_VERSION,
      REDIS_VERSION_NUM = redis.REDIS_VERSION_NUM,
    })
  end
  return load_redis
end

local env = setmetatable({}, {
  __index = function(_, name)
    local value
    if loading then
      if name == 'redis' then value = library_api() end
    else
      value = rawget(G, name)
    end
    if value == nil then missing(name) end
    return value
  end,
  __newindex = readonly,
  __metatable = false,
})

-- FUNCTION LOAD's run of the library code: nil, or the error's text.
local function load_library(code)
  local f, message = loadstring(code, '@user_function')
  if not f then
    return 'ERR Error compiling function: ' .. tostring(message)
  end
  setfenv(f, env)
  loading = true
  -- function_lua.c: luaEngineLoadHook(): FUNCTION LOAD gives up after 500 ms.
  sethook(function()
    if load_expired() then
      error({err = 'ERR FUNCTION LOAD timeout'})
    end
  end, '', 100000)
  local ok, e = pcall(f)
  sethook()
  loading = false
  if ok then return nil end
  if type(e) == 'userdata' then
    e = take_error() or e
  end
  if type(e) == 'table' then
    e = e.err
    if not is_string(e) then e = 'ERR ' .. tostring(e) end
  else
    e = 'ERR ' .. tostring(e)
  end
  return 'ERR Error registering functions: ' .. tostring(e)
end

local function call(f, keys, args, watch)
  return run(function() return f(keys, args) end, watch)
end

return load_library, call
"""


class FunctionLuaState(LuaState):
    """The functions engine's Lua state (function_lua.c): libraries load in a
    restricted environment and register their functions through `register`."""

    def __init__(
        self,
        callbacks: dict[str, Any],
        install_libraries: Callable[[Any], None],
        register: Callable[[bytes, bytes | None, Any, int], bytes | None],
        load_expired: Callable[[], bool],
    ) -> None:
        def install(runtime: Any) -> None:
            install_libraries(runtime)
            # Before the sandbox is sealed: the chunk keeps setfenv and friends.
            boot = runtime.globals().loadstring(_FUNCTIONS_BOOT.encode(), INTERNAL_CHUNK.encode())
            self._load_library, self._call = boot(
                self._run, callbacks["take_error"], register, load_expired
            )

        super().__init__(callbacks, install)

    def load_library(self, code: bytes) -> bytes | None:
        """Run a library's code (after its shebang line); None, or the error text."""
        result = self._load_library(code)
        return result if result is None else bytes(result)

    def run(
        self, function: Any, keys: list[bytes], argv: list[bytes], watch: bool = False
    ) -> tuple[bool, Any]:
        """Call a registered function with KEYS and ARGV as its arguments (watch: as in
        LuaState.run)."""
        lua = self.runtime
        outcome = self._call(function, lua.table_from(keys), lua.table_from(argv), watch)
        if type(outcome) is tuple:
            return bool(outcome[0]), outcome[1]
        return bool(outcome), None
