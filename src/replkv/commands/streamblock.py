"""What XREAD and XREADGROUP share: their options (t_stream.c: xreadCommand()) and
blocking on streams (blocked.c: BLOCKED_STREAM).

A reader that finds nothing blocks with `block_on_streams()`, giving a callback that
is offered each stream key made ready: it gets the client, the database, the key and
the stream there, and returns the full reply to send (`served_reply()` builds the
one-stream reply Redis sends a served reader) or None to stay blocked. XADD calls
`Database.signal_ready()` after appending: a stream that already existed does not go
through Database.store(), which signals a key as it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from replkv import errors, reply
from replkv.blocking import TIMEOUT_NEGATIVE
from replkv.commands.args import parse_int
from replkv.errors import CommandError
from replkv.integers import LLONG_MAX, string_to_ll
from replkv.keyspace.stream import Stream

if TYPE_CHECKING:
    from replkv.client import Client
    from replkv.keyspace.database import Database

# (the blocked client, its database, the ready key, the stream there) -> reply or None.
StreamServe = Callable[["Client", "Database", bytes, Stream], "bytes | None"]

TIMEOUT_NOT_INTEGER = errors.err("timeout is not an integer or out of range")
# XREAD_BLOCKED_DEFAULT_COUNT: a blocked reader without COUNT gets at most this many.
BLOCKED_DEFAULT_COUNT = 1000
UNBALANCED = errors.err(
    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
)
GROUP_ONLY_XREADGROUP = errors.err(
    "The GROUP option is only supported by XREADGROUP. You called XREAD instead."
)
NOACK_ONLY_XREADGROUP = errors.err(
    "The NOACK option is only supported by XREADGROUP. You called XREAD instead."
)
MISSING_GROUP = errors.err("Missing GROUP option for XREADGROUP")


class ReadOptions:
    """XREAD's and XREADGROUP's options: the deadline (-1: no BLOCK, 0: forever), COUNT
    (0: none), the keys and their ids, and XREADGROUP's group, consumer and NOACK."""

    __slots__ = ("timeout", "count", "keys", "ids", "group", "consumer", "noack")

    def __init__(
        self,
        timeout: int,
        count: int,
        keys: list[bytes],
        ids: list[bytes],
        group: bytes | None,
        consumer: bytes,
        noack: bool,
    ) -> None:
        self.timeout = timeout
        self.count = count
        self.keys = keys
        self.ids = ids
        self.group = group
        self.consumer = consumer
        self.noack = noack


# The options as clients usually spell them, mapped to the spelling the loop compares.
_OPTION_NAMES = {
    spelling: name.lower()
    for name in (b"BLOCK", b"COUNT", b"STREAMS", b"GROUP", b"NOACK")
    for spelling in (name, name.lower())
}


def parse_read_options(client: Client, argv: list[bytes], xreadgroup: bool) -> ReadOptions:
    """xreadCommand()'s option loop, its errors in Redis's order (CommandError)."""
    argc = len(argv)
    names = _OPTION_NAMES
    if (
        argc == 9
        and xreadgroup
        and names.get(argv[1]) == b"group"
        and names.get(argv[4]) == b"count"
        and names.get(argv[6]) == b"streams"
    ):
        # The usual XREADGROUP GROUP g c COUNT n STREAMS key id, read in one step.
        count = string_to_ll(argv[5])
        if count is not None:
            return ReadOptions(-1, max(count, 0), [argv[7]], [argv[8]], argv[2], argv[3], False)
    timeout = -1
    count = 0
    group: bytes | None = None
    consumer = b""
    noack = False
    streams_arg = 0
    i = 1
    while i < argc:
        more = argc - i - 1
        option = names.get(argv[i]) or argv[i].lower()
        if option == b"block" and more:
            if client.kind == "lua":
                raise CommandError(
                    reply.error(
                        b"ERR %b command is not allowed with BLOCK option from scripts" % argv[0]
                    )
                )
            i += 1
            timeout = parse_timeout_ms(argv[i], client.db.keyspace.now_ms())
        elif option == b"count" and more:
            i += 1
            count = max(parse_int(argv[i]), 0)
        elif option == b"streams" and more:
            streams_arg = i + 1
            if (argc - streams_arg) % 2:
                raise CommandError(UNBALANCED)
            break
        elif option == b"group" and more >= 2:
            if not xreadgroup:
                raise CommandError(GROUP_ONLY_XREADGROUP)
            group = argv[i + 1]
            consumer = argv[i + 2]
            i += 2
        elif option == b"noack":
            if not xreadgroup:
                raise CommandError(NOACK_ONLY_XREADGROUP)
            noack = True
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    if not streams_arg:
        raise CommandError(errors.SYNTAX)
    if xreadgroup and group is None:
        raise CommandError(MISSING_GROUP)
    half = (argc - streams_arg) // 2
    keys = argv[streams_arg : streams_arg + half]
    ids = argv[streams_arg + half :]
    return ReadOptions(timeout, count, keys, ids, group, consumer, noack)


def streams_reply(parts: list[bytes], resp: int) -> bytes:
    """A reader's reply, from each served stream's `keyed()` part: an array in RESP2, a
    map in RESP3."""
    if len(parts) == 1:  # the usual reader of one stream
        return (b"*1\r\n" if resp == 2 else b"%1\r\n") + parts[0]
    return (b"*%d\r\n" if resp == 2 else b"%%%d\r\n") % len(parts) + b"".join(parts)


def keyed(key: bytes, entries: bytes, resp: int) -> bytes:
    """One stream of a reader's reply: [key, entries] in RESP2, a map entry in RESP3."""
    if resp == 2:
        return b"*2\r\n$%d\r\n%b\r\n%b" % (len(key), key, entries)
    return b"$%d\r\n%b\r\n%b" % (len(key), key, entries)


def parse_timeout_ms(arg: bytes, now_ms: int) -> int:
    """getTimeoutFromObjectOrReply() in milliseconds: the deadline, 0 for none."""
    value = string_to_ll(arg)
    if value is None:
        raise CommandError(TIMEOUT_NOT_INTEGER)
    if value < 0:
        raise CommandError(TIMEOUT_NEGATIVE)
    if value == 0 or value > LLONG_MAX - now_ms:
        return 0
    return value + now_ms


def may_block(client: Client) -> bool:
    """CLIENT_DENY_BLOCKING: inside MULTI/EXEC, scripts, the master's stream."""
    return client.multi is None and not client.is_master_link and not client.deny_blocking


def served_reply(client: Client, key: bytes, body: bytes) -> bytes:
    """A served reader's reply: the one stream that was ready."""
    return streams_reply([keyed(key, body, client.resp)], client.resp)


def block_on_streams(
    client: Client, keys: list[bytes], deadline_ms: int, serve: StreamServe
) -> None:
    """blockForKeys(BLOCKED_STREAM): wait until serve answers for one of keys, or the
    deadline (0: none) passes and the reader gets a null array."""

    def serve_key(blocked: Client, db: Database, key: bytes) -> bytes | None:
        value = db.data.get(key)
        if type(value) is not Stream:
            return None
        return serve(blocked, db, key, value)

    client.server.blocking.block(
        client, keys, deadline_ms, serve_key, reply.null_array(client.resp)
    )
