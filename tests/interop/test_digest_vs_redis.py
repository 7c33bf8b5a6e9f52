"""The same random command sequences on replkv and redis-server leave equal DEBUG DIGESTs.

Both servers run with active expiry switched off (DEBUG SET-ACTIVE-EXPIRE 0) and only
far-future or multi-second TTLs are drawn, so no key expires during a sequence and the
digests compare the same keyspace.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from tests.commands_strategy import as_calls, available_commands
from tests.support.differential import DifferentialCase

DEBUG_ON = ("--enable-debug-command", "yes")


class DigestVsRedis(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(
            st.lists(available_commands(deterministic=True), min_size=1, max_size=3), max_size=20
        )
    )
    def test_random_sequences(self, batches) -> None:  # type: ignore[no-untyped-def]
        redis, replkv = self.redis_client, self.replkv_client
        for client in (redis, replkv):
            client.call("FLUSHALL")
            client.call("SELECT", "0")
            client.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        for batch in batches:
            for argv in as_calls(batch):
                # Replies are compared elsewhere; here only the resulting data matters.
                redis.call(*argv)
                replkv.call(*argv)
        self.assertEqual(replkv.call("DEBUG", "DIGEST"), redis.call("DEBUG", "DIGEST"))
