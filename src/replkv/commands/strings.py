"""String commands (t_string.c)."""

from __future__ import annotations

from replkv import errors, longdouble, reply
from replkv.client import Client
from replkv.commands.args import LLONG_MAX, LLONG_MIN, parse_int
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.lcs import lcs_length, lcs_walk
from replkv.notify import NOTIFY_GENERIC, NOTIFY_STRING, notify

STRING_TYPES = (bytes, bytearray)

OFFSET_OUT_OF_RANGE = errors.err("offset is out of range")
DECREMENT_OVERFLOW = errors.err("decrement would overflow")
NAN_OR_INFINITY = errors.err("increment would produce NaN or Infinity")
LCS_WRONGTYPE = errors.err("The specified keys must contain string values")
LCS_LEN_AND_IDX = errors.err("If you want both the length and indexes, please just use IDX.")
LCS_TOO_MUCH_MEMORY = errors.err(
    "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
)
EMPTY_BULK = b"$0\r\n\r\n"

# parseExtendedStringArgumentsOrReply() flags (t_string.c: OBJ_*).
SET_NX = 1
SET_XX = 2
SET_GET = 4
KEEPTTL = 8
PERSIST = 16
EX = 32
PX = 64
EXAT = 128
PXAT = 256
ANY_EXPIRE = EX | PX | EXAT | PXAT
FOR_SET = 1
FOR_GETEX = 2
# option → (flag, flags that must not be present, commands that take it)
_OPTIONS: dict[bytes, tuple[int, int, int]] = {
    b"nx": (SET_NX, SET_XX, FOR_SET),
    b"xx": (SET_XX, SET_NX, FOR_SET),
    b"get": (SET_GET, 0, FOR_SET),
    b"keepttl": (KEEPTTL, PERSIST | ANY_EXPIRE, FOR_SET),
    b"persist": (PERSIST, ANY_EXPIRE | KEEPTTL, FOR_GETEX),
    # An expiry option excludes the other three but may repeat (the last one wins).
    b"ex": (EX, KEEPTTL | PERSIST | EXAT | PX | PXAT, FOR_SET | FOR_GETEX),
    b"px": (PX, KEEPTTL | PERSIST | EX | EXAT | PXAT, FOR_SET | FOR_GETEX),
    b"exat": (EXAT, KEEPTTL | PERSIST | EX | PX | PXAT, FOR_SET | FOR_GETEX),
    b"pxat": (PXAT, KEEPTTL | PERSIST | EX | EXAT | PX, FOR_SET | FOR_GETEX),
}
# flag → (ms per unit, relative to now)
_EXPIRE_UNITS = {EX: (1000, True), PX: (1, True), EXAT: (1000, False), PXAT: (1, False)}


def get_string(client: Client, key: bytes) -> bytes | bytearray | None:
    """The string at key, None if missing; WRONGTYPE if it holds another type."""
    value = client.db.get(key)
    if value is None or type(value) is bytes or type(value) is bytearray:
        return value
    raise CommandError(errors.WRONGTYPE)


def get_string_for_write(client: Client, key: bytes) -> bytes | bytearray | None:
    """Like get_string(), with a write lookup."""
    value = client.db.get_for_write(key)
    if value is None or type(value) is bytes or type(value) is bytearray:
        return value
    raise CommandError(errors.WRONGTYPE)


def check_string_length(client: Client, size: int) -> None:
    """t_string.c: checkStringLength(); the master's stream is never refused."""
    if size > client.server.config.proto_max_bulk_len and not client.db.keyspace.obey_master:
        raise CommandError(errors.STRING_TOO_LONG)


@command("get", 2, "readonly fast", keys=(1, 1, 1), group="string")
def get(client: Client, argv: list[bytes]) -> bytes:
    value = client.db.get(argv[1])
    if value is None:
        return client.null
    if type(value) is bytes or type(value) is bytearray:
        return b"$%d\r\n%b\r\n" % (len(value), value)  # type: ignore[str-format]
    return errors.WRONGTYPE


