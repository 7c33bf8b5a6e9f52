"""What the replication tests ask of running servers (replkv or redis-server alike):
INFO fields, one-off commands, bounded waits, and whether replicas caught up."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence

import hiredis

from tests.support.processes import ServerProcess
from tests.support.resp_client import Arg, RawClient

WAIT = 15.0  # seconds any one wait may take
_MARKERS = itertools.count()


def info(port: int, *sections: str) -> dict[str, str]:
    """INFO's fields (by default of `replication` and `stats`) as a dict."""
    fields: dict[str, str] = {}
    with RawClient(port) as client:
        for section in sections or ("replication", "stats"):
            text = client.call("INFO", section).decode()
            fields.update(line.split(":", 1) for line in text.split("\r\n") if ":" in line)
    return fields


def info_field(port: int, name: str) -> str:
    """One field of INFO replication or INFO stats."""
    fields = info(port)
    if name not in fields:
        raise AssertionError(f"no {name} in INFO")
    return fields[name]


def call(port: int, *args: str | bytes) -> bytes:
    """One command on a new connection; its raw reply."""
    with RawClient(port) as client:
        return client.call(*args)


def wait_for(condition: Callable[[], bool], what: str, *servers: ServerProcess) -> None:
    """Poll condition until it holds; after WAIT seconds fail with the servers' logs."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)  # polling interval; the deadline bounds the wait
    logs = "\n".join(f"--- {server.name} {server.port}\n{server.log_text()}" for server in servers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def in_sync(master: ServerProcess, *replicas: ServerProcess) -> bool:
    """Every replica's link is up, at the master's offset, with the master's data."""
    offset = info_field(master.port, "master_repl_offset")
    digest = call(master.port, "DEBUG", "DIGEST")
    for replica in replicas:
        fields = info(replica.port, "replication")
        if fields.get("master_link_status") != "up" or fields["slave_repl_offset"] != offset:
            return False
        if call(replica.port, "DEBUG", "DIGEST") != digest:
            return False
    return True


def sync_events(port: int, script: Sequence[Sequence[Arg]]) -> list[list[bytes]]:
    """The events a replica attached with plain SYNC receives while script runs on
    another connection, PINGs left out.

    The server must send its snapshot as one bulk (`repl-diskless-sync no`). A SET of
    a marker before and after the script brackets its events; the markers are unique
    to the call, since a snapshot may be older than the connection. Bounded by WAIT.
    """
    deadline = time.monotonic() + WAIT
    with RawClient(port) as replica, RawClient(port) as writer:
        replica.send_raw(b"SYNC\r\n")
        rest = _after_snapshot(replica, deadline)
        marker = b"%d" % next(_MARKERS)
        start = [b"SET", b"__start__", marker]
        end = [b"SET", b"__end__", marker]
        writer.call(*start)
        for argv in script:
            writer.call(*argv)
        writer.call(*end)
        reader = hiredis.Reader()
        reader.feed(rest)
        events: list[list[bytes]] = []
        started = False
        while True:
            event = reader.gets()
            if event is False:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the script's events did not all arrive: {events}")
                reader.feed(replica.read_until_quiet(0.05, timeout=1))
                continue
            if started and event == end:
                break
            if started and event[0].upper() != b"PING":
                events.append(event)
            started = started or event == start
        writer.call("DEL", "__start__", "__end__")
    return events


def _after_snapshot(replica: RawClient, deadline: float) -> bytes:
    """Skip what SYNC answers first (newlines while saving, then the snapshot as one
    bulk); what follows is the replication stream."""
    received = b""
    while True:
        payload = received.lstrip(b"\n")
        if payload.startswith(b"$") and b"\r\n" in payload:
            header = payload.index(b"\r\n")
            end = header + 2 + int(payload[1:header])
            if len(payload) >= end:
                return payload[end:]
        if time.monotonic() > deadline:
            raise AssertionError(f"no snapshot after SYNC: {received[:100]!r}")
        received += replica.read_until_quiet(0.05, timeout=1)
