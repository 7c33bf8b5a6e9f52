"""`twistd replkv` option parsing: config file, redis-server style overrides, role."""

import os
import shutil
import tempfile

from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase

from replkv.config import Config
from replkv.tap import Options


def parse(*arguments: str) -> Config:
    options = Options()
    options.parseOptions(list(arguments))
    assert options.config is not None
    return options.config


class OptionsTests(SynchronousTestCase):
    def config_file(self, text: str) -> str:
        directory = tempfile.mkdtemp(prefix="replkv-tap-")
        self.addCleanup(shutil.rmtree, directory, True)
        path = os.path.join(directory, "replkv.conf")
        with open(path, "w") as config_file:
            config_file.write(text)
        return path

    def test_defaults(self) -> None:
        config = parse()
        self.assertEqual(config.port, 6379)
        self.assertEqual(config.bind, ["127.0.0.1"])
        self.assertIsNone(config.replicaof)
        self.assertIsNone(config.config_file)

    def test_listed_options(self) -> None:
        directory = tempfile.mkdtemp(prefix="replkv-tap-")
        self.addCleanup(shutil.rmtree, directory, True)
        config = parse("--port", "7000", "--bind", "0.0.0.0", "::", "--dir", directory)
        self.assertEqual(config.port, 7000)
        self.assertEqual(config.bind, ["0.0.0.0", "::"])
        self.assertEqual(config.dir, directory)

    def test_any_directive(self) -> None:
        config = parse(
            "--save", "3600", "1", "300", "100",
            "--appendfsync", "always",
            "--maxmemory", "1gb",
            "--slave-read-only", "no",
            "--list-max-listpack-size", "-3",
        )  # fmt: skip
        self.assertEqual(config.save, ((3600, 1), (300, 100)))
        self.assertEqual(config.appendfsync, "always")
        self.assertEqual(config.maxmemory, 1024**3)
        self.assertFalse(config.replica_read_only)
        self.assertEqual(config.list_max_listpack_size, -3)

    def test_empty_save(self) -> None:
        self.assertEqual(parse("--save", "").save, ())
        # redis-server reads a --save followed by another option, or last, as --save "".
        self.assertEqual(parse("--save", "--port", "7000").save, ())
        self.assertEqual(parse("--port", "7000", "--save").save, ())

    def test_name_and_value_in_one_argument(self) -> None:
        config = parse("--port 7001", "--save 100 1")
        self.assertEqual(config.port, 7001)
        self.assertEqual(config.save, ((100, 1),))

    def test_first_value_may_start_with_dashes(self) -> None:
        self.assertEqual(parse("--requirepass", "--secret").requirepass, "--secret")

    def test_command_line_overrides_file(self) -> None:
        path = self.config_file("port 7000\nbind 10.0.0.1\ntimeout 5\nsave 100 1\n")
        config = parse("--config", path, "--port", "7002", "--save", "200", "2")
        self.assertEqual(config.config_file, path)
        self.assertEqual(config.port, 7002)
        self.assertEqual(config.bind, ["10.0.0.1"])  # the file's bind, not the loopback default
        self.assertEqual(config.timeout, 5)
        self.assertEqual(config.save, ((100, 1), (200, 2)))  # as redis-server appends

    def test_replicaof(self) -> None:
        self.assertEqual(parse("--replicaof", "10.0.0.1:6380").replicaof, ("10.0.0.1", 6380))
        self.assertEqual(parse("--replicaof", "::1:6380").replicaof, ("::1", 6380))
        self.assertEqual(parse("--replicaof", "host", "6381").replicaof, ("host", 6381))
        self.assertEqual(parse("--role", "replica", "--slaveof", "h", "1").replicaof, ("h", 1))

    def test_role(self) -> None:
        self.assertIsNone(parse("--role", "master").replicaof)
        self.assertRaises(usage.UsageError, parse, "--role", "replica")
        self.assertRaises(usage.UsageError, parse, "--role", "master", "--replicaof", "h:1")
        self.assertRaises(usage.UsageError, parse, "--role", "leader")

    def test_unknown_directive(self) -> None:
        error = self.assertRaises(SystemExit, parse, "--frobnicate", "1")
        self.assertEqual(
            error.code,
            "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
            "Reading the command line option --frobnicate\n"
            ">>> 'frobnicate \"1\"'\n"
            "Bad directive or wrong number of arguments",
        )

    def test_bad_value(self) -> None:
        error = self.assertRaises(SystemExit, parse, "--port", "x")
        self.assertIn("argument couldn't be parsed into an integer", str(error.code))
        error = self.assertRaises(SystemExit, parse, "--port")
        self.assertIn("wrong number of arguments", str(error.code))

    def test_bad_file(self) -> None:
        path = self.config_file("port 1\nnonsense here\n")
        error = self.assertRaises(SystemExit, parse, "--config", path)
        self.assertIn(f"Reading the configuration file '{path}', at line 2\n", str(error.code))

    def test_stray_argument(self) -> None:
        self.assertRaises(usage.UsageError, parse, "7000")

    def test_sample_configuration_loads(self) -> None:
        sample = os.path.abspath(
            os.path.join(os.path.dirname(__file__), "..", "etc", "replkv.conf")
        )
        # Its "dir ./data" must exist, relative to the working directory.
        directory = tempfile.mkdtemp(prefix="replkv-tap-")
        self.addCleanup(shutil.rmtree, directory, True)
        os.mkdir(os.path.join(directory, "data"))
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(directory)
        config = parse("--config", sample)
        self.assertEqual(config.dir, os.path.join(os.path.realpath(directory), "data"))
        self.assertEqual(config.port, 6379)
        self.assertEqual(config.bind, ["127.0.0.1"])
        self.assertEqual(config.databases, 16)
        self.assertEqual(config.appendfsync, "everysec")
        self.assertTrue(config.replica_read_only)
