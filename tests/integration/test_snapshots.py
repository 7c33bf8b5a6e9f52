"""Snapshots with real processes: SAVE, BGSAVE, SHUTDOWN and restart, checked by
redis-check-rdb and by a real redis-server loading the file replkv wrote."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis
from twisted.trial.unittest import SkipTest, SynchronousTestCase

from tests.support.processes import ServerProcess, start_redis_server, start_replkv
from tests.support.resp_client import RawClient
from tests.support.tempdirs import temporary_directory

WAIT = 15.0


def fill(client: redis.Redis, keys: int = 300) -> None:
    """Every type, small and large encodings, expiries, two databases."""
    pipe = client.pipeline(transaction=False)
    for i in range(keys):
        pipe.set(f"s:{i}", f"value-{i}")
    pipe.set("int", 12345)
    pipe.set("big", "x" * 5000)
    pipe.set("ttl", "v", px=3_600_000)
    pipe.rpush("list", *range(10))
    pipe.rpush("biglist", *(f"e{i}" * 10 for i in range(1000)))
    pipe.hset("hash", mapping={"a": "1", "b": "2"})
    pipe.hset("bighash", mapping={f"f{i}": i for i in range(600)})
    pipe.sadd("intset", *range(20))
    pipe.sadd("set", "a", "b", "c")
    pipe.sadd("bigset", *(f"m{i}" for i in range(700)))
    pipe.zadd("zset", {"a": 1.5, "b": -2, "c": float("inf")})
    pipe.zadd("bigzset", {f"m{i}": i / 3 for i in range(500)})
    pipe.execute()
    other = client.connection_pool.connection_kwargs
    db1 = redis.Redis(host=other["host"], port=other["port"], db=1)
    db1.set("in-db1", "yes")
    db1.close()


def info(client: redis.Redis, field: str) -> object:
    return client.info("persistence")[field]


def wait_until(predicate: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)  # poll interval; the deadline bounds the wait
    raise AssertionError(f"timed out waiting for {what}")


class SnapshotTests(SynchronousTestCase):
    def setUp(self) -> None:
        if shutil.which("redis-check-rdb") is None:
            raise SkipTest("redis-check-rdb is not installed")

    def start(self, *args: str) -> tuple[ServerProcess, redis.Redis]:
        server = start_replkv(self, *args)
        client = redis.Redis(port=server.port)
        self.addCleanup(client.close)
        return server, client

    def dump_path(self, server: ServerProcess) -> Path:
        return server.workdir / "data" / "dump.rdb"

    def assertLoadsInRedis(self, path: Path, digest: bytes) -> None:  # noqa: N802
        """redis-check-rdb accepts the file and redis-server holds the same data."""
        check = subprocess.run(
            ["redis-check-rdb", str(path)], capture_output=True, text=True, timeout=60
        )
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        copy_dir = Path(temporary_directory(self))
        shutil.copy(path, copy_dir / "copy.rdb")
        reference = start_redis_server(
            self,
            "--enable-debug-command",
            "yes",
            "--dir",
            str(copy_dir),
            "--dbfilename",
            "copy.rdb",
        )
        with redis.Redis(port=reference.port) as client:
            self.assertEqual(client.execute_command("DEBUG", "DIGEST"), digest)

    def test_save_writes_what_redis_loads(self) -> None:
        server, client = self.start("--enable-debug-command", "yes")
        fill(client)
        before = client.lastsave()
        self.assertTrue(client.save())
        self.assertGreaterEqual(client.lastsave(), before)
        self.assertEqual(info(client, "rdb_changes_since_last_save"), 0)
        self.assertEqual(info(client, "rdb_saves"), 1)
        digest = client.execute_command("DEBUG", "DIGEST")
        self.assertLoadsInRedis(self.dump_path(server), digest)

    def test_bgsave_in_a_child_while_serving(self) -> None:
        server, client = self.start("--enable-debug-command", "yes")
        fill(client)
        with RawClient(server.port) as raw:
            self.assertEqual(raw.call("BGSAVE"), b"+Background saving started\r\n")
        client.set("after-fork", "not in the snapshot")
        wait_until(lambda: info(client, "rdb_bgsave_in_progress") == 0, "the BGSAVE child")
        self.assertEqual(info(client, "rdb_last_bgsave_status"), "ok")
        self.assertEqual(info(client, "rdb_saves"), 1)
        self.assertEqual(info(client, "rdb_changes_since_last_save"), 1)
        self.assertGreater(client.info("stats")["latest_fork_usec"], 0)
        client.delete("after-fork")
        digest = client.execute_command("DEBUG", "DIGEST")
        self.assertLoadsInRedis(self.dump_path(server), digest)

    def test_save_rules_start_a_bgsave(self) -> None:
        _, client = self.start("--save", "1 3")
        for key in "abcd":
            client.set(key, 1)
        wait_until(lambda: info(client, "rdb_saves") >= 1, "a save by the rules")  # type: ignore[operator]
        self.assertEqual(info(client, "rdb_last_bgsave_status"), "ok")

    def test_log_growth_starts_a_snapshot(self) -> None:
        _, client = self.start("--appendonly", "yes", "--auto-aof-rewrite-min-size", "4kb")
        for i in range(100):
            client.set(f"key:{i}", "v" * 50)  # about 8 kB of log, no snapshot yet
        wait_until(lambda: info(client, "rdb_saves") >= 1, "a snapshot on log growth")  # type: ignore[operator]
        self.assertEqual(info(client, "rdb_last_bgsave_status"), "ok")

    def test_shutdown_saves_and_a_restart_loads(self) -> None:
        server, client = self.start("--save", "3600 1", "--enable-debug-command", "yes")
        fill(client)
        digest = client.execute_command("DEBUG", "DIGEST")
        try:
            client.shutdown()
        except redis.ConnectionError:
            pass
        wait_until(lambda: not server.alive(), "the server to exit")
        self.assertEqual(server.returncode, 0)
        self.assertIn("Saving the final RDB snapshot before exiting.", server.log_text())
        path = self.dump_path(server)
        self.assertTrue(path.exists())
        again = start_replkv(self, "--dir", str(path.parent), "--enable-debug-command", "yes")
        with redis.Redis(port=again.port) as restarted:
            self.assertEqual(restarted.execute_command("DEBUG", "DIGEST"), digest)
            self.assertEqual(restarted.info("persistence")["rdb_last_load_keys_loaded"], 313)
        self.assertLoadsInRedis(path, digest)

    def test_shutdown_nosave_and_errors(self) -> None:
        server, client = self.start("--save", "3600 1")
        client.set("a", 1)
        with self.assertRaises(redis.ResponseError) as raised:
            client.execute_command("BGSAVE", "NOW")
        self.assertEqual(str(raised.exception), "syntax error")
        try:
            client.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        wait_until(lambda: not server.alive(), "the server to exit")
        self.assertFalse(self.dump_path(server).exists())
