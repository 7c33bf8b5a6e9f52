"""replkv's double spelling against a running redis-server's, for many doubles.

ZADD is not in replkv yet, so redis-server alone is asked: its ZSCORE replies (RESP2 and
RESP3) must equal replkv.reply.double() of the same score, and its DEBUG DIGEST-VALUE of
the one-member zset must equal replkv's digest of it.
"""

from __future__ import annotations

import math
import random
import struct

from twisted.trial.unittest import SynchronousTestCase

from replkv import reply
from replkv.keyspace import digest
from tests.support.processes import start_redis_server
from tests.support.resp_client import RawClient

SEED = 20251126
RANDOM_DOUBLES = 300
FIXED = [0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 2.0**53 + 2, 1e16, 1e17, 1e-5, 5e-324, 1e308]
FIXED += [math.inf, -math.inf, 2.0**-1074 * 3, 123456789.125, -987654321.5e-20]


def random_doubles(rng: random.Random, count: int) -> list[float]:
    """Doubles from random bit patterns (every exponent alike), NaNs left out."""
    found: list[float] = []
    while len(found) < count:
        (value,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if not math.isnan(value):
            found.append(value)
    return found


def one_member_zset_digest(score: float) -> bytes:
    """DEBUG DIGEST-VALUE of a zset holding member `m` with `score`, as replkv computes it."""
    typed = digest.mix_digest(digest.ZERO, digest.OBJ_ZSET.to_bytes(4, "big"))
    return digest.zset_digest(typed, [(b"m", score)]).hex().encode()


class DoublesVsRedis(SynchronousTestCase):
    def test_zscore_and_digest_spellings(self) -> None:
        # Skiplist encoding keeps a -0 score as -0 (a listpack stores it as 0).
        server = start_redis_server(
            self, "--enable-debug-command", "yes", "--zset-max-listpack-entries", "0"
        )
        client = RawClient(server.port)
        self.addCleanup(client.close)
        scores = FIXED + random_doubles(random.Random(SEED), RANDOM_DOUBLES)
        for score in scores:
            # repr() reads back as the same double, and strtod() reads what repr() writes.
            written = repr(score)
            client.call("DEL", "z")
            self.assertEqual(client.call("ZADD", "z", written, "m"), b":1\r\n", written)
            self.assertEqual(client.call("ZSCORE", "z", "m"), reply.double(score, 2), written)
            self.assertEqual(
                client.call("DEBUG", "DIGEST-VALUE", "z"),
                b"*1\r\n+" + one_member_zset_digest(score) + b"\r\n",
                written,
            )
        client.call("HELLO", "3")
        for score in scores:
            client.call("DEL", "z")  # ZADD would keep 0 over -0: they compare equal
            client.call("ZADD", "z", repr(score), "m")
            self.assertEqual(client.call("ZSCORE", "z", "m"), reply.double(score, 3), score)
