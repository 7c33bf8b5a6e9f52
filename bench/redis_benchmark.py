"""Run redis-benchmark against redis-server and replkv on this machine, and compare.

Starts both servers itself on free 127.0.0.1 ports, one after the other so
they do not compete for CPU, prints requests/sec per test and pipeline depth
with the replkv/redis ratio, and writes the numbers to bench/results/.

    .venv/bin/python bench/redis_benchmark.py [--requests N] [--pipelines 1,16] ...
"""

import argparse
import csv
import io
import json
import shutil
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


def bench_server(name: str, launch: Launcher, args: argparse.Namespace) -> list[dict[str, object]]:
    """Start one server, run every test at every pipeline depth on it, stop it."""
    results: list[dict[str, object]] = []
    server = launch()
    try:
        for pipeline in args.pipeline_depths:
            # One redis-benchmark per test, so one failing command does not hide the others.
            for test in args.test_names:
                print(f"  {name}: -t {test} -P {pipeline} ...", file=sys.stderr, flush=True)
                started = time.monotonic()
                try:
                    rows = run_benchmark(server.port, test, pipeline, args)
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    results.append(
                        {"server": name, "test": test, "pipeline": pipeline, "error": str(exc)}
                    )
                    if not server.alive():
                        raise RuntimeError(f"{name} died:\n{server.log_text()[-3000:]}") from exc
                    continue
                for label, row in rows.items():
                    results.append(
                        {
                            "server": name,
                            "test": label,
                            "pipeline": pipeline,
                            "rps": float(row["rps"]),
                            "p50_latency_ms": float(row["p50_latency_ms"]),
                            "p99_latency_ms": float(row["p99_latency_ms"]),
                            "seconds": round(time.monotonic() - started, 2),
                        }
                    )
    finally:
        server.stop()
    return results


def _rps_table(results: list[dict[str, object]]) -> dict[tuple[str, int], dict[str, object]]:
    """(test label, pipeline) -> {server name: rps or error}."""
    table: dict[tuple[str, int], dict[str, object]] = {}
    for result in results:
        key = (str(result["test"]).upper(), int(str(result["pipeline"])))
        table.setdefault(key, {})[str(result["server"])] = result.get("rps", "error")
    return table


def comparison(results: list[dict[str, object]]) -> list[dict[str, object]]:
    """One row per test and depth: both servers' rps, replkv/redis, and replkv's rps
    next to its own SET at the same depth (a type should not pay for its structure)."""
    table = _rps_table(results)
    rows = []
    for (test, pipeline), by_server in table.items():
        redis, replkv = by_server.get("redis"), by_server.get("replkv")
        own_set = table.get(("SET", pipeline), {}).get("replkv")
        rows.append(
            {
                "test": test,
                "pipeline": pipeline,
                "redis": redis,
                "replkv": replkv,
                "ratio": _ratio(replkv, redis),
                "of_own_set": _ratio(replkv, own_set),
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
    """requests/sec side by side, with replkv/redis and replkv/(replkv SET)."""
    header = (
        f"{'test':<16} {'-P':>3} {'redis rps':>12} {'replkv rps':>12} {'replkv/redis':>13}"
        f" {'of own SET':>11}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}"
        own = "-" if row["of_own_set"] is None else f"{row['of_own_set']:.2f}"
        print(
            f"{row['test']:<16} {row['pipeline']:>3} {_cell(row['redis']):>12} "
            f"{_cell(row['replkv']):>12} {ratio:>13} {own:>11}"
        )


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
