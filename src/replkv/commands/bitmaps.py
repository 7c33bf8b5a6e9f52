"""Bitmap commands on strings (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD.

A string a bit command writes becomes a mutable (raw) bytearray and grows zero-filled,
as Redis's dbUnshareStringValue() and sdsgrowzero() make it.
"""

from __future__ import annotations

from replkv import bitfield, errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.integers import string_to_ll
from replkv.notify import NOTIFY_GENERIC, NOTIFY_STRING, notify

BIT_OFFSET_ERROR = errors.err("bit offset is not an integer or out of range")
BIT_VALUE_ERROR = errors.err("bit is not an integer or out of range")
BIT_ARGUMENT_ERROR = errors.err("The bit argument must be 1 or 0.")
BITOP_NOT_ARITY = errors.err("BITOP NOT must be called with a single source key.")
BITFIELD_TYPE_ERROR = errors.err(
    "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
)
OVERFLOW_TYPE_ERROR = errors.err("Invalid OVERFLOW type specified")
BITFIELD_RO_WRITE = errors.err("BITFIELD_RO only supports the GET subcommand")
MINUS_ONE = b":-1\r\n"

GET = 0
SET = 1
INCRBY = 2
_OPERATIONS = {b"get": (GET, 2), b"set": (SET, 3), b"incrby": (INCRBY, 3)}


def bit_offset(client: Client, arg: bytes, bits: int = 0) -> int:
    """getBitOffsetFromArgument(): a bit offset within proto-max-bulk-len bytes.

    With bits (BITFIELD), `#n` means n * bits. The master's stream is not limited.
    """
    use_hash = bits > 0 and arg[:1] == b"#"
    offset = string_to_ll(arg[1:] if use_hash else arg)
    if offset is None:
        raise CommandError(BIT_OFFSET_ERROR)
    if use_hash:
        offset = bitfield.hash_offset(offset, bits)
    if offset < 0 or (
        offset >> 3 >= client.server.config.proto_max_bulk_len
        and not client.db.keyspace.obey_master
    ):
        raise CommandError(BIT_OFFSET_ERROR)
    return offset


def string_for_bits(client: Client, key: bytes, size: int) -> tuple[bytearray, bool]:
    """lookupStringForBitCommand(): key's string made raw and grown zero-filled to at
    least size bytes, created if missing; and whether it was created or grown."""
    db = client.db
    value = db.get_for_write(key)
    if value is None:
        created = bytearray(size)
        db.store(key, created)
        return created, True
    if type(value) is bytearray:
        grown = len(value) < size
        if grown:
            value += bytes(size - len(value))
        return value, grown
    if type(value) is not bytes:
        raise CommandError(errors.WRONGTYPE)
    raw = bytearray(value)
    grown = len(raw) < size
    if grown:
        raw += bytes(size - len(raw))
    db.unshare(key, raw)
    return raw, grown


def read_string(client: Client, key: bytes) -> bytes | bytearray | None:
    """The string at key for reading, None if missing; WRONGTYPE for other types."""
    value = client.db.get(key)
    if value is None or type(value) is bytes or type(value) is bytearray:
        return value
    raise CommandError(errors.WRONGTYPE)


# -- SETBIT / GETBIT ---------------------------------------------------------------------


@command("setbit", 4, "write denyoom", keys=(1, 1, 1), group="bitmap")
def setbit(client: Client, argv: list[bytes]) -> bytes:
    """SETBIT: propagated (and notified) only when the string grew or the bit changed."""
    offset = bit_offset(client, argv[2])
    on = argv[3]
    if on != b"1" and on != b"0":
        # string2ll() spells 0 and 1 only one way: anything else is refused.
        parse_int(on, BIT_VALUE_ERROR)
        raise CommandError(BIT_VALUE_ERROR)
    key = argv[1]
    byte = offset >> 3
    value, grown = string_for_bits(client, key, byte + 1)
    shift = 7 - (offset & 7)
    current = value[byte]
    old = (current >> shift) & 1
    new = 1 if on == b"1" else 0
    if old != new:
        value[byte] = current ^ (1 << shift)
    elif not grown:
        return reply.ONE if old else reply.ZERO
    db = client.db
    db.modified(key)
    notify(client.server, NOTIFY_STRING, b"setbit", key, db.id)
    client.server.propagate(db, argv)
    return reply.ONE if old else reply.ZERO


@command("getbit", 3, "readonly fast", keys=(1, 1, 1), group="bitmap")
def getbit(client: Client, argv: list[bytes]) -> bytes:
    offset = bit_offset(client, argv[2])
    value = client.db.get(argv[1])
    if value is None:
        return reply.ZERO
    if type(value) is not bytes and type(value) is not bytearray:
        return errors.WRONGTYPE
    byte = offset >> 3
    if byte >= len(value):
        return reply.ZERO
    return reply.ONE if value[byte] >> (7 - (offset & 7)) & 1 else reply.ZERO


