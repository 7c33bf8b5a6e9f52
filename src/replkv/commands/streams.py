"""Stream commands (t_stream.c): XADD, XTRIM, XDEL, XLEN, XRANGE, XREVRANGE, XSETID, XREAD.

Events are Redis 7.0's: XADD propagates with the id it assigned in place of `*` or
`<ms>-*`; an approximate trim (`~`) is rewritten as an exact one (`=`) to the length
or first id it left (streamRewriteApproxSpecifier(), streamRewriteTrimArgument()),
so a replica or a replay removes exactly what the master removed. XTRIM and XDEL
propagate as sent when they removed something; XSETID always.

Notifications are t_stream.c's: `xadd` (then `xtrim` when XADD's trim removed
entries), `xtrim`, `xdel`, `xsetid`.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int
from replkv.commands.streamblock import (
    BLOCKED_DEFAULT_COUNT,
    StreamServe,
    block_on_streams,
    keyed,
    may_block,
    parse_read_options,
    served_reply,
    streams_reply,
)
from replkv.commands.streamreply import (
    INVALID_ID,
    entries_reply,
    get_stream,
    get_stream_for_write,
    parse_id_or_error,
    parse_strict_id,
)
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.keyspace.database import Database
from replkv.keyspace.stream import MAX_ID, UINT64_MAX, Stream, format_id, parse_id
from replkv.keyspace.streamnodes import LISTPACK_MAX_SIZE, Fields
from replkv.notify import NOTIFY_STREAM, notify

MAXLEN_AND_MINID = errors.err(
    "syntax error, MAXLEN and MINID options at the same time are not compatible"
)
MAXLEN_NEGATIVE = errors.err("The MAXLEN argument must be >= 0.")
LIMIT_NEGATIVE = errors.err("The LIMIT argument must be >= 0.")
LIMIT_WITHOUT_STRATEGY = errors.err(
    "syntax error, LIMIT cannot be used without specifying a trimming strategy"
)
XTRIM_WITHOUT_STRATEGY = errors.err("syntax error, XTRIM must be called with a trimming strategy")
LIMIT_WITHOUT_APPROX = errors.err("syntax error, LIMIT cannot be used without the special ~ option")
ID_ZERO = errors.err("The ID specified in XADD must be greater than 0-0")
ID_EXHAUSTED = errors.err("The stream has exhausted the last possible ID, unable to add more items")
ID_TOO_SMALL = errors.err(
    "The ID specified in XADD is equal or smaller than the target stream top item"
)
TOO_LARGE = errors.err("Elements are too large to be stored")
START_INVALID = errors.err("invalid start ID for the interval")
END_INVALID = errors.err("invalid end ID for the interval")
XSETID_BELOW_TOP = errors.err(
    "The ID specified in XSETID is smaller than the target stream top item"
)
XSETID_ENTRIES_ADDED = errors.err(
    "The entries_added specified in XSETID is smaller than the target stream length"
)
ENTRIES_ADDED_NEGATIVE = errors.err("entries_added must be positive")
XSETID_BELOW_GIVEN_DELETED = errors.err(
    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
)
GT_ONLY_XREADGROUP = errors.err(
    "The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
    "<consumer> option."
)

STREAM = dict(group="stream")
TRIM_NONE = 0
TRIM_MAXLEN = 1
TRIM_MINID = 2


# -- ids -------------------------------------------------------------------------------


def incr_id(sid: int) -> int | None:
    """streamIncrID(): the next id, None past the last one."""
    return None if sid == MAX_ID else sid + 1


def _node_limits(client: Client) -> tuple[int, int]:
    config = client.server.config
    return config.stream_node_max_entries, config.stream_node_max_bytes


# -- XADD / XTRIM options ----------------------------------------------------------------


class TrimArgs:
    """streamAddTrimArgs: what XADD and XTRIM were asked to do."""

    __slots__ = (
        "id",
        "id_given",
        "seq_given",
        "no_mkstream",
        "strategy",
        "arg_index",
        "approx",
        "limit",
        "maxlen",
        "minid",
        "id_index",
    )

    def __init__(self) -> None:
        self.id = 0
        self.id_given = False
        self.seq_given = True
        self.no_mkstream = False
        self.strategy = TRIM_NONE
        self.arg_index = 0
        self.approx = False
        self.limit = 0
        self.maxlen = 0
        self.minid = 0
        self.id_index = 0


def parse_add_or_trim(client: Client, argv: list[bytes], xadd: bool) -> TrimArgs:
    """streamParseAddOrTrimArgsOrReply(): options, and for XADD where the id is."""
    args = TrimArgs()
    count = len(argv)
    limit_given = False
    i = 2
    while i < count:
        more = count - 1 - i
        opt = argv[i]
        if xadd and opt == b"*":
            break  # the common case: an automatic id
        lower = opt.lower()
        if (lower == b"maxlen" or lower == b"minid") and more:
            if args.strategy != TRIM_NONE:
                raise CommandError(MAXLEN_AND_MINID)
            args.approx = False
            following = argv[i + 1]
            if more >= 2 and following == b"~":
                args.approx = True
                i += 1
            elif more >= 2 and following == b"=":
                i += 1
            if lower == b"maxlen":
                args.maxlen = parse_int(argv[i + 1])
                if args.maxlen < 0:
                    raise CommandError(MAXLEN_NEGATIVE)
                args.strategy = TRIM_MAXLEN
            else:
                args.minid = parse_strict_id(argv[i + 1])
                args.strategy = TRIM_MINID
            i += 1
            args.arg_index = i
        elif lower == b"limit" and more:
            args.limit = parse_int(argv[i + 1])
            if args.limit < 0:
                raise CommandError(LIMIT_NEGATIVE)
            limit_given = True
            i += 1
        elif xadd and lower == b"nomkstream":
            args.no_mkstream = True
        elif xadd:
            parsed = parse_id(opt, 0, strict=True, seq_star=True)
            if parsed is None:
                raise CommandError(INVALID_ID)
            args.id, args.seq_given = parsed
            args.id_given = True
            break
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    args.id_index = i
    if args.limit and args.strategy == TRIM_NONE:
        raise CommandError(LIMIT_WITHOUT_STRATEGY)
    if not xadd and args.strategy == TRIM_NONE:
        raise CommandError(XTRIM_WITHOUT_STRATEGY)
    if client.is_master_link:
        args.limit = 0  # the master's trims were rewritten exact
    elif limit_given:
        if not args.approx:
            raise CommandError(LIMIT_WITHOUT_APPROX)
    elif args.approx:
        args.limit = 100 * client.server.config.stream_node_max_entries
    else:
        args.limit = 0
    return args


def _trim(stream: Stream, args: TrimArgs) -> int:
    minid = args.minid if args.strategy == TRIM_MINID else None
    return stream.trim(args.maxlen, minid, args.approx, args.limit)


def _rewrite_trim(event: list[bytes], stream: Stream, args: TrimArgs) -> None:
    """streamRewriteApproxSpecifier() and streamRewriteTrimArgument(): `~ n` becomes
    `= <length left>` (MAXLEN) or `= <first id held>` (MINID, tombstones included)."""
    event[args.arg_index - 1] = b"="
    if args.strategy == TRIM_MAXLEN:
        event[args.arg_index] = b"%d" % len(stream)
    else:
        first = stream.first_node_id()
        event[args.arg_index] = format_id(MAX_ID if first is None else first)


# -- XADD ------------------------------------------------------------------------------


@command("xadd", -5, "write denyoom fast", keys=(1, 1, 1), **STREAM,
         tips=("nondeterministic_output",),
         summary="Appends a new entry to a stream", since="5.0.0")  # fmt: skip
def xadd(client: Client, argv: list[bytes]) -> bytes:
    if argv[2] != b"*":
        return _xadd(client, argv, parse_add_or_trim(client, argv, True))
    # The common case, XADD key * field value ...: no options, an automatic id.
    count = len(argv)
    if count < 5 or not count & 1:
        raise CommandError(errors.wrong_arity("xadd"))
    key = argv[1]
    db = client.db
    stream = db.get_for_write(key)
    if stream is None:
        stream = Stream()
        db.store(key, stream)
    elif type(stream) is not Stream:
        return errors.WRONGTYPE
    last = stream.last_id
    if last == MAX_ID:
        return ID_EXHAUSTED
    ms = db.keyspace.now_ms()
    if ms > last >> 64:
        sid = ms << 64
        idtext = b"%d-0" % ms
    else:
        sid = last + 1
        idtext = b"%d-%d" % (sid >> 64, sid & UINT64_MAX)
    fields = (argv[3], argv[4]) if count == 5 else tuple(argv[3:])
    if count > 5 or len(argv[3]) + len(argv[4]) > LISTPACK_MAX_SIZE:
        total = 0
        for part in fields:
            total += len(part)
        if total > LISTPACK_MAX_SIZE:
            return TOO_LARGE
    config = client.server.config
    stream.append(sid, fields, config.stream_node_max_entries, config.stream_node_max_bytes)
    db.modified(key)
    server = client.server
    notify(server, NOTIFY_STREAM, b"xadd", key, db.id)
    server.propagate(db, [argv[0], key, idtext, *fields])
    if db.blocking:
        db.signal_ready(key)
    return b"$%d\r\n%b\r\n" % (len(idtext), idtext)


def _xadd(client: Client, argv: list[bytes], args: TrimArgs) -> bytes:
    """xaddCommand() with its options parsed."""
    idpos = args.id_index
    fieldpos = idpos + 1
    nfields = len(argv) - fieldpos
    if nfields < 2 or nfields & 1:
        raise CommandError(errors.wrong_arity("xadd"))
    if args.id_given and args.seq_given and args.id == 0:
        return ID_ZERO
    key = argv[1]
    db = client.db
    stream = get_stream_for_write(client, key)
    if stream is None:
        if args.no_mkstream:
            return client.null
        stream = Stream()
        db.store(key, stream)
    last = stream.last_id
    if last == MAX_ID:
        return ID_EXHAUSTED
    # streamAppendItem(): pick or check the id.
    if not args.id_given:
        ms = db.keyspace.now_ms()
        if ms > last >> 64:
            sid = ms << 64
        else:
            sid = last + 1
    elif args.seq_given:
        sid = args.id
        if sid <= last:
            return ID_TOO_SMALL
    elif args.id >> 64 == last >> 64:
        if last & UINT64_MAX == UINT64_MAX:
            return TOO_LARGE  # 7.0 reports the sequence overflow so
        sid = last + 1
    else:
        sid = args.id
        if sid <= last:
            return ID_TOO_SMALL
    fields = tuple(argv[fieldpos:])
    total = 0
    for part in fields:
        total += len(part)
    if total > LISTPACK_MAX_SIZE:
        return TOO_LARGE
    max_entries, max_bytes = _node_limits(client)
    stream.append(sid, fields, max_entries, max_bytes)
    idtext = b"%d-%d" % (sid >> 64, sid & UINT64_MAX)
    server = client.server
    db.modified(key)
    notify(server, NOTIFY_STREAM, b"xadd", key, db.id)
    event = list(argv)
    if args.strategy != TRIM_NONE:
        if _trim(stream, args):
            notify(server, NOTIFY_STREAM, b"xtrim", key, db.id)
        if args.approx:
            _rewrite_trim(event, stream, args)
    if not args.id_given or not args.seq_given:
        event[idpos] = idtext
    server.propagate(db, event)
    db.signal_ready(key)
    return b"$%d\r\n%b\r\n" % (len(idtext), idtext)


# -- XTRIM, XDEL, XSETID ---------------------------------------------------------------


@command("xtrim", -4, "write", keys=(1, 1, 1), **STREAM, tips=("nondeterministic_output",),
         summary="Deletes messages from the beginning of a stream.",
         since="5.0.0")  # fmt: skip
def xtrim(client: Client, argv: list[bytes]) -> bytes:
    args = parse_add_or_trim(client, argv, False)
    key = argv[1]
    stream = get_stream_for_write(client, key)
    if stream is None:
        return reply.ZERO
    removed = _trim(stream, args)
    if removed:
        db = client.db
        notify(client.server, NOTIFY_STREAM, b"xtrim", key, db.id)
        event = argv
        if args.approx:
            event = list(argv)
            _rewrite_trim(event, stream, args)
        db.modified(key)
        client.server.propagate(db, event)
    return reply.integer(removed)


@command("xdel", -3, "write fast", keys=(1, 1, 1), **STREAM,
         summary="Removes the specified entries from the stream. Returns the number of "
         "items actually deleted, that may be different from the number of IDs passed in "
         "case certain IDs do not exist.", since="5.0.0")  # fmt: skip
def xdel(client: Client, argv: list[bytes]) -> bytes:
    key = argv[1]
    stream = get_stream_for_write(client, key)
    if stream is None:
        return reply.ZERO
    ids = [parse_strict_id(arg) for arg in argv[2:]]
    deleted = 0
    first_gone = False
    for sid in ids:
        if stream.delete(sid):
            if sid == stream.first_id:
                first_gone = True
            if sid > stream.max_deleted_id:
                stream.max_deleted_id = sid
            deleted += 1
    if deleted:
        first = stream.first_entry_id()
        if first is None:
            stream.first_id = 0
        elif first_gone:
            stream.first_id = first
        db = client.db
        db.modified(key)
        notify(client.server, NOTIFY_STREAM, b"xdel", key, db.id)
        client.server.propagate(db, argv)
    return reply.integer(deleted)


@command("xsetid", -3, "write denyoom fast", keys=(1, 1, 1), **STREAM,
         summary="An internal command for replicating stream values",
         since="5.0.0")  # fmt: skip
def xsetid(client: Client, argv: list[bytes]) -> bytes:
    sid = parse_strict_id(argv[2])
    entries_added = -1
    max_deleted = 0
    i = 3
    count = len(argv)
    while i < count:
        option = argv[i].lower()
        if option == b"entriesadded" and i + 1 < count:
            entries_added = parse_int(argv[i + 1])
            if entries_added < 0:
                return ENTRIES_ADDED_NEGATIVE
        elif option == b"maxdeletedid" and i + 1 < count:
            max_deleted = parse_strict_id(argv[i + 1])
            if sid < max_deleted:
                return XSETID_BELOW_GIVEN_DELETED
        else:
            return errors.SYNTAX
        i += 2
    key = argv[1]
    stream = get_stream_for_write(client, key)
    if stream is None:
        return errors.NO_SUCH_KEY
    top = stream.last_entry_id()
    if top is not None:
        if sid < top:
            return XSETID_BELOW_TOP
        if entries_added != -1 and len(stream) > entries_added:
            return XSETID_ENTRIES_ADDED
    stream.last_id = sid
    if entries_added != -1:
        stream.entries_added = entries_added
    if max_deleted:
        stream.max_deleted_id = max_deleted
    db = client.db
    db.modified(key)
    notify(client.server, NOTIFY_STREAM, b"xsetid", key, db.id)
    client.server.propagate(db, argv)
    return reply.OK


# -- reads -----------------------------------------------------------------------------


@command("xlen", 2, "readonly fast", keys=(1, 1, 1), **STREAM,
         summary="Return the number of entries in a stream", since="5.0.0")  # fmt: skip
def xlen(client: Client, argv: list[bytes]) -> bytes:
    stream = get_stream(client, argv[1])
    return reply.integer(0 if stream is None else len(stream))


def _interval_id(arg: bytes, missing_seq: int) -> tuple[int, bool]:
    """streamParseIntervalIDOrReply(): the id and whether `(` excludes it."""
    if len(arg) > 1 and arg[:1] == b"(":
        return parse_strict_id(arg[1:], missing_seq), True
    return parse_id_or_error(arg, missing_seq), False


def range_items(
    stream: Stream, start: int, end: int, count: int, rev: bool
) -> list[tuple[int, Fields]]:
    """The entries from start to end (inclusive), at most count (0: all)."""
    entries = stream.entries
    found = []
    for sid in stream.ids_between(start, end, rev):
        found.append((sid, entries[sid]))
        if len(found) == count:
            break
    return found


def _xrange(client: Client, argv: list[bytes], rev: bool) -> bytes:
    """t_stream.c: xrangeGenericCommand()."""
    start_arg, end_arg = (argv[3], argv[2]) if rev else (argv[2], argv[3])
    start, exclusive = _interval_id(start_arg, 0)
    if exclusive:
        following = incr_id(start)
        if following is None:
            return START_INVALID
        start = following
    end, exclusive = _interval_id(end_arg, UINT64_MAX)
    if exclusive:
        if end == 0:
            return END_INVALID
        end -= 1
    count = -1
    j = 4
    while j < len(argv):
        if argv[j].lower() == b"count" and j + 1 < len(argv):
            count = max(parse_int(argv[j + 1]), 0)
            j += 2
        else:
            return errors.SYNTAX
    stream = get_stream(client, argv[1])
    if stream is None:
        return reply.EMPTY_ARRAY
    if count == 0:
        return reply.null_array(client.resp)
    return entries_reply(range_items(stream, start, end, max(count, 0), rev))


@command("xrange", -4, "readonly", keys=(1, 1, 1), **STREAM,
         summary="Return a range of elements in a stream, with IDs matching the specified "
         "IDs interval", since="5.0.0")  # fmt: skip
def xrange(client: Client, argv: list[bytes]) -> bytes:
    return _xrange(client, argv, False)


@command("xrevrange", -4, "readonly", keys=(1, 1, 1), **STREAM,
         summary="Return a range of elements in a stream, with IDs matching the specified "
         "IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
         since="5.0.0")  # fmt: skip
def xrevrange(client: Client, argv: list[bytes]) -> bytes:
    return _xrange(client, argv, True)


# -- XREAD -----------------------------------------------------------------------------


def _entries_after(stream: Stream, ids: list[int]) -> bytes:
    """The entries of ids (from Stream.ids_after()), as XREAD answers them."""
    entries = stream.entries
    return entries_reply([(sid, entries[sid]) for sid in ids])


def _serve_reader(after: dict[bytes, int], count: int) -> StreamServe:
    """The callback serving a blocked XREAD from one ready stream: entries after the id
    it waited from, once the stream's last id passed it."""

    def serve(client: Client, db: Database, key: bytes, stream: Stream) -> bytes | None:
        gt = after[key]
        if stream.last_id <= gt:
            return None
        return served_reply(client, key, _entries_after(stream, stream.ids_after(gt, count)))

    return serve


