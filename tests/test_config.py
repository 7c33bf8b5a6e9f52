"""Config: redis.conf parsing, CONFIG GET/SET/REWRITE; texts checked against redis-server 7.0.15."""

import os
import shutil
import tempfile

from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.directives import (
    DIRECTIVES,
    ConfigApplyError,
    ConfigError,
    ConfigSetError,
    format_memory,
    keyspace_events_to_flags,
    keyspace_flags_to_events,
    memory_to_bytes,
    quote_value,
)


def temporary_directory(test: SynchronousTestCase) -> str:
    """A fresh absolute directory, removed after the test."""
    directory = tempfile.mkdtemp(prefix="replkv-config-")
    test.addCleanup(shutil.rmtree, directory, True)
    return directory


class DefaultsTests(SynchronousTestCase):
    def test_redis_defaults(self) -> None:
        config = Config()
        self.assertEqual(config.port, 6379)
        self.assertEqual(config.bind, ["*", "-::*"])
        self.assertEqual(config.save, ((3600, 1), (300, 100), (60, 10000)))
        self.assertEqual(config.replicaof, None)
        self.assertEqual(config.proto_max_bulk_len, 512 * 1024 * 1024)
        self.assertEqual(config.enable_debug_command, "no")
        self.assertEqual(config.dir, os.getcwd())
        self.assertIsNone(config.config_file)

    def test_every_directive_is_a_declared_attribute(self) -> None:
        declared = Config.__annotations__
        for directive in DIRECTIVES:
            self.assertIn(directive.attribute, declared)

    def test_config_get_formatting(self) -> None:
        shown = dict(Config().get_matching([b"*"]))
        self.assertEqual(shown["save"], "3600 1 300 100 60 10000")
        self.assertEqual(shown["bind"], "* -::*")
        self.assertEqual(shown["replicaof"], "")
        self.assertEqual(shown["slaveof"], "")
        self.assertEqual(shown["client-query-buffer-limit"], "1073741824")
        self.assertEqual(shown["replica-read-only"], "yes")
        self.assertEqual(shown["maxmemory-policy"], "noeviction")
        self.assertEqual(shown["list-max-listpack-size"], "-2")
        self.assertEqual(shown["notify-keyspace-events"], "")
        self.assertEqual(shown["requirepass"], "")


class ValueTests(SynchronousTestCase):
    def test_memory_units(self) -> None:
        self.assertEqual(memory_to_bytes("1gb"), 1024**3)
        self.assertEqual(memory_to_bytes("512MB"), 512 * 1024**2)
        self.assertEqual(memory_to_bytes("64k"), 64000)
        self.assertEqual(memory_to_bytes("64kb"), 65536)
        self.assertEqual(memory_to_bytes("0010kb"), 10240)
        self.assertEqual(memory_to_bytes(""), 0)
        self.assertEqual(memory_to_bytes("99999999999999999999999"), 2**64 - 1)
        self.assertIsNone(memory_to_bytes("-1"))
        self.assertIsNone(memory_to_bytes("1x"))
        self.assertIsNone(memory_to_bytes("+1"))
        self.assertIsNone(memory_to_bytes("1 mb"))

    def test_format_memory(self) -> None:
        self.assertEqual(format_memory(0), "0")
        self.assertEqual(format_memory(1024**3), "1gb")
        self.assertEqual(format_memory(3 * 1024**2), "3mb")
        self.assertEqual(format_memory(1536), "1536")
        self.assertEqual(format_memory(2048), "2kb")

    def test_keyspace_events(self) -> None:
        self.assertEqual(keyspace_flags_to_events(keyspace_events_to_flags("KEA") or 0), "AKE")
        self.assertEqual(keyspace_flags_to_events(keyspace_events_to_flags("xE") or 0), "xE")
        self.assertEqual(keyspace_flags_to_events(keyspace_events_to_flags("n") or 0), "n")
        self.assertIsNone(keyspace_events_to_flags("q"))

    def test_quote_value(self) -> None:
        self.assertEqual(quote_value('a "b"\\\n\x01'), '"a \\"b\\"\\\\\\n\\x01"')