# -- BITCOUNT / BITPOS -------------------------------------------------------------------

POPCOUNT_CHUNK = 1 << 20  # bytes per integer conversion: no 512 MB temporary


def popcount(value: bytes | bytearray, start: int, end: int) -> int:
    """The set bits of value[start:end]."""
    view = memoryview(value)
    count = 0
    for at in range(start, end, POPCOUNT_CHUNK):
        count += int.from_bytes(view[at : min(at + POPCOUNT_CHUNK, end)], "big").bit_count()
    return count


def _is_bit_unit(arg: bytes) -> bool:
    """The BYTE|BIT argument: True for BIT; a syntax error for anything else."""
    unit = arg.lower()
    if unit == b"bit":
        return True
    if unit == b"byte":
        return False
    raise CommandError(errors.SYNTAX)


def _clamp(start: int, end: int, total: int) -> tuple[int, int]:
    """Negative indexes count from total; the result lies within [0, total - 1]."""
    if start < 0:
        start += total
    if end < 0:
        end += total
    start = max(start, 0)
    end = max(end, 0)
    end = min(end, total - 1)
    return start, end


@command("bitcount", -2, "readonly", keys=(1, 1, 1), group="bitmap")
def bitcount(client: Client, argv: list[bytes]) -> bytes:
    """BITCOUNT key [start end [BYTE|BIT]]; the key is looked up before the arguments."""
    value = read_string(client, argv[1])
    if value is None:
        return reply.ZERO
    count = len(argv)
    if count == 2:
        return reply.integer(popcount(value, 0, len(value)))
    if count not in (4, 5):
        return errors.SYNTAX
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    if start < 0 and end < 0 and start > end:
        return reply.ZERO  # before the unit is even read, as Redis 7.0 does
    bits = count == 5 and _is_bit_unit(argv[4])
    total = len(value) * 8 if bits else len(value)
    start, end = _clamp(start, end, total)
    if start > end:
        return reply.ZERO
    if not bits:
        return reply.integer(popcount(value, start, end + 1))
    first = start >> 3
    last = end >> 3
    number = int.from_bytes(value[first : last + 1], "big") >> (7 - (end & 7))
    number &= (1 << (end - start + 1)) - 1
    return reply.integer(number.bit_count())


def first_bit(value: bytes | bytearray, bit: int, start: int, end: int) -> int:
    """The first bit position in [start, end] holding bit, or -1."""
    first = start >> 3
    chunk = bytearray(value[first : (end >> 3) + 1])
    head = 0xFF00 >> (start & 7) & 0xFF  # the bits before start in the first byte
    tail = 0xFF >> ((end & 7) + 1)  # the bits after end in the last byte
    if bit:
        chunk[0] &= ~head & 0xFF
        chunk[-1] &= ~tail & 0xFF
        skip = b"\x00"
    else:
        chunk[0] |= head
        chunk[-1] |= tail
        skip = b"\xff"
    rest = chunk.lstrip(skip)
    if not rest:
        return -1
    byte = rest[0] if bit else rest[0] ^ 0xFF
    return (first + len(chunk) - len(rest)) * 8 + 8 - byte.bit_length()


@command("bitpos", -3, "readonly", keys=(1, 1, 1), group="bitmap")
def bitpos(client: Client, argv: list[bytes]) -> bytes:
    """BITPOS key bit [start [end [BYTE|BIT]]].

    A missing key is all zeros. Looking for a clear bit without an end treats the
    string as followed by zeros: the first bit past it; with an end, -1.
    """
    bit = parse_int(argv[2])
    if bit != 0 and bit != 1:
        return BIT_ARGUMENT_ERROR
    value = read_string(client, argv[1])
    if value is None:
        return MINUS_ONE if bit else reply.ZERO
    count = len(argv)
    size = len(value)
    end_given = False
    if count == 3:
        start, end = 0, size - 1
        bits = False
    elif count <= 6:
        start = parse_int(argv[3])
        bits = count == 6 and _is_bit_unit(argv[5])
        if count >= 5:
            end = parse_int(argv[4])
            end_given = True
        else:
            end = size * 8 + 7 if bits else size - 1
        start, end = _clamp(start, end, size * 8 if bits else size)
    else:
        return errors.SYNTAX
    if start > end:
        return MINUS_ONE
    if not bits:
        start, end = start * 8, end * 8 + 7
    found = first_bit(value, bit, start, end)
    if found >= 0:
        return reply.integer(found)
    if bit == 0 and not end_given:
        return reply.integer(end + 1)
    return MINUS_ONE


# -- BITOP -------------------------------------------------------------------------------


