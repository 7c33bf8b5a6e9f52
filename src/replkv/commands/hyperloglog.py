"""HyperLogLog commands (hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.

An HLL is a plain string (see replkv/hyperloglog.py). Handlers update it in place as
a bytearray; a value still held as immutable bytes (SET, RESTORE, a snapshot) is
copied once, on its first change. Propagation is Redis's: PFADD and PFMERGE as
themselves; PFCOUNT of one key as itself when it refreshed the cached cardinality;
PFDEBUG GETREG / TODENSE as themselves when they converted a sparse HLL to dense.
"""

from __future__ import annotations

import math
import random

from replkv import errors, reply
from replkv import hyperloglog as hll
from replkv.client import Client
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.hyperloglog import CorruptedHLL
from replkv.notify import NOTIFY_STRING, notify

NOT_AN_HLL = b"-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"
INVALIDOBJ = b"-INVALIDOBJ Corrupted HLL object detected\r\n"
NO_SUCH_KEY = errors.err("The specified key does not exist")
NOT_SPARSE = errors.err("HLL encoding is not sparse")
_ENCODINGS = (b"+dense\r\n", b"+sparse\r\n")


def checked_hll(value: object) -> bytes | bytearray:
    """isHLLObjectOrReply(): the value if it is a valid HLL string, else the error."""
    if type(value) is not bytes and type(value) is not bytearray:
        raise CommandError(errors.WRONGTYPE)
    if not hll.is_hll(value):  # type: ignore[arg-type]
        raise CommandError(NOT_AN_HLL)
    return value  # type: ignore[return-value]


def _writable(value: bytes | bytearray) -> bytearray:
    """The bytearray to change in place: value itself, or a copy of immutable bytes."""
    return value if type(value) is bytearray else bytearray(value)


@command("pfadd", -2, "write denyoom fast", keys=(1, 1, 1), group="hyperloglog",
         summary="Adds the specified elements to the specified HyperLogLog.",
         since="2.8.9")  # fmt: skip
