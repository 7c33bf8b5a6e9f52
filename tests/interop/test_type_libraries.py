"""Libraries built on Redis's data types, used as their users use them, against replkv.

kombu's SimpleQueue (lists, a blocking BRPOP, the unacked hash and sorted set),
arq (sorted-set queues, WATCH/MULTI, results with expiry) and walrus's Hash, Set and
(non-Lua) RateLimit. Each scenario also runs against a real redis-server: the same
test passing there shows the test asks for what Redis does.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import launch_redis_server, launch_replkv
from tests.support.shared_server import SharedServerScenarios

# Every wait below is bounded by one of these.
WAIT = 5.0
ARQ_TIMEOUT = 10.0


class LibraryScenarios(SharedServerScenarios):
    """The scenarios; a subclass names the server (`launch`) they run against."""

    # Provided by the TestCase this is mixed into.
    assertEqual: Callable[..., None]  # noqa: N815
    assertTrue: Callable[..., None]  # noqa: N815
    assertFalse: Callable[..., None]  # noqa: N815
    assertIn: Callable[..., None]  # noqa: N815
    assertNotIn: Callable[..., None]  # noqa: N815
    assertIsNone: Callable[..., None]  # noqa: N815
    assertRaises: Callable[..., Any]  # noqa: N815
    fail: Callable[[str], None]

    def wait_for_blocked_clients(self, count: int) -> None:
        """Until INFO counts `count` blocked clients, at most WAIT seconds."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.redis.info("clients")["blocked_clients"] >= count:
                return
            time.sleep(0.01)  # poll interval; the deadline bounds the wait
        self.fail(f"no {count} blocked client(s) within {WAIT}s")

    # kombu ---------------------------------------------------------------------------

    def kombu_connection(self) -> Any:
        from kombu import Connection

        connection = Connection(self.url, transport_options={"polling_interval": 0.1})
        self.addCleanup(connection.release)
        return connection

    def test_kombu_simple_queue_put_get_ack(self) -> None:
        from kombu.simple import SimpleQueue

        queue = SimpleQueue(self.kombu_connection(), "tasks")
        self.addCleanup(queue.close)
        first = {"task": "resize", "args": [1, 2.5, None], "text": "héllo\r\n"}
        queue.put(first)
        queue.put("second", serializer="json")
        self.assertEqual(queue.qsize(), 2)
        message = queue.get(block=True, timeout=WAIT)
        self.assertEqual(message.payload, first)
        # Taken but not acked: kept in the unacked hash and its index.
        self.assertEqual(self.redis.hlen("unacked"), 1)
        self.assertEqual(self.redis.zcard("unacked_index"), 1)
        message.ack()
        self.assertEqual(self.redis.exists("unacked", "unacked_index"), 0)
        second = queue.get(block=True, timeout=WAIT)
        self.assertEqual(second.payload, "second")
        second.ack()
        self.assertEqual(self.redis.exists("tasks", "unacked", "unacked_index"), 0)

    def test_kombu_get_from_empty_queue_times_out(self) -> None:
        # After an empty poll round kombu restores unacked messages under a redis-py
        # Lock, whose release is a Lua script (EVALSHA).
        from kombu.simple import SimpleQueue

        queue = SimpleQueue(self.kombu_connection(), "idle")
        self.addCleanup(queue.close)
        started = time.monotonic()
        with self.assertRaises(queue.Empty):
            queue.get(block=True, timeout=0.3)
        self.assertTrue(time.monotonic() - started < WAIT)

    def test_kombu_requeued_message_is_delivered_again(self) -> None:
        from kombu.simple import SimpleQueue

        queue = SimpleQueue(self.kombu_connection(), "jobs")
        self.addCleanup(queue.close)
        queue.put({"n": 1})
        message = queue.get(block=True, timeout=WAIT)
        message.requeue()
        again = queue.get(block=True, timeout=WAIT)
        self.assertEqual(again.payload, {"n": 1})
        again.ack()
        self.assertEqual(self.redis.exists("jobs", "unacked", "unacked_index"), 0)

    def test_kombu_unacked_message_is_restored_on_close(self) -> None:
        from kombu.simple import SimpleQueue

        connection = self.kombu_connection()
        queue = SimpleQueue(connection, "jobs")
        queue.put({"n": 2})
        message = queue.get(block=True, timeout=WAIT)
        self.assertEqual(message.payload, {"n": 2})
        queue.close()
        connection.release()  # the channel puts back what it had not acked
        self.assertEqual(self.redis.llen("jobs"), 1)
        queue = SimpleQueue(self.kombu_connection(), "jobs")
        self.addCleanup(queue.close)
        again = queue.get(block=True, timeout=WAIT)
        self.assertEqual(again.payload, {"n": 2})
        again.ack()

    def test_kombu_blocked_consumer_wakes_on_put(self) -> None:
        from kombu.simple import SimpleQueue

        consumer = SimpleQueue(self.kombu_connection(), "wakeup")
        self.addCleanup(consumer.close)
        received: list[Any] = []

        def consume() -> None:
            message = consumer.get(block=True, timeout=WAIT)
            received.append(message.payload)
            message.ack()

        thread = threading.Thread(target=consume, daemon=True)
        thread.start()
        self.wait_for_blocked_clients(1)  # the consumer sits in BRPOP
        producer = SimpleQueue(self.kombu_connection(), "wakeup")
        self.addCleanup(producer.close)
        producer.put({"wake": "up"})
        thread.join(WAIT)
        self.assertFalse(thread.is_alive())
        self.assertEqual(received, [{"wake": "up"}])

    # arq -----------------------------------------------------------------------------

    def run_arq(self, scenario: Callable[[Any], Any]) -> Any:
        """Run `scenario(redis_settings)` in a fresh event loop, bounded by ARQ_TIMEOUT."""
        from arq.connections import RedisSettings

        settings = RedisSettings(host="127.0.0.1", port=self.server.port, conn_timeout=2)

        async def bounded() -> Any:
            return await asyncio.wait_for(scenario(settings), ARQ_TIMEOUT)

        return asyncio.run(bounded())

    async def arq_burst(self, settings: Any, functions: list[Any]) -> Any:
        """Run a burst worker over the queue until it is empty; the worker, for counts."""
        from arq.worker import Worker, func

        worker = Worker(
            # Named by their plain names: these are defined inside test methods.
            functions=[func(f, name=f.__name__) for f in functions],
            burst=True,
            redis_settings=settings,
            poll_delay=0.05,
            handle_signals=False,
        )
        try:
            await worker.main()
        finally:
            await worker.close()
        return worker

    def test_arq_job_result(self) -> None:
        from arq import create_pool
        from arq.jobs import JobStatus

        async def add(ctx: dict[str, Any], a: int, b: int) -> int:
            return a + b

        async def scenario(settings: Any) -> None:
            pool = await create_pool(settings)
            try:
                job = await pool.enqueue_job("add", 2, 3, _job_id="sum-1")
                assert job is not None
                self.assertEqual(await job.status(), JobStatus.queued)
                # The same job id is not enqueued twice (WATCH / MULTI on the job key).
                self.assertIsNone(await pool.enqueue_job("add", 1, 1, _job_id="sum-1"))
                later = await pool.enqueue_job("add", 10, 20, _defer_by=0.2)
                assert later is not None
                self.assertEqual(len(await pool.queued_jobs()), 2)
                worker = await self.arq_burst(settings, [add])
                self.assertEqual((worker.jobs_complete, worker.jobs_failed), (2, 0))
                self.assertEqual(await job.result(timeout=WAIT), 5)
                self.assertEqual(await later.result(timeout=WAIT), 30)
                self.assertEqual(await job.status(), JobStatus.complete)
                info = await job.result_info()
                assert info is not None
                self.assertTrue(info.success)
                self.assertEqual((info.function, info.args), ("add", (2, 3)))
                self.assertEqual(await pool.queued_jobs(), [])
            finally:
                await pool.aclose()

        self.run_arq(scenario)

    def test_arq_failure_and_retry(self) -> None:
        from arq import Retry, create_pool

        async def flaky(ctx: dict[str, Any]) -> str:
            if ctx["job_try"] < 2:
                raise Retry(defer=0.05)
            return f"done on try {ctx['job_try']}"

        async def broken(ctx: dict[str, Any]) -> None:
            raise ValueError("boom")

        async def scenario(settings: Any) -> None:
            pool = await create_pool(settings)
            try:
                retried = await pool.enqueue_job("flaky")
                failing = await pool.enqueue_job("broken")
                assert retried is not None and failing is not None
                worker = await self.arq_burst(settings, [flaky, broken])
                self.assertEqual((worker.jobs_complete, worker.jobs_failed), (1, 1))
                self.assertEqual(worker.jobs_retried, 1)
                self.assertEqual(await retried.result(timeout=WAIT), "done on try 2")
                with self.assertRaises(ValueError):
                    await failing.result(timeout=WAIT)
            finally:
                await pool.aclose()

        self.run_arq(scenario)

    # walrus --------------------------------------------------------------------------

    def walrus(self) -> Any:
        from walrus import Database

        database = Database(port=self.server.port, socket_timeout=WAIT)
        self.addCleanup(database.close)
        return database

    def test_walrus_hash(self) -> None:
        db = self.walrus()
        h = db.Hash("user:1")
        h.update(name="Charlie", species="cat")
        h["age"] = 3
        self.assertEqual(h["name"], b"Charlie")
        self.assertIsNone(h["missing"])
        self.assertEqual(h.get("missing", b"default"), b"default")
        self.assertEqual(len(h), 3)
        self.assertIn("species", h)
        self.assertEqual(
            sorted(h.items()), [(b"age", b"3"), (b"name", b"Charlie"), (b"species", b"cat")]
        )
        self.assertEqual(sorted(h.keys()), [b"age", b"name", b"species"])
        self.assertEqual(sorted(h.values()), [b"3", b"Charlie", b"cat"])
        self.assertEqual(h.incr("age"), 4)
        self.assertEqual(h.incr_float("weight", 4.5), 4.5)
        self.assertFalse(h.setnx("name", "Other"))
        self.assertTrue(h.setnx("colour", "grey"))
        h.update({"name": "Huey"})
        del h["species"]
        self.assertNotIn("species", h)
        self.assertEqual(
            h.as_dict(decode=True),
            {"name": "Huey", "age": "4", "weight": "4.5", "colour": "grey"},
        )
        self.assertEqual(sorted(k for k, _ in h.search("*e*")), [b"age", b"name", b"weight"])
        self.assertEqual(sorted(dict(h)), [b"age", b"colour", b"name", b"weight"])

    def test_walrus_set(self) -> None:
        db = self.walrus()
        s1 = db.Set("s1")
        s2 = db.Set("s2")
        self.assertEqual(s1.add("a", "b", "c", "a"), 3)
        s2.add("b", "c", "d")
        self.assertEqual(s1.members(), {b"a", b"b", b"c"})
        self.assertEqual(len(s1), 3)
        self.assertIn("a", s1)
        self.assertNotIn("d", s1)
        self.assertEqual(s1 & s2, {b"b", b"c"})
        self.assertEqual(s1 | s2, {b"a", b"b", b"c", b"d"})
        self.assertEqual(s1 - s2, {b"a"})
        inter = s1.interstore("s3", s2)
        self.assertEqual(inter.members(), {b"b", b"c"})
        self.assertEqual(s1.unionstore("s4", s2).members(), {b"a", b"b", b"c", b"d"})
        self.assertEqual(s1.diffstore("s5", s2).members(), {b"a"})
        self.assertEqual(sorted(s1), [b"a", b"b", b"c"])
        self.assertEqual(sorted(s2.search("[cd]")), [b"c", b"d"])
        self.assertEqual(s1.remove("a", "zz"), 1)
        popped = s1.pop()
        self.assertIn(popped, {b"b", b"c"})
        self.assertEqual(len(s1), 1)
        s1.remove(*s1.members())
        self.assertEqual(self.redis.exists("s1"), 0)  # an emptied set is deleted

    def test_walrus_rate_limit(self) -> None:
        from walrus import RateLimit

        db = self.walrus()
        limiter = RateLimit(db, "api", limit=3, per=60)
        self.assertEqual([limiter.limit("alice") for _ in range(5)], [False] * 3 + [True] * 2)
        self.assertFalse(limiter.limit("bob"))  # each key has its own window
        # The history list is kept at the limit's length.
        self.assertEqual(self.redis.llen("api:alice"), 3)
        self.assertEqual(self.redis.llen("api:bob"), 1)

        calls: list[int] = []

        @limiter.rate_limited(key_function=lambda n: "decorated")
        def work(n: int) -> int:
            calls.append(n)
            return n

        from walrus import RateLimitException

        self.assertEqual([work(i) for i in range(3)], [0, 1, 2])
        with self.assertRaises(RateLimitException):
            work(3)
        self.assertEqual(calls, [0, 1, 2])


class TypeLibrariesReplkvTests(LibraryScenarios, SynchronousTestCase):
    launch = staticmethod(launch_replkv)


class TypeLibrariesRedisServerTests(LibraryScenarios, SynchronousTestCase):
    """The same scenarios against redis-server: a check of the tests themselves."""

    launch = staticmethod(launch_redis_server)
