"""Recovery with real processes: the log on disk after kill -9, snapshots plus the log,
a torn tail, a flipped byte, and acknowledged writes under `appendfsync always`."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import redis
from twisted.trial.unittest import SynchronousTestCase

from tests.support.ports import free_port
from tests.support.processes import TWISTD, ServerProcess, start_replkv

WAIT = 20.0


def restart_on(testcase: SynchronousTestCase, data_dir: Path, *args: str) -> ServerProcess:
    """A new replkv on the same data directory."""
    return start_replkv(testcase, "--dir", str(data_dir), "--appendonly", "yes", *args)


def run_to_exit(data_dir: Path, *args: str) -> tuple[int, str]:
    """Start replkv on data_dir expecting it to stop by itself: (status, its output)."""
    port = free_port()
    done = subprocess.run(
        [str(TWISTD), "-n", "--pidfile=", "replkv", "--port", str(port), "--dir", str(data_dir),
         "--appendonly", "yes", "--save", "", *args],
        capture_output=True, text=True, timeout=WAIT, cwd=data_dir,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def segments(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "appendonlydir").glob("replkv.*.incr.aof"))


class RecoveryTests(SynchronousTestCase):
    def start(self, *args: str) -> tuple[ServerProcess, redis.Redis, Path]:
        server = start_replkv(self, "--appendonly", "yes", "--enable-debug-command", "yes", *args)
        client = redis.Redis(port=server.port)
        self.addCleanup(client.close)
        return server, client, server.workdir / "data"

    def test_the_log_alone_brings_back_data_and_offsets(self) -> None:
        server, client, data_dir = self.start()
        client.set("a", 1)
        client.rpush("l", *range(5))
        client.hset("h", mapping={"f": "v"})
        client.execute_command("SELECT", 3)  # a pooled connection: stays in db 3 only here
        with client.pipeline(transaction=True) as pipe:
            pipe.incr("n").zadd("z", {"m": 1.5}).execute()
        digest = client.execute_command("DEBUG", "DIGEST")
        offset = client.info("replication")["master_repl_offset"]
        server.kill()
        again = restart_on(self, data_dir, "--enable-debug-command", "yes")
        with redis.Redis(port=again.port) as restarted:
            self.assertEqual(restarted.execute_command("DEBUG", "DIGEST"), digest)
            self.assertEqual(restarted.info("replication")["master_repl_offset"], offset)
            restarted.set("after", "restart")  # the log goes on at the same offsets
            self.assertGreater(restarted.info("replication")["master_repl_offset"], offset)

    def test_snapshot_then_the_log_after_it(self) -> None:
        server, client, data_dir = self.start()
        for i in range(200):
            client.set(f"k{i}", i)
        self.assertTrue(client.save())
        client.set("after-save", 1)
        client.delete("k0")
        digest = client.execute_command("DEBUG", "DIGEST")
        server.kill()
        again = restart_on(self, data_dir, "--enable-debug-command", "yes")
        with redis.Redis(port=again.port) as restarted:
            self.assertEqual(restarted.execute_command("DEBUG", "DIGEST"), digest)
            self.assertEqual(restarted.info("persistence")["rdb_last_load_keys_loaded"], 200)
        self.assertIn("DB loaded from disk", again.log_text())

    def test_a_torn_tail_is_cut_off_with_a_warning(self) -> None:
        server, client, data_dir = self.start()
        client.set("kept", 1)
        end = client.info("replication")["master_repl_offset"]
        server.kill()
        last = segments(data_dir)[-1]
        whole = last.stat().st_size
        with open(last, "ab") as segment:  # the next batch's header and half its command
            header = b"#B %d 31 00000000\r\n" % end
            segment.write(header + b"*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$5\r\nhel")
        again = restart_on(self, data_dir)
        with redis.Redis(port=again.port) as restarted:
            self.assertEqual(restarted.get("kept"), b"1")
            self.assertFalse(restarted.exists("z"))
        self.assertEqual(last.stat().st_size, whole)
        self.assertIn("truncating it at file position", again.log_text())

    def test_a_flipped_byte_stops_start_up(self) -> None:
        server, client, data_dir = self.start()
        for i in range(10):
            client.set(f"k{i}", "v" * 20)
        server.kill()
        last = segments(data_dir)[-1]
        raw = bytearray(last.read_bytes())
        spot = raw.index(b"vvvv", len(raw) // 3)
        raw[spot] ^= 0x01
        last.write_bytes(bytes(raw))
        status, output = run_to_exit(data_dir)
        self.assertEqual(status, 1)
        self.assertIn(last.name, output)
        self.assertIn("python -m replkv.tools repair", output)

    def test_acknowledged_writes_survive_kill_9(self) -> None:
        """appendfsync always: every write that got its reply is there after a restart."""
        self.crash_rounds("always")

    def test_acknowledged_writes_survive_kill_9_with_everysec(self) -> None:
        """everysec loses at most a second to a power loss; a killed process loses
        nothing acknowledged, since events reach the file before their replies leave."""
        self.crash_rounds("everysec")

    def crash_rounds(self, policy: str) -> None:
        rounds = int(os.environ.get("REPLKV_CRASH_ROUNDS", "4"))
        rng = random.Random(os.environ.get("REPLKV_CRASH_SEED", "7"))
        server, _, data_dir = self.start("--appendfsync", policy)
        acknowledged: dict[bytes, int] = {}
        for _ in range(rounds):
            stop = threading.Event()
            port = server.port
            writers = [
                threading.Thread(target=self._write_until, args=(port, n, stop, acknowledged))
                for n in range(3)
            ]
            for writer in writers:
                writer.start()
            time.sleep(rng.uniform(0.1, 0.5))  # let writes run, then kill at a random point
            os.kill(server.pid, signal.SIGKILL)
            stop.set()
            for writer in writers:
                writer.join(WAIT)
            server.kill()
            server = restart_on(self, data_dir, "--appendfsync", policy)
            with redis.Redis(port=server.port) as check:
                keys = list(acknowledged)
                values = check.mget(keys) if keys else []
            for key, value in zip(keys, values, strict=True):
                self.assertIsNotNone(value, key)
                self.assertGreaterEqual(int(value), acknowledged[key], key)
        self.assertGreater(len(acknowledged), 0)

    def _write_until(
        self, port: int, writer: int, stop: threading.Event, acknowledged: dict[bytes, int]
    ) -> None:
        """INCR counters; record each value the server acknowledged."""
        deadline = time.monotonic() + WAIT
        try:
            with redis.Redis(port=port, socket_timeout=5) as client:
                n = 0
                while not stop.is_set() and time.monotonic() < deadline:
                    key = b"w%d:%d" % (writer, n % 50)
                    acknowledged[key] = client.incr(key)
                    n += 1
        except (redis.ConnectionError, redis.TimeoutError):
            pass  # the kill: what was not acknowledged may be lost
