"""Argument checks for the Lua libraries, with the error texts of Lua 5.1's lauxlib.

The libraries Redis embeds are C functions: a bad argument raises
`bad argument #N to 'name' (...)` with no position prefix, where `name` is how the
caller reached the function (`luaL_argerror`). Our libraries are Lua functions, so
these helpers rebuild the same message from `debug.getinfo` and raise it at level 0.
"""

# A chunk run once per runtime; it returns the helper table handed to every library
# chunk. `debug.getinfo` is captured here so a sandbox that later hides `debug` does not
# change the messages.
ARGS_LUA = r"""
local getinfo, error, type, select, tonumber, tostring, pairs, setmetatable =
    debug.getinfo, error, type, select, tonumber, tostring, pairs, setmetatable
local pcall, unpack, newproxy, getmetatable = pcall, unpack, newproxy, getmetatable
local wrap, yield = coroutine.wrap, coroutine.yield
local floor, ceil, sub = math.floor, math.ceil, string.sub

local A = {names = setmetatable({}, {__mode = "k"})}

local function pack(...)
  return {n = select("#", ...), ...}
end

-- A callable whose __call is a C function (a coroutine.wrap closure), so that the
-- library function keeps its caller's frame even when reached through a tail call,
-- and an error message gets the caller's position prefixed as luaL_error gives it
-- ("user_script:1: ..."), or none when called straight from pcall. A coroutine that
-- raises is dead, so a fresh one takes its place first.
local function cfunction(impl)
  local proxy = newproxy(true)
  local mt = getmetatable(proxy)
  local function fresh()
    mt.__call = wrap(function(_, ...)
      local args = pack(...)
      while true do
        local r = pack(pcall(impl, unpack(args, 1, args.n)))
        if not r[1] then
          fresh()
          error(r[2], 0)
        end
        args = pack(select(2, yield(unpack(r, 2, r.n))))
      end
    end)
  end
  fresh()
  -- Printed as the function it stands for ("function: 0x..."), like a C function.
  local address = sub(tostring(proxy), 11)
  mt.__tostring = function() return "function: " .. address end
  mt.__metatable = false
  return proxy
end

-- Turn a library table's functions into C-like callables that know their names.
function A.register(library)
  for name, value in pairs(library) do
    if type(value) == "function" then
      A.names[value] = name
      library[name] = cfunction(value)
    end
  end
  return library
end

-- level: the library function's stack level as seen from the caller of argerror.
function A.argerror(level, narg, extramsg)
  local ar = getinfo(level + 1, "f")
  local name = ar and A.names[ar.func] or "?"
  error("bad argument #" .. narg .. " to '" .. name .. "' (" .. extramsg .. ")", 0)
end

-- The type name luaL_typename gives: "no value" for an absent argument.
function A.typename(n, narg, ...)
  if narg > n then return "no value" end
  return type((select(narg, ...)))
end

function A.typeerror(level, narg, tname, n, ...)
  A.argerror(level + 1, narg, tname .. " expected, got " .. A.typename(n, narg, ...))
end

-- luaL_checknumber: numbers, and strings that convert.
function A.checknumber(level, narg, n, ...)
  local v = select(narg, ...)
  local num = tonumber(v)
  if narg > n or num == nil or (type(v) ~= "number" and type(v) ~= "string") then
    A.typeerror(level + 1, narg, "number", n, ...)
  end
  return num
end

-- luaL_checkinteger: lua_tointeger truncates toward zero; 0 from a non-number fails.
function A.checkinteger(level, narg, n, ...)
  local num = A.checknumber(level + 1, narg, n, ...)
  if num >= 0 then return floor(num) end
  return ceil(num)
end

-- luaL_checklstring: strings, and numbers converted with "%.14g".
function A.checkstring(level, narg, n, ...)
  local v = select(narg, ...)
  local t = type(v)
  if narg > n or (t ~= "string" and t ~= "number") then
    A.typeerror(level + 1, narg, "string", n, ...)
  end
  return tostring(v)
end

return A
"""
