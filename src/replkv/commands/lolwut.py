"""LOLWUT (lolwut.c, lolwut5.c, lolwut6.c): version-dependent computer art."""

from __future__ import annotations

from replkv import REDIS_VERSION, reply
from replkv.client import Client
from replkv.commands.table import command

# The art is random in Redis too, so only its form and closing lines can match.

_BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def _braille(pixels: list[list[bool]]) -> str:
    """Render a pixel grid 2 wide × 4 high per braille character (lolwut.c: lwRenderCanvas())."""
    height, width = len(pixels), len(pixels[0])
    rows = []
    for top in range(0, height, 4):
        chars = []
        for left in range(0, width, 2):
            code = 0
            for dy in range(4):
                for dx in range(2):
                    if top + dy < height and left + dx < width and pixels[top + dy][left + dx]:
                        code |= _BRAILLE_BITS[dy][dx]
            chars.append(chr(0x2800 + code))
        rows.append("".join(chars))
    return "\n".join(rows) + "\n"


def _schotter(cols: int, per_row: int, per_col: int) -> str:
    """LOLWUT 5: Georg Nees's "Schotter": squares ever more displaced and rotated downwards."""
    import math
    import random

    width = cols * 2
    side = max(width // max(per_row, 1), 1)
    height = side * per_col
    pixels = [[False] * width for _ in range(height)]
    rng = random.Random()

    def plot(x: float, y: float) -> None:
        if 0 <= int(y) < height and 0 <= int(x) < width:
            pixels[int(y)][int(x)] = True

    for row in range(per_col):
        for column in range(per_row):
            chaos = row / max(per_col - 1, 1)
            angle = rng.uniform(-1, 1) * chaos * math.pi / 4
            cx = column * side + side / 2 + rng.uniform(-1, 1) * chaos * side / 4
            cy = row * side + side / 2 + rng.uniform(-1, 1) * chaos * side / 4
            corners = []
            for k in range(4):
                theta = angle + math.pi / 4 + k * math.pi / 2
                radius = (side - 2) / math.sqrt(2) / 2 * 2**0.5
                corners.append((cx + math.cos(theta) * radius, cy + math.sin(theta) * radius))
            for k in range(4):
                (x0, y0), (x1, y1) = corners[k], corners[(k + 1) % 4]
                steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
                for step in range(steps + 1):
                    plot(x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps)
    return _braille(pixels)


_SKY_COLOURS = ("0;97;107", "0;37;47", "0;90;100", "0;30;40")


def _skyscrapers(cols: int, rows: int) -> str:
    """LOLWUT 6: a random skyline in ANSI grey blocks (after Plaguemon)."""
    import random

    rng = random.Random()
    heights = [rng.randint(rows // 4, rows) for _ in range(max(cols // 4, 1))]
    lines = []
    for row in range(rows):
        cells = []
        for column in range(cols):
            building = heights[min(column // 4, len(heights) - 1)]
            if rows - row > building:
                colour = _SKY_COLOURS[0]
            else:
                colour = _SKY_COLOURS[1 + (column // 4 + row) % 3]
            cells.append("\x1b[%sm \x1b[0m" % colour)
        lines.append("".join(cells))
    return "\n".join(lines) + "\n"


def _lolwut_numbers(client: Client, args: list[bytes], defaults: list[int]) -> list[int]:
    from replkv.commands.args import parse_int

    values = list(defaults)
    for index, arg in enumerate(args[: len(values)]):
        values[index] = parse_int(arg)
    return values


@command("lolwut", -1, "readonly fast", group="server", acl_categories=("read", "fast"),
         summary="Display some computer art and the Redis version", since="5.0.0")  # fmt: skip
def lolwut(client: Client, argv: list[bytes]) -> bytes:
    from replkv.commands.args import parse_int

    version = int(REDIS_VERSION.split(".")[0])
    rest: list[bytes] = []
    if len(argv) >= 3 and argv[1].lower() == b"version":
        version = parse_int(argv[2])
        rest = argv[3:]
    tail = "Redis ver. %s\n" % REDIS_VERSION
    if version == 5:
        cols, per_row, per_col = _lolwut_numbers(client, rest, [66, 8, 12])
        cols, per_row, per_col = max(1, min(cols, 1000)), max(1, min(per_row, 200)), max(
            1, min(per_col, 200))  # fmt: skip
        text = (
            _schotter(cols, per_row, per_col)
            + "\nGeorg Nees - schotter, plotter on paper, 1968. "
            + tail
        )
    elif version == 6:
        cols, rows = _lolwut_numbers(client, rest, [80, 20])[:2]
        cols, rows = max(1, min(cols, 1000)), max(1, min(rows, 1000))
        text = _skyscrapers(cols, rows) + (
            "Dedicated to the 8 bit game developers of past and present.\n"
            "Original 8 bit image from Plaguemon by hikikomori. " + tail
        )
    else:
        text = tail
    return reply.verbatim(text.encode(), client.resp)
