"""EVALSHA of a small script (a lock release), replkv next to redis-server.

SCRIPT LOAD the script, then redis-benchmark runs `EVALSHA <sha> 1 lock:__rand_int__
token` on each server in turn, next to `SET` (see bench/custom.py for the rounds, the
CPU per request and the table); writes bench/results/scripting-<time>.json.

    .venv/bin/python bench/scripting.py [--requests 200000] [--pipelines 1,16] [--repeat 3]
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

# redis-py's Lock release: delete the key only if it still holds our token.
RELEASE = (
    "local token = redis.call('get', KEYS[1]) "
    "if token == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


def one_round(
    name: str, server: ServerProcess, pipeline: int, round_: int, args: argparse.Namespace
) -> list[dict]:
    with RawClient(server.port) as client:
        sha = client.call("SCRIPT", "LOAD", RELEASE).split(b"\r\n")[1].decode()
    commands = {
        "SET": ["SET", "key:__rand_int__", "xxx"],
        "EVALSHA": ["EVALSHA", sha, "1", "lock:__rand_int__", "token"],
    }
    return [
        custom.timed(name, label, server, command, pipeline, round_, args)
        for label, command in commands.items()
    ]


def main(argv: list[str] | None = None) -> int:
    args = custom.parse_args(__doc__.split("\n")[0], argv)
    return custom.main("scripting", ("SET", "EVALSHA"), one_round, args)


if __name__ == "__main__":
    sys.exit(main())
