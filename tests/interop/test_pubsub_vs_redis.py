"""Pub/Sub compared byte for byte with redis-server 7.0: replies, pushes, subscribed mode."""

from __future__ import annotations

from collections.abc import Sequence

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd, unordered
from tests.support.resp_client import Arg, RawClient, encode_command

# A step: (connection index, command or None to only read, replies to read); a
# negative count reads that many replies without comparing them (HELLO's client id).
Step = tuple[int, Sequence[Arg] | None, int]


class PubSubVsRedisTests(DifferentialCase, SynchronousTestCase):
    def run_steps(self, connections: int, steps: Sequence[Step]) -> None:
        """Run the steps on both servers' connections; every raw reply must match."""
        pairs: list[tuple[RawClient, RawClient]] = [(self.redis_client, self.replkv_client)] + [
            self.connect_pair() for _ in range(connections - 1)
        ]
        for number, (index, argv, count) in enumerate(steps):
            outputs = []
            for client in pairs[index]:
                if argv is not None:
                    client.send_raw(_encode(argv))
                outputs.append(b"".join(client.read_reply(timeout=2) for _ in range(abs(count))))
            if count >= 0:
                self.assertEqual(outputs[1], outputs[0], f"step {number}: {argv!r}")

    def test_subscribe_publish_unsubscribe_resp2(self) -> None:
        # Redis walks channels and patterns in hash order: one of each matches at a time.
        self.run_steps(
            2,
            [
                (0, ["UNSUBSCRIBE"], 1),
                (0, ["PUNSUBSCRIBE"], 1),
                (0, ["SUNSUBSCRIBE"], 1),
                (0, ["SUBSCRIBE", "c1", "c2", "c1"], 3),
                (0, ["PSUBSCRIBE", "c*", "[a-b]?", "c*"], 3),
                (0, ["SSUBSCRIBE", "s1", "s1"], 2),
                (0, ["PING"], 1),
                (0, ["PING", "hello"], 1),
                (0, ["GET", "k"], 1),
                (0, ["CLIENT", "LIST"], 1),
                (0, ["MULTI"], 1),
                (0, ["SUBSCRIBE"], 1),
                (0, ["PUBSUB", "NUMPAT"], 1),
                (1, ["PUBLISH", "c1", "payload"], 1),
                (0, None, 2),
                (1, ["PUBLISH", "b1", "x\r\ny"], 1),
                (0, None, 1),
                (1, ["SPUBLISH", "s1", "shard"], 1),
                (0, None, 1),
                (1, ["PUBLISH", "zz", "none"], 1),
                (1, ["PUBSUB", "NUMSUB", "c1", "c2", "zz"], 1),
                (1, ["PUBSUB", "NUMPAT"], 1),
                (1, ["PUBSUB", "CHANNELS", "c1"], 1),
                (1, ["PUBSUB", "SHARDCHANNELS"], 1),
                (1, ["PUBSUB", "SHARDNUMSUB", "s1", "s2"], 1),
                (0, ["UNSUBSCRIBE", "c2", "nope"], 2),
                (0, ["PUNSUBSCRIBE", "[a-b]?", "c*"], 2),
                (0, ["GET", "k"], 1),
                (0, ["UNSUBSCRIBE"], 1),
                (0, ["GET", "k"], 1),
                (0, ["SUNSUBSCRIBE"], 1),
                (0, ["GET", "k"], 1),
                (0, ["PING"], 1),
            ],
        )

    def test_resp3_pushes(self) -> None:
        self.run_steps(
            2,
            [
                (0, ["HELLO", "3"], -1),
                (0, ["UNSUBSCRIBE"], 1),
                (0, ["SUBSCRIBE", "c"], 1),
                (0, ["PSUBSCRIBE", "*"], 1),
                (0, ["SSUBSCRIBE", "c"], 1),
                (0, ["GET", "k"], 1),
                (0, ["PING"], 1),
                (0, ["PUBLISH", "c", "self"], 3),
                (1, ["PUBLISH", "c", "other"], 1),
                (0, None, 2),
                (1, ["SPUBLISH", "c", "shard"], 1),
                (0, None, 1),
                (0, ["UNSUBSCRIBE"], 1),
                (0, ["PUNSUBSCRIBE"], 1),
                (0, ["SUNSUBSCRIBE"], 1),
            ],
        )

    def test_numpat_counts_unique_patterns_and_reset_cleans_up(self) -> None:
        self.run_steps(
            3,
            [
                (0, ["PSUBSCRIBE", "a*"], 1),
                (1, ["PSUBSCRIBE", "a*", "b*"], 2),
                (2, ["PUBSUB", "NUMPAT"], 1),
                (2, ["PUBLISH", "abc", "m"], 1),
                (0, None, 1),
                (1, None, 1),
                (1, ["RESET"], 1),
                (2, ["PUBSUB", "NUMPAT"], 1),
                (2, ["PUBLISH", "abc", "m"], 1),
                (0, None, 1),
                (1, ["GET", "k"], 1),
                (1, ["SUBSCRIBE", "x"], 1),
                (1, ["QUIT"], 1),
                (0, ["PUNSUBSCRIBE", "a*"], 1),
                (2, ["PUBSUB", "NUMPAT"], 1),
            ],
        )

    def test_pubsub_subcommands_and_errors(self) -> None:
        self.assertSameReplies(
            [
                ["PUBSUB"],
                ["PUBSUB", "HELP"],
                ["PUBSUB", "help", "x"],
                ["PUBSUB", "FOO"],
                ["PUBSUB", "CHANNELS", "a", "b"],
                ["PUBSUB", "SHARDCHANNELS", "a", "b"],
                ["PUBSUB", "NUMPAT", "x"],
                ["PUBSUB", "NUMSUB"],
                ["PUBSUB", "SHARDNUMSUB"],
                ["PUBSUB", "CHANNELS"],
                ["PUBSUB", "CHANNELS", "*"],
                ["PUBLISH", "c"],
                ["PUBLISH", "c", "m", "x"],
                ["SPUBLISH", "c"],
                ["SUBSCRIBE"],
                ["PSUBSCRIBE"],
                ["SSUBSCRIBE"],
                ["MULTI"],
                ["PUBLISH", "c", "m"],
                ["EXEC"],
            ]
        )

    def test_channels_listing_with_several_channels(self) -> None:
        listener_r, listener_k = self.connect_pair()
        for client in (listener_r, listener_k):
            client.send_raw(_encode(["SUBSCRIBE", "news", "sport", "nothing"]))
            for _ in range(3):
                client.read_reply(timeout=2)
        self.assertSameReplies(
            [
                cmd("PUBSUB", "CHANNELS", normalise=unordered),
                cmd("PUBSUB", "CHANNELS", "n*", normalise=unordered),
                ["PUBSUB", "CHANNELS", "s[p]ort"],
                ["PUBSUB", "CHANNELS", "x*"],
            ]
        )


def _encode(argv: Sequence[Arg]) -> bytes:
    return encode_command(*argv)
