"""A replkv replica of a real redis-server master, and of a replkv master, through a
fault-injecting proxy (tests/support/faultproxy.py): the link cut inside the snapshot,
inside the stream and inside a command, stalled past `repl-timeout`, slowed; the master
takes writes during each fault, and each time the replica converges (same DEBUG DIGEST,
same offset). A replkv master's memory stays bounded while its replica is stalled.
Then a scripted master on the test's reactor that sends a corrupt snapshot."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.task import deferLater
from twisted.trial.unittest import TestCase

from replkv.keyspace.keyspace import Keyspace
from replkv.rdb.writer import write_rdb
from tests.support.faultproxy import FaultProxy
from tests.support.processes import (
    ServerProcess,
    read_rss_kib,
    start_redis_server,
    start_replkv,
)
from tests.support.replication import call, info_field
from tests.support.resp_client import RawClient, parse_reply, reply_end

WAIT = 10.0
REPL_TIMEOUT = 2


def write_load(port: int, prefix: str, count: int, size: int = 20) -> None:
    """`count` writes of several kinds, pipelined."""
    commands: list[list[str | bytes]] = []
    for i in range(count):
        commands.append(["SET", f"{prefix}:{i}", "v" * size])
        if i % 10 == 0:
            commands.append(["RPUSH", f"{prefix}:list", str(i)])
            commands.append(["INCR", f"{prefix}:counter"])
    with RawClient(port) as client:
        client.pipeline(commands)


async def wait_until(condition: Callable[[], bool], what: str, replica: ServerProcess) -> None:
    """Poll without blocking the reactor (the proxy runs on it); bounded."""
    deadline = reactor.seconds() + WAIT  # type: ignore[attr-defined]
    while not condition():
        if reactor.seconds() > deadline:  # type: ignore[attr-defined]
            raise AssertionError(f"timed out waiting for {what}\n" + replica.log_text()[-4000:])
        await deferLater(reactor, 0.05)  # type: ignore[arg-type]


class RedisMasterFaultTests(TestCase):
    def start_master(self, keys: int) -> ServerProcess:
        master = start_redis_server(
            self,
            "--enable-debug-command", "yes",
            "--repl-diskless-sync-delay", "0",
            "--repl-ping-replica-period", "1",
        )  # fmt: skip
        if keys:
            # DEBUG POPULATE is not propagated: only a snapshot brings these keys over.
            call(master.port, "DEBUG", "POPULATE", str(keys), "pre", "100")
        return master

    def setup_link(
        self,
        master_keys: int,
        configure: Callable[[FaultProxy], None] | None = None,
        receive_buffer: int | None = None,
    ) -> tuple[ServerProcess, FaultProxy, ServerProcess]:
        """Master with `master_keys` keys → proxy (set up by `configure`) → replica."""
        master = self.start_master(master_keys)
        proxy = FaultProxy("127.0.0.1", master.port, receive_buffer=receive_buffer)
        proxy.start()
        if configure is not None:
            configure(proxy)
        self.addCleanup(proxy.stop)
        replica = start_replkv(
            self,
            "--enable-debug-command", "yes",
            "--repl-timeout", str(REPL_TIMEOUT),
            "--replicaof", f"127.0.0.1:{proxy.port}",
        )  # fmt: skip
        return master, proxy, replica

    def in_sync(self, master: ServerProcess, replica: ServerProcess) -> bool:
        offset = info_field(master.port, "master_repl_offset")
        return (
            info_field(replica.port, "master_link_status") == "up"
            and info_field(replica.port, "slave_repl_offset") == offset
            and call(master.port, "DEBUG", "DIGEST") == call(replica.port, "DEBUG", "DIGEST")
        )

    async def converge(self, master: ServerProcess, replica: ServerProcess) -> None:
        await wait_until(lambda: self.in_sync(master, replica), "convergence", replica)
        self.assertEqual(call(replica.port, "PING"), b"+PONG\r\n")

    def test_cut_mid_snapshot(self) -> defer.Deferred[None]:
        async def run() -> None:
            # The snapshot is about 2.4 MB: the first transfer ends 300 kB in.
            master, proxy, replica = self.setup_link(20_000, lambda p: p.cut_after(300_000))
            await wait_until(lambda: proxy.accepted >= 2, "a second connection", replica)
            write_load(master.port, "during", 300)
            await self.converge(master, replica)
            self.assertGreaterEqual(int(info_field(master.port, "sync_full")), 2)
            self.assertEqual(call(replica.port, "DBSIZE"), call(master.port, "DBSIZE"))

        return defer.ensureDeferred(run())

    def test_cut_mid_stream_and_mid_command(self) -> defer.Deferred[None]:
        async def run() -> None:
            master, proxy, replica = self.setup_link(100)
            await self.converge(master, replica)
            # Mid-stream: between commands, while writes flow.
            proxy.cut()
            write_load(master.port, "cut", 200)
            await self.converge(master, replica)
            # Mid-command: 1000 bytes into a stream of 3000-byte SETs lands inside the
            # first (after at most a PING and a SELECT).
            proxy.cut_after(1000)
            write_load(master.port, "big", 20, size=3000)
            await wait_until(lambda: proxy.accepted >= 3, "a third connection", replica)
            write_load(master.port, "after", 100)
            await self.converge(master, replica)
            # Both cuts were healed by partial resyncs from the master's backlog.
            self.assertEqual(info_field(master.port, "sync_full"), "1")
            self.assertEqual(info_field(master.port, "sync_partial_ok"), "2")

        return defer.ensureDeferred(run())

    def test_stall_longer_than_repl_timeout(self) -> defer.Deferred[None]:
        async def run() -> None:
            master, proxy, replica = self.setup_link(100)
            await self.converge(master, replica)
            proxy.stall()
            write_load(master.port, "stalled", 200)
            # The master's PINGs stop arriving: the replica gives up on the link.
            await wait_until(
                lambda: info_field(replica.port, "master_link_status") == "down",
                "the replica to detect the silent master",
                replica,
            )
            self.assertIn("MASTER timeout", replica.log_text())
            proxy.resume()
            write_load(master.port, "resumed", 100)
            await self.converge(master, replica)
            self.assertGreaterEqual(proxy.accepted, 2)
            self.assertEqual(info_field(master.port, "sync_full"), "1")

        return defer.ensureDeferred(run())

    def test_slow_link(self) -> defer.Deferred[None]:
        async def run() -> None:
            # A 150 kB snapshot at 200 kB/s, with the stream slowed as well.
            master, proxy, replica = self.setup_link(1500, lambda p: p.slow(200_000))
            write_load(master.port, "slow", 300)
            await self.converge(master, replica)
            write_load(master.port, "slow2", 300)
            await self.converge(master, replica)
            self.assertEqual(proxy.accepted, 1)

        return defer.ensureDeferred(run())


class ReplkvMasterFaultTests(RedisMasterFaultTests):
    def start_master(self, keys: int) -> ServerProcess:
        master = start_replkv(
            self,
            "--enable-debug-command", "yes",
            "--repl-ping-replica-period", "1",
            "--repl-diskless-sync-delay", "0",
        )  # fmt: skip
        with RawClient(master.port) as client:
            for first in range(0, keys, 1000):
                last = min(first + 1000, keys)
                # Values LZF cannot shrink: the snapshot is as large as with DEBUG POPULATE.
                client.pipeline(
                    [["SET", f"pre:{i}", os.urandom(50).hex()] for i in range(first, last)]
                )
        return master

    def test_writes_during_a_slow_full_sync_outgrow_the_backlog(self) -> defer.Deferred[None]:
        async def run() -> None:
            # A 2.4 MB snapshot at 1 MB/s; meanwhile 20 MB of writes, far more than the
            # 1 MB backlog and the socket buffers: the log keeps them for the replica
            # (within its output buffer limit), which needs one full sync only.
            master, proxy, replica = self.setup_link(
                20_000, lambda p: p.slow(1_000_000), receive_buffer=64 * 1024
            )
            await wait_until(
                lambda: info_field(replica.port, "master_sync_in_progress") == "1",
                "the snapshot to flow",
                replica,
            )
            value = "x" * 100_000
            with RawClient(master.port) as client:
                for _ in range(2):
                    client.pipeline([["SET", f"big:{i}", value] for i in range(100)])
            proxy.slow(None)
            await self.converge(master, replica)
            self.assertEqual(info_field(master.port, "sync_full"), "1")

        return defer.ensureDeferred(run())

    def test_memory_stays_bounded_while_the_replica_is_stalled(self) -> defer.Deferred[None]:
        async def run() -> None:
            master, proxy, replica = self.setup_link(100)
            limit = "replica 16mb 8mb 60"
            self.assertEqual(
                call(master.port, "CONFIG", "SET", "client-output-buffer-limit", limit), b"+OK\r\n"
            )
            await self.converge(master, replica)
            proxy.stall()
            before = read_rss_kib(master.pid)
            # 80 MB of stream that the replica cannot take, over 100 keys of 100 kB: the
            # dataset stays at 10 MB, so more growth would be output kept for the replica
            # beyond its 16 MB limit.
            value = "x" * 100_000
            with RawClient(master.port) as client:
                for _ in range(8):
                    client.pipeline([["SET", f"big:{i}", value] for i in range(100)])
            grown = read_rss_kib(master.pid) - before
            self.assertLess(grown, 40 * 1024, f"the master grew by {grown} KiB")
            # Past the replica's output buffer limit, the master let it go.
            self.assertIn("output buffer limit reached", master.log_text())
            proxy.resume()
            await self.converge(master, replica)

        return defer.ensureDeferred(run())


REPLID = b"f" * 40
MARK = b"e" * 40


def snapshot(offset: int) -> bytes:
    keyspace = Keyspace(16, reactor)  # type: ignore[arg-type]
    keyspace.dbs[0].store(b"from-master", b"v")
    out = io.BytesIO()
    write_rdb(keyspace, out, {b"repl-id": REPLID, b"repl-offset": b"%d" % offset})
    return out.getvalue()


class _ScriptedMaster(Protocol):
    """Answers the handshake, then sends the factory's payload after +FULLRESYNC."""

    def __init__(self, factory: _ScriptedMasterFactory) -> None:
        self.factory = factory
        self.buffer = b""

    def dataReceived(self, data: bytes) -> None:
        self.buffer += data
        while (end := reply_end(self.buffer)) is not None:
            request = parse_reply(self.buffer[:end])
            self.buffer = self.buffer[end:]
            assert isinstance(request, list)
            name = request[0].upper()
            if name == b"PING":
                self.transport.write(b"+PONG\r\n")  # type: ignore[union-attr]
            elif name == b"REPLCONF":
                if request[1].upper() != b"ACK":
                    self.transport.write(b"+OK\r\n")  # type: ignore[union-attr]
            elif name == b"PSYNC":
                self.factory.attempts += 1
                payload = self.factory.payload
                self.transport.write(  # type: ignore[union-attr]
                    b"+FULLRESYNC %b 100\r\n$EOF:%b\r\n%b%b" % (REPLID, MARK, payload, MARK)
                )


