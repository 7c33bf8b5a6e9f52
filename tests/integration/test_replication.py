"""A replkv replica of a replkv master: full sync, the live stream, a partial resync
after CLIENT KILL TYPE replica, WAIT, and a replica of a master with its log on disk
that continues from the disk log after falling far behind a small backlog."""

from __future__ import annotations

from twisted.trial.unittest import TestCase

from tests.interop.test_redis_replica_of_replkv import call, in_sync, info_field, wait_for
from tests.support.processes import start_replkv
from tests.support.resp_client import RawClient


class ReplkvReplicaOfReplkvTests(TestCase):
    def test_full_sync_stream_partial_resync_and_wait(self) -> None:
        master = start_replkv(self, "--enable-debug-command", "yes", "--repl-diskless-sync", "no")
        m = master.port
        with RawClient(m) as client:
            client.pipeline(
                [["SET", "a", "1"], ["ZADD", "z", "1", "x"], ["SELECT", "4"], ["SADD", "s", "m"]]
            )
        replica = start_replkv(
            self, "--enable-debug-command", "yes", "--replicaof", f"127.0.0.1:{m}"
        )
        r = replica.port
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        with RawClient(m) as client:
            client.pipeline([["MULTI"], ["INCR", "n"], ["RPUSH", "l", "q"], ["EXEC"]])
            client.call("SET", "last", "x")
            self.assertEqual(client.call("WAIT", "1", "5000"), b":1\r\n")
        wait_for(lambda: in_sync(master, replica), "the stream", master, replica)
        self.assertIn(b"flags=S", call(m, "CLIENT", "LIST", "TYPE", "replica"))
        call(m, "CLIENT", "KILL", "TYPE", "replica")
        call(m, "SET", "after", "kill")
        wait_for(lambda: info_field(m, "sync_partial_ok") == "1", "PSYNC", master, replica)
        wait_for(lambda: in_sync(master, replica), "the partial resync", master, replica)
        self.assertEqual(info_field(m, "sync_full"), "1")
        self.assertEqual(call(r, "GET", "after"), b"$4\r\nkill\r\n")

    def test_partial_resync_from_the_disk_log(self) -> None:
        # The backlog in memory is tiny; the log on disk still holds the replica's offset.
        master = start_replkv(
            self, "--enable-debug-command", "yes", "--appendonly", "yes",
            "--repl-backlog-size", "16384", "--repl-diskless-sync-delay", "0",
        )  # fmt: skip
        m = master.port
        call(m, "SET", "before", "sync")
        args = ["--enable-debug-command", "yes", "--replicaof", f"127.0.0.1:{m}"]
        replica = start_replkv(self, *args, "--appendonly", "yes")
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        data = replica.workdir / "data"
        replica.kill()
        with RawClient(m) as client:
            client.pipeline([["SET", f"k{i}", "v" * 100] for i in range(500)])
        self.assertGreater(
            int(info_field(m, "master_repl_offset"))
            - int(info_field(m, "repl_backlog_first_byte_offset")),
            16384,
        )
        again = start_replkv(self, *args, "--appendonly", "yes", "--dir", str(data))
        wait_for(lambda: in_sync(master, again), "the partial resync", master, again)
        self.assertEqual(info_field(m, "sync_full"), "1")
        self.assertEqual(info_field(m, "sync_partial_ok"), "1")
        self.assertRegex(master.log_text(), r"accepted. Sending \d{5,} bytes of backlog")
