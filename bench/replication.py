"""Replication: full sync time and replica lag, replkv next to redis-server.

For each master → replica pair (redis→redis, replkv→replkv, redis→replkv, replkv→redis):

  a. full sync: fill a fresh master with N small keys (pipelined MSETs of 1000 keys,
     the same for every master), start a fresh server, send it `REPLICAOF`, and time
     until its INFO says `master_link_status:up` and its DBSIZE equals the master's;
  b. lag: run `redis-benchmark -t set -P 16 -r 100000` at full speed on the master and
     sample every 10 ms the master's master_repl_offset minus the replica's
     slave_repl_offset: median and max bytes, the benchmark's rps, and how long the
     replica takes to catch up once the load stops. Then DEBUG DIGEST on both.

A pair whose master does not serve PSYNC (COMMAND INFO PSYNC is empty) is reported as
unavailable. The two servers of a pair run at the same time; pairs run one after the
other. It prints a table with the targets from the issue and writes everything to
bench/results/replication-<time>.json.

    .venv/bin/python bench/replication.py [--keys 1000000] [--pairs redis-redis,...]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: reuse the tests' helpers

from bench.persistence import Server  # noqa: E402
from bench.redis_benchmark import git_commit  # noqa: E402
from tests.support.latency import connect, fill_keys, info_fields  # noqa: E402
from tests.support.processes import redis_server_path  # noqa: E402
from tests.support.resp_client import RawClient, encode_command  # noqa: E402

RESULTS_DIR = REPO / "bench" / "results"
PAIRS = ("redis-redis", "replkv-replkv", "redis-replkv", "replkv-redis")
# Both kinds take the same directives: no snapshot delay before a sync starts.
MASTER_ARGS = ["--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"]
REPLICA_ARGS = ["--enable-debug-command", "yes"]
INFO_REPLICATION = encode_command("INFO", "replication")
# Targets from the issue.
SYNC_MAX_RATIO = 3.0
LAG_MAX_MEDIAN = 64 * 1024
POLL = 0.01


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=1_000_000, help="keys for the full sync")
    parser.add_argument(
        "--pairs", default=",".join(PAIRS), help=f"master-replica pairs (default {','.join(PAIRS)})"
    )
    parser.add_argument(
        "--requests", type=int, default=1_000_000, help="redis-benchmark -n for the lag"
    )
    parser.add_argument("--clients", type=int, default=50, help="redis-benchmark -c")
    parser.add_argument("--pipeline", type=int, default=16, help="redis-benchmark -P")
    parser.add_argument(
        "--random-keys", type=int, default=100_000, help="redis-benchmark -r (keyspace)"
    )
    parser.add_argument(
        "--interval", type=float, default=POLL, help="lag sampling interval, seconds (0.01)"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds allowed for a sync or a load"
    )
    parser.add_argument("--output-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    args.pair_names = [pair.strip() for pair in args.pairs.split(",") if pair.strip()]
    unknown = set(args.pair_names) - set(PAIRS)
    if unknown:
        parser.error(f"unknown pairs {sorted(unknown)}; choose from {','.join(PAIRS)}")
    return args


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def serves_psync(port: int) -> bool:
    """True if the server lists PSYNC in its command table (a null entry when it does not)."""
    with RawClient(port) as client:
        reply = client.call("COMMAND", "INFO", "PSYNC")
    return reply.startswith(b"*1\r\n*") and not reply.startswith(b"*1\r\n*-1")


def replication(sock: socket.socket, deadline: float) -> dict[str, str]:
    return info_fields(sock, INFO_REPLICATION, deadline)


def call(sock: socket.socket, *args: str) -> bytes:
    """One command on an open connection; its first reply line (simple replies only)."""
    sock.sendall(encode_command(*args))
    reply = b""
    while not reply.endswith(b"\r\n"):
        data = sock.recv(4096)
        if not data:
            raise ConnectionError("the server closed the connection")
        reply += data
    return reply.strip()


def bulk(port: int, *args: str, timeout: float = 60.0) -> bytes:
    """One command on a new connection; DEBUG DIGEST of a million keys takes a while."""
    with RawClient(port, timeout=timeout) as client:
        return client.call(*args)


def full_sync(master: Server, replica: Server, keys: int, timeout: float) -> dict[str, object]:
    """REPLICAOF on `replica`; seconds until the link is up and DBSIZE matches."""
    deadline = time.monotonic() + timeout
    with connect(replica.port, timeout) as sock:
        started = time.perf_counter()
        reply = call(sock, "REPLICAOF", "127.0.0.1", str(master.port))
        if reply != b"+OK":
            raise RuntimeError(f"REPLICAOF answered {reply!r}")
        link_up: float | None = None
        while time.monotonic() < deadline:
            fields = replication(sock, deadline)
            if fields.get("master_link_status") == "up":
                if link_up is None:
                    link_up = time.perf_counter() - started
                if int(call(sock, "DBSIZE")[1:]) == keys:
                    return {
                        "seconds": time.perf_counter() - started,
                        "link_up_seconds": link_up,
                    }
            if replica.popen.poll() is not None or master.popen.poll() is not None:
                raise RuntimeError("a server exited during the sync")
            time.sleep(POLL)  # poll interval; the deadline bounds the wait
    raise TimeoutError(f"no full sync within {timeout:.0f}s")


def lag_under_load(master: Server, replica: Server, args: argparse.Namespace) -> dict[str, object]:
    """redis-benchmark on the master; sample the offsets' difference every interval."""
    command = [
        "redis-benchmark",
        "-h", "127.0.0.1", "-p", str(master.port),
        "-c", str(args.clients), "-n", str(args.requests), "-P", str(args.pipeline),
        "-r", str(args.random_keys), "-t", "set", "-q", "--csv",
    ]  # fmt: skip
    deadline = time.monotonic() + args.timeout
    samples: list[int] = []
    with connect(master.port, args.timeout) as msock, connect(replica.port, args.timeout) as rsock:
        bench = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            next_sample = time.perf_counter()
            while bench.poll() is None:
                if time.monotonic() > deadline:
                    raise TimeoutError("redis-benchmark did not finish in time")
                # The master first: the replica's offset is then read no earlier.
                master_offset = int(replication(msock, deadline)["master_repl_offset"])
                replica_offset = int(replication(rsock, deadline)["slave_repl_offset"])
                samples.append(master_offset - replica_offset)
                next_sample += args.interval
                time.sleep(max(0.0, next_sample - time.perf_counter()))
            stdout, stderr = bench.communicate()
        finally:
            if bench.poll() is None:
                bench.kill()
                bench.wait()
        load_ended = time.perf_counter()
        if bench.returncode != 0:
            raise RuntimeError(f"redis-benchmark exited {bench.returncode}: {stderr!r}")
        rows = {row["test"]: row for row in csv.DictReader(io.StringIO(stdout.decode()))}
        catch_up: float | None = None
        final_offset = int(replication(msock, deadline)["master_repl_offset"])
        while time.monotonic() < deadline:
            fields = replication(rsock, deadline)
            if int(fields["slave_repl_offset"]) >= final_offset:
                catch_up = time.perf_counter() - load_ended
                break
            time.sleep(POLL)  # poll interval; the deadline bounds the wait
    if not samples:
        raise RuntimeError("redis-benchmark ended before the first sample")
    digests = (bulk(master.port, "DEBUG", "DIGEST"), bulk(replica.port, "DEBUG", "DIGEST"))
    return {
        "rps": float(rows["SET"]["rps"]),
        "samples": len(samples),
        "median_lag_bytes": statistics.median(samples),
        "max_lag_bytes": max(samples),
        "p99_lag_bytes": sorted(samples)[int(len(samples) * 0.99)],
        "catch_up_seconds": catch_up,
        "digests_match": digests[0] == digests[1],
    }


