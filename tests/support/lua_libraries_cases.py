"""Lua snippets exercising cjson, cmsgpack, bit and struct, and a wrapper that prints results.

`wrap(body)` makes a script that runs `body` (a function body) under pcall and returns
one string describing everything it returned (or the error message), the same way in a
bare runtime and in redis-server's EVAL, so the two can be compared byte for byte.
"""

_PRELUDE = r"""
local function hex(s)
  return (string.gsub(s, ".", function(c) return string.format("%02x", string.byte(c)) end))
end
local function dump(v, depth)
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if t == "number" then return string.format("%.17g", v) end
  if t == "boolean" then return tostring(v) end
  if t == "userdata" then return "userdata:" .. tostring(v) end
  if t ~= "table" then return t end
  if depth > 30 then return "<deep>" end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = {dump(k, depth + 1), k} end
  table.sort(keys, function(a, b) return a[1] < b[1] end)
  local parts = {}
  for i, k in ipairs(keys) do parts[i] = "[" .. k[1] .. "]=" .. dump(v[k[2]], depth + 1) end
  return "{" .. table.concat(parts, ",") .. "}"
end
local function show(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = dump((select(i, ...)), 0) end
  return table.concat(parts, " | ")
end
"""


def wrap(body: str) -> str:
    """A script returning a string that describes what `body` returns or raises."""
    return _PRELUDE + "return show(pcall(function()\n" + body + "\nend))\n"


def _exprs(*expressions: str) -> list[str]:
    return ["return " + expression for expression in expressions]


CJSON_CASES = _exprs(
    "cjson.encode({1, 2, 3})",
    "cjson.encode({})",
    "cjson.encode({a = 1})",
    "cjson.encode({a = {b = {c = {1, 2, {d = true}}}}})",
    "cjson.encode('a/b\\\\c\"d\\n\\r\\t\\b\\f\\0\\1\\31\\127\\128\\255')",
    "cjson.encode(0.1)",
    "cjson.encode(1/3)",
    "cjson.encode(-0)",
    "cjson.encode(1e15)",
    "cjson.encode(123456789012345)",
    "cjson.encode(1e300)",
    "cjson.encode(2^53)",
    "cjson.encode(-1.5e-7)",
    "cjson.encode(1/0)",
    "cjson.encode(-1/0)",
    "cjson.encode(0/0)",
    "cjson.encode(true)",
    "cjson.encode(false)",
    "cjson.encode(nil)",
    "cjson.encode(cjson.null)",
    "cjson.encode({1, nil, 3})",
    "cjson.encode({[1] = 1, [2] = 2, [4] = 4})",
    "cjson.encode({[1] = 1, [20] = 2})",
    "cjson.encode({[11] = 1})",
    "cjson.encode({[10] = 1})",
    "cjson.encode({[0] = 1})",
    "cjson.encode({[-1] = 1})",
    "cjson.encode({[1.5] = 1})",
    "cjson.encode({[1] = 'a', x = 'b'})",
    "cjson.encode({[true] = 1})",
    "cjson.encode({f = function() end})",
    "cjson.encode(function() end)",
    "cjson.encode(coroutine.create(function() end))",
    "cjson.encode()",
    "cjson.encode(1, 2)",
    "cjson.encode({{{{{{{{{{{{{{{{{{{{{{{{{{{{{{}}}}}}}}}}}}}}}}}}}}}}}}}}}}}})",
    "cjson.decode('[1,2,3]')",
    'cjson.decode(\'{"a":[1,{"b":null}],"c":"x"}\')',
    "cjson.decode('  \\t\\n\\r 42 ')",
    'cjson.decode(\'"\\\\u00e9\\\\u20ac\\\\ud83d\\\\ude00\\\\/\\\\b\\\\f\\\\n\\\\r\\\\t\\\\""\')',
    "cjson.decode('\"\\\\u0000x\"')",
    "cjson.decode('-0')",
    "cjson.decode('1e400')",
    "cjson.decode('-12.5e-3')",
    "cjson.decode('0x10')",
    "cjson.decode('007')",
    "cjson.decode('+1')",
    "cjson.decode('inf')",
    "cjson.decode('-Infinity')",
    "cjson.decode('nan')",
    "cjson.decode('NaN')",
    "cjson.decode('1.')",
    "cjson.decode('1e')",
    "cjson.decode('-')",
    "cjson.decode('.5')",
    "cjson.decode('[1,2')",
    "cjson.decode('[1,2,]')",
    "cjson.decode('{\"a\" 1}')",
    "cjson.decode('{\"a\":1,}')",
    "cjson.decode('{1:2}')",
    'cjson.decode(\'{"a":1 "b"}\')',
    "cjson.decode('[1] x')",
    "cjson.decode('')",
    "cjson.decode('   ')",
    "cjson.decode('tru')",
    "cjson.decode('truex')",
    "cjson.decode('nul')",
    "cjson.decode('\"abc')",
    "cjson.decode('\"a\\\\qb\"')",
    "cjson.decode('\"a\\\\u12\"')",
    "cjson.decode('\"\\\\ud800\"')",
    "cjson.decode('\"\\\\udc00\\\\ud800\"')",
    "cjson.decode('\"\\\\ud800\\\\u0041\"')",
    "cjson.decode('\"a\\0b\"')",
    "cjson.decode('[1]\\0garbage')",
    "cjson.decode('\\0[1]')",
    "cjson.decode('[\\0]')",
    "cjson.decode('@')",
    "cjson.decode(123)",
    "cjson.decode({})",
    "cjson.decode()",
    "cjson.decode('[]')",
    "cjson.decode('{}')",
    "cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))",
    "cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000)) ~= nil",
    "cjson.decode(string.rep('{\"a\":', 1001) .. '1' .. string.rep('}', 1001))",
    "cjson.decode('null') == cjson.null",
    "type(cjson.null)",
    "tostring(cjson.null)",
    "cjson.encode(cjson.decode('[1,null,{\"k\":null}]'))",
    'cjson.encode(cjson.decode(\'{"a":0.1,"b":[true,false]}\'))',
    "cjson._NAME, cjson._VERSION",
    "cjson.encode_max_depth(), cjson.decode_max_depth()",
    "cjson.encode_number_precision(), cjson.encode_keep_buffer()",
    "cjson.encode_invalid_numbers(), cjson.decode_invalid_numbers()",
    "cjson.encode_sparse_array()",
    "cjson.encode_number_precision(15)",
    "cjson.encode_number_precision(0)",
    "cjson.encode_number_precision('x')",
    "cjson.encode_max_depth(1, 2)",
    "cjson.encode_invalid_numbers('maybe')",
    "cjson.new().encode_sparse_array(true, -1)",
    "cjson.encode_keep_buffer({})",
)

