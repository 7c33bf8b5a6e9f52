"""Pub/Sub: who listens to which channel or pattern, and delivering messages (pubsub.c).

The server owns one `PubSub`. Each client also keeps its own subscriptions
(`client.channels`, `client.patterns`, `client.shard_channels`, in subscription order),
which give the counts in the subscribe replies and CLIENT LIST's sub=/psub=/ssub=.
Messages go out of band through `client.send()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from replkv import reply
from replkv.glob import compile_glob

if TYPE_CHECKING:
    from replkv.client import Client

# A push of n elements: `*n` in RESP2, `>n` in RESP3 (addReplyPushLen()).
_PUSH3 = {2: b"*3\r\n", 3: b">3\r\n"}
_PUSH4 = {2: b"*4\r\n", 3: b">4\r\n"}
_MESSAGE = reply.bulk(b"message")
_PMESSAGE = reply.bulk(b"pmessage")
_SMESSAGE = reply.bulk(b"smessage")

Subscribers = dict["Client", None]


class PubSub:
    """Channels, shard channels and patterns with their subscribers, in subscription order."""

    def __init__(self) -> None:
        self.channels: dict[bytes, Subscribers] = {}
        self.shard_channels: dict[bytes, Subscribers] = {}
        self.patterns: dict[bytes, Subscribers] = {}
        self._matchers: dict[bytes, Callable[[bytes], bool]] = {}

    # -- subscriptions ---------------------------------------------------------------

    def subscribe(self, client: Client, channel: bytes, shard: bool = False) -> bool:
        """pubsubSubscribeChannel(): False if client already listens to channel."""
        own = client.shard_channels if shard else client.channels
        if channel in own:
            return False
        own[channel] = None
        table = self.shard_channels if shard else self.channels
        table.setdefault(channel, {})[client] = None
        client.subscribed = True
        return True

    def unsubscribe(self, client: Client, channel: bytes, shard: bool = False) -> bool:
        """pubsubUnsubscribeChannel(): False if client did not listen to channel."""
        own = client.shard_channels if shard else client.channels
        if channel not in own:
            return False
        del own[channel]
        table = self.shard_channels if shard else self.channels
        subscribers = table[channel]
        del subscribers[client]
        if not subscribers:
            del table[channel]
        client.subscribed = bool(client.channels or client.patterns or client.shard_channels)
        return True

    def psubscribe(self, client: Client, pattern: bytes) -> bool:
        """pubsubSubscribePattern(): False if client already listens to pattern."""
        if pattern in client.patterns:
            return False
        client.patterns[pattern] = None
        subscribers = self.patterns.get(pattern)
        if subscribers is None:
            subscribers = self.patterns[pattern] = {}
            self._matchers[pattern] = compile_glob(pattern)
        subscribers[client] = None
        client.subscribed = True
        return True

    def punsubscribe(self, client: Client, pattern: bytes) -> bool:
        """pubsubUnsubscribePattern(): False if client did not listen to pattern."""
        if pattern not in client.patterns:
            return False
        del client.patterns[pattern]
        subscribers = self.patterns[pattern]
        del subscribers[client]
        if not subscribers:
            del self.patterns[pattern]
            del self._matchers[pattern]
        client.subscribed = bool(client.channels or client.patterns or client.shard_channels)
        return True

    def unsubscribe_all(self, client: Client) -> None:
        """RESET or disconnection: drop every subscription of client, without replies."""
        for channel in list(client.channels):
            self.unsubscribe(client, channel)
        for channel in list(client.shard_channels):
            self.unsubscribe(client, channel, shard=True)
        for pattern in list(client.patterns):
            self.punsubscribe(client, pattern)
        client.subscribed = False

    # -- delivery --------------------------------------------------------------------

    def publish(self, channel: bytes, message: bytes) -> int:
        """pubsubPublishMessage(): deliver to channel and pattern subscribers; the count."""
        receivers = 0
        tail = reply.bulk(channel) + reply.bulk(message)
        subscribers = self.channels.get(channel)
        if subscribers:
            body = _MESSAGE + tail
            receivers += len(subscribers)
            for client in list(subscribers):
                client.send(_PUSH3[client.resp] + body)
        if self.patterns:
            for pattern, matches in list(self._matchers.items()):
                if not matches(channel):
                    continue
                body = _PMESSAGE + reply.bulk(pattern) + tail
                for client in list(self.patterns.get(pattern, ())):
                    client.send(_PUSH4[client.resp] + body)
                    receivers += 1
        return receivers

    def publish_shard(self, channel: bytes, message: bytes) -> int:
        """SPUBLISH: deliver to the shard channel's subscribers (no patterns)."""
        subscribers = self.shard_channels.get(channel)
        if not subscribers:
            return 0
        receivers = len(subscribers)
        body = _SMESSAGE + reply.bulk(channel) + reply.bulk(message)
        for client in list(subscribers):
            client.send(_PUSH3[client.resp] + body)
        return receivers
