"""Bad input on the replication link from a scripted master, and history safety.

Each misbehaviour (garbage after +FULLRESYNC, a truncated snapshot, a bad CRC, an
unknown value type, a bad $EOF: mark, a non-RESP stream, over-long lines) must end in:
a clear log line, the data from before still served (or -MASTERDOWN with
replica-serve-stale-data no), a new attempt, and a server that still answers.
A full sync that would rewind the replica's own history is refused unless
replica-allow-history-rewind is yes."""

from __future__ import annotations

import glob
import os
import shutil
from typing import Any

from twisted.internet.testing import StringTransport
from twisted.logger import formatEvent, globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase

from replkv import errors
from replkv.replication.replica import MasterLinkProtocol
from tests.test_replica import EOF_MARK as MARK
from tests.test_replica import NEW_ID, PING, REPLID, cmd, rdb_bytes, replica_server


def fullresync(replid: str, offset: int) -> bytes:
    return b"+FULLRESYNC %b %d\r\n" % (replid.encode(), offset)


class ScriptedMasterTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.reactor, self.server, self.user = replica_server(self)
        self.dir = self.server.config.dir
        self.logged: list[str] = []

        def observe(event: dict[str, Any]) -> None:
            self.logged.append(formatEvent(event))

        globalLogPublisher.addObserver(observe)
        self.addCleanup(globalLogPublisher.removeObserver, observe)
        self.protocol: MasterLinkProtocol | None = None
        self.transport: StringTransport | None = None

    def run_cmd(self, *argv: bytes) -> bytes | None:
        return self.server.execute(self.user, list(argv))

    def info(self) -> bytes:
        return self.run_cmd(b"INFO", b"replication") or b""

    def attempt(self, after_burst: bytes) -> bytes:
        """Accept the link's newest connection, answer up to PSYNC, then send
        `after_burst`. Returns the PSYNC command the replica sent."""
        clients = self.reactor.tcpClients
        factory = clients[-1][2]
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.dataReceived(b"+PONG\r\n+OK\r\n+OK\r\n")
        sent = transport.value()
        psync = sent[sent.index(b"*3\r\n$5\r\nPSYNC") :]
        transport.clear()
        self.protocol, self.transport = protocol, transport
        protocol.dataReceived(after_burst)
        return psync

    def lose(self) -> None:
        """The connection ends (the master closed it, or the replica dropped it)."""
        assert self.protocol is not None
        self.protocol.connectionLost()

    def sync_ok(self, offset: int = 100, replid: str = REPLID) -> None:
        rdb = rdb_bytes(self.server, offset).replace(REPLID.encode(), replid.encode())
        self.attempt(fullresync(replid, offset) + b"$EOF:" + MARK + b"\r\n" + rdb + MARK)
        self.assertIn(b"master_link_status:up", self.info())

    def start(self, stale: bool = True) -> None:
        """A server with data of its own becomes a replica."""
        self.server.config.replica_serve_stale_data = stale
        self.assertEqual(self.run_cmd(b"SET", b"mine", b"kept"), b"+OK\r\n")
        self.assertEqual(self.run_cmd(b"REPLICAOF", b"127.0.0.1", b"6379"), b"+OK\r\n")

    def assert_failed_and_retries(self, message: str, stale: bool = True) -> None:
        """Logged, dropped, old data served, a new attempt within a second, alive."""
        assert self.transport is not None
        if not self.transport.disconnecting:
            self.fail("the replica kept a misbehaving master's link\n" + "\n".join(self.logged))
        self.lose()
        self.assertIn(message, "\n".join(self.logged))
        self.assertIn(b"master_link_status:down", self.info())
        if stale:
            self.assertEqual(self.run_cmd(b"GET", b"mine"), b"$4\r\nkept\r\n")
        else:
            self.assertEqual(self.run_cmd(b"GET", b"mine"), errors.MASTERDOWN)
        attempts = len(self.reactor.tcpClients)
        self.reactor.advance(1)
        self.assertEqual(len(self.reactor.tcpClients), attempts + 1)
        # Still answering (PING has no `stale` flag in 7.0: -MASTERDOWN while down).
        self.assertEqual(self.run_cmd(b"PING"), b"+PONG\r\n" if stale else errors.MASTERDOWN)
        # The partial transfer's temporary file is gone.
        self.assertEqual(glob.glob(os.path.join(self.dir, "temp-*.rdb")), [])
        # The next, well-behaved, attempt succeeds.
        self.sync_ok()
        self.assertEqual(self.run_cmd(b"GET", b"loaded"), b"$3\r\nyes\r\n")

    # -- bad input -------------------------------------------------------------------

    def test_garbage_after_fullresync(self) -> None:
        self.start()
        self.attempt(fullresync(REPLID, 100) + b"GARBAGE\r\n")
        self.assert_failed_and_retries("Bad protocol from MASTER, the first byte is not '$'")

    def test_truncated_snapshot(self) -> None:
        self.start(stale=False)
        rdb = rdb_bytes(self.server, 100)
        self.attempt(fullresync(REPLID, 100) + b"$%d\r\n" % len(rdb) + rdb[: len(rdb) // 2])
        assert self.transport is not None
        self.transport.loseConnection()  # the master closes
        self.assertEqual(self.run_cmd(b"GET", b"mine"), errors.MASTERDOWN)
        self.assert_failed_and_retries("I/O error trying to sync with MASTER", stale=False)

    def test_bad_crc(self) -> None:
        self.start()
        rdb = bytearray(rdb_bytes(self.server, 100))
        rdb[-1] ^= 0xFF
        self.attempt(fullresync(REPLID, 100) + b"$%d\r\n" % len(rdb) + bytes(rdb))
        self.assert_failed_and_retries("Failed trying to load the MASTER synchronization DB")
        self.assertTrue(any("checksum" in line.lower() for line in self.logged), self.logged)

    def test_unknown_value_type(self) -> None:
        self.start()
        # SELECTDB 0, then a key record of type 99.
        rdb = b"REDIS0010\xfe\x00\x63\x01k\x01v\xff" + b"\x00" * 8
        self.attempt(fullresync(REPLID, 100) + b"$%d\r\n" % len(rdb) + rdb)
        self.assert_failed_and_retries("Failed trying to load the MASTER synchronization DB")

    def test_bad_eof_mark(self) -> None:
        self.start()
        self.attempt(fullresync(REPLID, 100) + b"$EOF:tooshort\r\n")
        self.assert_failed_and_retries("Bad EOF mark from MASTER")

    def test_non_resp_byte_in_the_stream(self) -> None:
        self.start()
        self.sync_ok()
        assert self.protocol is not None
        # A request frame holds bulk strings only.
        self.protocol.dataReceived(PING + b"*1\r\n#t\r\n")
        self.assertIn(
            "Protocol error from MASTER: Protocol error: expected '$', got '#'",
            "\n".join(self.logged),
        )
        # The complete PING before it counts; the link resumes after it.
        self.assertEqual(self.server.log.end_offset, 100 + len(PING))
        self.lose()
        psync = self.attempt(b"+CONTINUE\r\n")
        self.assertEqual(psync, cmd(b"PSYNC", REPLID.encode(), b"%d" % (101 + len(PING))))
        self.assertEqual(self.run_cmd(b"GET", b"loaded"), b"$3\r\nyes\r\n")
        self.assertEqual(self.run_cmd(b"PING"), b"+PONG\r\n")

    def test_over_long_lines(self) -> None:
        self.start()
        # In the handshake: a reply line that never ends.
        clients = len(self.reactor.tcpClients)
        factory = self.reactor.tcpClients[-1][2]
        protocol = factory.buildProtocol(None)
        transport = StringTransport()
        protocol.makeConnection(transport)
        protocol.dataReceived(b"+" + b"x" * 70_000)
        self.assertTrue(transport.disconnecting)
        self.assertIn("Reply line from MASTER too long", "\n".join(self.logged))
        protocol.connectionLost()
        self.reactor.advance(1)
        self.assertEqual(len(self.reactor.tcpClients), clients + 1)
        # Before the payload header.
        self.attempt(fullresync(REPLID, 100) + b"$" + b"1" * 2000)
        self.assert_failed_and_retries("Bad protocol from MASTER")
        # In the live stream: an inline line longer than 64 kB. A NUL byte hides the
        # line's end, as strchr() does for Redis, so it also ends there.
        assert self.protocol is not None and self.transport is not None
        self.protocol.dataReceived(b"\x00\r\n" + b"x" * 70_000)
        self.assertIn("too big inline request", "\n".join(self.logged))
        self.assertTrue(self.transport.disconnecting)
        self.assertEqual(self.run_cmd(b"GET", b"loaded"), b"$3\r\nyes\r\n")

    # -- history safety ----------------------------------------------------------------

    def synced_and_ahead(self) -> int:
        """A replica of REPLID at offset 100 that applied a write after it; link lost."""
        self.start()
        self.sync_ok(100)
        assert self.protocol is not None
        write = cmd(b"SELECT", b"0") + cmd(b"SET", b"late", b"write")
        self.protocol.dataReceived(write)
        self.lose()
        return 100 + len(write)

    def test_history_rewind_refused_then_allowed(self) -> None:
        applied = self.synced_and_ahead()
        # The master restarted from an older snapshot of the same history.
        psync = self.attempt(fullresync(REPLID, 100) + b"$EOF:" + MARK + b"\r\n")
        self.assertEqual(psync, cmd(b"PSYNC", REPLID.encode(), b"%d" % (applied + 1)))
        text = "\n".join(self.logged)
        self.assertIn(f"already applied that history up to offset {applied}", text)
        self.assertIn("CONFIG SET replica-allow-history-rewind yes", text)
        assert self.transport is not None
        self.assertTrue(self.transport.disconnecting)
        self.lose()
        info = self.info()
        self.assertTrue(
            info.rstrip(b"\r\n").endswith(
                b"master_sync_refused:1\r\nmaster_sync_refused_reason:history-rewind"
            ),
            info,
        )
        self.assertEqual(self.run_cmd(b"GET", b"late"), b"$5\r\nwrite\r\n")
        self.assertEqual(self.server.log.end_offset, applied)
        # Retried a second later, still asking to continue where it was.
        self.reactor.advance(1)
        psync = self.attempt(fullresync(REPLID, 100))
        self.assertEqual(psync, cmd(b"PSYNC", REPLID.encode(), b"%d" % (applied + 1)))
        self.lose()
        # The operator allows it: the master's data replaces ours.
        self.assertEqual(
            self.run_cmd(b"CONFIG", b"SET", b"replica-allow-history-rewind", b"yes"), b"+OK\r\n"
        )
        self.assertEqual(
            self.run_cmd(b"CONFIG", b"GET", b"replica-allow-history-rewind"),
            cmd(b"replica-allow-history-rewind", b"yes"),
        )
        self.reactor.advance(1)
        self.sync_ok(100)
        self.assertEqual(self.server.log.end_offset, 100)
        self.assertEqual(self.run_cmd(b"GET", b"late"), b"$-1\r\n")
        self.assertNotIn(b"master_sync_refused", self.info())
        self.assertIn("Accepting a full resync from MASTER", "\n".join(self.logged))

    def test_rewind_of_the_previous_history_refused(self) -> None:
        applied = self.synced_and_ahead()
        # A partial resync onto a new history: REPLID becomes replid2.
        self.attempt(b"+CONTINUE " + NEW_ID.encode() + b"\r\n")
        self.lose()
        self.reactor.advance(1)
        self.attempt(fullresync(REPLID, applied - 1))
        self.assertIn(b"master_sync_refused:1", self.info())
        self.assertEqual(self.run_cmd(b"GET", b"late"), b"$5\r\nwrite\r\n")

    def test_other_history_or_longer_is_loaded(self) -> None:
        applied = self.synced_and_ahead()
        # The same history at or past our offset: the normal full sync.
        self.sync_ok(applied)
        self.lose()
        self.reactor.advance(1)
        # Another history, even a shorter one: loaded, as Redis does.
        self.sync_ok(10, replid=NEW_ID)
        self.assertEqual(self.server.log.end_offset, 10)
        self.assertNotIn(b"master_sync_refused", self.info())

    def test_unwritable_directory(self) -> None:
        self.start()
        shutil.rmtree(self.dir)
        self.attempt(fullresync(REPLID, 100) + b"$EOF:" + MARK + b"\r\n")
        os.mkdir(self.dir)
        self.assert_failed_and_retries("needed for MASTER <-> REPLICA synchronization")
