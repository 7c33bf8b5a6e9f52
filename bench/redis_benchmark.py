"""Run redis-benchmark against redis-server and replkv on this machine, and compare.

Starts both servers itself on free 127.0.0.1 ports, one after the other so
they do not compete for CPU. Each test runs `--repeat` times, the rounds interleaved
(every test once, then every test again), and the medians are compared. Next to
requests/sec it reports the server's CPU time per request (user + system, from
/proc): far steadier than requests/sec on a shared machine, where other load moves
throughput but not the work a request costs the server. It prints the replkv/redis
ratio and each test next to replkv's own SET, and writes the numbers to bench/results/.

    .venv/bin/python bench/redis_benchmark.py [--requests N] [--pipelines 1,16] [--repeat 3]
"""

import argparse
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: reuse the tests' server launcher

from tests.support.processes import (  # noqa: E402
    ServerProcess,
    launch_redis_server,
    launch_replkv,
)

RESULTS_DIR = REPO / "bench" / "results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

Launcher = Callable[[], ServerProcess]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200_000, help="-n per run")
    parser.add_argument("--clients", type=int, default=50, help="-c per run")
    parser.add_argument(
        "--pipelines", default="1,16", help="comma-separated -P depths (default 1,16)"
    )
    parser.add_argument(
        "--tests",
        default="set,get,incr,mset,lpush,lpop,sadd,hset,zadd",
        help="redis-benchmark -t list",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per test (medians)")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds allowed per redis-benchmark run"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--replkv-only", action="store_true", help="skip redis-server")
    which.add_argument(
        "--against-redis-twice",
        action="store_true",
        help="self-check: a second redis-server stands in for replkv (ratios near 1.0)",
    )
    parser.add_argument("--output-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def run_benchmark(
    port: int, test: str, pipeline: int, args: argparse.Namespace
) -> dict[str, dict[str, str]]:
    """One redis-benchmark run; returns its CSV rows keyed by test name."""
    command = [
        "redis-benchmark",
        "-h", "127.0.0.1",
        "-p", str(port),
        "-c", str(args.clients),
        "-n", str(args.requests),
        "-P", str(pipeline),
        "-t", test,
        "-q", "--csv",
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=args.timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    rows = csv.DictReader(io.StringIO(done.stdout))
    return {row["test"]: row for row in rows}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def bench_server(name: str, launch: Launcher, args: argparse.Namespace) -> list[dict[str, object]]:
    """Start one server, run every test at every pipeline depth on it, stop it."""
    results: list[dict[str, object]] = []
    server = launch()
    try:
        for pipeline in args.pipeline_depths:
            for round_ in range(1, args.repeat + 1):
                # One redis-benchmark per test, so one failing command does not hide the
                # others; rounds interleaved, so a slow spell of the machine hits them all.
                for test in args.test_names:
                    results += _one_run(name, server, test, pipeline, round_, args)
    finally:
        server.stop()
    return results


def _one_run(
    name: str,
    server: ServerProcess,
    test: str,
    pipeline: int,
    round_: int,
    args: argparse.Namespace,
) -> list[dict[str, object]]:
    print(f"  {name}: -t {test} -P {pipeline} (run {round_}) ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    cpu_before = cpu_seconds(server.pid)
    try:
        rows = run_benchmark(server.port, test, pipeline, args)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        if not server.alive():
            raise RuntimeError(f"{name} died:\n{server.log_text()[-3000:]}") from exc
        return [{"server": name, "test": test, "pipeline": pipeline, "error": str(exc)}]
    cpu = cpu_seconds(server.pid) - cpu_before
    requests = args.requests * len(rows)
    return [
        {
            "server": name,
            "test": label,
            "pipeline": pipeline,
            "round": round_,
            "rps": float(row["rps"]),
            # One run per redis-benchmark call: its CPU is shared by the tests it ran.
            "cpu_us_per_request": round(cpu * 1e6 / requests, 3),
            "p50_latency_ms": float(row["p50_latency_ms"]),
            "p99_latency_ms": float(row["p99_latency_ms"]),
            "seconds": round(time.monotonic() - started, 2),
        }
        for label, row in rows.items()
    ]


def _medians(
    results: list[dict[str, object]], field: str
) -> dict[tuple[str, int], dict[str, object]]:
    """(test label, pipeline) -> {server name: median of field, or "error"}."""
    values: dict[tuple[str, int], dict[str, list[float]]] = {}
    table: dict[tuple[str, int], dict[str, object]] = {}
    for result in results:
        key = (str(result["test"]).upper(), int(str(result["pipeline"])))
        server = str(result["server"])
        table.setdefault(key, {})
        if field in result:
            values.setdefault(key, {}).setdefault(server, []).append(float(str(result[field])))
        else:
            table[key].setdefault(server, "error")
    for key, by_server in values.items():
        for server, samples in by_server.items():
            table[key][server] = statistics.median(samples)
    return table


def comparison(results: list[dict[str, object]]) -> list[dict[str, object]]:
    """One row per test and depth: both servers' median rps and CPU per request,
    replkv/redis, and replkv next to its own SET at the same depth (a type should not
    pay for its structure): by rps, and by CPU (SET's CPU per request over the test's)."""
    rps = _medians(results, "rps")
    cpu = _medians(results, "cpu_us_per_request")
    rows = []
    for (test, pipeline), by_server in rps.items():
        redis, replkv = by_server.get("redis"), by_server.get("replkv")
        own_set = rps.get(("SET", pipeline), {}).get("replkv")
        replkv_cpu = cpu.get((test, pipeline), {}).get("replkv")
        set_cpu = cpu.get(("SET", pipeline), {}).get("replkv")
        rows.append(
            {
                "test": test,
                "pipeline": pipeline,
                "redis": redis,
                "replkv": replkv,
                "ratio": _ratio(replkv, redis),
                "of_own_set": _ratio(replkv, own_set),
                "redis_cpu_us": cpu.get((test, pipeline), {}).get("redis"),
                "replkv_cpu_us": replkv_cpu,
                "of_own_set_cpu": _ratio(set_cpu, replkv_cpu),
            }
        )
    return rows


def _ratio(value: object, base: object) -> float | None:
    if isinstance(value, float) and isinstance(base, float) and base > 0:
        return round(value / base, 3)
    return None


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}"
    return "-" if value is None else str(value)


def print_table(rows: list[dict[str, object]]) -> None:
    """Medians side by side: rps, replkv/redis, replkv/(replkv SET) by rps and by CPU."""
    header = (
        f"{'test':<16} {'-P':>3} {'redis rps':>12} {'replkv rps':>12} {'replkv/redis':>13}"
        f" {'of own SET':>11} {'redis us/req':>13} {'replkv us/req':>14} {'of SET cpu':>11}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['test']:<16} {row['pipeline']:>3} {_cell(row['redis']):>12} "
            f"{_cell(row['replkv']):>12} {_fraction(row['ratio']):>13} "
            f"{_fraction(row['of_own_set']):>11} {_micros(row['redis_cpu_us']):>13} "
            f"{_micros(row['replkv_cpu_us']):>14} {_fraction(row['of_own_set_cpu']):>11}"
        )


def _fraction(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else "-"


def _micros(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else "-"


def git_commit() -> str:
    """The commit benchmarked, or "unknown"."""
    done = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    """Benchmark, print, save; non-zero exit if any run failed."""
    args = parse_args(argv)
    args.pipeline_depths = [int(depth) for depth in args.pipelines.split(",")]
    args.test_names = [test.strip() for test in args.tests.split(",")]
    if shutil.which("redis-benchmark") is None:
        print("redis-benchmark is not installed (make debs)", file=sys.stderr)
        return 2

    servers: list[tuple[str, Launcher]] = []
    if not args.replkv_only:
        servers.append(("redis", launch_redis_server))
    stand_in = launch_redis_server if args.against_redis_twice else launch_replkv
    servers.append(("replkv", stand_in))

    results: list[dict[str, object]] = []
    for name, launch in servers:
        results += bench_server(name, launch, args)

    rows = comparison(results)
    print_table(rows)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = args.output_dir / f"redis-benchmark-{stamp}.json"
    record = {
        "commit": git_commit(),
        "time": stamp,
        "replkv_is_redis": args.against_redis_twice,
        "options": {
            "repeat": args.repeat,
            "requests": args.requests,
            "clients": args.clients,
            "pipelines": args.pipeline_depths,
            "tests": args.test_names,
        },
        "runs": results,
        "comparison": rows,
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nresults: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    failures = [result for result in results if "error" in result]
    for failure in failures:
        print(
            f"FAILED {failure['server']} {failure['test']} -P {failure['pipeline']}: "
            f"{failure['error']}",
            file=sys.stderr,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
