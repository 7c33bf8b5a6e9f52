"""HyperLogLog strings laid out byte for byte as Redis 7.0 does (hyperloglog.c).

A HyperLogLog is a plain string: a 16-byte header (`HYLL`, the encoding byte, three
unused bytes, the cached cardinality as 8 little-endian bytes whose top bit marks it
invalid) followed by the 16384 six-bit registers, either dense (12288 bytes, packed
from the least significant bit) or sparse (run-length opcodes ZERO 00xxxxxx, XZERO
01xxxxxx yyyyyyyy, VAL 1vvvvvxx). Updates work in place on a bytearray and follow
Redis's own update steps (hllSparseSet's split and merge), so the bytes equal
redis-server's for the same commands.
"""

from __future__ import annotations

import math
import struct
from bisect import bisect_left, bisect_right
from collections.abc import Callable

P = 14
REGISTERS = 1 << P  # 16384
P_MASK = REGISTERS - 1
Q = 64 - P  # bits of the hash left for the zero-run count
REGISTER_MAX = 63
HEADER_SIZE = 16
DENSE_SIZE = HEADER_SIZE + REGISTERS * 6 // 8  # 12304
DENSE = 0
SPARSE = 1
MAX_ENCODING = SPARSE
VAL_MAX_VALUE = 32
VAL_MAX_LEN = 4
ZERO_MAX_LEN = 64
XZERO_MAX_LEN = 16384
ALPHA_INF = 0.721347520444481703680  # 0.5 / ln(2)
SEED = 0xADC83B19
# llroundl() of an infinite or too large estimate: LLONG_MIN, as an unsigned 64-bit value.
LLROUND_OVERFLOW = 1 << 63
_MURMUR_M = 0xC6A4A7935BD1E995
_U64 = 0xFFFFFFFFFFFFFFFF
_unpack_u64 = struct.Struct("<Q").unpack_from
_ZERO_RUN_TOP = 1 << Q  # makes the zero-run count end at Q + 1
# A new HLL: sparse, one XZERO opcode covering every register.
_EMPTY_SPARSE = b"HYLL\x01" + bytes(11) + bytes([0x40 | ((XZERO_MAX_LEN - 1) >> 8), 0xFF])


class CorruptedHLL(Exception):
    """The sparse opcodes do not describe exactly 16384 registers (INVALIDOBJ)."""


# -- hashing -------------------------------------------------------------------------


def murmurhash64a(data: bytes, seed: int = SEED) -> int:
    """MurmurHash2, 64-bit, little-endian reads: Redis's MurmurHash64A()."""
    m = _MURMUR_M
    length = len(data)
    h = (seed ^ (length * m)) & _U64
    if length >= 8:
        blocks = length & ~7
        for i in range(0, blocks, 8):
            k = (_unpack_u64(data, i)[0] * m) & _U64
            k ^= k >> 47
            h = ((h ^ ((k * m) & _U64)) * m) & _U64
        if length & 7:
            h = ((h ^ int.from_bytes(data[blocks:], "little")) * m) & _U64
    elif length:
        h = ((h ^ int.from_bytes(data, "little")) * m) & _U64
    h ^= h >> 47
    h = (h * m) & _U64
    return h ^ (h >> 47)


def pattern(element: bytes) -> tuple[int, int]:
    """hllPatLen(): (register index, length of the 00..1 pattern after the index bits)."""
    h = murmurhash64a(element)
    rest = (h >> P) | _ZERO_RUN_TOP
    return h & P_MASK, (rest & -rest).bit_length()


# -- header ----------------------------------------------------------------------------


def new_sparse() -> bytearray:
    """createHLLObject(): an empty HLL, sparse."""
    return bytearray(_EMPTY_SPARSE)


def is_hll(value: bytes | bytearray) -> bool:
    """isHLLObjectOrReply()'s checks: magic, known encoding, exact dense size."""
    return (
        len(value) >= HEADER_SIZE
        and value[:4] == b"HYLL"
        and value[4] <= MAX_ENCODING
        and (value[4] != DENSE or len(value) == DENSE_SIZE)
    )


