"""Libraries outlive processes and cross links: a restart from the disk log and from a
snapshot, DEBUG RELOAD, a redis-server dump.rdb with a library, a redis-server replica
of a replkv master, and a replkv replica of a redis-server master."""

from __future__ import annotations

import shutil

from twisted.trial.unittest import TestCase

from tests.support.processes import ServerProcess, start_redis_server, start_replkv
from tests.support.replication import call, in_sync, wait_for

DEBUG = ("--enable-debug-command", "yes")
NO_DELAY = ("--repl-diskless-sync-delay", "0")
LIB = (
    "#!lua name=lib\n"
    "redis.register_function('w', function(keys, args)\n"
    "  return redis.call('incrby', keys[1], args[1])\n"
    "end)"
)
RO_LIB = (
    "#!lua name=rolib\n"
    "redis.register_function{function_name='r', description='reads', flags={'no-writes'},\n"
    "  callback=function(keys) return redis.call('get', keys[1]) end}"
)
LISTING = ("FUNCTION", "LIST", "WITHCODE")


def listing(server: ServerProcess, name: str) -> bytes:
    return call(server.port, *LISTING, "LIBRARYNAME", name)


class RestartTests(TestCase):
    def test_the_disk_log_brings_libraries_back(self) -> None:
        server = start_replkv(self, *DEBUG, "--appendonly", "yes")
        p = server.port
        self.assertEqual(call(p, "FUNCTION", "LOAD", LIB), b"$3\r\nlib\r\n")
        call(p, "FUNCTION", "LOAD", RO_LIB)
        call(p, "FCALL", "w", "1", "n", "5")
        call(p, "FUNCTION", "DELETE", "rolib")
        before = call(p, *LISTING)
        data = server.workdir / "data"
        server.kill()
        again = start_replkv(self, *DEBUG, "--appendonly", "yes", "--dir", str(data))
        self.assertEqual(call(again.port, *LISTING), before)
        self.assertEqual(call(again.port, "FCALL", "w", "1", "n", "1"), b":6\r\n")
        self.assertEqual(call(again.port, "FCALL", "r", "1", "n"), b"-ERR Function not found\r\n")

    def test_a_snapshot_and_debug_reload_keep_libraries(self) -> None:
        server = start_replkv(self, *DEBUG)
        p = server.port
        call(p, "FUNCTION", "LOAD", LIB)
        call(p, "FUNCTION", "LOAD", RO_LIB)
        call(p, "SET", "k", "v")
        before = call(p, *LISTING)
        self.assertEqual(call(p, "DEBUG", "RELOAD"), b"+OK\r\n")
        self.assertEqual(call(p, *LISTING), before)
        self.assertEqual(call(p, "SAVE"), b"+OK\r\n")
        data = server.workdir / "data"
        server.kill()
        again = start_replkv(self, *DEBUG, "--dir", str(data))
        self.assertEqual(call(again.port, *LISTING), before)
        self.assertEqual(call(again.port, "FCALL_RO", "r", "1", "k"), b"$1\r\nv\r\n")

    def test_a_redis_dump_with_a_library_loads(self) -> None:
        redis = start_redis_server(self)
        call(redis.port, "FUNCTION", "LOAD", RO_LIB)
        call(redis.port, "SET", "k", "v")
        self.assertEqual(call(redis.port, "SAVE"), b"+OK\r\n")
        data = redis.workdir / "copy"
        data.mkdir()
        shutil.copy(redis.workdir / "dump.rdb", data / "dump.rdb")
        replkv = start_replkv(self, "--dir", str(data))
        self.assertEqual(call(replkv.port, *LISTING), call(redis.port, *LISTING))
        self.assertEqual(call(replkv.port, "FCALL", "r", "1", "k"), b"$1\r\nv\r\n")


class ReplicationTests(TestCase):
    def test_redis_replica_of_replkv_gets_the_libraries(self) -> None:
        master = start_replkv(self, *DEBUG, *NO_DELAY)
        m = master.port
        call(m, "FUNCTION", "LOAD", RO_LIB)  # in the full sync's snapshot
        call(m, "SET", "k", "v")
        replica = start_redis_server(self, *DEBUG, "--replicaof", "127.0.0.1", str(m))
        r = replica.port
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        self.assertEqual(listing(replica, "rolib"), listing(master, "rolib"))
        call(m, "FUNCTION", "LOAD", LIB)  # on the stream
        call(m, "FCALL", "w", "1", "n", "3")
        wait_for(lambda: in_sync(master, replica), "the stream", master, replica)
        self.assertEqual(listing(replica, "lib"), listing(master, "lib"))
        self.assertEqual(call(r, "FCALL", "r", "1", "k"), b"$1\r\nv\r\n")
        self.assertEqual(call(r, "FCALL_RO", "r", "1", "n"), b"$1\r\n3\r\n")
        self.assertEqual(
            call(r, "FCALL", "w", "1", "n", "1"),
            b"-READONLY You can't write against a read only replica.\r\n",
        )
        call(m, "FUNCTION", "FLUSH")
        wait_for(lambda: call(r, "FUNCTION", "LIST") == b"*0\r\n", "the flush", master, replica)

    def test_replkv_replica_of_redis_gets_the_libraries(self) -> None:
        master = start_redis_server(self, *DEBUG, *NO_DELAY)
        m = master.port
        call(m, "FUNCTION", "LOAD", RO_LIB)
        call(m, "SET", "k", "v")
        replica = start_replkv(self, *DEBUG, "--replicaof", f"127.0.0.1:{m}")
        r = replica.port
        wait_for(lambda: in_sync(master, replica), "the full sync", replica)
        self.assertEqual(listing(replica, "rolib"), listing(master, "rolib"))
        call(m, "FUNCTION", "LOAD", LIB)
        call(m, "FCALL", "w", "1", "n", "3")
        wait_for(lambda: in_sync(master, replica), "the stream", replica)
        self.assertEqual(listing(replica, "lib"), listing(master, "lib"))
        self.assertEqual(call(r, "FCALL_RO", "r", "1", "n"), b"$1\r\n3\r\n")
        self.assertEqual(
            call(r, "FCALL", "w", "1", "n", "1"),
            b"-READONLY You can't write against a read only replica.\r\n",
        )
        self.assertEqual(
            call(r, "FUNCTION", "LOAD", LIB.replace("name=lib", "name=mine")),
            b"-READONLY You can't write against a read only replica.\r\n",
        )
