"""A Redis 7 AOF manifest listing the segments, so `redis-check-aof <manifest>` checks them all.

replkv itself finds its segments by name (each is named after its start offset) and does
not read the manifest; it rewrites it whenever the set of segments changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

MANIFEST_SUFFIX = ".manifest"


def manifest_text(names: Iterable[str]) -> bytes:
    """The manifest listing names as INCR files (`type i`), in order, seq from 1."""
    lines = ["# replkv event log: segments named after their start offset\n"]
    lines += [f"file {name} seq {seq} type i\n" for seq, name in enumerate(names, 1)]
    return "".join(lines).encode()


def write_manifest(directory: str, filename: str, names: Iterable[str]) -> None:
    """Replace `<directory>/<filename>.manifest` atomically (a rename)."""
    path = os.path.join(directory, filename + MANIFEST_SUFFIX)
    temporary = path + ".tmp"
    with open(temporary, "wb") as file:
        file.write(manifest_text(names))
    os.replace(temporary, path)