def cached_cardinality(value: bytes | bytearray) -> int | None:
    """The cached cardinality, or None when its invalid bit is set."""
    if value[15] & 0x80:
        return None
    return int.from_bytes(value[8:16], "little")


def set_cached_cardinality(value: bytearray, card: int) -> None:
    """Store card in the header (which also marks it valid)."""
    value[8:16] = card.to_bytes(8, "little")


def invalidate_cache(value: bytearray) -> None:
    """HLL_INVALIDATE_CACHE()."""
    value[15] |= 0x80


# -- dense registers -------------------------------------------------------------------


def dense_get(value: bytes | bytearray, index: int) -> int:
    """HLL_DENSE_GET_REGISTER()."""
    bit = index * 6
    pos = HEADER_SIZE + (bit >> 3)
    fb = bit & 7
    if fb <= 2:  # the register sits in one byte (the last one always does)
        return (value[pos] >> fb) & 63
    return ((value[pos] >> fb) | (value[pos + 1] << (8 - fb))) & 63


def dense_set(value: bytearray, index: int, count: int) -> int:
    """hllDenseSet(): raise the register to count; 1 if it changed, else 0."""
    bit = index * 6
    pos = HEADER_SIZE + (bit >> 3)
    fb = bit & 7
    if fb <= 2:
        old = (value[pos] >> fb) & 63
        if count <= old:
            return 0
        value[pos] = (value[pos] & ~(63 << fb) & 0xFF) | (count << fb)
        return 1
    old = ((value[pos] >> fb) | (value[pos + 1] << (8 - fb))) & 63
    if count <= old:
        return 0
    value[pos] = (value[pos] & ((1 << fb) - 1)) | ((count << fb) & 0xFF)
    value[pos + 1] = (value[pos + 1] & ~(63 >> (8 - fb)) & 0xFF) | (count >> (8 - fb))
    return 1


def _table(function: Callable[[int], int]) -> bytes:
    return bytes(function(b) & 0xFF for b in range(256))


# Byte → bit-field tables: every 3 packed bytes hold 4 registers, so whole columns of
# bytes convert at C speed with bytes.translate() and big-integer ORs.
_LOW6 = _table(lambda b: b & 63)
_HIGH2 = _table(lambda b: b >> 6)
_LOW4_UP2 = _table(lambda b: (b & 15) << 2)
_HIGH4 = _table(lambda b: b >> 4)
_LOW2_UP4 = _table(lambda b: (b & 3) << 4)
_HIGH6 = _table(lambda b: b >> 2)
_LOW2_UP6 = _table(lambda b: (b & 3) << 6)
_DOWN2 = _table(lambda b: b >> 2)
_LOW4_UP4 = _table(lambda b: (b & 15) << 4)
_DOWN4 = _table(lambda b: b >> 4)
_UP2 = _table(lambda b: b << 2)


def _or(a: bytes, b: bytes) -> bytes:
    """Bytewise OR of two equal-length strings with disjoint bits."""
    size = len(a)
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(size, "little")


def dense_registers(value: bytes | bytearray) -> bytearray:
    """The 16384 registers of a dense HLL, one byte each."""
    packed = bytes(value[HEADER_SIZE:DENSE_SIZE])
    b0 = packed[0::3]
    b1 = packed[1::3]
    b2 = packed[2::3]
    raw = bytearray(REGISTERS)
    raw[0::4] = b0.translate(_LOW6)
    raw[1::4] = _or(b0.translate(_HIGH2), b1.translate(_LOW4_UP2))
    raw[2::4] = _or(b1.translate(_HIGH4), b2.translate(_LOW2_UP4))
    raw[3::4] = b2.translate(_HIGH6)
    return raw


