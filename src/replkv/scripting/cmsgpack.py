"""The `cmsgpack` Lua library as Redis 7.0 embeds it (lua-cmsgpack 0.4.0), written in Lua.

The choices are lua_cmsgpack.c's: integral numbers in the int64 range as the smallest
MessagePack integer, other numbers as a float when the float holds them exactly and as
a double otherwise, tables with keys 1..n as arrays and anything else as maps, tables
nested 16 deep as nil, raw 8/16/32 for strings. Float bytes are built in Python.
"""

import math
import struct

_FLOAT = struct.Struct(">f")
_DOUBLE = struct.Struct(">d")


def pack_double(number: float) -> bytes:
    """mp_encode_double: a float (0xca) when it holds the value exactly, else a double."""
    number = float(number)
    try:
        as_float = _FLOAT.pack(number)
    except OverflowError:
        as_float = None
    if as_float is not None and (_FLOAT.unpack(as_float)[0] == number or math.isinf(number)):
        return b"\xca" + as_float
    return b"\xcb" + _DOUBLE.pack(number)


def unpack_float(data: bytes) -> float:
    """A big-endian float (4 bytes) or double (8 bytes)."""
    if len(data) == 4:
        return float(_FLOAT.unpack(data)[0])
    return float(_DOUBLE.unpack(data)[0])


