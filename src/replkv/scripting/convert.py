"""Conversions between RESP replies and Lua values (script_lua.c).

`reply_to_lua` is redisProtocolToLuaType(): what redis.call() returns for a command's
reply. `lua_to_reply` is luaReplyToRedisReply(): the reply a script's return value
becomes. Both follow Redis 7.0, RESP3 types included.
"""

from __future__ import annotations

from typing import Any

from replkv import reply
from replkv.scripting.lua import LuaState, LuaTable, lua_type

LLONG_MIN = -(1 << 63)
LLONG_MAX = (1 << 63) - 1


def error_message(text: bytes) -> bytes:
    """luaPushErrorBuff(): "-CODE msg" or "msg" as the err field's "CODE msg"."""
    if text[:1] == b"-":
        code, space, message = text[1:].partition(b" ")
        if not space:
            code, message = b"ERR", text[1:]
    else:
        code, message = b"ERR", text
    return code + b" " + message.strip(b"\r\n")


def error_table(lua: LuaState, text: bytes, ignore_stats: bool = False) -> LuaTable:
    """An error table ({err="CODE msg"}) as Redis's luaPushError() makes it."""
    fields: dict[bytes, Any] = {b"err": error_message(text)}
    if ignore_stats:
        fields[b"ignore_error_stats_update"] = True
    return lua.table_from(fields)


# -- RESP → Lua ----------------------------------------------------------------------


def reply_to_lua(lua: LuaState, data: bytes) -> Any:
    """The Lua value of one complete RESP reply."""
    value, _ = _parse(lua, data, 0)
    return value


def _line(data: bytes, pos: int) -> tuple[bytes, int]:
    end = data.index(b"\r\n", pos)
    return data[pos + 1 : end], end + 2


def _parse(lua: LuaState, data: bytes, pos: int) -> tuple[Any, int]:
    kind = data[pos : pos + 1]
    line, pos = _line(data, pos)
    if kind == b"$" or kind == b"=":
        size = int(line)
        if size < 0:
            return False, pos
        body = data[pos : pos + size]
        pos += size + 2
        if kind == b"=":
            inner = lua.table_from({b"format": body[:3], b"string": body[4:]})
            return lua.table_from({b"verbatim_string": inner}), pos
        return body, pos
    if kind == b":":
        return int(line), pos
    if kind == b"+":
        return lua.table_from({b"ok": line}), pos
    if kind == b"-":
        return error_table(lua, b"-" + line, ignore_stats=True), pos
    if kind == b"*" or kind == b">":
        count = int(line)
        if count < 0:
            return False, pos
        items = []
        for _ in range(count):
            item, pos = _parse(lua, data, pos)
            items.append(item)
        return _array(lua, items), pos
    if kind == b"%":
        table = lua.table_from({})
        for _ in range(int(line)):
            key, pos = _parse(lua, data, pos)
            value, pos = _parse(lua, data, pos)
            table[key] = value
        return lua.table_from({b"map": table}), pos
    if kind == b"~":
        table = lua.table_from({})
        for _ in range(int(line)):
            key, pos = _parse(lua, data, pos)
            table[key] = True
        return lua.table_from({b"set": table}), pos
    if kind == b"_":
        return None, pos
    if kind == b"#":
        return line == b"t", pos
    if kind == b",":
        return lua.table_from({b"double": float(line)}), pos
    if kind == b"(":
        return lua.table_from({b"big_number": line}), pos
    if kind == b"|":  # attributes are not passed to scripts
        for _ in range(int(line) * 2):
            _, pos = _parse(lua, data, pos)
        return _parse(lua, data, pos)
    raise ValueError(f"unexpected reply type {kind!r}")


def _array(lua: LuaState, items: list[Any]) -> LuaTable:
    """A Lua array; nil elements (RESP3 nulls) leave holes as in Redis."""
    if None not in items:
        return lua.table_from(items)
    table = lua.table_from({})
    for index, item in enumerate(items, 1):
        if item is not None:
            table[index] = item
    return table


# -- Lua → RESP ----------------------------------------------------------------------


def lua_to_reply(value: Any, resp: int, script_resp: int) -> bytes:
    """The reply to the caller (protocol `resp`) for a script's return value."""
    parts: list[bytes] = []
    _reply(value, resp, script_resp, parts)
    return b"".join(parts)


def lua_number_to_integer(number: float) -> int:
    """(long long)lua_Number as x86-64 computes it: out of range and NaN give LLONG_MIN."""
    if number != number:
        return LLONG_MIN
    if type(number) is float:
        if not -9.3e18 < number < 9.3e18:
            return LLONG_MIN
        number = int(number)
    if not LLONG_MIN <= number <= LLONG_MAX:
        return LLONG_MIN
    return int(number)


def _one_line(text: bytes) -> bytes:
    return text.replace(b"\r", b" ").replace(b"\n", b" ")


def _reply(value: Any, resp: int, script_resp: int, parts: list[bytes]) -> None:
    kind = type(value)
    if kind is bytes:
        parts.append(reply.bulk(value))
    elif kind is int or kind is float:
        parts.append(reply.integer(lua_number_to_integer(value)))
    elif kind is bool:
        if script_resp == 2:
            parts.append(reply.ONE if value else reply.null(resp))
        else:
            parts.append(reply.boolean(value, resp))
    elif value is not None and lua_type(value) == "table":
        _table_reply(value, resp, script_resp, parts)
    else:
        parts.append(reply.null(resp))


def _table_reply(table: LuaTable, resp: int, script_resp: int, parts: list[bytes]) -> None:
    err = table[b"err"]
    if type(err) is bytes:
        parts.append(b"-" + _one_line(err) + b"\r\n")
        return
    ok = table[b"ok"]
    if type(ok) is bytes:
        parts.append(b"+" + _one_line(ok) + b"\r\n")
        return
    double = table[b"double"]
    if type(double) is int or type(double) is float:
        parts.append(reply.double(float(double), resp))
        return
    big = table[b"big_number"]
    if type(big) is bytes:
        text = _one_line(big)
        parts.append(b"(" + text + b"\r\n" if resp == 3 else reply.bulk(text))
        return
    verbatim = table[b"verbatim_string"]
    if verbatim is not None and lua_type(verbatim) == "table":
        fmt, text = verbatim[b"format"], verbatim[b"string"]
        if type(fmt) is bytes and type(text) is bytes:
            if resp == 3:
                parts.append(b"=%d\r\n%b:%b\r\n" % (len(text) + 4, fmt, text))
            else:
                parts.append(reply.bulk(text))
            return
    mapping = table[b"map"]
    if mapping is not None and lua_type(mapping) == "table":
        header = len(parts)
        parts.append(b"")
        count = 0
        for key, value in mapping.items():
            _reply(key, resp, script_resp, parts)
            _reply(value, resp, script_resp, parts)
            count += 1
        parts[header] = reply.map_header(count, resp)
        return
    members = table[b"set"]
    if members is not None and lua_type(members) == "table":
        header = len(parts)
        parts.append(b"")
        count = 0
        for key in members.keys():
            _reply(key, resp, script_resp, parts)
            count += 1
        parts[header] = reply.set_header(count, resp)
        return
    header = len(parts)
    parts.append(b"")
    index = 1
    while True:
        item = table[index]
        if item is None:
            break
        _reply(item, resp, script_resp, parts)
        index += 1
    parts[header] = b"*%d\r\n" % (index - 1)
