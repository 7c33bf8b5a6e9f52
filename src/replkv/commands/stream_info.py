"""XINFO STREAM, GROUPS, CONSUMERS and HELP (t_stream.c: xinfoCommand(), Redis 7.0)."""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

from replkv import errors, reply
from replkv.commands.args import parse_int
from replkv.commands.stream_groups import (
    help_reply,
    nogroup_for_key,
    subcommand_syntax_error,
)
from replkv.commands.streamreply import entries_reply, entry_reply, get_stream, id_reply
from replkv.commands.table import container, subcommand
from replkv.keyspace import stream_groups as groups
from replkv.keyspace.stream import ENTRIES_READ_INVALID, ConsumerGroup, Stream

if TYPE_CHECKING:
    from replkv.client import Client

XINFO_HELP = [
    b"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CONSUMERS <key> <groupname>",
    b"    Show consumers of <groupname>.",
    b"GROUPS <key>",
    b"    Show the stream consumer groups.",
    b"STREAM <key> [FULL [COUNT <count>]",
    b"    Show information about the stream.",
    b"HELP",
    b"    Prints this help.",
]
_DEFAULT_FULL_COUNT = 10

container("xinfo", acl_categories=(), group="stream", since="5.0.0",
          summary="A container for stream introspection commands")  # fmt: skip


def _field(name: bytes) -> bytes:
    return reply.bulk(name)


def _lag(stream: Stream, group: ConsumerGroup, resp: int) -> bytes:
    """streamReplyWithCGLag()."""
    lag = groups.group_lag(stream, group)
    return reply.null(resp) if lag is None else reply.integer(lag)


def _entries_read(group: ConsumerGroup, resp: int) -> bytes:
    if group.entries_read == ENTRIES_READ_INVALID:
        return reply.null(resp)
    return reply.integer(group.entries_read)


def _stream_header(stream: Stream, full: bool, resp: int) -> list[bytes]:
    """The fields XINFO STREAM and XINFO STREAM FULL share."""
    node_ids = stream.node_ids()
    return [
        reply.map_header(9 if full else 10, resp),
        _field(b"length"),
        reply.integer(len(stream.entries)),
        _field(b"radix-tree-keys"),
        reply.integer(len(node_ids)),
        _field(b"radix-tree-nodes"),
        reply.integer(groups.rax_nodes(node_ids)),
        _field(b"last-generated-id"),
        id_reply(stream.last_id),
        _field(b"max-deleted-entry-id"),
        id_reply(stream.max_deleted_id),
        _field(b"entries-added"),
        reply.integer(stream.entries_added),
        _field(b"recorded-first-entry-id"),
        id_reply(stream.first_id),
    ]


def _edge_entry(stream: Stream, last: bool, resp: int) -> bytes:
    sid = stream.last_entry_id() if last else stream.first_entry_id()
    if sid is None:
        return reply.null(resp)
    return entry_reply(sid, stream.entries[sid])


def _full_group(stream: Stream, group: ConsumerGroup, count: int, resp: int) -> bytes:
    """One group of XINFO STREAM FULL: its PEL and consumers, count items at most."""
    pel: list[bytes] = []
    for sid, nack in group.pel.items():
        if count and len(pel) >= count:
            break
        pel.append(
            b"*4\r\n"
            + id_reply(sid)
            + reply.bulk(nack.consumer.name)
            + reply.integer(nack.delivery_time)
            + reply.integer(nack.delivery_count)
        )
    consumers = []
    for name in groups.sorted_names(group.consumers):
        consumer = group.consumers[name]
        owned: list[bytes] = []
        for sid, nack in consumer.pel.items():
            if count and len(owned) >= count:
                break
            owned.append(
                b"*3\r\n"
                + id_reply(sid)
                + reply.integer(nack.delivery_time)
                + reply.integer(nack.delivery_count)
            )
        consumers.append(
            b"".join(
                [
                    reply.map_header(4, resp),
                    _field(b"name"),
                    reply.bulk(name),
                    _field(b"seen-time"),
                    reply.integer(consumer.seen_time),
                    _field(b"pel-count"),
                    reply.integer(len(consumer.pel)),
                    _field(b"pending"),
                    b"*%d\r\n" % len(owned),
                    *owned,
                ]
            )
        )
    return b"".join(
        [
            reply.map_header(7, resp),
            _field(b"name"),
            reply.bulk(group.name),
            _field(b"last-delivered-id"),
            id_reply(group.last_id),
            _field(b"entries-read"),
            _entries_read(group, resp),
            _field(b"lag"),
            _lag(stream, group, resp),
            _field(b"pel-count"),
            reply.integer(len(group.pel)),
            _field(b"pending"),
            b"*%d\r\n" % len(pel),
            *pel,
            _field(b"consumers"),
            b"*%d\r\n" % len(consumers),
            *consumers,
        ]
    )