class LoadTests(SynchronousTestCase):
    def write(self, text: str, name: str = "replkv.conf") -> str:
        path = os.path.join(temporary_directory(self), name)
        with open(path, "w") as config_file:
            config_file.write(text)
        return path

    def test_load_file(self) -> None:
        path = self.write(
            "# comment\n"
            "\n"
            "  port 7000  \r\n"
            "BIND 127.0.0.1 ::1\n"
            "maxmemory 1gb\n"
            "slave-read-only no\n"
            "slaveof 10.0.0.1 6380\n"
            'requirepass "se cret\\x21"\n'
            "appendfsync ALWAYS\n"
            "enable-debug-command local\n"
            "list-max-ziplist-entries 512\n"
        )
        config = Config.load_file(path)
        self.assertEqual(config.config_file, os.path.abspath(path))
        self.assertEqual(config.port, 7000)
        self.assertEqual(config.bind, ["127.0.0.1", "::1"])
        self.assertEqual(config.maxmemory, 1024**3)
        self.assertFalse(config.replica_read_only)
        self.assertEqual(config.replicaof, ("10.0.0.1", 6380))
        self.assertEqual(config.requirepass, "se cret!")
        self.assertEqual(config.appendfsync, "always")
        self.assertEqual(config.enable_debug_command, "local")
        self.assertIn("port", config.explicit)
        self.assertNotIn("timeout", config.explicit)

    def test_save_lines_accumulate(self) -> None:
        config = Config()
        config.load_text("save 100 1\nsave 200 2\n")
        self.assertEqual(config.save, ((100, 1), (200, 2)))
        # Command-line save after a file adds to it, as redis-server does...
        config.apply("save", ["300", "3"])
        self.assertEqual(config.save, ((100, 1), (200, 2), (300, 3)))
        # ...and save "" clears it.
        config.apply("save", [""])
        self.assertEqual(config.save, ())

    def test_multi_argument_value_in_one_argument(self) -> None:
        config = Config()
        config.apply("save", ["3600 1 300 100"])
        config.apply("bind", ["127.0.0.1 ::1"])
        self.assertEqual(config.save, ((3600, 1), (300, 100)))
        self.assertEqual(config.bind, ["127.0.0.1", "::1"])

    def test_replicaof_no_one(self) -> None:
        config = Config()
        config.load_text("replicaof 127.0.0.1 6379\nreplicaof no one\n")
        self.assertIsNone(config.replicaof)

    def test_hz_is_clamped(self) -> None:
        config = Config()
        config.load_text("hz 1000\n")
        self.assertEqual(config.hz, 500)

    def test_include(self) -> None:
        included = self.write("port 7001\ndatabases 4\n", "extra.conf")
        main = self.write(f"port 7000\ninclude {included}\ntimeout 5\n")
        config = Config.load_file(main)
        self.assertEqual((config.port, config.databases, config.timeout), (7001, 4, 5))

    def test_include_glob(self) -> None:
        directory = temporary_directory(self)
        for name, port in (("a.conf", 1), ("b.conf", 2)):
            with open(os.path.join(directory, name), "w") as config_file:
                config_file.write(f"port {port}\n")
        config = Config()
        config.load_text(f"include {directory}/*.conf\ninclude {directory}/none*.conf\n")
        self.assertEqual(config.port, 2)

    def test_rename_command_is_recorded(self) -> None:
        config = Config()
        config.load_text('rename-command FLUSHALL ""\n')
        self.assertEqual(config.renamed_commands, [("FLUSHALL", "")])

    def assertFatal(self, text: str, line_number: int, line: str, reason: str) -> None:
        path = self.write(text)
        error = self.assertRaises(ConfigError, Config.load_file, path)
        self.assertEqual(
            str(error),
            "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
            f"Reading the configuration file '{os.path.abspath(path)}', at line {line_number}\n"
            f">>> '{line}'\n"
            f"{reason}",
        )

    def test_bad_directive(self) -> None:
        self.assertFatal(
            "port 1\n\n# c\n  foo bar  \n",
            4,
            "foo bar",
            "Bad directive or wrong number of arguments",
        )

    def test_wrong_number_of_arguments(self) -> None:
        self.assertFatal("port 1\nport\n", 2, "port", "wrong number of arguments")
        self.assertFatal("replicaof host\n", 1, "replicaof host", "wrong number of arguments")

    def test_unbalanced_quotes(self) -> None:
        self.assertFatal('port "1\n', 1, 'port "1', "Unbalanced quotes in configuration line")

    def test_bad_values(self) -> None:
        self.assertFatal("port x\n", 1, "port x", "argument couldn't be parsed into an integer")
        self.assertFatal(
            "port 0080\n", 1, "port 0080", "argument couldn't be parsed into an integer"
        )
        self.assertFatal(
            "port 70000\n", 1, "port 70000", "argument must be between 0 and 65535 inclusive"
        )
        self.assertFatal(
            "daemonize maybe\n", 1, "daemonize maybe", "argument must be 'yes' or 'no'"
        )
        self.assertFatal("maxmemory 1x\n", 1, "maxmemory 1x", "argument must be a memory value")
        self.assertFatal(
            "appendfsync sometimes\n",
            1,
            "appendfsync sometimes",
            "argument(s) must be one of the following: everysec, always, no",
        )
        self.assertFatal("save 1 2 3\n", 1, "save 1 2 3", "Invalid save parameters")
        self.assertFatal("replicaof h 99999\n", 1, "replicaof h 99999", "Invalid master port")
        self.assertFatal(
            "dbfilename a/b.rdb\n",
            1,
            "dbfilename a/b.rdb",
            "dbfilename can't be a path, just a filename",
        )
        self.assertFatal(
            "dir /nonexistent/x\n", 1, "dir /nonexistent/x", "No such file or directory"
        )

    def test_error_in_included_file_names_that_file(self) -> None:
        included = self.write("timeout 1\nport\n", "extra.conf")
        main = self.write(f"include {included}\n")
        error = self.assertRaises(ConfigError, Config.load_file, main)
        self.assertIn(f"Reading the configuration file '{included}', at line 2\n", str(error))

    def test_missing_file(self) -> None:
        error = self.assertRaises(ConfigError, Config.load_file, "/nonexistent/replkv.conf")
        self.assertEqual(
            str(error),
            "Fatal error, can't open config file '/nonexistent/replkv.conf': "
            "No such file or directory",
        )

    def test_command_line_error(self) -> None:
        config = Config()
        error = self.assertRaises(
            ConfigError, config.apply, "daemonize", ["maybe"], "the command line option --daemonize"
        )
        self.assertEqual(
            str(error),
            "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
            "Reading the command line option --daemonize\n"
            ">>> 'daemonize \"maybe\"'\n"
            "argument must be 'yes' or 'no'",
        )

    def test_relative_dir_follows_the_previous_one(self) -> None:
        base = temporary_directory(self)
        os.makedirs(os.path.join(base, "sub"))
        config = Config()
        config.load_text(f"dir {base}\ndir sub\n")
        self.assertEqual(config.dir, os.path.join(base, "sub"))