@command("bitop", -4, "write denyoom", keys=(2, -1, 1), group="bitmap")
def bitop(client: Client, argv: list[bytes]) -> bytes:
    """BITOP AND|OR|XOR|NOT destkey key...: the result is set, or destkey deleted when
    every source is empty; propagated as itself when it changed destkey."""
    operation = argv[1].lower()
    if operation not in (b"and", b"or", b"xor", b"not"):
        return errors.SYNTAX
    if operation == b"not" and len(argv) != 4:
        return BITOP_NOT_ARITY
    sources: list[bytes | bytearray] = []
    for key in argv[3:]:
        value = read_string(client, key)
        sources.append(b"" if value is None else value)
    size = max(len(source) for source in sources)
    db = client.db
    target = argv[2]
    server = client.server
    if not size:
        if db.delete(target):
            notify(server, NOTIFY_GENERIC, b"del", target, db.id)
            server.propagate(db, argv)
        return reply.ZERO
    numbers = [int.from_bytes(source, "big") << ((size - len(source)) * 8) for source in sources]
    result = numbers[0]
    if operation == b"and":
        for number in numbers[1:]:
            result &= number
    elif operation == b"or":
        for number in numbers[1:]:
            result |= number
    elif operation == b"xor":
        for number in numbers[1:]:
            result ^= number
    else:
        result ^= (1 << (size * 8)) - 1
    db.get_for_write(target)
    db.store(target, bytearray(result.to_bytes(size, "big")))
    notify(server, NOTIFY_STRING, b"set", target, db.id)
    server.propagate(db, argv)
    return reply.integer(size)


# -- BITFIELD ----------------------------------------------------------------------------

# One parsed operation: (opcode, signed, bits, offset, argument, overflow).
Operation = tuple[int, bool, int, int, int, int]


def parse_bitfield(client: Client, argv: list[bytes]) -> tuple[list[Operation], int]:
    """The operations in order and the highest bit a write reaches (-1: only GETs)."""
    operations: list[Operation] = []
    overflow = bitfield.OVERFLOW_WRAP
    highest = -1
    i = 2
    count = len(argv)
    while i < count:
        name = argv[i].lower()
        remaining = count - i - 1
        found = _OPERATIONS.get(name)
        if found is None or remaining < found[1]:
            if name == b"overflow" and remaining >= 1:
                chosen = bitfield.OVERFLOW_TYPES.get(argv[i + 1].lower())
                if chosen is None:
                    raise CommandError(OVERFLOW_TYPE_ERROR)
                overflow = chosen
                i += 2
                continue
            raise CommandError(errors.SYNTAX)
        opcode = found[0]
        kind = bitfield.parse_type(argv[i + 1])
        if kind is None:
            raise CommandError(BITFIELD_TYPE_ERROR)
        signed, bits = kind
        offset = bit_offset(client, argv[i + 2], bits)
        argument = 0
        if opcode != GET:
            highest = max(highest, offset + bits - 1)
            argument = parse_int(argv[i + 3])
        operations.append((opcode, signed, bits, offset, argument, overflow))
        i += 1 + found[1]
    return operations, highest


def bitfield_generic(client: Client, argv: list[bytes], read_only: bool) -> bytes:
    """bitfieldGeneric(): every operation parsed first, then run in order.

    The string grows to the highest bit any write names even when an OVERFLOW FAIL
    writes nothing; Redis then neither notifies nor propagates, replkv propagates the
    command so replicas and the log hold the grown string too.
    """
    operations, highest = parse_bitfield(client, argv)
    key = argv[1]
    if highest < 0:
        value = read_string(client, key)
        data: bytes | bytearray = b"" if value is None else value
        replies = [
            reply.integer(bitfield.get_field(data, offset, bits, signed))
            for _, signed, bits, offset, _, _ in operations
        ]
        return b"*%d\r\n" % len(replies) + b"".join(replies)
    if read_only:
        return BITFIELD_RO_WRITE
    target, grown = string_for_bits(client, key, (highest >> 3) + 1)
    replies = []
    changes = 0
    for opcode, signed, bits, offset, argument, overflow in operations:
        old = bitfield.get_field(target, offset, bits, signed)
        if opcode == GET:
            replies.append(reply.integer(old))
            continue
        if opcode == SET:
            new = bitfield.settle(argument, 0, signed, bits, overflow)
        else:
            new = bitfield.settle(old, argument, signed, bits, overflow)
        if new is None:
            replies.append(client.null)
            continue
        bitfield.set_field(target, offset, bits, new)
        replies.append(reply.integer(old if opcode == SET else new))
        changes += 1
    db = client.db
    if changes:
        db.modified(key)
        notify(client.server, NOTIFY_STRING, b"setbit", key, db.id)
    if changes or grown:
        client.server.propagate(db, argv)
    return b"*%d\r\n" % len(replies) + b"".join(replies)


@command("bitfield", -2, "write denyoom", keys=(1, 1, 1), group="bitmap")
def bitfield_(client: Client, argv: list[bytes]) -> bytes:
    return bitfield_generic(client, argv, read_only=False)


@command("bitfield_ro", -2, "readonly fast", keys=(1, 1, 1), group="bitmap")
def bitfield_ro(client: Client, argv: list[bytes]) -> bytes:
    return bitfield_generic(client, argv, read_only=True)
