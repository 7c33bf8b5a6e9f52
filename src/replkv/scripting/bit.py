"""The `bit` Lua library as Redis 7.0 embeds it (LuaBitOp 1.0.2): 32-bit operations.

The operations run in Python on numbers normalised the way lua_bit.c's `barg` does:
add 2^52 + 2^51 to the double and keep the low 32 bits of its representation, so
fractions round to nearest-even and large values wrap modulo 2^32.
"""

import struct
from collections.abc import Callable

_BIAS = 6755399441055744.0  # 2^52 + 2^51
_DOUBLE = struct.Struct("<d")
_LOW_WORD = struct.Struct("<i4x")


def tobit(number: float) -> int:
    """The signed 32-bit value LuaBitOp takes from a Lua number."""
    return int(_LOW_WORD.unpack(_DOUBLE.pack(float(number) + _BIAS))[0])


def _signed(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def _band(*numbers: float) -> int:
    result = -1
    for number in numbers:
        result &= tobit(number)
    return _signed(result)


def _bor(*numbers: float) -> int:
    result = 0
    for number in numbers:
        result |= tobit(number)
    return _signed(result)


def _bxor(*numbers: float) -> int:
    result = 0
    for number in numbers:
        result ^= tobit(number)
    return _signed(result)


def _bnot(number: float) -> int:
    return _signed(~tobit(number))


def _lshift(number: float, count: float) -> int:
    return _signed(tobit(number) << (tobit(count) & 31))


def _rshift(number: float, count: float) -> int:
    return _signed((tobit(number) & 0xFFFFFFFF) >> (tobit(count) & 31))


def _arshift(number: float, count: float) -> int:
    return _signed(tobit(number) >> (tobit(count) & 31))


def _rol(number: float, count: float) -> int:
    value, n = tobit(number) & 0xFFFFFFFF, tobit(count) & 31
    return _signed((value << n) | (value >> (32 - n)))


def _ror(number: float, count: float) -> int:
    value, n = tobit(number) & 0xFFFFFFFF, tobit(count) & 31
    return _signed((value >> n) | (value << (32 - n)))


def _bswap(number: float) -> int:
    value = tobit(number) & 0xFFFFFFFF
    return _signed(int.from_bytes(value.to_bytes(4, "little"), "big"))


def _tobit(number: float) -> int:
    return tobit(number)


def tohex(number: float, digits: float | None) -> bytes:
    """bit.tohex: the low `digits` hex digits (8 by default); negative means upper case."""
    value = tobit(number) & 0xFFFFFFFF
    n = 8 if digits is None else tobit(digits)
    upper = n < 0
    if upper:
        n = -n
    n = min(n, 8)
    text = "%0*x" % (8, value)
    text = text[len(text) - n :] if n > 0 else ""
    return (text.upper() if upper else text).encode()


OPERATIONS: dict[str, Callable[..., int]] = {
    "tobit": _tobit,
    "bnot": _bnot,
    "band": _band,
    "bor": _bor,
    "bxor": _bxor,
    "lshift": _lshift,
    "rshift": _rshift,
    "arshift": _arshift,
    "rol": _rol,
    "ror": _ror,
    "bswap": _bswap,
}

# A chunk called with (args helpers, operations table, tohex); returns the module.
BIT_LUA = r"""
local A, ops, py_tohex = ...
local select, unpack = select, unpack
local M = {}

local function unary(name)
  local op = ops[name]
  M[name] = function(...)
    local n = select("#", ...)
    local x = A.checknumber(1, 1, n, ...)
    return (op(x))
  end
end

local function variadic(name)
  local op = ops[name]
  M[name] = function(...)
    local n = select("#", ...)
    local args = {A.checknumber(1, 1, n, ...)}
    for i = 2, n do args[i] = A.checknumber(1, i, n, ...) end
    return (op(unpack(args, 1, n > 0 and n or 1)))
  end
end

local function binary(name)
  local op = ops[name]
  M[name] = function(...)
    local n = select("#", ...)
    local x = A.checknumber(1, 1, n, ...)
    local count = A.checknumber(1, 2, n, ...)
    return (op(x, count))
  end
end

unary("tobit"); unary("bnot"); unary("bswap")
variadic("band"); variadic("bor"); variadic("bxor")
binary("lshift"); binary("rshift"); binary("arshift"); binary("rol"); binary("ror")

function M.tohex(...)
  local n = select("#", ...)
  local x = A.checknumber(1, 1, n, ...)
  local digits = nil
  if n >= 2 then digits = A.checknumber(1, 2, n, ...) end
  return (py_tohex(x, digits))
end

return A.register(M)
"""