class ConfigGetTests(SynchronousTestCase):
    def test_exact_names_answer_as_given(self) -> None:
        config = Config()
        self.assertEqual(config.get_matching([b"PORT"]), [("PORT", "6379")])
        self.assertEqual(config.get_matching([b"port", b"PORT"]), [("port", "6379")])
        self.assertEqual(config.get_matching([b"slave-read-only"]), [("slave-read-only", "yes")])
        self.assertEqual(config.get_matching([b"nonexistent"]), [])

    def test_patterns_match_names_and_aliases(self) -> None:
        names = {name for name, _ in Config().get_matching([b"*MAX*"])}
        self.assertIn("maxmemory", names)
        self.assertIn("hash-max-listpack-entries", names)
        self.assertIn("hash-max-ziplist-entries", names)
        self.assertIn("min-slaves-max-lag", names)
        self.assertNotIn("port", names)
        names = {name for name, _ in Config().get_matching([b"slave*"])}
        self.assertEqual(
            names,
            {
                "slave-read-only", "slave-serve-stale-data", "slave-priority",
                "slave-announce-ip", "slave-announce-port", "slave-lazy-flush",
                "slave-ignore-maxmemory", "slaveof",
            },
        )  # fmt: skip

    def test_several_patterns_do_not_repeat(self) -> None:
        found = Config().get_matching([b"port", b"po*", b"*ort"])
        self.assertEqual([name for name, _ in found].count("port"), 1)


