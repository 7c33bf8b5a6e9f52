"""Replies after unwritten events: one write of the log per turn, then the replies."""

from __future__ import annotations

import os

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.log.disk import DiskLog, open_disk_log
from replkv.log.fsync import InlineSyncRunner
from replkv.protocol import ClientProtocol
from replkv.server import Server
from tests.support.tempdirs import temporary_directory
from tests.test_protocol import WriteRecordingTransport, multibulk

SET_A = multibulk(b"SET", b"a", b"1")
SET_B = multibulk(b"SET", b"b", b"2")
PING = multibulk(b"PING")


class ReplyBatchTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.log: DiskLog = open_disk_log(
            os.path.join(temporary_directory(self), "log"),
            self.clock,
            appendfsync="everysec",
            sync_runner=InlineSyncRunner(),
        )
        self.addCleanup(self.log.close)
        self.server = Server(Config(), self.clock, event_log=self.log)
        self.assertFalse(self.server.durable_replies)

    def connect(self) -> tuple[ClientProtocol, WriteRecordingTransport]:
        protocol = ClientProtocol(self.server)
        transport = WriteRecordingTransport()
        protocol.makeConnection(transport)
        return protocol, transport

    def segment_bytes(self) -> bytes:
        with open(self.log.segment_paths[-1], "rb") as segment:
            return segment.read()

    def test_one_log_write_for_every_client_of_the_turn(self) -> None:
        first, first_transport = self.connect()
        second, second_transport = self.connect()
        first.dataReceived(SET_A)
        second.dataReceived(SET_B)
        # Nothing leaves before the events are in the file.
        self.assertEqual(first_transport.writes, [])
        self.assertEqual(second_transport.writes, [])
        self.assertEqual(self.segment_bytes(), b"")
        self.clock.advance(0)
        self.assertEqual(first_transport.take_writes(), [b"+OK\r\n"])
        self.assertEqual(second_transport.take_writes(), [b"+OK\r\n"])
        data = self.segment_bytes()
        self.assertEqual(data.count(b"#B "), 1)
        self.assertIn(SET_A, data)
        self.assertIn(SET_B, data)

    def test_one_call_per_turn_for_the_log_and_the_replies(self) -> None:
        client, transport = self.connect()
        client.dataReceived(SET_A)
        client.dataReceived(SET_B)
        # The log's own end-of-turn write calls the replies back: no call of their own.
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.clock.advance(0)
        self.assertEqual(transport.take_writes(), [b"+OK\r\n", b"+OK\r\n"])

    def test_a_reply_waits_behind_the_held_one(self) -> None:
        client, transport = self.connect()
        client.dataReceived(SET_A)
        client.dataReceived(PING)  # no event, but it came later
        self.assertEqual(transport.writes, [])
        self.clock.advance(0)
        self.assertEqual(transport.take_writes(), [b"+OK\r\n", b"+PONG\r\n"])

    def test_nothing_unwritten_replies_at_once(self) -> None:
        client, transport = self.connect()
        client.dataReceived(PING)
        self.assertEqual(transport.take_writes(), [b"+PONG\r\n"])

    def test_a_closed_client_is_skipped(self) -> None:
        client, transport = self.connect()
        other, other_transport = self.connect()
        client.dataReceived(SET_A)
        other.dataReceived(SET_B)
        client.connectionLost()
        client.transport = None
        self.clock.advance(0)
        self.assertEqual(transport.writes, [])
        self.assertEqual(other_transport.take_writes(), [b"+OK\r\n"])
        self.assertIn(SET_A, self.segment_bytes())