def run_pair(pair: str, args: argparse.Namespace) -> dict[str, object]:
    master_kind, replica_kind = pair.split("-")
    workdirs = [Path(tempfile.mkdtemp(prefix=f"repl-{kind}-")) for kind in pair.split("-")]
    servers: list[Server] = []
    result: dict[str, object] = {"pair": pair, "master": master_kind, "replica": replica_kind}
    try:
        master = Server(master_kind, workdirs[0], MASTER_ARGS)
        servers.append(master)
        if not serves_psync(master.port):
            progress(f"  {pair}: the {master_kind} master does not serve PSYNC: unavailable")
            result["status"] = "unavailable"
            return result
        progress(f"  {pair}: filling the master with {args.keys:,} keys")
        fill_keys(master.port, args.keys, timeout=args.timeout)
        replica = Server(replica_kind, workdirs[1], REPLICA_ARGS)
        servers.append(replica)
        progress(f"  {pair}: full sync")
        result["sync"] = full_sync(master, replica, args.keys, args.timeout)
        progress(f"  {pair}: lag under redis-benchmark -t set -P {args.pipeline}")
        result["lag"] = lag_under_load(master, replica, args)
        result["status"] = "ok"
    except (RuntimeError, TimeoutError, OSError) as error:
        progress(f"  {pair}: failed: {error}")
        result["status"] = "failed"
        result["error"] = str(error)
        for server in servers:
            result[f"{server.kind}_log_tail"] = server.log_text()[-2000:]
    finally:
        for server in reversed(servers):
            server.stop()
        for workdir in workdirs:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def _cell(value: object, spec: str) -> str:
    return format(value, spec) if isinstance(value, (int, float)) else "-"


