"""An in-process server for unit tests: commands in, replies and logged events out.

A Server on a task.Clock with one client, no sockets. `replay()` applies the log to a
fresh server through the one apply path (replkv.keyspace.apply), as a replica or a
restart does, so a test can check that the events rebuild the same data.
"""

from __future__ import annotations

from typing import Any, Self

import hiredis
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.client import Client
from replkv.config import Config
from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.digest import dataset_digest
from replkv.reply import encode_command
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
        self._applier: StreamApplier | None = None

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

    def apply(self, *argv: bytes | str | int) -> StreamApplier:
        """Run a command as the master's stream would (trusted, reply dropped)."""
        if self._applier is None:
            self._applier = StreamApplier(self.server)
        args = [a if isinstance(a, bytes) else str(a).encode() for a in argv]
        self._applier.feed(encode_command(args))
        return self._applier

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

    def replay(self) -> Self:
        """A fresh server (of this harness's class) that applied this one's log as a
        replica or a restart would."""
        other = type(self)()
        other.clock.advance(self.clock.seconds() - other.clock.seconds())
        applier = StreamApplier(other.server)
        applier.feed(self.server.log.read(self.server.log.start_offset, 1 << 30))
        assert applier.errors == 0, "the log's events were refused"
        return other


class ReplayedCase(SynchronousTestCase):
    """Tests on a Harness (`self.h`) whose log, replayed after each test, must rebuild
    a dataset with the same digest."""

    def setUp(self) -> None:
        self.h = Harness()

    def tearDown(self) -> None:
        replica = self.h.replay()
        self.assertEqual(
            dataset_digest(replica.server.keyspace), dataset_digest(self.h.server.keyspace)
        )
