"""What the replication tests ask of running servers (replkv or redis-server alike):
INFO fields, one-off commands, bounded waits, and whether replicas caught up."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.support.processes import ServerProcess
from tests.support.resp_client import RawClient

WAIT = 15.0  # seconds any one wait may take


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
