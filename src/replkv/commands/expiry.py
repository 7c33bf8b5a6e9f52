"""Expiry commands (expire.c): EXPIRE family, TTL family, PERSIST.

EXPIRE, PEXPIRE and EXPIREAT become `PEXPIREAT key <abs-ms> [flags]` events; a time
already past on a master deletes the key and becomes `DEL key` (`UNLINK` with
lazyfree-lazy-expire). A replica, or a replay of the log, stores a past time as it
is: only the master decides that a key is gone (checkAlreadyExpired()).
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import LLONG_MAX, LLONG_MIN, parse_int
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.notify import NOTIFY_GENERIC, notify

NX, XX, GT, LT = 1, 2, 4, 8
_FLAGS = {b"nx": NX, b"xx": XX, b"gt": GT, b"lt": LT}
NX_CONFLICT = errors.err("NX and XX, GT or LT options at the same time are not compatible")
GT_LT_CONFLICT = errors.err("GT and LT options at the same time are not compatible")
# C's LLONG_MIN / 1000 truncates toward zero.
SECONDS_MIN = -(-LLONG_MIN // 1000)
SECONDS_MAX = LLONG_MAX // 1000


def _unsupported(option: bytes) -> bytes:
    """`Unsupported option X`, cut at a NUL as the C string is (%s)."""
    message = b"ERR Unsupported option " + option.split(b"\0", 1)[0]
    return reply.error(message)


def _expire_flags(argv: list[bytes]) -> int:
    """expire.c: parseExtendedExpireArgumentsOrReply()."""
    flags = 0
    for option in argv[3:]:
        flag = _FLAGS.get(option.lower())
        if flag is None:
            raise CommandError(_unsupported(option))
        flags |= flag
    if flags & NX and flags & (XX | GT | LT):
        raise CommandError(NX_CONFLICT)
    if flags & GT and flags & LT:
        raise CommandError(GT_LT_CONFLICT)
    return flags


def _expire(client: Client, argv: list[bytes], unit_ms: int, relative: bool, name: str) -> bytes:
    """expire.c: expireGenericCommand()."""
    flags = _expire_flags(argv) if len(argv) > 3 else 0
    when = parse_int(argv[2])
    if unit_ms == 1000:
        if not SECONDS_MIN <= when <= SECONDS_MAX:
            return errors.invalid_expire(name)
        when *= 1000
    db = client.db
    keyspace = db.keyspace
    now = keyspace.now_ms()
    if relative:
        if when > LLONG_MAX - now:
            return errors.invalid_expire(name)
        when += now
    key = argv[1]
    if db.get_for_write(key) is None:
        return reply.ZERO
    if flags:
        current = db.ttl_ms(key)
        if flags & NX and current is not None:
            return reply.ZERO
        if flags & XX and current is None:
            return reply.ZERO
        # No TTL counts as an infinite one: GT always fails, LT always succeeds.
        if flags & GT and (current is None or when <= current):
            return reply.ZERO
        if flags & LT and current is not None and when >= current:
            return reply.ZERO
    if when <= now and keyspace.is_master and not keyspace.obey_master:
        db.delete(key)
        notify(client.server, NOTIFY_GENERIC, b"del", key, db.id)
        verb = b"UNLINK" if client.server.config.lazyfree_lazy_expire else b"DEL"
        client.server.propagate(db, [verb, key])
        return reply.ONE
    db.set_expire(key, when)
    notify(client.server, NOTIFY_GENERIC, b"expire", key, db.id)
    if name == "pexpireat":
        event = argv
    else:
        event = [b"PEXPIREAT", key, b"%d" % when, *argv[3:]]
    client.server.propagate(db, event)
    return reply.ONE


@command("expire", -3, "write fast", keys=(1, 1, 1), acl_categories=("keyspace",))
def expire(client: Client, argv: list[bytes]) -> bytes:
    return _expire(client, argv, 1000, True, "expire")


@command("pexpire", -3, "write fast", keys=(1, 1, 1), acl_categories=("keyspace",))
def pexpire(client: Client, argv: list[bytes]) -> bytes:
    return _expire(client, argv, 1, True, "pexpire")


@command("expireat", -3, "write fast", keys=(1, 1, 1), acl_categories=("keyspace",))
def expireat(client: Client, argv: list[bytes]) -> bytes:
    return _expire(client, argv, 1000, False, "expireat")


@command("pexpireat", -3, "write fast", keys=(1, 1, 1), acl_categories=("keyspace",))
def pexpireat(client: Client, argv: list[bytes]) -> bytes:
    return _expire(client, argv, 1, False, "pexpireat")


def _ttl(client: Client, key: bytes, in_ms: bool, absolute: bool) -> bytes:
    """expire.c: ttlGenericCommand(): -2 no key, -1 no expiry."""
    db = client.db
    if db.get(key) is None:
        return reply.integer(-2)
    when = db.ttl_ms(key)
    if when is None:
        return reply.integer(-1)
    ttl = when if absolute else when - db.keyspace.now_ms()
    if ttl < 0:
        ttl = 0  # a logically expired key seen through the master's eyes
    return reply.integer(ttl if in_ms else (ttl + 500) // 1000)


@command("ttl", 2, "readonly fast", keys=(1, 1, 1), acl_categories=("keyspace",),
         tips=("nondeterministic_output",))  # fmt: skip
def ttl(client: Client, argv: list[bytes]) -> bytes:
    return _ttl(client, argv[1], in_ms=False, absolute=False)


@command("pttl", 2, "readonly fast", keys=(1, 1, 1), acl_categories=("keyspace",),
         tips=("nondeterministic_output",))  # fmt: skip
def pttl(client: Client, argv: list[bytes]) -> bytes:
    return _ttl(client, argv[1], in_ms=True, absolute=False)


@command("expiretime", 2, "readonly fast", keys=(1, 1, 1), acl_categories=("keyspace",))
def expiretime(client: Client, argv: list[bytes]) -> bytes:
    return _ttl(client, argv[1], in_ms=False, absolute=True)


@command("pexpiretime", 2, "readonly fast", keys=(1, 1, 1), acl_categories=("keyspace",))
def pexpiretime(client: Client, argv: list[bytes]) -> bytes:
    return _ttl(client, argv[1], in_ms=True, absolute=True)


@command("persist", 2, "write fast", keys=(1, 1, 1), acl_categories=("keyspace",))
def persist(client: Client, argv: list[bytes]) -> bytes:
    """expire.c: persistCommand(); propagated only when a TTL was removed."""
    db = client.db
    if db.get_for_write(argv[1]) is None:
        return reply.ZERO
    if not db.persist(argv[1]):
        return reply.ZERO
    notify(client.server, NOTIFY_GENERIC, b"persist", argv[1], db.id)
    client.server.propagate(db, argv)
    return reply.ONE
