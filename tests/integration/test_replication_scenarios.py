"""replkv masters and replkv replicas through the events of a deployment's life: a replica
restarting, the master killed and restarted, a replica promoted with the other replica
following it, a chain of replicas, the stale-data policy, expiry. After each, every node
holds the same data (DEBUG DIGEST) at the same offset."""

from __future__ import annotations

import time

from twisted.trial.unittest import TestCase

from replkv import errors
from tests.support.processes import ServerProcess, start_replkv
from tests.support.replication import call, in_sync, info, wait_for
from tests.support.resp_client import RawClient

# Every node may serve a full sync: at once, not after diskless sync's default 5 s delay.
DEBUG = ("--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0")


def write_some(port: int, prefix: str, count: int = 50) -> None:
    """Writes of every type, in one pipeline."""
    commands: list[list[str]] = []
    for i in range(count):
        commands += [
            ["SET", f"{prefix}:s:{i}", str(i)],
            ["RPUSH", f"{prefix}:l", str(i)],
            ["HSET", f"{prefix}:h", f"f{i}", str(i)],
            ["SADD", f"{prefix}:set", str(i)],
            ["ZADD", f"{prefix}:z", str(i), f"m{i}"],
        ]
    commands += [["SELECT", "3"], ["INCR", f"{prefix}:in3"], ["SELECT", "0"]]
    with RawClient(port) as client:
        for answer in client.pipeline(commands):
            assert not answer.startswith(b"-"), answer