class ConfigSetTests(SynchronousTestCase):
    def assertSetFails(self, config: Config, pairs: list[tuple[bytes, bytes]], text: str) -> None:
        error = self.assertRaises(ConfigSetError, config.set_many, pairs)
        self.assertEqual(str(error), text)

    def test_set(self) -> None:
        config = Config()
        config.set_many([(b"maxmemory", b"100mb"), (b"SLAVE-read-only", b"no")])
        self.assertEqual(config.maxmemory, 100 * 1024**2)
        self.assertFalse(config.replica_read_only)
        config.set_many([(b"save", b"100 10 200 20"), (b"notify-keyspace-events", b"KEA")])
        self.assertEqual(config.get("save"), "100 10 200 20")
        self.assertEqual(config.get("notify-keyspace-events"), "AKE")
        config.set_many([(b"save", b"")])
        self.assertEqual(config.save, ())

    def test_errors(self) -> None:
        config = Config()
        self.assertSetFails(
            config,
            [(b"foo", b"1")],
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
        )
        failed = "ERR CONFIG SET failed (possibly related to argument '{}') - {}"
        self.assertSetFails(
            config,
            [(b"PORT", b"abc")],
            failed.format("port", "argument couldn't be parsed into an integer"),
        )
        self.assertSetFails(
            config,
            [(b"DAEMONIZE", b"yes")],
            failed.format("DAEMONIZE", "can't set immutable config"),
        )
        self.assertSetFails(
            config, [(b"slaveof", b"a 1")], failed.format("slaveof", "can't set immutable config")
        )
        self.assertSetFails(
            config, [(b"dir", b"/tmp")], failed.format("dir", "can't set protected config")
        )
        self.assertSetFails(
            config, [(b"port", b"1"), (b"port", b"2")], failed.format("port", "duplicate parameter")
        )
        self.assertSetFails(
            config,
            [(b"slave-read-only", b"x")],
            failed.format("slave-read-only", "argument must be 'yes' or 'no'"),
        )
        self.assertSetFails(
            config,
            [(b"proto-max-bulk-len", b"10")],
            failed.format(
                "proto-max-bulk-len",
                "argument must be between 1048576 and 9223372036854775807 inclusive",
            ),
        )
        # Values are split on single spaces, so doubled spaces make empty arguments.
        self.assertSetFails(
            config, [(b"save", b" 100  10 ")], failed.format("save", "Invalid save parameters")
        )
        self.assertSetFails(
            config,
            [(b"notify-keyspace-events", b"q")],
            failed.format(
                "notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
            ),
        )

    def test_first_error_wins(self) -> None:
        config = Config()
        self.assertSetFails(
            config,
            [(b"port", b"1"), (b"daemonize", b"no"), (b"foo", b"3")],
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - "
            "can't set immutable config",
        )
        self.assertSetFails(
            config,
            [(b"foo", b"3"), (b"daemonize", b"no")],
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
        )

    def test_all_or_nothing(self) -> None:
        config = Config()
        self.assertRaises(
            ConfigSetError, config.set_many, [(b"timeout", b"5"), (b"maxmemory", b"lots")]
        )
        self.assertEqual(config.timeout, 0)
        self.assertEqual(config.maxmemory, 0)

    def test_clamping(self) -> None:
        config = Config()
        config.set_many([(b"hz", b"1000"), (b"repl-backlog-size", b"7")])
        self.assertEqual(config.hz, 500)
        self.assertEqual(config.repl_backlog_size, 16384)

    def test_protected_configs(self) -> None:
        config = Config()
        config.load_text("enable-protected-configs local\n")
        directory = temporary_directory(self)
        self.assertRaises(ConfigSetError, config.set_many, [(b"dir", directory.encode())])
        config.set_many([(b"dir", directory.encode())], client_is_local=True)
        self.assertEqual(config.dir, directory)

    def test_observers(self) -> None:
        config = Config()
        seen: list[object] = []
        config.observe("hz", seen.append)
        config.observe("slave-read-only", seen.append)
        config.set_many([(b"hz", b"20"), (b"replica-read-only", b"no"), (b"timeout", b"1")])
        self.assertEqual(seen, [20, False])
        config.set_many([(b"hz", b"20")])  # unchanged: no call
        self.assertEqual(seen, [20, False])

    def test_observer_veto_restores_everything(self) -> None:
        config = Config()
        seen: list[object] = []

        def refuse(port: object) -> None:
            seen.append(port)
            if port == 7000:
                raise ConfigApplyError("Unable to listen on this port. Check server logs.")

        config.observe("port", refuse)
        error = self.assertRaises(
            ConfigSetError, config.set_many, [(b"timeout", b"9"), (b"port", b"7000")]
        )
        self.assertEqual(
            str(error),
            "ERR CONFIG SET failed (possibly related to argument 'port') - "
            "Unable to listen on this port. Check server logs.",
        )
        self.assertEqual((config.port, config.timeout), (6379, 0))
        self.assertEqual(seen, [7000, 6379])


