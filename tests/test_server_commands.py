"""Unit tests of DEBUG, INFO, CONFIG, TIME, LASTSAVE, SHUTDOWN, LOLWUT and COMMAND."""

from __future__ import annotations

import hiredis
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv import reply
from replkv.client import Client
from replkv.commands import introspection
from replkv.commands.debug import DEBUG_NOT_ALLOWED
from replkv.commands.table import Command
from replkv.config import Config
from replkv.resp3 import element_end, to_resp2
from replkv.server import Server

START = 1_700_000_000.25


def _split(raw: bytes) -> tuple[bytes, list[bytes]]:
    """An aggregate's header and its top-level elements (a map's keys and values)."""
    header_end = raw.index(b"\r\n") + 2
    count = int(raw[1 : header_end - 2]) * (2 if raw[:1] == b"%" else 1)
    elements, pos = [], header_end
    for _ in range(count):
        end = element_end(raw, pos)
        elements.append(raw[pos:end])
        pos = end
    return raw[:header_end], elements


def make_server(**settings: object) -> Server:
    config = Config()
    for name, value in settings.items():
        setattr(config, name, value)
    clock = Clock()
    clock.advance(START)
    return Server(config, clock)


class _Harness(SynchronousTestCase):
    settings: dict[str, object] = {"enable_debug_command": "yes"}

    def setUp(self) -> None:
        self.server = make_server(**self.settings)
        self.client = Client(self.server, self.server.clients.next_id())

    def call(self, *args: bytes | str) -> bytes | None:
        argv = [a.encode() if isinstance(a, str) else a for a in args]
        return self.server.execute(self.client, argv)


class DebugGateTests(_Harness):
    settings = {"enable_debug_command": "no"}

    def test_refused_by_default(self) -> None:
        self.assertEqual(self.call("DEBUG", "DIGEST"), DEBUG_NOT_ALLOWED)
        self.assertIn(b'"local"', DEBUG_NOT_ALLOWED)

    def test_arity_is_checked_first(self) -> None:
        self.assertEqual(
            self.call("DEBUG"), b"-ERR wrong number of arguments for 'debug' command\r\n"
        )

    def test_refused_before_auth(self) -> None:
        self.client.authenticated = False
        self.assertEqual(self.call("DEBUG", "DIGEST"), DEBUG_NOT_ALLOWED)

    def test_local_allows_a_client_without_network_peer(self) -> None:
        self.server.config.enable_debug_command = "local"
        self.assertEqual(self.call("DEBUG", "DIGEST"), b"+" + b"0" * 40 + b"\r\n")


class DebugTests(_Harness):
    def test_digest(self) -> None:
        self.assertEqual(self.call("DEBUG", "DIGEST"), b"+" + b"0" * 40 + b"\r\n")
        self.call("SET", "a", "1")
        self.assertEqual(
            self.call("debug", "digest"), b"+943d800368fb9c0e951138f1bc0e313ac769d91f\r\n"
        )

    def test_digest_value(self) -> None:
        self.call("SET", "a", "1")
        self.assertEqual(
            self.call("DEBUG", "DIGEST-VALUE", "a", "nokey"),
            b"*2\r\n+b4fc66738120fba0b5aa500ab5c2bf89cea1c5da\r\n+" + b"0" * 40 + b"\r\n",
        )
        self.assertEqual(self.call("DEBUG", "DIGEST-VALUE"), b"*0\r\n")

    def test_object(self) -> None:
        self.assertEqual(self.call("DEBUG", "OBJECT", "nokey"), b"-ERR no such key\r\n")
        self.call("SET", "a", "1")
        self.call("SET", "b", "hello")
        line_a = self.call("DEBUG", "OBJECT", "a")
        line_b = self.call("DEBUG", "OBJECT", "b")
        assert line_a is not None and line_b is not None
        self.assertRegex(
            line_a.decode(),
            r"^\+Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int serializedlength:2 "
            r"lru:\d+ lru_seconds_idle:\d+\r\n$",
        )
        self.assertIn(b"refcount:1 encoding:embstr serializedlength:6 ", line_b)
        # APPEND makes a string raw even when it reads as an integer (as redis-server).
        self.call("SET", "c", "123")
        self.call("APPEND", "c", "4")
        line_c = self.call("DEBUG", "OBJECT", "c")
        self.assertIn(b" refcount:1 encoding:raw serializedlength:3 ", line_c)

    def test_bad_subcommands(self) -> None:
        for argv in (("DEBUG", "foo"), ("DEBUG", "digest", "x"), ("DEBUG", "sleep")):
            self.assertEqual(
                self.call(*argv),
                b"-ERR unknown subcommand or wrong number of arguments for '%s'. "
                b"Try DEBUG HELP.\r\n" % argv[1].encode(),
            )

    def test_sleep_zero_and_garbage(self) -> None:
        self.assertEqual(self.call("DEBUG", "SLEEP", "0"), b"+OK\r\n")
        self.assertEqual(self.call("DEBUG", "SLEEP", "abc"), b"+OK\r\n")

    def test_set_active_expire(self) -> None:
        self.assertEqual(self.call("DEBUG", "SET-ACTIVE-EXPIRE", "0"), b"+OK\r\n")
        self.assertFalse(self.server.active_expire_enabled)
        self.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        self.assertTrue(self.server.active_expire_enabled)

    def test_help(self) -> None:
        result = self.call("DEBUG", "HELP")
        assert result is not None
        self.assertTrue(result.startswith(b"*"))
        self.assertIn(b"+DIGEST-VALUE <key> [<key> ...]\r\n", result)


