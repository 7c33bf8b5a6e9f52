"""Geo commands compared byte for byte with redis-server 7.0."""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase, TestCase

from tests.support.differential import DifferentialCase, cmd
from tests.support.processes import start_redis_server, start_replkv
from tests.support.replication import call, in_sync, wait_for
from tests.support.resp_client import RawClient

HELLO3 = cmd("HELLO", "3", normalise=lambda raw: raw[:1])
HELLO2 = cmd("HELLO", "2", normalise=lambda raw: raw[:1])
POLE = "85.05112878"
SETUP = [
    ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
    ["GEOADD", "g", "2.3522", "48.8566", "Paris", "-0.1276", "51.5072", "London"],
    ["GEOADD", "g", "-74.006", "40.7128", "NewYork", "151.2093", "-33.8688", "Sydney"],
    ["GEOADD", "g", "-151.2093", "33.8688", "AntiSydney", "180", "0", "East", "-180", "0", "West"],
    ["GEOADD", "g", "0", POLE, "North", "0", "-" + POLE, "South", "179.9999", "10", "Edge1"],
    ["GEOADD", "g", "-179.9999", "10", "Edge2", "0", "0", "Origin", "0", "0", "Origin2"],
    ["GEOADD", "g", "0.0001", "0.0001", "Near", "10", "10", "Same1", "10", "10", "Same2"],
    ["GEOADD", "g", "10", "10", "Same3", "180", POLE, "Corner", "-180", "-" + POLE, "Corner2"],
    ["ZADD", "weird", "-1", "neg", "1e300", "big", "inf", "pinf", "-inf", "ninf", "0", "zero"],
    ["ZADD", "weird", "4503599627370496", "b52", "3.5", "frac", "1e17", "b57"],
    ["SET", "str", "x"],
]
SEARCH_OPTIONS = [
    [],
    ["WITHDIST"],
    ["WITHCOORD"],
    ["WITHHASH"],
    ["WITHDIST", "WITHCOORD", "WITHHASH"],
    ["ASC"],
    ["DESC", "WITHDIST"],
    ["COUNT", "3"],
    ["COUNT", "3", "DESC"],
    ["COUNT", "2", "ANY"],
    ["COUNT", "2", "ANY", "ASC", "WITHDIST"],
    ["count", "100", "withdist", "withhash"],
]


