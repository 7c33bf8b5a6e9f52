"""replkv as a replica of a real redis-server 7.0 master: full sync, the live stream,
offsets, partial resyncs after a link drop and after a restart, promotion, -READONLY,
-MASTERDOWN."""

from __future__ import annotations

from twisted.trial.unittest import TestCase

from replkv import errors
from tests.support.processes import ServerProcess, start_redis_server, start_replkv
from tests.support.replication import call, in_sync, info_field, wait_for
from tests.support.resp_client import RawClient


class ReplicaOfRedisTests(TestCase):
    def start_master(self) -> ServerProcess:
        return start_redis_server(
            self, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"
        )

    def test_sync_stream_partial_resync_and_promotion(self) -> None:
        master = self.start_master()
        m = master.port
        with RawClient(m) as client:
            client.pipeline(
                [
                    ["SET", "s", "v"],
                    ["RPUSH", "l", "a", "b", "c"],
                    ["HSET", "h", "f", "v", "g", "w"],
                    ["SADD", "set", "1", "2", "x"],
                    ["ZADD", "z", "1", "a", "2.5", "b"],
                    ["SET", "ttl", "v", "EX", "100"],
                    ["SELECT", "5"],
                    ["SET", "in5", "v"],
                ]
            )
        replica = start_replkv(
            self, "--enable-debug-command", "yes", "--replicaof", f"127.0.0.1:{m}"
        )
        r = replica.port
        wait_for(lambda: in_sync(master, replica), "the full sync", replica)
        # The live stream: MULTI/EXEC, expiries, SELECT, SPOP, FLUSHALL.
        with RawClient(m) as client:
            client.pipeline(
                [
                    ["MULTI"], ["SET", "t", "1"], ["INCR", "t"], ["EXEC"],
                    ["SELECT", "2"], ["SET", "px", "v", "PX", "100"], ["EXPIRE", "s", "50"],
                    ["SPOP", "set"], ["INCRBYFLOAT", "f", "1.5"],
                ]
            )  # fmt: skip
        wait_for(lambda: in_sync(master, replica), "the stream", replica)
        self.assertEqual(
            call(r, "SET", "x", "1"), b"-READONLY You can't write against a read only replica.\r\n"
        )
        # An idle master's PINGs count too (repl-ping-replica-period 1).
        call(m, "CONFIG", "SET", "repl-ping-replica-period", "1")
        before = int(info_field(m, "master_repl_offset"))
        wait_for(lambda: int(info_field(m, "master_repl_offset")) > before, "a ping")
        wait_for(lambda: in_sync(master, replica), "the pings", replica)
        # A dropped link continues with +CONTINUE, from either side.
        partial = int(info_field(m, "sync_partial_ok"))
        call(r, "CLIENT", "KILL", "TYPE", "master")
        call(m, "SET", "during", "drop")
        wait_for(lambda: int(info_field(m, "sync_partial_ok")) == partial + 1, "PSYNC", replica)
        call(m, "CLIENT", "KILL", "TYPE", "replica")
        wait_for(lambda: int(info_field(m, "sync_partial_ok")) == partial + 2, "PSYNC", replica)
        call(m, "FLUSHALL")
        call(m, "SET", "after", "flush")
        wait_for(lambda: in_sync(master, replica), "the partial resyncs", replica)
        self.assertEqual(info_field(m, "sync_full"), "1")
        # Promotion: a new history, the old one kept as replid2.
        old_id = info_field(m, "master_replid")
        offset = int(info_field(r, "master_repl_offset"))
        self.assertEqual(call(r, "REPLICAOF", "NO", "ONE"), b"+OK\r\n")
        self.assertEqual(info_field(r, "role"), "master")
        self.assertEqual(info_field(r, "master_replid2"), old_id)
        self.assertEqual(info_field(r, "second_repl_offset"), str(offset + 1))
        self.assertEqual(call(r, "SET", "x", "1"), b"+OK\r\n")

    def test_restart_continues_and_stale_data(self) -> None:
        master = self.start_master()
        m = master.port
        call(m, "SET", "k", "v")
        replica = start_replkv(
            self,
            "--enable-debug-command", "yes",
            "--replicaof", f"127.0.0.1:{m}",
            "--appendonly", "yes",
            "--replica-serve-stale-data", "no",
        )  # fmt: skip
        wait_for(lambda: in_sync(master, replica), "the full sync", replica)
        call(m, "SET", "k2", "v2")
        wait_for(lambda: in_sync(master, replica), "the stream", replica)
        # Restart on the same directory: PSYNC <replid> <offset+1> → +CONTINUE.
        data = replica.workdir / "data"
        replica.kill()
        call(m, "SET", "k3", "v3")
        again = start_replkv(
            self,
            "--enable-debug-command", "yes",
            "--dir", str(data),
            "--replicaof", f"127.0.0.1:{m}",
            "--appendonly", "yes",
            "--replica-serve-stale-data", "no",
        )  # fmt: skip
        wait_for(lambda: in_sync(master, again), "the restarted replica", again)
        self.assertEqual(info_field(m, "sync_full"), "1")
        self.assertEqual(info_field(m, "sync_partial_ok"), "1")
        # The master goes away: -MASTERDOWN for data commands.
        master.stop()
        wait_for(lambda: info_field(again.port, "master_link_status") == "down", "link down")
        self.assertEqual(
            call(again.port, "GET", "k"),
            errors.MASTERDOWN,
        )