def parse_extended_options(argv: list[bytes], start: int, command: int) -> tuple[int, bytes]:
    """t_string.c: parseExtendedStringArgumentsOrReply(): (flags, expire argument)."""
    flags = 0
    expire = b""
    i = start
    count = len(argv)
    while i < count:
        option = _OPTIONS.get(argv[i].lower())
        if option is None:
            raise CommandError(errors.SYNTAX)
        flag, excluded, takers = option
        if flags & excluded or not takers & command:
            raise CommandError(errors.SYNTAX)
        if flag & ANY_EXPIRE:
            if i + 1 >= count:
                raise CommandError(errors.SYNTAX)
            i += 1
            expire = argv[i]
        flags |= flag
        i += 1
    return flags, expire


def expire_at_ms(client: Client, arg: bytes, flags: int, name: str) -> int:
    """t_string.c: getExpireMillisecondsOrReply(): the absolute expiry time in ms."""
    unit_ms, relative = _EXPIRE_UNITS[flags & ANY_EXPIRE]
    value = parse_int(arg)
    if value <= 0 or (unit_ms == 1000 and value > LLONG_MAX // 1000):
        raise CommandError(errors.invalid_expire(name))
    value *= unit_ms
    if relative:
        value += client.db.keyspace.now_ms()
    if value > LLONG_MAX:  # Redis's signed overflow check
        raise CommandError(errors.invalid_expire(name))
    return value


def set_generic(
    client: Client,
    argv: list[bytes],
    flags: int,
    key: bytes,
    value: bytes,
    expire: bytes,
    name: str,
    ok_reply: bytes = reply.OK,
    abort_reply: bytes | None = None,
) -> bytes:
    """t_string.c: setGenericCommand() for SET, SETNX, SETEX and PSETEX."""
    db = client.db
    when = expire_at_ms(client, expire, flags, name) if flags & ANY_EXPIRE else None
    if flags & SET_GET:
        old = get_string(client, key)
        result = reply.bulk_or_null(old, client.resp)
    found = db.get_for_write(key) is not None
    if (flags & SET_NX and found) or (flags & SET_XX and not found):
        if flags & SET_GET:
            return result
        return client.null if abort_reply is None else abort_reply
    db.store(key, value, keep_ttl=bool(flags & KEEPTTL))
    server = client.server
    notify(server, NOTIFY_STRING, b"set", key, db.id)
    if when is not None:
        db.set_expire(key, when)
        notify(server, NOTIFY_GENERIC, b"expire", key, db.id)
        client.server.propagate(db, [b"SET", key, value, b"PXAT", b"%d" % when])
    elif flags & SET_GET:
        # GET may repeat, and never names an argument before the options.
        event = argv[:3] + [arg for arg in argv[3:] if arg.lower() != b"get"]
        client.server.propagate(db, event)
    else:
        client.server.propagate(db, argv)
    return result if flags & SET_GET else ok_reply


@command("set", -3, "write denyoom", keys=(1, 1, 1), group="string")
def set_(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) == 3:  # the plain SET: no options to parse
        db = client.db
        key = argv[1]
        db.get_for_write(key)
        db.store(key, argv[2])
        notify(client.server, NOTIFY_STRING, b"set", key, db.id)
        client.server.propagate(db, argv)
        return reply.OK
    flags, expire = parse_extended_options(argv, 3, FOR_SET)
    return set_generic(client, argv, flags, argv[1], argv[2], expire, "set")


@command("setnx", 3, "write denyoom fast", keys=(1, 1, 1), group="string")
def setnx(client: Client, argv: list[bytes]) -> bytes:
    return set_generic(client, argv, SET_NX, argv[1], argv[2], b"", "setnx", reply.ONE, reply.ZERO)


@command("setex", 4, "write denyoom", keys=(1, 1, 1), group="string")
def setex(client: Client, argv: list[bytes]) -> bytes:
    return set_generic(client, argv, EX, argv[1], argv[3], argv[2], "setex")


@command("psetex", 4, "write denyoom", keys=(1, 1, 1), group="string")
def psetex(client: Client, argv: list[bytes]) -> bytes:
    return set_generic(client, argv, PX, argv[1], argv[3], argv[2], "psetex")


@command("getex", -2, "write fast", keys=(1, 1, 1), group="string")
def getex(client: Client, argv: list[bytes]) -> bytes:
    """GETEX: never propagated as is, but as PEXPIREAT, PERSIST or DEL/UNLINK."""
    flags, expire = parse_extended_options(argv, 2, FOR_GETEX)
    db = client.db
    key = argv[1]
    value = get_string(client, key)
    if value is None:
        return client.null
    when = expire_at_ms(client, expire, flags, "getex") if flags & ANY_EXPIRE else None
    result = reply.bulk(value)
    keyspace = db.keyspace
    if when is None:
        if flags & PERSIST and db.persist(key):
            notify(client.server, NOTIFY_GENERIC, b"persist", key, db.id)
            client.server.propagate(db, [b"PERSIST", key])
    elif (
        flags & (EXAT | PXAT)
        and when <= keyspace.now_ms()
        and keyspace.is_master
        and not keyspace.obey_master
    ):
        # expire.c: checkAlreadyExpired(): a past absolute time deletes, on a master.
        db.delete(key)
        notify(client.server, NOTIFY_GENERIC, b"del", key, db.id)
        lazy = client.server.config.lazyfree_lazy_expire
        client.server.propagate(db, [b"UNLINK" if lazy else b"DEL", key])
    else:
        db.set_expire(key, when)
        notify(client.server, NOTIFY_GENERIC, b"expire", key, db.id)
        client.server.propagate(db, [b"PEXPIREAT", key, b"%d" % when])
    return result


@command("getdel", 2, "write fast", keys=(1, 1, 1), group="string")
def getdel(client: Client, argv: list[bytes]) -> bytes:
    key = argv[1]
    value = get_string(client, key)
    if value is None:
        return client.null
    client.db.delete(key)
    notify(client.server, NOTIFY_GENERIC, b"del", key, client.db.id)
    client.server.propagate(client.db, [b"DEL", key])
    return reply.bulk(value)


@command("getset", 3, "write denyoom fast", keys=(1, 1, 1), group="string")
def getset(client: Client, argv: list[bytes]) -> bytes:
    """GETSET: propagated as SET key value (as Redis 7.0.15 does)."""
    db = client.db
    key = argv[1]
    old = get_string(client, key)
    db.get_for_write(key)
    db.store(key, argv[2])
    notify(client.server, NOTIFY_STRING, b"set", key, db.id)
    client.server.propagate(db, [b"SET", key, argv[2]])
    return reply.bulk_or_null(old, client.resp)


@command("mget", -2, "readonly fast", keys=(1, -1, 1), group="string",
         tips=("request_policy:multi_shard",))  # fmt: skip
def mget(client: Client, argv: list[bytes]) -> bytes:
    get_value = client.db.get
    values = []
    for key in argv[1:]:
        value = get_value(key)
        values.append(value if type(value) is bytes or type(value) is bytearray else None)
    return reply.bulk_array(values, client.resp)


def _mset_arity(argv: list[bytes], name: str) -> None:
    if len(argv) % 2 == 0:
        raise CommandError(errors.wrong_arity(name))


@command("mset", -3, "write denyoom", keys=(1, -1, 2), group="string",
         tips=("request_policy:multi_shard", "response_policy:all_succeeded"))  # fmt: skip
def mset(client: Client, argv: list[bytes]) -> bytes:
    _mset_arity(argv, "mset")
    db = client.db
    server = client.server
    for i in range(1, len(argv), 2):
        db.get_for_write(argv[i])
        db.store(argv[i], argv[i + 1])
        notify(server, NOTIFY_STRING, b"set", argv[i], db.id)
    server.propagate(db, argv)
    return reply.OK


@command("msetnx", -3, "write denyoom", keys=(1, -1, 2), group="string",
         tips=("request_policy:multi_shard", "response_policy:agg_min"))  # fmt: skip
def msetnx(client: Client, argv: list[bytes]) -> bytes:
    _mset_arity(argv, "msetnx")
    db = client.db
    for i in range(1, len(argv), 2):
        if db.get_for_write(argv[i]) is not None:
            return reply.ZERO
    server = client.server
    for i in range(1, len(argv), 2):
        db.store(argv[i], argv[i + 1])
        notify(server, NOTIFY_STRING, b"set", argv[i], db.id)
    server.propagate(db, argv)
    return reply.ONE


def incr_by(client: Client, key: bytes, delta: int) -> bytes:
    """t_string.c: incrDecrCommand(): the reply; the caller propagates on success."""
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


def _incr_and_propagate(client: Client, argv: list[bytes], delta: int) -> bytes:
    result = incr_by(client, argv[1], delta)
    if result[0] == 58:  # ':' — it changed the key
        notify(client.server, NOTIFY_STRING, b"incrby", argv[1], client.db.id)
        client.server.propagate(client.db, argv)
    return result


@command("incr", 2, "write denyoom fast", keys=(1, 1, 1), group="string")
def incr(client: Client, argv: list[bytes]) -> bytes:
    return _incr_and_propagate(client, argv, 1)


@command("decr", 2, "write denyoom fast", keys=(1, 1, 1), group="string")
def decr(client: Client, argv: list[bytes]) -> bytes:
    return _incr_and_propagate(client, argv, -1)


@command("incrby", 3, "write denyoom fast", keys=(1, 1, 1), group="string")
def incrby(client: Client, argv: list[bytes]) -> bytes:
    return _incr_and_propagate(client, argv, parse_int(argv[2]))


@command("decrby", 3, "write denyoom fast", keys=(1, 1, 1), group="string")
def decrby(client: Client, argv: list[bytes]) -> bytes:
    delta = parse_int(argv[2])
    if delta == LLONG_MIN:
        return DECREMENT_OVERFLOW
    return _incr_and_propagate(client, argv, -delta)


@command("incrbyfloat", 3, "write denyoom fast", keys=(1, 1, 1), group="string")
def incrbyfloat(client: Client, argv: list[bytes]) -> bytes:
    """INCRBYFLOAT in long double arithmetic; propagated as SET key result KEEPTTL."""
    db = client.db
    key = argv[1]
    old = get_string_for_write(client, key)
    current = longdouble.parse(old) if old is not None else longdouble.ZERO
    increment = longdouble.parse(argv[2])
    if current is None or increment is None:
        return errors.NOT_FLOAT
    try:
        total = longdouble.add(current, increment)
    except longdouble.NotANumber:
        return NAN_OR_INFINITY
    result = longdouble.format_human(total)
    if old is None:
        db.store(key, result)
    else:
        db.replace(key, result)
    notify(client.server, NOTIFY_STRING, b"incrbyfloat", key, db.id)
    client.server.propagate(db, [b"SET", key, result, b"KEEPTTL"])
    return b"$%d\r\n%b\r\n" % (len(result), result)


@command("append", 3, "write denyoom fast", keys=(1, 1, 1), group="string")
def append(client: Client, argv: list[bytes]) -> bytes:
    """APPEND: the value becomes a mutable (raw) string and grows in place."""
    db = client.db
    key = argv[1]
    tail = argv[2]
    value = get_string_for_write(client, key)
    if value is None:
        db.store(key, tail)
        length = len(tail)
    else:
        length = len(value) + len(tail)
        check_string_length(client, length)
        if type(value) is bytearray:
            value += tail
        else:
            value = bytearray(value) + tail
        db.replace(key, value)
    notify(client.server, NOTIFY_STRING, b"append", key, db.id)
    client.server.propagate(db, argv)
    return reply.integer(length)


@command("setrange", 4, "write denyoom", keys=(1, 1, 1), group="string")
def setrange(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    key = argv[1]
    patch = argv[3]
    offset = parse_int(argv[2])
    if offset < 0:
        return OFFSET_OUT_OF_RANGE
    value = get_string_for_write(client, key)
    created = value is None
    if value is None:
        if not patch:
            return reply.ZERO
        check_string_length(client, offset + len(patch))
        value = bytearray(offset)
    else:
        if not patch:
            return reply.integer(len(value))
        check_string_length(client, offset + len(patch))
        if type(value) is not bytearray:
            value = bytearray(value)
    end = offset + len(patch)
    if end > len(value):
        value.extend(bytes(end - len(value)))
    value[offset:end] = patch
    if created:
        db.store(key, value)
    else:
        db.replace(key, value)
    notify(client.server, NOTIFY_STRING, b"setrange", key, db.id)
    client.server.propagate(db, argv)
    return reply.integer(len(value))


@command("strlen", 2, "readonly fast", keys=(1, 1, 1), group="string")
def strlen(client: Client, argv: list[bytes]) -> bytes:
    value = get_string(client, argv[1])
    return reply.integer(0 if value is None else len(value))


@command("getrange", 4, "readonly", keys=(1, 1, 1), group="string")
def getrange(client: Client, argv: list[bytes]) -> bytes:
    """t_string.c: getrangeCommand(); SUBSTR is the same command."""
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    value = get_string(client, argv[1])
    if value is None:
        return EMPTY_BULK
    size = len(value)
    if start < 0 and end < 0 and start > end:
        return EMPTY_BULK
    if start < 0:
        start = max(size + start, 0)
    if end < 0:
        end = max(size + end, 0)
    if end >= size:
        end = size - 1
    if start > end or size == 0:
        return EMPTY_BULK
    return reply.bulk(value[start : end + 1])


command("substr", 4, "readonly", keys=(1, 1, 1), group="string")(getrange)


# -- LCS -----------------------------------------------------------------------------


@command("lcs", -3, "readonly", keys=(1, 2, 1), group="string")
def lcs(client: Client, argv: list[bytes]) -> bytes:
    """LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]."""
    db = client.db
    a = db.get(argv[1])
    b = db.get(argv[2])
    if (a is not None and type(a) not in STRING_TYPES) or (
        b is not None and type(b) not in STRING_TYPES
    ):
        return LCS_WRONGTYPE
    a = bytes(a) if a is not None else b""
    b = bytes(b) if b is not None else b""
    get_len = get_idx = with_match_len = False
    min_match_len = 0
    i = 3
    while i < len(argv):
        option = argv[i].lower()
        if option == b"idx":
            get_idx = True
        elif option == b"len":
            get_len = True
        elif option == b"withmatchlen":
            with_match_len = True
        elif option == b"minmatchlen" and i + 1 < len(argv):
            min_match_len = max(parse_int(argv[i + 1]), 0)
            i += 1
        else:
            return errors.SYNTAX
        i += 1
    if get_len and get_idx:
        return LCS_LEN_AND_IDX
    # Redis allocates (alen+1)*(blen+1) uint32 cells and refuses more than this.
    if (len(a) + 1) * (len(b) + 1) * 4 > client.server.config.proto_max_bulk_len:
        return LCS_TOO_MUCH_MEMORY
    if get_len:
        return reply.integer(lcs_length(a, b))
    text, ranges = lcs_walk(a, b, min_match_len)
    if not get_idx:
        return reply.bulk(text)
    matches = []
    for a_start, a_end, b_start, b_end in ranges:
        parts = [
            b"*2\r\n" + reply.integer(a_start) + reply.integer(a_end),
            b"*2\r\n" + reply.integer(b_start) + reply.integer(b_end),
        ]
        if with_match_len:
            parts.append(reply.integer(a_end - a_start + 1))
        matches.append(reply.array(parts))
    return b"".join(
        [
            reply.map_header(2, client.resp),
            reply.bulk(b"matches"),
            reply.array(matches),
            reply.bulk(b"len"),
            reply.integer(len(text)),
        ]
    )
