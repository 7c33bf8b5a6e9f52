"""Redis's geohash arithmetic (geohash.c, geohash_helper.c), float for float.

A position is stored as a sorted set score: the 52-bit interleaving of 26 bits of
latitude (even bits) and 26 bits of longitude (odd bits) over Redis's Web Mercator
ranges, longitude -180..180 and latitude -85.05112878..85.05112878. Every step here
does the same double operations in the same order as Redis, with glibc's libm (which
Python's `math` calls too), so decoded coordinates and distances agree to the last bit.
"""

from __future__ import annotations

import math

LONG_MIN = -180.0
LONG_MAX = 180.0
LAT_MIN = -85.05112878
LAT_MAX = 85.05112878
STEP_MAX = 26  # 26 bits per coordinate: a 52-bit score
EARTH_RADIUS = 6372797.560856  # metres (EARTH_RADIUS_IN_METERS)
MERCATOR_MAX = 20037726.37
D_R = math.pi / 180.0

MASK64 = 0xFFFFFFFFFFFFFFFF
_EVEN = 0x5555555555555555
_ODD = 0xAAAAAAAAAAAAAAAA
_BASE32 = b"0123456789bcdefghjkmnpqrstuvwxyz"

NAN = math.nan


# -- C's libm semantics: NaN instead of Python's ValueError --------------------------


def _cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else NAN


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else NAN


def deg_rad(angle: float) -> float:
    """Degrees to radians (geohash_helper.c's deg_rad)."""
    return angle * D_R


def rad_deg(angle: float) -> float:
    """Radians to degrees."""
    return angle / D_R


def to_uint64(value: float) -> int:
    """A double cast to uint64_t as gcc does it on x86-64 (out-of-range values included)."""
    if value != value:
        return 0x8000000000000000
    if value < 9223372036854775808.0:
        if value <= -9223372036854775809.0:
            return 0x8000000000000000  # cvttsd2si's "integer indefinite"
        return int(value) & MASK64
    shifted = value - 9223372036854775808.0
    if shifted >= 9223372036854775808.0:
        return 0  # indefinite, then the top bit flipped back
    return (int(shifted) ^ 0x8000000000000000) & MASK64


def to_int64(value: float) -> int:
    """A double cast to long long on x86-64 (WITHHASH's addReplyLongLong(score))."""
    if -9223372036854775808.0 <= value < 9223372036854775808.0:
        return int(value)
    return -9223372036854775808


# -- bit interleaving ----------------------------------------------------------------


def interleave(even: int, odd: int) -> int:
    """Spread two 32-bit values over the even and odd bits of a 64-bit one."""
    x, y = even & 0xFFFFFFFF, odd & 0xFFFFFFFF
    for shift, mask in (
        (16, 0x0000FFFF0000FFFF),
        (8, 0x00FF00FF00FF00FF),
        (4, 0x0F0F0F0F0F0F0F0F),
        (2, 0x3333333333333333),
        (1, 0x5555555555555555),
    ):
        x = (x | (x << shift)) & mask
        y = (y | (y << shift)) & mask
    return x | (y << 1)


def deinterleave(bits: int) -> tuple[int, int]:
    """The 32-bit values in the even and the odd bits of a 64-bit value."""
    x, y = bits & _EVEN, (bits >> 1) & _EVEN
    for shift, mask in (
        (1, 0x3333333333333333),
        (2, 0x0F0F0F0F0F0F0F0F),
        (4, 0x00FF00FF00FF00FF),
        (8, 0x0000FFFF0000FFFF),
        (16, 0x00000000FFFFFFFF),
    ):
        x = (x | (x >> shift)) & mask
        y = (y | (y >> shift)) & mask
    return x, y


# -- encoding and decoding -----------------------------------------------------------


def encode(
    longitude: float, latitude: float, step: int, lat_min: float = LAT_MIN, lat_max: float = LAT_MAX
) -> int:
    """geohashEncode(): the 2*step-bit hash of a position (already range-checked)."""
    lat_offset = (latitude - lat_min) / (lat_max - lat_min)
    long_offset = (longitude - LONG_MIN) / (LONG_MAX - LONG_MIN)
    scale = float(1 << step)
    # The offsets become uint32_t: truncation; 1.0 (longitude 180) makes 2**step.
    return interleave(int(lat_offset * scale), int(long_offset * scale))