class _ScriptedMasterFactory(Factory):
    def __init__(self) -> None:
        self.attempts = 0
        self.payload = b""

    def buildProtocol(self, addr: Any) -> _ScriptedMaster:
        return _ScriptedMaster(self)


class CorruptSnapshotTests(TestCase):
    def test_bad_crc_keeps_data_and_retries(self) -> defer.Deferred[None]:
        async def run() -> None:
            fake = _ScriptedMasterFactory()
            good = snapshot(100)
            bad = bytearray(good)
            bad[-3] ^= 0x55  # the CRC64 no longer matches
            fake.payload = bytes(bad)
            listening = reactor.listenTCP(0, fake, interface="127.0.0.1")  # type: ignore[attr-defined]
            self.addCleanup(listening.stopListening)
            replica = start_replkv(self, "--enable-debug-command", "yes")
            r = replica.port
            call(r, "SET", "mine", "kept")
            port = str(listening.getHost().port)
            self.assertEqual(call(r, "REPLICAOF", "127.0.0.1", port), b"+OK\r\n")
            await wait_until(lambda: fake.attempts >= 2, "a second attempt", replica)
            self.assertEqual(call(r, "GET", "mine"), b"$4\r\nkept\r\n")
            self.assertEqual(call(r, "PING"), b"+PONG\r\n")
            self.assertEqual(info_field(r, "master_link_status"), "down")
            log = replica.log_text()
            self.assertIn("wrong RDB checksum", log)
            self.assertIn("Failed trying to load the MASTER synchronization DB from disk", log)
            # The master mends its ways: the next attempt loads its data.
            fake.payload = good
            await wait_until(
                lambda: info_field(r, "master_link_status") == "up", "a good sync", replica
            )
            self.assertEqual(call(r, "GET", "mine"), b"$-1\r\n")
            self.assertEqual(call(r, "GET", "from-master"), b"$1\r\nv\r\n")

        return defer.ensureDeferred(run())
