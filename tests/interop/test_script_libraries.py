"""Libraries whose Redis support rests on Lua scripts, used as their users use them.

limits (moving window, fixed window and sliding-window counter rate limits),
python-redis-lock (acquire, extend, release, auto-renewal, a waiter woken by the
release script's LPUSH), django-redis (cache.incr's script from several threads,
cache.lock), dramatiq (RedisBroker's dispatch script under a Worker), huey (RedisHuey's
queue, results and its schedule-pop script) and aiocache (RedLock's release script,
OptimisticLock's check-and-set script). Each scenario also runs against a real
redis-server: the same test passing there shows the test asks for what Redis does.
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
from collections.abc import Callable
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import launch_redis_server, launch_replkv
from tests.support.shared_server import SharedServerScenarios

# Every wait below is bounded by this.
WAIT = 5.0


def configure_django() -> None:
    """Django's settings, once per process: django-redis's cache reads a few of them."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_TZ=True)


class ScriptLibraryScenarios(SharedServerScenarios):
    """The scenarios; a subclass names the server (`launch`) they run against."""

    # Provided by the TestCase this is mixed into.
    assertEqual: Callable[..., None]  # noqa: N815
    assertTrue: Callable[..., None]  # noqa: N815
    assertFalse: Callable[..., None]  # noqa: N815
    assertIn: Callable[..., None]  # noqa: N815
    assertIsNone: Callable[..., None]  # noqa: N815
    assertRaises: Callable[..., Any]  # noqa: N815
    fail: Callable[[str], None]

    def reset(self) -> None:
        """No data, no cached scripts, no stats (assert_scripts_ran reads them)."""
        self.redis.flushall()
        self.redis.script_flush()
        self.redis.config_resetstat()

    def assert_scripts_ran(self) -> None:
        """The library's work went through EVAL/EVALSHA."""
        stats = self.redis.info("commandstats")
        calls = {name: stats.get(f"cmdstat_{name}", {}) for name in ("eval", "evalsha")}
        self.assertTrue(sum(int(c.get("calls", 0)) for c in calls.values()) > 0)

    def run_async(self, scenario: Callable[[], Any]) -> Any:
        """Run the coroutine `scenario()` in a fresh event loop, bounded by WAIT."""

        async def bounded() -> Any:
            return await asyncio.wait_for(scenario(), WAIT)

        return asyncio.run(bounded())

    # limits --------------------------------------------------------------------------

    def limits_storage(self) -> Any:
        from limits.storage import RedisStorage

        storage = RedisStorage(self.url)
        self.assertTrue(storage.check())
        return storage

    def check_limiter(self, strategy: type[Any]) -> None:
        from limits import parse

        limiter = strategy(self.limits_storage())
        item = parse("3/minute")
        self.assertTrue(limiter.test(item, "user", "1"))
        for _ in range(3):
            self.assertTrue(limiter.hit(item, "user", "1"))
        self.assertFalse(limiter.hit(item, "user", "1"))
        self.assertFalse(limiter.test(item, "user", "1"))
        stats = limiter.get_window_stats(item, "user", "1")
        self.assertEqual(stats.remaining, 0)
        self.assertTrue(time.time() - 1 < stats.reset_time <= time.time() + 61)
        # Another identity has its own window; a cost spends several hits at once.
        self.assertTrue(limiter.hit(item, "user", "2", cost=2))
        self.assertEqual(limiter.get_window_stats(item, "user", "2").remaining, 1)
        self.assertTrue(limiter.hit(item, "user", "2"))
        self.assertFalse(limiter.test(item, "user", "2"))
        limiter.clear(item, "user", "1")
        self.assertEqual(limiter.get_window_stats(item, "user", "1").remaining, 3)
        self.assertTrue(limiter.hit(item, "user", "1"))

    def test_limits_moving_window(self) -> None:
        from limits.strategies import MovingWindowRateLimiter

        self.check_limiter(MovingWindowRateLimiter)
        self.assert_scripts_ran()

    def test_limits_fixed_window(self) -> None:
        from limits.strategies import FixedWindowRateLimiter

        self.check_limiter(FixedWindowRateLimiter)
        self.assert_scripts_ran()

    def test_limits_sliding_window_counter(self) -> None:
        from limits.strategies import SlidingWindowCounterRateLimiter

        self.check_limiter(SlidingWindowCounterRateLimiter)
        self.assert_scripts_ran()

    # python-redis-lock ---------------------------------------------------------------

    def test_redis_lock_acquire_extend_release(self) -> None:
        import redis_lock

        lock = redis_lock.Lock(self.redis, "resource", expire=10)
        self.assertTrue(lock.acquire(blocking=False))
        self.assertTrue(lock.locked())
        self.assertEqual(self.redis.get("lock:resource"), lock.id.encode())
        other = redis_lock.Lock(self.client(), "resource", expire=10)
        self.assertFalse(other.acquire(blocking=False))
        lock.extend(expire=30)  # the extend script
        self.assertTrue(20 < self.redis.ttl("lock:resource") <= 30)
        with self.assertRaises(redis_lock.NotAcquired):
            other.extend(expire=30)  # not its owner
        with self.assertRaises(redis_lock.NotAcquired):
            other.release()  # the unlock script sees another id
        lock.release()
        self.assertFalse(lock.locked())
        # The unlock script leaves a signal for waiters, expiring by itself.
        self.assertEqual(self.redis.lrange("lock-signal:resource", 0, -1), [b"1"])
        self.assertTrue(0 < self.redis.pttl("lock-signal:resource") <= 1000)
        with self.assertRaises(redis_lock.NotAcquired):
            lock.release()
        self.assertTrue(other.acquire(blocking=False))
        self.assertEqual(redis_lock.reset_all(self.redis), None)
        self.assertFalse(other.locked())
        self.assert_scripts_ran()

    def test_redis_lock_waiter_wakes_on_release(self) -> None:
        import redis_lock

        holder = redis_lock.Lock(self.redis, "shared", expire=30)
        self.assertTrue(holder.acquire(blocking=False))
        waiter = redis_lock.Lock(self.client(), "shared", expire=30)
        acquired: list[tuple[bool, float]] = []

        def wait() -> None:
            started = time.monotonic()
            acquired.append((waiter.acquire(timeout=WAIT), time.monotonic() - started))

        thread = threading.Thread(target=wait, daemon=True)
        thread.start()
        # The waiter sits in BLPOP on the signal list until the release script pushes.
        deadline = time.monotonic() + WAIT
        while self.redis.info("clients")["blocked_clients"] < 1:
            if time.monotonic() > deadline:
                self.fail("the waiter never blocked")
            time.sleep(0.01)  # poll interval; the deadline bounds the wait
        holder.release()
        thread.join(WAIT)
        self.assertFalse(thread.is_alive())
        self.assertEqual(len(acquired), 1)
        ok, waited = acquired[0]
        self.assertTrue(ok)
        self.assertTrue(waited < WAIT / 2)  # woken by the push, not by its timeout
        self.assertEqual(self.redis.get("lock:shared"), waiter.id.encode())
        waiter.release()
        self.assert_scripts_ran()

    def test_redis_lock_auto_renewal(self) -> None:
        import redis_lock

        lock = redis_lock.Lock(self.redis, "renewed", expire=1, auto_renewal=True)
        self.assertTrue(lock.acquire(blocking=False))
        self.addCleanup(lock.release)
        # The renewal thread extends the lock every 2/3 s: its TTL goes back up to 1 s.
        first = self.redis.pttl("lock:renewed")
        deadline = time.monotonic() + WAIT
        lowest = first
        while True:
            pttl = self.redis.pttl("lock:renewed")
            self.assertTrue(pttl > 0)
            if pttl < lowest:
                lowest = pttl
            elif pttl > lowest + 200:
                break  # renewed
            if time.monotonic() > deadline:
                self.fail("the lock was not renewed")
            time.sleep(0.02)  # poll interval; the deadline bounds the wait
        self.assertTrue(lock.locked())
        self.assert_scripts_ran()

    # django-redis --------------------------------------------------------------------

    def django_cache(self) -> Any:
        configure_django()
        from django_redis.cache import RedisCache

        cache = RedisCache(self.url, {"OPTIONS": {"socket_timeout": WAIT}})
        self.addCleanup(cache.close)
        return cache

    def test_django_redis_incr_from_threads(self) -> None:
        cache = self.django_cache()
        cache.set("hits", 0)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(300):
                    cache.incr("hits")
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=work, daemon=True) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT * 2)
        self.assertEqual(errors, [])
        self.assertEqual(cache.get("hits"), 900)
        self.assertEqual(cache.incr("hits", 100), 1000)
        self.assertEqual(cache.decr("hits", 1), 999)
        with self.assertRaises(ValueError):
            cache.incr("missing")  # the script returns false for a missing key
        self.assertIsNone(cache.get("missing"))
        self.assert_scripts_ran()

    def test_django_redis_lock(self) -> None:
        from redis.exceptions import LockNotOwnedError

        cache = self.django_cache()
        lock = cache.lock("job", timeout=5)
        self.assertTrue(lock.acquire(blocking=False))
        self.assertFalse(cache.lock("job", timeout=5).acquire(blocking=False))
        self.assertTrue(lock.extend(5))
        lock.release()
        with cache.lock("job", timeout=5, blocking_timeout=1):
            self.assertTrue(cache.lock("job").locked())
        self.assertFalse(cache.lock("job").locked())
        stolen = cache.lock("job", timeout=5)
        self.assertTrue(stolen.acquire(blocking=False))
        cache.delete("job")
        cache.set("job", "someone else")
        with self.assertRaises(LockNotOwnedError):
            stolen.release()
        self.assert_scripts_ran()

    # dramatiq ------------------------------------------------------------------------

    def test_dramatiq_worker_processes_message(self) -> None:
        import dramatiq
        from dramatiq.brokers.redis import RedisBroker
        from dramatiq.middleware import AgeLimit, Callbacks, Retries, TimeLimit

        broker = RedisBroker(
            url=self.url, middleware=[AgeLimit(), TimeLimit(), Callbacks(), Retries()]
        )
        self.addCleanup(broker.close)
        done = threading.Event()
        results: list[int] = []

        def add(a: int, b: int) -> None:
            results.append(a + b)
            if len(results) == 2:
                done.set()

        actor = dramatiq.actor(add, broker=broker, queue_name="sums", max_retries=0)
        actor.send(2, 3)
        actor.send_with_options(args=(4, 5))
        self.assertEqual(broker.client.hlen("dramatiq:sums.msgs"), 2)
        worker = dramatiq.Worker(broker, worker_timeout=100, worker_threads=1)
        worker.start()
        try:
            self.assertTrue(done.wait(WAIT))
            broker.join("sums", timeout=int(WAIT * 1000))
        finally:
            worker.stop(timeout=int(WAIT * 1000))
        self.assertEqual(sorted(results), [5, 9])
        # Acked: nothing left queued, in flight or in the message hash.
        self.assertEqual(broker.client.hlen("dramatiq:sums.msgs"), 0)
        self.assertEqual(broker.client.llen("dramatiq:sums"), 0)
        self.assert_scripts_ran()

    # huey ----------------------------------------------------------------------------

    def test_huey_task_result_and_schedule(self) -> None:
        from huey import RedisHuey

        huey = RedisHuey("jobs", url=self.url, blocking=False)

        @huey.task()
        def multiply(a: int, b: int) -> int:
            return a * b

        result = multiply(6, 7)
        self.assertEqual(huey.pending_count(), 1)
        task = huey.dequeue()
        self.assertEqual(huey.execute(task), 42)
        self.assertEqual(result.get(blocking=True, timeout=WAIT), 42)
        # A task for later sits in the schedule; the schedule-pop script takes due ones.
        later = multiply.schedule((3, 5), delay=60)
        task = huey.dequeue()
        self.assertFalse(huey.ready_to_run(task))
        huey.add_schedule(task)
        self.assertEqual(huey.scheduled_count(), 1)
        self.assertEqual(huey.read_schedule(task.eta - datetime.timedelta(seconds=1)), [])
        due_at = task.eta + datetime.timedelta(seconds=1)
        due = huey.read_schedule(due_at)
        self.assertEqual([t.id for t in due], [task.id])
        self.assertEqual(huey.scheduled_count(), 0)
        self.assertEqual(huey.execute(due[0], due_at), 15)
        self.assertEqual(later.get(blocking=True, timeout=WAIT), 15)
        self.assert_scripts_ran()

    # aiocache ------------------------------------------------------------------------

    def test_aiocache_redlock_and_optimistic_lock(self) -> None:
        from aiocache import RedisCache
        from aiocache.lock import OptimisticLock, OptimisticLockError, RedLock

        port = self.server.port

        async def scenario() -> None:
            cache = RedisCache(endpoint="127.0.0.1", port=port, namespace="app")
            try:
                async with RedLock(cache, "report", lease=5):
                    self.assertTrue(await cache.exists("report-lock"))
                    # Another holder's lock under the same key is not released by us.
                self.assertFalse(await cache.exists("report-lock"))
                lock = RedLock(cache, "report", lease=5)
                await lock.__aenter__()
                await cache.set("report-lock", "someone else")
                await lock.__aexit__(None, None, None)
                self.assertEqual(await cache.get("report-lock"), "someone else")

                await cache.set("counter", 1)
                async with OptimisticLock(cache, "counter") as optimistic:
                    self.assertTrue(await optimistic.cas(2))
                self.assertEqual(await cache.get("counter"), 2)
                with self.assertRaises(OptimisticLockError):
                    async with OptimisticLock(cache, "counter") as optimistic:
                        await cache.set("counter", 3)  # changed meanwhile
                        await optimistic.cas(4)
                self.assertEqual(await cache.get("counter"), 3)
            finally:
                await cache.close()

        self.run_async(scenario)
        self.assert_scripts_ran()


class ScriptLibrariesReplkvTests(ScriptLibraryScenarios, SynchronousTestCase):
    launch = staticmethod(launch_replkv)


class ScriptLibrariesRedisServerTests(ScriptLibraryScenarios, SynchronousTestCase):
    """The same scenarios against redis-server: the tests' own check."""

    launch = staticmethod(launch_redis_server)
