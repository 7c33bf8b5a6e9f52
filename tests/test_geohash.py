"""Unit tests for replkv.geohash: encoding round trips, neighbours, distances, boxes."""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase

from replkv import geohash
from replkv.geohash import Shape


class EncodingTests(SynchronousTestCase):
    def test_known_scores(self) -> None:
        # GEOADD's scores for these positions, as redis-server 7.0 computes them.
        self.assertEqual(geohash.score_of(13.361389, 38.115556), 3479099956230698)
        self.assertEqual(geohash.score_of(15.087269, 37.502669), 3479447370796909)
        self.assertEqual(geohash.score_of(13, 38), 3479065152021743)

    def test_round_trip_stays_within_one_cell(self) -> None:
        rng = random.Random(7)
        cell_lon = 360 / 2**26
        cell_lat = (geohash.LAT_MAX - geohash.LAT_MIN) / 2**26
        for _ in range(2000):
            lon = rng.uniform(-180, 180)
            lat = rng.uniform(geohash.LAT_MIN, geohash.LAT_MAX)
            score = geohash.score_of(lon, lat)
            self.assertLess(score, 2**52)
            dlon, dlat = geohash.decode_score(float(score))
            self.assertLessEqual(abs(dlon - lon), cell_lon / 2 + 1e-12)
            self.assertLessEqual(abs(dlat - lat), cell_lat / 2 + 1e-12)
            # Decoding the cell centre again gives the same score.
            self.assertEqual(geohash.score_of(dlon, dlat), score)

    def test_interleave_round_trip(self) -> None:
        rng = random.Random(3)
        for _ in range(500):
            a, b = rng.getrandbits(32), rng.getrandbits(32)
            self.assertEqual(geohash.deinterleave(geohash.interleave(a, b)), (a, b))

    def test_edges_are_clamped_as_redis_does(self) -> None:
        # Longitude 180 overflows into a 53rd bit; the decoded centre is clamped.
        self.assertEqual(geohash.decode_score(float(geohash.score_of(180, 0)))[0], 180.0)
        self.assertEqual(geohash.decode_score(-1.0), (180.0, geohash.LAT_MAX))
        self.assertEqual(geohash.decode_score(1e300), geohash.decode_score(0.0))

    def test_geohash_strings(self) -> None:
        score = float(geohash.score_of(13.361389, 38.115556))
        self.assertEqual(geohash.geohash_string(score), b"sqc8b49rny0")
        self.assertEqual(geohash.geohash_string(0.0), b"00bh0hbj200")

    def test_neighbours_wrap_around(self) -> None:
        step = 3
        bits = geohash.encode(179.9, 0.0, step)
        east = geohash.move(bits, step, 1, 0)
        self.assertEqual(geohash.decode_area(east, step)[0], -180.0)
        self.assertEqual(geohash.move(east, step, -1, 0), bits)
        north = geohash.move(bits, step, 0, 1)
        self.assertEqual(geohash.move(north, step, 0, -1), bits)


class DistanceTests(SynchronousTestCase):
    def test_known_distances(self) -> None:
        palermo = geohash.decode_score(float(geohash.score_of(13.361389, 38.115556)))
        catania = geohash.decode_score(float(geohash.score_of(15.087269, 37.502669)))
        self.assertEqual(b"%.4f" % geohash.distance(*palermo, *catania), b"166274.1516")
        self.assertEqual(geohash.distance(10, 20, 10, 20), 0.0)

    def test_antipodes_are_half_the_circumference(self) -> None:
        half = geohash.distance(0, 0, 180, 0)
        self.assertAlmostEqual(half, geohash.EARTH_RADIUS * 3.141592653589793, places=3)

    def test_estimate_steps(self) -> None:
        self.assertEqual(geohash.estimate_steps(0, 0), 26)
        self.assertEqual(geohash.estimate_steps(1e9, 0), 1)
        self.assertEqual(geohash.estimate_steps(1000, 0), 14)
        self.assertEqual(geohash.estimate_steps(1000, 70), 13)
        self.assertEqual(geohash.estimate_steps(1000, -81), 12)

    def test_box_contains(self) -> None:
        shape = Shape()
        shape.is_box = True
        shape.width = shape.height = 200.0
        shape.conversion = 1000.0
        self.assertIsNotNone(shape.contains(0.5, 0.5))
        self.assertIsNone(shape.contains(1.0, 0.0))
        self.assertIsNone(shape.contains(0.0, 1.0))

    def test_huge_radius_walks_the_whole_earth_once(self) -> None:
        shape = Shape()
        shape.radius = 1e20
        shape.conversion = 1.0
        boxes = shape.search_boxes()
        self.assertEqual(boxes[0], (geohash.encode(0.0, 0.0, 1), 1))
        self.assertEqual(len(boxes), 9)
