"""The `struct` Lua library as Redis 7.0 embeds it (Roberto Ierusalimschy's struct.c).

Formats: `<` `>` endianness (native: little), `!n` alignment, `x` padding, `b B h H l L T`
and `iN IN` integers (N up to 32 bytes, values through a 64-bit long), `f d` floats,
`cN` fixed strings (`c0`: the whole string, or on unpack the previous number as length),
`s` zero-terminated strings, spaces ignored. The work is done here in Python; a Lua
wrapper checks the arguments and turns our outcome into values or Lua errors.
"""

import struct
from collections.abc import Sequence

MAXINTSIZE = 32
MAXALIGN = 8
_U64 = (1 << 64) - 1
_FLOATS = {
    (b"f", True): struct.Struct("<f"),
    (b"f", False): struct.Struct(">f"),
    (b"d", True): struct.Struct("<d"),
    (b"d", False): struct.Struct(">d"),
}
_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "f": 4, "d": 8, "x": 1}
_INTEGERS = frozenset("bBhHlLTiI")


class StructError(Exception):
    """A Lua error: `argument` is the bad argument's number, or 0 for a plain error."""

    def __init__(self, message: str, argument: int = 0):
        super().__init__(message)
        self.message = message
        self.argument = argument


class _Format:
    """A cursor over a format string, which ends at its first NUL as in C."""

    def __init__(self, fmt: bytes):
        self.text = fmt.split(b"\0", 1)[0].decode("latin-1")
        self.index = 0
        self.little = True
        self.align = 1

    def __iter__(self) -> "_Format":
        return self

    def __next__(self) -> str:
        if self.index >= len(self.text):
            raise StopIteration
        opt = self.text[self.index]
        self.index += 1
        return opt

    def getnum(self, default: int) -> int:
        text = self.text
        if self.index >= len(text) or not ("0" <= text[self.index] <= "9"):
            return default
        value = 0
        while self.index < len(text) and "0" <= text[self.index] <= "9":
            digit = ord(text[self.index]) - 48
            if value > 2147483647 // 10 or value * 10 > 2147483647 - digit:
                raise StructError("integral size overflow")
            value = value * 10 + digit
            self.index += 1
        return value

    def optsize(self, opt: str) -> int:
        if opt in _SIZES:
            return _SIZES[opt]
        if opt == "c":
            return self.getnum(1)
        if opt in "iI":
            size = self.getnum(4)
            if size > MAXINTSIZE:
                raise StructError(
                    "integral size %d is larger than limit of %d" % (size, MAXINTSIZE)
                )
            return size
        return 0

    def toalign(self, length: int, opt: str, size: int) -> int:
        if size == 0 or opt == "c":
            return 0
        if size > self.align:
            size = self.align
        return (size - (length & (size - 1))) & (size - 1)

    def control(self, opt: str) -> None:
        if opt == " ":
            return
        if opt == ">":
            self.little = False
        elif opt == "<":
            self.little = True
        elif opt == "!":
            align = self.getnum(MAXALIGN)
            if not (align > 0 and align & (align - 1) == 0):
                raise StructError("alignment %d is not a power of 2" % align)
            self.align = align
        else:
            raise StructError("invalid format option '%s'" % opt, 1)


def _integer_bytes(number: float, size: int, little: bool) -> bytes:
    """putinteger: the value through a C cast to unsigned long, `size` bytes."""
    if number != number:
        value = 0
    elif number < 0:
        value = (1 << 63) if number < -(2.0**63) else int(number) & _U64
    else:
        value = 0 if number >= 2.0**64 else int(number)
    raw = value.to_bytes(8, "little")[:size].ljust(size, b"\0")
    return raw if little else raw[::-1]


def _integer_value(raw: bytes, little: bool, signed: bool) -> float:
    """getinteger: the low 64 bits, sign-extended from the field's top bit."""
    value = int.from_bytes(raw, "little" if little else "big") & _U64
    bits = len(raw) * 8
    if bits == 0:
        return 0.0
    if signed and bits <= 64:
        mask = (_U64 << (bits - 1)) & _U64
        if value & mask:
            value |= mask
        if value >= 1 << 63:
            value -= 1 << 64
    elif signed and value >= 1 << 63:
        value -= 1 << 64
    return float(value)


def _float_bytes(kind: bytes, number: float, little: bool) -> bytes:
    packer = _FLOATS[(kind, little)]
    try:
        return packer.pack(number)
    except OverflowError:  # C's (float) cast gives an infinity
        return packer.pack(float("inf") if number > 0 else float("-inf"))