def info_body(raw: bytes) -> str:
    return raw[raw.index(b"\r\n") + 2 : -2].decode()


def section_titles(raw: bytes) -> list[str]:
    return [line[2:] for line in info_body(raw).split("\r\n") if line.startswith("# ")]


class InfoTests(_Harness):
    def test_default_sections(self) -> None:
        expected = "Server Clients Memory Persistence Stats Replication CPU Modules " \
            "Errorstats Cluster Keyspace".split()  # fmt: skip
        self.assertEqual(section_titles(self.call("INFO")), expected)  # type: ignore[arg-type]
        self.assertEqual(section_titles(self.call("INFO", "default")), expected)  # type: ignore[arg-type]

    def test_all_adds_commandstats_and_latencystats(self) -> None:
        titles = section_titles(self.call("INFO", "all"))  # type: ignore[arg-type]
        self.assertEqual(titles[7:11], ["Modules", "Commandstats", "Errorstats", "Latencystats"])
        self.assertEqual(titles, section_titles(self.call("INFO", "everything")))  # type: ignore[arg-type]

    def test_several_sections_in_fixed_order(self) -> None:
        raw = self.call("INFO", "KEYSPACE", "server")
        assert raw is not None
        self.assertEqual(section_titles(raw), ["Server", "Keyspace"])
        self.assertIn("\r\n\r\n# Keyspace\r\n", info_body(raw))

    def test_unknown_section_is_empty(self) -> None:
        self.assertEqual(self.call("INFO", "nosuch"), b"$0\r\n\r\n")

    def test_keyspace_and_replication(self) -> None:
        self.call("SET", "a", "1")
        self.call("SET", "b", "2", "PX", "1000")
        body = info_body(self.call("INFO", "keyspace"))  # type: ignore[arg-type]
        self.assertEqual(body, "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=1000\r\n")
        fields = dict(
            line.split(":", 1)
            for line in info_body(self.call("INFO", "replication")).split("\r\n")[1:]  # type: ignore[arg-type]
            if line
        )
        self.assertEqual(
            list(fields),
            "role connected_slaves master_failover_state master_replid master_replid2 "
            "master_repl_offset second_repl_offset repl_backlog_active repl_backlog_size "
            "repl_backlog_first_byte_offset repl_backlog_histlen".split(),
        )
        self.assertEqual(fields["master_repl_offset"], str(self.server.log.end_offset))
        self.assertEqual(fields["master_replid"], self.server.replication.replid)

    def test_stats_count_errors_by_code(self) -> None:
        # Command counters live on the shared command table: start from zero.
        self.call("CONFIG", "RESETSTAT")
        self.call("GET")
        self.call("NOSUCHCOMMAND")
        body = info_body(self.call("INFO", "errorstats", "commandstats"))  # type: ignore[arg-type]
        self.assertIn("errorstat_ERR:count=2\r\n", body)
        self.assertIn("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,", body)

    def test_resp3_is_verbatim(self) -> None:
        self.client.set_resp(3)
        raw = self.call("INFO", "cluster")
        self.assertEqual(raw, b"=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n")