CJSON_CASES += [
    "local c = cjson.new() c.encode_number_precision(3) return c.encode(math.pi), c.encode({1/3})",
    "local c = cjson.new() c.encode_max_depth(2) return c.encode({{1}})",
    "local c = cjson.new() c.encode_max_depth(2) return c.encode({{{1}}})",
    "local c = cjson.new() c.decode_max_depth(2) return c.decode('[[1]]')",
    "local c = cjson.new() c.decode_max_depth(2) return c.decode('[[[1]]]')",
    'local c = cjson.new() c.decode_max_depth(2) return c.decode(\'{"a":{"b":{}}}\')',
    "local c = cjson.new() return c.encode_invalid_numbers(true), c.encode({1/0, -1/0, 0/0})",
    "local c = cjson.new() return c.encode_invalid_numbers('null'), c.encode({1/0, 0/0})",
    "local c = cjson.new() return c.decode_invalid_numbers(false), c.decode('[1]')",
    "local c = cjson.new() c.decode_invalid_numbers(false) return c.decode('0x10')",
    "local c = cjson.new() c.decode_invalid_numbers(false) return c.decode('inf')",
    "local c = cjson.new() c.decode_invalid_numbers(false) return c.decode('-007')",
    "local c = cjson.new() return c.encode_sparse_array(true), c.encode({[1] = 1, [20] = 2})",
    "local c = cjson.new() return c.encode_sparse_array(false, 0), c.encode({[100] = 1})",
    "local c = cjson.new() return c.encode_sparse_array(nil, 3, 1), c.encode({[1] = 1, [4] = 2})",
    "local c = cjson.new() return c.encode_keep_buffer(false), c.encode({1})",
    "local t = {} t[1] = t return cjson.encode(t)",
]

