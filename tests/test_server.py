"""Execution units and the events they append, byte for byte as Redis 7.0.15 streams them.

The expected streams were captured from a real redis-server 7.0.15 (a SYNC connection
logging what the master propagates for the same commands).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.client import Client
from replkv.commands.registry import CommandTable
from replkv.commands.table import Command
from replkv.config import Config
from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.digest import dataset_digest
from replkv.reply import encode_command
from replkv.server import Server

START = 1_795_612_053.0


def events(*commands: list[bytes]) -> bytes:
    return b"".join(encode_command(c) for c in commands)


class PropagationTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.server = Server(Config(), self.clock)
        self.client = Client(self.server, 1)

    def run_commands(self, *commands: bytes) -> bytes:
        start = self.server.log.end_offset
        for line in commands:
            self.server.execute(self.client, line.split())
        return self.server.log.read(start, 1 << 20)

    def test_first_event_selects_its_database(self) -> None:
        self.assertEqual(
            self.run_commands(b"set a 1", b"get a", b"del nosuch"),
            events([b"SELECT", b"0"], [b"set", b"a", b"1"]),
        )

    def test_lazy_expiry_joins_the_command_in_one_transaction(self) -> None:
        self.run_commands(b"set kk v px 1")
        self.clock.advance(0.05)
        self.assertEqual(
            self.run_commands(b"incr kk", b"get kk"),
            events([b"MULTI"], [b"DEL", b"kk"], [b"incr", b"kk"], [b"EXEC"]),
        )

    def test_lazy_expiry_on_read_is_a_bare_del(self) -> None:
        self.run_commands(b"set zz v px 1")
        self.clock.advance(0.05)
        self.assertEqual(self.run_commands(b"get zz"), events([b"DEL", b"zz"]))

    def test_select_comes_before_multi(self) -> None:
        self.run_commands(b"set a 1")
        self.assertEqual(
            self.run_commands(b"select 2", b"multi", b"set b 1", b"incr b", b"exec"),
            events([b"SELECT", b"2"], [b"MULTI"], [b"set", b"b", b"1"], [b"incr", b"b"], [b"EXEC"]),
        )

    def test_single_write_transaction_is_bare_and_reads_emit_nothing(self) -> None:
        self.run_commands(b"set a 1")
        self.assertEqual(
            self.run_commands(b"multi", b"set t 1", b"get t", b"exec", b"multi", b"get t", b"exec"),
            events([b"set", b"t", b"1"]),
        )

    def test_offset_is_the_log_length(self) -> None:
        data = self.run_commands(b"set a 1", b"set b 2 px 100000")
        self.assertEqual(self.server.log.end_offset, len(data))
        self.assertIn(b"PXAT\r\n$13\r\n1795612153000\r\n", data)


class Boom(Exception):
    """What the failing test command raises."""


def _store_then_raise(client: Client, argv: list[bytes]) -> bytes:
    """A write that changes the data, records its event, then fails unexpectedly."""
    client.db.store(argv[1], argv[2])
    client.server.propagate(client.db, [b"SET", argv[1], argv[2]])
    raise Boom()


class FailingHandlerTests(SynchronousTestCase):
    """A handler that raises leaves no event pending: what it changed is logged at once."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        failing = Command("storeboom", _store_then_raise, 3, frozenset(["write"]))
        self.server = Server(Config(), self.clock, commands=CommandTable(extra=[failing]))
        self.client = Client(self.server, 1)
        self.server.execute(self.client, [b"SET", b"a", b"1"])  # log selected db 0

    def logged_after(self, start: int) -> bytes:
        return self.server.log.read(start, 1 << 20)

    def test_changes_of_a_failed_command_are_logged_as_their_own_unit(self) -> None:
        start = self.server.log.end_offset
        with self.assertRaises(Boom):
            self.server.execute(self.client, [b"STOREBOOM", b"k", b"v"])
        self.assertEqual(self.logged_after(start), events([b"SET", b"k", b"v"]))
        self.assertEqual(self.server.propagator.unit, [])
        self.assertEqual(self.server.propagator.depth, 0)
        self.server.execute(self.client, [b"SET", b"j", b"w"])
        self.assertEqual(
            self.logged_after(start), events([b"SET", b"k", b"v"], [b"SET", b"j", b"w"])
        )

    def test_failure_inside_exec_closes_the_transaction_unit(self) -> None:
        start = self.server.log.end_offset
        for argv in ([b"MULTI"], [b"SET", b"x", b"1"], [b"STOREBOOM", b"k", b"v"]):
            self.server.execute(self.client, argv)
        self.server.execute(self.client, [b"SET", b"y", b"2"])
        with self.assertRaises(Boom):
            self.server.execute(self.client, [b"EXEC"])
        # What ran before the failure is one unit; the command after it never ran.
        self.assertEqual(
            self.logged_after(start),
            events([b"MULTI"], [b"SET", b"x", b"1"], [b"SET", b"k", b"v"], [b"EXEC"]),
        )
        self.assertIsNone(self.client.multi)
        self.assertEqual(self.server.propagator.depth, 0)
        self.assertNotIn(b"y", self.client.db.data)
        self.server.execute(self.client, [b"SET", b"z", b"3"])
        self.assertTrue(self.logged_after(start).endswith(events([b"SET", b"z", b"3"])))

    def test_the_log_rebuilds_the_data_after_a_failure(self) -> None:
        with self.assertRaises(Boom):
            self.server.execute(self.client, [b"STOREBOOM", b"k", b"v"])
        replica = Server(Config(), self.clock)
        applier = StreamApplier(replica, Client(replica, 1))
        applier.feed(self.server.log.read(0, 1 << 20))
        self.assertEqual(dataset_digest(replica.keyspace), dataset_digest(self.server.keyspace))


class CommandStatisticsTests(SynchronousTestCase):
    def test_two_servers_keep_their_own_commandstats(self) -> None:
        clock = Clock()
        first, second = Server(Config(), clock), Server(Config(), clock)
        client = Client(first, 1)
        for _ in range(3):
            first.execute(client, [b"PING"])
        ping_first = first.commands.by_name[b"ping"]
        ping_second = second.commands.by_name[b"ping"]
        self.assertEqual((ping_first.calls, ping_second.calls), (3, 0))
        info = second.execute(Client(second, 1), [b"INFO", b"commandstats"])
        assert info is not None
        self.assertNotIn(b"cmdstat_ping", info)