class ConfigTests(_Harness):
    def test_get_set(self) -> None:
        self.assertEqual(self.call("CONFIG", "SET", "maxmemory", "1mb", "hz", "20"), b"+OK\r\n")
        self.assertEqual(
            self.call("CONFIG", "GET", "maxmemory", "hz"),
            b"*4\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n$2\r\nhz\r\n$2\r\n20\r\n",
        )

    def test_set_odd_arguments(self) -> None:
        self.assertEqual(
            self.call("CONFIG", "SET", "hz", "20", "maxmemory"),
            b"-ERR syntax error\r\n",
        )

    def test_set_duplicate(self) -> None:
        self.assertEqual(
            self.call("CONFIG", "SET", "hz", "1", "hz", "2"),
            b"-ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter\r\n",
        )

    def test_resetstat(self) -> None:
        self.call("GET", "x")
        self.assertEqual(self.call("CONFIG", "RESETSTAT"), b"+OK\r\n")
        body = info_body(self.call("INFO", "commandstats"))  # type: ignore[arg-type]
        self.assertNotIn("cmdstat_get", body)

    def test_rewrite_without_file(self) -> None:
        self.assertEqual(
            self.call("CONFIG", "REWRITE"), b"-ERR The server is running without a config file\r\n"
        )


class MiscTests(_Harness):
    def test_time(self) -> None:
        self.assertEqual(self.call("TIME"), b"*2\r\n$10\r\n1700000000\r\n$6\r\n250000\r\n")

    def test_lastsave(self) -> None:
        self.assertEqual(self.call("LASTSAVE"), b":1700000000\r\n")

    def test_shutdown_options(self) -> None:
        self.assertEqual(self.call("SHUTDOWN", "foo"), b"-ERR syntax error\r\n")
        self.assertEqual(self.call("SHUTDOWN", "SAVE", "NOSAVE"), b"-ERR syntax error\r\n")
        self.assertEqual(self.call("SHUTDOWN", "ABORT", "NOW"), b"-ERR syntax error\r\n")
        self.assertEqual(self.call("SHUTDOWN", "ABORT"), b"-ERR No shutdown in progress.\r\n")

    def test_shutdown_calls_the_hook(self) -> None:
        calls = []
        self.server.shutdown_hook = lambda: calls.append(1)
        self.assertIsNone(self.call("SHUTDOWN", "NOSAVE"))
        self.assertEqual(calls, [1])
        self.assertTrue(self.client.closing)

    def test_lolwut(self) -> None:
        self.assertEqual(self.call("LOLWUT"), b"$18\r\nRedis ver. 7.0.15\n\r\n")
        five = self.call("LOLWUT", "VERSION", "5", "10", "2", "2")
        assert five is not None
        self.assertTrue(
            five.endswith(
                b"\n\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n\r\n"
            )
        )
        six = self.call("LOLWUT", "VERSION", "6")
        assert six is not None
        self.assertTrue(six.endswith(b"Plaguemon by hikikomori. Redis ver. 7.0.15\n\r\n"))
        self.assertEqual(
            self.call("LOLWUT", "VERSION", "x"), b"-ERR value is not an integer or out of range\r\n"
        )


