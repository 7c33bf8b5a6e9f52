"""Scripts that run past busy-reply-threshold, against replkv and redis-server alike:
-BUSY for other clients, SCRIPT KILL, -UNKILLABLE once the script wrote, SHUTDOWN
NOSAVE; with a replica attached, the replica converges after a killed script and never
sees a part of an abandoned script's writes; the log on disk holds none of it either."""

from __future__ import annotations

import re
import time

from twisted.trial.unittest import TestCase

from tests.support.processes import ServerProcess, start_redis_server, start_replkv
from tests.support.replication import call, in_sync, wait_for
from tests.support.resp_client import RawClient

THRESHOLD = ("--busy-reply-threshold", "100")
BUSY = (
    b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
)
LOOP = "while true do end"
WRITE_THEN_LOOP = "redis.call('set', 'a', 'script') while true do end"
SHA_LOOP = b"694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7"


def wait_busy(port: int) -> None:
    """Until another client's GET is refused with -BUSY (10 s at most)."""
    deadline = time.monotonic() + 10
    with RawClient(port) as client:
        while time.monotonic() < deadline:
            if client.call("GET", "a").startswith(b"-BUSY "):
                return
            time.sleep(0.02)  # polling interval; the deadline bounds the wait
    raise AssertionError("the server never got busy")


def wait_exit(server: ServerProcess) -> int | None:
    """The exit status once the process ends (10 s at most)."""
    deadline = time.monotonic() + 10
    while server.alive() and time.monotonic() < deadline:
        time.sleep(0.02)  # polling interval; the deadline bounds the wait
    return server.returncode


