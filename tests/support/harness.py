"""An in-process server for unit tests: commands in, replies and logged events out.

A Server on a task.Clock with one client, no sockets. `replay()` applies the log to a
fresh server the way a replica or a restart does, so a test can check that the events
rebuild the same data.
"""

from __future__ import annotations

from typing import Any

import hiredis
from twisted.internet.task import Clock

from replkv.client import Client
from replkv.config import Config
from replkv.server import Server

START = 1_700_000_000.0  # clock seconds at the start of every test
START_MS = int(START * 1000)


class Harness:
    """A server on a task.Clock, a client, the events it logged, and their replay."""

    def __init__(self, **config: Any) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        cfg = Config()
        for name, value in config.items():
            setattr(cfg, name, value)
        self.server = Server(cfg, self.clock)
        self.client = Client(self.server, self.server.clients.next_id())
        self.server.clients.add(self.client)

    @property
    def keyspace(self) -> Any:
        return self.server.keyspace

    @property
    def db(self) -> Any:
        """Database 0."""
        return self.server.keyspace.dbs[0]

    def __call__(self, *argv: bytes | str | int) -> bytes | None:
        args = [a if isinstance(a, bytes) else str(a).encode() for a in argv]
        return self.server.execute(self.client, args)

    def events(self) -> list[list[bytes]]:
        """Every event on the log, SELECTs and MULTI/EXEC included."""
        reader = hiredis.Reader()
        reader.feed(self.server.log.read(self.server.log.start_offset, 1 << 30))
        found = []
        while (event := reader.gets()) is not False:
            found.append(event)
        return found

    def writes(self) -> list[list[bytes]]:
        """The events without the SELECTs."""
        return [event for event in self.events() if event[0].upper() != b"SELECT"]

    def mark(self) -> int:
        """The number of events so far, for new_events()."""
        return len(self.events())

    def new_events(self, since: int) -> list[list[bytes]]:
        return self.events()[since:]

    def dataset(self) -> list[tuple[dict[bytes, Any], dict[bytes, int]]]:
        """Every database's keys and expiry times."""
        return [(dict(db.data), dict(db.expires)) for db in self.keyspace.dbs]

    def replay(self) -> Harness:
        """A fresh server that applied this one's log as a replica or a restart would."""
        other = Harness()
        other.clock.advance(self.clock.seconds() - other.clock.seconds())
        other.keyspace.obey_master = True
        other.client.is_master_link = True
        for event in self.events():
            result = other.server.execute(other.client, event)
            assert result is None or not result.startswith(b"-"), (event, result)
        return other
