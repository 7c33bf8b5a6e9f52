"""`make run`'s script, `python -m replkv.tools.run`: a master and a replica of it, their
output prefixed by node, both stopped cleanly by a SIGINT, no process left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import SkipTest

from twisted.trial.unittest import TestCase

from tests.support.ports import free_port
from tests.support.processes import ping_answers
from tests.support.resp_client import RawClient

WAIT = 15.0


def wait_for(condition: Callable[[], bool], what: str, output: Callable[[], str]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)  # polling interval; the deadline bounds the wait
    raise AssertionError(f"timed out waiting for {what}\n{output()}")


def info(port: int, section: str) -> dict[str, str]:
    with RawClient(port) as client:
        text = client.call("INFO", section).decode()
    fields = {}
    for line in text.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            fields[name] = value
    return fields


def process_gone(pid: int) -> bool:
    """True if `pid` no longer runs (exited and reaped, or a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


class RunScriptTests(TestCase):
    def start(self) -> tuple[subprocess.Popen[bytes], int, int, Path]:
        """Start the script on free ports in a temporary directory; reaped on cleanup."""
        workdir = Path(tempfile.mkdtemp(prefix="replkv-run-"))
        self.addCleanup(shutil.rmtree, workdir, True)
        master, replica = free_port(), free_port()
        output = workdir / "output.txt"
        with open(output, "wb") as out:
            popen = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "replkv.tools.run",
                    "--port",
                    str(master),
                    "--replica-port",
                    str(replica),
                    "--dir",
                    str(workdir / "data"),
                ],  # fmt: skip
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

        def stop() -> None:
            if popen.poll() is None:
                popen.terminate()
                try:
                    popen.wait(30)
                except subprocess.TimeoutExpired:
                    popen.kill()
                    popen.wait()

        self.addCleanup(stop)
        self.output = lambda: output.read_text(errors="replace")[-4000:]
        wait_for(lambda: ping_answers(master) and ping_answers(replica), "both nodes", self.output)
        return popen, master, replica, workdir

    def test_master_and_replica_stop_on_sigint(self) -> None:
        popen, master, replica, workdir = self.start()
        self.assertEqual(info(master, "replication")["role"], "master")
        fields = info(replica, "replication")
        self.assertEqual(fields["role"], "slave")
        self.assertEqual(fields["master_host"], "127.0.0.1")
        self.assertEqual(fields["master_port"], str(master))
        pids = [int(info(port, "server")["process_id"]) for port in (master, replica)]
        self.assertNotIn(popen.pid, pids)
        popen.send_signal(signal.SIGINT)
        self.assertEqual(popen.wait(WAIT), 0, self.output())
        for pid in pids:
            self.assertTrue(process_gone(pid), f"pid {pid} still runs")
        self.assertFalse(ping_answers(master) or ping_answers(replica))
        text = self.output()
        self.assertIn("master  | ", text)
        self.assertIn("replica | ", text)
        self.assertIn("run     | both stopped", text)
        # Each node saved its snapshot in its own directory on the way out.
        self.assertTrue((workdir / "data" / "master" / "dump.rdb").exists())
        self.assertTrue((workdir / "data" / "replica" / "dump.rdb").exists())

    def test_a_child_dying_stops_the_other(self) -> None:
        popen, master, replica, _ = self.start()
        replica_pid = int(info(replica, "server")["process_id"])
        os.kill(int(info(master, "server")["process_id"]), signal.SIGKILL)
        self.assertEqual(popen.wait(WAIT), 1, self.output())
        self.assertTrue(process_gone(replica_pid))
        self.assertIn("master exited with status -9", self.output())

    def test_a_write_on_the_master_reaches_the_replica(self) -> None:
        popen, master, replica, _ = self.start()
        with RawClient(master) as client:
            reply = client.call("PSYNC", "?", "-1")
        if reply.startswith(b"-"):
            raise SkipTest(f"the replkv master does not serve PSYNC yet: {reply!r}")
        with RawClient(master) as client:
            self.assertEqual(client.call("SET", "k", "from-master"), b"+OK\r\n")
        wait_for(
            lambda: info(replica, "replication").get("master_link_status") == "up",
            "the link",
            self.output,
        )

        def arrived() -> bool:
            with RawClient(replica) as client:
                return client.call("GET", "k") == b"$11\r\nfrom-master\r\n"

        wait_for(arrived, "the SET on the replica", self.output)
        popen.send_signal(signal.SIGINT)
        self.assertEqual(popen.wait(WAIT), 0, self.output())
