"""What persistence costs: replkv next to redis-server with the same settings.

Three parts, each server in its own temporary directory, started one after the other
(never two at once):

  a. SET throughput (redis-benchmark -t set) with the log off, `appendfsync everysec`
     and `appendfsync always`, as a ratio to the same server's log-off number;
  b. SAVE time for N small keys, then start-to-first-PONG on that dump.rdb; the same
     for a log of N SET events (`appendonly yes`, no snapshot) against Redis's AOF;
  c. the largest PING round trip while a BGSAVE of N keys runs, and latest_fork_usec.

It prints a table per part with the targets from the issue and writes everything to
bench/results/persistence-<time>.json.

    .venv/bin/python bench/persistence.py [--parts a,b,c] [--repeat 3] [--keys 1000000]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: reuse the tests' helpers

from bench.redis_benchmark import cpu_seconds, git_commit, run_benchmark  # noqa: E402
from tests.support.latency import (  # noqa: E402
    connect,
    fill_keys,
    info_fields,
    ping_rtt,
    probe_bgsave,
)
from tests.support.ports import free_port  # noqa: E402
from tests.support.processes import TWISTD, ping_answers, redis_server_path  # noqa: E402
from tests.support.resp_client import encode_command  # noqa: E402

RESULTS_DIR = REPO / "bench" / "results"
SERVERS = ("redis", "replkv")
# name -> the persistence directives of one part-a configuration.
LOG_SETTINGS: dict[str, list[str]] = {
    "log off": ["--appendonly", "no"],
    "everysec": ["--appendonly", "yes", "--appendfsync", "everysec"],
    "always": ["--appendonly", "yes", "--appendfsync", "always"],
}
# Targets from the issue.
EVERYSEC_MIN_RATIO = 0.85
LOAD_MAX_RATIO = 3.0
STALL_MAX_SECONDS = 0.050
START_TIMEOUT = 300.0
PING_POLL = 0.002

LOADED = {
    "snapshot": re.compile(r"DB loaded from disk: ([0-9.]+) seconds"),
    "log": re.compile(r"DB loaded from append only file: ([0-9.]+) seconds"),
}


class Server:
    """One server process on a directory that outlives it (a restart reads it back)."""

    def __init__(self, kind: str, workdir: Path, args: list[str]) -> None:
        self.kind = kind
        self.workdir = workdir
        self.port = free_port()
        self.log_path = workdir / ("redis.log" if kind == "redis" else "twistd.log")
        data = workdir / "data"
        data.mkdir(exist_ok=True)
        if kind == "redis":
            binary = redis_server_path()
            assert binary is not None
            argv = [
                binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--daemonize", "no",
                "--dir", str(data),
                "--logfile", str(self.log_path),
                "--save", "",
                # Keep the AOF a log of the writes: no rewrite in the middle of part b.
                "--auto-aof-rewrite-percentage", "0",
                *args,
            ]  # fmt: skip
        else:
            argv = [
                str(TWISTD), "-n", "--pidfile=", f"--logfile={self.log_path}",
                "replkv", "--port", str(self.port), "--dir", str(data),
                "--save", "",
                *args,
            ]  # fmt: skip
        self.data = data
        self.started = time.perf_counter()
        with open(workdir / f"output-{self.port}.txt", "wb") as output:
            self.popen = subprocess.Popen(
                argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=output, stderr=output
            )
        self.start_to_ping = self._wait_for_ping()

    def _wait_for_ping(self) -> float:
        """Seconds from the process's start to the first +PONG (not -LOADING)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.kind} exited:\n{self.log_text()[-3000:]}")
            if ping_answers(self.port, timeout=5.0):
                return time.perf_counter() - self.started
            time.sleep(PING_POLL)  # poll interval; the deadline bounds the wait
        self.stop()
        raise RuntimeError(f"{self.kind} did not answer PING:\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def logged_load_seconds(self, what: str) -> float | None:
        """The load time the server logged for its snapshot or its log, if it did."""
        found = LOADED[what].findall(self.log_text())
        return float(found[-1]) if found else None

    def command(self, *args: str, timeout: float = 600.0) -> bytes:
        """One command on a new connection; its reply's first line."""
        with connect(self.port, timeout) as sock:
            sock.sendall(encode_command(*args))
            reply = b""
            while not reply.endswith(b"\r\n"):
                data = sock.recv(4096)
                if not data:
                    raise ConnectionError(f"{self.kind} closed the connection")
                reply += data
        if reply.startswith(b"-"):
            raise RuntimeError(f"{args[0]} answered {reply!r}")
        return reply.strip()

    def dbsize(self) -> int:
        return int(self.command("DBSIZE")[1:])

    def stop(self) -> None:
        """SIGTERM (the log is closed, nothing is saved: `save ""`) and reap."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(120)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


def new_workdir(kind: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"persist-{kind}-"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default="a,b,c", help="which parts to run (default a,b,c)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--requests", type=int, default=200_000, help="-n per SET run")
    parser.add_argument("--clients", type=int, default=50, help="-c per SET run")
    parser.add_argument("--pipelines", default="1,16", help="-P depths (default 1,16)")
    parser.add_argument("--keys", type=int, default=1_000_000, help="keys for parts b and c")
    parser.add_argument(
        "--log-events", type=int, default=1_000_000, help="SET events in part b's log"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds allowed per redis-benchmark run"
    )
    parser.add_argument("--output-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def median(values: list[float]) -> float:
    return statistics.median(values)


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- a. SET throughput ------------------------------------------------------------------


def part_a(args: argparse.Namespace) -> dict[str, object]:
    """rps per server, setting and depth: each repeat starts every server afresh."""
    pipelines = [int(depth) for depth in args.pipelines.split(",")]
    runs: list[dict[str, object]] = []
    bench_args = argparse.Namespace(
        clients=args.clients, requests=args.requests, timeout=args.timeout
    )
    for repeat in range(args.repeat):
        for setting, directives in LOG_SETTINGS.items():
            for kind in SERVERS:
                workdir = new_workdir(kind)
                server = Server(kind, workdir, directives)
                try:
                    for pipeline in pipelines:
                        progress(f"  a: {kind} {setting} -P {pipeline} (run {repeat + 1})")
                        cpu_before = cpu_seconds(server.popen.pid)
                        rows = run_benchmark(server.port, "set", pipeline, bench_args)
                        cpu = cpu_seconds(server.popen.pid) - cpu_before
                        row = rows["SET"]
                        runs.append(
                            {
                                "server": kind,
                                "setting": setting,
                                "pipeline": pipeline,
                                "rps": float(row["rps"]),
                                "p50_latency_ms": float(row["p50_latency_ms"]),
                                "p99_latency_ms": float(row["p99_latency_ms"]),
                                # The server's CPU time per request: steadier than rps
                                # on a shared machine.
                                "cpu_us_per_request": cpu * 1e6 / args.requests,
                            }
                        )
                finally:
                    server.stop()
                    shutil.rmtree(workdir, ignore_errors=True)
    table = []
    for pipeline in pipelines:
        base: dict[str, float] = {}
        for setting in LOG_SETTINGS:
            row: dict[str, object] = {"setting": setting, "pipeline": pipeline}
            for kind in SERVERS:
                values = [
                    float(str(run["rps"]))
                    for run in runs
                    if run["server"] == kind
                    and run["setting"] == setting
                    and run["pipeline"] == pipeline
                ]
                rps = median(values)
                row[f"{kind}_cpu_us"] = median(
                    [
                        float(str(run["cpu_us_per_request"]))
                        for run in runs
                        if run["server"] == kind
                        and run["setting"] == setting
                        and run["pipeline"] == pipeline
                    ]
                )
                base.setdefault(kind, rps)
                row[kind] = rps
                row[f"{kind}_spread"] = [min(values), max(values)]
                row[f"{kind}_of_log_off"] = round(rps / base[kind], 3)
            row["replkv_over_redis"] = round(
                float(str(row["replkv"])) / float(str(row["redis"])), 3
            )
            table.append(row)
    everysec = [row for row in table if row["setting"] == "everysec"]
    holds = all(float(str(row["replkv_of_log_off"])) >= EVERYSEC_MIN_RATIO for row in everysec)
    print(
        f"\na. SET throughput, redis-benchmark -c {args.clients} -n {args.requests},"
        f" median of {args.repeat}"
    )
    header = (
        f"{'setting':<9} {'-P':>3} {'redis rps':>11} {'of off':>7} "
        f"{'replkv rps':>11} {'of off':>7} {'replkv/redis':>13} {'redis us/req':>13}"
        f" {'replkv us/req':>14}"
    )
    print(header)
    print("-" * len(header))
    for row in table:
        print(
            f"{row['setting']:<9} {row['pipeline']:>3} {row['redis']:>11,.0f} "
            f"{row['redis_of_log_off']:>7.2f} {row['replkv']:>11,.0f} "
            f"{row['replkv_of_log_off']:>7.2f} {row['replkv_over_redis']:>13.2f}"
            f" {row['redis_cpu_us']:>13.1f} {row['replkv_cpu_us']:>14.1f}"
        )
    print(
        f"target: replkv everysec >= {EVERYSEC_MIN_RATIO:.2f} of its log-off rps: "
        f"{'holds' if holds else 'MISSED'}"
    )
    return {"runs": runs, "table": table, "everysec_target_holds": holds}


# -- b. Snapshot and log: write and load ------------------------------------------------


def measure_load(
    kind: str, directives: list[str], fill: Callable[[Server], dict[str, object]],
    what: str, expected_keys: int, args: argparse.Namespace,
) -> dict[str, object]:  # fmt: skip
    """Fill a fresh server (fill() measures what it writes), stop it, restart it on the
    same directory `repeat` times: start-to-PONG and the load time it logs."""
    workdir = new_workdir(kind)
    try:
        empty = Server(kind, workdir, directives)
        empties = [empty.start_to_ping]
        for _ in range(args.repeat - 1):
            other_dir = new_workdir(kind)
            other = Server(kind, other_dir, directives)
            empties.append(other.start_to_ping)
            other.stop()
            shutil.rmtree(other_dir, ignore_errors=True)
        result: dict[str, object] = {"empty_start_to_ping": median(empties)}
        result.update(fill(empty))
        empty.stop()
        result["bytes_on_disk"] = sum(
            path.stat().st_size for path in empty.data.rglob("*") if path.is_file()
        )
        starts: list[float] = []
        logged: list[float] = []
        for repeat in range(args.repeat):
            progress(f"  b: {kind} restart on the {what} (run {repeat + 1})")
            server = Server(kind, workdir, directives)
            try:
                starts.append(server.start_to_ping)
                seconds = server.logged_load_seconds(what)
                if seconds is not None:
                    logged.append(seconds)
                keys = server.dbsize()
                if keys != expected_keys:
                    raise RuntimeError(f"{kind} loaded {keys} keys, expected {expected_keys}")
            finally:
                server.stop()
        result["start_to_ping"] = median(starts)
        result["start_to_ping_runs"] = starts
        result["load_minus_empty"] = median(starts) - median(empties)
        result["logged_load"] = median(logged) if logged else None
        result["logged_load_runs"] = logged
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def part_b(args: argparse.Namespace) -> dict[str, object]:
    keys, events = args.keys, args.log_events

    def fill_and_save(server: Server) -> dict[str, object]:
        progress(f"  b: {server.kind} filling {keys:,} keys")
        fill_keys(server.port, keys)
        saves = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            server.command("SAVE")
            saves.append(time.perf_counter() - started)
        return {"save_seconds": median(saves), "save_runs": saves}

    def fill_log(server: Server) -> dict[str, object]:
        progress(f"  b: {server.kind} writing {events:,} SET events")
        started = time.perf_counter()
        fill_keys(server.port, events, per_command=1, commands_per_batch=1000)
        return {"fill_seconds": time.perf_counter() - started}

    snapshot = {
        kind: measure_load(kind, ["--appendonly", "no"], fill_and_save, "snapshot", keys, args)
        for kind in SERVERS
    }
    log_settings = ["--appendonly", "yes", "--appendfsync", "everysec"]
    event_log = {
        kind: measure_load(kind, log_settings, fill_log, "log", events, args) for kind in SERVERS
    }
    load_ratio = snapshot["replkv"]["start_to_ping"] / snapshot["redis"]["start_to_ping"]  # type: ignore[operator]
    # Python's own start-up (about 0.9 s of imports) is not loading: judged both ways.
    net_ratio = snapshot["replkv"]["load_minus_empty"] / snapshot["redis"]["load_minus_empty"]  # type: ignore[operator]
    holds = load_ratio <= LOAD_MAX_RATIO
    net_holds = net_ratio <= LOAD_MAX_RATIO
    print(
        f"\nb. {keys:,} keys: SAVE and load; a log of {events:,} SETs: load"
        f" (median of {args.repeat})"
    )
    header = f"{'measure':<34} {'redis s':>9} {'replkv s':>9} {'replkv/redis':>13}"
    print(header)
    print("-" * len(header))
    lines = [
        ("SAVE", snapshot, "save_seconds"),
        ("empty start to PONG", snapshot, "empty_start_to_ping"),
        ("start to PONG on dump.rdb", snapshot, "start_to_ping"),
        ("  minus the empty start", snapshot, "load_minus_empty"),
        ("logged 'DB loaded from disk'", snapshot, "logged_load"),
        ("start to PONG on the log/AOF", event_log, "start_to_ping"),
        ("  minus the empty start", event_log, "load_minus_empty"),
        ("logged 'loaded from append only'", event_log, "logged_load"),
    ]
    for label, source, field in lines:
        redis_value, replkv_value = source["redis"][field], source["replkv"][field]
        ratio = (
            f"{replkv_value / redis_value:.2f}"  # type: ignore[operator]
            if isinstance(redis_value, float) and isinstance(replkv_value, float)
            else "-"
        )
        print(f"{label:<34} {_seconds(redis_value):>9} {_seconds(replkv_value):>9} {ratio:>13}")
    for label, source in (("dump.rdb", snapshot), ("log/AOF", event_log)):
        print(
            f"{label} bytes: redis {source['redis']['bytes_on_disk']:,}, "
            f"replkv {source['replkv']['bytes_on_disk']:,}"
        )
    print(
        f"target: replkv start-to-PONG on dump.rdb <= {LOAD_MAX_RATIO:.0f}x redis-server's: "
        f"{load_ratio:.2f}x, {'holds' if holds else 'MISSED'}; without the empty start: "
        f"{net_ratio:.2f}x, {'holds' if net_holds else 'MISSED'}"
    )
    return {
        "snapshot": snapshot,
        "log": event_log,
        "load_ratio": load_ratio,
        "load_target_holds": holds,
        "load_ratio_without_empty_start": net_ratio,
        "load_target_holds_without_empty_start": net_holds,
    }


def _seconds(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "-"


# -- c. BGSAVE stall --------------------------------------------------------------------


def quiet_pings(port: int, seconds: float) -> float:
    """The largest PING round trip over `seconds` with nothing else running."""
    deadline = time.monotonic() + seconds + 30
    worst = 0.0
    with connect(port, 30) as sock:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            worst = max(worst, ping_rtt(sock, deadline))
            time.sleep(0.001)
    return worst


def part_c(args: argparse.Namespace) -> dict[str, object]:
    results: dict[str, dict[str, object]] = {}
    for kind in SERVERS:
        workdir = new_workdir(kind)
        server = Server(kind, workdir, ["--appendonly", "no"])
        try:
            progress(f"  c: {kind} filling {args.keys:,} keys")
            fill_keys(server.port, args.keys)
            quiet = quiet_pings(server.port, 2.0)
            runs = []
            for repeat in range(args.repeat):
                progress(f"  c: {kind} BGSAVE (run {repeat + 1})")
                run = probe_bgsave(server.port)
                if run.status != "ok":
                    raise RuntimeError(f"{kind} BGSAVE ended with status {run.status}")
                runs.append(run.as_dict())
            info = info_fields(
                connect(server.port, 30), encode_command("INFO", "memory"), time.monotonic() + 30
            )
        finally:
            server.stop()
            shutil.rmtree(workdir, ignore_errors=True)
        results[kind] = {
            "quiet_max_rtt": quiet,
            "used_memory_rss": int(info.get("used_memory_rss", 0)),
            "runs": runs,
            **{
                field: median([float(str(run[field])) for run in runs])
                for field in ("max_rtt", "max_gap", "latest_fork_usec", "bgsave_seconds", "pings")
            },
            "worst_rtt": max(float(str(run["max_rtt"])) for run in runs),
        }
    worst = float(str(results["replkv"]["worst_rtt"]))
    holds = worst <= STALL_MAX_SECONDS
    print(f"\nc. PING every ~1 ms during BGSAVE of {args.keys:,} keys (median of {args.repeat})")
    header = f"{'measure':<30} {'redis':>10} {'replkv':>10}"
    print(header)
    print("-" * len(header))
    for label, field, scale, unit in (
        ("largest PING round trip", "max_rtt", 1000, "ms"),
        ("  worst of all runs", "worst_rtt", 1000, "ms"),
        ("largest gap between PONGs", "max_gap", 1000, "ms"),
        ("largest round trip, no BGSAVE", "quiet_max_rtt", 1000, "ms"),
        ("latest_fork_usec", "latest_fork_usec", 0.001, "ms"),
        ("BGSAVE took", "bgsave_seconds", 1, "s"),
        ("PINGs answered during it", "pings", 1, ""),
    ):
        cells = [float(str(results[kind][field])) * scale for kind in SERVERS]
        print(f"{label:<30} {cells[0]:>8.1f}{unit:>2} {cells[1]:>8.1f}{unit:>2}")
    print(
        f"target: no PING round trip over {STALL_MAX_SECONDS * 1000:.0f} ms: worst "
        f"{worst * 1000:.1f} ms, {'holds' if holds else 'MISSED'}"
    )
    return {"servers": results, "stall_target_holds": holds}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("redis-benchmark") is None or redis_server_path() is None:
        print("redis-server and redis-benchmark are needed (make debs)", file=sys.stderr)
        return 2
    parts = {part.strip() for part in args.parts.split(",")}
    record: dict[str, object] = {
        "commit": git_commit(),
        "time": time.strftime("%Y%m%d-%H%M%S"),
        "options": {key: value for key, value in vars(args).items() if key != "output_dir"},
    }
    for name, run in (("a", part_a), ("b", part_b), ("c", part_c)):
        if name in parts:
            record[name] = run(args)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    path = args.output_dir / f"persistence-{record['time']}.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"\nresults: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
