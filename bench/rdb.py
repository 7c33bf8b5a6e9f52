"""RDB write and load time: replkv's codec next to redis-server's SAVE and start-up load.

Fills a redis-server with N small string keys (`key:<i>` → `value:<i>`) by pipelined
MSETs and times SAVE as its client sees it; then starts a redis-server on that file and
reads its load time from its log ("DB loaded from disk: N seconds"). Then replkv's
`load_rdb()` loads the same file (its digest checked against redis-server's) and
`write_rdb()` writes it back, in-process, into memory.

    .venv/bin/python bench/rdb.py [--keys 1000000]
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: reuse the tests' server launcher

import redis  # noqa: E402
from twisted.internet.task import Clock  # noqa: E402

from replkv.commands import registry  # noqa: E402
from replkv.keyspace.digest import dataset_digest  # noqa: E402
from replkv.keyspace.keyspace import Keyspace  # noqa: E402
from replkv.rdb import load_rdb, write_rdb  # noqa: E402
from tests.support.processes import launch_redis_server  # noqa: E402

BATCH = 10_000


def fill(client: redis.Redis, keys: int) -> None:
    pipe = client.pipeline(transaction=False)
    for start in range(0, keys, BATCH):
        pipe.mset({b"key:%d" % i: b"value:%d" % i for i in range(start, min(keys, start + BATCH))})
        pipe.execute()


def redis_load_seconds(log: str) -> float:
    match = re.search(r"DB loaded from disk: ([0-9.]+) seconds", log)
    if match is None:
        raise RuntimeError("redis-server did not report its load time:\n" + log[-2000:])
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    args = parser.parse_args()
    registry.load()

    server = launch_redis_server("--enable-debug-command", "yes")
    try:
        client = redis.Redis(port=server.port)
        fill(client, args.keys)
        started = time.perf_counter()
        client.save()
        redis_save = time.perf_counter() - started
        redis_digest = client.execute_command("DEBUG", "DIGEST")
        if isinstance(redis_digest, str):
            redis_digest = redis_digest.encode()
        data = (server.workdir / "dump.rdb").read_bytes()
    finally:
        server.stop()

    with tempfile.TemporaryDirectory(prefix="bench-rdb-") as workdir:
        (Path(workdir) / "dump.rdb").write_bytes(data)
        loader = launch_redis_server("--dir", workdir, "--dbfilename", "dump.rdb")
        try:
            redis_load = redis_load_seconds(loader.log_text())
        finally:
            loader.stop()

    keyspace = Keyspace(16, Clock())
    started = time.perf_counter()
    load_rdb(io.BytesIO(data), keyspace)
    replkv_load = time.perf_counter() - started
    assert dataset_digest(keyspace) == redis_digest, "loaded data differs from redis-server's"

    out = io.BytesIO()
    started = time.perf_counter()
    write_rdb(keyspace, out, {})
    replkv_write = time.perf_counter() - started

    print(f"{args.keys} small string keys, file {len(data)} bytes")
    print(f"{'':14}{'write':>10}{'load':>10}")
    print(f"{'redis-server':14}{redis_save:>9.2f}s{redis_load:>9.2f}s")
    print(f"{'replkv':14}{replkv_write:>9.2f}s{replkv_load:>9.2f}s")
    print(f"{'ratio':14}{replkv_write / redis_save:>9.1f}x{replkv_load / redis_load:>9.1f}x")


if __name__ == "__main__":
    main()