def pack_registers(raw: bytes | bytearray) -> bytearray:
    """The dense packing of 16384 register values (each 0..63)."""
    raw = bytes(raw)
    r0 = raw[0::4]
    r1 = raw[1::4]
    r2 = raw[2::4]
    r3 = raw[3::4]
    packed = bytearray(DENSE_SIZE - HEADER_SIZE)
    packed[0::3] = _or(r0, r1.translate(_LOW2_UP6))
    packed[1::3] = _or(r1.translate(_DOWN2), r2.translate(_LOW4_UP4))
    packed[2::3] = _or(r2.translate(_DOWN4), r3.translate(_UP2))
    return packed


# -- sparse representation -------------------------------------------------------------


def _zero_run(length: int) -> bytes:
    """A ZERO opcode, or XZERO past 64 registers."""
    if length > ZERO_MAX_LEN:
        length -= 1
        return bytes((0x40 | (length >> 8), length & 0xFF))
    return bytes((length - 1,))


def _val(value: int, length: int) -> int:
    """A VAL opcode byte."""
    return 0x80 | ((value - 1) << 2) | (length - 1)


# Registers covered by a one-byte opcode (ZERO, VAL); 0 marks an XZERO's first byte.
_SPAN = bytes(b + 1 if b < 0x40 else (b & 3) + 1 if b >= 0x80 else 0 for b in range(256))


def _second_byte(value: bytes | bytearray, pos: int) -> int:
    """An XZERO's second byte; past the end Redis reads the string's NUL terminator."""
    return value[pos] if pos < len(value) else 0


def sparse_registers(value: bytes | bytearray) -> bytearray:
    """hllSparseToDense()'s decoding: the registers, or CorruptedHLL."""
    raw = bytearray(REGISTERS)
    idx = 0
    p = HEADER_SIZE
    end = len(value)
    while p < end:
        b = value[p]
        if b < 0x40:
            idx += b + 1
            p += 1
        elif b < 0x80:
            idx += (((b & 0x3F) << 8) | _second_byte(value, p + 1)) + 1
            p += 2
        else:
            runlen = (b & 3) + 1
            if idx + runlen > REGISTERS:
                # Redis 7.0 broke out and accepted a full count; the CVE-2025-32023
                # fix that the reference redis-server carries refuses any overflow.
                raise CorruptedHLL
            raw[idx : idx + runlen] = bytes((((b >> 2) & 0x1F) + 1,)) * runlen
            idx += runlen
            p += 1
    if idx != REGISTERS:
        raise CorruptedHLL
    return raw


def sparse_to_dense(value: bytearray) -> bool:
    """hllSparseToDense() in place: True if it converted; CorruptedHLL if invalid."""
    if value[4] == DENSE:
        return False
    packed = pack_registers(sparse_registers(value))
    header = bytearray(value[:HEADER_SIZE])  # magic, unused bytes and cache are kept
    header[4] = DENSE
    value[:] = header + packed
    return True


def sparse_set(
    value: bytearray, index: int, count: int, max_bytes: int, hint: list[int] | None = None
) -> int:
    """hllSparseSet(): raise register index to count; 1 if changed, 0 if not.

    May promote value to dense (count above 32, or the string would outgrow
    max_bytes). Raises CorruptedHLL. `hint` ([offset, first register] of an opcode
    at or before the target) lets increasing indexes (PFMERGE) skip the scan's
    prefix; it is updated for the next call.
    """
    if hint is None:
        return _sparse_update(value, index, count, max_bytes, HEADER_SIZE, 0)[0] and 1
    result, prev, prev_first, _, _ = _sparse_update(
        value, index, count, max_bytes, hint[0], hint[1]
    )
    if prev >= 0:  # the opcodes before prev are untouched: the next scan starts there
        hint[0] = prev
        hint[1] = prev_first
    return result and 1


UNCHANGED = 0
CHANGED = 1
PROMOTED = 2


