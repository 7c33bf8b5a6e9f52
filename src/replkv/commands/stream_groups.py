"""Stream consumer groups (t_stream.c, Redis 7.0): XGROUP, XREADGROUP, XACK, XPENDING,
XCLAIM, XAUTOCLAIM.

Events are Redis 7.0's:
- XGROUP and XACK propagate as sent when they changed something;
- XREADGROUP never propagates itself: each entry it delivers becomes
  `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID last-id`
  (streamPropagateXCLAIM()); with NOACK, a consumer it creates becomes
  `XGROUP CREATECONSUMER key group consumer` and the group's new last id
  `XGROUP SETID key group id ENTRIESREAD n` (7.0 sends SETID only with NOACK, so a
  replica's entries-read may differ from its master's, as with Redis);
- XCLAIM and XAUTOCLAIM propagate each claimed id in that XCLAIM form, and each
  pending id whose entry was deleted in the same form (the replica drops it, since
  the entry is missing there too); an XCLAIM that only moved LASTID forward becomes
  `XGROUP SETID`.
Consumers are created lazily as 7.0 does: XREADGROUP only when it serves something,
XCLAIM and XAUTOCLAIM only when they claim something.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from replkv import errors, reply
from replkv.blocking import ServeCallback
from replkv.commands.args import LLONG_MAX, parse_int
from replkv.commands.introspection import KEYS_PROCS
from replkv.commands.streamblock import (
    BLOCKED_DEFAULT_COUNT,
    keyed,
    may_block,
    parse_read_options,
    streams_reply,
)
from replkv.commands.streamreply import (
    entry_reply,
    entry_reply_with_text,
    get_stream,
    get_stream_for_write,
    id_reply,
    parse_id_or_error,
    parse_strict_id,
)
from replkv.commands.table import command, container, subcommand
from replkv.keyspace import stream_groups as groups
from replkv.keyspace.stream import (
    ENTRIES_READ_INVALID,
    MAX_ID,
    MIN_ID,
    UINT64_MAX,
    Consumer,
    ConsumerGroup,
    PendingEntry,
    Stream,
    format_id,
    parse_id,
)
from replkv.notify import NOTIFY_STREAM, notify

if TYPE_CHECKING:
    from replkv.client import Client
    from replkv.keyspace.database import Database

BUSYGROUP = b"-BUSYGROUP Consumer Group name already exists\r\n"
KEY_REQUIRED = errors.err(
    "The XGROUP subcommand requires the key to exist. Note that for CREATE you may "
    "want to use the MKSTREAM option to create an empty stream automatically."
)
ENTRIESREAD_RANGE = errors.err("value for ENTRIESREAD must be positive or -1")
DOLLAR_IN_GROUP = errors.err(
    "The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
    "of this consumer by specifying a proper ID, or use the > ID to get new messages. "
    "The $ ID would just return an empty result set."
)
INVALID_START = errors.err("invalid start ID for the interval")
INVALID_END = errors.err("invalid end ID for the interval")
XCLAIM_MINIDLE = errors.err("Invalid min-idle-time argument for XCLAIM")
XCLAIM_IDLE = errors.err("Invalid IDLE option argument for XCLAIM")
XCLAIM_TIME = errors.err("Invalid TIME option argument for XCLAIM")
XCLAIM_RETRYCOUNT = errors.err("Invalid RETRYCOUNT option argument for XCLAIM")
XAUTOCLAIM_MINIDLE = errors.err("Invalid min-idle-time argument for XAUTOCLAIM")
XAUTOCLAIM_COUNT = errors.err("COUNT must be > 0")
XAUTOCLAIM_MEMORY = errors.err(
    "Insufficient memory, failed allocating transient memory, COUNT too high."
)
KEY_GONE = b"-UNBLOCKED the stream key no longer exists\r\n"
GROUP_GONE = b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n"

# XAUTOCLAIM: COUNT's upper bound (LONG_MAX / max(sizeof(streamID), attempts_factor))
# and the largest deleted-ids buffer an allocation could plausibly give (the x86-64
# user address space); beyond it Redis's ztrymalloc() fails.
_AUTOCLAIM_MAX_COUNT = LLONG_MAX // 16
_AUTOCLAIM_MAX_BUFFER = 1 << 47
_AUTOCLAIM_ATTEMPTS_FACTOR = 10

XGROUP_HELP = [
    b"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CREATE <key> <groupname> <id|$> [option]",
    b"    Create a new consumer group. Options are:",
    b"    * MKSTREAM",
    b"      Create the empty stream if it does not exist.",
    b"    * ENTRIESREAD entries_read",
    b"      Set the group's entries_read counter (internal use).",
    b"CREATECONSUMER <key> <groupname> <consumer>",
    b"    Create a new consumer in the specified group.",
    b"DELCONSUMER <key> <groupname> <consumer>",
    b"    Remove the specified consumer.",
    b"DESTROY <key> <groupname>",
    b"    Remove the specified group.",
    b"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    b"    Set the current group ID and entries_read counter.",
    b"HELP",
    b"    Prints this help.",
]


# -- shared pieces -------------------------------------------------------------------


def _c_string(arg: bytes) -> bytes:
    """An argument as a C `%s` prints it: up to its first NUL."""
    return arg.split(b"\0", 1)[0]


def error_format(text: bytes) -> bytes:
    """addReplyErrorFormat(): one line, CR and LF turned into spaces."""
    return text.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"


def nogroup(key: bytes, group: bytes) -> bytes:
    """The XPENDING / XCLAIM / XAUTOCLAIM NOGROUP error."""
    return error_format(
        b"-NOGROUP No such key '%b' or consumer group '%b'" % (_c_string(key), _c_string(group))
    )


def nogroup_for_key(group: bytes, key: bytes) -> bytes:
    """The XGROUP / XINFO CONSUMERS NOGROUP error."""
    return error_format(
        b"-NOGROUP No such consumer group '%b' for key name '%b'"
        % (_c_string(group), _c_string(key))
    )


def subcommand_syntax_error(argv: list[bytes]) -> bytes:
    """addReplySubcommandSyntaxError()."""
    return error_format(
        b"-ERR unknown subcommand or wrong number of arguments for '%b'. Try %b HELP."
        % (_c_string(argv[1])[:128], argv[0].upper())
    )


def help_reply(lines: list[bytes]) -> bytes:
    """addReplyHelp(): status lines."""
    return reply.array([reply.simple(line) for line in lines])


def _interval_id(arg: bytes, missing_seq: int) -> tuple[int, bool]:
    """streamParseIntervalIDOrReply(): (id, exclusive) for `(id` or an id."""
    if len(arg) > 1 and arg[:1] == b"(":
        return parse_id_or_error(arg[1:], missing_seq, strict=True), True
    return parse_id_or_error(arg, missing_seq), False


def xclaim_event(
    key: bytes, group_name: bytes, id_arg: bytes, nack: PendingEntry, last_id: bytes
) -> bytes:
    """streamPropagateXCLAIM(): the idempotent XCLAIM that recreates a pending entry
    (last_id: the group's last id, as text), encoded: each delivery has one, and one
    formatting operation is the cheapest way to make it."""
    assert nack.consumer is not None
    consumer = nack.consumer.name
    time = b"%d" % nack.delivery_time
    count = nack.delivery_count
    retries = b"1" if count == 1 else b"%d" % count  # 1: every first delivery
    return _XCLAIM_EVENT % (
        len(key), key, len(group_name), group_name, len(consumer), consumer,
        len(id_arg), id_arg, len(time), time, len(retries), retries, len(last_id), last_id,
    )  # fmt: skip


# XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE JUSTID LASTID <id>
_XCLAIM_EVENT = (
    b"*14\r\n$6\r\nXCLAIM\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$1\r\n0\r\n"
    b"$%d\r\n%b\r\n$4\r\nTIME\r\n$%d\r\n%b\r\n$10\r\nRETRYCOUNT\r\n$%d\r\n%b\r\n"
    b"$5\r\nFORCE\r\n$6\r\nJUSTID\r\n$6\r\nLASTID\r\n$%d\r\n%b\r\n"
)


def _propagate_claim(
    client: Client,
    db: Database,
    key: bytes,
    group: ConsumerGroup,
    id_arg: bytes,
    nack: PendingEntry,
) -> None:
    """XCLAIM and XAUTOCLAIM's event for one claimed (or dropped) entry."""
    last = format_id(group.last_id)
    client.server.propagate_encoded(db, xclaim_event(key, group.name, id_arg, nack, last))


def setid_event(key: bytes, group_name: bytes, group: ConsumerGroup) -> list[bytes]:
    """streamPropagateGroupID()."""
    return [
        b"XGROUP",
        b"SETID",
        key,
        group_name,
        format_id(group.last_id),
        b"ENTRIESREAD",
        b"%d" % group.entries_read,
    ]


def _new_consumer(
    client: Client, db: Database, key: bytes, group: ConsumerGroup, name: bytes, now: int
) -> Consumer:
    """streamCreateConsumer() with its `xgroup-createconsumer` notification."""
    consumer = groups.create_consumer(group, name, now)
    notify(client.server, NOTIFY_STREAM, b"xgroup-createconsumer", key, db.id)
    return consumer


def _claiming_consumer(
    client: Client, key: bytes, group: ConsumerGroup, name: bytes, now: int
) -> Consumer:
    """streamLookupConsumer(SLC_DEFAULT) or streamCreateConsumer(): seen now."""
    consumer = group.consumers.get(name)
    if consumer is None:
        return _new_consumer(client, client.db, key, group, name, now)
    consumer.seen_time = now
    return consumer


# -- XGROUP --------------------------------------------------------------------------

container("xgroup", acl_categories=(), group="stream", since="5.0.0",
          summary="A container for consumer groups commands")  # fmt: skip


def xgroup_command(client: Client, argv: list[bytes]) -> bytes:
    """t_stream.c: xgroupCommand(), after the subcommand's arity was checked."""
    opt = argv[1].lower()
    argc = len(argv)
    if argc == 2:
        if opt == b"help":
            return help_reply(XGROUP_HELP)
        return subcommand_syntax_error(argv)
    key, name = argv[2], argv[3]
    mkstream = False
    entries_read = ENTRIES_READ_INVALID
    is_create = opt == b"create"
    is_setid = opt == b"setid"
    i = 5
    while i < argc:
        option = argv[i].lower()
        if is_create and option == b"mkstream":
            mkstream = True
            i += 1
        elif (is_create or is_setid) and option == b"entriesread" and i + 1 < argc:
            entries_read = parse_int(argv[i + 1])
            if entries_read < 0 and entries_read != ENTRIES_READ_INVALID:
                return ENTRIESREAD_RANGE
            i += 2
        else:
            return subcommand_syntax_error(argv)
    db = client.db
    stream = get_stream_for_write(client, key)
    group: ConsumerGroup | None = None
    if not mkstream:
        if stream is None:
            return KEY_REQUIRED
        group = stream.groups.get(name)
        if group is None and opt in (b"setid", b"createconsumer", b"delconsumer"):
            return nogroup_for_key(name, key)
    server = client.server
    if is_create and 5 <= argc <= 8:
        if argv[4] == b"$":
            sid = stream.last_id if stream is not None else MIN_ID
        else:
            sid = parse_strict_id(argv[4])
        if stream is None:
            stream = Stream()
            db.store(key, stream)
        if name in stream.groups:
            return BUSYGROUP
        stream.groups[name] = ConsumerGroup(name, sid, entries_read)
        server.propagate(db, argv)
        notify(server, NOTIFY_STREAM, b"xgroup-create", key, db.id)
        return reply.OK
    assert stream is not None
    if is_setid and argc in (5, 7):
        assert group is not None
        sid = stream.last_id if argv[4] == b"$" else parse_id_or_error(argv[4], 0)
        group.last_id = sid
        group.entries_read = entries_read
        server.propagate(db, argv)
        notify(server, NOTIFY_STREAM, b"xgroup-setid", key, db.id)
        return reply.OK
    if opt == b"destroy" and argc == 4:
        if group is None:
            return reply.ZERO
        del stream.groups[name]
        server.propagate(db, argv)
        notify(server, NOTIFY_STREAM, b"xgroup-destroy", key, db.id)
        db.signal_ready(key)  # its blocked XREADGROUP clients get NOGROUP
        return reply.ONE
    if opt == b"createconsumer" and argc == 5:
        assert group is not None
        if argv[4] in group.consumers:
            return reply.ZERO
        _new_consumer(client, db, key, group, argv[4], db.keyspace.now_ms())
        server.propagate(db, argv)
        return reply.ONE
    if opt == b"delconsumer" and argc == 5:
        assert group is not None
        consumer = group.consumers.get(argv[4])
        if consumer is None:
            return reply.ZERO
        pending = groups.delete_consumer(group, consumer)
        server.propagate(db, argv)
        notify(server, NOTIFY_STREAM, b"xgroup-delconsumer", key, db.id)
        return reply.integer(pending)
    return subcommand_syntax_error(argv)


subcommand("xgroup", "create", -5, "write denyoom", keys=(2, 2, 1), group="stream")(xgroup_command)
subcommand("xgroup", "setid", -5, "write", keys=(2, 2, 1), group="stream")(xgroup_command)
subcommand("xgroup", "destroy", 4, "write", keys=(2, 2, 1), group="stream")(xgroup_command)
subcommand("xgroup", "createconsumer", 5, "write denyoom", keys=(2, 2, 1), group="stream")(
    xgroup_command
)
subcommand("xgroup", "delconsumer", 5, "write", keys=(2, 2, 1), group="stream")(xgroup_command)
subcommand("xgroup", "help", 2, "loading stale", group="stream")(xgroup_command)


# -- XREADGROUP ----------------------------------------------------------------------


class ReadGroupRequest:
    """A parsed XREADGROUP: what a blocked client needs to be served later."""

    __slots__ = ("group_name", "consumer_name", "count", "noack")

    def __init__(self, group_name: bytes, consumer_name: bytes, count: int, noack: bool) -> None:
        self.group_name = group_name
        self.consumer_name = consumer_name
        self.count = count
        self.noack = noack


def deliver_new(
    client: Client,
    db: Database,
    key: bytes,
    stream: Stream,
    group: ConsumerGroup,
    consumer: Consumer,
    ids: list[int],
    noack: bool,
    now: int,
) -> bytes:
    """streamReplyWithRange() with a group: the entries `ids` (from Stream.ids_after()),
    each made pending for consumer (unless noack), delivered at `now`, and propagated
    as XCLAIM."""
    server = client.server
    parts: list[bytes] = []
    propagate_last_id = False
    group_name = group.name
    entries = stream.entries
    for sid in ids:
        idtext = b"%d-%d" % (sid >> 64, sid & UINT64_MAX)
        if sid > group.last_id:
            groups.advance_group(stream, group, sid)
            if noack:
                propagate_last_id = True
        parts.append(entry_reply_with_text(idtext, entries[sid]))
        if not noack:
            nack = groups.deliver(group, consumer, sid, now)
            last = idtext if group.last_id == sid else format_id(group.last_id)
            server.propagate_encoded(db, xclaim_event(key, group_name, idtext, nack, last))
    if propagate_last_id:
        server.propagate(db, setid_event(key, group_name, group))
    if len(parts) == 1:
        return b"*1\r\n" + parts[0]
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


def deliver_history(stream: Stream, consumer: Consumer, after: int, count: int, now: int) -> bytes:
    """streamReplyWithRangeFromConsumerPEL(): the consumer's own pending entries after
    `after`, delivered again at `now`; a deleted entry comes back with a null field
    list. Not propagated."""
    start = after + 1 if after < MAX_ID else MAX_ID
    parts: list[bytes] = []
    for sid in consumer.pel.irange(start):
        if count and len(parts) >= count:
            break
        fields = stream.entries.get(sid)
        if fields is None:
            parts.append(entry_reply(sid, None))
            continue
        nack = consumer.pel[sid]
        nack.delivery_time = now
        nack.delivery_count += 1
        parts.append(entry_reply(sid, fields))
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


@command("xreadgroup", -7, "write blocking movablekeys", group="stream")
def xreadgroup(client: Client, argv: list[bytes]) -> bytes | None:
    """t_stream.c: xreadCommand() as XREADGROUP."""
    options = parse_read_options(client, argv, True)
    group_name = options.group
    assert group_name is not None
    consumer_name = options.consumer
    noack = options.noack
    count = options.count
    keys = options.keys
    # Every stream, group and id is checked before any is served. `>` is read as the
    # largest id, and that id given explicitly also means `>`, as in Redis.
    targets: list[tuple[bytes, Stream, ConsumerGroup, int]] = []
    # parse_read_options() made keys and ids the same length.
    for key, id_arg in zip(keys, options.ids, strict=False):
        stream = get_stream(client, key)
        group = stream.groups.get(group_name) if stream is not None else None
        if stream is None or group is None:
            return error_format(
                b"-NOGROUP No such key '%b' or consumer group '%b' in XREADGROUP with GROUP "
                b"option" % (_c_string(key), _c_string(group_name))
            )
        if id_arg == b">":
            targets.append((key, stream, group, MAX_ID))
        elif id_arg == b"$":
            return DOLLAR_IN_GROUP
        else:
            targets.append((key, stream, group, parse_strict_id(id_arg)))
    db = client.db
    now = db.keyspace.now_ms()
    resp = client.resp
    parts: list[bytes] = []
    for key, stream, group, gt in targets:
        if get_stream(client, key) is None:  # looked up again, as Redis does (stats)
            continue
        if gt == MAX_ID:
            ids = stream.ids_after(group.last_id, count)
            if not ids:
                continue  # nothing the group was not given: no consumer is made
            consumer = _reading_consumer(client, db, key, group, consumer_name, noack, now)
            entries = deliver_new(client, db, key, stream, group, consumer, ids, noack, now)
        else:
            consumer = _reading_consumer(client, db, key, group, consumer_name, noack, now)
            entries = deliver_history(stream, consumer, gt, count, now)
        parts.append(keyed(key, entries, resp))
    if parts:
        return streams_reply(parts, resp)
    timeout = options.timeout
    if timeout != -1:
        if not may_block(client):
            return reply.null_array(client.resp)
        request = ReadGroupRequest(group_name, consumer_name, count or BLOCKED_DEFAULT_COUNT, noack)
        client.server.blocking.block(
            client,
            keys,
            timeout,
            _serve_blocked(request),
            reply.null_array(client.resp),
            serve_missing=True,
        )
        return None
    return reply.null_array(client.resp)


def xread_key_positions(argv: list[bytes]) -> list[int]:
    """db.c: xreadGetKeys(): the keys after the STREAMS option, half of what follows."""
    streams_pos = -1
    i = 1
    while i < len(argv):
        option = argv[i].lower()
        if option in (b"block", b"count"):
            i += 1
        elif option == b"group":
            i += 2
        elif option == b"noack":
            pass
        elif option == b"streams":
            streams_pos = i
            break
        else:
            break
        i += 1
    num = len(argv) - streams_pos - 1
    if streams_pos == -1 or num == 0 or num % 2:
        return []
    return list(range(streams_pos + 1, streams_pos + 1 + num // 2))


KEYS_PROCS["xreadgroup"] = xread_key_positions


def _reading_consumer(
    client: Client,
    db: Database,
    key: bytes,
    group: ConsumerGroup,
    name: bytes,
    noack: bool,
    now: int,
) -> Consumer:
    """XREADGROUP's consumer, created (and, with NOACK, propagated) if new; seen now."""
    consumer = group.consumers.get(name)
    if consumer is None:
        consumer = _new_consumer(client, db, key, group, name, now)
        if noack:
            client.server.propagate(db, [b"XGROUP", b"CREATECONSUMER", key, group.name, name])
        return consumer
    consumer.seen_time = now
    return consumer


def _serve_blocked(request: ReadGroupRequest) -> ServeCallback:
    """The callback serving a client blocked in XREADGROUP from a ready key
    (blocked.c: serveClientsBlockedOnStreamKey())."""

    def serve(client: Client, db: Database, key: bytes) -> bytes | None:
        stream = db.get_for_write(key)
        if type(stream) is not Stream:
            return KEY_GONE  # deleted, or overwritten by another type
        group = stream.groups.get(request.group_name)
        if group is None:
            return GROUP_GONE
        if stream.last_id <= group.last_id:
            return None
        now = db.keyspace.now_ms()
        noack = request.noack
        consumer = _reading_consumer(client, db, key, group, request.consumer_name, noack, now)
        ids = stream.ids_after(group.last_id, request.count)
        entries = deliver_new(client, db, key, stream, group, consumer, ids, noack, now)
        if client.resp == 2:
            return b"*1\r\n*2\r\n" + reply.bulk(key) + entries
        return b"%1\r\n" + reply.bulk(key) + entries

    return serve


# -- XACK ----------------------------------------------------------------------------


@command("xack", -4, "write fast", keys=(1, 1, 1), group="stream")
def xack(client: Client, argv: list[bytes]) -> bytes:
    """t_stream.c: xackCommand(): every id is parsed before any is acknowledged."""
    stream = get_stream(client, argv[1])
    group = stream.groups.get(argv[2]) if stream is not None else None
    if group is None:
        return reply.ZERO
    ids = [parse_strict_id(arg) for arg in argv[3:]]
    acknowledged = sum(1 for sid in ids if groups.acknowledge(group, sid))
    if acknowledged:
        client.server.propagate(client.db, argv)
    return reply.integer(acknowledged)


# -- XPENDING ------------------------------------------------------------------------


@command("xpending", -3, "readonly", keys=(1, 1, 1), tips=("nondeterministic_output",),
         group="stream")  # fmt: skip
def xpending(client: Client, argv: list[bytes]) -> bytes:
    """t_stream.c: xpendingCommand()."""
    argc = len(argv)
    if argc != 3 and (argc < 6 or argc > 9):
        return errors.SYNTAX
    min_idle = 0
    count = 0
    start = MIN_ID
    end = MAX_ID
    consumer_name: bytes | None = None
    if argc >= 6:
        index = 3
        if argv[3].lower() == b"idle":
            min_idle = parse_int(argv[4])
            if argc < 8:
                return errors.SYNTAX
            index += 2
        count = max(parse_int(argv[index + 2]), 0)
        start, start_ex = _interval_id(argv[index], 0)
        if start_ex:
            if start == MAX_ID:
                return INVALID_START
            start += 1
        end, end_ex = _interval_id(argv[index + 1], UINT64_MAX)
        if end_ex:
            if end == MIN_ID:
                return INVALID_END
            end -= 1
        if index + 3 < argc:
            consumer_name = argv[index + 3]
    stream = get_stream(client, argv[1])
    group = stream.groups.get(argv[2]) if stream is not None else None
    if group is None:
        return nogroup(argv[1], argv[2])
    resp = client.resp
    if argc == 3:
        pel = group.pel
        if not pel:
            return b"*4\r\n:0\r\n" + reply.null(resp) + reply.null(resp) + reply.null_array(resp)
        owners = []
        for name in groups.sorted_names(group.consumers):
            pending = len(group.consumers[name].pel)
            if pending:
                owners.append(b"*2\r\n" + reply.bulk(name) + reply.bulk(b"%d" % pending))
        return b"".join(
            [
                b"*4\r\n",
                reply.integer(len(pel)),
                id_reply(pel.first() or MIN_ID),
                id_reply(pel.last() or MIN_ID),
                b"*%d\r\n" % len(owners),
                *owners,
            ]
        )
    if consumer_name is not None:
        consumer = group.consumers.get(consumer_name)
        if consumer is None:
            return reply.EMPTY_ARRAY
        pel = consumer.pel
    else:
        pel = group.pel
    now = client.db.keyspace.now_ms()
    parts: list[bytes] = []
    if count and start <= end:
        for sid in pel.irange(start, end):
            nack = pel[sid]
            idle = now - nack.delivery_time
            if min_idle and idle < min_idle:
                continue
            parts.append(
                b"*4\r\n"
                + id_reply(sid)
                + reply.bulk(nack.consumer.name)
                + reply.integer(max(idle, 0))
                + reply.integer(nack.delivery_count)
            )
            if len(parts) == count:
                break
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


# -- XCLAIM --------------------------------------------------------------------------


@command("xclaim", -6, "write fast", keys=(1, 1, 1), tips=("nondeterministic_output",),
         group="stream")  # fmt: skip
def xclaim(client: Client, argv: list[bytes]) -> bytes:
    """t_stream.c: xclaimCommand()."""
    key, group_name = argv[1], argv[2]
    stream = get_stream(client, key)
    group = stream.groups.get(group_name) if stream is not None else None
    if stream is None or group is None:
        return nogroup(key, group_name)
    min_idle = max(parse_int(argv[4], XCLAIM_MINIDLE), 0)
    argc = len(argv)
    ids: list[int] = []
    j = 5
    while j < argc:
        parsed = parse_id(argv[j], 0, strict=True)
        if parsed is None:
            break
        ids.append(parsed[0])
        j += 1
    db = client.db
    now = db.keyspace.now_ms()
    delivery_time = -1
    retry_count = -1
    force = justid = False
    last_id = MIN_ID
    while j < argc:
        moreargs = argc - 1 - j
        option = argv[j].lower()
        if option == b"force":
            force = True
        elif option == b"justid":
            justid = True
        elif option == b"idle" and moreargs:
            j += 1
            delivery_time = now - parse_int(argv[j], XCLAIM_IDLE)
        elif option == b"time" and moreargs:
            j += 1
            delivery_time = parse_int(argv[j], XCLAIM_TIME)
        elif option == b"retrycount" and moreargs:
            j += 1
            retry_count = parse_int(argv[j], XCLAIM_RETRYCOUNT)
        elif option == b"lastid" and moreargs:
            j += 1
            last_id = parse_strict_id(argv[j])
        else:
            return error_format(b"-ERR Unrecognized XCLAIM option '%b'" % _c_string(argv[j]))
        j += 1
    server = client.server
    propagate_last_id = False
    if last_id > group.last_id:
        group.last_id = last_id
        propagate_last_id = True
    if delivery_time == -1 or delivery_time < 0 or delivery_time > now:
        delivery_time = now
    consumer: Consumer | None = None
    parts: list[bytes] = []
    for index, sid in enumerate(ids):
        id_arg = argv[5 + index]
        nack = group.pel.get(sid)
        if not groups.entry_exists(stream, sid):
            if nack is not None:
                _propagate_claim(client, db, key, group, id_arg, nack)
                propagate_last_id = False
                groups.acknowledge(group, sid)
            continue
        if force and nack is None:
            nack = PendingEntry(now, 1, None)  # type: ignore[arg-type]
            group.pel[sid] = nack
        if nack is None:
            continue
        if nack.consumer is not None and min_idle and now - nack.delivery_time < min_idle:
            continue
        if consumer is None:
            consumer = _claiming_consumer(client, key, group, argv[3], now)
        groups.hand_over(group, nack, sid, consumer)
        nack.delivery_time = delivery_time
        if retry_count >= 0:
            nack.delivery_count = retry_count
        elif not justid:
            nack.delivery_count += 1
        parts.append(id_reply(sid) if justid else entry_reply(sid, stream.entries[sid]))
        _propagate_claim(client, db, key, group, id_arg, nack)
        propagate_last_id = False
    if propagate_last_id:
        server.propagate(db, setid_event(key, group_name, group))
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


# -- XAUTOCLAIM ----------------------------------------------------------------------


@command("xautoclaim", -6, "write fast", keys=(1, 1, 1), tips=("nondeterministic_output",),
         group="stream")  # fmt: skip
def xautoclaim(client: Client, argv: list[bytes]) -> bytes:
    """t_stream.c: xautoclaimCommand(): claim idle pending entries from a cursor on."""
    key, group_name = argv[1], argv[2]
    min_idle = max(parse_int(argv[4], XAUTOCLAIM_MINIDLE), 0)
    start, start_ex = _interval_id(argv[5], 0)
    if start_ex:
        if start == MAX_ID:
            return INVALID_START
        start += 1
    count = 100
    justid = False
    argc = len(argv)
    j = 6
    while j < argc:
        moreargs = argc - 1 - j
        option = argv[j].lower()
        if option == b"count" and moreargs:
            count = parse_int(argv[j + 1], XAUTOCLAIM_COUNT)
            if count < 1 or count > _AUTOCLAIM_MAX_COUNT:
                return XAUTOCLAIM_COUNT
            j += 1
        elif option == b"justid":
            justid = True
        else:
            return errors.SYNTAX
        j += 1
    stream = get_stream(client, key)
    group = stream.groups.get(group_name) if stream is not None else None
    if stream is None or group is None:
        return nogroup(key, group_name)
    if count * 16 > _AUTOCLAIM_MAX_BUFFER:
        return XAUTOCLAIM_MEMORY
    db = client.db
    now = db.keyspace.now_ms()
    attempts = count * _AUTOCLAIM_ATTEMPTS_FACTOR
    pel = group.pel
    # Acknowledging a deleted entry as the walk goes does not disturb it (pending.py).
    walk = pel.irange(start)
    sid = next(walk, None)
    consumer: Consumer | None = None
    parts: list[bytes] = []
    deleted: list[int] = []
    while attempts > 0 and count and sid is not None:
        attempts -= 1
        following = next(walk, None)
        nack = pel[sid]
        if not groups.entry_exists(stream, sid):
            _propagate_claim(client, db, key, group, format_id(sid), nack)
            groups.acknowledge(group, sid)
            deleted.append(sid)
            count -= 1
            sid = following
            continue
        if min_idle and now - nack.delivery_time < min_idle:
            sid = following
            continue
        if consumer is None:
            consumer = _claiming_consumer(client, key, group, argv[3], now)
        groups.hand_over(group, nack, sid, consumer)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        parts.append(id_reply(sid) if justid else entry_reply(sid, stream.entries[sid]))
        count -= 1
        _propagate_claim(client, db, key, group, format_id(sid), nack)
        sid = following
    cursor = MIN_ID if sid is None else sid
    return b"".join(
        [
            b"*3\r\n",
            id_reply(cursor),
            b"*%d\r\n" % len(parts),
            *parts,
            b"*%d\r\n" % len(deleted),
            *[id_reply(sid) for sid in deleted],
        ]
    )
