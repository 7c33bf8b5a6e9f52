"""Memory per element: replkv next to redis-server, same data, same run.

For each kind of data — small string keys, and one hash, one set and one sorted set of
many elements — the script starts a fresh server, reads its resident set size, loads
the data through pipelined commands, reads the RSS again, and reports the growth per
key or element. RSS is used for both servers (Python has no allocator statistics), so
the two columns measure the same thing. Servers run one after the other.

    .venv/bin/python bench/memory.py [--elements 1000000] [--kinds strings,hash,set,zset]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: reuse the tests' server launcher

import redis  # noqa: E402

from tests.support.processes import (  # noqa: E402
    ServerProcess,
    launch_redis_server,
    launch_replkv,
)

BATCH = 1000  # elements per command

# kind -> (command building one batch of elements [start, stop), what is counted)
Loader = Callable[[int, int], list[bytes | str]]
KINDS: dict[str, tuple[Loader, str]] = {
    "strings": (
        lambda a, b: ["MSET", *[part for i in range(a, b) for part in (f"key:{i}", "value")]],
        "key",
    ),
    "hash": (
        lambda a, b: ["HSET", "h", *[part for i in range(a, b) for part in (f"f:{i}", "v")]],
        "field",
    ),
    "set": (lambda a, b: ["SADD", "s", *[f"m:{i}" for i in range(a, b)]], "member"),
    "zset": (
        lambda a, b: ["ZADD", "z", *[part for i in range(a, b) for part in (i, f"m:{i}")]],
        "member",
    ),
}


def rss_bytes(pid: int) -> int:
    """The process's resident set size from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def batches(total: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, BATCH):
        yield start, min(start + BATCH, total)


def measure(launch: Callable[[], ServerProcess], kind: str, elements: int) -> float:
    """Bytes of RSS growth per element after loading `elements` of `kind`."""
    loader, _ = KINDS[kind]
    server = launch()
    try:
        client = redis.Redis(port=server.port, socket_timeout=120)
        client.ping()
        before = rss_bytes(server.pid)
        pipe = client.pipeline(transaction=False)
        for number, (start, stop) in enumerate(batches(elements), 1):
            pipe.execute_command(*loader(start, stop))
            if number % 50 == 0:
                pipe.execute()
        pipe.execute()
        time.sleep(0.5)  # let the server settle before reading its RSS
        after = rss_bytes(server.pid)
        client.close()
        return (after - before) / elements
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--elements", type=int, default=1_000_000)
    parser.add_argument("--kinds", default="strings,hash,set,zset")
    args = parser.parse_args(argv)
    print(f"{'kind':<8} {'per':<7} {'redis B':>9} {'replkv B':>9} {'replkv/redis':>13}")
    for kind in args.kinds.split(","):
        redis_per = measure(launch_redis_server, kind, args.elements)
        replkv_per = measure(launch_replkv, kind, args.elements)
        unit = KINDS[kind][1]
        print(
            f"{kind:<8} {unit:<7} {redis_per:>9.1f} {replkv_per:>9.1f} "
            f"{replkv_per / redis_per:>13.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
