"""The package as users get it: a built wheel, and a default editable install.

Each test makes a fresh virtualenv outside the repository, installs replkv into
it (dependencies come from the package index; pip's cache keeps that quick),
and runs that virtualenv's `twistd replkv` from a directory outside the
repository, so only what was installed can serve it. The tests skip when the
virtualenv cannot be built for lack of network; a missing plugin fails them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from twisted.trial.unittest import SkipTest, SynchronousTestCase

from tests.support.ports import free_port
from tests.support.processes import STOP_TIMEOUT, ping_answers
from tests.support.resp_client import RawClient

REPO = Path(__file__).resolve().parents[2]
PLUGIN = "twisted/plugins/replkv_plugin.py"
VENV_TIMEOUT = 60.0
BUILD_TIMEOUT = 120.0
INSTALL_TIMEOUT = 240.0
HELP_TIMEOUT = 30.0
START_TIMEOUT = 20.0
START_ATTEMPTS = 3

# pip's messages when the index cannot be reached.
_NETWORK_ERRORS = re.compile(
    r"Failed to establish a new connection|Temporary failure in name resolution|"
    r"Name or service not known|Network is unreachable|Connection refused|"
    r"ConnectTimeout|ReadTimeout|ProxyError|No matching distribution found|"
    r"Could not find a version that satisfies"
)


def _base_python() -> str:
    """The interpreter this test virtualenv was made from."""
    return getattr(sys, "_base_executable", None) or sys.executable


def _clean_environment() -> dict[str, str]:
    """The environment without this virtualenv or the repository on the path."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(name, None)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if part != venv_bin
    )
    return env


def _run(argv: list[str], timeout: float, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run to completion with a bound; on timeout run() kills and reaps the process."""
    return subprocess.run(
        argv,
        cwd=cwd,
        env=_clean_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class InstalledPackageTests(SynchronousTestCase):
    """A fresh virtualenv per test, with replkv installed one way or the other."""

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="replkv-packaging-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.outside = self.tmp / "elsewhere"
        self.outside.mkdir()
        self.venv = self.tmp / "venv"
        try:
            created = _run(
                [_base_python(), "-m", "venv", str(self.venv)], VENV_TIMEOUT, self.outside
            )
        except subprocess.TimeoutExpired:
            raise SkipTest("creating a virtualenv timed out") from None
        if created.returncode != 0:
            raise SkipTest(f"cannot create a virtualenv: {created.stderr.strip()[-500:]}")

    def pip_install(self, *arguments: str) -> None:
        """pip install into the fresh virtualenv; skip if the index is out of reach."""
        pip = [str(self.venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        try:
            installed = _run(pip + list(arguments), INSTALL_TIMEOUT, self.outside)
        except subprocess.TimeoutExpired:
            raise SkipTest("pip install timed out (no network?)") from None
        if installed.returncode != 0:
            output = installed.stdout + installed.stderr
            if _NETWORK_ERRORS.search(output):
                raise SkipTest(f"the package index is out of reach: {output.strip()[-500:]}")
            self.fail(f"pip install {' '.join(arguments)} failed:\n{output}")

    def assert_twistd_serves_replkv(self) -> None:
        """`twistd replkv --help` works and a server started from elsewhere answers PING."""
        twistd = str(self.venv / "bin" / "twistd")
        helped = _run([twistd, "replkv", "--help"], HELP_TIMEOUT, self.outside)
        self.assertEqual(helped.returncode, 0, helped.stdout + helped.stderr)
        self.assertIn("replkv", helped.stdout)
        data = self.tmp / "data"
        data.mkdir()
        for _ in range(START_ATTEMPTS):
            port = free_port()
            log = self.tmp / f"twistd-{port}.log"
            argv = [twistd, "-n", "--pidfile=", f"--logfile={log}", "replkv"]
            argv += ["--port", str(port), "--dir", str(data)]
            if self.serve_once(argv, port, log):
                return
        self.fail(f"twistd replkv never listened:\n{log.read_text(errors='replace')}")

    def assert_docs_data_installed(self, port: int) -> None:
        """COMMAND DOCS answers Redis's docs, read from the installed data file."""
        with RawClient(port) as client:
            docs = client.call("COMMAND", "DOCS", "get")
        self.assertIn(b"$10\r\ncomplexity\r\n$4\r\nO(1)\r\n", docs)

    def serve_once(self, argv: list[str], port: int, log: Path) -> bool:
        """Start the server, PING it, stop it; False if the port was taken meanwhile."""
        process = subprocess.Popen(
            argv,
            cwd=self.outside,
            env=_clean_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and process.poll() is None:
                if ping_answers(port):
                    self.assert_docs_data_installed(port)
                    return True
                time.sleep(0.05)  # poll interval; the deadline bounds the wait
            text = log.read_text(errors="replace") if log.exists() else ""
            if process.poll() is not None and "Address already in use" in text:
                return False
            self.fail(f"twistd replkv did not answer PING on {port}:\n{text}")
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
            process.wait(STOP_TIMEOUT)

    def test_wheel(self) -> None:
        wheels = self.tmp / "wheels"
        pip = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels)]
        try:
            built = _run(pip + [str(REPO)], BUILD_TIMEOUT, self.outside)
        except subprocess.TimeoutExpired:
            raise SkipTest("building the wheel timed out (no network?)") from None
        output = built.stdout + built.stderr
        if built.returncode != 0 and _NETWORK_ERRORS.search(output):
            raise SkipTest(f"cannot fetch the build backend: {output.strip()[-500:]}")
        self.assertEqual(built.returncode, 0, output)
        (wheel,) = wheels.glob("replkv-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
        self.assertIn(PLUGIN, names)
        # The plugin joins Twisted's namespace; nothing of Twisted's own is shipped.
        self.assertNotIn("twisted/__init__.py", names)
        self.assertNotIn("twisted/plugins/__init__.py", names)
        self.assertIn("replkv/__init__.py", names)
        self.assertIn("replkv/commands/command_docs.json", names)
        self.pip_install(str(wheel))
        self.assert_twistd_serves_replkv()

    def test_default_editable_install(self) -> None:
        self.pip_install("-e", str(REPO))
        self.assert_twistd_serves_replkv()
