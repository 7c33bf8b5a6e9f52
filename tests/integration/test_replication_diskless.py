"""Diskless full sync from a replkv master (`repl-diskless-sync yes`): a real redis-server
replica loads the `$EOF:` payload; two replkv replicas share one transfer; a replica that
stops reading and is then killed mid-transfer leaves the other to complete."""

from __future__ import annotations

import os
import socket
import struct

from twisted.trial.unittest import TestCase

from tests.interop.test_redis_replica_of_replkv import call, in_sync, info_field, wait_for
from tests.support.processes import start_redis_server, start_replkv
from tests.support.resp_client import RawClient, encode_command

SOCKETS = "Starting BGSAVE for SYNC with target: replicas sockets"


class DisklessSyncTests(TestCase):
    def test_redis_replica_loads_the_eof_payload(self) -> None:
        master = start_replkv(
            self, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"
        )
        m = master.port
        with RawClient(m) as client:
            client.pipeline(
                [["SET", "s", "v"], ["RPUSH", "l", "a", "b"], ["SELECT", "3"], ["SADD", "x", "1"]]
            )
        replica = start_redis_server(
            self, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", str(m)
        )
        wait_for(lambda: in_sync(master, replica), "the diskless sync", master, replica)
        redis_log = (replica.workdir / "redis.log").read_text()
        self.assertIn("receiving streamed RDB from master with EOF", redis_log)
        self.assertIn(SOCKETS, master.log_text())
        wait_for(
            lambda: "Streamed RDB transfer with replica 127.0.0.1:" in master.log_text(),
            "the master's log line",
            master,
        )
        # The stream follows once the replica ACKed.
        call(m, "HSET", "after", "f", "v")
        wait_for(lambda: in_sync(master, replica), "the stream", master, replica)
        self.assertEqual(info_field(m, "sync_full"), "1")

    def test_two_replicas_share_one_transfer(self) -> None:
        master = start_replkv(
            self, "--enable-debug-command", "yes",
            "--repl-diskless-sync-delay", "30", "--repl-diskless-sync-max-replicas", "2",
        )  # fmt: skip
        m = master.port
        call(m, "SET", "k", "v")
        args = ["--enable-debug-command", "yes", "--replicaof", f"127.0.0.1:{m}"]
        first = start_replkv(self, *args)
        second = start_replkv(self, *args)
        wait_for(lambda: in_sync(master, first), "the first replica", master, first)
        wait_for(lambda: in_sync(master, second), "the second replica", master, second)
        text = master.log_text()
        self.assertEqual(text.count(SOCKETS), 1, text)
        self.assertIn("done reading from pipe, 2 replicas still up.", text)

    def test_a_replica_killed_mid_transfer(self) -> None:
        master = start_replkv(
            self, "--enable-debug-command", "yes",
            "--repl-diskless-sync-delay", "30", "--repl-diskless-sync-max-replicas", "2",
        )  # fmt: skip
        m = master.port
        with RawClient(
            m
        ) as client:  # ~8 MB that does not compress: more than socket buffers and the pipe hold
            for batch in range(8):
                client.pipeline(
                    [
                        ["SET", f"k{batch}:{i}", os.urandom(5000).hex()]
                        for i in range(100 * batch, 100 * batch + 100)
                    ]
                )
        # A replica that asks for a sync and never reads: the transfer stalls on it.
        stuck = socket.socket()
        self.addCleanup(stuck.close)
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.settimeout(5)
        stuck.connect(("127.0.0.1", m))
        stuck.sendall(encode_command("REPLCONF", "capa", "eof"))
        self.assertEqual(stuck.recv(5), b"+OK\r\n")
        stuck.sendall(encode_command("PSYNC", "?", "-1"))
        replica = start_replkv(
            self, "--enable-debug-command", "yes", "--replicaof", f"127.0.0.1:{m}"
        )
        wait_for(lambda: SOCKETS in master.log_text(), "the transfer", master)
        self.assertNotIn("done reading from pipe", master.log_text())
        # Killed mid-transfer (a reset): the other replica completes.
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        stuck.close()
        wait_for(lambda: in_sync(master, replica), "the remaining replica", master, replica)
        text = master.log_text()
        self.assertIn("done reading from pipe, 1 replicas still up.", text)
        self.assertEqual(text.count(SOCKETS), 1, text)
