"""cjson, cmsgpack, bit and struct in a bare lupa Lua 5.1 runtime with install().

Expected values are what redis-server 7.0 gives for the same expressions
(tests/interop/test_lua_libraries_vs_redis.py compares many more against a live one).
"""

from __future__ import annotations

from typing import Any

from lupa import lua51
from twisted.trial.unittest import SynchronousTestCase

from replkv.scripting import bit, cmsgpack, lua_struct
from replkv.scripting.libraries import install


class LuaLibrariesTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.lua = lua51.LuaRuntime(encoding=None)
        install(self.lua)
        self.load = self.lua.eval(b'function(s) return assert(loadstring(s, "@user_script")) end')

    def run_lua(self, source: str) -> Any:
        """Run `source` as Redis runs a script body (chunk name user_script)."""
        return self.load(source.encode())()

    def run_list(self, source: str) -> list[Any]:
        """The array `source` returns, as a list."""
        return list(self.run_lua(source).values())

    def error_of(self, source: str) -> bytes:
        """The message `source` raises, caught by pcall inside the script."""
        ok, message = self.run_lua(
            "local ok, e = pcall(function()\n" + source + "\nend) return {tostring(ok), e}"
        ).values()
        self.assertEqual(ok, b"false")
        return bytes(message)


class CjsonTests(LuaLibrariesTestCase):
    def test_encode_values(self) -> None:
        self.assertEqual(
            self.run_lua("return cjson.encode({1, 'a/b', true, cjson.null, {}, 0.1, 1e15})"),
            b'[1,"a\\/b",true,null,{},0.1,1e+15]',
        )
        self.assertEqual(
            self.run_lua("return cjson.encode('\\0\\127\"\\\\')"), b'"\\u0000\\u007f\\"\\\\"'
        )

    def test_sparse_arrays(self) -> None:
        self.assertEqual(self.run_lua("return cjson.encode({[1]=1, [3]=3})"), b"[1,null,3]")
        self.assertEqual(
            self.error_of("return cjson.encode({[1]=1, [20]=2})"),
            b"user_script:2: Cannot serialise table: excessively sparse array",
        )

    def test_decode(self) -> None:
        self.assertEqual(
            self.run_lua('local t = cjson.decode(\'{"a":[1,2.5,"\\\\u20ac"]}\') return t.a[3]'),
            "€".encode(),
        )
        self.assertEqual(self.run_lua("return cjson.decode('null') == cjson.null"), True)
        self.assertEqual(self.run_lua("return tostring(cjson.null)"), b"userdata: (nil)")

    def test_decode_errors_carry_the_callers_position(self) -> None:
        self.assertEqual(
            self.error_of("local x = 1\nreturn cjson.decode('[1,2')"),
            b"user_script:3: Expected comma or array end but found T_END at character 5",
        )
        # Straight from pcall there is no Lua caller, hence no position.
        self.assertEqual(
            self.run_lua("return select(2, pcall(cjson.decode, '{1:2}'))"),
            b"Expected object key string but found T_NUMBER at character 2",
        )

    def test_a_function_still_works_after_raising(self) -> None:
        self.run_lua("pcall(cjson.decode, 'x')")
        self.assertEqual(self.run_lua("return cjson.decode('[7]')[1]"), 7)

    def test_nesting_limits(self) -> None:
        self.assertEqual(
            self.error_of("return cjson.decode(string.rep('[', 1001))"),
            b"user_script:2: Found too many nested data structures (1001) at character 1001",
        )
        self.assertEqual(
            self.error_of("local c = cjson.new() c.encode_max_depth(2) return c.encode({{{}}})"),
            b"user_script:2: Cannot serialise, excessive nesting (3)",
        )

    def test_new_has_its_own_settings(self) -> None:
        self.assertEqual(
            self.run_lua(
                "local c = cjson.new() c.encode_number_precision(3)"
                " return c.encode(1/3) .. cjson.encode(1/3)"
            ),
            b"0.3330.33333333333333",
        )

    def test_argument_errors(self) -> None:
        self.assertEqual(
            self.error_of("return cjson.encode_number_precision(15)"),
            b"user_script:2: bad argument #1 to 'encode_number_precision'"
            b" (expected integer between 1 and 14)",
        )
        self.assertEqual(
            self.error_of("return cjson.decode({})"),
            b"user_script:2: bad argument #1 to 'decode' (string expected, got table)",
        )


