"""FUNCTION and FCALL in process: events on the log, replay loads libraries without
running functions, libraries in snapshots and DUMP payloads."""

from __future__ import annotations

import io

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.keyspace.keyspace import Keyspace
from replkv.rdb import load_rdb, write_rdb
from replkv.scripting.functions import FunctionError, library_metadata, load_libraries
from tests.support.harness import Harness

LIB = (
    "#!lua name=lib\n"
    "redis.register_function('w', function(keys, args)\n"
    "  redis.call('set', keys[1], args[1]) return redis.call('incr', 'n')\n"
    "end)\n"
    "redis.register_function{function_name='r', flags={'no-writes'},\n"
    "  callback=function(keys) return redis.call('get', keys[1]) end}\n"
)
OTHER = "#!lua name=other\nredis.register_function('one', function() return 1 end)"


class EventTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = Harness()

    def test_load_is_an_event_and_fcall_logs_its_effects(self) -> None:
        self.assertEqual(self.h("function", "load", LIB), b"$3\r\nlib\r\n")
        self.assertEqual(self.h("fcall", "w", 1, "k", "v"), b":1\r\n")
        self.assertEqual(self.h("fcall_ro", "r", 1, "k"), b"$1\r\nv\r\n")
        self.assertEqual(
            self.h.events(),
            [
                [b"SELECT", b"0"],
                [b"function", b"load", LIB.encode()],
                [b"MULTI"],
                [b"set", b"k", b"v"],
                [b"incr", b"n"],
                [b"EXEC"],
            ],
        )

    def test_refused_loads_and_reads_log_nothing(self) -> None:
        self.h("function", "load", LIB)
        mark = self.h.mark()
        self.assertTrue(self.h("function", "load", LIB).startswith(b"-ERR Library 'lib'"))
        self.assertEqual(self.h("function", "delete", "nosuch"), b"-ERR Library not found\r\n")
        self.h("function", "list")
        self.h("function", "dump")
        self.h("fcall", "r", 1, "k")
        self.assertEqual(self.h.new_events(mark), [])

    def test_replay_loads_the_libraries_without_running_functions(self) -> None:
        self.h("function", "load", LIB)
        self.h("function", "load", OTHER)
        self.h("fcall", "w", 1, "k", "v")
        self.h("function", "load", "replace", OTHER.replace("return 1", "return 2"))
        self.h("function", "delete", "lib")
        payload = self.h("function", "dump")
        assert payload is not None
        self.h("function", "flush", "async")
        self.h("function", "restore", payload[payload.index(b"\r\n") + 2 : -2])
        replayed = self.h.replay()
        self.assertEqual(replayed.dataset(), self.h.dataset())
        self.assertIsNone(replayed.server.scripting)
        functions = replayed.server.functions
        assert functions is not None
        self.assertIsNone(functions.running)
        self.assertEqual(list(functions.libraries), [b"other"])
        self.assertEqual(replayed("function", "list"), self.h("function", "list"))
        self.assertEqual(replayed("fcall", "one", 0), b":2\r\n")

    def test_restore_is_all_or_nothing(self) -> None:
        self.h("function", "load", LIB)
        payload = self.h("function", "dump")
        assert payload is not None
        payload = payload[payload.index(b"\r\n") + 2 : -2]
        self.h("function", "flush")
        self.h("function", "load", OTHER.replace("'one'", "'w'"))
        mark = self.h.mark()
        self.assertEqual(
            self.h("function", "restore", payload, "flush"),
            b"+OK\r\n",
        )
        self.h("function", "load", "#!lua name=x\nredis.register_function('x', function() end)")
        self.assertEqual(
            self.h("function", "restore", payload), b"-ERR Library lib already exists\r\n"
        )
        self.assertEqual(self.h("function", "restore", payload, "replace"), b"+OK\r\n")
        self.assertEqual(len(self.h.new_events(mark)), 3)  # the successful ones, as sent
        functions = self.h.server.functions
        assert functions is not None
        self.assertEqual(sorted(functions.libraries), [b"lib", b"x"])

    def test_metadata(self) -> None:
        self.assertEqual(library_metadata(b"#!lua name=a\nbody"), (b"lua", b"a", 12))
        with self.assertRaises(FunctionError):
            library_metadata(b"#!lua name=a name=b\n")


class SnapshotTests(SynchronousTestCase):
    def test_libraries_are_function2_records(self) -> None:
        h = Harness()
        h("function", "load", LIB)
        h("function", "load", OTHER)
        h("set", "k", "v")
        functions = h.server.functions
        assert functions is not None
        out = io.BytesIO()
        write_rdb(h.keyspace, out, functions=functions.codes())
        data = out.getvalue()
        # The FUNCTION2 records come before the first key (`k`, a string: type 0).
        self.assertIn(b"\xf5", data[: data.index(b"\x00\x01k\x01v")])
        info = load_rdb(io.BytesIO(data), Keyspace(16, Clock()))
        self.assertEqual(info.functions, [LIB.encode(), OTHER.encode()])
        fresh = Harness()
        fresh("function", "load", "#!lua name=gone\nredis.register_function('g', function() end)")
        load_libraries(fresh.server, info.functions)
        self.assertEqual(fresh("function", "list", "withcode"), h("function", "list", "withcode"))
        self.assertEqual(fresh("fcall", "one", 0), b":1\r\n")
        self.assertEqual(fresh.events()[-1][:2], [b"function", b"load"])  # loading logs nothing

    def test_without_libraries_nothing_is_written_or_created(self) -> None:
        h = Harness()
        out = io.BytesIO()
        write_rdb(h.keyspace, out)
        info = load_rdb(io.BytesIO(out.getvalue()), Keyspace(16, Clock()))
        self.assertEqual(info.functions, [])
        load_libraries(h.server, [])
        self.assertIsNone(h.server.functions)
