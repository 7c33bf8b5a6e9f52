"""`make run`: a replkv master and a replica following it, in the foreground.

    python -m replkv.tools.run [--port 6379] [--replica-port 6380] [--dir data]

Starts two `twistd -n --pidfile= replkv` processes, the master on --port with data in
DIR/master and the replica on --replica-port with data in DIR/replica and
`--replicaof HOST:PORT` of the master, and copies their output to this process's
stdout, each line prefixed with the node's name.

The children run in their own process group, so a Ctrl-C at the terminal reaches only
this process, which then sends SIGTERM to both (replica first) and waits for them. On
SIGINT, SIGTERM or SIGHUP it exits 0 once both have stopped cleanly (twistd exits by
the SIGTERM it handled; status 1 if a child had to be killed or exited with an error).
If a child exits on its own, the other is stopped and the exit status is 1. Linux's
parent-death signal stops the children if this process is killed outright.
"""

from __future__ import annotations

import argparse
import ctypes
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import IO

PROG = "python -m replkv.tools.run"
STOP_TIMEOUT = 30.0
POLL_INTERVAL = 0.1
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
CLEAN_EXITS = (0, -signal.SIGTERM)
# Its one replica is on its way: no need for diskless sync's 5 s wait for others to
# share the snapshot.
MASTER_OPTIONS = ("--role", "master", "--repl-diskless-sync-delay", "0")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run a replkv master and a replica of it in the foreground.",
    )
    parser.add_argument("--port", type=int, default=6379, help="the master's port (6379)")
    parser.add_argument("--replica-port", type=int, default=6380, help="the replica's port (6380)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path("data"),
        help="data directory; the nodes use DIR/master and DIR/replica (data)",
    )
    parser.add_argument("--bind", default="127.0.0.1", help="address both nodes listen on")
    parser.add_argument(
        "--twistd",
        default=str(Path(sys.executable).parent / "twistd"),
        help="the twistd to run (the one next to this Python)",
    )
    return parser


def _die_with_parent() -> None:
    """In the child: leave our process group, and get SIGTERM if the runner dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the signal handlers below still stop the children


class Node:
    """One twistd child whose output lines are copied to `out` with a prefix."""

    def __init__(self, name: str, argv: list[str], out: IO[str], lock: threading.Lock) -> None:
        self.name = name
        self.argv = argv
        self._out = out
        self._lock = lock
        self._prefix = f"{name:<7} | "
        self.popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self._reader = threading.Thread(target=self._copy, name=f"{name}-output", daemon=True)
        self._reader.start()

    def _copy(self) -> None:
        stream = self.popen.stdout
        assert stream is not None
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.say(line)
        stream.close()

    def say(self, line: str) -> None:
        with self._lock:
            self._out.write(self._prefix + line + "\n")
            self._out.flush()

    def poll(self) -> int | None:
        return self.popen.poll()

    def terminate(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()

    def wait(self, timeout: float) -> int:
        """The exit status; SIGKILL (status -9) if it is still running after `timeout`."""
        try:
            status = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.say(f"did not stop within {timeout:.0f}s: killing it")
            self.popen.kill()
            status = self.popen.wait()
        self._reader.join(5.0)
        return status


def node_argv(twistd: str, port: int, data: Path, bind: str, *extra: str) -> list[str]:
    return [
        twistd, "-n", "--pidfile=", "replkv",
        "--port", str(port), "--bind", bind, "--dir", str(data), *extra,
    ]  # fmt: skip


class Runner:
    """Start both nodes, watch them, stop both on a signal or when one exits."""

    def __init__(self, args: argparse.Namespace, out: IO[str]) -> None:
        self.args = args
        self.out = out
        self.lock = threading.Lock()
        self.nodes: list[Node] = []
        self.stop_signal: int | None = None

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum

    def run(self) -> int:
        args = self.args
        master_dir = args.dir / "master"
        replica_dir = args.dir / "replica"
        master_dir.mkdir(parents=True, exist_ok=True)
        replica_dir.mkdir(parents=True, exist_ok=True)
        previous = {signum: signal.signal(signum, self._on_signal) for signum in FORWARDED}
        try:
            self.nodes.append(
                Node(
                    "master",
                    node_argv(args.twistd, args.port, master_dir, args.bind, *MASTER_OPTIONS),
                    self.out,
                    self.lock,
                )
            )
            self.nodes.append(
                Node(
                    "replica",
                    node_argv(
                        args.twistd,
                        args.replica_port,
                        replica_dir,
                        args.bind,
                        "--replicaof",
                        f"{args.bind}:{args.port}",
                    ),  # fmt: skip
                    self.out,
                    self.lock,
                )
            )
            return self._watch()
        finally:
            self._stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _watch(self) -> int:
        while self.stop_signal is None:
            for node in self.nodes:
                status = node.poll()
                if status is not None:
                    self._say(f"{node.name} exited with status {status}: stopping the other")
                    self._stop_all()
                    return 1
            time.sleep(POLL_INTERVAL)  # the signal handler only sets a flag; poll it
        self._say(f"{signal.Signals(self.stop_signal).name}: stopping the replica and the master")
        statuses = self._stop_all()
        # twistd stops cleanly on SIGTERM, then re-raises it to exit "by" that signal.
        failed = {name: status for name, status in statuses.items() if status not in CLEAN_EXITS}
        if failed:
            self._say(f"stopped with errors: {failed}")
            return 1
        self._say("both stopped")
        return 0

    def _stop_all(self) -> dict[str, int]:
        """SIGTERM to every running child, replica first; wait for all. Idempotent."""
        for node in reversed(self.nodes):
            node.terminate()
        return {node.name: node.wait(STOP_TIMEOUT) for node in reversed(self.nodes)}

    def _say(self, line: str) -> None:
        with self.lock:
            self.out.write(f"{'run':<7} | {line}\n")
            self.out.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return Runner(args, sys.stdout).run()


if __name__ == "__main__":
    sys.exit(main())