CMSGPACK_CASES = [
    "return hex(cmsgpack.pack(" + value + "))"
    for value in (
        "0",
        "1",
        "127",
        "128",
        "255",
        "256",
        "65535",
        "65536",
        "4294967295",
        "4294967296",
        "2^53",
        "2^63",
        "-2^63",
        "-1",
        "-32",
        "-33",
        "-128",
        "-129",
        "-32768",
        "-32769",
        "-2147483648",
        "-2147483649",
        "-2^62",
        "0.5",
        "0.1",
        "-1.5",
        "1e39",
        "1/0",
        "-1/0",
        "0/0",
        "3.4028234663852886e38",
        "true",
        "false",
        "nil",
        "''",
        "'abc'",
        "string.rep('x', 31)",
        "string.rep('x', 32)",
        "string.rep('x', 255)",
        "string.rep('x', 256)",
        "string.rep('x', 65536)",
        "{}",
        "{1, 2, 3}",
        "{1, nil, 3}",
        "{[1] = 1, [3] = 3}",
        "{[2] = 2}",
        "{a = 1}",
        "{[1.5] = 1}",
        "{[-1] = 1}",
        "{[2^31] = 1}",
        "{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}",
        "cjson.null",
        "function() end",
        "1, 'a', {true}",
        "{{{{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}}}}",
    )
]

CMSGPACK_CASES += [
    "return cmsgpack.pack()",
    "return cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, {4}}, {a = {b = 1}}, 1.5, -7, true))",
    "return cmsgpack.unpack(cmsgpack.pack(2^40, -2^40, 0.1, 1e300, -2^63))",
    "return cmsgpack.unpack('')",
    "return cmsgpack.unpack('\\205\\1')",
    "return cmsgpack.unpack('\\193')",
    "return cmsgpack.unpack('\\199\\1\\1\\1')",
    "return cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255')",
    "return cmsgpack.unpack('\\207\\128\\0\\0\\0\\0\\0\\0\\1')",
    "return cmsgpack.unpack('\\211\\128\\0\\0\\0\\0\\0\\0\\1')",
    "return cmsgpack.unpack('\\203\\127\\240\\0\\0\\0\\0\\0\\0')",
    "return cmsgpack.unpack('\\202\\62\\128\\0\\0')",
    "return cmsgpack.unpack('\\146\\1')",
    "return cmsgpack.unpack('\\129\\1\\192')",
    "return cmsgpack.unpack('\\218\\0\\3abc\\219\\0\\0\\0\\1d\\217\\2ef')",
    "return cmsgpack.unpack(123)",
    "return cmsgpack.unpack()",
    "return cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))",
    "return cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)",
    "return cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)",
    "return cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 3)",
    "return cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 4)",
    "return cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), -1)",
    "return cmsgpack.unpack_one(cmsgpack.pack(1), 'x')",
    "return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)",
    "return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)",
    "return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0)",
    "return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1)",
    "return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5)",
    "return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), -1)",
    "return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3))",
    "return cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION",
]

_BIT_VALUES = ("0", "1", "-1", "2^31", "2^32", "2^32 + 5", "-2^31", "0.5", "1.5", "2.5", "-2.5")
_BIT_VALUES += ("1e300", "2^52 + 3", "2^53 + 2", "-2^60 - 3", "'12'", "'0x10'", "0xdeadbeef")

BIT_CASES = ["return bit.tobit(" + value + ")" for value in _BIT_VALUES]
BIT_CASES += ["return bit.tohex(" + value + ")" for value in _BIT_VALUES]
BIT_CASES += ["return bit.bnot(" + value + "), bit.bswap(" + value + ")" for value in _BIT_VALUES]
BIT_CASES += _exprs(
    "bit.tohex(255, 2), bit.tohex(255, -2), bit.tohex(255, 0), bit.tohex(255, 12)",
    "bit.tohex(-1, -8), bit.tohex(0x1234, 3), bit.tohex(1, -2^31), bit.tohex(1, 2^31)",
    "bit.band(0xff, 0x0f0, 0xf00f), bit.bor(1, 2, 4, 8), bit.bxor(5, 3, 1)",
    "bit.band(-1), bit.bor(), bit.band()",
    "bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.lshift(-1, 4)",
    "bit.rshift(-1, 4), bit.rshift(-1, 0), bit.rshift(256, 36), bit.rshift(1, -1)",
    "bit.arshift(-256, 4), bit.arshift(2^31, 31), bit.arshift(256, 4)",
    "bit.rol(0x12345678, 4), bit.rol(0x12345678, 36), bit.rol(-1, 7), bit.rol(1, 0)",
    "bit.ror(0x12345678, 4), bit.ror(0x12345678, 36), bit.ror(1, 1), bit.ror(1, 0)",
    "bit.tobit('x')",
    "bit.tobit()",
    "bit.band(1, {})",
    "bit.lshift(1)",
    "bit.tohex(1, nil)",
    "bit.tobit(nil)",
)

