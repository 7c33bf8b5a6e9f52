"""Blocking scenarios run alike on redis-server and replkv: several named connections
to one server, some of which block ("b…" names) while others write."""

from __future__ import annotations

import time
from collections.abc import Sequence

from tests.support.resp_client import Arg, RawClient, encode_command


class Scenario:
    """Several connections to one server: some block, others write."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.clients: dict[str, RawClient] = {}

    def client(self, name: str) -> RawClient:
        if name not in self.clients:
            self.clients[name] = RawClient(self.port, timeout=5)
        return self.clients[name]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def blocked(self) -> int:
        info = self.client("_info").call("INFO", "clients")
        for line in info.split(b"\r\n"):
            if line.startswith(b"blocked_clients:"):
                return int(line.split(b":")[1])
        raise AssertionError(info)

    def run(self, steps: Sequence[tuple[str, Sequence[Arg]]]) -> list[tuple[str, bytes]]:
        """Each step: `name argv` sent; a command that blocks ("b" names) is sent
        without waiting; the replies every client got are collected in order."""
        seen: list[tuple[str, bytes]] = []
        for name, argv in steps:
            if name.startswith("b"):
                before = self.blocked()
                self.client(name).send_raw(encode_command(*argv))
                deadline = time.monotonic() + 5
                while self.blocked() == before and time.monotonic() < deadline:
                    time.sleep(0.005)
            else:
                seen.append((name, self.client(name).call(*argv)))
            time.sleep(0.02)
            for other, client in self.clients.items():
                if other.startswith("b"):
                    data = client.read_until_quiet(0.02, timeout=0.5)
                    if data:
                        seen.append((other, data))
        return seen
