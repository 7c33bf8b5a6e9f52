"""COMMAND DOCS's data: Redis 7.0's documentation of each command, as Redis answers it.

`command_docs.json` (written by `scripts/capture_command_docs.py` from redis-server
7.0.15) maps each lower-case command name, `container|sub` for a subcommand, to the
RESP3 bytes of its docs map; a container's map is stored without its `subcommands`
field, which the server builds from the subcommands it implements. It is read once,
on the first COMMAND DOCS, and each entry is kept in both protocols' forms.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from replkv.resp3 import to_resp2

DATA_FILE = "command_docs.json"


@cache
def _entries() -> dict[str, tuple[int, bytes, bytes]]:
    """Each name's docs map as (field count, RESP2 fields, RESP3 fields), headers cut off."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    entries = {}
    for name, docs in json.loads(text).items():
        raw = docs.encode("utf-8")
        header_end = raw.index(b"\r\n") + 2
        if raw[:1] != b"%":
            raise ValueError(f"{DATA_FILE}: {name} is not a map")
        body = raw[header_end:]
        entries[name] = (int(raw[1 : header_end - 2]), to_resp2(body), body)
    return entries


def stored_fields(name: str, resp: int) -> tuple[int, bytes] | None:
    """The number of fields of name's stored docs map and their bytes for `resp`."""
    entry = _entries().get(name)
    if entry is None:
        return None
    count, resp2, resp3 = entry
    return count, resp3 if resp == 3 else resp2