class GeoVsRedisTests(DifferentialCase, SynchronousTestCase):
    def both_protocols(self, commands: list[list[str]]) -> None:
        self.assertSameReplies([*SETUP, *commands])
        self.assertSameReplies([HELLO3, *commands, HELLO2])

    def test_geoadd_options_and_errors(self) -> None:
        self.assertSameReplies(
            [
                ["GEOADD", "k", "1", "2", "a", "3", "4", "b"],
                ["GEOADD", "k", "NX", "5", "6", "a", "7", "8", "c"],
                ["GEOADD", "k", "XX", "5", "6", "a", "7", "8", "d"],
                ["GEOADD", "k", "XX", "CH", "9", "9", "a"],
                ["GEOADD", "k", "ch", "9", "9", "a", "1", "1", "e"],
                ["GEOADD", "k", "CH", "NX", "XX", "1", "1", "a"],
                ["GEOADD", "k", "NX", "XX", "1", "1", "a"],
                ["GEOADD", "k", "ch", "ch", "ch"],
                ["GEOADD", "k", "GT", "1", "a"],
                ["GEOADD", "k", "GT", "1", "2", "a"],
                ["GEOADD", "k", "1", "2"],
                ["GEOADD", "k", "1", "2", "a", "3"],
                ["GEOADD", "k", "181", "10", "a"],
                ["GEOADD", "k", "-180.0000001", "10", "a"],
                ["GEOADD", "k", "10", "86", "a"],
                ["GEOADD", "k", "10", "-85.051128781", "a"],
                ["GEOADD", "k", "1e400", "1", "a"],
                ["GEOADD", "k", "1e300", "1", "a"],
                ["GEOADD", "k", "-inf", "1", "a"],
                ["GEOADD", "k", "nan", "1", "a"],
                ["GEOADD", "k", "abc", "1", "a"],
                ["GEOADD", "k", " 1", "1", "a"],
                ["GEOADD", "k", "1", "1", "a", "200", "1", "b"],
                ["GEOADD", "k", "180", POLE, "x", "-180", "-" + POLE, "y", "-0", "-0", "z"],
                ["GEOADD", "str", "1", "1", "a"],
                ["ZRANGE", "k", "0", "-1", "WITHSCORES"],
                ["OBJECT", "ENCODING", "k"],
                ["GEOADD", "big", *" ".join(f"{i / 10} {i / 20} m{i}" for i in range(200)).split()],
                ["OBJECT", "ENCODING", "big"],
                ["GEORADIUS", "big", "5", "5", "100", "km", "WITHDIST", "COUNT", "5"],
            ]
        )

    def test_geopos_geohash_geodist(self) -> None:
        members = ["Palermo", "Catania", "Paris", "London", "NewYork", "Sydney", "AntiSydney",
                   "East", "West", "North", "South", "Edge1", "Edge2", "Origin", "Near",
                   "Corner", "Corner2", "nosuch"]  # fmt: skip
        weird = ["neg", "big", "pinf", "ninf", "zero", "b52", "frac", "b57", "nosuch"]
        commands = [
            ["GEOPOS", "g", *members],
            ["GEOHASH", "g", *members],
            ["GEOPOS", "weird", *weird],
            ["GEOHASH", "weird", *weird],
            ["GEOPOS", "nokey", "a", "b"],
            ["GEOHASH", "nokey", "a"],
            ["GEOPOS", "g"],
            ["GEOHASH", "g"],
            ["GEOPOS", "str", "a"],
            ["GEOHASH", "str", "a"],
            ["GEODIST", "g", "Palermo", "Catania"],
            ["GEODIST", "g", "Sydney", "AntiSydney", "km"],
            ["GEODIST", "g", "East", "West", "M"],
            ["GEODIST", "g", "North", "South", "mi"],
            ["GEODIST", "g", "Origin", "Origin2", "ft"],
            ["GEODIST", "g", "Origin", "Near", "Ft"],
            ["GEODIST", "g", "Edge1", "Edge2", "kM"],
            ["GEODIST", "g", "Corner", "Corner2"],
            ["GEODIST", "g", "Palermo", "nosuch"],
            ["GEODIST", "g", "Palermo", "nosuch", "bad"],
            ["GEODIST", "g", "Palermo", "Catania", "bad"],
            ["GEODIST", "g", "Palermo", "Catania", "m\x00x"],
            ["GEODIST", "g", "Palermo", "Catania", "km", "extra"],
            ["GEODIST", "nokey", "a", "b"],
            ["GEODIST", "str", "a", "b"],
            ["GEODIST", "weird", "neg", "big", "km"],
            ["GEODIST", "weird", "pinf", "ninf"],
        ]
        self.both_protocols(commands)

    def test_searches_around_every_kind_of_point(self) -> None:
        centres = [
            ("15", "37"),
            ("0", "0"),
            ("180", "0"),
            ("-180", "0"),
            ("0", POLE),
            ("0", "-" + POLE),
            ("179.99", "-30"),
            ("-151.2093", "33.8688"),
            ("10", "10"),
        ]
        radii = [("0", "m"), ("1", "km"), ("200", "km"), ("5000", "KM"), ("20000", "km"),
                 ("1e9", "m"), ("12", "mi"), ("1000", "ft"), ("inf", "m")]  # fmt: skip
        commands = []
        for i, (lon, lat) in enumerate(centres):
            for j, (radius, unit) in enumerate(radii):
                options = SEARCH_OPTIONS[(i + j) % len(SEARCH_OPTIONS)]
                commands.append(["GEORADIUS", "g", lon, lat, radius, unit, *options])
                commands.append(
                    ["GEOSEARCH", "g", "FROMLONLAT", lon, lat, "BYRADIUS", radius, unit, *options]
                )
                commands.append(["GEOSEARCH", "g", "FROMLONLAT", lon, lat, "BYBOX", radius,
                                 radius, unit, *options])  # fmt: skip
            commands.append(["GEORADIUS_RO", "g", lon, lat, "3000", "km", "WITHDIST", "ASC"])
        for member in ["Palermo", "East", "West", "North", "Corner", "Same1", "Origin"]:
            for options in SEARCH_OPTIONS:
                commands.append(["GEORADIUSBYMEMBER", "g", member, "2000", "km", *options])
                commands.append(["GEOSEARCH", "g", "FROMMEMBER", member, "BYBOX", "4000", "500",
                                 "km", *options])  # fmt: skip
            commands.append(["GEORADIUSBYMEMBER_RO", "g", member, "0", "m", "WITHCOORD"])
        commands.append(["GEORADIUS", "weird", "0", "0", "20000", "km", "WITHHASH", "WITHCOORD"])
        commands.append(["GEOSEARCH", "weird", "FROMMEMBER", "neg", "BYRADIUS", "1", "m"])
        self.both_protocols(commands)

    def test_boxes_across_the_antimeridian_and_ties(self) -> None:
        commands = [
            ["GEOSEARCH", "g", "FROMLONLAT", "180", "5", "BYBOX", "3000", "3000", "km", "ASC"],
            ["GEOSEARCH", "g", "FROMLONLAT", "-179.9", "10", "BYBOX", "100", "10", "km"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Edge1", "BYBOX", "50", "50", "km", "WITHDIST"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Edge2", "BYRADIUS", "50", "km", "DESC"],
            ["GEOSEARCH", "g", "FROMLONLAT", "10", "10", "BYRADIUS", "1", "m", "WITHDIST"],
            ["GEOSEARCH", "g", "FROMLONLAT", "10", "10", "BYRADIUS", "1", "m", "COUNT", "2"],
            ["GEOSEARCH", "g", "FROMLONLAT", "10", "10", "BYRADIUS", "1", "m", "DESC"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "0", "0", "m"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "40000", "1", "km"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "40000", "km"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "inf", "inf", "km"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "80", "BYBOX", "40000", "2000", "km"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "-80", "BYBOX", "40000", "2000", "km"],
        ]
        self.both_protocols(commands)

    def test_search_argument_errors(self) -> None:
        commands = [
            ["GEORADIUS", "g", "200", "0", "1", "km"],
            ["GEORADIUS", "g", "x", "0", "1", "km"],
            ["GEORADIUS", "g", "0", "0", "x", "km"],
            ["GEORADIUS", "g", "0", "0", "-1", "km"],
            ["GEORADIUS", "g", "0", "0", "1", "parsec"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "COUNT", "0"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "COUNT", "-5"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "COUNT", "x"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "COUNT"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "ANY"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "STORE"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "STORE", "d", "WITHDIST"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "WITHHASH", "STOREDIST", "d"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "FROMMEMBER", "Palermo"],
            ["GEORADIUS", "g", "0", "0", "1", "km", "BOGUS"],
            ["GEORADIUS", "str", "0", "0", "1", "km"],
            ["GEORADIUS", "str", "200", "0", "1", "km"],
            ["GEORADIUS", "nokey", "200", "0", "1", "km"],
            ["GEORADIUS", "nokey", "0", "0", "1", "km", "ANY"],
            ["GEORADIUS", "nokey", "0", "0", "1", "km", "COUNT", "1"],
            ["GEORADIUS_RO", "g", "0", "0", "1", "km", "STORE", "d"],
            ["GEORADIUSBYMEMBER_RO", "g", "Palermo", "1", "km", "STOREDIST", "d"],
            ["GEORADIUSBYMEMBER", "g", "nosuch", "1", "km"],
            ["GEORADIUSBYMEMBER", "g", "nosuch", "x", "km"],
            ["GEORADIUSBYMEMBER", "g", "Palermo", "x", "km"],
            ["GEORADIUSBYMEMBER", "nokey", "m", "x", "parsec"],
            ["GEORADIUSBYMEMBER", "nokey", "m", "x", "parsec", "BOGUS"],
            ["GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "STORE", "d", "WITHDIST"],
            ["GEORADIUSBYMEMBER", "str", "m", "1", "km"],
            ["GEOSEARCH", "g", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "m"],
            ["GEOSEARCH", "g", "BYRADIUS", "1", "m", "FROMMEMBER", "nosuch"],
            ["GEOSEARCH", "nokey", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "m"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "ANY"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "COUNT", "0"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "WITHDIST", "COUNT", "1"],
            ["GEOSEARCH", "g", "BYRADIUS", "1", "m", "WITHDIST", "COUNT", "1"],
            ["geosearch", "g", "BYRADIUS", "1", "m", "WITHDIST", "COUNT", "1"],
            ["GeoSearch", "g", "FROMLONLAT", "0", "0", "WITHDIST", "COUNT", "1"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "FROMMEMBER", "Palermo", "BYRADIUS", "1",
             "m"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMLONLAT", "0", "0", "BYRADIUS", "1",
             "m"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMMEMBER", "Catania", "BYRADIUS",
             "100", "km"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m", "BYBOX", "1", "1",
             "m"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "1", "m", "BYRADIUS", "1",
             "m"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m", "BYRADIUS", "200",
             "km"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "-1", "1", "m"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "-1", "m"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "x", "1", "m"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "x", "m"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "1", "y"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "1"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m", "STORE", "d"],
            ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m", "STOREDIST"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "100", "BYRADIUS", "1", "m"],
            ["GEOSEARCH", "str", "FROMLONLAT", "0", "100", "BYRADIUS", "1", "m"],
            ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m",
             "WITHDIST"],
            ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m", "STORE",
             "x"],
            ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo", "COUNT", "1", "ANY"],
            ["GEOSEARCHSTORE", "d", "str", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m"],
            ["GEOSEARCHSTORE", "str", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m"],
            ["TYPE", "str"],
            ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m\x00zzz",
             "withdist\x00y"],
        ]  # fmt: skip
        self.both_protocols(commands)

    def test_store_variants(self) -> None:
        commands: list[list[str]] = [*SETUP, ["SET", "d", "x"]]
        stores = [
            ["GEORADIUS", "g", "15", "37", "3000", "km", "STORE", "d"],
            ["GEORADIUS", "g", "15", "37", "3000", "km", "STOREDIST", "d", "COUNT", "3"],
            ["GEORADIUS", "g", "15", "37", "3000", "mi", "STORE", "d", "STOREDIST", "d2"],
            ["GEORADIUS", "g", "15", "37", "1", "m", "STORE", "d"],
            ["GEORADIUS", "g", "15", "37", "1", "m", "STORE", "d"],
            ["GEORADIUSBYMEMBER", "g", "Palermo", "5000", "km", "STORE", "d", "DESC", "COUNT",
             "4"],
            ["GEORADIUSBYMEMBER", "g", "Palermo", "5000", "ft", "STOREDIST", "d", "ANY", "COUNT",
             "2"],
            ["GEORADIUSBYMEMBER", "nokey", "Palermo", "5000", "km", "STORE", "d"],
            ["GEORADIUS", "nokey", "0", "0", "1", "km", "STORE", "d"],
            ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "20000", "km"],
            ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYBOX", "8000", "8000", "km",
             "STOREDIST"],
            ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Same1", "BYRADIUS", "1", "km",
             "STOREDIST", "ASC", "COUNT", "1"],
            ["GEOSEARCHSTORE", "g", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km"],
            ["GEOSEARCHSTORE", "d", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km"],
            ["GEOSEARCHSTORE", "d", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km"],
        ]  # fmt: skip
        for store in stores:
            commands += [
                store,
                ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                ["ZRANGE", "d2", "0", "-1", "WITHSCORES"],
                ["ZRANGE", "g", "0", "-1", "WITHSCORES"],
                ["OBJECT", "ENCODING", "d"],
            ]
        self.assertSameReplies(commands)

    def test_notifications(self) -> None:
        self.assertSameReplies([["CONFIG", "SET", "notify-keyspace-events", "KEA"]])
        self.addCleanup(self.assertSameReplies, [["CONFIG", "SET", "notify-keyspace-events", ""]])
        self.assertSameNotifications(
            [
                *SETUP,
                ["GEORADIUS", "g", "15", "37", "300", "km", "STORE", "d"],
                ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"],
                ["GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"],
            ]
        )

    def test_random_points_and_queries(self) -> None:
        rng = random.Random(2026)
        commands: list[list[str]] = []
        for batch in range(4):
            args = []
            for i in range(100):
                lon = rng.uniform(-180, 180)
                lat = rng.uniform(-85.05112878, 85.05112878)
                if rng.random() < 0.1:  # clusters: close points, equal distances
                    lon, lat = round(lon, 1), round(lat, 1)
                args += [repr(lon), repr(lat), f"p{batch}-{i}"]
            commands.append(["GEOADD", "r", *args])
        members = [f"p{b}-{i}" for b in range(4) for i in range(100)]
        units = ["m", "km", "mi", "ft"]
        for _ in range(300):
            unit = rng.choice(units)
            radius = repr(rng.choice([rng.uniform(0, 3000), rng.uniform(0, 20000)]))
            scale = {"m": 1000, "km": 1, "mi": 0.621, "ft": 3281}[unit]
            radius = repr(float(radius) * scale)
            options = list(rng.choice(SEARCH_OPTIONS))
            lon = repr(rng.uniform(-180, 180))
            lat = repr(rng.uniform(-85, 85))
            member = rng.choice(members)
            kind = rng.randrange(5)
            if kind == 0:
                commands.append(["GEORADIUS", "r", lon, lat, radius, unit, *options])
            elif kind == 1:
                commands.append(["GEORADIUSBYMEMBER", "r", member, radius, unit, *options])
            elif kind == 2:
                height = repr(float(radius) * rng.uniform(0.1, 2))
                origin = rng.choice([["FROMLONLAT", lon, lat], ["FROMMEMBER", member]])
                commands.append(
                    ["GEOSEARCH", "r", *origin, "BYBOX", radius, height, unit, *options]
                )
            elif kind == 3:
                commands.append(["GEODIST", "r", member, rng.choice(members), unit])
            else:
                stored = ["STOREDIST"] if rng.random() < 0.5 else []
                commands += [
                    ["GEOSEARCHSTORE", "d", "r", "FROMLONLAT", lon, lat, "BYRADIUS", radius, unit,
                     *[o for o in options if not o.startswith(("WITH", "with"))], *stored],
                    ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                ]  # fmt: skip
        commands.append(["GEOPOS", "r", *members])
        commands.append(["GEOHASH", "r", *members])
        self.assertSameReplies(commands)

    def test_equal_distances_with_count_follow_redis_partial_sort(self) -> None:
        # Many members on a few spots: COUNT's partial quicksort is not stable.
        rng = random.Random(5)
        spots = [("1", "1"), ("1.5", "1"), ("1", "1.5"), ("0.5", "0.5"), ("2", "2")]
        args = []
        for _ in range(120):
            lon, lat = rng.choice(spots)
            args += [lon, lat, f"m{rng.randrange(10**6)}"]
        commands = [["GEOADD", "t", *args]]
        for count in ["1", "2", "5", "7", "8", "30", "41", "60", "100", "119", "200"]:
            for order in ["ASC", "DESC"]:
                commands.append(["GEOSEARCH", "t", "FROMLONLAT", "1", "1", "BYRADIUS", "500",
                                 "km", order, "COUNT", count, "WITHDIST"])  # fmt: skip
                commands.append(["GEORADIUS", "t", "1.2", "1.1", "500", "km", order, "COUNT",
                                 count])  # fmt: skip
            commands.append(["GEORADIUS", "t", "1.2", "1.1", "500", "km", "COUNT", count, "ANY"])
        commands.append(["GEORADIUS", "t", "1.2", "1.1", "500", "km", "ASC"])
        commands.append(["GEORADIUS", "t", "1.2", "1.1", "500", "km", "DESC"])
        self.assertSameReplies(commands)

    def test_command_getkeys(self) -> None:
        self.assertSameReplies(
            [
                ["COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "m", "STORE", "d",
                 "storedist", "e"],
                ["COMMAND", "GETKEYS", "GEORADIUS", "k", "0", "0", "1", "store", "d"],
                ["COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "k", "m", "1", "m", "STOREDIST", "d"],
                ["COMMAND", "GETKEYSANDFLAGS", "GEORADIUS", "k", "0", "0", "1", "m", "STORE", "d"],
                ["COMMAND", "GETKEYSANDFLAGS", "GEOSEARCHSTORE", "d", "k", "FROMMEMBER", "m",
                 "BYRADIUS", "1", "m"],
                ["COMMAND", "GETKEYS", "GEOADD", "k", "1", "1", "m"],
            ]
        )  # fmt: skip


class GeoReplicationTests(TestCase):
    def test_a_redis_replica_applies_the_geo_stream(self) -> None:
        """GEOADD's ZADD and the STORE forms, applied by redis-server, give the same data."""
        master = start_replkv(self, "--enable-debug-command", "yes", "--repl-diskless-sync", "no")
        replica = start_redis_server(
            self, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", str(master.port)
        )
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        with RawClient(master.port) as client:
            client.pipeline(
                [
                    *SETUP,
                    ["GEOADD", "g", "XX", "CH", "1", "1", "Palermo", "2", "2", "nosuch"],
                    ["GEOADD", "g", "NX", "1", "1", "Palermo", "3", "3", "New"],
                    ["GEORADIUS", "g", "15", "37", "3000", "km", "STORE", "d1"],
                    ["GEORADIUSBYMEMBER", "g", "Paris", "900", "mi", "STOREDIST", "d2"],
                    ["GEOSEARCHSTORE", "d3", "g", "FROMLONLAT", "0", "0", "BYBOX", "9000", "900",
                     "km", "STOREDIST", "DESC", "COUNT", "3"],
                    ["GEOSEARCHSTORE", "d1", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "0", "m"],
                ]
            )  # fmt: skip
        wait_for(lambda: in_sync(master, replica), "the stream", master, replica)
        self.assertEqual(
            call(master.port, "DEBUG", "DIGEST"), call(replica.port, "DEBUG", "DIGEST")
        )
        self.assertEqual(call(master.port, "DBSIZE"), call(replica.port, "DBSIZE"))
