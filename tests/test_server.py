"""Execution units and the events they append, byte for byte as Redis 7.0.15 streams them.

The expected streams were captured from a real redis-server 7.0.15 (a SYNC connection
logging what the master propagates for the same commands).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.client import Client
from replkv.config import Config
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
