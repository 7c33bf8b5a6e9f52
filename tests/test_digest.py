"""DEBUG DIGEST / DIGEST-VALUE: the digest of fixed datasets equals real Redis 7.0.15's.

The expected hex strings were obtained by loading the same data into redis-server 7.0.15
(`redis-server --save '' --appendonly no --enable-debug-command yes`) with redis-cli and
running `DEBUG DIGEST` and `DEBUG DIGEST-VALUE k …` on it.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.keyspace import digest
from replkv.keyspace.keyspace import Keyspace


class _Zset:
    """A stand-in sorted set (the real type arrives later): member -> score."""

    def __init__(self, scores: dict[bytes, float]) -> None:
        self.scores = scores


digest.register_type(_Zset, digest.OBJ_ZSET, lambda d, z: digest.zset_digest(d, z.scores.items()))


def _keyspace() -> Keyspace:
    return Keyspace(16, Clock())


class DatasetDigestTests(SynchronousTestCase):
    def test_empty_dataset_is_zeros(self) -> None:
        self.assertEqual(digest.dataset_digest(_keyspace()), b"0" * 40)

    def test_one_string(self) -> None:
        # SET a 1
        keyspace = _keyspace()
        keyspace.dbs[0].store(b"a", b"1")
        self.assertEqual(
            digest.dataset_digest(keyspace), b"943d800368fb9c0e951138f1bc0e313ac769d91f"
        )
        self.assertEqual(
            digest.key_digest(keyspace.dbs[0], b"a"), b"b4fc66738120fba0b5aa500ab5c2bf89cea1c5da"
        )
        self.assertEqual(digest.key_digest(keyspace.dbs[0], b"b"), b"0" * 40)

    def _all_types(self) -> Keyspace:
        # RPUSH l a b 12; SADD s x y 5; HSET h f v n 7; ZADD z 1.5 m 2 n 0.1 o;
        # SET e val PX 100000000
        keyspace = _keyspace()
        db = keyspace.dbs[0]
        db.store(b"l", [b"a", b"b", b"12"])
        db.store(b"s", {b"x", b"y", b"5"})
        db.store(b"h", {b"f": b"v", b"n": b"7"})
        db.store(b"z", _Zset({b"m": 1.5, b"n": 2.0, b"o": 0.1}))
        db.store(b"e", b"val")
        db.set_expire(b"e", 10**13)
        return keyspace

    def test_every_type_and_expire(self) -> None:
        keyspace = self._all_types()
        db = keyspace.dbs[0]
        expected = {
            b"l": b"4fddf5ecfb89aa53ce571890ffcd91dc9c8824bf",
            b"s": b"9ab0175c08c7ea91e0aa7ce3701a4de6bb59341a",
            b"h": b"4f27ca621cb2752866d01527a40541bd50df9e80",
            b"z": b"a7506e755f909a6a91b1bbcda614b185016b1348",
            b"e": b"ac04a84d3fcd16162a871280160dabf4ef51f46f",
        }
        for key, value in expected.items():
            self.assertEqual(digest.key_digest(db, key), value, key)
        self.assertEqual(
            digest.dataset_digest(keyspace), b"1ade21956949be817da02149db9922ed6fcbb3ec"
        )

    def test_other_database(self) -> None:
        # … then SELECT 3; SET k v
        keyspace = self._all_types()
        keyspace.dbs[3].store(b"k", b"v")
        self.assertEqual(
            digest.dataset_digest(keyspace), b"80e52fdb834f5f300928a83cb041f2ecde4eed1e"
        )

    def test_zset_score_printed_with_17_digits(self) -> None:
        # ZADD z2 3.3333333333333335 q; DEBUG DIGEST-VALUE z2
        keyspace = _keyspace()
        keyspace.dbs[0].store(b"z2", _Zset({b"q": 3.3333333333333335}))
        self.assertEqual(
            digest.key_digest(keyspace.dbs[0], b"z2"), b"7d62a4d66f7c6916254ec8ba65bba695471c2a5e"
        )

    def test_zset_scores_printed_as_redis_prints_them(self) -> None:
        # ZADD z <score> m; DEBUG DIGEST-VALUE z (-0 in a skiplist-encoded zset: the
        # listpack encoding stores it as 0)
        cases = [
            (1.0, b"55b22a2d85d3adfd2cac2b794dd8556ba8529cbb"),
            (0.0, b"669bd9943b43e6b31f3ab60847ee6a38dd154aba"),
            (-0.0, b"aa66151a75d42f177dce99dcb02453641c77f6d8"),
            (0.1, b"285a6e508750d13f749019c7cddbd43bf282cb72"),
            (1e17, b"70af2b12199c199e3b8261113e3a31ab1dc7490d"),
            (5e-324, b"ff757bff2a332e170c1096b90581860d7577b318"),
            (float(9007199254740993), b"9e71b9482b1762ea0da4ae0ff31da1f3b3e8d701"),
            (float("inf"), b"61a9a206eaf26d298dc4d0f7c1b377be6038b61f"),
            (float("-inf"), b"c882cc3ef9fd5dde1409a63622a944684310008f"),
        ]
        db = _keyspace().dbs[0]
        for score, expected in cases:
            db.store(b"z", _Zset({b"m": score}))
            self.assertEqual(digest.key_digest(db, b"z"), expected, score)

    def test_order_of_keys_does_not_matter(self) -> None:
        first, second = _keyspace(), _keyspace()
        for key in (b"a", b"b", b"c"):
            first.dbs[0].store(key, key * 2)
        for key in (b"c", b"a", b"b"):
            second.dbs[0].store(key, key * 2)
        self.assertEqual(digest.dataset_digest(first), digest.dataset_digest(second))

    def test_raw_and_embstr_strings_digest_alike(self) -> None:
        first, second = _keyspace(), _keyspace()
        first.dbs[0].store(b"k", b"hello")
        second.dbs[0].store(b"k", bytearray(b"hello"))
        self.assertEqual(digest.dataset_digest(first), digest.dataset_digest(second))

    def test_expired_keys_still_count(self) -> None:
        # Redis walks db->dict: a logically expired key not yet deleted is in the digest.
        keyspace = _keyspace()
        keyspace.dbs[0].store(b"k", b"v")
        keyspace.dbs[0].set_expire(b"k", 1)
        self.assertNotEqual(digest.dataset_digest(keyspace), b"0" * 40)

    def test_unknown_type_is_refused(self) -> None:
        keyspace = _keyspace()
        keyspace.dbs[0].store(b"k", object())
        self.assertRaises(TypeError, digest.dataset_digest, keyspace)