class ReplicationScenarioTests(TestCase):
    def start_master(self, *args: str, port: int | None = None) -> ServerProcess:
        return start_replkv(self, *DEBUG, "--repl-diskless-sync-delay", "0", *args, port=port)

    def start_replica(self, master: ServerProcess, *args: str) -> ServerProcess:
        return start_replkv(self, *DEBUG, "--replicaof", f"127.0.0.1:{master.port}", *args)

    def test_replica_restart_continues_with_a_partial_resync(self) -> None:
        master = self.start_master()
        write_some(master.port, "a")
        replica = self.start_replica(master, "--appendonly", "yes")
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        write_some(master.port, "b")
        wait_for(lambda: in_sync(master, replica), "the stream", master, replica)
        data = replica.workdir / "data"
        replica.kill()
        write_some(master.port, "c")
        again = self.start_replica(master, "--appendonly", "yes", "--dir", str(data))
        wait_for(lambda: in_sync(master, again), "the restarted replica", master, again)
        stats = info(master.port, "stats")
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), ("1", "1"))

    def test_full_sync_ships_the_snapshot_on_disk_without_forking(self) -> None:
        master = self.start_master("--appendonly", "yes")
        write_some(master.port, "a")
        self.assertEqual(call(master.port, "SAVE"), b"+OK\r\n")
        write_some(master.port, "b")  # after the snapshot: sent from the log
        replica = self.start_replica(master)
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        self.assertEqual(info(master.port, "stats")["total_forks"], "0")
        self.assertIn("no BGSAVE needed", master.log_text())

    def test_full_sync_without_a_snapshot_forks_once(self) -> None:
        master = self.start_master()
        write_some(master.port, "a")
        replica = self.start_replica(master)
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        self.assertEqual(info(master.port, "stats")["total_forks"], "1")

    def test_master_killed_and_restarted(self) -> None:
        durable = ("--appendonly", "yes", "--appendfsync", "always")
        master = self.start_master(*durable)
        write_some(master.port, "a")
        first = self.start_replica(master)
        second = self.start_replica(master, "--appendonly", "yes")
        wait_for(lambda: in_sync(master, first, second), "the full syncs", master, first, second)
        with RawClient(master.port) as client:
            client.call("SET", "last", "write")  # fsynced on the master before its reply
            # WAIT counts both replicas' acknowledgements; asking for 3 times out with 2.
            self.assertEqual(client.call("WAIT", "2", "5000"), b":2\r\n")
            started = time.monotonic()
            self.assertEqual(client.call("WAIT", "3", "200"), b":2\r\n")
            self.assertGreaterEqual(time.monotonic() - started, 0.19)
        acknowledged = call(master.port, "DEBUG", "DIGEST")
        data = master.workdir / "data"
        master.kill()
        for replica in (first, second):
            wait_for(
                lambda r=replica: info(r.port)["master_link_status"] == "down",  # type: ignore[misc]
                "the link to go down",
                replica,
            )
        again = self.start_master(*durable, "--dir", str(data), port=master.port)
        self.assertEqual(call(again.port, "DEBUG", "DIGEST"), acknowledged)
        write_some(again.port, "c")
        wait_for(lambda: in_sync(again, first, second), "the replicas to return", again, first)

    def test_promotion_lets_the_other_replica_continue(self) -> None:
        master = self.start_master()
        write_some(master.port, "a")
        first = self.start_replica(master)
        second = self.start_replica(master)
        wait_for(lambda: in_sync(master, first, second), "the full syncs", master, first, second)
        old_replid = info(master.port)["master_replid"]
        master.stop()
        self.assertEqual(call(first.port, "REPLICAOF", "NO", "ONE"), b"+OK\r\n")
        self.assertEqual(info(first.port)["master_replid2"], old_replid)
        write_some(first.port, "b")
        call(second.port, "REPLICAOF", "127.0.0.1", str(first.port))
        wait_for(lambda: in_sync(first, second), "the other replica", first, second)
        stats = info(first.port, "stats")
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), ("0", "1"))
        self.assertEqual(info(second.port)["master_replid"], info(first.port)["master_replid"])

    def test_chained_replicas_share_the_top_masters_history(self) -> None:
        master = self.start_master()
        write_some(master.port, "a")
        middle = self.start_replica(master)
        wait_for(lambda: in_sync(master, middle), "the first link", master, middle)
        last = self.start_replica(middle)
        write_some(master.port, "b")
        wait_for(lambda: in_sync(master, middle, last), "the chain", master, middle, last)
        top = info(master.port)
        for node in (middle, last):
            self.assertEqual(info(node.port)["master_replid"], top["master_replid"])
        self.assertEqual(info(middle.port)["connected_slaves"], "1")
        # The middle node's link drops: the last one continues from it, partially.
        call(middle.port, "CLIENT", "KILL", "TYPE", "replica")
        write_some(master.port, "c")
        wait_for(lambda: in_sync(master, middle, last), "the chain again", master, middle, last)
        self.assertEqual(info(middle.port, "stats")["sync_partial_ok"], "1")

    def test_stale_data_policy_both_ways(self) -> None:
        master = self.start_master()
        call(master.port, "SET", "k", "v")
        serving = self.start_replica(master, "--replica-serve-stale-data", "yes")
        refusing = self.start_replica(master, "--replica-serve-stale-data", "no")
        wait_for(lambda: in_sync(master, serving, refusing), "the syncs", master, serving)
        master.stop()
        for replica in (serving, refusing):
            wait_for(
                lambda r=replica: info(r.port)["master_link_status"] == "down",  # type: ignore[misc]
                "the link to go down",
                replica,
            )
        self.assertEqual(call(serving.port, "GET", "k"), b"$1\r\nv\r\n")
        self.assertEqual(call(refusing.port, "GET", "k"), errors.MASTERDOWN)
        self.assertEqual(call(refusing.port, "PING"), errors.MASTERDOWN)  # as in Redis 7.0
        self.assertEqual(info(refusing.port)["role"], "slave")  # INFO is allowed

    def test_expiry_reaches_replicas_as_del(self) -> None:
        master = self.start_master()
        self.assertEqual(call(master.port, "DEBUG", "SET-ACTIVE-EXPIRE", "0"), b"+OK\r\n")
        replica = self.start_replica(master)
        call(master.port, "SET", "k", "v", "PX", "100")
        call(master.port, "SET", "kept", "v")
        wait_for(lambda: in_sync(master, replica), "the sync", master, replica)
        time.sleep(0.15)  # the TTL passes; what is checked follows, not a synchronisation
        # Logically expired on the replica: hidden from reads, still counted, not deleted.
        self.assertEqual(call(replica.port, "GET", "k"), b"$-1\r\n")
        self.assertEqual(call(replica.port, "EXISTS", "k"), b":0\r\n")
        self.assertEqual(call(replica.port, "DBSIZE"), b":2\r\n")
        # The master's lookup expires it and sends DEL down the stream.
        self.assertEqual(call(master.port, "GET", "k"), b"$-1\r\n")
        wait_for(lambda: call(replica.port, "DBSIZE") == b":1\r\n", "the DEL", replica)
        wait_for(lambda: in_sync(master, replica), "the sync after DEL", master, replica)
