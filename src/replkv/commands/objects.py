"""OBJECT (object.c): how a value is stored, as Redis would report it."""

from __future__ import annotations

from typing import Any

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.table import container, subcommand
from replkv.keyspace.values import ENCODINGS, string_encoding

NO_LFU = errors.err(
    "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust."
)
LFU_NO_IDLETIME = errors.err(
    "An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust."
)
OBJECT_HELP = [
    b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"ENCODING <key>",
    b"    Return the kind of internal representation used in order to store the value",
    b"    associated with a <key>.",
    b"FREQ <key>",
    b"    Return the access frequency index of the <key>. The returned integer is",
    b"    proportional to the logarithm of the recent access frequency of the key.",
    b"IDLETIME <key>",
    b"    Return the idle time of the <key>, that is the approximated number of",
    b"    seconds elapsed since the last access to the key.",
    b"REFCOUNT <key>",
    b"    Return the number of references of the value associated with the specified",
    b"    <key>.",
    b"HELP",
    b"    Prints this help.",
]
SHARED_INTEGERS = 10000  # OBJ_SHARED_INTEGERS
SHARED_REFCOUNT = 2147483647  # OBJ_SHARED_REFCOUNT
LFU_INIT_VAL = 5
# Policies under which Redis neither shares integers nor tracks LRU idle time.
LRU_POLICIES = frozenset(["volatile-lru", "allkeys-lru"])
LFU_POLICIES = frozenset(["volatile-lfu", "allkeys-lfu"])


container("object", acl_categories=())


def _object_value(client: Client, key: bytes) -> Any:
    """objectCommandLookup(): a read lookup that does not count as an access."""
    return client.db.get_without_notification(key)


@subcommand("object", "encoding", 3, "readonly", keys=(2, 2, 1), acl_categories=("keyspace",),
            tips=("nondeterministic_output",))  # fmt: skip
def object_encoding(client: Client, argv: list[bytes]) -> bytes:
    value = _object_value(client, argv[2])
    if value is None:
        return client.null
    if type(value) is bytes or type(value) is bytearray:
        return reply.bulk(string_encoding(value))
    encoder = ENCODINGS.get(type(value))
    return reply.bulk(encoder(value) if encoder is not None else b"unknown")


def _shares_integers(client: Client) -> bool:
    """Whether Redis would use its shared 0..9999 integer objects (tryObjectEncoding)."""
    config = client.server.config
    policy = config.maxmemory_policy
    return not config.maxmemory or (policy not in LRU_POLICIES and policy not in LFU_POLICIES)


def refcount(client: Client, value: Any) -> int:
    """A value's reference count: the shared integers' fixed count, else 1 or 2.

    Redis stores a SET's (MSET's, APPEND's, …) argument object itself, and EXEC frees
    the queued arguments only at its end: inside EXEC a value stored by this
    transaction is referenced twice. (Our values are those same argument objects;
    CPython's cached one-byte and empty bytes may look shared where Redis's are not.)
    """
    if type(value) is bytes and string_encoding(value) == b"int":
        if 0 <= int(value) < SHARED_INTEGERS and _shares_integers(client):
            return SHARED_REFCOUNT
    if client.multi and any(value is arg for _, queued in client.multi for arg in queued[2:]):
        return 2
    return 1


@subcommand("object", "refcount", 3, "readonly", keys=(2, 2, 1), acl_categories=("keyspace",),
            tips=("nondeterministic_output",))  # fmt: skip
def object_refcount(client: Client, argv: list[bytes]) -> bytes:
    value = _object_value(client, argv[2])
    if value is None:
        return client.null
    return reply.integer(refcount(client, value))


@subcommand("object", "idletime", 3, "readonly", keys=(2, 2, 1), acl_categories=("keyspace",),
            tips=("nondeterministic_output",))  # fmt: skip
def object_idletime(client: Client, argv: list[bytes]) -> bytes:
    """Always 0: per-key access times are not kept, so GET/SET stay lean."""
    if _object_value(client, argv[2]) is None:
        return client.null
    if client.server.config.maxmemory_policy in LFU_POLICIES:
        return LFU_NO_IDLETIME
    return reply.ZERO


@subcommand("object", "freq", 3, "readonly", keys=(2, 2, 1), acl_categories=("keyspace",),
            tips=("nondeterministic_output",))  # fmt: skip
def object_freq(client: Client, argv: list[bytes]) -> bytes:
    """LFU_INIT_VAL, the counter of a key never read: access counts are not kept."""
    if _object_value(client, argv[2]) is None:
        return client.null
    if client.server.config.maxmemory_policy not in LFU_POLICIES:
        return NO_LFU
    return reply.integer(LFU_INIT_VAL)


@subcommand("object", "help", 2, "loading stale", acl_categories=("keyspace",))
def object_help(client: Client, argv: list[bytes]) -> bytes:
    return reply.array([reply.simple(line) for line in OBJECT_HELP])
