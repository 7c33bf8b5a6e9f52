"""Capture redis-server's COMMAND DOCS replies into replkv's data file.

COMMAND DOCS answers Redis's documentation of each command (summary, since, group,
complexity, doc_flags, deprecated_since, replaced_by, history, arguments, …): data,
not code, so replkv serves it from `src/replkv/commands/command_docs.json`, which
this script writes. Run it from the checkout, with the virtualenv's Python:

    .venv/bin/python scripts/capture_command_docs.py [--redis-server PATH] [--output PATH]

It starts a redis-server (7.0.15 is the reference; the version found is printed)
on a free 127.0.0.1 port with no persistence, switches to RESP3 (HELLO 3) so that
maps, sets and arrays keep their types, and asks `COMMAND DOCS <name>` for every
command, and `COMMAND DOCS <container|sub>` for every subcommand of a container.
The file maps each lower-case name (`get`, `config|get`) to the RESP3 bytes of
its docs map exactly as redis-server sent them (the value of the one-entry reply
map), as a string (UTF-8, JSON-escaped). One change: a container's entry is kept
without its trailing `subcommands` field, since each subcommand is stored under
its own name and replkv rebuilds that field from the subcommands it implements.

Rerun it when moving to another Redis version, then run the interop tests
(`tests/interop/test_server_vs_redis.py`), which compare every command's docs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from replkv.resp3 import element_end

OUTPUT = Path(__file__).resolve().parents[1] / "src/replkv/commands/command_docs.json"
START_TIMEOUT = 10.0
REPLY_TIMEOUT = 10.0


class Connection:
    """A blocking RESP connection that reads one complete reply per command."""

    def __init__(self, port: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # redis-server is starting; the deadline bounds the wait
        self.buffer = b""

    def call(self, *args: str) -> bytes:
        """Send one command; the raw bytes of its reply."""
        encoded = [arg.encode() for arg in args]
        self.sock.sendall(
            b"*%d\r\n" % len(encoded)
            + b"".join(b"$%d\r\n%b\r\n" % (len(arg), arg) for arg in encoded)
        )
        while True:
            try:
                end = element_end(self.buffer)
            except (ValueError, IndexError):
                end = len(self.buffer) + 1  # incomplete header
            if end <= len(self.buffer):
                reply, self.buffer = self.buffer[:end], self.buffer[end:]
                return reply
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("redis-server closed the connection")
            self.buffer += chunk


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def split_elements(raw: bytes) -> list[bytes]:
    """The raw bytes of each top-level element of an aggregate (a map's keys and values)."""
    header_end = raw.index(b"\r\n") + 2
    count = int(raw[1 : header_end - 2]) * (2 if raw[:1] == b"%" else 1)
    elements, pos = [], header_end
    for _ in range(count):
        end = element_end(raw, pos)
        elements.append(raw[pos:end])
        pos = end
    return elements


def bulk_text(raw: bytes) -> str:
    """The text of a bulk string element."""
    return raw[raw.index(b"\r\n") + 2 : -2].decode()


def docs_of(connection: Connection, name: str) -> bytes:
    """The RESP3 docs map of one command, from `COMMAND DOCS name` (a one-entry map)."""
    raw = connection.call("COMMAND", "DOCS", name)
    elements = split_elements(raw)
    if len(elements) != 2 or bulk_text(elements[0]) != name:
        raise RuntimeError(f"unexpected COMMAND DOCS {name} reply: {raw[:200]!r}")
    return elements[1]


def capture(connection: Connection) -> dict[str, bytes]:
    """Every command's and subcommand's docs, by lower-case name."""
    if not connection.call("HELLO", "3").startswith(b"%"):
        raise RuntimeError("HELLO 3 refused")
    everything = split_elements(connection.call("COMMAND", "DOCS"))
    names = sorted(bulk_text(key) for key in everything[::2])
    docs: dict[str, bytes] = {}
    for name in names:
        entry = docs_of(connection, name)
        fields = split_elements(entry)
        keys = [bulk_text(key) for key in fields[::2]]
        if "subcommands" in keys:
            index = keys.index("subcommands")
            if index != len(keys) - 1:
                raise RuntimeError(f"{name}: subcommands is not the last field")
            subcommands = split_elements(fields[2 * index + 1])
            for sub_key, sub_entry in zip(subcommands[::2], subcommands[1::2], strict=True):
                sub_name = bulk_text(sub_key)
                docs[sub_name] = docs_of(connection, sub_name)
                if docs[sub_name] != sub_entry:
                    raise RuntimeError(f"{sub_name}: its docs differ inside {name}'s")
            entry = b"%%%d\r\n%b" % (len(keys) - 1, b"".join(fields[: 2 * index]))
        docs[name] = entry
    return docs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="capture-docs-") as workdir:
        port = free_port()
        server = subprocess.Popen(
            [options.redis_server, "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", workdir],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            connection = Connection(port)
            info = connection.call("INFO", "server").decode()
            version = info.split("redis_version:", 1)[1].split("\r\n", 1)[0]
            docs = capture(connection)
        finally:
            server.terminate()
            server.wait(START_TIMEOUT)
    text = {name: raw.decode("utf-8") for name, raw in sorted(docs.items())}
    options.output.write_text(json.dumps(text, indent=0, sort_keys=True) + "\n")
    print(f"redis-server {version}: {len(docs)} commands' docs written to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