class RewriteTests(SynchronousTestCase):
    def test_without_config_file(self) -> None:
        error = self.assertRaises(ConfigSetError, Config().rewrite)
        self.assertEqual(str(error), "ERR The server is running without a config file")

    def test_rewrite_keeps_comments_and_updates_lines(self) -> None:
        directory = temporary_directory(self)
        path = os.path.join(directory, "replkv.conf")
        with open(path, "w") as config_file:
            config_file.write(
                "# My server\n"
                "port 7000\n"
                "\n"
                "\n"
                "# replication\n"
                "slave-read-only yes\n"
                "save 100 1\n"
                "save 200 2\n"
                "include /dev/null\n"
                f"dir {directory}\n"
            )
        config = Config.load_file(path)
        with open(path, "a") as config_file:
            config_file.write("frobnicate 1\n")  # edited by hand since start-up
        config.set_many(
            [
                (b"port", b"7001"),
                (b"replica-read-only", b"no"),
                (b"save", b"300 3"),
                (b"maxmemory", b"2gb"),
                (b"requirepass", b'p "w'),
            ]
        )
        config.rewrite()
        with open(path) as config_file:
            content = config_file.read()
        self.assertEqual(
            content,
            "# My server\n"
            "port 7001\n"
            "\n"
            "# replication\n"
            "replica-read-only no\n"
            "save 300 3\n"
            "\n"
            "include /dev/null\n"
            f'dir "{directory}"\n'
            "# ??? frobnicate 1\n"
            "\n"
            "# Generated by CONFIG REWRITE\n"
            'requirepass "p \\"w"\n'
            "maxmemory 2gb\n"
            # rewriteConfigLatencyTrackingInfoPercentilesOutputOption() always writes it.
            "latency-tracking-info-percentiles 50 99 99.9\n",
        )
        # The rewritten file loads back to the same values.
        reloaded = Config.load_file(path)
        self.assertEqual(reloaded.port, 7001)
        self.assertEqual(reloaded.requirepass, 'p "w')
        self.assertEqual(reloaded.save, ((300, 3),))

    def test_rewrite_removes_unset_values(self) -> None:
        directory = temporary_directory(self)
        path = os.path.join(directory, "replkv.conf")
        with open(path, "w") as config_file:
            config_file.write(f"requirepass secret\nreplicaof 127.0.0.1 6379\ndir {directory}\n")
        config = Config.load_file(path)
        config.set_many([(b"requirepass", b"")])
        config.replicaof = None  # as REPLICAOF NO ONE does
        config.rewrite()
        with open(path) as config_file:
            content = config_file.read()
        self.assertNotIn("requirepass", content)
        self.assertNotIn("replicaof", content)
        self.assertIn("save 3600 1\nsave 300 100\nsave 60 10000\n", content)


REDIS_DEFAULT_CONF = os.path.join(os.path.dirname(__file__), "fixtures", "redis-7.0.conf")


