"""Pub/Sub commands (pubsub.c): SUBSCRIBE PSUBSCRIBE SSUBSCRIBE, their UNSUBSCRIBEs,
PUBLISH SPUBLISH and PUBSUB.

PUBLISH and SPUBLISH are events: Redis 7.0 writes them to the replication stream
(forceCommandPropagation()), so replicas deliver them to their own subscribers; they
do not count as changes to save.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.clients import subcommand_syntax
from replkv.commands.table import Command, command, container, subcommand
from replkv.glob import compile_glob

# The commands a RESP2 client may run while subscribed (processCommand()).
ALLOWED_WHEN_SUBSCRIBED = frozenset(
    "ping subscribe ssubscribe psubscribe unsubscribe sunsubscribe punsubscribe quit reset".split()
)

_PUSH3 = {2: b"*3\r\n", 3: b">3\r\n"}
_KINDS = {
    name: reply.bulk(name)
    for name in (
        b"subscribe",
        b"unsubscribe",
        b"psubscribe",
        b"punsubscribe",
        b"ssubscribe",
        b"sunsubscribe",
    )
}

HELP_LINES = [
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
]


def subscribed_refusal(cmd: Command) -> bytes:
    """processCommand()'s refusal of other commands in RESP2 subscribed mode."""
    return errors.err(
        f"Can't execute '{cmd.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
        "QUIT / RESET are allowed in this context"
    )


def _notice(client: Client, kind: bytes, channel: bytes | None, count: int) -> bytes:
    """addReplyPubsub(Un)Subscribed(): [kind, channel (or null), count] as a push."""
    name = reply.bulk(channel) if channel is not None else reply.null(client.resp)
    return _PUSH3[client.resp] + _KINDS[kind] + name + reply.integer(count)


def _count(client: Client) -> int:
    """clientSubscriptionsCount(): channels plus patterns (shard channels apart)."""
    return len(client.channels) + len(client.patterns)


@command("subscribe", -2, "pubsub noscript loading stale", group="pubsub", since="2.0.0",
         summary="Listen for messages published to the given channels")  # fmt: skip
def subscribe(client: Client, argv: list[bytes]) -> bytes:
    pubsub = client.server.pubsub
    out = []
    for channel in argv[1:]:
        pubsub.subscribe(client, channel)
        out.append(_notice(client, b"subscribe", channel, _count(client)))
    return b"".join(out)


@command("psubscribe", -2, "pubsub noscript loading stale", group="pubsub", since="2.0.0",
         summary="Listen for messages published to channels matching the given "
                 "patterns")  # fmt: skip
def psubscribe(client: Client, argv: list[bytes]) -> bytes:
    pubsub = client.server.pubsub
    out = []
    for pattern in argv[1:]:
        pubsub.psubscribe(client, pattern)
        out.append(_notice(client, b"psubscribe", pattern, _count(client)))
    return b"".join(out)


@command("ssubscribe", -2, "pubsub noscript loading stale", keys=(1, -1, 1), group="pubsub",
         since="7.0.0",
         summary="Listen for messages published to the given shard channels")  # fmt: skip
def ssubscribe(client: Client, argv: list[bytes]) -> bytes:
    pubsub = client.server.pubsub
    out = []
    for channel in argv[1:]:
        pubsub.subscribe(client, channel, shard=True)
        out.append(_notice(client, b"ssubscribe", channel, len(client.shard_channels)))
    return b"".join(out)


@command("unsubscribe", -1, "pubsub noscript loading stale", group="pubsub", since="2.0.0",
         summary="Stop listening for messages posted to the given channels")  # fmt: skip
def unsubscribe(client: Client, argv: list[bytes]) -> bytes:
    pubsub = client.server.pubsub
    channels = argv[1:] or list(client.channels)
    if not channels:  # nothing to leave: one notice with a null channel
        return _notice(client, b"unsubscribe", None, _count(client))
    out = []
    for channel in channels:
        pubsub.unsubscribe(client, channel)
        out.append(_notice(client, b"unsubscribe", channel, _count(client)))
    return b"".join(out)


@command("punsubscribe", -1, "pubsub noscript loading stale", group="pubsub", since="2.0.0",
         summary="Stop listening for messages posted to channels matching the given "
                 "patterns")  # fmt: skip
def punsubscribe(client: Client, argv: list[bytes]) -> bytes:
    pubsub = client.server.pubsub
    patterns = argv[1:] or list(client.patterns)
    if not patterns:
        return _notice(client, b"punsubscribe", None, _count(client))
    out = []
    for pattern in patterns:
        pubsub.punsubscribe(client, pattern)
        out.append(_notice(client, b"punsubscribe", pattern, _count(client)))
    return b"".join(out)


