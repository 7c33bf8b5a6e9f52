"""A script's effects reach replicas, whichever side is redis-server: a replkv master
feeds a redis-server replica and a replkv replica; a redis-server master feeds a replkv
replica. Scripts that read the time or pop at random give the same data everywhere,
since only their effects travel."""

from __future__ import annotations

from twisted.trial.unittest import TestCase

from tests.support.processes import ServerProcess, start_redis_server, start_replkv
from tests.support.replication import call, in_sync, wait_for

DEBUG = ("--enable-debug-command", "yes")
SCRIPTS = [
    ("redis.call('incr', KEYS[1]) redis.call('set', KEYS[2], ARGV[1]) return 1", 2, "n", "s"),
    ("return redis.call('set', KEYS[1], redis.call('time')[1])", 1, "now"),
    ("for i = 1, 20 do redis.call('sadd', KEYS[1], i) end return redis.call('spop', KEYS[1])",
     1, "set"),
    ("redis.call('rpush', KEYS[1], 'a', 'b') redis.call('expire', KEYS[1], 100) return 0",
     1, "list"),
    ("return redis.call('get', KEYS[1])", 1, "n"),  # reads only: nothing to replicate
]  # fmt: skip


def run_scripts(port: int) -> None:
    for script, numkeys, *keys in SCRIPTS:
        reply = call(port, "EVAL", script, str(numkeys), *keys, "value")
        assert not reply.startswith(b"-"), reply
    reply = call(port, "EVAL", "redis.call('set', 'x', 1) redis.call('nosuch')", "0")
    assert reply.startswith(b"-ERR"), reply  # fails after a write: the write stays


class ScriptEffectsTests(TestCase):
    def replica_of(self, master: ServerProcess, kind: str) -> ServerProcess:
        if kind == "redis":
            return start_redis_server(self, *DEBUG, "--replicaof", "127.0.0.1", str(master.port))
        return start_replkv(self, *DEBUG, "--replicaof", f"127.0.0.1:{master.port}")

    def test_a_replkv_masters_script_effects(self) -> None:
        master = start_replkv(self, *DEBUG, "--repl-diskless-sync-delay", "0")
        call(master.port, "SET", "before", "1")
        replicas = [self.replica_of(master, "redis"), self.replica_of(master, "replkv")]
        wait_for(lambda: in_sync(master, *replicas), "the full syncs", master, *replicas)
        run_scripts(master.port)
        wait_for(lambda: in_sync(master, *replicas), "the scripts' effects", master, *replicas)
        self.assertEqual(call(master.port, "GET", "x"), b"$1\r\n1\r\n")

    def test_a_redis_masters_script_effects(self) -> None:
        master = start_redis_server(self, *DEBUG, "--repl-diskless-sync-delay", "0")
        call(master.port, "SET", "before", "1")
        replica = self.replica_of(master, "replkv")
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        run_scripts(master.port)
        wait_for(lambda: in_sync(master, replica), "the scripts' effects", master, replica)
