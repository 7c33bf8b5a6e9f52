"""RDB building blocks (rdb.h, rdb.c): opcodes, type bytes, lengths and strings.

Lengths and strings are encoded as rdbSaveLen() and rdbSaveRawString() write them, so
what replkv writes is byte for byte what Redis 7.0 writes for the same string: the
shortest length form, small canonical integers as 8/16/32-bit integers, and LZF for
strings over 20 bytes when compression is on and saves at least 4 bytes.
"""

from __future__ import annotations

import lzf

from replkv.integers import INT_MAX, INT_MIN, string_to_ll

RDB_VERSION = 10
MAGIC = b"REDIS"
HEADER = b"REDIS%04d" % RDB_VERSION

# Opcodes (rdb.h: RDB_OPCODE_*).
OP_FUNCTION2 = 245
OP_FUNCTION = 246
OP_MODULE_AUX = 247
OP_IDLE = 248
OP_FREQ = 249
OP_AUX = 250
OP_RESIZEDB = 251
OP_EXPIRETIME_MS = 252
OP_EXPIRETIME = 253
OP_SELECTDB = 254
OP_EOF = 255

# Object types (rdb.h: RDB_TYPE_*).
TYPE_STRING = 0
TYPE_LIST = 1
TYPE_SET = 2
TYPE_ZSET = 3
TYPE_HASH = 4
TYPE_ZSET_2 = 5
TYPE_MODULE = 6
TYPE_MODULE_2 = 7
TYPE_HASH_ZIPMAP = 9
TYPE_LIST_ZIPLIST = 10
TYPE_SET_INTSET = 11
TYPE_ZSET_ZIPLIST = 12
TYPE_HASH_ZIPLIST = 13
TYPE_LIST_QUICKLIST = 14
TYPE_STREAM_LISTPACKS = 15
TYPE_HASH_LISTPACK = 16
TYPE_ZSET_LISTPACK = 17
TYPE_LIST_QUICKLIST_2 = 18
TYPE_STREAM_LISTPACKS_2 = 19

TYPE_NAMES = {
    TYPE_STRING: "string",
    TYPE_LIST: "list",
    TYPE_SET: "set",
    TYPE_ZSET: "zset",
    TYPE_HASH: "hash",
    TYPE_ZSET_2: "zset-2",
    TYPE_MODULE: "module",
    TYPE_MODULE_2: "module-2",
    TYPE_HASH_ZIPMAP: "hash-zipmap",
    TYPE_LIST_ZIPLIST: "list-ziplist",
    TYPE_SET_INTSET: "set-intset",
    TYPE_ZSET_ZIPLIST: "zset-ziplist",
    TYPE_HASH_ZIPLIST: "hash-ziplist",
    TYPE_LIST_QUICKLIST: "list-quicklist",
    TYPE_STREAM_LISTPACKS: "stream-listpacks",
    TYPE_HASH_LISTPACK: "hash-listpack",
    TYPE_ZSET_LISTPACK: "zset-listpack",
    TYPE_LIST_QUICKLIST_2: "list-quicklist-2",
    TYPE_STREAM_LISTPACKS_2: "stream-listpacks-2",
}

# Special string encodings after a 0b11xxxxxx length byte (RDB_ENC_*).
ENC_INT8 = 0
ENC_INT16 = 1
ENC_INT32 = 2
ENC_LZF = 3

# Quicklist 2 node containers (quicklist.h: QUICKLIST_NODE_CONTAINER_*).
CONTAINER_PLAIN = 1
CONTAINER_PACKED = 2

LZF_MIN_LENGTH = 21  # rdbSaveRawString(): compression is tried above 20 bytes
LZF_MIN_SAVING = 4  # rdbSaveLzfStringObject(): at least four bytes smaller


class RdbError(Exception):
    """A corrupt, truncated or unsupported RDB file or DUMP payload.

    `offset` is the byte offset (from the start of the file or payload) where reading
    went wrong; the message names it.
    """

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at byte offset {offset}")
        self.reason = message
        self.offset = offset


# Every length below 64 is one byte; 64..16383 two bytes (14 bits, big-endian).
_SHORT_LENGTHS = [bytes([n]) for n in range(64)]


def encode_length(n: int) -> bytes:
    """rdbSaveLen(): the shortest of the 6-bit, 14-bit, 32-bit and 64-bit forms."""
    if n < 64:
        return _SHORT_LENGTHS[n]
    if n < 16384:
        return bytes((0x40 | n >> 8, n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


# String prefixes of the plain form for short strings: one byte each.
STRING_PREFIX = _SHORT_LENGTHS
_INT_START = frozenset(b"-123456789")


def encode_int_string(value: int) -> bytes | None:
    """rdbEncodeInteger(): the special integer forms, or None outside int32."""
    if -128 <= value <= 127:
        return b"\xc0" + value.to_bytes(1, "little", signed=True)
    if -32768 <= value <= 32767:
        return b"\xc1" + value.to_bytes(2, "little", signed=True)
    if INT_MIN <= value <= INT_MAX:
        return b"\xc2" + value.to_bytes(4, "little", signed=True)
    return None


def encode_string(data: bytes | bytearray, compress: bool) -> bytes:
    """rdbSaveRawString(): integer form, then LZF, then plain."""
    n = len(data)
    if n <= 11 and n and (data[0] in _INT_START or n == 1):
        number = string_to_ll(data)
        if number is not None:
            encoded = encode_int_string(number)
            if encoded is not None:
                return encoded
    if compress and n >= LZF_MIN_LENGTH:
        # python-lzf passes max_len + 1 to lzf_compress(): ask for one byte less to get
        # rdbSaveLzfStringObject()'s limit of len - 4, borderline cases included.
        packed = lzf.compress(bytes(data), n - LZF_MIN_SAVING - 1)
        if packed is not None:
            return b"\xc3" + encode_length(len(packed)) + encode_length(n) + packed
    if n < 64:
        return _SHORT_LENGTHS[n] + data
    return encode_length(n) + data


def lzf_decompress(packed: bytes, length: int, offset: int) -> bytes:
    """LZF-decompress packed into exactly length bytes (lzf_d.c), or raise RdbError."""
    if length == 0:
        raise RdbError("invalid LZF string: zero uncompressed length", offset)
    try:
        data = lzf.decompress(packed, length)
    except (ValueError, SystemError) as exc:
        raise RdbError(f"invalid LZF data ({exc})", offset) from None
    if data is None or len(data) != length:
        raise RdbError("invalid LZF data: it does not decompress to its stated length", offset)
    return bytes(data)
