"""The one rule as a property: a master's log, applied through the one apply path
(replkv.keyspace.apply), rebuilds the same dataset at the same offset, and the applying
node's log holds the bytes it received, byte for byte.

Random write sequences run on a Server driven by task.Clock (time advances between
steps, so keys expire lazily and their DELs are events too). Their log is fed to a
fresh Server's StreamApplier, whole or cut into random chunks, as a replica link or
the start-up loader feeds it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.client import Client
from replkv.config import Config
from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.digest import dataset_digest
from replkv.reply import encode_command
from replkv.server import Server
from tests.commands_strategy import as_calls, steps

START = 1_700_000_000.0
PAST_MS = int(START * 1000) - 60_000


def new_server(now: float) -> tuple[Server, Client]:
    clock = Clock()
    clock.advance(now)
    server = Server(Config(), clock)
    return server, Client(server, server.clients.next_id())


def whole_log(server: Server) -> bytes:
    return server.log.read(server.log.start_offset, server.log.end_offset)


def cut(data: bytes, points: list[int]) -> list[bytes]:
    """data split at the given positions (any order, repeats allowed)."""
    edges = sorted({0, len(data), *(p % (len(data) + 1) for p in points)})
    return [data[a:b] for a, b in zip(edges, edges[1:], strict=False)]


def apply_stream(chunks: list[bytes], now: float) -> tuple[Server, StreamApplier]:
    server, _ = new_server(now)
    applier = StreamApplier(server)
    for chunk in chunks:
        applier.feed(chunk)
    return server, applier


def resp(*commands: list[bytes]) -> bytes:
    return b"".join(encode_command(c) for c in commands)


# What a Redis 7.0 master streams: mixed case, PINGs, a redundant SELECT, a transaction.
REDIS_STYLE_STREAM = resp(
    [b"SELECT", b"0"],
    [b"set", b"k", b"v", b"pxat", b"%d" % (PAST_MS + 10**9)],
    [b"PING"],
    [b"SELECT", b"0"],
    [b"MULTI"],
    [b"incr", b"counter"],
    [b"SET", b"k2", b"x"],
    [b"EXEC"],
    [b"select", b"3"],
    [b"Append", b"k", b"tail"],
    [b"PING"],
    [b"pexpireat", b"k", b"%d" % (PAST_MS + 10**9)],
    [b"DEL", b"k", b"nosuch"],
)


class ReplayTests(SynchronousTestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps(), st.lists(st.integers(0, 10**6), max_size=8))
    def test_applied_log_gives_the_same_digest_and_offset(self, plan, points) -> None:  # type: ignore[no-untyped-def]
        master, client = new_server(START)
        for wait_ms, batch in plan:
            master.clock.advance(wait_ms / 1000)  # type: ignore[attr-defined]
            for argv in as_calls(batch):
                master.execute(client, argv)
        log = whole_log(master)
        replica, applier = apply_stream(cut(log, points), master.clock.seconds())
        self.assertEqual(applier.errors, 0)
        self.assertEqual(dataset_digest(replica.keyspace), dataset_digest(master.keyspace))
        self.assertEqual(replica.log.end_offset, master.log.end_offset)
        self.assertEqual(whole_log(replica), log)

    def test_replay_of_an_expiry(self) -> None:
        master, client = new_server(START)
        master.execute(client, [b"SET", b"k", b"v", b"EX", b"1"])
        master.execute(client, [b"SET", b"j", b"w"])
        master.clock.advance(2)  # type: ignore[attr-defined]
        master.execute(client, [b"GET", b"k"])  # lazily expires k: `DEL k` is logged
        self.assertNotIn(b"k", master.keyspace.dbs[0].data)
        log = whole_log(master)
        self.assertIn(b"DEL", log)
        replica, _ = apply_stream([log], master.clock.seconds())
        self.assertEqual(dataset_digest(replica.keyspace), dataset_digest(master.keyspace))


class RedisStyleStreamTests(SynchronousTestCase):
    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.integers(0, len(REDIS_STYLE_STREAM)), max_size=12))
    def test_log_is_byte_identical_to_the_stream(self, points) -> None:  # type: ignore[no-untyped-def]
        server, applier = apply_stream(cut(REDIS_STYLE_STREAM, points), START)
        self.assertEqual(whole_log(server), REDIS_STYLE_STREAM)
        self.assertEqual(applier.offset, len(REDIS_STYLE_STREAM))
        self.assertEqual(applier.errors, 0)
        db0, db3 = server.keyspace.dbs[0], server.keyspace.dbs[3]
        self.assertEqual(db0.data, {b"k": b"v", b"counter": b"1", b"k2": b"x"})
        self.assertEqual(db3.data, {})

    def test_offset_stays_before_an_unfinished_transaction(self) -> None:
        server, applier = apply_stream([], START)
        multi_at = REDIS_STYLE_STREAM.index(b"*1\r\n$5\r\nMULTI")
        inside = REDIS_STYLE_STREAM.index(b"*3\r\n$3\r\nSET\r\n$2\r\nk2")
        applier.feed(REDIS_STYLE_STREAM[:inside])
        self.assertEqual(applier.offset, multi_at)
        self.assertNotIn(b"counter", server.keyspace.dbs[0].data)  # queued, not run
        applier.feed(REDIS_STYLE_STREAM[inside:])
        self.assertEqual(applier.offset, len(REDIS_STYLE_STREAM))

    def test_partial_command_waits(self) -> None:
        command = resp([b"SET", b"a", b"1"])
        server, applier = apply_stream([command[:7]], START)
        self.assertEqual((applier.offset, server.keyspace.dbs[0].data), (0, {}))
        applier.feed(command[7:])
        self.assertEqual(
            (applier.offset, server.keyspace.dbs[0].data), (len(command), {b"a": b"1"})
        )

    def test_the_stream_leaves_the_log_in_its_database(self) -> None:
        server, applier = apply_stream([REDIS_STYLE_STREAM], START)
        client = Client(server, server.clients.next_id())
        start = server.log.end_offset
        server.execute(client, [b"SET", b"local", b"1"])  # client in db 0, stream in db 3
        self.assertEqual(
            server.log.read(start, 1 << 20), resp([b"SELECT", b"0"], [b"SET", b"local", b"1"])
        )


class TrustTests(SynchronousTestCase):
    """The applying client is trusted for its own calls only."""

    def test_expired_keys_stay_visible_while_applying(self) -> None:
        stream = resp([b"SET", b"k", b"1", b"PXAT", b"%d" % PAST_MS], [b"APPEND", b"k", b"2"])
        server, applier = apply_stream([stream], START)
        db = server.keyspace.dbs[0]
        self.assertEqual(db.data[b"k"], b"12")  # APPEND saw the expired key, as a replica
        self.assertFalse(server.keyspace.obey_master)
        client = Client(server, server.clients.next_id())
        self.assertEqual(server.execute(client, [b"GET", b"k"]), client.null)

    def test_size_limits_do_not_apply_to_the_stream(self) -> None:
        server, _ = new_server(START)
        server.config.proto_max_bulk_len = 1024
        client = Client(server, server.clients.next_id())
        grow = [b"SETRANGE", b"big", b"2000", b"x"]
        self.assertEqual(
            server.execute(client, grow),
            b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
        )
        applier = StreamApplier(server)
        applier.feed(encode_command(grow))
        self.assertEqual(len(server.keyspace.dbs[0].data[b"big"]), 2001)
        self.assertEqual(applier.errors, 0)

    def test_error_replies_are_counted_and_the_bytes_still_logged(self) -> None:
        stream = resp([b"SET", b"s", b"text"], [b"INCR", b"s"], [b"SET", b"t", b"1"])
        server, applier = apply_stream([stream], START)
        self.assertEqual(applier.errors, 1)
        self.assertEqual(whole_log(server), stream)
        self.assertEqual(server.keyspace.dbs[0].data[b"t"], b"1")
