"""Unit tests for replkv.commands.geo: replies, events (GEOADD becomes ZADD), replay."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.support.harness import Harness


class GeoTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = Harness()

    def tearDown(self) -> None:
        self.assertEqual(self.h.replay().dataset(), self.h.dataset())

    def test_geoadd_propagates_the_zadd_it_performs(self) -> None:
        h = self.h
        self.assertEqual(h("GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo"), b":1\r\n")
        h("GEOADD", "g", "13.361389", "38.115556", "Palermo")  # nothing changes
        h("GEOADD", "g", "xx", "ch", "13", "38", "Palermo")
        self.assertEqual(
            h.writes(),
            [
                [b"zadd", b"g", b"CH", b"3479099956230698", b"Palermo"],
                [b"zadd", b"g", b"xx", b"ch", b"3479065152021743", b"Palermo"],
            ],
        )

    def test_geoadd_errors(self) -> None:
        h = self.h
        self.assertEqual(
            h("GEOADD", "g", "181", "10", "a"),
            b"-ERR invalid longitude,latitude pair 181.000000,10.000000\r\n",
        )
        self.assertEqual(h("GEOADD", "g", "NX", "XX", "1", "1", "a"), b"-ERR syntax error\r\n")
        self.assertEqual(h("GEOADD", "g", "x", "1", "a"), b"-ERR value is not a valid float\r\n")
        self.assertEqual(h.writes(), [])

    def test_search_store_propagates_as_sent(self) -> None:
        h = self.h
        h("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
        mark = h.mark()
        self.assertEqual(
            h("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
              "STOREDIST"),
            b":2\r\n",
        )  # fmt: skip
        self.assertEqual(h("GEORADIUS", "g", "15", "37", "1", "km", "STORE", "d"), b":0\r\n")
        self.assertEqual(h("GEORADIUS", "g", "15", "37", "1", "km", "STORE", "d"), b":0\r\n")
        self.assertEqual(
            h.new_events(mark),
            [
                [b"GEOSEARCHSTORE", b"d", b"g", b"FROMLONLAT", b"15", b"37", b"BYRADIUS",
                 b"200", b"km", b"STOREDIST"],
                [b"GEORADIUS", b"g", b"15", b"37", b"1", b"km", b"STORE", b"d"],
            ],
        )  # fmt: skip

    def test_replies(self) -> None:
        h = self.h
        h("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
        self.assertEqual(h("GEODIST", "g", "Palermo", "Catania", "km"), b"$8\r\n166.2742\r\n")
        self.assertEqual(
            h("GEOPOS", "g", "Palermo", "nosuch"),
            b"*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n",
        )
        self.assertEqual(
            h("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC",
              "WITHDIST"),
            b"*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n"
            b"$8\r\n190.4424\r\n",
        )  # fmt: skip
