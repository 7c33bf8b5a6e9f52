"""Replicas hide logically expired keys from reads but keep them until the master's
DEL arrives (Redis 7.0, spec §1.11): a replkv replica and a redis-server replica of the
same redis-server master (active expiry off) answer the same bytes."""

from __future__ import annotations

import time
from collections.abc import Callable

from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import ServerProcess, start_redis_server, start_replkv
from tests.support.resp_client import RawClient

WAIT = 10.0
READS: list[list[str]] = [
    ["GET", "k"],
    ["EXISTS", "k"],
    ["PTTL", "k"],
    ["TYPE", "k"],
    ["SCAN", "0"],
    ["KEYS", "*"],
    ["DBSIZE"],
    ["GET", "alive"],
]


def call(port: int, *args: str) -> bytes:
    with RawClient(port) as client:
        return client.call(*args)


def replication_offset(port: int, name: str) -> str:
    text = call(port, "INFO", "replication").decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return ""


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)  # polling interval; the deadline bounds the wait
    raise AssertionError(f"timed out waiting for {what}")


class ReplicaExpiryVsRedisTests(SynchronousTestCase):
    def test_expired_key_hidden_until_the_masters_del(self) -> None:
        master = start_redis_server(
            self, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"
        )
        m = master.port
        call(m, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
        at = f"127.0.0.1:{m}"
        debug = ("--enable-debug-command", "yes")
        replicas: list[ServerProcess] = [
            start_replkv(self, *debug, "--replicaof", at),
            start_redis_server(self, *debug, "--replicaof", "127.0.0.1", str(m)),
        ]

        def in_sync() -> bool:
            offset = replication_offset(m, "master_repl_offset")
            return all(
                replication_offset(r.port, "master_link_status") == "up"
                and replication_offset(r.port, "slave_repl_offset") == offset
                for r in replicas
            )

        wait_for(in_sync, "both replicas to sync")
        call(m, "SET", "alive", "1")
        call(m, "SET", "k", "v")
        call(m, "PEXPIRE", "k", "100")
        wait_for(in_sync, "the stream")
        time.sleep(0.2)  # let the key's time pass
        self.assertEqual(call(m, "DBSIZE"), b":2\r\n")  # no active expiry on the master
        answers = [[call(r.port, *read) for read in READS] for r in replicas]
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0][0], b"$-1\r\n")  # GET: hidden
        self.assertEqual(answers[0][1], b":0\r\n")  # EXISTS
        self.assertEqual(answers[0][6], b":2\r\n")  # DBSIZE still counts it
        # A read on the master expires it there and propagates DEL.
        self.assertEqual(call(m, "GET", "k"), b"$-1\r\n")
        wait_for(in_sync, "the DEL")
        answers = [[call(r.port, *read) for read in READS] for r in replicas]
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0][6], b":1\r\n")
        self.assertEqual(
            call(replicas[0].port, "DEBUG", "DIGEST"), call(replicas[1].port, "DEBUG", "DIGEST")
        )