def score_of(longitude: float, latitude: float) -> int:
    """The sorted set score GEOADD gives a position (geohashAlign52Bits at step 26)."""
    return encode(longitude, latitude, STEP_MAX)


def decode_area(bits: int, step: int) -> tuple[float, float, float, float]:
    """geohashDecode(): (long min, long max, lat min, lat max) of a hash's cell."""
    lat_cell, long_cell = deinterleave(bits)
    cells = float(1 << step)
    lat_scale = LAT_MAX - LAT_MIN
    long_scale = LONG_MAX - LONG_MIN
    return (
        LONG_MIN + (long_cell * 1.0 / cells) * long_scale,
        LONG_MIN + (((long_cell + 1) & 0xFFFFFFFF) * 1.0 / cells) * long_scale,
        LAT_MIN + (lat_cell * 1.0 / cells) * lat_scale,
        LAT_MIN + (((lat_cell + 1) & 0xFFFFFFFF) * 1.0 / cells) * lat_scale,
    )


def decode_score(score: float) -> tuple[float, float]:
    """decodeGeohash(): a score's cell centre as (longitude, latitude), clamped to range."""
    bits = int(score) if 0.0 <= score < 18446744073709551616.0 else to_uint64(score)
    long_min, long_max, lat_min, lat_max = decode_area(bits, STEP_MAX)
    longitude = (long_min + long_max) / 2
    longitude = min(max(longitude, LONG_MIN), LONG_MAX)
    latitude = (lat_min + lat_max) / 2
    latitude = min(max(latitude, LAT_MIN), LAT_MAX)
    return longitude, latitude


def geohash_string(score: float) -> bytes:
    """GEOHASH: the standard 11-character geohash (latitude -90..90) of a score."""
    longitude, latitude = decode_score(score)
    bits = encode(longitude, latitude, STEP_MAX, -90.0, 90.0)
    chars = [_BASE32[(bits >> (52 - (i + 1) * 5)) & 0x1F] for i in range(10)]
    return bytes(chars) + b"0"  # 52 bits make 10.4 characters: the 11th is always 0


# -- neighbours and the nine search boxes --------------------------------------------


def _move(bits: int, step: int, delta: int, moving: int, fixed: int) -> int:
    """geohash_move_x / _y: one cell along the coordinate in the `moving` bits."""
    part = bits & moving
    other = bits & fixed
    shift = 64 - step * 2
    fill = fixed >> shift
    if delta > 0:
        part = (part + fill + 1) & MASK64
    else:
        part = ((part | fill) - (fill + 1)) & MASK64
    return (part & (moving >> shift)) | other


def move(bits: int, step: int, dx: int, dy: int) -> int:
    """The hash dx cells east and dy cells north (wrapping around)."""
    if dx:
        bits = _move(bits, step, dx, _ODD, _EVEN)
    if dy:
        bits = _move(bits, step, dy, _EVEN, _ODD)
    return bits


# The order membersOfAllNeighbors() visits: self, N, S, E, W, NE, NW, SE, SW.
_DIRECTIONS = ((0, 0), (0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))


def estimate_steps(range_meters: float, latitude: float) -> int:
    """geohashEstimateStepsByRadius(): the cell size the nine boxes use."""
    if range_meters == 0:
        return 26
    step = 1
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if latitude > 66 or latitude < -66:
        step -= 1
        if latitude > 80 or latitude < -80:
            step -= 1
    return min(max(step, 1), 26)


