"""EVAL and SCRIPT in process: effects on the log, replay without Lua, the sandbox."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from replkv.client import Client
from replkv.scripting import engine as engine_module
from replkv.scripting.convert import error_message, lua_number_to_integer
from replkv.scripting.engine import ScriptError, shebang_flags
from tests.support.harness import Harness

WRITES = "redis.call('set', KEYS[1], ARGV[1]) redis.call('incr', KEYS[2]) return 1"


class EffectsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = Harness()

    def test_several_writes_are_one_multi_exec(self) -> None:
        self.assertEqual(self.h("eval", WRITES, 2, "a", "n", "v"), b":1\r\n")
        self.assertEqual(
            self.h.events(),
            [[b"SELECT", b"0"], [b"MULTI"], [b"set", b"a", b"v"], [b"incr", b"n"], [b"EXEC"]],
        )

    def test_one_write_is_a_plain_event(self) -> None:
        self.h("eval", "return redis.call('set', 'a', 1)", 0)
        self.assertEqual(self.h.writes(), [[b"set", b"a", b"1"]])

    def test_no_write_logs_nothing_and_the_cache_is_not_logged(self) -> None:
        self.h("script", "load", "return redis.call('get', 'a')")
        self.h("eval", "return redis.call('get', 'a')", 0)
        self.h("evalsha", "b2dc80c45e350e7bf2b3fc26fb0451ee65259785", 0)
        self.assertEqual(self.h.events(), [])

    def test_failed_script_keeps_its_writes_on_the_log(self) -> None:
        reply = self.h(
            "eval", "redis.call('set', 'a', 1) redis.call('rpush', 'l', 1) error('x')", 0
        )
        assert reply is not None
        self.assertTrue(reply.startswith(b"-ERR user_script:1: x script: "))
        self.assertEqual(
            self.h.writes(), [[b"MULTI"], [b"set", b"a", b"1"], [b"rpush", b"l", b"1"], [b"EXEC"]]
        )

    def test_select_inside_a_script_logs_its_database(self) -> None:
        self.h("eval", "redis.call('select', 2) return redis.call('set', 'x', 1)", 0)
        self.assertEqual(self.h.events(), [[b"SELECT", b"2"], [b"set", b"x", b"1"]])
        self.assertEqual(self.h.client.db.id, 0)

    def test_replay_gives_the_same_data_without_running_lua(self) -> None:
        self.h("eval", WRITES, 2, "a", "n", "v")
        self.h("eval", "redis.call('hset', 'h', 'f', 'v') redis.call('del', 'a') return 0", 0)
        self.h("eval", "return redis.call('expire', 'n', 100)", 0)
        replayed = self.h.replay()
        self.assertEqual(replayed.dataset(), self.h.dataset())
        self.assertEqual(replayed("debug", "digest"), self.h("debug", "digest"))
        self.assertIsNone(replayed.server.scripting)  # no script ran on the replica

    def test_expire_becomes_pexpireat(self) -> None:
        self.h("set", "k", "v")
        self.h("eval", "return redis.call('expire', 'k', 10)", 0)
        self.assertEqual(self.h.writes()[-1][0].lower(), b"pexpireat")

    def test_inside_exec_the_script_joins_the_transaction(self) -> None:
        self.h("multi")
        self.h("eval", "return redis.call('incr', 'c')", 0)
        self.h("incr", "c")
        self.assertEqual(self.h("exec"), b"*2\r\n:1\r\n:2\r\n")
        self.assertEqual(self.h.writes(), [[b"MULTI"], [b"incr", b"c"], [b"incr", b"c"], [b"EXEC"]])

    def test_blocking_command_does_not_block(self) -> None:
        # BLPOP is noscript in Redis 7.0; the client never blocks anyway.
        reply = self.h("eval", "return redis.pcall('blpop', 'l', 0)", 0)
        self.assertEqual(reply, b"-ERR This Redis command is not allowed from script\r\n")
        self.assertTrue(self.h.server.scripting is not None)
        assert self.h.server.scripting is not None
        self.assertTrue(self.h.server.scripting.client.deny_blocking)

    def test_monitor_shows_eval_then_its_commands_from_lua(self) -> None:
        lines: list[bytes] = []
        watcher = Client(self.h.server, self.h.server.clients.next_id())
        watcher.send = lines.append  # type: ignore[method-assign]
        self.h.server.clients.add(watcher)
        self.h.server.execute(watcher, [b"monitor"])
        self.h("eval", "return redis.call('set', 'a', 1)", 0)
        self.assertEqual(len(lines), 2)
        self.assertIn(b'"eval"', lines[0])
        self.assertIn(b'[0 lua] "set" "a" "1"', lines[1])

    def test_commandstats_count_the_scripts_commands(self) -> None:
        self.h("eval", "redis.call('set', 'a', 1) return redis.call('get', 'a')", 0)
        table = self.h.server.commands.by_name
        self.assertEqual(table[b"eval"].calls, 1)
        self.assertEqual(table[b"set"].calls, 1)
        self.assertEqual(table[b"get"].calls, 1)

    def test_script_flush_forgets_and_resets_the_state(self) -> None:
        sha = self.h("script", "load", "return 1")
        assert sha is not None
        self.assertEqual(self.h("script", "exists", sha[5:-2]), b"*1\r\n:1\r\n")
        self.assertEqual(self.h("script", "flush"), b"+OK\r\n")
        self.assertEqual(self.h("script", "exists", sha[5:-2]), b"*1\r\n:0\r\n")


class ReadOnlyTests(SynchronousTestCase):
    def test_writes_refused_on_a_read_only_replica_and_with_min_replicas(self) -> None:
        h = Harness()
        h.server.write_refusal = b"-NOREPLICAS Not enough good replicas to write.\r\n"
        self.assertEqual(
            h("eval", "return redis.pcall('set', 'a', 1)", 0),
            b"-NOREPLICAS Not enough good replicas to write.\r\n",
        )
        self.assertEqual(
            h("eval", "#!lua\nreturn 1", 0), b"-NOREPLICAS Not enough good replicas to write.\r\n"
        )
        self.assertEqual(h("eval", "#!lua flags=no-writes\nreturn 1", 0), b":1\r\n")
        self.assertEqual(h.events(), [])


class SandboxTests(SynchronousTestCase):
    def test_shebang_parsing(self) -> None:
        self.assertEqual(shebang_flags(b"return 1"), (engine_module.FLAG_EVAL_COMPAT_MODE, 0))
        self.assertEqual(shebang_flags(b"#!lua flags=no-writes\nreturn 1")[0], 1)
        with self.assertRaises(ScriptError):
            shebang_flags(b"#!lua")
        with self.assertRaises(ScriptError):
            shebang_flags(b"#!lua flags=nope\n")

    def test_error_messages(self) -> None:
        self.assertEqual(error_message(b"-WRONGTYPE Operation"), b"WRONGTYPE Operation")
        self.assertEqual(error_message(b"-single"), b"ERR single")
        self.assertEqual(error_message(b"plain words"), b"ERR plain words")

    def test_numbers_truncate_as_c_casts(self) -> None:
        self.assertEqual(lua_number_to_integer(3.99), 3)
        self.assertEqual(lua_number_to_integer(-3.99), -3)
        self.assertEqual(lua_number_to_integer(float("nan")), -(1 << 63))
        self.assertEqual(lua_number_to_integer(1e300), -(1 << 63))

    def test_bytecode_is_refused(self) -> None:
        h = Harness()
        reply = h("eval", b"\x1bLua", 0)
        assert reply is not None
        self.assertTrue(reply.startswith(b"-ERR Error compiling script"))

    def test_library_tables_cannot_be_changed_through_pairs_or_rawset(self) -> None:
        h = Harness()
        self.assertEqual(
            h("eval", "local n = 0 for k in pairs(string) do n = n + 1 end return n > 5", 0),
            b":1\r\n",
        )
        reply = h("eval", "rawset(string, 'x', 1)", 0)
        assert reply is not None
        self.assertTrue(reply.startswith(b"-ERR Attempt to modify a readonly table"))
        reply = h("eval", "return loadstring('q = 1')()", 0)
        assert reply is not None
        self.assertIn(b"Attempt to modify a readonly table", reply)


class CacheBoundTests(SynchronousTestCase):
    def test_scripts_eval_made_are_bounded_least_recently_used_first(self) -> None:
        h = Harness()
        loaded = h("SCRIPT", "LOAD", "return 'loaded'").split(b"\r\n")[1]
        first = h("SCRIPT", "LOAD", "return 0").split(b"\r\n")[1]  # loaded: kept
        self.assertEqual(h("EVAL", "return 1", 0), b":1\r\n")
        kept = engine_module.sha1hex(b"return 1")
        for n in range(2, engine_module.MAX_EVAL_SCRIPTS + 1):
            self.assertEqual(h("EVAL", f"return {n}", 0), b":%d\r\n" % n)
            if n == 300:
                self.assertEqual(h("EVALSHA", kept, 0), b":1\r\n")  # used: kept longer
        # One more EVAL-made script: the least recently used one goes, no other.
        self.assertEqual(h("EVAL", "return 'one more'", 0), b"$8\r\none more\r\n")
        dropped = engine_module.sha1hex(b"return 2")
        self.assertEqual(h("EVALSHA", dropped, 0), engine_module.NOSCRIPT)
        self.assertEqual(h("EVALSHA", kept, 0), b":1\r\n")
        self.assertEqual(h("EVALSHA", loaded, 0), b"$6\r\nloaded\r\n")
        self.assertEqual(h("EVALSHA", first, 0), b":0\r\n")
        self.assertEqual(h("SCRIPT", "EXISTS", dropped, kept), b"*2\r\n:0\r\n:1\r\n")
