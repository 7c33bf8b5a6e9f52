"""The data directory tools on what a real replkv wrote: verify, events, restore to a
past offset and start replkv on it, a torn tail repaired, a flipped byte named."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import redis
from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import ServerProcess, start_replkv

WAIT = 20.0
TOOLS = [sys.executable, "-m", "replkv.tools"]


def tool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m replkv.tools ARGS`."""
    return subprocess.run(
        [*TOOLS, *args], capture_output=True, text=True, timeout=WAIT, stdin=subprocess.DEVNULL
    )


class ToolsOnRealDataTests(SynchronousTestCase):
    def start(self, *args: str) -> tuple[ServerProcess, redis.Redis]:
        server = start_replkv(self, "--appendonly", "yes", "--enable-debug-command", "yes", *args)
        client = redis.Redis(port=server.port)
        self.addCleanup(client.close)
        return server, client

    def stop(self, server: ServerProcess, client: redis.Redis) -> None:
        """SHUTDOWN NOSAVE, and reap the process; its directory stays."""
        try:
            client.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        server.kill()

    def write_history(self) -> tuple[Path, list[tuple[int, bytes]], int]:
        """Writes, SAVE, more writes; (data dir, (offset, digest) after each, SAVE's offset)."""
        server, client = self.start()
        moments: list[tuple[int, bytes]] = []

        def moment() -> None:
            offset = client.info("replication")["master_repl_offset"]
            moments.append((offset, client.execute_command("DEBUG", "DIGEST")))

        for i in range(5):
            client.set(f"k{i}", i)
            moment()
        client.rpush("list", *range(10))
        moment()
        self.assertTrue(client.save())
        saved = client.info("replication")["master_repl_offset"]
        client.hset("h", mapping={"f": "v", "g": "w"})
        moment()
        with client.pipeline(transaction=True) as pipe:
            pipe.incr("n").sadd("s", "a", "b").execute()
        moment()
        client.delete("k0")
        moment()
        client.set("last", "one")
        moment()
        self.stop(server, client)
        return server.workdir / "data", moments, saved

    def test_verify_events_and_restore(self) -> None:
        data, moments, saved = self.write_history()
        verified = tool("verify", str(data))
        self.assertEqual(verified.returncode, 0, verified.stderr)
        end = moments[-1][0]
        self.assertIn(f"covers log offset {saved}", verified.stdout)
        self.assertIn(f"offsets 0-{end} ", verified.stdout)

        events = tool("events", str(data))
        self.assertEqual(events.returncode, 0, events.stderr)
        lines = events.stdout.splitlines()
        starts = {int(line.split()[0]): line for line in lines}
        # Each write's events start where the previous moment ended.
        self.assertTrue(starts[moments[0][0]].endswith('"SET" "k1" "1"'))
        self.assertTrue(starts[moments[5][0]].endswith('"HSET" "h" "f" "v" "g" "w"'))
        self.assertTrue(starts[moments[6][0]].endswith('"MULTI"'))
        self.assertTrue(starts[moments[7][0]].endswith('"DEL" "k0"'))
        self.assertTrue(lines[-1].endswith('"SET" "last" "one"'))

        offset, digest = moments[6]  # after the MULTI/EXEC, past the snapshot
        out = data.parent / "restored"
        restored = tool("restore", str(data), "--to", str(offset), "--out", str(out))
        self.assertEqual(restored.returncode, 0, restored.stderr)
        self.assertEqual(tool("verify", str(out)).returncode, 0)
        server, client = self.start("--dir", str(out))
        self.assertEqual(client.execute_command("DEBUG", "DIGEST"), digest)
        self.assertEqual(client.info("replication")["master_repl_offset"], offset)

        inside = tool("restore", str(data), "--to", str(moments[5][0] + 20), "--out", "x")
        self.assertEqual(inside.returncode, 1)
        self.assertIn("inside", inside.stderr)

    def test_a_torn_tail_repaired_then_replkv_starts_and_a_flipped_byte_named(self) -> None:
        server, client = self.start()
        for i in range(10):
            client.set(f"k{i}", "v" * 20)
        digest = client.execute_command("DEBUG", "DIGEST")
        end = client.info("replication")["master_repl_offset"]
        self.stop(server, client)
        data = server.workdir / "data"
        flipped = server.workdir / "flipped"
        shutil.copytree(data, flipped)

        last = sorted((data / "appendonlydir").glob("replkv.*.incr.aof"))[-1]
        whole = last.stat().st_size
        with open(last, "ab") as segment:
            segment.write(b"#B %d 31 00000000\r\n*3\r\n$3\r\nSET\r\n$1\r\nz" % end)
        verified = tool("verify", str(data))
        self.assertEqual(verified.returncode, 1)
        self.assertIn(f"{last} at file position {whole} (log offset {end})", verified.stderr)
        repaired = tool("repair", "--yes", str(data))
        self.assertEqual(repaired.returncode, 0, repaired.stderr)
        self.assertEqual(last.stat().st_size, whole)
        again, restarted = self.start("--dir", str(data), "--aof-load-truncated", "no")
        self.assertEqual(restarted.execute_command("DEBUG", "DIGEST"), digest)

        last = sorted((flipped / "appendonlydir").glob("replkv.*.incr.aof"))[-1]
        raw = bytearray(last.read_bytes())
        spot = raw.index(b"vvvv", len(raw) // 2)
        header = raw.rindex(b"#B ", 0, spot)
        offset = int(raw[header:].split(b" ")[1])
        raw[spot] ^= 0x01
        last.write_bytes(bytes(raw))
        verified = tool("verify", str(flipped))
        self.assertEqual(verified.returncode, 1)
        self.assertIn(
            f"{last} at file position {header} (log offset {offset}): checksum mismatch",
            verified.stderr,
        )

    def test_the_console_script(self) -> None:
        script = Path(sys.executable).parent / "replkv-check"
        done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=WAIT)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("usage: replkv-check", done.stdout)