class CmsgpackTests(LuaLibrariesTestCase):
    def pack_hex(self, expression: str) -> str:
        return bytes(self.run_lua("return cmsgpack.pack(" + expression + ")")).hex()

    def test_integers_pick_the_smallest_encoding(self) -> None:
        self.assertEqual(self.pack_hex("127, 128, -32, -33"), "7fcc80e0d0df")
        self.assertEqual(self.pack_hex("65536, -2147483649"), "ce00010000d3ffffffff7fffffff")
        self.assertEqual(self.pack_hex("2^63, 2^63 + 2^39"), "ca5f000000cb43e0000010000000")

    def test_floats_and_doubles(self) -> None:
        self.assertEqual(self.pack_hex("0.5, 0.1"), "ca3f000000cb3fb999999999999a")
        self.assertEqual(pack_double_hex(1e39), "cb48078287f49c4a1d")
        self.assertEqual(pack_double_hex(float("inf")), "ca7f800000")

    def test_tables(self) -> None:
        self.assertEqual(self.pack_hex("{1, 2}, {}, {[2] = 1}"), "9201029081" + "0201")
        nested = "{" * 17 + "1" + "}" * 17
        self.assertEqual(self.pack_hex(nested), "91" * 16 + "c0")

    def test_round_trip_and_offsets(self) -> None:
        self.assertEqual(
            self.run_lua(
                "local a, b, c = cmsgpack.unpack(cmsgpack.pack('x', {y = {1.5}}, -7))"
                " return a .. b.y[1] .. c"
            ),
            b"x1.5-7",
        )
        self.assertEqual(
            self.run_list("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1)}"),
            [-1, 2],
        )

    def test_errors(self) -> None:
        self.assertEqual(
            self.error_of("return cmsgpack.unpack('\\205\\1')"),
            b"user_script:2: Missing bytes in input.",
        )
        self.assertEqual(
            self.error_of("return cmsgpack.unpack('\\193')"),
            b"user_script:2: Bad data format in input.",
        )
        self.assertEqual(
            self.error_of("return cmsgpack.pack()"),
            b"user_script:2: bad argument #0 to 'pack' (MessagePack pack needs input.)",
        )


def pack_double_hex(number: float) -> str:
    return cmsgpack.pack_double(number).hex()


class BitTests(LuaLibrariesTestCase):
    def test_tobit_rounds_and_wraps(self) -> None:
        self.assertEqual([bit.tobit(x) for x in (0.5, 1.5, 2.5, -2.5)], [0, 2, 2, -2])
        self.assertEqual(
            [bit.tobit(x) for x in (2.0**32 + 5, 2.0**31, 1e300)], [5, -(2**31), -2013235812]
        )

    def test_operations(self) -> None:
        self.assertEqual(
            self.run_list(
                "return {bit.band(0xff, 0xf0f), bit.bor(1, 2, 4), bit.bxor(5, 3),"
                " bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4),"
                " bit.rol(0x12345678, 4), bit.ror(1, 1), bit.bswap(0x12345678)}"
            ),
            [15, 7, 6, -1, -(2**31), 15, -16, 0x23456781, -(2**31), 0x78563412],
        )

    def test_tohex(self) -> None:
        self.assertEqual(
            self.run_list("return {bit.tohex(-1), bit.tohex(255, -4), bit.tohex(0x1234, 2)}"),
            [b"ffffffff", b"00FF", b"34"],
        )

    def test_argument_error(self) -> None:
        self.assertEqual(
            self.error_of("return bit.band(1, {})"),
            b"user_script:2: bad argument #2 to 'band' (number expected, got table)",
        )


class StructTests(LuaLibrariesTestCase):
    def test_pack(self) -> None:
        self.assertEqual(
            bytes(self.run_lua("return struct.pack('>i2 <I3 b c2 s', 258, 1, -1, 'xyz', 'ab')")),
            b"\x01\x02\x01\x00\x00\xffxyab\x00",
        )
        self.assertEqual(
            bytes(self.run_lua("return struct.pack('!4 b i', 1, 2)")),
            b"\x01\x00\x00\x00\x02\x00\x00\x00",
        )

    def test_unpack_returns_values_then_the_next_position(self) -> None:
        self.assertEqual(
            self.run_list(
                "return {struct.unpack('>h c0 d', '\\0\\2xy' .. struct.pack('>d', 0.25))}"
            ),
            [b"xy", 0.25, 13],
        )

    def test_size_and_errors(self) -> None:
        self.assertEqual(self.run_lua("return struct.size('!8 b d')"), 16)
        self.assertEqual(
            self.error_of("return struct.pack('i33', 1)"),
            b"user_script:2: integral size 33 is larger than limit of 32",
        )
        self.assertEqual(
            self.error_of("return struct.unpack('i', '\\1')"),
            b"user_script:2: bad argument #2 to 'unpack' (data string too short)",
        )
        self.assertEqual(
            self.error_of("return struct.pack('z')"),
            b"user_script:2: bad argument #1 to 'pack' (invalid format option 'z')",
        )

    def test_python_side(self) -> None:
        self.assertEqual(lua_struct.pack(b"<l", [-(2.0**64)], [None]), b"\x00" * 7 + b"\x80")
        self.assertEqual(lua_struct.unpack(b"<i3", b"\xff\xff\xff", 1), [-1.0, 4.0])
        self.assertEqual(lua_struct.size(b"c5 i3"), 8)
