"""Start-up of a real `twistd -n replkv`: a taken port, a unix socket, the ready line."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import redis
from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import TWISTD, start_replkv

EXIT_TIMEOUT = 20.0
CLI_TIMEOUT = 10.0


def temporary_directory(test: SynchronousTestCase) -> Path:
    """A short-named directory (unix socket paths are limited), removed after the test."""
    directory = Path(tempfile.mkdtemp(prefix="rkv-", dir="/tmp"))
    test.addCleanup(shutil.rmtree, directory, True)
    return directory


class TakenPortTests(SynchronousTestCase):
    def test_taken_port_exits_non_zero_with_redis_log_lines(self) -> None:
        # The port is held open for the whole test, so no other process can take it
        # and let replkv start (free_port() would release it at once).
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen(1)
            port = holder.getsockname()[1]
            workdir = temporary_directory(self)
            log_file = workdir / "twistd.log"
            argv = [str(TWISTD), "-n", "--pidfile=", f"--logfile={log_file}", "replkv"]
            argv += ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir)]
            try:
                completed = subprocess.run(
                    argv,
                    cwd=workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    timeout=EXIT_TIMEOUT,
                )
            except subprocess.TimeoutExpired:  # run() has killed and reaped it
                self.fail(f"twistd replkv kept running on a taken port\n{log_file.read_text()}")
        log = log_file.read_text()
        self.assertEqual(completed.returncode, 1, log + completed.stdout.decode())
        self.assertIn(
            f"Warning: Could not create server TCP listening socket 127.0.0.1:{port}: "
            "bind: Address already in use",
            log,
        )
        self.assertIn(f"Failed listening on port {port} (TCP), aborting.", log)
        self.assertNotIn("Ready to accept connections", log)


class UnixSocketTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.path = str(temporary_directory(self) / "replkv.sock")
        with open(self.path, "w"):
            pass  # a stale file where the socket goes
        self.server = start_replkv(self, "--unixsocket", self.path, "--unixsocketperm", "700")

    def test_ready_line_once_then_the_unix_socket_line(self) -> None:
        log = self.server.log_text()
        self.assertEqual(log.count("Ready to accept connections"), 1, log)
        self.assertIn(f"The server is now ready to accept connections at {self.path}", log)
        self.assertLess(
            log.index("Ready to accept connections"),
            log.index("The server is now ready to accept connections at"),
        )

    def test_socket_has_unixsocketperm(self) -> None:
        self.assertEqual(os.stat(self.path).st_mode & 0o777, 0o700)

    def test_redis_py_over_the_unix_socket(self) -> None:
        client = redis.Redis(unix_socket_path=self.path, socket_timeout=CLI_TIMEOUT)
        self.addCleanup(client.close)
        self.assertTrue(client.ping())
        client.set("k", "v")
        self.assertEqual(client.get("k"), b"v")
        info = client.client_info()
        self.assertEqual(info["addr"], f"{self.path}:0")
        self.assertEqual(info["laddr"], f"{self.path}:0")
        self.assertEqual(info["flags"], "U")

    def test_redis_cli_over_the_unix_socket(self) -> None:
        cli = shutil.which("redis-cli")
        if cli is None:
            raise self.skipTest("redis-cli is not installed")
        completed = subprocess.run(
            [cli, "-s", self.path, "PING"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=CLI_TIMEOUT,
        )
        self.assertEqual(completed.stdout, b"PONG\n", completed.stderr)

    def test_socket_file_is_removed_on_stop(self) -> None:
        self.server.stop()  # SIGTERM: twistd exits by that signal
        self.assertFalse(os.path.exists(self.path))


class ReadyLineTests(SynchronousTestCase):
    def test_ready_line_once_on_tcp(self) -> None:
        server = start_replkv(self)
        log = server.log_text()
        self.assertEqual(log.count("Ready to accept connections"), 1, log)
        self.assertNotIn("The server is now ready to accept connections at", log)
