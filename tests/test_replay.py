"""The one rule as a property: replaying a master's event log gives the same dataset.

Random write sequences run on a Server driven by task.Clock (time advances between
steps, so keys expire lazily and their DELs are events too); the log they produce is
parsed back into commands and run through Server.execute on a fresh Server with
keyspace.obey_master set, as a replica or a restart does. The digests must match.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.client import Client
from replkv.config import Config
from replkv.keyspace.digest import dataset_digest
from replkv.resp import PythonRequestReader
from replkv.server import Server
from tests.commands_strategy import as_calls, steps

START = 1_700_000_000.0


class _Limits:
    proto_max_bulk_len = 512 * 1024 * 1024
    client_query_buffer_limit = 1024 * 1024 * 1024


def new_server(now: float) -> tuple[Server, Client]:
    clock = Clock()
    clock.advance(now)
    server = Server(Config(), clock)
    return server, Client(server, server.clients.next_id())


def replay(log_bytes: bytes, now: float) -> Server:
    """A fresh server that has applied every event of log_bytes."""
    server, client = new_server(now)
    server.keyspace.obey_master = True
    client.is_master_link = True
    reader = PythonRequestReader(_Limits())
    reader.feed(log_bytes)
    while (argv := reader.gets()) is not None:
        result = server.execute(client, argv)
        assert result is None or not result.startswith(b"-"), (argv, result)
    return server


class ReplayTests(SynchronousTestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps())
    def test_replayed_log_gives_the_same_digest(self, plan) -> None:  # type: ignore[no-untyped-def]
        master, client = new_server(START)
        for wait_ms, batch in plan:
            master.clock.advance(wait_ms / 1000)  # type: ignore[attr-defined]
            for argv in as_calls(batch):
                master.execute(client, argv)
        log = master.log.read(master.log.start_offset, master.log.end_offset)
        replica = replay(log, master.clock.seconds())
        self.assertEqual(dataset_digest(replica.keyspace), dataset_digest(master.keyspace))

    def test_replay_of_an_expiry(self) -> None:
        master, client = new_server(START)
        master.execute(client, [b"SET", b"k", b"v", b"EX", b"1"])
        master.execute(client, [b"SET", b"j", b"w"])
        master.clock.advance(2)  # type: ignore[attr-defined]
        master.execute(client, [b"GET", b"k"])  # lazily expires k: `DEL k` is logged
        self.assertNotIn(b"k", master.keyspace.dbs[0].data)
        log = master.log.read(0, master.log.end_offset)
        self.assertIn(b"DEL", log)
        replica = replay(log, master.clock.seconds())
        self.assertEqual(dataset_digest(replica.keyspace), dataset_digest(master.keyspace))