@command("xread", -4, "readonly blocking movablekeys", keys=(0, 0, 0), **STREAM,
         summary="Return never seen elements in multiple streams, with IDs greater than "
         "the ones reported by the caller for each stream. Can block.",
         since="5.0.0")  # fmt: skip
def xread(client: Client, argv: list[bytes]) -> bytes | None:
    options = parse_read_options(client, argv, False)
    keys = options.keys
    ids: list[int] = []
    for key, arg in zip(keys, options.ids, strict=True):
        stream = get_stream(client, key)
        if arg == b"$":
            ids.append(stream.last_id if stream is not None else 0)
        elif arg == b">":
            return GT_ONLY_XREADGROUP
        else:
            ids.append(parse_strict_id(arg))
    count = options.count
    resp = client.resp
    parts = []
    for key, gt in zip(keys, ids, strict=True):
        stream = get_stream(client, key)
        if stream is None:
            continue
        news = stream.ids_after(gt, count)
        if news:
            parts.append(keyed(key, _entries_after(stream, news), resp))
    if parts:
        return streams_reply(parts, resp)
    timeout = options.timeout
    if timeout != -1:
        if not may_block(client):
            return reply.null_array(client.resp)
        after: dict[bytes, int] = {}
        for key, gt in zip(keys, ids, strict=True):
            after.setdefault(key, gt)  # a key named twice waits from its first id
        serve = _serve_reader(after, count or BLOCKED_DEFAULT_COUNT)
        block_on_streams(client, list(keys), timeout, serve)
        return None
    return reply.null_array(client.resp)