def pack(fmt: bytes, numbers: Sequence[float | None], strings: Sequence[bytes | None]) -> bytes:
    """struct.pack; argument i (Lua's i + 2) as a number and as a string, None if not one."""
    form = _Format(fmt)
    out: list[bytes] = []
    total = 0
    arg = 0
    for opt in form:
        size = form.optsize(opt)
        pad = form.toalign(total, opt, size)
        total += pad
        out.append(b"\0" * pad)
        if opt in _INTEGERS or opt in "fd":
            number = numbers[arg] if arg < len(numbers) else None
            if number is None:
                raise StructError("number", arg + 2)
            arg += 1
            if opt in _INTEGERS:
                out.append(_integer_bytes(number, size, form.little))
            else:
                out.append(_float_bytes(opt.encode(), number, form.little))
        elif opt == "x":
            out.append(b"\0")
        elif opt in "cs":
            text = strings[arg] if arg < len(strings) else None
            if text is None:
                raise StructError("string", arg + 2)
            arg += 1
            if size == 0:
                size = len(text)
            if len(text) < size:
                # lua_struct names the argument after this one.
                raise StructError("string too short", arg + 2)
            out.append(text[:size])
            if opt == "s":
                out.append(b"\0")
                size += 1
        else:
            form.control(opt)
        total += size
    return b"".join(out)


def _lua_number(value: float | bytes) -> float | None:
    """lua_isnumber / lua_tonumber on a value unpack produced."""
    if isinstance(value, float):
        return value
    try:
        return float(value.strip())
    except ValueError:
        return None


def unpack(fmt: bytes, data: bytes, start: int) -> list[float | bytes]:
    """struct.unpack from 1-based `start`; the values, then the next position."""
    form = _Format(fmt)
    results: list[float | bytes] = []
    pos = (start - 1) & _U64  # size_t
    for opt in form:
        size = form.optsize(opt)
        pos += form.toalign(pos, opt, size)
        if pos + size > len(data):
            raise StructError("data string too short", 2)
        if opt in _INTEGERS:
            results.append(_integer_value(data[pos : pos + size], form.little, opt.islower()))
        elif opt in "fd":
            packer = _FLOATS[(opt.encode(), form.little)]
            results.append(float(packer.unpack(data[pos : pos + size])[0]))
        elif opt == "c":
            if size == 0:
                previous = _lua_number(results[-1]) if results else _lua_number(data)
                if previous is None:
                    raise StructError("format 'c0' needs a previous size")
                size = int(previous) & _U64
                if results:
                    results.pop()
                if pos + size > len(data):
                    raise StructError("data string too short", 2)
            results.append(data[pos : pos + size])
        elif opt == "s":
            end = data.find(b"\0", pos)
            if end < 0:
                raise StructError("unfinished string in data")
            size = end - pos + 1
            results.append(data[pos:end])
        elif opt != "x":
            form.control(opt)
        pos += size
    results.append(float(pos + 1))
    return results


def size(fmt: bytes) -> int:
    """struct.size: the packed size of a format with only fixed-size options."""
    form = _Format(fmt)
    pos = 0
    for opt in form:
        size = form.optsize(opt)
        pos += form.toalign(pos, opt, size)
        if opt == "s":
            raise StructError("option 's' has no fixed size", 1)
        if opt == "c" and size == 0:
            raise StructError("option 'c0' has no fixed size", 1)
        if not opt.isalnum() or not opt.isascii():
            form.control(opt)
        pos += size
    return pos


# A chunk called with (args helpers, call) where call(name, ...) runs one of the
# functions above and returns a table {ok, n, values...} or {false, argument, message}.
STRUCT_LUA = r"""
local A, call = ...
local select, type, tonumber, tostring, error, unpack =
    select, type, tonumber, tostring, error, unpack

local M = {}

local function raise(r, n, ...)
  local argument, message = r[2], r[3]
  if argument == 0 then error(message, 0) end
  if message == "number" or message == "string" then
    -- b_pack pushes a nil after its arguments: the first missing one is "nil".
    A.typeerror(2, argument, message, n + 1, ...)
  end
  A.argerror(2, argument, message)
end

function M.pack(...)
  local n = select("#", ...)
  local fmt = A.checkstring(1, 1, n, ...)
  local numbers, strings = {}, {}
  for i = 2, n do
    local v = select(i, ...)
    local t = type(v)
    if t == "number" or t == "string" then
      numbers[i - 1] = tonumber(v) or false
      strings[i - 1] = tostring(v)
    else
      numbers[i - 1] = false
      strings[i - 1] = false
    end
  end
  local r = call("pack", fmt, numbers, strings, n - 1)
  if not r[1] then raise(r, n, ...) end
  return r[3]
end

function M.unpack(...)
  local n = select("#", ...)
  local fmt = A.checkstring(1, 1, n, ...)
  local data = A.checkstring(1, 2, n, ...)
  local start = 1
  if n >= 3 and (select(3, ...)) ~= nil then start = A.checkinteger(1, 3, n, ...) end
  -- lua_struct reads the offset into a size_t: only 0 fails this check.
  if start == 0 then A.argerror(1, 3, "offset must be 1 or greater") end
  local r = call("unpack", fmt, data, start)
  if not r[1] then raise(r, n, ...) end
  return unpack(r, 3, r[2] + 2)
end

function M.size(...)
  local n = select("#", ...)
  local fmt = A.checkstring(1, 1, n, ...)
  local r = call("size", fmt)
  if not r[1] then raise(r, n, ...) end
  return r[3]
end

return A.register(M)
"""
