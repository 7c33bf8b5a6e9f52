"""Geo commands (geo.c) over sorted sets whose scores are 52-bit geohashes.

Events are Redis 7.0's: GEOADD is rewritten to the ZADD it performs (`zadd key
[options] score member …`, options as sent), and propagates only when it changed the
set; GEORADIUS / GEORADIUSBYMEMBER with STORE or STOREDIST and GEOSEARCHSTORE propagate
as sent when they wrote or deleted the destination. The arithmetic is in
`replkv/geohash.py`.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int
from replkv.commands.table import command
from replkv.commands.zsets import CH, NX, XX, get_zset, parse_score, store_result, zadd_generic
from replkv.errors import CommandError
from replkv.geohash import (
    LAT_MAX,
    LAT_MIN,
    LONG_MAX,
    LONG_MIN,
    Shape,
    decode_score,
    distance,
    geohash_string,
    score_of,
    score_range,
    to_int64,
)
from replkv.keyspace.zset import ScoreRange, ZSet
from replkv.pqsort import pqsort

NEED_RADIUS = errors.err("need numeric radius")
NEED_WIDTH = errors.err("need numeric width")
NEED_HEIGHT = errors.err("need numeric height")
NEGATIVE_RADIUS = errors.err("radius cannot be negative")
NEGATIVE_BOX = errors.err("height or width cannot be negative")
BAD_UNIT = errors.err("unsupported unit provided. please use M, KM, FT, MI")
BAD_MEMBER = errors.err("could not decode requested zset member")
COUNT_POSITIVE = errors.err("COUNT must be > 0")
ANY_NEEDS_COUNT = errors.err("the ANY argument requires COUNT argument")

_UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}


def _c_lower(arg: bytes) -> bytes:
    """An argument as strcasecmp() sees it: up to its first NUL, lower-cased."""
    return arg.split(b"\0", 1)[0].lower()


def human_double(value: float, resp: int) -> bytes:
    """addReplyHumanLongDouble(): "%.17Lf" without trailing zeros."""
    text = b"%.17f" % value
    text = text.rstrip(b"0").rstrip(b".")
    if text == b"-0":
        text = b"0"
    if resp == 3:
        return b",%b\r\n" % text
    return b"$%d\r\n%b\r\n" % (len(text), text)


def distance_reply(value: float) -> bytes:
    """addReplyDoubleDistance(): four decimals, a bulk string in either protocol."""
    return reply.bulk(b"%.4f" % value)


def parse_lonlat(longitude: bytes, latitude: bytes) -> tuple[float, float]:
    """extractLongLatOrReply()."""
    lon = parse_score(longitude)
    lat = parse_score(latitude)
    if lon < LONG_MIN or lon > LONG_MAX or lat < LAT_MIN or lat > LAT_MAX:
        raise CommandError(b"-ERR invalid longitude,latitude pair %f,%f\r\n" % (lon, lat))
    return lon, lat


def parse_unit(unit: bytes) -> float:
    """extractUnitOrReply(): metres per unit."""
    found = _UNITS.get(_c_lower(unit))
    if found is None:
        raise CommandError(BAD_UNIT)
    return found


def _parse_radius(shape: Shape, radius: bytes, unit: bytes) -> None:
    """extractDistanceOrReply()."""
    value = parse_score(radius, NEED_RADIUS)
    if value < 0:
        raise CommandError(NEGATIVE_RADIUS)
    shape.radius = value
    shape.conversion = parse_unit(unit)
    shape.is_box = False


def _parse_box(shape: Shape, width: bytes, height: bytes, unit: bytes) -> None:
    """extractBoxOrReply()."""
    w = parse_score(width, NEED_WIDTH)
    h = parse_score(height, NEED_HEIGHT)
    if h < 0 or w < 0:
        raise CommandError(NEGATIVE_BOX)
    shape.width = w
    shape.height = h
    shape.conversion = parse_unit(unit)
    shape.is_box = True


def _member_position(zs: ZSet, member: bytes) -> tuple[float, float]:
    """longLatFromMember()."""
    score = zs.scores.get(member)
    if score is None:
        raise CommandError(BAD_MEMBER)
    return decode_score(score)


# -- GEOADD --------------------------------------------------------------------------


@command("geoadd", -5, "write denyoom", keys=(1, 1, 1), group="geo",
         summary="Add one or more geospatial items in the geospatial index represented "
         "using a sorted set", since="3.2.0")  # fmt: skip
def geoadd(client: Client, argv: list[bytes]) -> bytes:
    flags = 0
    longidx = 2
    while longidx < len(argv):
        option = _c_lower(argv[longidx])
        if option == b"nx":
            flags |= NX
        elif option == b"xx":
            flags |= XX
        elif option == b"ch":
            flags |= CH
        else:
            break
        longidx += 1
    if (len(argv) - longidx) % 3 or (flags & NX and flags & XX):
        return errors.SYNTAX
    # The ZADD it becomes (replaceClientCommandVector()): that is what propagates.
    zadd_argv = [b"zadd", *argv[1:longidx]]
    for i in range(longidx, len(argv), 3):
        lon, lat = parse_lonlat(argv[i], argv[i + 1])
        zadd_argv.append(b"%d" % score_of(lon, lat))
        zadd_argv.append(argv[i + 2])
    return zadd_generic(client, zadd_argv, flags, longidx)


# -- GEOPOS, GEOHASH, GEODIST --------------------------------------------------------


@command("geopos", -2, "readonly", keys=(1, 1, 1), group="geo",
         summary="Returns longitude and latitude of members of a geospatial index",
         since="3.2.0")  # fmt: skip
def geopos(client: Client, argv: list[bytes]) -> bytes:
    zs = get_zset(client, argv[1])
    scores = {} if zs is None else zs.scores
    resp = client.resp
    parts = []
    for member in argv[2:]:
        score = scores.get(member)
        if score is None:
            parts.append(reply.null_array(resp))
            continue
        lon, lat = decode_score(score)
        parts.append(b"*2\r\n" + human_double(lon, resp) + human_double(lat, resp))
    return reply.array(parts)


@command("geohash", -2, "readonly", keys=(1, 1, 1), group="geo",
         summary="Returns members of a geospatial index as standard geohash strings",
         since="3.2.0")  # fmt: skip
def geohash(client: Client, argv: list[bytes]) -> bytes:
    zs = get_zset(client, argv[1])
    scores = {} if zs is None else zs.scores
    parts = []
    for member in argv[2:]:
        score = scores.get(member)
        parts.append(client.null if score is None else reply.bulk(geohash_string(score)))
    return reply.array(parts)


@command("geodist", -4, "readonly", keys=(1, 1, 1), group="geo",
         summary="Returns the distance between two members of a geospatial index",
         since="3.2.0")  # fmt: skip
def geodist(client: Client, argv: list[bytes]) -> bytes:
    to_meter = 1.0
    if len(argv) == 5:
        to_meter = parse_unit(argv[4])
    elif len(argv) > 5:
        return errors.SYNTAX
    zs = get_zset(client, argv[1])
    if zs is None:
        return client.null
    first = zs.scores.get(argv[2])
    second = zs.scores.get(argv[3])
    if first is None or second is None:
        return client.null
    lon1, lat1 = decode_score(first)
    lon2, lat2 = decode_score(second)
    return distance_reply(distance(lon1, lat1, lon2, lat2) / to_meter)


# -- GEORADIUS, GEORADIUSBYMEMBER, GEOSEARCH, GEOSEARCHSTORE -------------------------

RADIUS_COORDS = 1  # search around coordinates
RADIUS_MEMBER = 2  # search around a member
RADIUS_NOSTORE = 4  # no STORE / STOREDIST (the _RO variants)
GEOSEARCH = 8  # GEOSEARCH's arguments
GEOSEARCHSTORE = 16  # GEOSEARCHSTORE: STOREDIST takes no key
SORT_NONE, SORT_ASC, SORT_DESC = 0, 1, 2

# A match: (member, score, longitude, latitude, distance in metres).
Point = tuple[bytes, float, float, float, float]


def find_points(zs: ZSet, shape: Shape, limit: int) -> list[Point]:
    """membersOfAllNeighbors(): the members inside shape, in the order Redis finds them
    (box by box, each box's score range ascending); stops at limit when limit > 0."""
    found: list[Point] = []
    boxes = shape.search_boxes()
    order = zs.order
    last = 0
    for index, box in enumerate(boxes):
        if box is None:
            continue
        # Huge radii make adjacent boxes equal: skip one equal to the last walked
        # (never compared with box 0, as in Redis).
        if last and box == boxes[last]:
            continue
        if found and limit and len(found) >= limit:
            break
        low, high = score_range(*box)
        start, stop = zs.score_span(ScoreRange(low, high, False, True))
        for score, member in order.islice(start, stop):
            lon, lat = decode_score(score)
            dist = shape.contains(lon, lat)
            if dist is not None:
                found.append((member, score, lon, lat, dist))
            if found and limit and len(found) >= limit:
                break
        last = index
    return found


def _distance_of(point: Point) -> float:
    return point[4]


def _by_distance(a: Point, b: Point) -> int:
    """sort_gp_asc()."""
    if a[4] > b[4]:
        return 1
    return 0 if a[4] == b[4] else -1


def _by_distance_desc(a: Point, b: Point) -> int:
    """sort_gp_desc()."""
    return -_by_distance(a, b)


class _Search:
    """The parsed options of one search."""

    __slots__ = (
        "withdist",
        "withhash",
        "withcoords",
        "frommember",
        "fromloc",
        "byradius",
        "bybox",
        "sort",
        "any",
        "count",
        "storekey",
        "storedist",
    )

    def __init__(self) -> None:
        self.withdist = self.withhash = self.withcoords = False
        self.frommember = self.fromloc = self.byradius = self.bybox = False
        self.sort = SORT_NONE
        self.any = False
        self.count = 0
        self.storekey: bytes | None = None
        self.storedist = False


def _parse_options(
    argv: list[bytes], base: int, flags: int, zs: ZSet | None, shape: Shape, search: _Search
) -> None:
    """georadiusGeneric()'s option loop: errors as they are met, in argument order."""
    remaining = len(argv) - base
    i = 0
    while i < remaining:
        arg = _c_lower(argv[base + i])
        more = remaining - i - 1  # arguments after this one
        if arg == b"withdist":
            search.withdist = True
        elif arg == b"withhash":
            search.withhash = True
        elif arg == b"withcoord":
            search.withcoords = True
        elif arg == b"any":
            search.any = True
        elif arg == b"asc":
            search.sort = SORT_ASC
        elif arg == b"desc":
            search.sort = SORT_DESC
        elif arg == b"count" and more >= 1:
            search.count = parse_int(argv[base + i + 1])
            if search.count <= 0:
                raise CommandError(COUNT_POSITIVE)
            i += 1
        elif (
            (arg == b"store" or arg == b"storedist")
            and more >= 1
            and not flags & (RADIUS_NOSTORE | GEOSEARCH)
        ):
            search.storekey = argv[base + i + 1]
            search.storedist = arg == b"storedist"
            i += 1
        elif arg == b"storedist" and flags & GEOSEARCH and flags & GEOSEARCHSTORE:
            search.storedist = True
        elif arg == b"frommember" and more >= 1 and flags & GEOSEARCH and not search.fromloc:
            if zs is not None:
                shape.longitude, shape.latitude = _member_position(zs, argv[base + i + 1])
            search.frommember = True
            i += 1
        elif arg == b"fromlonlat" and more >= 2 and flags & GEOSEARCH and not search.frommember:
            shape.longitude, shape.latitude = parse_lonlat(argv[base + i + 1], argv[base + i + 2])
            search.fromloc = True
            i += 2
        elif arg == b"byradius" and more >= 2 and flags & GEOSEARCH and not search.bybox:
            _parse_radius(shape, argv[base + i + 1], argv[base + i + 2])
            search.byradius = True
            i += 2
        elif arg == b"bybox" and more >= 3 and flags & GEOSEARCH and not search.byradius:
            _parse_box(shape, argv[base + i + 1], argv[base + i + 2], argv[base + i + 3])
            search.bybox = True
            i += 3
        else:
            raise CommandError(errors.SYNTAX)
        i += 1


def _check_options(argv: list[bytes], flags: int, search: _Search) -> None:
    """The checks once every option is read, in Redis's order."""
    name = argv[0].decode("latin-1")
    if search.storekey is not None and (search.withdist or search.withhash or search.withcoords):
        what = "GEOSEARCHSTORE" if flags & GEOSEARCHSTORE else "STORE option in GEORADIUS"
        raise CommandError(
            errors.err(f"{what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
        )
    if flags & GEOSEARCH and not (search.frommember or search.fromloc):
        raise CommandError(
            errors.err(f"exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}")
        )
    if flags & GEOSEARCH and not (search.byradius or search.bybox):
        raise CommandError(
            errors.err(f"exactly one of BYRADIUS and BYBOX can be specified for {name}")
        )
    if search.any and not search.count:
        raise CommandError(ANY_NEEDS_COUNT)


def _search_reply(points: list[Point], search: _Search, conversion: float, resp: int) -> bytes:
    """The reply: members, each with the requested extras as a nested array."""
    extras = search.withdist + search.withhash + search.withcoords
    parts = [b"*%d\r\n" % len(points)]
    for member, score, lon, lat, dist in points:
        if extras:
            parts.append(b"*%d\r\n" % (extras + 1))
        parts.append(reply.bulk(member))
        if search.withdist:
            parts.append(distance_reply(dist / conversion))
        if search.withhash:
            parts.append(reply.integer(to_int64(score)))
        if search.withcoords:
            parts.append(b"*2\r\n" + human_double(lon, resp) + human_double(lat, resp))
    return b"".join(parts)


def georadius_generic(client: Client, argv: list[bytes], src_index: int, flags: int) -> bytes:
    """geo.c: georadiusGeneric()."""
    zs = get_zset(client, argv[src_index])
    shape = Shape()
    search = _Search()
    if flags & RADIUS_COORDS:
        base = 6
        shape.longitude, shape.latitude = parse_lonlat(argv[2], argv[3])
        _parse_radius(shape, argv[4], argv[5])
    elif flags & RADIUS_MEMBER:
        base = 5
        if zs is not None:  # without the key the radius is not even parsed
            shape.longitude, shape.latitude = _member_position(zs, argv[2])
            _parse_radius(shape, argv[3], argv[4])
    else:
        base = 2
        if flags & GEOSEARCHSTORE:
            base = 3
            search.storekey = argv[1]
    _parse_options(argv, base, flags, zs, shape, search)
    _check_options(argv, flags, search)
    storekey = search.storekey
    event = b"geosearchstore" if flags & GEOSEARCH else b"georadiusstore"
    if zs is None:
        if storekey is not None:
            return store_result(client, argv, storekey, [], event)
        return reply.EMPTY_ARRAY
    count = search.count
    sort = search.sort
    if count and sort == SORT_NONE and not search.any:
        sort = SORT_ASC  # COUNT means the nearest ones
    points = find_points(zs, shape, count if search.any else 0)
    if not points and storekey is None:
        return reply.EMPTY_ARRAY
    if sort != SORT_NONE:
        returned = len(points) if not count or count > len(points) else count
        if returned == len(points):
            # glibc's qsort is a merge sort: stable, equal distances keep their order.
            points.sort(key=_distance_of, reverse=sort == SORT_DESC)
        else:
            pqsort(points, _by_distance if sort == SORT_ASC else _by_distance_desc, 0, returned - 1)
    if count:
        points = points[:count]
    if storekey is None:
        return _search_reply(points, search, shape.conversion, client.resp)
    conversion = shape.conversion
    if search.storedist:
        pairs = [(point[0], point[4] / conversion) for point in points]
    else:
        pairs = [(point[0], point[1]) for point in points]
    return store_result(client, argv, storekey, pairs, event)


@command("georadius", -6, "write denyoom movablekeys", keys=(1, 1, 1), group="geo",
         summary="Query a sorted set representing a geospatial index to fetch members "
         "matching a given maximum distance from a point", since="3.2.0")  # fmt: skip
def georadius(client: Client, argv: list[bytes]) -> bytes:
    return georadius_generic(client, argv, 1, RADIUS_COORDS)


@command("georadiusbymember", -5, "write denyoom movablekeys", keys=(1, 1, 1), group="geo",
         summary="Query a sorted set representing a geospatial index to fetch members "
         "matching a given maximum distance from a member", since="3.2.0")  # fmt: skip
def georadiusbymember(client: Client, argv: list[bytes]) -> bytes:
    return georadius_generic(client, argv, 1, RADIUS_MEMBER)


@command("georadius_ro", -6, "readonly", keys=(1, 1, 1), group="geo",
         summary="A read-only variant for GEORADIUS", since="3.2.10")  # fmt: skip
def georadius_ro(client: Client, argv: list[bytes]) -> bytes:
    return georadius_generic(client, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE)


@command("georadiusbymember_ro", -5, "readonly", keys=(1, 1, 1), group="geo",
         summary="A read-only variant for GEORADIUSBYMEMBER", since="3.2.10")  # fmt: skip
def georadiusbymember_ro(client: Client, argv: list[bytes]) -> bytes:
    return georadius_generic(client, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE)


@command("geosearch", -7, "readonly", keys=(1, 1, 1), group="geo",
         summary="Query a sorted set representing a geospatial index to fetch members "
         "inside an area of a box or a circle.", since="6.2.0")  # fmt: skip
def geosearch(client: Client, argv: list[bytes]) -> bytes:
    return georadius_generic(client, argv, 1, GEOSEARCH)


@command("geosearchstore", -8, "write denyoom", keys=(1, 2, 1), group="geo",
         summary="Query a sorted set representing a geospatial index to fetch members "
         "inside an area of a box or a circle, and store the result in another key.",
         since="6.2.0")  # fmt: skip
def geosearchstore(client: Client, argv: list[bytes]) -> bytes:
    return georadius_generic(client, argv, 2, GEOSEARCH | GEOSEARCHSTORE)
