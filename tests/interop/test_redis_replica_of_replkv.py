"""A real redis-server 7.0 as a replica of a replkv master: full sync, the live stream,
partial resyncs (+CONTINUE) after either side drops the link, WAIT, ROLE; and
redis-cli's --rdb and --replica modes against replkv."""

from __future__ import annotations

import shutil
import subprocess
import time

from twisted.trial.unittest import SkipTest, TestCase

from tests.support.processes import start_redis_server, start_replkv
from tests.support.replication import WAIT, call, in_sync, info_field, wait_for
from tests.support.resp_client import RawClient


class RedisReplicaOfReplkvTests(TestCase):
    def test_full_sync_stream_partial_resyncs_and_wait(self) -> None:
        # The snapshot goes through a file (repl-diskless-sync no): `$<len>` framing.
        master = start_replkv(self, "--enable-debug-command", "yes", "--repl-diskless-sync", "no")
        m = master.port
        with RawClient(m) as client:
            client.pipeline(
                [
                    ["SET", "s", "v"], ["RPUSH", "l", "a", "b", "c"],
                    ["HSET", "h", "f", "v", "g", "w"], ["SADD", "set", "1", "2", "x"],
                    ["ZADD", "z", "1", "a", "2.5", "b"], ["SET", "ttl", "v", "EX", "100"],
                    ["SELECT", "5"], ["SET", "in5", "v"],
                ]
            )  # fmt: skip
        replica = start_redis_server(
            self, "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", str(m)
        )
        r = replica.port
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        self.assertEqual(info_field(m, "sync_full"), "1")
        self.assertEqual(info_field(m, "connected_slaves"), "1")
        slave0 = info_field(m, "slave0")
        self.assertIn(f"ip=127.0.0.1,port={r},state=online,", slave0)
        # The live stream: every type, MULTI/EXEC, SELECT, rewritten commands, expiry as DEL.
        with RawClient(m) as client:
            client.pipeline(
                [
                    ["MULTI"], ["SET", "t", "1"], ["INCR", "t"], ["EXEC"],
                    ["SELECT", "2"], ["SET", "px", "v", "PX", "100"], ["EXPIRE", "s", "50"],
                    ["SPOP", "set"], ["INCRBYFLOAT", "f", "1.5"], ["LPUSH", "l2", "q"],
                    ["HINCRBYFLOAT", "h2", "f", "2.5"], ["ZINCRBY", "z2", "3", "m"],
                    ["SADD", "s2", "a"], ["SELECT", "0"], ["DEL", "l"],
                ]
            )  # fmt: skip
        wait_for(lambda: in_sync(master, replica), "the stream", master, replica)
        # The key with PX 100 expires on the master: its DEL reaches the replica.
        wait_for(
            lambda: (
                call(r, "SELECT", "2") == b"+OK\r\n"
                and call(m, "DEBUG", "DIGEST") == call(r, "DEBUG", "DIGEST")
                and info_field(m, "expired_keys") != "0"
            ),
            "the expiry",
            master,
            replica,
        )
        wait_for(lambda: in_sync(master, replica), "the expiry's DEL", master, replica)
        # WAIT: the replica acknowledges our last write.
        with RawClient(m) as client:
            client.call("SET", "waited", "1")
            self.assertEqual(client.call("WAIT", "1", "5000"), b":1\r\n")
            self.assertEqual(client.call("WAIT", "2", "100"), b":1\r\n")
        role = call(m, "ROLE")
        self.assertTrue(role.startswith(b"*3\r\n$6\r\nmaster\r\n:"), role)
        self.assertIn(b"$9\r\n127.0.0.1\r\n$%d\r\n%d\r\n" % (len(str(r)), r), role)
        # The replica drops the link: PSYNC <replid> <offset+1> gets +CONTINUE.
        call(r, "CLIENT", "KILL", "TYPE", "master")
        call(m, "SET", "during", "drop")
        wait_for(lambda: info_field(m, "sync_partial_ok") == "1", "PSYNC", master, replica)
        wait_for(lambda: in_sync(master, replica), "the first partial resync", master, replica)
        self.assertIn("Master accepted a Partial Resynchronization", replica.log_text())
        # The master drops the replica: it comes back the same way.
        call(m, "CLIENT", "KILL", "TYPE", "replica")
        call(m, "HSET", "after", "kill", "1")
        wait_for(lambda: info_field(m, "sync_partial_ok") == "2", "PSYNC", master, replica)
        wait_for(lambda: in_sync(master, replica), "the second partial resync", master, replica)
        self.assertEqual(info_field(m, "sync_full"), "1")
        self.assertEqual(info_field(m, "sync_partial_err"), "0")

    def test_redis_cli_rdb_and_replica_modes(self) -> None:
        cli, check = shutil.which("redis-cli"), shutil.which("redis-check-rdb")
        if cli is None or check is None:
            raise SkipTest("redis-cli / redis-check-rdb are not installed")
        # redis-cli announces capa eof: both modes get the diskless `$EOF:` form.
        master = start_replkv(self, "--repl-diskless-sync-delay", "0")
        m = master.port
        call(m, "RPUSH", "l", "a", "b")
        call(m, "SET", "k", "v")
        target = master.workdir / "cli.rdb"
        done = subprocess.run(
            [cli, "-p", str(m), "--rdb", str(target)], capture_output=True, timeout=WAIT
        )
        self.assertEqual(done.returncode, 0, done.stderr + done.stdout)
        checked = subprocess.run([check, str(target)], capture_output=True, timeout=WAIT)
        self.assertEqual(checked.returncode, 0, checked.stdout)
        self.assertIn(b"RDB looks OK", checked.stdout)
        # --replica: the payload is skipped, then the stream is printed.
        with subprocess.Popen(
            [cli, "-p", str(m), "--replica"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        ) as follower:
            try:
                wait_for(lambda: info_field(m, "connected_slaves") == "1", "redis-cli", master)
                wait_for(lambda: "state=online" in info_field(m, "slave0"), "online", master)
                call(m, "SET", "shown", "value")
                assert follower.stdout is not None
                seen = b""
                deadline = time.monotonic() + WAIT
                while b'"SET","shown","value"' not in seen and time.monotonic() < deadline:
                    seen += follower.stdout.readline()
                self.assertIn(b'"SET","shown","value"', seen)
            finally:
                follower.kill()
