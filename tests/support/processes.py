"""Start replkv and redis-server processes for tests, and always reap them.

`start_replkv` / `start_redis_server` are for a single test: they register
the cleanup on the test case. `launch_replkv` / `launch_redis_server` leave
stopping to the caller (shared per-class servers, the benchmark).
"""

import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from unittest import SkipTest

from tests.support.ports import free_port

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
# A free port can be taken by someone else before the server binds it.
START_ATTEMPTS = 3

TWISTD = Path(sys.executable).parent / "twistd"


class ServerStartError(RuntimeError):
    """A server process did not answer PING in time; the message holds its log."""


class CleanupRegistrar(Protocol):
    """Anything with addCleanup: trial and unittest test cases."""

    def addCleanup(self, function: Callable[[], object]) -> None: ...  # noqa: N802


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child if the test runner dies, so nothing is orphaned."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: cleanup handlers still reap the process


class ServerProcess:
    """A server running on 127.0.0.1:`port`, with its own temporary directory."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], port: int, workdir: Path):
        self.name = name
        self.port = port
        self.workdir = workdir
        self._popen = popen

    def __repr__(self) -> str:
        return f"<{self.name} pid={self.pid} port={self.port}>"

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._popen.pid

    @property
    def returncode(self) -> int | None:
        """The exit status, or None while it runs."""
        return self._popen.poll()

    def alive(self) -> bool:
        """True while the process has not exited."""
        return self._popen.poll() is None

    def log_text(self) -> str:
        """The server's log and anything it printed, for failure messages."""
        parts = []
        for path in sorted(self.workdir.glob("*.log")) + [self.workdir / "output.txt"]:
            if path.exists():
                text = path.read_text(errors="replace")
                parts.append(f"--- {path.name} ---\n{text}")
        return "\n".join(parts)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then SIGKILL after `timeout`; reap it and remove its directory."""
        if self.alive():
            self._popen.terminate()
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._popen.kill()
        returncode = self._popen.wait(STOP_TIMEOUT)
        shutil.rmtree(self.workdir, ignore_errors=True)
        return returncode

    def kill(self) -> int:
        """SIGKILL at once (a crash, as far as the server can tell) and reap it.

        The directory is kept, so a restarted server can read what it left.
        """
        if self.alive():
            self._popen.kill()
        return self._popen.wait(STOP_TIMEOUT)


def ping_answers(port: int, timeout: float = 1.0) -> bool:
    """True if a fresh connection to `port` gets +PONG (or -NOAUTH) for an inline PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            reply = b""
            while not reply.endswith(b"\r\n"):
                data = sock.recv(64)
                if not data:
                    return False
                reply += data
            # A server started with requirepass is up when it asks for AUTH.
            return reply == b"+PONG\r\n" or reply.startswith(b"-NOAUTH ")
    except OSError:
        return False


def _wait_for_ping(server: ServerProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise ServerStartError(
                f"{server.name} exited with status {server.returncode} before answering PING\n"
                + server.log_text()
            )
        if ping_answers(server.port):
            return
        time.sleep(0.05)  # poll interval, not synchronisation: the deadline bounds the wait
    server.stop()
    raise ServerStartError(
        f"{server.name} did not answer PING on port {server.port} within {timeout}s\n"
        + server.log_text()
    )


def _launch(
    name: str,
    build_argv: Callable[[int, Path], list[str]],
    timeout: float,
    port: int | None = None,
) -> ServerProcess:
    """Start a server on `port`, or on a free port, retrying with a new one if the
    first was taken."""
    error: ServerStartError | None = None
    for _ in range(START_ATTEMPTS if port is None else 1):
        port = port or free_port()
        workdir = Path(tempfile.mkdtemp(prefix=f"{name}-{port}-"))
        with open(workdir / "output.txt", "wb") as output:
            popen = subprocess.Popen(
                build_argv(port, workdir),
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        server = ServerProcess(name, popen, port, workdir)
        try:
            _wait_for_ping(server, timeout)
        except ServerStartError as exc:
            text = str(exc)
            server.stop()
            if "in use" not in text:  # only a lost port race is worth another try
                raise
            error = exc
            port = None
        else:
            return server
    assert error is not None
    raise error


def launch_replkv(
    *extra_args: str,
    config_text: str | None = None,
    timeout: float = START_TIMEOUT,
    port: int | None = None,
) -> ServerProcess:
    """Run `twistd -n replkv --port P --dir TMP` from this virtualenv; the caller stops it.

    P is `port` (a restart where replicas expect it) or a free port.

    Like launch_redis_server, without snapshots (`--save ""`) unless extra_args set `--save`.

    `config_text` is written to TMP/replkv.conf and passed as `--config`.
    """

    def argv(port: int, workdir: Path) -> list[str]:
        args = [str(TWISTD), "-n", "--pidfile=", f"--logfile={workdir / 'twistd.log'}"]
        args += ["replkv", "--port", str(port), "--dir", str(workdir / "data")]
        (workdir / "data").mkdir()
        if config_text is not None:
            config = workdir / "replkv.conf"
            config.write_text(config_text)
            args += ["--config", str(config)]
        if "--save" not in extra_args:
            args += ["--save", ""]  # no snapshots unless the test asks, as for redis-server
        return args + list(extra_args)

    return _launch("replkv", argv, timeout, port)


def redis_server_path() -> str | None:
    """Where redis-server is installed, or None."""
    return shutil.which("redis-server")


def launch_redis_server(*extra_args: str, timeout: float = START_TIMEOUT) -> ServerProcess:
    """Run a real redis-server without persistence; the caller stops it.

    Raises SkipTest if redis-server is not installed.
    """
    binary = redis_server_path()
    if binary is None:
        raise SkipTest("redis-server is not installed")

    def argv(port: int, workdir: Path) -> list[str]:
        return [
            binary,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(workdir),
            "--logfile", str(workdir / "redis.log"),
            *extra_args,
        ]  # fmt: skip

    return _launch("redis-server", argv, timeout)


def start_replkv(
    testcase: CleanupRegistrar,
    *extra_args: str,
    config_text: str | None = None,
    port: int | None = None,
) -> ServerProcess:
    """Start replkv for one test; the test case stops and reaps it on cleanup."""
    server = launch_replkv(*extra_args, config_text=config_text, port=port)
    testcase.addCleanup(server.stop)
    return server


def start_redis_server(testcase: CleanupRegistrar, *extra_args: str) -> ServerProcess:
    """Start redis-server for one test (SkipTest if absent); reaped on cleanup."""
    server = launch_redis_server(*extra_args)
    testcase.addCleanup(server.stop)
    return server


def read_rss_kib(pid: int) -> int:
    """The process's resident set size in KiB, from /proc/PID/status (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(f"no VmRSS for pid {pid}")


def launcher(kind: str) -> Callable[..., ServerProcess]:
    """`launch_replkv` or `launch_redis_server` by name ("replkv" or "redis-server")."""
    launchers: dict[str, Callable[..., ServerProcess]] = {
        "replkv": launch_replkv,
        "redis-server": launch_redis_server,
    }
    return launchers[kind]
