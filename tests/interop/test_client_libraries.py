"""Real clients work against replkv unchanged: redis-py (sync and asyncio), redis-cli,
redis-benchmark."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import redis
import redis.asyncio
from twisted.trial.unittest import SkipTest, SynchronousTestCase

from tests.support.processes import start_replkv

TOOL_TIMEOUT = 60


def _text(value: str | bytes) -> str:
    """redis-py decodes some RESP3 maps itself; compare as text either way."""
    return value.decode() if isinstance(value, bytes) else value


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SkipTest(f"{tool} is not installed")
    return path


class RedisPyTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = start_replkv(self)

    def client(self, **options: object) -> redis.Redis:
        client = redis.Redis(port=self.server.port, socket_timeout=10, **options)
        self.addCleanup(client.close)
        return client

    def test_sync_commands(self) -> None:
        r = self.client()
        self.assertTrue(r.ping())
        self.assertTrue(r.set("greeting", "hello", ex=100))
        self.assertEqual(r.get("greeting"), b"hello")
        self.assertEqual(r.incrby("counter", 5), 5)
        self.assertAlmostEqual(r.incrbyfloat("counter", 1.5), 6.5)
        self.assertEqual(r.mget("greeting", "missing"), [b"hello", None])
        self.assertTrue(0 < r.ttl("greeting") <= 100)
        self.assertEqual(sorted(r.scan_iter(match="*")), [b"counter", b"greeting"])
        self.assertEqual(r.delete("greeting", "missing"), 1)
        self.assertEqual(r.dbsize(), 1)
        with self.assertRaises(redis.ResponseError):
            r.execute_command("NOSUCHCOMMAND")

    def test_resp3_client(self) -> None:
        r = self.client(protocol=3)
        self.assertTrue(r.set("k", "v"))
        self.assertEqual(r.get("k"), b"v")
        self.assertIsNone(r.get("nothing"))
        config = {_text(k): _text(v) for k, v in r.config_get("port").items()}
        self.assertEqual(config, {"port": str(self.server.port)})

    def test_pipeline_and_transaction(self) -> None:
        r = self.client()
        with r.pipeline(transaction=True) as pipe:
            pipe.set("a", 1).incr("a").get("a")
            self.assertEqual(pipe.execute(), [True, 2, b"2"])
        with r.pipeline(transaction=False) as pipe:
            for i in range(100):
                pipe.set(f"key:{i}", i)
            self.assertEqual(pipe.execute(), [True] * 100)
        self.assertEqual(r.dbsize(), 101)

    def test_watch_conflict(self) -> None:
        r = self.client()
        other = self.client()
        r.set("balance", 10)
        with r.pipeline() as pipe:
            pipe.watch("balance")
            other.set("balance", 20)
            pipe.multi()
            pipe.incr("balance")
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        self.assertEqual(r.get("balance"), b"20")

    def test_asyncio_client(self) -> None:
        async def scenario() -> list[object]:
            client = redis.asyncio.Redis(port=self.server.port, socket_timeout=10)
            try:
                await client.set("async", "yes")
                results = await asyncio.gather(
                    client.get("async"), client.incr("hits"), client.exists("async")
                )
                return list(results)
            finally:
                await client.aclose()

        self.assertEqual(asyncio.run(scenario()), [b"yes", 1, 1])


class CommandLineToolsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = start_replkv(self)

    def run_tool(self, *args: str, stdin: bytes | None = None) -> str:
        result = subprocess.run(
            args, input=stdin, capture_output=True, timeout=TOOL_TIMEOUT, check=True
        )
        return result.stdout.decode()

    def test_redis_cli(self) -> None:
        cli = require("redis-cli")
        port = str(self.server.port)
        self.assertEqual(self.run_tool(cli, "-p", port, "PING"), "PONG\n")
        self.assertEqual(self.run_tool(cli, "-p", port, "SET", "k", "a b"), "OK\n")
        self.assertEqual(self.run_tool(cli, "-p", port, "GET", "k"), "a b\n")
        # Interactive-style input on stdin, one command a line.
        out = self.run_tool(cli, "-p", port, stdin=b"INCR n\nINCR n\nGET n\n")
        self.assertEqual(out.split(), ["1", "2", "2"])

    def test_redis_cli_pipe_mode(self) -> None:
        cli = require("redis-cli")
        commands = b"".join(b"SET key:%d %d\r\n" % (i, i) for i in range(1000))
        out = self.run_tool(cli, "-p", str(self.server.port), "--pipe", stdin=commands)
        self.assertIn("errors: 0, replies: 1000", out)
        self.assertEqual(self.run_tool(cli, "-p", str(self.server.port), "DBSIZE"), "1000\n")

    def test_redis_benchmark_runs_to_completion(self) -> None:
        benchmark = require("redis-benchmark")
        out = self.run_tool(
            benchmark,
            "-p",
            str(self.server.port),
            "-t",
            "set,get,incr,mset",
            "-n",
            "2000",
            "-c",
            "10",
            "-q",
            "--csv",
        )
        tests = [line.split(",")[0].strip('"') for line in out.splitlines()[1:]]
        self.assertEqual(tests, ["SET", "GET", "INCR", "MSET (10 keys)"])
