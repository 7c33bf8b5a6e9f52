"""String commands (t_string.c)."""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import LLONG_MAX, LLONG_MIN, parse_int
from replkv.commands.table import command
from replkv.errors import CommandError

STRING_TYPES = (bytes, bytearray)


def get_string(client: Client, key: bytes) -> bytes | bytearray | None:
    """The string at key, None if missing; WRONGTYPE if it holds another type."""
    value = client.db.get(key)
    if value is None or type(value) is bytes or type(value) is bytearray:
        return value
    raise CommandError(errors.WRONGTYPE)


@command("get", 2, "readonly fast", keys=(1, 1, 1), group="string")
def get(client: Client, argv: list[bytes]) -> bytes:
    value = client.db.get(argv[1])
    if value is None:
        return client.null
    if type(value) is bytes or type(value) is bytearray:
        return b"$%d\r\n%b\r\n" % (len(value), value)
    return errors.WRONGTYPE


def _invalid_expire(name: str) -> CommandError:
    return CommandError(errors.invalid_expire(name))


def expire_at_ms(client: Client, arg: bytes, unit_ms: int, relative: bool, name: str) -> int:
    """t_string.c: getExpireMillisecondsOrReply(): an absolute expiry time in ms."""
    value = parse_int(arg)
    if value <= 0 or (unit_ms == 1000 and value > LLONG_MAX // 1000):
        raise _invalid_expire(name)
    value *= unit_ms
    if relative:
        value += client.db.keyspace.now_ms()
    if value <= 0 or value > LLONG_MAX:
        raise _invalid_expire(name)
    return value


_SET_FLAGS = {b"nx": 1, b"xx": 2, b"get": 4, b"keepttl": 8}
_SET_EXPIRES = {b"ex": (1000, True), b"px": (1, True), b"exat": (1000, False), b"pxat": (1, False)}


@command("set", -3, "write denyoom", keys=(1, 1, 1), group="string")
def set_(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    key = argv[1]
    if len(argv) == 3:  # the plain SET: no options to parse
        db.get_for_write(key)
        db.store(key, argv[2])
        client.server.propagate(db, argv)
        return reply.OK
    flags = 0
    expire_arg = None
    expire_kind = None
    i = 3
    while i < len(argv):
        option = argv[i].lower()
        flag = _SET_FLAGS.get(option)
        if flag is not None:
            if (flag == 1 and flags & 2) or (flag == 2 and flags & 1):
                return errors.SYNTAX
            if flag == 8 and expire_kind is not None:
                return errors.SYNTAX
            flags |= flag
            i += 1
            continue
        kind = _SET_EXPIRES.get(option)
        if kind is None or expire_kind is not None or flags & 8 or i + 1 >= len(argv):
            return errors.SYNTAX
        expire_kind = option
        expire_arg = argv[i + 1]
        i += 2
    when = None
    if expire_kind is not None:
        unit, relative = _SET_EXPIRES[expire_kind]
        when = expire_at_ms(client, expire_arg, unit, relative, "set")  # type: ignore[arg-type]
    old = db.get_for_write(key)
    if flags & 4 and old is not None and type(old) not in STRING_TYPES:
        return errors.WRONGTYPE
    if (flags & 1 and old is not None) or (flags & 2 and old is None):
        return reply.bulk_or_null(old, client.resp) if flags & 4 else client.null
    db.store(key, argv[2], keep_ttl=bool(flags & 8))
    if when is not None:
        db.set_expire(key, when)
        if expire_kind != b"pxat":
            event = [b"SET", key, argv[2], b"PXAT", b"%d" % when]
        else:
            event = [a for a in argv if a.lower() != b"get"] if flags & 4 else argv
    elif flags & 4:
        event = [a for j, a in enumerate(argv) if j < 3 or a.lower() != b"get"]
    else:
        event = argv
    client.server.propagate(db, event)
    if flags & 4:
        return reply.bulk_or_null(old, client.resp)
    return reply.OK


def incr_by(client: Client, key: bytes, delta: int) -> bytes:
    """t_string.c: incrDecrCommand()."""
    db = client.db
    value = db.get_for_write(key)
    if value is None:
        current = 0
    elif type(value) is bytes or type(value) is bytearray:
        try:
            current = parse_int(value)
        except CommandError:
            return errors.NOT_INTEGER
    else:
        return errors.WRONGTYPE
    result = current + delta
    if not LLONG_MIN <= result <= LLONG_MAX:
        return errors.OVERFLOW
    encoded = b"%d" % result
    if value is None:
        db.store(key, encoded)
    else:
        db.replace(key, encoded)
    return reply.integer(result)


@command("incr", 2, "write denyoom fast", keys=(1, 1, 1), group="string")
def incr(client: Client, argv: list[bytes]) -> bytes:
    result = incr_by(client, argv[1], 1)
    if result[0] == 58:  # ':' — it changed the key
        client.server.propagate(client.db, argv)
    return result


@command("mset", -3, "write denyoom", keys=(1, -1, 2), group="string")
def mset(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) % 2 == 0:
        return errors.wrong_arity("mset")
    db = client.db
    for i in range(1, len(argv), 2):
        db.get_for_write(argv[i])
        db.store(argv[i], argv[i + 1])
    client.server.propagate(db, argv)
    return reply.OK