def report(results: dict[str, dict[str, object]], args: argparse.Namespace) -> dict[str, object]:
    """Print the table; return the targets' verdicts."""
    base = results.get("redis-redis", {}).get("sync")
    base_seconds = float(str(base["seconds"])) if isinstance(base, dict) else None
    print(
        f"\nFull sync of {args.keys:,} keys; lag under redis-benchmark -t set -c {args.clients}"
        f" -P {args.pipeline} -n {args.requests:,} -r {args.random_keys:,}"
    )
    header = (
        f"{'master -> replica':<18} {'sync s':>8} {'of redis':>9} {'rps':>11} "
        f"{'median lag':>11} {'p99 lag':>11} {'max lag':>11} {'samples':>8} "
        f"{'catch-up s':>11} {'digest':>7}"
    )
    print(header)
    print("-" * len(header))
    verdicts: dict[str, object] = {}
    for pair, result in results.items():
        label = pair.replace("-", " -> ")
        if result["status"] != "ok":
            print(f"{label:<18} {result['status']}")
            continue
        sync = result["sync"]
        lag = result["lag"]
        assert isinstance(sync, dict) and isinstance(lag, dict)
        seconds = float(sync["seconds"])
        ratio = seconds / base_seconds if base_seconds else None
        result["sync_ratio_to_redis"] = ratio
        print(
            f"{label:<18} {seconds:>8.3f} {_cell(ratio, '>9.2f')} {lag['rps']:>11,.0f} "
            f"{lag['median_lag_bytes']:>11,.0f} {lag['p99_lag_bytes']:>11,} "
            f"{lag['max_lag_bytes']:>11,} {lag['samples']:>8,} "
            f"{_cell(lag['catch_up_seconds'], '>11.3f')} "
            f"{'same' if lag['digests_match'] else 'DIFFER':>7}"
        )
        if "replkv" in pair:
            verdicts[pair] = {
                # None: no redis -> redis sync in this run to compare with.
                "sync_within_3x": None if ratio is None else ratio <= SYNC_MAX_RATIO,
                "median_lag_under_64k": float(lag["median_lag_bytes"]) < LAG_MAX_MEDIAN,
            }
    for pair, verdict in verdicts.items():
        assert isinstance(verdict, dict)
        within = verdict["sync_within_3x"]
        sync_verdict = "no reference" if within is None else "holds" if within else "MISSED"
        print(
            f"target {pair}: full sync <= {SYNC_MAX_RATIO:.0f}x redis->redis: "
            f"{sync_verdict}; median lag < 64 KB: "
            f"{'holds' if verdict['median_lag_under_64k'] else 'MISSED'}"
        )
    return verdicts


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("redis-benchmark") is None or redis_server_path() is None:
        print("redis-server and redis-benchmark are needed (make debs)", file=sys.stderr)
        return 2
    results = {pair: run_pair(pair, args) for pair in args.pair_names}
    record: dict[str, object] = {
        "commit": git_commit(),
        "time": time.strftime("%Y%m%d-%H%M%S"),
        "options": {key: value for key, value in vars(args).items() if key not in ("output_dir",)},
        "pairs": results,
    }
    record["targets"] = report(results, args)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    path = args.output_dir / f"replication-{record['time']}.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"\nresults: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    failed = [pair for pair, result in results.items() if result["status"] == "failed"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