class Shape:
    """GeoShape: a centre and a radius, or a width and height, in a unit (× conversion)."""

    __slots__ = ("longitude", "latitude", "radius", "width", "height", "conversion", "is_box")

    def __init__(self) -> None:
        self.longitude = 0.0
        self.latitude = 0.0
        self.radius = 0.0
        self.width = 0.0
        self.height = 0.0
        self.conversion = 0.0
        self.is_box = False

    def bounding_box(self) -> tuple[float, float, float, float]:
        """geohashBoundingBox(): (min long, min lat, max long, max lat) of the search."""
        longitude, latitude = self.longitude, self.latitude
        if self.is_box:
            height = self.conversion * (self.height / 2)
            width = self.conversion * (self.width / 2)
        else:
            height = self.conversion * self.radius
            width = self.conversion * self.radius
        lat_delta = rad_deg(height / EARTH_RADIUS)
        long_delta_top = rad_deg(width / EARTH_RADIUS / _cos(deg_rad(latitude + lat_delta)))
        long_delta_bottom = rad_deg(width / EARTH_RADIUS / _cos(deg_rad(latitude - lat_delta)))
        long_delta = long_delta_bottom if latitude < 0 else long_delta_top
        return (
            longitude - long_delta,
            latitude - lat_delta,
            longitude + long_delta,
            latitude + lat_delta,
        )

    def search_boxes(self) -> list[tuple[int, int] | None]:
        """geohashCalculateAreasByShapeWGS84(): the nine (bits, step) boxes to walk, in
        visiting order; None for a box left out (GZERO)."""
        min_lon, min_lat, max_lon, max_lat = self.bounding_box()
        if self.is_box:
            half_w, half_h = self.width / 2, self.height / 2
            radius_meters = _sqrt(half_w * half_w + half_h * half_h)
        else:
            radius_meters = self.radius
        radius_meters *= self.conversion
        steps = estimate_steps(radius_meters, self.latitude)
        bits = encode(self.longitude, self.latitude, steps)
        north = decode_area(move(bits, steps, 0, 1), steps)
        south = decode_area(move(bits, steps, 0, -1), steps)
        east = decode_area(move(bits, steps, 1, 0), steps)
        west = decode_area(move(bits, steps, -1, 0), steps)
        # The estimate is too fine when an edge neighbour does not reach the bounds.
        if steps > 1 and (
            north[3] < max_lat or south[2] > min_lat or east[1] < max_lon or west[0] > min_lon
        ):
            steps -= 1
            bits = encode(self.longitude, self.latitude, steps)
        area = decode_area(bits, steps)
        boxes: list[tuple[int, int] | None] = [
            (move(bits, steps, dx, dy), steps) for dx, dy in _DIRECTIONS
        ]
        if steps >= 2:  # leave out the boxes beyond the search area
            if area[2] < min_lat:
                boxes[2] = boxes[7] = boxes[8] = None
            if area[3] > max_lat:
                boxes[1] = boxes[5] = boxes[6] = None
            if area[0] < min_lon:
                boxes[4] = boxes[8] = boxes[6] = None
            if area[1] > max_lon:
                boxes[3] = boxes[7] = boxes[5] = None
        return boxes

    def contains(self, longitude: float, latitude: float) -> float | None:
        """geoWithinShape(): the distance from the centre in metres, None if outside."""
        if self.is_box:
            return in_rectangle(
                self.width * self.conversion,
                self.height * self.conversion,
                self.longitude,
                self.latitude,
                longitude,
                latitude,
            )
        found = distance(self.longitude, self.latitude, longitude, latitude)
        return None if found > self.radius * self.conversion else found


def score_range(bits: int, step: int) -> tuple[float, float]:
    """scoresOfGeoHashBox(): the scores [min, max) of the positions inside a box."""
    shift = 52 - step * 2
    return float((bits << shift) & MASK64), float(((bits + 1) << shift) & MASK64)


# -- distances -----------------------------------------------------------------------


def distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """geohashGetDistance(): the haversine great-circle distance in metres."""
    lat1r = lat1 * D_R
    lon1r = lon1 * D_R
    lat2r = lat2 * D_R
    lon2r = lon2 * D_R
    try:
        u = math.sin((lat2r - lat1r) / 2)
        v = math.sin((lon2r - lon1r) / 2)
        return (
            2.0
            * EARTH_RADIUS
            * math.asin(math.sqrt(u * u + math.cos(lat1r) * math.cos(lat2r) * v * v))
        )
    except ValueError:  # an infinity or asin() past 1: C's libm answers NaN
        return NAN


def in_rectangle(
    width_m: float, height_m: float, x1: float, y1: float, x2: float, y2: float
) -> float | None:
    """geohashGetDistanceIfInRectangle(): BYBOX's test of (x2, y2) against the box
    centred on (x1, y1); the distance between the two when inside."""
    lon_distance = distance(x2, y2, x1, y2)
    lat_distance = distance(x2, y2, x2, y1)
    if lon_distance > width_m / 2 or lat_distance > height_m / 2:
        return None
    return distance(x1, y1, x2, y2)
