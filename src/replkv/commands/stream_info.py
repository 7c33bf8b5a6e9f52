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


def _map(pairs: list[tuple[bytes, bytes]], resp: int) -> bytes:
    """A map (an array of pairs in RESP2) of (field name, encoded value) pairs."""
    parts = [reply.map_header(len(pairs), resp)]
    for name, value in pairs:
        parts += (reply.bulk(name), value)
    return b"".join(parts)


def _array(items: list[bytes]) -> bytes:
    return b"*%d\r\n%b" % (len(items), b"".join(items))


def _lag(stream: Stream, group: ConsumerGroup, resp: int) -> bytes:
    """streamReplyWithCGLag()."""
    lag = groups.group_lag(stream, group)
    return reply.null(resp) if lag is None else reply.integer(lag)


def _entries_read(group: ConsumerGroup, resp: int) -> bytes:
    if group.entries_read == ENTRIES_READ_INVALID:
        return reply.null(resp)
    return reply.integer(group.entries_read)


def _stream_header(stream: Stream) -> list[tuple[bytes, bytes]]:
    """The fields XINFO STREAM and XINFO STREAM FULL share."""
    node_ids = stream.node_ids()
    return [
        (b"length", reply.integer(len(stream.entries))),
        (b"radix-tree-keys", reply.integer(len(node_ids))),
        (b"radix-tree-nodes", reply.integer(groups.rax_nodes(node_ids))),
        (b"last-generated-id", id_reply(stream.last_id)),
        (b"max-deleted-entry-id", id_reply(stream.max_deleted_id)),
        (b"entries-added", reply.integer(stream.entries_added)),
        (b"recorded-first-entry-id", id_reply(stream.first_id)),
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
            _map(
                [
                    (b"name", reply.bulk(name)),
                    (b"seen-time", reply.integer(consumer.seen_time)),
                    (b"pel-count", reply.integer(len(consumer.pel))),
                    (b"pending", _array(owned)),
                ],
                resp,
            )
        )
    return _map(
        [
            (b"name", reply.bulk(group.name)),
            (b"last-delivered-id", id_reply(group.last_id)),
            (b"entries-read", _entries_read(group, resp)),
            (b"lag", _lag(stream, group, resp)),
            (b"pel-count", reply.integer(len(group.pel))),
            (b"pending", _array(pel)),
            (b"consumers", _array(consumers)),
        ],
        resp,
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
        pairs = _stream_header(stream)
        pairs += [
            (b"groups", reply.integer(len(stream.groups))),
            (b"first-entry", _edge_entry(stream, False, resp)),
            (b"last-entry", _edge_entry(stream, True, resp)),
        ]
        return _map(pairs, resp)
    if len(options) not in (1, 3) or options[0].lower() != b"full":
        return subcommand_syntax_error(argv)
    count = _DEFAULT_FULL_COUNT
    if len(options) == 3:
        if options[1].lower() != b"count":
            return subcommand_syntax_error(argv)
        count = parse_int(options[2])
        if count < 0:
            count = _DEFAULT_FULL_COUNT
    items = stream.entries.items()
    shown = items if not count else islice(items, count)
    names = groups.sorted_names(stream.groups)
    pairs = _stream_header(stream)
    pairs += [
        (b"entries", entries_reply(shown)),
        (
            b"groups",
            _array([_full_group(stream, stream.groups[name], count, resp) for name in names]),
        ),
    ]
    return _map(pairs, resp)


@subcommand("xinfo", "groups", 3, "readonly", keys=(2, 2, 1), group="stream")
def xinfo_groups(client: Client, argv: list[bytes]) -> bytes:
    stream = _stream_or_error(client, argv[2])
    resp = client.resp
    parts = []
    for name in groups.sorted_names(stream.groups):
        group = stream.groups[name]
        parts.append(
            _map(
                [
                    (b"name", reply.bulk(name)),
                    (b"consumers", reply.integer(len(group.consumers))),
                    (b"pending", reply.integer(len(group.pel))),
                    (b"last-delivered-id", id_reply(group.last_id)),
                    (b"entries-read", _entries_read(group, resp)),
                    (b"lag", _lag(stream, group, resp)),
                ],
                resp,
            )
        )
    return _array(parts)


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
            _map(
                [
                    (b"name", reply.bulk(name)),
                    (b"pending", reply.integer(len(consumer.pel))),
                    (b"idle", reply.integer(max(now - consumer.seen_time, 0))),
                ],
                resp,
            )
        )
    return _array(parts)


@subcommand("xinfo", "help", 2, "loading stale", group="stream")
def xinfo_help(client: Client, argv: list[bytes]) -> bytes:
    return help_reply(XINFO_HELP)