class BusyScriptTests(TestCase):
    def kill_scenario(self, port: int) -> list[bytes]:
        """A looping read-only script: what other clients and the script's client get."""
        replies = []
        with RawClient(port) as runner, RawClient(port) as other:
            runner.send_raw(b"*3\r\n$4\r\nEVAL\r\n$17\r\n" + LOOP.encode() + b"\r\n$1\r\n0\r\n")
            wait_busy(port)
            for command in (["PING"], ["SET", "b", "1"], ["SCRIPT", "LOAD", "return 1"],
                            ["SHUTDOWN"], ["SHUTDOWN", "ABORT"], ["MULTI"], ["GET", "a"],
                            ["EXEC"], ["SCRIPT", "KILL"]):  # fmt: skip
                replies.append(other.call(*command))
            replies.append(runner.read_reply())
            replies.append(other.call("SCRIPT", "KILL"))
            replies.append(runner.call("PING"))
            replies.append(other.call("GET", "b"))
        return replies

    def test_busy_replies_and_script_kill_match_redis(self) -> None:
        redis = start_redis_server(self, *THRESHOLD)
        replkv = start_replkv(self, *THRESHOLD)
        expected = self.kill_scenario(redis.port)
        self.assertEqual(self.kill_scenario(replkv.port), expected)
        self.assertEqual(
            expected[9],
            b"-ERR Script killed by user with SCRIPT KILL... script: "
            + SHA_LOOP
            + b", on @user_script:1.\r\n",
        )
        self.assertEqual(expected[:5], [BUSY] * 4 + [b"-ERR No shutdown in progress.\r\n"])

    def function_kill_scenario(self, port: int) -> list[bytes]:
        """A looping function: SCRIPT KILL is the wrong kill, FUNCTION KILL ends it."""
        library = "#!lua name=spinning\nredis.register_function('spin', function() %s end)"
        self.assertEqual(call(port, "FUNCTION", "LOAD", library % LOOP), b"$8\r\nspinning\r\n")
        replies = []
        with RawClient(port) as runner, RawClient(port) as other:
            runner.send_raw(b"*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n")
            wait_busy(port)
            replies.append(other.call("GET", "a"))
            # The running function, with its duration blanked (it differs by a few ms).
            stats = other.call("FUNCTION", "STATS")
            replies.append(re.sub(rb"duration_ms\r\n:\d+", b"duration_ms\r\n:0", stats))
            replies.append(other.call("SCRIPT", "KILL"))
            replies.append(other.call("FUNCTION", "KILL"))
            replies.append(runner.read_reply())
            replies.append(other.call("FUNCTION", "KILL"))
        return replies

    def test_function_kill_matches_redis(self) -> None:
        redis = start_redis_server(self, *THRESHOLD)
        replkv = start_replkv(self, *THRESHOLD)
        expected = self.function_kill_scenario(redis.port)
        self.assertEqual(self.function_kill_scenario(replkv.port), expected)
        self.assertEqual(expected[3], b"+OK\r\n")
        self.assertIn(b"$4\r\nspin\r\n", expected[1])

    def unkillable_scenario(self, server: ServerProcess) -> list[bytes]:
        """A looping script that wrote: -UNKILLABLE, then SHUTDOWN NOSAVE stops the server."""
        port = server.port
        call(port, "SET", "before", "1")
        with RawClient(port) as runner, RawClient(port) as other:
            runner.send_raw(
                b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%s\r\n$1\r\n0\r\n"
                % (len(WRITE_THEN_LOOP), WRITE_THEN_LOOP.encode())
            )
            wait_busy(port)
            replies = [other.call("SCRIPT", "KILL"), other.call("SHUTDOWN")]
            other.send_raw(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
            replies.append(other.read_until_closed())
            replies.append(runner.read_until_closed())
        self.assertEqual(wait_exit(server), 0)
        return replies

    def test_unkillable_script_and_shutdown_nosave_match_redis(self) -> None:
        redis = start_redis_server(self, *THRESHOLD)
        replkv = start_replkv(self, *THRESHOLD, "--appendonly", "yes")
        expected = self.unkillable_scenario(redis)
        self.assertEqual(self.unkillable_scenario(replkv), expected)
        self.assertTrue(expected[0].startswith(b"-UNKILLABLE Sorry the script already"))
        self.assertEqual(expected[1:], [BUSY, b"", b""])
        # The log on disk holds what came before the script and nothing of it.
        data = replkv.workdir / "data"
        again = start_replkv(self, "--appendonly", "yes", "--dir", str(data))
        self.assertEqual(call(again.port, "GET", "before"), b"$1\r\n1\r\n")
        self.assertEqual(call(again.port, "EXISTS", "a"), b":0\r\n")

    def test_replica_converges_after_a_killed_script_and_never_sees_half_a_script(
        self,
    ) -> None:
        master = start_replkv(self, *THRESHOLD, "--enable-debug-command", "yes")
        m = master.port
        call(m, "SET", "before", "1")
        replica = start_replkv(
            self, *THRESHOLD, "--enable-debug-command", "yes", "--replicaof", f"127.0.0.1:{m}"
        )
        wait_for(lambda: in_sync(master, replica), "the full sync", master, replica)
        # A busy replica leaves its master's stream waiting, then applies it.
        r = replica.port
        with RawClient(r) as runner:
            runner.send_raw(b"*3\r\n$4\r\nEVAL\r\n$17\r\n" + LOOP.encode() + b"\r\n$1\r\n0\r\n")
            wait_busy(r)
            call(m, "SET", "during", "1")
            self.assertEqual(call(r, "SCRIPT", "KILL"), b"+OK\r\n")
            self.assertTrue(runner.read_reply().startswith(b"-ERR Script killed by user"))
        wait_for(lambda: in_sync(master, replica), "the stream", master, replica)
        with RawClient(m) as runner:
            runner.send_raw(b"*3\r\n$4\r\nEVAL\r\n$17\r\n" + LOOP.encode() + b"\r\n$1\r\n0\r\n")
            wait_busy(m)
            self.assertEqual(call(replica.port, "GET", "before"), b"$1\r\n1\r\n")
            self.assertEqual(call(m, "SCRIPT", "KILL"), b"+OK\r\n")
            self.assertTrue(runner.read_reply().startswith(b"-ERR Script killed by user"))
            self.assertEqual(runner.call("EVAL", "return redis.call('incr', 'n')", "0"), b":1\r\n")
        call(m, "SET", "after", "1")
        wait_for(lambda: in_sync(master, replica), "the stream", master, replica)
        self.assertEqual(call(replica.port, "GET", "n"), b"$1\r\n1\r\n")
        # A script that wrote and is abandoned by SHUTDOWN NOSAVE reaches no replica.
        with RawClient(m) as runner:
            runner.send_raw(
                b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%s\r\n$1\r\n0\r\n"
                % (len(WRITE_THEN_LOOP), WRITE_THEN_LOOP.encode())
            )
            wait_busy(m)
            self.assertTrue(call(m, "SCRIPT", "KILL").startswith(b"-UNKILLABLE"))
            with RawClient(m) as other:
                other.send_raw(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
                self.assertEqual(other.read_until_closed(), b"")
        self.assertEqual(wait_exit(master), 0)
        self.assertEqual(call(replica.port, "EXISTS", "a"), b":0\r\n")
        self.assertEqual(call(replica.port, "GET", "after"), b"$1\r\n1\r\n")
        self.assertEqual(call(replica.port, "GET", "during"), b"$1\r\n1\r\n")