def pfadd(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    key = argv[1]
    found = db.get_for_write(key)
    max_bytes = client.server.config.hll_sparse_max_bytes
    updated = 0
    if found is None:
        value = hll.new_sparse()
        db.store(key, value)
        updated = 1
    else:
        value = _writable(checked_hll(found))
    add = hll.add
    result = reply.ONE
    try:
        if value[4] == hll.DENSE:
            dense_set = hll.dense_set
            pattern = hll.pattern
            for element in argv[2:]:
                index, count = pattern(element)
                updated += dense_set(value, index, count)
        else:
            for element in argv[2:]:
                updated += add(value, element, max_bytes)
    except CorruptedHLL:
        # Redis keeps the registers set before the corruption was found, and propagates
        # nothing; here the bytes are propagated, so that a replay holds them too.
        result = INVALIDOBJ
    if not updated:
        return result if result is INVALIDOBJ else reply.ZERO
    if found is None:
        pass
    elif value is not found:
        db.replace(key, value)
    else:
        db.modified(key)
    if result is INVALIDOBJ:
        client.server.propagate(db, [b"SET", key, bytes(value), b"KEEPTTL"])
        return result
    hll.invalidate_cache(value)
    notify(client.server, NOTIFY_STRING, b"pfadd", key, db.id)
    client.server.propagate(db, argv)
    return result


@command("pfcount", -2, "readonly", keys=(1, -1, 1), group="hyperloglog",
         summary="Return the approximated cardinality of the set(s) observed by the "
         "HyperLogLog at key(s).", since="2.8.9")  # fmt: skip
def pfcount(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    if len(argv) > 2:
        # The cardinality of the union, merged in a temporary: nothing is written.
        union = bytearray(hll.REGISTERS)
        for key in argv[1:]:
            found = db.get(key)
            if found is None:
                continue
            try:
                hll.merge_into(union, checked_hll(found))
            except CorruptedHLL:
                return INVALIDOBJ
        return reply.integer(hll.as_reply_integer(hll.estimate(hll.raw_histogram(union))))
    key = argv[1]
    found = db.get(key)
    if found is None:
        return reply.ZERO
    value = checked_hll(found)
    card = hll.cached_cardinality(value)
    if card is not None:
        return reply.integer(card)
    try:
        card = hll.count(value)
    except CorruptedHLL:
        return INVALIDOBJ
    # Refreshing the cache changes the string: Redis signals the key and propagates
    # the PFCOUNT itself, so replicas refresh theirs.
    value = _writable(value)
    hll.set_cached_cardinality(value, card)
    if value is found:
        db.modified(key)
    else:
        db.replace(key, value)
    client.server.propagate(db, argv)
    return reply.integer(hll.as_reply_integer(card))


@command("pfmerge", -2, "write denyoom", keys=(1, -1, 1), group="hyperloglog",
         summary="Merge N different HyperLogLogs into a single one.",
         since="2.8.9")  # fmt: skip
def pfmerge(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    union = bytearray(hll.REGISTERS)
    use_dense = False
    for key in argv[1:]:
        found = db.get(key)
        if found is None:
            continue
        value = checked_hll(found)
        if value[4] == hll.DENSE:
            use_dense = True
        try:
            hll.merge_into(union, value)
        except CorruptedHLL:
            return INVALIDOBJ
    dest_key = argv[1]
    found = db.get_for_write(dest_key)
    if found is None:
        dest = hll.new_sparse()
        db.store(dest_key, dest)
    else:
        dest = _writable(found)  # already checked as a source
    if use_dense:
        hll.sparse_to_dense(dest)  # the destination was checked when merged
    _write_registers(dest, union, client.server.config.hll_sparse_max_bytes)
    hll.invalidate_cache(dest)
    if found is None:
        pass
    elif dest is not found:
        db.replace(dest_key, dest)
    else:
        db.modified(dest_key)
    # Redis announces a merge as `pfadd` (a mass-add of elements).
    notify(client.server, NOTIFY_STRING, b"pfadd", dest_key, db.id)
    client.server.propagate(db, argv)
    return reply.OK


def _write_registers(dest: bytearray, union: bytearray, max_bytes: int) -> None:
    """pfmergeCommand(): raise dest's registers to union's, one by one, in order."""
    if dest[4] == hll.DENSE:
        merged = bytes(map(max, hll.dense_registers(dest), union))
        dest[hll.HEADER_SIZE :] = hll.pack_registers(merged)
        return
    # Sparse: the same sequence of hllSparseSet() calls as Redis, so the same opcodes
    # (and the same promotion point); indexes grow, so each scan resumes at the last.
    hint = [hll.HEADER_SIZE, 0]
    sparse_set = hll.sparse_set
    for index in range(hll.REGISTERS):
        count = union[index]
        if not count:
            continue
        if dest[4] == hll.DENSE:
            hll.dense_set(dest, index, count)
        else:
            sparse_set(dest, index, count, max_bytes, hint)


@command("pfdebug", 3, "write denyoom admin", keys=(2, 2, 1), group="hyperloglog",
         summary="Internal commands for debugging HyperLogLog values",
         since="2.8.9")  # fmt: skip
def pfdebug(client: Client, argv: list[bytes]) -> bytes:
    db = client.db
    key = argv[2]
    found = db.get_for_write(key)
    if found is None:
        return NO_SUCH_KEY
    value = checked_hll(found)
    sub = argv[1].lower()
    if sub == b"getreg":
        if value[4] == hll.SPARSE:
            value = _to_dense(client, argv, found)
            if type(value) is bytes:
                return value
        regs = hll.dense_registers(value)
        return b"*%d\r\n%b" % (hll.REGISTERS, b"".join([b":%d\r\n" % r for r in regs]))
    if sub == b"decode":
        if value[4] != hll.SPARSE:
            return NOT_SPARSE
        return reply.bulk(hll.decode(value))
    if sub == b"encoding":
        return _ENCODINGS[value[4]]
    if sub == b"todense":
        if value[4] != hll.SPARSE:
            return reply.ZERO
        converted = _to_dense(client, argv, found)
        return converted if type(converted) is bytes else reply.ONE
    name = argv[1].split(b"\0", 1)[0].replace(b"\r", b" ").replace(b"\n", b" ")
    return b"-ERR Unknown PFDEBUG subcommand '%b'\r\n" % name


def _to_dense(client: Client, argv: list[bytes], found: bytes | bytearray) -> bytes | bytearray:
    """Convert the key's sparse HLL to dense and propagate the PFDEBUG; or INVALIDOBJ."""
    value = _writable(found)
    try:
        hll.sparse_to_dense(value)
    except CorruptedHLL:
        return INVALIDOBJ
    if value is not found:
        client.db.replace(argv[2], value)
    client.server.propagate(client.db, argv)
    return value


SELFTEST_CYCLES = 10
SELFTEST_CARDINALITY = 100000


@command("pfselftest", 1, "admin", group="hyperloglog",
         summary="An internal command for testing HyperLogLog values",
         since="2.8.9")  # fmt: skip
def pfselftest(client: Client, argv: list[bytes]) -> bytes:
    """pfselftestCommand(), smaller: register access, then dense and sparse agreeing
    and within error bounds up to 100,000 elements (Redis goes to 10 million)."""
    rng = random.Random()
    dense = bytearray(hll.DENSE_SIZE)
    for _ in range(SELFTEST_CYCLES):
        expected = bytes(rng.randrange(64) for _ in range(hll.REGISTERS))
        dense[hll.HEADER_SIZE :] = hll.pack_registers(expected)
        got = hll.dense_registers(dense)
        for i in range(hll.REGISTERS):
            if got[i] != expected[i]:
                return b"-TESTFAILED Register %d should be %d but is %d\r\n" % (
                    i,
                    expected[i],
                    got[i],
                )
    dense = bytearray(hll.DENSE_SIZE)
    sparse = hll.new_sparse()
    max_bytes = client.server.config.hll_sparse_max_bytes
    relerr = 1.04 / hll.REGISTERS**0.5
    seed = rng.getrandbits(64)
    checkpoint = 1
    for j in range(1, SELFTEST_CARDINALITY + 1):
        element = (j ^ seed).to_bytes(8, "little")
        index, count = hll.pattern(element)
        hll.dense_set(dense, index, count)
        hll.add(sparse, element, max_bytes)
        if j != checkpoint:
            continue
        if j < max_bytes // 2 and sparse[4] != hll.SPARSE:
            return b"-TESTFAILED sparse encoding not used\r\n"
        estimated = hll.count(dense)
        if estimated != hll.count(sparse):
            return b"-TESTFAILED dense/sparse disagree\r\n"
        max_error = 1 if j == 10 else math.ceil(relerr * 6 * checkpoint)
        if abs(checkpoint - estimated) > max_error:
            return b"-TESTFAILED Too big error. card:%d abserr:%d\r\n" % (
                checkpoint,
                abs(checkpoint - estimated),
            )
        checkpoint *= 10
    return reply.OK