def _sparse_update(
    value: bytearray, index: int, count: int, max_bytes: int, p: int, first: int
) -> tuple[int, int, int, int, int]:
    """hllSparseSet() from the opcode at p (covering registers from `first` on).

    Returns (UNCHANGED, CHANGED or PROMOTED; the previous opcode's offset or -1 and
    its first register; where the changed bytes end; how many bytes the scan walked).
    """
    if count > VAL_MAX_VALUE:
        _promote(value, index, count)
        return PROMOTED, -1, 0, 0, 0
    # Step 1: find the opcode covering index.
    start = p
    prev = -1
    end = len(value)
    span = 0
    oplen = 1
    spans = _SPAN
    while p < end:
        span = spans[value[p]]
        if span:
            if index < first + span:
                oplen = 1
                break
            prev = p
            p += 1
        else:
            span = (((value[p] & 0x3F) << 8) | _second_byte(value, p + 1)) + 1
            if index < first + span:
                oplen = 2
                break
            prev = p
            p += 2
        first += span
    if span == 0 or p >= end:
        raise CorruptedHLL
    scanned = p - start
    prev_first = first - _span_at(value, prev) if prev >= 0 else 0
    b = value[p]
    # Step 2: the trivial in-place cases.
    if b >= 0x80:
        if ((b >> 2) & 0x1F) + 1 >= count:
            return UNCHANGED, prev, prev_first, p, scanned
        if span == 1:
            value[p] = _val(count, 1)
            return CHANGED, prev, prev_first, max(p + 1, _merge_adjacent(value, prev, end)), scanned
    elif b < 0x40 and span == 1:
        value[p] = _val(count, 1)
        return CHANGED, prev, prev_first, max(p + 1, _merge_adjacent(value, prev, end)), scanned
    # General case: split the opcode into up to three.
    last = first + span - 1
    if b < 0x80:
        head = _zero_run(index - first) if index != first else b""
        tail = _zero_run(last - index) if index != last else b""
    else:
        current = ((b >> 2) & 0x1F) + 1
        head = bytes((_val(current, index - first),)) if index != first else b""
        tail = bytes((_val(current, last - index),)) if index != last else b""
    seq = head + bytes((_val(count, 1),)) + tail
    delta = len(seq) - oplen
    # Step 3: put the sequence in place of the opcode, or promote if too long.
    if delta > 0 and end + delta > max_bytes:
        _promote(value, index, count)
        return PROMOTED, -1, 0, 0, scanned
    value[p : p + oplen] = seq
    changed_end = max(p + len(seq), _merge_adjacent(value, prev, end + delta))
    return CHANGED, prev, prev_first, changed_end, scanned


def _span_at(value: bytes | bytearray, p: int) -> int:
    """Registers covered by the opcode at p."""
    b = value[p]
    if b < 0x40:
        return b + 1
    if b >= 0x80:
        return (b & 3) + 1
    return (((b & 0x3F) << 8) | _second_byte(value, p + 1)) + 1


def _merge_adjacent(value: bytearray, prev: int, end: int) -> int:
    """hllSparseSet() step 4: merge equal adjacent VALs, scanning 5 opcodes from prev.

    Invalidates the cached cardinality; returns where the scan stopped."""
    p = prev if prev >= 0 else HEADER_SIZE
    scan = 5
    while p < end and scan:
        scan -= 1
        b = value[p]
        if b < 0x40:
            p += 1
            continue
        if b < 0x80:
            p += 2
            continue
        if p + 1 < end:
            n = value[p + 1]
            if n >= 0x80 and (b >> 2) == (n >> 2):
                length = (b & 3) + (n & 3) + 2
                if length <= VAL_MAX_LEN:
                    value[p + 1] = (n & 0xFC) | (length - 1)
                    del value[p]
                    end -= 1
                    continue
        p += 1
    value[15] |= 0x80
    return p


def _promote(value: bytearray, index: int, count: int) -> None:
    """hllSparseSet()'s promote: convert to dense, then set the register there."""
    sparse_to_dense(value)
    dense_set(value, index, count)


# -- adding and counting ---------------------------------------------------------------


def add(value: bytearray, element: bytes, max_bytes: int) -> int:
    """hllAdd(): 1 if a register changed, else 0; CorruptedHLL if invalid."""
    index, count = pattern(element)
    if value[4] == DENSE:
        return dense_set(value, index, count)
    return sparse_add(value, index, count, max_bytes)


