"""The Lua libraries Redis 7.0 loads into its scripting engine: cjson, cmsgpack, bit, struct.

`install(lua)` defines them as globals of a `lupa.lua51.LuaRuntime(encoding=None)`.
Each library is a Lua chunk (see its module) given small Python helpers where Lua 5.1
lacks the means (IEEE float bytes, 32-bit integer arithmetic); this module is the only
place that touches lupa's untyped objects.
"""

from collections.abc import Callable
from typing import Any

from replkv.scripting import bit, cmsgpack, lua_struct
from replkv.scripting.cjson import CJSON_LUA
from replkv.scripting.lua_args import ARGS_LUA

# cjson.null: lua_cjson uses a NULL lightuserdata, which Lua code cannot make; a
# userdata from newproxy compares, types and prints the same way.
_NULL_LUA = b"""
local null = newproxy(true)
getmetatable(null).__tostring = function() return "userdata: (nil)" end
return null
"""


def _struct_call(lua: Any) -> Callable[..., Any]:
    """The Python side of `struct`: run a function, answer {ok, n, values} or an error."""

    def items(table: Any, count: int) -> list[Any]:
        values = [table[i] for i in range(1, count + 1)]
        return [None if value is False else value for value in values]

    def call(name: bytes, *args: Any) -> Any:
        try:
            if name == b"pack":
                fmt, numbers, strings, count = args
                values: list[Any] = [
                    lua_struct.pack(fmt, items(numbers, int(count)), items(strings, int(count)))
                ]
            elif name == b"unpack":
                fmt, data, start = args
                values = list(lua_struct.unpack(fmt, data, int(start)))
            else:
                values = [lua_struct.size(args[0])]
        except lua_struct.StructError as error:
            return lua.table_from([False, error.argument, error.message.encode()])
        return lua.table_from([True, len(values), *values])

    return call


def install(lua: Any) -> None:
    """Define the globals cjson, cmsgpack, bit and struct in the runtime `lua`."""
    args = lua.execute(ARGS_LUA.encode())
    null = lua.execute(_NULL_LUA)
    g = lua.globals()
    g[b"cjson"] = lua.execute(CJSON_LUA.encode(), args, null)
    g[b"cmsgpack"] = lua.execute(
        cmsgpack.CMSGPACK_LUA.encode(), args, cmsgpack.pack_double, cmsgpack.unpack_float
    )
    operations = lua.table_from({name.encode(): op for name, op in bit.OPERATIONS.items()})
    g[b"bit"] = lua.execute(bit.BIT_LUA.encode(), args, operations, bit.tohex)
    g[b"struct"] = lua.execute(lua_struct.STRUCT_LUA.encode(), args, _struct_call(lua))