def _stream_or_error(client: Client, key: bytes) -> Stream:
    """lookupKeyReadOrReply(shared.nokeyerr) and checkType()."""
    stream = get_stream(client, key)
    if stream is None:
        raise errors.CommandError(errors.NO_SUCH_KEY)
    return stream


@subcommand("xinfo", "stream", -3, "readonly", keys=(2, 2, 1), group="stream")
def xinfo_stream(client: Client, argv: list[bytes]) -> bytes:
    """xinfoReplyWithStreamInfo()."""
    stream = _stream_or_error(client, argv[2])
    options = argv[3:]
    resp = client.resp
    if not options:
        parts = _stream_header(stream, False, resp)
        parts += [
            _field(b"groups"),
            reply.integer(len(stream.groups)),
            _field(b"first-entry"),
            _edge_entry(stream, False, resp),
            _field(b"last-entry"),
            _edge_entry(stream, True, resp),
        ]
        return b"".join(parts)
    if len(options) not in (1, 3) or options[0].lower() != b"full":
        return subcommand_syntax_error(argv)
    count = _DEFAULT_FULL_COUNT
    if len(options) == 3:
        if options[1].lower() != b"count":
            return subcommand_syntax_error(argv)
        count = parse_int(options[2])
        if count < 0:
            count = _DEFAULT_FULL_COUNT
    parts = _stream_header(stream, True, resp)
    items = stream.entries.items()
    shown = items if not count else islice(items, count)
    parts += [_field(b"entries"), entries_reply(shown), _field(b"groups")]
    names = groups.sorted_names(stream.groups)
    parts.append(b"*%d\r\n" % len(names))
    parts += [_full_group(stream, stream.groups[name], count, resp) for name in names]
    return b"".join(parts)


@subcommand("xinfo", "groups", 3, "readonly", keys=(2, 2, 1), group="stream")
def xinfo_groups(client: Client, argv: list[bytes]) -> bytes:
    stream = _stream_or_error(client, argv[2])
    resp = client.resp
    parts = []
    for name in groups.sorted_names(stream.groups):
        group = stream.groups[name]
        parts.append(
            b"".join(
                [
                    reply.map_header(6, resp),
                    _field(b"name"),
                    reply.bulk(name),
                    _field(b"consumers"),
                    reply.integer(len(group.consumers)),
                    _field(b"pending"),
                    reply.integer(len(group.pel)),
                    _field(b"last-delivered-id"),
                    id_reply(group.last_id),
                    _field(b"entries-read"),
                    _entries_read(group, resp),
                    _field(b"lag"),
                    _lag(stream, group, resp),
                ]
            )
        )
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


@subcommand("xinfo", "consumers", 4, "readonly", keys=(2, 2, 1),
            tips=("nondeterministic_output",), group="stream")  # fmt: skip
def xinfo_consumers(client: Client, argv: list[bytes]) -> bytes:
    stream = _stream_or_error(client, argv[2])
    group = stream.groups.get(argv[3])
    if group is None:
        return nogroup_for_key(argv[3], argv[2])
    resp = client.resp
    now = client.db.keyspace.now_ms()
    parts = []
    for name in groups.sorted_names(group.consumers):
        consumer = group.consumers[name]
        parts.append(
            b"".join(
                [
                    reply.map_header(3, resp),
                    _field(b"name"),
                    reply.bulk(name),
                    _field(b"pending"),
                    reply.integer(len(consumer.pel)),
                    _field(b"idle"),
                    reply.integer(max(now - consumer.seen_time, 0)),
                ]
            )
        )
    return b"*%d\r\n%b" % (len(parts), b"".join(parts))


@subcommand("xinfo", "help", 2, "loading stale", group="stream")
def xinfo_help(client: Client, argv: list[bytes]) -> bytes:
    return help_reply(XINFO_HELP)
