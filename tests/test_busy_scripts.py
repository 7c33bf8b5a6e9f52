"""Scripts past busy-reply-threshold, in process: a fake clock and a fake event loop.

The watchdog's clock advances 40 ms each time it is read, and "processing events"
runs what the test scheduled as other clients' commands, so every step is
deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.client import Client
from replkv.log.eventlog import InMemoryLog
from replkv.scripting.busy import Watchdog
from tests.support.harness import Harness

BUSY = (
    b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
)
KILLED = b"-ERR Script killed by user with SCRIPT KILL... script: "
UNKILLABLE = (
    b"-UNKILLABLE Sorry the script already executed write commands against the dataset. "
    b"You can either wait the script termination or kill the server in a hard way using "
    b"the SHUTDOWN NOSAVE command.\r\n"
)
NOTBUSY = b"-NOTBUSY No scripts in execution right now.\r\n"


class FakeTransport:
    def __init__(self) -> None:
        self.paused = 0
        self.resumed = 0

    def pauseProducing(self) -> None:
        self.paused += 1

    def resumeProducing(self) -> None:
        self.resumed += 1


class BusyTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = Harness(busy_reply_threshold=100)
        server = self.h.server
        self.now = 0.0
        self.polls = 0
        self.steps: list[Callable[[], None]] = []  # one per poll, then the last repeats
        server.script_watchdog = Watchdog(server, self.clock_ms, self.poll)
        self.other = Client(server, server.clients.next_id())
        server.clients.add(self.other)
        self.replies: list[bytes | None] = []
        self.shutdowns = 0
        server.shutdown_hook = self.shutdown

    def clock_ms(self) -> float:
        self.now += 40.0
        return self.now

    def poll(self) -> None:
        self.polls += 1
        if self.steps:
            step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
            step()

    def shutdown(self) -> None:
        self.shutdowns += 1

    def other_runs(self, *argv: str) -> Callable[[], None]:
        def step() -> None:
            self.replies.append(self.h.server.execute(self.other, [a.encode() for a in argv]))

        return step

    def nothing(self) -> None:
        pass

    def test_a_script_under_the_threshold_never_serves_the_network(self) -> None:
        self.h.server.config.busy_reply_threshold = 1_000_000
        self.assertEqual(self.h("eval", "for i = 1, 2000000 do end return 1", 0), b":1\r\n")
        self.assertEqual(self.polls, 0)
        self.assertGreater(self.now, 0)  # the hook did read the clock

    def test_threshold_zero_sets_no_hook(self) -> None:
        self.h.server.config.busy_reply_threshold = 0
        self.assertEqual(self.h("eval", "for i = 1, 2000000 do end return 1", 0), b":1\r\n")
        self.assertEqual((self.polls, self.now), (0, 40.0))  # read once at the start

    def test_other_clients_get_busy_then_script_kill_ends_the_script(self) -> None:
        self.steps = [
            self.other_runs("get", "a"),
            self.other_runs("script", "load", "return 1"),
            self.other_runs("shutdown"),
            self.other_runs("ping"),
            self.other_runs("script", "kill"),
            self.nothing,
        ]
        reply = self.h("eval", "while true do end", 0)
        assert reply is not None
        self.assertTrue(reply.startswith(KILLED), reply)
        self.assertTrue(reply.endswith(b", on @user_script:1.\r\n"), reply)
        self.assertEqual(self.replies, [BUSY, BUSY, BUSY, BUSY, b"+OK\r\n"])
        self.assertEqual(self.shutdowns, 0)
        # The busy state is over: everyone is served again.
        self.assertIsNone(self.h.server.busy_reply)
        self.assertEqual(self.h.server.execute(self.other, [b"ping"]), b"+PONG\r\n")
        self.assertEqual(self.h("script", "kill"), NOTBUSY)
        get = self.h.server.commands.by_name[b"get"]
        self.assertEqual(get.rejected_calls, 1)

    def test_allow_busy_commands_run_and_a_transaction_is_doomed(self) -> None:
        self.steps = [
            self.other_runs("multi"),
            self.other_runs("set", "a", "1"),
            self.other_runs("exec"),
            self.other_runs("hello", "2"),
            self.other_runs("script", "kill"),
            self.nothing,
        ]
        self.h("eval", "while true do end", 0)
        self.assertEqual(self.replies[:2], [b"+OK\r\n", BUSY])
        self.assertEqual(
            self.replies[2],
            b"-EXECABORT Transaction discarded because of: " + BUSY[1:],
        )
        assert self.replies[3] is not None
        self.assertTrue(self.replies[3].startswith(b"*14\r\n"))  # HELLO's map
        self.assertEqual(self.h.events(), [])

    def test_pcall_cannot_keep_a_killed_script_alive(self) -> None:
        self.steps = [self.other_runs("script", "kill"), self.nothing]
        script = "while true do pcall(function() while true do end end) end"
        reply = self.h("eval", script, 0)
        assert reply is not None
        self.assertTrue(reply.startswith(KILLED), reply)

    def test_a_script_that_wrote_is_unkillable_and_its_unit_is_logged_whole(self) -> None:
        self.steps = [self.other_runs("script", "kill"), self.nothing]
        script = (
            "redis.call('set', 'a', 1) for i = 1, 3000000 do end "
            "redis.call('incr', 'a') return redis.call('get', 'a')"
        )
        self.assertEqual(self.h("eval", script, 0), b"$1\r\n2\r\n")
        self.assertEqual(self.replies, [UNKILLABLE])
        self.assertGreater(self.polls, 1)
        self.assertEqual(
            self.h.writes(), [[b"MULTI"], [b"set", b"a", b"1"], [b"incr", b"a"], [b"EXEC"]]
        )

    def test_shutdown_nosave_abandons_the_script_and_logs_none_of_it(self) -> None:
        self.h("set", "before", "1")
        old_log = self.h.server.log
        end = old_log.end_offset
        self.steps = [
            self.other_runs("shutdown", "abort"),
            self.other_runs("shutdown", "nosave"),
            self.nothing,
        ]
        reply = self.h("eval", "redis.call('set', 'a', 1) while true do end", 0)
        self.assertIsNone(reply)  # no reply: the server is going away
        self.assertTrue(self.h.client.closing)
        self.assertEqual(self.replies, [b"-ERR No shutdown in progress.\r\n", None])
        self.assertEqual(self.shutdowns, 1)
        self.assertEqual(old_log.end_offset, end)  # nothing of the script was appended
        # Nothing more is logged either: later writes go to a throwaway log.
        self.h("set", "after", "1")
        self.assertEqual(old_log.end_offset, end)
        self.assertIsNot(self.h.server.log, old_log)
        self.assertIsInstance(self.h.server.log, InMemoryLog)
        self.assertIsNone(self.h.server.busy_reply)

    def test_the_callers_connection_is_not_read_and_the_log_is_written_when_busy(self) -> None:
        transport = FakeTransport()
        self.h.client.transport = transport  # type: ignore[attr-defined]
        seen: list[int] = []
        self.steps = [
            lambda: seen.append(transport.paused),
            self.other_runs("script", "kill"),
            self.nothing,
        ]
        flushes: list[int] = []
        self.h.server.log.flush = lambda: flushes.append(1)  # type: ignore[method-assign]
        self.h("eval", "while true do end", 0)
        self.assertEqual(seen, [1])
        self.assertEqual(flushes, [1])  # held replies are not kept for the script
        self.assertEqual((transport.paused, transport.resumed), (1, 1))

    def test_events_are_processed_only_through_the_reactor_io(self) -> None:
        # The default poll runs the reactor's doIteration(0) and nothing else: a
        # task.Clock has none, so its timers never run mid-script.
        clock = Clock()
        fired: list[int] = []
        clock.callLater(0, fired.append, 1)
        watchdog = Watchdog(self.h.server, self.clock_ms)
        watchdog.server.clock = clock  # type: ignore[assignment]
        watchdog.process_events()
        self.assertEqual(fired, [])

    def test_the_slow_script_is_logged_once(self) -> None:
        self.steps = [self.other_runs("script", "kill"), self.nothing]
        from twisted.logger import globalLogPublisher

        events: list[dict[str, object]] = []
        globalLogPublisher.addObserver(events.append)
        self.addCleanup(globalLogPublisher.removeObserver, events.append)
        self.h("eval", "while true do end", 0)
        slow = [e for e in events if "Slow script detected" in str(e.get("log_format", ""))]
        self.assertEqual(len(slow), 1)
        self.assertEqual(slow[0]["kill"], "SCRIPT KILL")