# A chunk called with (args helpers, pack_double, unpack_float); returns the module.
CMSGPACK_LUA = r"""
local A, py_pack_double, py_unpack_float = ...
local type, next, error, select, tostring = type, next, error, select, tostring
local char, byte, sub, format = string.char, string.byte, string.sub, string.format
local floor = math.floor
local concat, unpack = table.concat, unpack

local MAX_NESTING = 16
-- Values one call can return: lua_cmsgpack's luaL_checkstack stops at 7999; Lua's own
-- unpack and the coroutine hand-over leave us 7997.
local MAX_RESULTS = 7997
local TWO32 = 4294967296
local TWO63 = 9223372036854775808

local function be32(n)
  return char(floor(n / 16777216) % 256, floor(n / 65536) % 256, floor(n / 256) % 256, n % 256)
end

local function be16(n)
  return char(floor(n / 256) % 256, n % 256)
end

local function encode_int(n)
  if n >= 0 then
    if n <= 127 then return char(n) end
    if n <= 0xff then return char(0xcc, n) end
    if n <= 0xffff then return char(0xcd) .. be16(n) end
    if n <= 0xffffffff then return char(0xce) .. be32(n) end
    local hi = floor(n / TWO32)
    return char(0xcf) .. be32(hi) .. be32(n - hi * TWO32)
  end
  if n >= -32 then return char(n + 256) end
  if n >= -128 then return char(0xd0, n + 256) end
  if n >= -32768 then return char(0xd1) .. be16(n + 65536) end
  if n >= -2147483648 then return char(0xd2) .. be32(n + TWO32) end
  local hi = floor(n / TWO32)
  return char(0xd3) .. be32(hi + TWO32) .. be32(n - hi * TWO32)
end

local function encode_number(n)
  -- IS_INT64_EQUIVALENT: finite and unchanged by a cast to int64_t.
  if n == n and n >= -TWO63 and n < TWO63 and floor(n) == n then
    return encode_int(n)
  end
  return py_pack_double(n)
end

local function encode_string(s)
  local len = #s
  local header
  if len < 32 then header = char(0xa0 + len)
  elseif len <= 0xff then header = char(0xd9, len)
  elseif len <= 0xffff then header = char(0xda) .. be16(len)
  else header = char(0xdb) .. be32(len % TWO32) end
  return header .. s
end

local function header(n, fix, h16, h32)
  if n <= 15 then return char(fix + n) end
  if n <= 65535 then return char(h16) .. be16(n) end
  return char(h32) .. be32(n % TWO32)
end

local encode

-- table_is_an_array: every key a positive number that survives a cast to int, and
-- the largest equals the count.
local function is_array(t)
  local count, max = 0, 0
  for k in next, t do
    if type(k) ~= "number" or k <= 0 or k ~= k or k >= 2147483648 or floor(k) ~= k then
      return false
    end
    if k > max then max = k end
    count = count + 1
  end
  return max == count
end

encode = function(v, level, out)
  local t = type(v)
  if t == "table" and level == MAX_NESTING then t = "nil" end
  if t == "string" then
    out[#out + 1] = encode_string(v)
  elseif t == "boolean" then
    out[#out + 1] = v and "\195" or "\194"
  elseif t == "number" then
    out[#out + 1] = encode_number(v)
  elseif t == "table" then
    if is_array(v) then
      local len = #v
      out[#out + 1] = header(len, 0x90, 0xdc, 0xdd)
      for j = 1, len do encode(v[j], level + 1, out) end
    else
      local len = 0
      for _ in next, v do len = len + 1 end
      out[#out + 1] = header(len, 0x80, 0xde, 0xdf)
      for k, value in next, v do
        encode(k, level + 1, out)
        encode(value, level + 1, out)
      end
    end
  else
    out[#out + 1] = "\192"
  end
end

local M = {}

function M.pack(...)
  local n = select("#", ...)
  if n == 0 then A.argerror(1, 0, "MessagePack pack needs input.") end
  local out = {}
  for i = 1, n do encode((select(i, ...)), 0, out) end
  return concat(out)
end

-- ===== Decoding =====

local s, pos, stop

local function missing() error("Missing bytes in input.", 0) end

local function need(n)
  if stop - pos + 1 < n then missing() end
end

local function u16(p) local a, b = byte(s, p, p + 1); return a * 256 + b end
local function u32(p)
  local a, b, c, d = byte(s, p, p + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end

local decode

local function decode_array(len)
  local t = {}
  for i = 1, len do t[i] = decode() end
  return t
end

local function decode_map(len)
  local t = {}
  for _ = 1, len do
    local k = decode()
    local v = decode()
    if k == nil then error("table index is nil", 0) end
    if k ~= k then error("table index is NaN", 0) end
    t[k] = v
  end
  return t
end

local function take_string(start, len)
  if stop - start + 1 < len then missing() end
  pos = start + len
  return sub(s, start, start + len - 1)
end

decode = function()
  need(1)
  local c = byte(s, pos)
  if c <= 0x7f then pos = pos + 1; return c end
  if c >= 0xe0 then pos = pos + 1; return c - 256 end
  if c >= 0xa0 and c <= 0xbf then return take_string(pos + 1, c - 0xa0) end
  if c >= 0x90 and c <= 0x9f then pos = pos + 1; return decode_array(c - 0x90) end
  if c >= 0x80 and c <= 0x8f then pos = pos + 1; return decode_map(c - 0x80) end
  if c == 0xc0 then pos = pos + 1; return nil end
  if c == 0xc2 then pos = pos + 1; return false end
  if c == 0xc3 then pos = pos + 1; return true end
  if c == 0xcc then need(2); pos = pos + 2; return byte(s, pos - 1) end
  if c == 0xd0 then
    need(2); pos = pos + 2
    local v = byte(s, pos - 1)
    return v >= 128 and v - 256 or v
  end
  if c == 0xcd then need(3); pos = pos + 3; return u16(pos - 2) end
  if c == 0xd1 then
    need(3); pos = pos + 3
    local v = u16(pos - 2)
    return v >= 32768 and v - 65536 or v
  end
  if c == 0xce then need(5); pos = pos + 5; return u32(pos - 4) end
  if c == 0xd2 then
    need(5); pos = pos + 5
    local v = u32(pos - 4)
    return v >= 2147483648 and v - TWO32 or v
  end
  if c == 0xcf or c == 0xd3 then
    -- lua_pushinteger of a 64-bit value: both wrap to signed.
    need(9); pos = pos + 9
    local hi, lo = u32(pos - 8), u32(pos - 4)
    if hi >= 2147483648 then hi = hi - TWO32 end
    return hi * TWO32 + lo
  end
  if c == 0xca then need(5); pos = pos + 5; return py_unpack_float(sub(s, pos - 4, pos - 1)) end
  if c == 0xcb then need(9); pos = pos + 9; return py_unpack_float(sub(s, pos - 8, pos - 1)) end
  if c == 0xd9 then need(2); return take_string(pos + 2, byte(s, pos + 1)) end
  if c == 0xda then need(3); return take_string(pos + 3, u16(pos + 1)) end
  if c == 0xdb then need(5); return take_string(pos + 5, u32(pos + 1)) end
  if c == 0xdc then need(3); pos = pos + 3; return decode_array(u16(pos - 2)) end
  if c == 0xdd then need(5); pos = pos + 5; return decode_array(u32(pos - 4)) end
  if c == 0xde then need(3); pos = pos + 3; return decode_map(u16(pos - 2)) end
  if c == 0xdf then need(5); pos = pos + 5; return decode_map(u32(pos - 4)) end
  error("Bad data format in input.", 0)
end

-- The (int) cast lua_cmsgpack applies before printing a 64-bit offset.
local function int32(n)
  n = n % TWO32
  return n >= 2147483648 and n - TWO32 or n
end

local function unpack_full(limit, offset, data)
  local len = #data
  if offset < 0 or limit < 0 then
    -- lua_cmsgpack prints the input length where it means the limit.
    error(format("Invalid request to unpack with offset of %d and limit of %d.",
                 int32(offset), len), 0)
  elseif offset > len then
    error(format("Start offset %d greater than input length %d.", int32(offset), len), 0)
  end
  local decode_all = limit == 0 and offset == 0
  if decode_all then limit = 2147483647 end
  s, pos, stop = data, offset + 1, len
  local results, count = {}, 0
  while pos <= stop and count < limit do
    if count >= MAX_RESULTS then
      error("stack overflow (too many return values at once; "
            .. "use unpack_one or unpack_limit instead.)", 0)
    end
    count = count + 1
    results[count] = decode()
  end
  s = nil
  if not decode_all then
    local next_offset = pos > stop and -1 or pos - 1
    return next_offset, unpack(results, 1, count)
  end
  return unpack(results, 1, count)
end

-- The argument checks stay in the public functions (no tail calls), so error
-- messages name the function as the caller reached it.
function M.unpack(...)
  local data = A.checkstring(1, 1, select("#", ...), ...)
  return unpack_full(0, 0, data)
end

function M.unpack_one(...)
  local n = select("#", ...)
  local offset = 0
  if n >= 2 and (select(2, ...)) ~= nil then offset = A.checkinteger(1, 2, n, ...) end
  local data = A.checkstring(1, 1, n, ...)
  return unpack_full(1, offset, data)
end

function M.unpack_limit(...)
  local n = select("#", ...)
  local limit = A.checkinteger(1, 2, n, ...)
  local offset = 0
  if n >= 3 and (select(3, ...)) ~= nil then offset = A.checkinteger(1, 3, n, ...) end
  local data = A.checkstring(1, 1, n, ...)
  return unpack_full(limit, offset, data)
end

M._NAME = "cmsgpack"
M._VERSION = "lua-cmsgpack 0.4.0"
M._COPYRIGHT = "Copyright (C) 2012, Salvatore Sanfilippo"
M._DESCRIPTION = "MessagePack C implementation for Lua"
return A.register(M)
"""