class CommandTests(_Harness):
    def test_info_get(self) -> None:
        raw = self.call("COMMAND", "INFO", "get")
        assert raw is not None
        self.assertTrue(
            raw.startswith(
                b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
                b"*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n"
                b"*2\r\n+RO\r\n+access\r\n"
            )
        )
        self.assertTrue(raw.endswith(b"$5\r\nlimit\r\n:0\r\n*0\r\n"))

    def test_info_unknown_and_subcommand(self) -> None:
        self.assertEqual(self.call("COMMAND", "INFO", "nosuch"), b"*1\r\n$-1\r\n")
        raw = self.call("COMMAND", "INFO", "config|get")
        self.assertEqual(
            raw,
            b"*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n"
            b"+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n",
        )

    def test_debug_hides_protected_flag(self) -> None:
        raw = self.call("COMMAND", "INFO", "debug")
        assert raw is not None
        self.assertIn(b"*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n", raw)

    def test_count_and_list(self) -> None:
        count = self.call("COMMAND", "COUNT")
        assert count is not None
        everything = self.call("COMMAND")
        assert everything is not None
        self.assertTrue(everything.startswith(b"*" + count[1:]))
        self.assertEqual(
            self.call("COMMAND", "LIST", "FILTERBY", "pattern", "config|g*"),
            b"*1\r\n$10\r\nconfig|get\r\n",
        )
        self.assertEqual(self.call("COMMAND", "LIST", "FILTERBY", "foo"), b"-ERR syntax error\r\n")

    def test_getkeys(self) -> None:
        self.assertEqual(
            self.call("COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"),
            b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
        )
        self.assertEqual(
            self.call("COMMAND", "GETKEYS", "nosuch", "a"), b"-ERR Invalid command specified\r\n"
        )
        self.assertEqual(
            self.call("COMMAND", "GETKEYS", "set", "a"),
            b"-ERR Invalid number of arguments specified for command\r\n",
        )
        self.assertEqual(
            self.call("COMMAND", "GETKEYS", "ping", "x"),
            b"-ERR The command has no key arguments\r\n",
        )

    def test_replies_are_single_well_formed_frames(self) -> None:
        # A miscounted aggregate leaves a client waiting forever (redis-cli sends
        # COMMAND DOCS at start-up), so every introspection reply must parse whole.
        for args in [("COMMAND",), ("COMMAND", "DOCS"), ("COMMAND", "INFO"), ("INFO",)]:
            for resp in (2, 3):
                self.client.set_resp(resp)
                raw = self.call(*args)
                reader = hiredis.Reader()
                reader.feed(raw)
                self.assertIsNot(reader.gets(), False, (args, resp))
                self.assertFalse(reader.has_data(), (args, resp))
                self.assertIs(reader.gets(), False, (args, resp))

    def test_docs(self) -> None:
        self.assertEqual(self.call("COMMAND", "DOCS", "nosuch"), b"*0\r\n")
        raw = self.call("COMMAND", "DOCS", "config")
        assert raw is not None
        self.assertIn(b"$11\r\nsubcommands\r\n", raw)

    def test_docs_are_redis_stored_docs_in_either_protocol(self) -> None:
        summary = b"$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
        argument = b"$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n"
        raw2 = self.call("COMMAND", "DOCS", "GET")
        assert raw2 is not None
        self.assertTrue(raw2.startswith(b"*2\r\n$3\r\nget\r\n*10\r\n" + summary), raw2)
        self.assertIn(b"*1\r\n*6\r\n" + argument, raw2)
        self.client.set_resp(3)
        raw3 = self.call("COMMAND", "DOCS", "get")
        assert raw3 is not None
        self.assertTrue(raw3.startswith(b"%1\r\n$3\r\nget\r\n%5\r\n" + summary), raw3)
        self.assertIn(b"*1\r\n%3\r\n" + argument, raw3)
        self.assertEqual(to_resp2(raw3), raw2)

    def test_container_docs_list_the_implemented_subcommands(self) -> None:
        self.client.set_resp(3)
        raw = self.call("COMMAND", "DOCS", "config")
        assert raw is not None
        _, elements = _split(raw)
        _, fields = _split(elements[1])
        self.assertEqual(fields[-2], b"$11\r\nsubcommands\r\n")
        _, subs = _split(fields[-1])
        implemented = self.server.commands.by_name[b"config"].subcommands
        assert implemented is not None
        self.assertEqual(subs[::2], [reply.bulk(sub.name.encode()) for sub in implemented.values()])
        self.assertEqual(subs[1], introspection.command_docs(next(iter(implemented.values())), 3))

    def test_docs_of_a_command_redis_lacks_come_from_its_declaration(self) -> None:
        declared = Command(
            "nosuchcmd", None, 1, frozenset(), group="sorted_set", summary="Do it", since="9.9.9"
        )
        self.assertEqual(
            introspection.command_docs(declared, 2),
            b"*6\r\n$7\r\nsummary\r\n$5\r\nDo it\r\n$5\r\nsince\r\n$5\r\n9.9.9\r\n"
            b"$5\r\ngroup\r\n$10\r\nsorted-set\r\n",
        )