class RedisDefaultConfigTests(SynchronousTestCase):
    """Redis 7.0's default redis.conf, and the directives replkv accepts but does not act on."""

    def test_default_redis_conf_loads(self) -> None:
        config = Config.load_file(REDIS_DEFAULT_CONF)
        self.assertEqual(config.bind, ["127.0.0.1", "-::1"])
        self.assertEqual(config.dir, os.getcwd())
        self.assertEqual(config.proc_title_template, "{title} {listen-addr} {server-mode}")
        # The three client-output-buffer-limit lines add up, one class each.
        self.assertEqual(
            config.get("client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        )

    def test_every_line_of_the_default_conf_is_a_known_directive(self) -> None:
        with open(REDIS_DEFAULT_CONF) as conf:
            names = {line.split()[0] for line in conf if line.strip() and line[0] != "#"}
        unknown = {name for name in names if name not in {d.name for d in DIRECTIVES}}
        self.assertEqual(unknown, set())

    def set_error(self, name: str, value: str) -> str:
        with self.assertRaises(ConfigSetError) as caught:
            Config().set_many([(name.encode(), value.encode())])
        return str(caught.exception).split(" - ", 1)[1]

    def test_propagation_error_behavior(self) -> None:
        config = Config()
        config.set_many([(b"propagation-error-behavior", b"PANIC-on-replicas")])
        self.assertEqual(config.get("propagation-error-behavior"), "panic-on-replicas")
        self.assertEqual(
            self.set_error("propagation-error-behavior", "x"),
            "argument(s) must be one of the following: ignore, panic, panic-on-replicas",
        )

    def test_shutdown_on_signal_flags(self) -> None:
        config = Config()
        self.assertEqual(config.get("shutdown-on-sigint"), "default")
        config.set_many([(b"shutdown-on-sigint", b"now save")])
        self.assertEqual(config.get("shutdown-on-sigint"), "save now")
        config.set_many([(b"shutdown-on-sigterm", b"default nosave")])
        self.assertEqual(config.get("shutdown-on-sigterm"), "nosave")
        self.assertEqual(
            self.set_error("shutdown-on-sigint", "nosave save"),
            "shutdown options SAVE and NOSAVE can't be used simultaneously",
        )
        self.assertEqual(
            self.set_error("shutdown-on-sigint", ""),
            "argument(s) must be one of the following: default, save, nosave, now, force",
        )

    def test_client_output_buffer_limit(self) -> None:
        config = Config()
        config.set_many([(b"client-output-buffer-limit", b"pubsub 1 2 3 replica 4 5 6")])
        self.assertEqual(
            config.get("client-output-buffer-limit"), "normal 0 0 0 slave 4 5 6 pubsub 1 2 3"
        )
        for value, reason in (
            ("normal 1 2", "Wrong number of arguments in buffer limit configuration."),
            ("master 1 2 3", "Invalid client class specified in buffer limit configuration."),
            (
                "normal 1 2 -1",
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            ),
        ):
            self.assertEqual(self.set_error("client-output-buffer-limit", value), reason)

    def test_numbers_as_redis_parses_them(self) -> None:
        config = Config()
        config.set_many([(b"maxmemory-clients", b"5%")])
        self.assertEqual(config.get("maxmemory-clients"), "5%")
        config.set_many([(b"maxmemory-clients", b"1mb")])
        self.assertEqual(config.get("maxmemory-clients"), "1048576")
        self.assertEqual(
            self.set_error("maxmemory-clients", "101%"),
            "percentage argument must be less or equal to 100",
        )
        self.assertEqual(
            self.set_error("maxmemory-clients", "-5"), "argument must be a memory or percent value"
        )
        config.set_many([(b"latency-tracking-info-percentiles", b"50.5 99.99999 1e1 0x10")])
        self.assertEqual(config.get("latency-tracking-info-percentiles"), "50.5 99.99999 10 16")
        self.assertEqual(
            self.set_error("latency-tracking-info-percentiles", "inf"),
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
        )
        self.assertEqual(
            self.set_error("oom-score-adj-values", "1 2 2001"),
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
        )
        config.set_many([(b"oom-score-adj", b"relative")])
        self.assertEqual(config.get("oom-score-adj"), "yes")

    def test_unixsocketperm_is_octal(self) -> None:
        config = Config()
        config.load_text("unixsocketperm 770")
        self.assertEqual(config.unixsocketperm, 0o770)
        self.assertEqual(config.get("unixsocketperm"), "770")
        for value, reason in (
            ("1000", "argument must be between 0 and 777 inclusive"),
            ("8", "argument couldn't be parsed as an octal number"),
        ):
            with self.assertRaises(ConfigError) as caught:
                Config().load_text(f"unixsocketperm {value}")
            self.assertTrue(str(caught.exception).endswith(reason), caught.exception)
        self.assertEqual(self.set_error("unixsocketperm", "700"), "can't set immutable config")

    def test_templates_hostnames_and_defrag(self) -> None:
        self.assertEqual(
            self.set_error("proc-title-template", "{title}"),
            "template format is invalid or contains unknown variables",
        )
        self.assertEqual(
            self.set_error("cluster-announce-hostname", "a_b"),
            "Hostnames may only contain alphanumeric characters, hyphens or dots",
        )
        self.assertTrue(
            self.set_error("activedefrag", "yes").startswith(
                "Active defragmentation cannot be enabled"
            )
        )

    def test_rewrite_writes_changed_buffer_limit_classes_only(self) -> None:
        path = os.path.join(temporary_directory(self), "redis.conf")
        with open(path, "w") as conf:
            conf.write("port 7000\n")
        config = Config.load_file(path)
        config.set_many([(b"client-output-buffer-limit", b"normal 1mb 0 0")])
        config.rewrite()
        with open(path) as conf:
            text = conf.read()
        self.assertIn("client-output-buffer-limit normal 1mb 0 0\n", text)
        self.assertNotIn("client-output-buffer-limit pubsub", text)  # dir may say pubsub
        self.assertEqual(
            Config.load_file(path).client_output_buffer_limit, config.client_output_buffer_limit
        )
