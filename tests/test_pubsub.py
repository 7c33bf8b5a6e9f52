"""Unit tests for Pub/Sub: replies, deliveries, subscribed mode, cleanup, events."""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.keyspace.apply import StreamApplier
from replkv.protocol import ClientProtocol
from replkv.reply import encode_command
from replkv.server import Server
from tests.support.harness import Harness

REFUSED_GET = (
    b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
    b"RESET are allowed in this context\r\n"
)


def bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def notice(kind: bytes, channel: bytes, count: int, push: bytes = b"*") -> bytes:
    return push + b"3\r\n" + bulk(kind) + bulk(channel) + b":%d\r\n" % count


def message(channel: bytes, text: bytes, push: bytes = b"*") -> bytes:
    return push + b"3\r\n" + bulk(b"message") + bulk(channel) + bulk(text)


def pmessage(pattern: bytes, channel: bytes, text: bytes, push: bytes = b"*") -> bytes:
    return push + b"4\r\n" + bulk(b"pmessage") + bulk(pattern) + bulk(channel) + bulk(text)


class ConnectionsTestCase(SynchronousTestCase):
    """A server on a Clock with StringTransport connections."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.server = Server(Config(), self.clock)
        self._port = 5000

    def connect(self) -> tuple[ClientProtocol, StringTransport]:
        self._port += 1
        protocol = ClientProtocol(self.server)
        transport = StringTransport(
            hostAddress=IPv4Address("TCP", "127.0.0.1", 6379),
            peerAddress=IPv4Address("TCP", "127.0.0.1", self._port),
        )
        protocol.makeConnection(transport)
        return protocol, transport

    def ask(self, client: ClientProtocol, transport: StringTransport, *argv: bytes) -> bytes:
        frame = b"*%d\r\n" % len(argv) + b"".join(bulk(arg) for arg in argv)
        client.dataReceived(frame)
        data = transport.value()
        transport.clear()
        return data


class SubscribeTests(ConnectionsTestCase):
    def test_subscribe_counts_channels_and_patterns(self) -> None:
        a, out = self.connect()
        self.assertEqual(
            self.ask(a, out, b"SUBSCRIBE", b"c1", b"c2", b"c1"),
            notice(b"subscribe", b"c1", 1)
            + notice(b"subscribe", b"c2", 2)
            + notice(b"subscribe", b"c1", 2),
        )
        self.assertEqual(self.ask(a, out, b"PSUBSCRIBE", b"c*"), notice(b"psubscribe", b"c*", 3))
        # Shard channels count apart.
        self.assertEqual(self.ask(a, out, b"SSUBSCRIBE", b"s"), notice(b"ssubscribe", b"s", 1))

    def test_publish_reaches_channel_then_pattern_subscribers(self) -> None:
        a, a_out = self.connect()
        b, b_out = self.connect()
        self.ask(a, a_out, b"SUBSCRIBE", b"news")
        self.ask(a, a_out, b"PSUBSCRIBE", b"n*", b"x*")
        self.assertEqual(self.ask(b, b_out, b"PUBLISH", b"news", b"hi"), b":2\r\n")
        self.assertEqual(a_out.value(), message(b"news", b"hi") + pmessage(b"n*", b"news", b"hi"))
        a_out.clear()
        self.assertEqual(self.ask(b, b_out, b"PUBLISH", b"other", b"hi"), b":0\r\n")
        self.assertEqual(a_out.value(), b"")

    def test_resp3_pushes_and_no_restriction(self) -> None:
        a, out = self.connect()
        self.ask(a, out, b"HELLO", b"3")
        self.assertEqual(self.ask(a, out, b"SUBSCRIBE", b"c"), notice(b"subscribe", b"c", 1, b">"))
        self.assertEqual(self.ask(a, out, b"GET", b"k"), b"_\r\n")
        self.assertEqual(self.ask(a, out, b"PING"), b"+PONG\r\n")
        # Its own message comes before PUBLISH's reply.
        self.assertEqual(
            self.ask(a, out, b"PUBLISH", b"c", b"m"), message(b"c", b"m", b">") + b":1\r\n"
        )
        self.assertEqual(
            self.ask(a, out, b"UNSUBSCRIBE", b"c", b"d"),
            notice(b"unsubscribe", b"c", 0, b">") + notice(b"unsubscribe", b"d", 0, b">"),
        )
        self.assertEqual(
            self.ask(a, out, b"UNSUBSCRIBE"), b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"
        )

    def test_resp2_subscribed_mode_allows_only_pubsub_commands(self) -> None:
        a, out = self.connect()
        self.ask(a, out, b"SSUBSCRIBE", b"s")
        self.assertEqual(self.ask(a, out, b"GET", b"k"), REFUSED_GET)
        self.assertIn(b"'client|list'", self.ask(a, out, b"CLIENT", b"LIST"))
        self.assertEqual(self.ask(a, out, b"PING"), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
        self.assertEqual(self.ask(a, out, b"PING", b"x"), b"*2\r\n$4\r\npong\r\n$1\r\nx\r\n")
        self.ask(a, out, b"SUBSCRIBE", b"c")
        self.ask(a, out, b"UNSUBSCRIBE")
        self.assertEqual(self.ask(a, out, b"GET", b"k"), REFUSED_GET)  # still a shard channel
        self.assertEqual(self.ask(a, out, b"SUNSUBSCRIBE"), notice(b"sunsubscribe", b"s", 0))
        self.assertEqual(self.ask(a, out, b"GET", b"k"), b"$-1\r\n")

    def test_unsubscribe_with_nothing_to_leave(self) -> None:
        a, out = self.connect()
        self.assertEqual(
            self.ask(a, out, b"UNSUBSCRIBE"), b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
        )
        self.assertEqual(
            self.ask(a, out, b"PUNSUBSCRIBE"), b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"
        )

    def test_punsubscribe_all_in_subscription_order(self) -> None:
        a, out = self.connect()
        self.ask(a, out, b"PSUBSCRIBE", b"b*", b"a*")
        self.assertEqual(
            self.ask(a, out, b"PUNSUBSCRIBE"),
            notice(b"punsubscribe", b"b*", 1) + notice(b"punsubscribe", b"a*", 0),
        )

    def test_reset_and_disconnect_drop_subscriptions(self) -> None:
        a, a_out = self.connect()
        b, b_out = self.connect()
        self.ask(a, a_out, b"SUBSCRIBE", b"c")
        self.ask(b, b_out, b"PSUBSCRIBE", b"*")
        self.ask(b, b_out, b"SSUBSCRIBE", b"s")
        self.assertEqual(self.ask(a, a_out, b"RESET"), b"+RESET\r\n")
        self.assertEqual(self.ask(a, a_out, b"GET", b"k"), b"$-1\r\n")
        self.assertEqual(self.server.pubsub.channels, {})
        b.connectionLost()
        self.assertEqual(self.server.pubsub.patterns, {})
        self.assertEqual(self.server.pubsub.shard_channels, {})
        self.assertEqual(self.ask(a, a_out, b"PUBLISH", b"c", b"m"), b":0\r\n")

    def test_client_list_and_info(self) -> None:
        a, a_out = self.connect()
        b, b_out = self.connect()
        self.ask(a, a_out, b"SUBSCRIBE", b"c1", b"c2")
        self.ask(a, a_out, b"PSUBSCRIBE", b"p*")
        self.ask(b, b_out, b"PSUBSCRIBE", b"p*")
        c, c_out = self.connect()
        listing = self.ask(c, c_out, b"CLIENT", b"LIST")
        self.assertIn(b" flags=P db=0 sub=2 psub=1 ssub=0 ", listing)
        self.assertIn(b" flags=N db=0 sub=0 psub=0 ssub=0 ", listing)
        info = self.ask(c, c_out, b"INFO", b"stats")
        self.assertIn(b"pubsub_channels:2\r\npubsub_patterns:1\r\npubsubshard_channels:0\r\n", info)

    def test_pubsub_introspection(self) -> None:
        a, a_out = self.connect()
        b, b_out = self.connect()
        self.ask(a, a_out, b"SUBSCRIBE", b"news", b"sport")
        self.ask(b, b_out, b"HELLO", b"3")  # RESP3: not restricted while subscribed
        self.ask(b, b_out, b"SUBSCRIBE", b"news")
        self.ask(b, b_out, b"SSUBSCRIBE", b"sh")
        self.assertEqual(
            self.ask(b, b_out, b"PUBSUB", b"CHANNELS"), b"*2\r\n" + bulk(b"news") + bulk(b"sport")
        )
        self.assertEqual(
            self.ask(b, b_out, b"PUBSUB", b"CHANNELS", b"s*"), b"*1\r\n" + bulk(b"sport")
        )
        self.assertEqual(
            self.ask(b, b_out, b"PUBSUB", b"NUMSUB", b"news", b"x"),
            b"*4\r\n" + bulk(b"news") + b":2\r\n" + bulk(b"x") + b":0\r\n",
        )
        self.assertEqual(self.ask(b, b_out, b"PUBSUB", b"NUMSUB"), b"*0\r\n")
        self.assertEqual(self.ask(b, b_out, b"PUBSUB", b"NUMPAT"), b":0\r\n")
        self.assertEqual(self.ask(b, b_out, b"PUBSUB", b"SHARDCHANNELS"), b"*1\r\n" + bulk(b"sh"))
        self.assertEqual(
            self.ask(b, b_out, b"PUBSUB", b"SHARDNUMSUB", b"sh"),
            b"*2\r\n" + bulk(b"sh") + b":1\r\n",
        )
        self.assertEqual(
            self.ask(b, b_out, b"SPUBLISH", b"sh", b"m"),
            b">3\r\n" + bulk(b"smessage") + bulk(b"sh") + bulk(b"m") + b":1\r\n",
        )


class AppliedPublishTests(ConnectionsTestCase):
    def test_applied_publish_reaches_local_subscribers(self) -> None:
        a, out = self.connect()
        self.ask(a, out, b"SUBSCRIBE", b"c")
        applier = StreamApplier(self.server)
        applier.feed(encode_command([b"SELECT", b"5"]) + encode_command([b"PUBLISH", b"c", b"m"]))
        self.assertEqual(applier.errors, 0)
        self.assertEqual(out.value(), message(b"c", b"m"))


class PublishEventTests(SynchronousTestCase):
    def test_publish_is_an_event_that_changes_nothing_to_save(self) -> None:
        h = Harness()
        h("SELECT", "3")
        self.assertEqual(h("PUBLISH", "c", "m"), b":0\r\n")
        self.assertEqual(h("SPUBLISH", "c", "m"), b":0\r\n")
        self.assertEqual(
            h.events(),
            [[b"SELECT", b"3"], [b"PUBLISH", b"c", b"m"], [b"SPUBLISH", b"c", b"m"]],
        )
        self.assertEqual(h.server.saves.dirty, 0)