# -- an index of sparse opcodes: PFADD without scanning from the start -----------------

_MARK_STEP = 48  # opcodes between two marks
_INDEX_MIN_SIZE = 256  # shorter sparse strings are scanned from the start
_STALE_SCAN = 6 * _MARK_STEP  # a scan this long (bytes) means too many marks were lost
_INDEXES_KEPT = 64


class _SparseIndex:
    """Where every _MARK_STEP-th opcode of one sparse HLL starts, and its first register.

    Valid while the string's opcodes still equal `snapshot`: any other writer
    (SETRANGE, PFMERGE, a sparse_set without the index) makes it stale, and it is
    rebuilt from the string. It never changes the bytes, only where scans start.
    """

    __slots__ = ("value", "snapshot", "offsets", "firsts")

    def __init__(self, value: bytearray, offsets: list[int], firsts: list[int]) -> None:
        self.value = value  # held so that id(value) is not reused while indexed
        self.snapshot = bytes(value[HEADER_SIZE:])
        self.offsets = offsets
        self.firsts = firsts


_indexes: dict[int, _SparseIndex] = {}


def _build_index(value: bytearray) -> _SparseIndex:
    """Scan the opcodes once and keep every _MARK_STEP-th; the oldest index goes."""
    offsets = []
    firsts = []
    p = HEADER_SIZE
    first = 0
    end = len(value)
    spans = _SPAN
    n = 0
    while p < end:
        if n == _MARK_STEP:
            offsets.append(p)
            firsts.append(first)
            n = 0
        n += 1
        span = spans[value[p]]
        if span:
            p += 1
        else:
            span = (((value[p] & 0x3F) << 8) | _second_byte(value, p + 1)) + 1
            p += 2
        first += span
    entry = _SparseIndex(value, offsets, firsts)
    key = id(value)
    _indexes.pop(key, None)
    if len(_indexes) >= _INDEXES_KEPT:
        del _indexes[next(iter(_indexes))]
    _indexes[key] = entry
    return entry


def sparse_add(value: bytearray, index: int, count: int, max_bytes: int) -> int:
    """sparse_set() for PFADD: the scan starts at a mark two before the target."""
    if len(value) < _INDEX_MIN_SIZE:
        return _sparse_update(value, index, count, max_bytes, HEADER_SIZE, 0)[0] and 1
    key = id(value)
    entry = _indexes.get(key)
    if entry is None or entry.value is not value or entry.snapshot != value[HEADER_SIZE:]:
        entry = _build_index(value)
    offsets = entry.offsets
    firsts = entry.firsts
    # The mark before the last one at or before index: the scan then passes an opcode
    # before the target's, so it knows the previous opcode as a scan from the start does.
    i = bisect_right(firsts, index) - 2
    start, first = (offsets[i], firsts[i]) if i >= 0 else (HEADER_SIZE, 0)
    old_size = len(value)
    result, prev, _, changed_end, scanned = _sparse_update(
        value, index, count, max_bytes, start, first
    )
    if result == UNCHANGED:
        if scanned > _STALE_SCAN:
            del _indexes[key]
        return 0
    if result == PROMOTED:
        del _indexes[key]
        return 1
    # Marks inside the rewritten bytes go; those after them move with the bytes.
    delta = len(value) - old_size
    low = bisect_left(offsets, prev if prev >= 0 else HEADER_SIZE)
    high = bisect_left(offsets, changed_end - delta)
    tail = offsets[high:]
    offsets[low:] = [offset + delta for offset in tail] if delta else tail
    del firsts[low:high]
    if scanned > _STALE_SCAN:
        del _indexes[key]
    else:
        entry.snapshot = bytes(value[HEADER_SIZE:])
    return 1


def registers(value: bytes | bytearray) -> bytearray:
    """The 16384 registers of either encoding (CorruptedHLL if sparse and invalid)."""
    if value[4] == DENSE:
        return dense_registers(value)
    return sparse_registers(value)  # hllMerge() checks as hllSparseToDense() does


