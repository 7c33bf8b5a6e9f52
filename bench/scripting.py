"""EVALSHA of a small script (a lock release), replkv next to redis-server.

Each server in turn (never both at once): SCRIPT LOAD the script, then redis-benchmark
runs `EVALSHA <sha> 1 lock:__rand_int__ token` at each pipeline depth, `--repeat` times,
interleaved with `SET` runs as a reference; the server's CPU time per request is read
from /proc around each run. It prints medians with the replkv/redis ratio and EVALSHA
next to replkv's own SET, and writes bench/results/scripting-<time>.json.

    .venv/bin/python bench/scripting.py [--requests 200000] [--pipelines 1,16] [--repeat 3]
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: reuse the tests' helpers

from bench.redis_benchmark import cpu_seconds, git_commit  # noqa: E402
from tests.support.processes import (  # noqa: E402
    ServerProcess,
    launch_redis_server,
    launch_replkv,
)
from tests.support.resp_client import RawClient  # noqa: E402

RESULTS_DIR = REPO / "bench" / "results"
# redis-py's Lock release: delete the key only if it still holds our token.
RELEASE = (
    "local token = redis.call('get', KEYS[1]) "
    "if token == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200_000, help="-n per run")
    parser.add_argument("--clients", type=int, default=50, help="-c per run")
    parser.add_argument("--pipelines", default="1,16", help="-P depths (default 1,16)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--output-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def run(server: ServerProcess, command: list[str], pipeline: int, args: argparse.Namespace) -> dict:
    """One redis-benchmark run of command; its rps and the server's CPU per request."""
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


def bench_server(name: str, server: ServerProcess, args: argparse.Namespace) -> list[dict]:
    with RawClient(server.port) as client:
        sha = client.call("SCRIPT", "LOAD", RELEASE).split(b"\r\n")[1].decode()
    commands = {
        "SET": ["SET", "key:__rand_int__", "xxx"],
        "EVALSHA": ["EVALSHA", sha, "1", "lock:__rand_int__", "token"],
    }
    results = []
    for pipeline in args.pipeline_depths:
        for round_ in range(1, args.repeat + 1):
            for label, command in commands.items():
                print(f"  {name}: {label} -P {pipeline} (run {round_})", file=sys.stderr)
                results.append(
                    {"server": name, "test": label, "pipeline": pipeline, "round": round_}
                    | run(server, command, pipeline, args)
                )
    return results


def median(results: list[dict], server: str, test: str, pipeline: int, field: str) -> float:
    return statistics.median(
        result[field]
        for result in results
        if (result["server"], result["test"], result["pipeline"]) == (server, test, pipeline)
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.pipeline_depths = [int(depth) for depth in args.pipelines.split(",")]
    if shutil.which("redis-benchmark") is None:
        print("redis-benchmark is not installed (make debs)", file=sys.stderr)
        return 2
    results: list[dict] = []
    for name, launch in (("redis", launch_redis_server), ("replkv", launch_replkv)):
        server = launch()
        try:
            results += bench_server(name, server, args)
        finally:
            server.stop()
    header = (
        f"{'test':<8} {'-P':>3} {'redis rps':>11} {'replkv rps':>11} {'replkv/redis':>13}"
        f" {'of own SET':>11} {'redis us/req':>13} {'replkv us/req':>14}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for pipeline in args.pipeline_depths:
        for test in ("SET", "EVALSHA"):
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
                f"{test:<8} {pipeline:>3} {redis:>11,.0f} {replkv:>11,.0f} {row['ratio']:>13.2f}"
                f" {row['of_own_set']:>11.2f} {row['redis_cpu_us']:>13.2f}"
                f" {row['replkv_cpu_us']:>14.2f}"
            )
    args.output_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = args.output_dir / f"scripting-{stamp}.json"
    options = {"requests": args.requests, "clients": args.clients, "repeat": args.repeat}
    record = {"commit": git_commit(), "time": stamp, "options": options, "runs": results}
    path.write_text(json.dumps(record | {"comparison": rows}, indent=2) + "\n")
    print(f"\nresults: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