STRUCT_CASES = _exprs(
    "hex(struct.pack('>i2', 258)), hex(struct.pack('<i2', 258)), hex(struct.pack('i', -2))",
    "hex(struct.pack('bBhHlLT', -1, 255, -2, 65535, -3, 2^40, 7))",
    "hex(struct.pack('>i16', -1)), hex(struct.pack('<I12', 2^40))",
    "hex(struct.pack('i3', 2^24 + 5)), hex(struct.pack('I1', 256)), hex(struct.pack('b', 1.9))",
    "hex(struct.pack('<d', 1.5)), hex(struct.pack('>d', -0.1)), hex(struct.pack('<f', 0.1))",
    "hex(struct.pack('>f', 1e39)), hex(struct.pack('f', -1e39)), hex(struct.pack('d', 1/0))",
    "hex(struct.pack('c3', 'abcdef')), hex(struct.pack('c0', 'xyz')), hex(struct.pack('s', 'hi'))",
    "hex(struct.pack('>!4 b i h d', 1, 2, 3, 4.5)), hex(struct.pack('!2 b i', 1, 2))",
    "hex(struct.pack('!8 b d b l', 1, 2, 3, 4)), hex(struct.pack('b x x b', 1, 2))",
    "hex(struct.pack('i', '12')), hex(struct.pack('c2', 12))",
    "hex(struct.pack('>l', 2^63)), hex(struct.pack('>l', -2^63)), hex(struct.pack('>L', 2^64))",
    "hex(struct.pack('>l', -2^64)), hex(struct.pack('>i8', 2^53 + 1))",
    "struct.pack('i', 'x')",
    "struct.pack('i')",
    "struct.pack('c5', 'abc')",
    "struct.pack('s', {})",
    "struct.pack('z', 1)",
    "struct.pack('i33', 1)",
    "struct.pack('i99999999999', 1)",
    "struct.pack('!3 i', 1)",
    "struct.pack('=i', 1)",
    "struct.pack()",
    "struct.pack({})",
    "struct.unpack('>i2', '\\1\\2')",
    "struct.unpack('<i2 >i2', '\\1\\2\\1\\2')",
    "struct.unpack('bBhH', '\\255\\255\\255\\255\\255\\255')",
    "struct.unpack('l', '\\255\\255\\255\\255\\255\\255\\255\\255')",
    "struct.unpack('L', '\\255\\255\\255\\255\\255\\255\\255\\255')",
    "struct.unpack('<i16', string.rep('\\255', 16))",
    "struct.unpack('<I12', string.rep('\\255', 12))",
    "struct.unpack('>i3', '\\255\\0\\1'), struct.unpack('<I3', '\\255\\0\\1')",
    "struct.unpack('<d', struct.pack('<d', 0.1)), struct.unpack('>f', struct.pack('>f', 0.1))",
    "struct.unpack('c3', 'abcdef'), struct.unpack('c3', 'abcdef', 4)",
    "struct.unpack('s s', 'ab\\0cd\\0e')",
    "struct.unpack('b c0', '\\3abcdef')",
    "struct.unpack('>!4 b i', '\\1\\0\\0\\0\\0\\0\\0\\2')",
    "struct.unpack('i', '\\1\\2')",
    "struct.unpack('s', 'abc')",
    "struct.unpack('c0', 'abc')",
    "struct.unpack('i', '\\1\\0\\0\\0', 2)",
    "struct.unpack('b', '\\1', 0)",
    "struct.unpack('b', '\\1', -5)",
    "struct.unpack('b', '\\1', 2)",
    "struct.pack('i i', 1)",
    "struct.pack('c2 c2', 'ab')",
    "struct.unpack('b x b', '\\1\\2\\3')",
    "struct.unpack('q', 'abc')",
    "struct.unpack('i')",
    "struct.unpack(1, 2)",
    "struct.size('bhilfdT'), struct.size('!8 b d'), struct.size('c5 i3'), struct.size('')",
    "struct.size('!4 b i b'), struct.size('bq'), struct.size('x!2h')",
    "struct.size('s')",
    "struct.size('c0')",
    "struct.size('b@')",
    "struct.size()",
)
