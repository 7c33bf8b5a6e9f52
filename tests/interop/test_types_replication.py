"""Bitmaps, HyperLogLogs, geo sets and streams with consumer groups reach replicas,
whichever side is redis-server, by snapshot and by stream alike.

Half the data is written before the replicas attach (it travels in the full sync's
snapshot: ours read by redis-server, Redis's read by replkv), half after (it travels as
events: XREADGROUP as XCLAIM and XGROUP SETID, `XADD *` as its id, approximate trims as
exact ones). Replicas must then hold the master's digest, and the same groups, pending
entries and consumers (XINFO STREAM FULL, which the digest leaves out); a DEBUG RELOAD
on every server, through its own snapshot, must change none of it.
"""

from __future__ import annotations

import re

from twisted.trial.unittest import TestCase

from tests.support.processes import ServerProcess, start_redis_server, start_replkv
from tests.support.replication import call, in_sync, wait_for

DEBUG = ("--enable-debug-command", "yes")
# A consumer's seen-time is the clock of the server that last saw it: replicas differ.
SEEN_TIME = re.compile(rb"(seen-time\r\n:)\d+")


def write_types(port: int, part: str) -> None:
    """Writes of every new type; `part` keeps the two halves' keys and ids apart."""
    base = 1000 if part == "a" else 2000
    commands: list[tuple[str, ...]] = [
        ("SETBIT", f"bits:{part}", "7", "1"),
        ("SETBIT", f"bits:{part}", "100000", "1"),
        ("BITFIELD", f"bf:{part}", "INCRBY", "u8", "0", "300", "OVERFLOW", "SAT", "INCRBY", "i5",
         "100", "20"),
        ("BITOP", "OR", f"bitop:{part}", f"bits:{part}", f"bf:{part}"),
        ("PFADD", f"hll:{part}", *[f"e{i}" for i in range(50)]),
        ("PFADD", f"dense:{part}", *[f"d{i}" for i in range(3000)]),
        ("PFMERGE", f"merged:{part}", f"hll:{part}", f"dense:{part}"),
        ("PFCOUNT", f"hll:{part}"),  # caches the cardinality in the string
        ("GEOADD", f"geo:{part}", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
         "Catania", "-179.9", "0", "west", "179.9", "0", "east", "0", "85.05", "north"),
        ("GEOSEARCHSTORE", f"near:{part}", f"geo:{part}", "FROMLONLAT", "15", "37", "BYRADIUS",
         "200", "km", "ASC", "STOREDIST"),
        ("XADD", f"s:{part}", f"{base}-1", "f", "v"),
        ("XADD", f"s:{part}", f"{base}-2", "f", "w", "g", "x"),
        ("XADD", f"s:{part}", "*", "auto", "id"),
        *[("XADD", f"s:{part}", "MAXLEN", "~", "150", "*", "n", str(i)) for i in range(300)],
        ("XADD", f"s:{part}", "MINID", "=", "0-1", "*", "tail", "1"),
        ("XGROUP", "CREATE", f"s:{part}", "g1", "0"),
        ("XGROUP", "CREATE", f"s:{part}", "g2", "$", "ENTRIESREAD", "5"),
        ("XGROUP", "CREATECONSUMER", f"s:{part}", "g2", "idle"),
        ("XTRIM", f"s:{part}", "MAXLEN", "~", "100"),
        ("XGROUP", "DELCONSUMER", f"s:{part}", "g1", "bob"),
        ("XGROUP", "SETID", f"s:{part}", "g2", "0", "ENTRIESREAD", "1"),
        ("XADD", f"empty:{part}", "1-1", "f", "v"),
        ("XDEL", f"empty:{part}", "1-1"),
        ("XGROUP", "CREATE", f"empty:{part}", "g", "$"),
    ]  # fmt: skip
    for command in commands:
        checked_call(port, *command)
        if command[:2] == ("XGROUP", "CREATECONSUMER"):
            pending_work(port, f"s:{part}")


