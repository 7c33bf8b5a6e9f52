"""The disk log's segments are Redis 7 AOF files: redis-check-aof accepts them, and a real
redis-server loads a directory of them (with its manifest) into the same data."""

from __future__ import annotations

import os
import shutil
import subprocess

import redis
from twisted.internet.task import Clock
from twisted.trial.unittest import SkipTest, SynchronousTestCase

from replkv.log.disk import DiskLog, open_disk_log
from tests.support.processes import start_redis_server
from tests.support.tempdirs import temporary_directory

CHECK_TIMEOUT = 10.0


def resp(*args: bytes) -> bytes:
    """A command as the server propagates it: every argument a bulk string."""
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def redis_check_aof(path: str) -> tuple[int, str]:
    """Run redis-check-aof on path: its exit status and output."""
    binary = shutil.which("redis-check-aof")
    if binary is None:
        raise SkipTest("redis-check-aof is not installed")
    done = subprocess.run(
        [binary, path], capture_output=True, text=True, timeout=CHECK_TIMEOUT, check=False
    )
    return done.returncode, done.stdout + done.stderr


class DiskLogVsRedis(SynchronousTestCase):
    def write_log(self, directory: str, with_replication_pings: bool) -> DiskLog:
        """Several segments of writes, transactions and (optionally) PING/REPLCONF GETACK."""
        clock = Clock()
        log = open_disk_log(directory, clock, segment_size=300, appendfsync="no")
        self.addCleanup(log.close)
        log.append(resp(b"SELECT", b"0"))
        for n in range(40):
            log.append(resp(b"SET", b"key:%d" % n, b"value %d" % n))
            if n % 7 == 0:
                log.append(resp(b"MULTI"))
                log.append(resp(b"INCRBY", b"counter", b"%d" % n))
                log.append(resp(b"RPUSH", b"list", b"x" * n))
                log.append(resp(b"EXEC"))
            if with_replication_pings and n % 5 == 0:
                log.append(resp(b"PING"))
                log.append(resp(b"REPLCONF", b"GETACK", b"*"))
            if n % 3 == 0:
                clock.advance(0)
        clock.advance(0)
        self.assertGreater(len(log.segment_paths), 3)
        return log

    def test_redis_check_aof_accepts_every_segment_and_the_manifest(self) -> None:
        log = self.write_log(
            os.path.join(temporary_directory(self), "log"), with_replication_pings=True
        )
        for path in log.segment_paths:
            status, output = redis_check_aof(path)
            self.assertEqual(status, 0, output)
            self.assertIn("is valid", output)
        status, output = redis_check_aof(os.path.join(log.directory, "appendonly.aof.manifest"))
        self.assertEqual(status, 0, output)
        self.assertIn("All AOF files and manifest are valid", output)
        self.assertEqual(output.count("is valid"), len(log.segment_paths))

    def test_redis_check_aof_rejects_a_torn_segment(self) -> None:
        # The check above can fail: a batch cut short is reported as Redis reports it.
        log = self.write_log(
            os.path.join(temporary_directory(self), "log"), with_replication_pings=False
        )
        last = log.segment_paths[-1]
        os.truncate(last, os.path.getsize(last) - 3)
        status, output = redis_check_aof(last)
        self.assertEqual(status, 1, output)
        self.assertIn("is not valid", output)

    def test_redis_server_loads_the_directory(self) -> None:
        data_dir = os.path.join(temporary_directory(self), "log")
        self.write_log(os.path.join(data_dir, "appendonlydir"), with_replication_pings=False)
        server = start_redis_server(self, "--appendonly", "yes", "--dir", os.path.abspath(data_dir))
        client = redis.Redis(port=server.port, socket_timeout=5)
        self.addCleanup(client.close)
        self.assertEqual(client.dbsize(), 42)
        self.assertEqual(client.get("key:39"), b"value 39")
        self.assertEqual(client.get("counter"), b"%d" % sum(range(0, 40, 7)))
        self.assertEqual(client.llen("list"), len(range(0, 40, 7)))