def merge_into(target: bytearray, value: bytes | bytearray) -> None:
    """hllMerge(): target[i] = max(target[i], register i of value)."""
    source = registers(value)
    if any(target):
        target[:] = bytes(map(max, target, source))
    else:
        target[:] = source


def raw_histogram(raw: bytes | bytearray) -> list[int]:
    """How many registers hold each value 0..63."""
    histogram = [0] * 64
    left = len(raw)
    for v in range(64):
        if not left:
            break
        n = raw.count(v)
        histogram[v] = n
        left -= n
    return histogram


def sparse_histogram(value: bytes | bytearray) -> tuple[list[int], bool]:
    """hllSparseRegHisto(): the histogram and whether the opcodes cover 16384 registers."""
    histogram = [0] * 64
    idx = 0
    p = HEADER_SIZE
    end = len(value)
    while p < end:
        b = value[p]
        if b < 0x40:
            idx += b + 1
            histogram[0] += b + 1
            p += 1
        elif b < 0x80:
            runlen = (((b & 0x3F) << 8) | _second_byte(value, p + 1)) + 1
            idx += runlen
            histogram[0] += runlen
            p += 2
        else:
            runlen = (b & 3) + 1
            idx += runlen
            histogram[((b >> 2) & 0x1F) + 1] += runlen
            p += 1
    return histogram, idx == REGISTERS


def histogram(value: bytes | bytearray) -> list[int]:
    """The register histogram of an HLL string; CorruptedHLL if sparse and invalid."""
    if value[4] == DENSE:
        return raw_histogram(dense_registers(value))
    found, valid = sparse_histogram(value)
    if not valid:
        raise CorruptedHLL
    return found


def _sigma(x: float) -> float:
    """hllSigma() (Ertl, arXiv:1702.01284)."""
    if x == 1.0:
        return math.inf
    y = 1.0
    z = x
    while True:
        x *= x
        z_prime = z
        z += x * y
        y += y
        if z_prime == z:
            return z


def _tau(x: float) -> float:
    """hllTau() (Ertl, arXiv:1702.01284)."""
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1 - x
    while True:
        x = math.sqrt(x)
        z_prime = z
        y *= 0.5
        d = 1 - x
        z -= d * d * y
        if z_prime == z:
            return z / 3


def estimate(histogram: list[int]) -> int:
    """hllCount()'s estimator from the register histogram, as an unsigned 64-bit value."""
    m = float(REGISTERS)
    z = m * _tau((m - histogram[Q + 1]) / m)
    for j in range(Q, 0, -1):
        z += histogram[j]
        z *= 0.5
    z += m * _sigma(histogram[0] / m)
    if z == 0.0:  # every register above Q + 1 (a forged dense string)
        return LLROUND_OVERFLOW
    e = ALPHA_INF * m * m / z
    if not e < 2.0**63:
        return LLROUND_OVERFLOW
    whole = math.floor(e)
    return int(whole) + (1 if e - whole >= 0.5 else 0)  # llroundl(): halves away from 0


def as_reply_integer(card: int) -> int:
    """A cardinality as Redis replies it: addReplyLongLong() of a uint64_t."""
    return card - (1 << 64) if card >= 1 << 63 else card


def count(value: bytes | bytearray) -> int:
    """The estimated cardinality of an HLL string (ignoring its cache)."""
    return estimate(histogram(value))


def decode(value: bytes | bytearray) -> bytes:
    """PFDEBUG DECODE: the sparse opcodes as text (`z:n`, `Z:n`, `v:value,n`)."""
    parts = []
    p = HEADER_SIZE
    end = len(value)
    while p < end:
        b = value[p]
        if b < 0x40:
            parts.append(b"z:%d" % (b + 1))
            p += 1
        elif b < 0x80:
            parts.append(b"Z:%d" % ((((b & 0x3F) << 8) | _second_byte(value, p + 1)) + 1))
            p += 2
        else:
            parts.append(b"v:%d,%d" % (((b >> 2) & 0x1F) + 1, (b & 3) + 1))
            p += 1
    return b" ".join(parts)