def checked_call(port: int, *command: str) -> bytes:
    reply = call(port, *command)
    assert not reply.startswith(b"-"), (command, reply)
    return reply


def pending_work(port: int, key: str) -> None:
    """Deliver entries to consumers, then acknowledge, claim, auto-claim and delete
    some of the pending ones (their ids are only known once delivered)."""
    for consumer, count in (("alice", "5"), ("bob", "3")):
        checked_call(port, "XREADGROUP", "GROUP", "g1", consumer, "COUNT", count, "STREAMS",
                     key, ">")  # fmt: skip
    checked_call(port, "XREADGROUP", "GROUP", "g1", "carol", "NOACK", "COUNT", "2", "STREAMS",
                 key, ">")  # fmt: skip
    checked_call(port, "XREADGROUP", "GROUP", "g1", "alice", "STREAMS", key, "0")  # no write
    pending = checked_call(port, "XPENDING", key, "g1", "-", "+", "10")
    ids = re.findall(rb"\r\n(\d+-\d+)\r\n", pending)
    assert len(ids) == 8, pending
    checked_call(port, "XACK", key, "g1", ids[0].decode(), ids[1].decode())
    checked_call(port, "XCLAIM", key, "g1", "bob", "0", ids[2].decode(), "RETRYCOUNT", "7")
    checked_call(port, "XCLAIM", key, "g1", "carol", "0", ids[3].decode(), "JUSTID")
    checked_call(port, "XAUTOCLAIM", key, "g1", "dave", "0", ids[4].decode(), "COUNT", "2")
    checked_call(port, "XDEL", key, ids[6].decode())
    # A deleted entry still pending: the next claim drops it from the PEL.
    checked_call(port, "XAUTOCLAIM", key, "g1", "erin", "0", "0-0", "COUNT", "10")


def groups_view(port: int) -> dict[str, bytes]:
    """XINFO STREAM FULL of every stream, seen-times left out."""
    view = {}
    for key in ("s:a", "s:b", "empty:a", "empty:b"):
        reply = call(port, "XINFO", "STREAM", key, "FULL")
        view[key] = SEEN_TIME.sub(rb"\1*", reply)
    return view


class NewTypesReplicationTests(TestCase):
    def replica_of(self, master: ServerProcess, kind: str) -> ServerProcess:
        if kind == "redis":
            return start_redis_server(self, *DEBUG, "--replicaof", "127.0.0.1", str(master.port))
        return start_replkv(self, *DEBUG, "--replicaof", f"127.0.0.1:{master.port}")

    def test_a_replkv_master(self) -> None:
        master = start_replkv(self, *DEBUG, "--repl-diskless-sync-delay", "0")
        write_types(master.port, "a")
        replicas = [self.replica_of(master, "redis"), self.replica_of(master, "replkv")]
        wait_for(lambda: in_sync(master, *replicas), "the full syncs", master, *replicas)
        self.after_sync(master, replicas)

    def test_a_redis_master(self) -> None:
        master = start_redis_server(self, *DEBUG, "--repl-diskless-sync-delay", "0")
        write_types(master.port, "a")
        replica = self.replica_of(master, "replkv")
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        self.after_sync(master, [replica])

    def after_sync(self, master: ServerProcess, replicas: list[ServerProcess]) -> None:
        expected = groups_view(master.port)
        for replica in replicas:
            self.assertEqual(groups_view(replica.port), expected, "after the snapshot")
        write_types(master.port, "b")
        wait_for(lambda: in_sync(master, *replicas), "the stream", master, *replicas)
        expected = groups_view(master.port)
        for replica in replicas:
            self.assertEqual(groups_view(replica.port), expected, "after the stream")
        digest = call(master.port, "DEBUG", "DIGEST")
        for server in (master, *replicas):
            self.assertEqual(call(server.port, "DEBUG", "RELOAD"), b"+OK\r\n")
            self.assertEqual(call(server.port, "DEBUG", "DIGEST"), digest, server.name)
            self.assertEqual(groups_view(server.port), expected, server.name)
