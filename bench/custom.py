"""Shared by the benchmarks of given commands (bench/scripting.py, bench/datatypes.py).

Each server in turn (never both at once), redis-benchmark runs the benchmark's
commands at each pipeline depth, `--repeat` times, the rounds interleaved, next to
`SET` as a reference; the server's CPU time per request is read from /proc around
each run. It prints medians with the replkv/redis ratio and each command next to
replkv's own SET, and writes bench/results/<label>-<time>.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.redis_benchmark import cpu_seconds, git_commit
from tests.support.processes import ServerProcess, launch_redis_server, launch_replkv

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"

# (server name, the server, -P depth, round, options) -> results of that round.
Round = Callable[[str, ServerProcess, int, int, argparse.Namespace], list[dict]]


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--requests", type=int, default=200_000, help="-n per run")
    parser.add_argument("--clients", type=int, default=50, help="-c per run")
    parser.add_argument("--pipelines", default="1,16", help="-P depths (default 1,16)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--output-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    args.pipeline_depths = [int(depth) for depth in args.pipelines.split(",")]
    return args


def run_command(
    server: ServerProcess, command: list[str], pipeline: int, args: argparse.Namespace
) -> dict:
    """One redis-benchmark run of command (`-r 100000` feeds `__rand_int__`): its rps
    and the server's CPU time per request."""
    argv = [
        "redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port),
        "-c", str(args.clients), "-n", str(args.requests), "-P", str(pipeline),
        "-r", "100000", "-q", "--csv", *command,
    ]  # fmt: skip
    before = cpu_seconds(server.pid)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=args.timeout, check=False)
    cpu = cpu_seconds(server.pid) - before
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
    (row,) = csv.DictReader(io.StringIO(done.stdout))
    return {"rps": float(row["rps"]), "cpu_us_per_request": cpu * 1e6 / args.requests}


def timed(
    name: str, label: str, server: ServerProcess, command: list[str], pipeline: int,
    round_: int, args: argparse.Namespace,
) -> dict:  # fmt: skip
    """run_command(), labelled for the table."""
    print(f"  {name}: {label} -P {pipeline} (run {round_})", file=sys.stderr, flush=True)
    labels = {"server": name, "test": label, "pipeline": pipeline, "round": round_}
    return labels | run_command(server, command, pipeline, args)


def median(results: list[dict], server: str, test: str, pipeline: int, field: str) -> float:
    return statistics.median(
        result[field]
        for result in results
        if (result["server"], result["test"], result["pipeline"]) == (server, test, pipeline)
    )


def table(results: list[dict], tests: tuple[str, ...], pipeline_depths: list[int]) -> list[dict]:
    """Print and return the medians: both servers' rps, replkv/redis, each test next to
    replkv's own SET, and CPU per request."""
    header = (
        f"{'test':<11} {'-P':>3} {'redis rps':>11} {'replkv rps':>11} {'replkv/redis':>13}"
        f" {'of own SET':>11} {'redis us/req':>13} {'replkv us/req':>14}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for pipeline in pipeline_depths:
        for test in tests:
            redis = median(results, "redis", test, pipeline, "rps")
            replkv = median(results, "replkv", test, pipeline, "rps")
            own_set = median(results, "replkv", "SET", pipeline, "rps")
            row = {
                "test": test,
                "pipeline": pipeline,
                "redis": redis,
                "replkv": replkv,
                "ratio": replkv / redis,
                "of_own_set": replkv / own_set,
                "redis_cpu_us": median(results, "redis", test, pipeline, "cpu_us_per_request"),
                "replkv_cpu_us": median(results, "replkv", test, pipeline, "cpu_us_per_request"),
            }
            rows.append(row)
            print(
                f"{test:<11} {pipeline:>3} {redis:>11,.0f} {replkv:>11,.0f}"
                f" {row['ratio']:>13.2f} {row['of_own_set']:>11.2f}"
                f" {row['redis_cpu_us']:>13.2f} {row['replkv_cpu_us']:>14.2f}"
            )
    return rows


def main(label: str, tests: tuple[str, ...], one_round: Round, args: argparse.Namespace) -> int:
    """Run every round on redis-server, then on replkv; print and save the comparison."""
    if shutil.which("redis-benchmark") is None:
        print("redis-benchmark is not installed (make debs)", file=sys.stderr)
        return 2
    results: list[dict] = []
    for name, launch in (("redis", launch_redis_server), ("replkv", launch_replkv)):
        server = launch()
        try:
            for pipeline in args.pipeline_depths:
                for round_ in range(1, args.repeat + 1):
                    results += one_round(name, server, pipeline, round_, args)
        finally:
            server.stop()
    rows = table(results, tests, args.pipeline_depths)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = args.output_dir / f"{label}-{stamp}.json"
    options = {"requests": args.requests, "clients": args.clients, "repeat": args.repeat}
    record = {"commit": git_commit(), "time": stamp, "options": options, "runs": results}
    path.write_text(json.dumps(record | {"comparison": rows}, indent=2) + "\n")
    print(f"\nresults: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0
