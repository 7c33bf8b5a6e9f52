"""SETBIT, PFADD, XADD and XREADGROUP, replkv next to redis-server, with SET as reference.

Each round on each server (see bench/custom.py for the rounds, the CPU per request and
the table): `SET key:__rand_int__ xxx`; `SETBIT bits:__rand_int__ 100 1`
(redis-benchmark pads `__rand_int__` with zeros, which no bit offset takes);
`PFADD hll __rand_int__`; then the stream starts afresh: `XADD stream * f v` adds one
entry per request, a group is created at 0-0, and
`XREADGROUP GROUP g c COUNT 1 STREAMS stream >` delivers those entries one per
request. Writes bench/results/datatypes-<time>.json.

    .venv/bin/python bench/datatypes.py [--requests 200000] [--pipelines 1,16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: reuse the tests' helpers

from bench import custom  # noqa: E402
from tests.support.processes import ServerProcess  # noqa: E402
from tests.support.resp_client import RawClient  # noqa: E402

TESTS = ("SET", "SETBIT", "PFADD", "XADD", "XREADGROUP")
COMMANDS = {
    "SET": ["SET", "key:__rand_int__", "xxx"],
    "SETBIT": ["SETBIT", "bits:__rand_int__", "100", "1"],
    "PFADD": ["PFADD", "hll", "__rand_int__"],
    "XADD": ["XADD", "stream", "*", "f", "v"],
    "XREADGROUP": ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "stream", ">"],
}


def one_round(
    name: str, server: ServerProcess, pipeline: int, round_: int, args: argparse.Namespace
) -> list[dict]:
    results = []
    for label in TESTS:
        if label == "XADD":
            with RawClient(server.port) as client:
                client.call("DEL", "stream")
        elif label == "XREADGROUP":
            with RawClient(server.port) as client:
                created = client.call("XGROUP", "CREATE", "stream", "g", "0")
            if created != b"+OK\r\n":
                raise RuntimeError(f"{name}: XGROUP CREATE answered {created!r}")
        results.append(custom.timed(name, label, server, COMMANDS[label], pipeline, round_, args))
    return results


def main(argv: list[str] | None = None) -> int:
    args = custom.parse_args(__doc__.split("\n")[0], argv)
    return custom.main("datatypes", TESTS, one_round, args)


if __name__ == "__main__":
    sys.exit(main())
