"""Real clients' Lua scripts against replkv: redis-py's Lock, a django-style INCR.

Each scenario runs against replkv and against redis-server (the tests' own check).
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import LockError, LockNotOwnedError
from twisted.trial.unittest import SynchronousTestCase

from tests.support.processes import launch_redis_server, launch_replkv
from tests.support.shared_server import SharedServerScenarios

# django-redis's incr for a key that must exist (its Lua script, as it sends it).
DJANGO_INCR = """
local exists = redis.call('EXISTS', KEYS[1])
if (exists == 1) then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
else return false end
"""


class ScriptingClientScenarios(SharedServerScenarios):
    assertEqual: Any  # noqa: N815
    assertTrue: Any  # noqa: N815
    assertFalse: Any  # noqa: N815
    assertIsNone: Any  # noqa: N815
    assertRaises: Any  # noqa: N815

    def reset(self) -> None:
        self.redis.flushall()
        self.redis.script_flush()

    def test_lock_with_timeout(self) -> None:
        lock = self.redis.lock("resource", timeout=10)
        self.assertTrue(lock.acquire(blocking=False))
        self.assertFalse(self.redis.lock("resource", timeout=10).acquire(blocking=False))
        self.assertTrue(lock.extend(5))
        self.assertTrue(10_000 < self.redis.pttl("resource") <= 15_000)
        self.assertTrue(lock.extend(3, replace_ttl=True))
        self.assertTrue(self.redis.pttl("resource") <= 3_000)
        self.assertTrue(lock.reacquire())
        lock.release()
        self.assertIsNone(self.redis.get("resource"))
        self.assertTrue(lock.acquire(blocking=False))
        self.redis.set("resource", "someone else")
        with self.assertRaises(LockNotOwnedError):
            lock.release()  # the script finds another token
        self.assertEqual(self.redis.get("resource"), b"someone else")

    def test_lock_without_timeout(self) -> None:
        lock = self.redis.lock("forever")
        self.assertTrue(lock.acquire(blocking=False))
        self.assertEqual(self.redis.pttl("forever"), -1)
        with self.assertRaises(LockError):
            lock.extend(5)  # a lock without timeout cannot be extended
        self.assertTrue(lock.locked())
        lock.release()
        self.assertFalse(lock.locked())

    def test_lock_release_after_script_flush_reloads(self) -> None:
        lock = self.redis.lock("again", timeout=5)
        self.assertTrue(lock.acquire(blocking=False))
        self.redis.script_flush()  # EVALSHA gets NOSCRIPT; redis-py loads and retries
        lock.release()
        self.assertIsNone(self.redis.get("again"))

    def test_django_style_incr(self) -> None:
        incr = self.redis.register_script(DJANGO_INCR)
        self.assertIsNone(incr(keys=["counter"], args=[1]))
        self.redis.set("counter", 5)
        self.assertEqual(incr(keys=["counter"], args=[3]), 8)
        self.assertEqual(incr(keys=["counter"], args=[-10]), -2)
        self.assertEqual(self.redis.get("counter"), b"-2")

    def test_redis_py_functions(self) -> None:
        self.redis.function_flush()
        code = (
            "#!lua name=counters\n"
            "redis.register_function('bump', function(keys, args)\n"
            "  return redis.call('incrby', keys[1], args[1]) end)\n"
            "redis.register_function{function_name='peek', flags={'no-writes'},\n"
            "  callback=function(keys) return redis.call('get', keys[1]) end}"
        )
        self.assertEqual(self.redis.function_load(code), b"counters")
        self.assertEqual(self.redis.fcall("bump", 1, "c", 4), 4)
        self.assertEqual(self.redis.fcall_ro("peek", 1, "c"), b"4")
        [library] = self.redis.function_list(library="count*", withcode=True)
        fields = dict(zip(library[::2], library[1::2], strict=True))  # RESP2: a flat list
        self.assertEqual(fields[b"library_code"], code.encode())
        payload = self.redis.function_dump()
        self.assertTrue(self.redis.function_delete("counters"))
        self.assertTrue(self.redis.function_restore(payload))
        self.assertEqual(self.redis.fcall("bump", 1, "c", 1), 5)
        self.assertTrue(self.redis.function_flush())
        self.assertEqual(self.redis.function_list(), [])


class ScriptingClientsReplkvTests(ScriptingClientScenarios, SynchronousTestCase):
    launch = staticmethod(launch_replkv)


class ScriptingClientsRedisServerTests(ScriptingClientScenarios, SynchronousTestCase):
    launch = staticmethod(launch_redis_server)
