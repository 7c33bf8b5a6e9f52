"""The server keeps answering while a BGSAVE child writes the snapshot.

A smaller version of `bench/persistence.py` part c: the bound here is generous because
CI machines are noisy; the benchmark measures the 50 ms target.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.keyspace.keyspace import Keyspace
from replkv.rdb.reader import load_rdb
from tests.support.latency import fill_keys, probe_bgsave
from tests.support.processes import start_replkv

KEYS = 200_000
MAX_ROUND_TRIP = 0.250


class BgsaveLatencyTests(SynchronousTestCase):
    def test_ping_answered_during_bgsave(self) -> None:
        server = start_replkv(self)
        fill_keys(server.port, KEYS, timeout=60)
        result = probe_bgsave(server.port, timeout=60)
        self.assertEqual(result.status, "ok")
        self.assertGreater(result.pings, 0)
        self.assertLess(
            result.max_rtt,
            MAX_ROUND_TRIP,
            f"a PING waited {result.max_rtt * 1000:.0f} ms during the BGSAVE: {result}",
        )
        # The child wrote the whole keyspace.
        keyspace = Keyspace(16, Clock())
        with open(server.workdir / "data" / "dump.rdb", "rb") as source:
            info = load_rdb(source, keyspace)
        self.assertEqual(info.keys_loaded, KEYS)