@command("sunsubscribe", -1, "pubsub noscript loading stale", keys=(1, -1, 1), group="pubsub",
         since="7.0.0",
         summary="Stop listening for messages posted to the given shard channels")  # fmt: skip
def sunsubscribe(client: Client, argv: list[bytes]) -> bytes:
    pubsub = client.server.pubsub
    channels = argv[1:] or list(client.shard_channels)
    if not channels:
        return _notice(client, b"sunsubscribe", None, 0)
    out = []
    for channel in channels:
        pubsub.unsubscribe(client, channel, shard=True)
        out.append(_notice(client, b"sunsubscribe", channel, len(client.shard_channels)))
    return b"".join(out)


def _propagate_message(client: Client, argv: list[bytes]) -> None:
    """PUBLISH is an event (forceCommandPropagation(c, PROPAGATE_REPL)) but changes no
    data: it does not count as a change since the last save."""
    server = client.server
    server.propagate(client.db, argv)
    server.saves.dirty -= 1  # the propagator counts every event it appends


@command("publish", 3, "pubsub loading stale fast", group="pubsub",
         since="2.0.0", summary="Post a message to a channel")  # fmt: skip
def publish(client: Client, argv: list[bytes]) -> bytes:
    receivers = client.server.pubsub.publish(argv[1], argv[2])
    _propagate_message(client, argv)
    return reply.integer(receivers)


@command("spublish", 3, "pubsub loading stale fast", keys=(1, 1, 1),
         group="pubsub", since="7.0.0", summary="Post a message to a shard channel")  # fmt: skip
def spublish(client: Client, argv: list[bytes]) -> bytes:
    receivers = client.server.pubsub.publish_shard(argv[1], argv[2])
    _propagate_message(client, argv)
    return reply.integer(receivers)


container("pubsub", group="pubsub", since="2.8.0", summary="A container for Pub/Sub commands")


def _active(client: Client, argv: list[bytes], table: dict[bytes, dict[Client, None]]) -> bytes:
    """PUBSUB CHANNELS / SHARDCHANNELS: the channels with subscribers matching a pattern."""
    if len(argv) > 3:
        return subcommand_syntax(argv)
    names = list(table)
    if len(argv) == 3:
        matches = compile_glob(argv[2])
        names = [name for name in names if matches(name)]
    return reply.bulk_array(names)


def _numsub(argv: list[bytes], table: dict[bytes, dict[Client, None]]) -> bytes:
    """PUBSUB NUMSUB / SHARDNUMSUB: channel, count pairs."""
    out = [b"*%d\r\n" % (2 * (len(argv) - 2))]
    for channel in argv[2:]:
        out.append(reply.bulk(channel))
        out.append(reply.integer(len(table.get(channel, ()))))
    return b"".join(out)


@subcommand("pubsub", "channels", -2, "pubsub loading stale", group="pubsub", since="2.8.0",
            summary="List active channels")  # fmt: skip
def pubsub_channels(client: Client, argv: list[bytes]) -> bytes:
    return _active(client, argv, client.server.pubsub.channels)


@subcommand("pubsub", "shardchannels", -2, "pubsub loading stale", group="pubsub",
            since="7.0.0", summary="List active shard channels")  # fmt: skip
def pubsub_shardchannels(client: Client, argv: list[bytes]) -> bytes:
    return _active(client, argv, client.server.pubsub.shard_channels)


@subcommand("pubsub", "numsub", -2, "pubsub loading stale", group="pubsub", since="2.8.0",
            summary="Get the count of subscribers for channels")  # fmt: skip
def pubsub_numsub(client: Client, argv: list[bytes]) -> bytes:
    return _numsub(argv, client.server.pubsub.channels)


@subcommand("pubsub", "shardnumsub", -2, "pubsub loading stale", group="pubsub",
            since="7.0.0", summary="Get the count of subscribers for shard channels")  # fmt: skip
def pubsub_shardnumsub(client: Client, argv: list[bytes]) -> bytes:
    return _numsub(argv, client.server.pubsub.shard_channels)


@subcommand("pubsub", "numpat", 2, "pubsub loading stale", group="pubsub", since="2.8.0",
            summary="Get the count of unique patterns pattern subscriptions")  # fmt: skip
def pubsub_numpat(client: Client, argv: list[bytes]) -> bytes:
    return reply.integer(len(client.server.pubsub.patterns))


@subcommand("pubsub", "help", 2, "loading stale", group="pubsub", since="6.2.0",
            acl_categories=("slow",),
            summary="Show helpful text about the different subcommands")  # fmt: skip
def pubsub_help(client: Client, argv: list[bytes]) -> bytes:
    return reply.array([reply.simple(line) for line in HELP_LINES])
