"""redis-py's Pub/Sub (subscribe, psubscribe, get_message) against a real replkv, in
RESP2 and RESP3, with keyspace notifications."""

from __future__ import annotations

import time
from typing import Any

import redis
from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import start_replkv

WAIT = 5.0


class RedisPyPubSubTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = start_replkv(self)

    def client(self, protocol: int) -> redis.Redis:
        client = redis.Redis(port=self.server.port, socket_timeout=WAIT, protocol=protocol)
        self.addCleanup(client.close)
        return client

    def next_message(self, pubsub: Any) -> dict[str, Any]:
        """The next message, waiting at most WAIT seconds."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.5)
            if message is not None:
                return dict(message)
        self.fail("no message")
        raise AssertionError  # unreachable

    def check_protocol(self, protocol: int) -> None:
        publisher = self.client(protocol)
        pubsub = self.client(protocol).pubsub()
        self.addCleanup(pubsub.close)
        pubsub.subscribe("news")
        self.assertEqual(
            self.next_message(pubsub),
            {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1},
        )
        pubsub.psubscribe("n*")
        self.assertEqual(self.next_message(pubsub)["type"], "psubscribe")
        self.assertEqual(publisher.publish("news", "hello"), 2)
        self.assertEqual(
            self.next_message(pubsub),
            {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"},
        )
        self.assertEqual(
            self.next_message(pubsub),
            {"type": "pmessage", "pattern": b"n*", "channel": b"news", "data": b"hello"},
        )
        self.assertEqual(publisher.pubsub_numsub("news"), [(b"news", 1)])
        self.assertEqual(publisher.pubsub_numpat(), 1)
        self.assertEqual(publisher.pubsub_channels(), [b"news"])
        pubsub.punsubscribe()
        self.assertEqual(self.next_message(pubsub)["type"], "punsubscribe")
        publisher.config_set("notify-keyspace-events", "KEA")
        pubsub.subscribe("__keyevent@0__:set")
        self.next_message(pubsub)
        publisher.set("k%d" % protocol, "v")
        self.assertEqual(
            self.next_message(pubsub),
            {
                "type": "message",
                "pattern": None,
                "channel": b"__keyevent@0__:set",
                "data": b"k%d" % protocol,
            },
        )
        pubsub.unsubscribe()
        self.assertEqual(self.next_message(pubsub)["type"], "unsubscribe")
        self.assertEqual(self.next_message(pubsub)["type"], "unsubscribe")
        publisher.config_set("notify-keyspace-events", "")
        self.assertEqual(publisher.publish("news", "x"), 0)

    def test_resp2_and_resp3(self) -> None:
        for protocol in (2, 3):
            self.check_protocol(protocol)
