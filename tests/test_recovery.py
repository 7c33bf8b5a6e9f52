"""Start-up loading, DEBUG RELOAD and switching the log on and off, on a MemoryReactorClock
with real files in a temporary directory."""

from __future__ import annotations

import os

from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from replkv.client import Client
from replkv.config import Config
from replkv.errors import LOADING
from replkv.log.disk import DiskLog, open_disk_log
from replkv.log.eventlog import InMemoryLog
from replkv.reply import encode_command
from replkv.service import ReplkvService
from tests.support.tempdirs import temporary_directory


def info_field(raw: bytes, name: str) -> str:
    for line in raw.split(b"\r\n"):
        if line.startswith(name.encode() + b":"):
            return line.split(b":", 1)[1].decode()
    raise AssertionError(f"{name} not in INFO")


class ServiceOnDisk(SynchronousTestCase):
    def setUp(self) -> None:
        self.dir = temporary_directory(self)
        self.addCleanup(os.chdir, os.getcwd())  # the service moves into its dir

    def start(self, **settings: object) -> ReplkvService:
        config = Config()
        config.dir = self.dir
        config.save = ()
        config.port = 0
        config.bind = ["127.0.0.1"]
        for name, value in settings.items():
            setattr(config, name, value)
        self.reactor = MemoryReactorClock()
        service = ReplkvService(config, self.reactor)
        service.startService()
        self.addCleanup(service.stopService)
        self.client = Client(service.server, service.server.clients.next_id())
        service.server.clients.add(self.client)
        return service

    def call(self, service: ReplkvService, *argv: bytes) -> bytes | None:
        return service.server.execute(self.client, list(argv))

    def finish_loading(self, service: ReplkvService) -> int:
        """Run reactor turns until loading ends; how many it took."""
        for turn in range(1000):
            if not service.server.loading:
                return turn
            self.reactor.advance(0)
        raise AssertionError("still loading")


class LoadingTests(ServiceOnDisk):
    def write_log(self, commands: list[list[bytes]]) -> int:
        log = open_disk_log(os.path.join(self.dir, "appendonlydir"), MemoryReactorClock())
        for argv in commands:
            log.append(encode_command(argv))
        log.close()
        return log.end_offset

    def test_clients_get_loading_until_the_log_is_applied(self) -> None:
        value = b"v" * 40
        end = self.write_log(
            [[b"SELECT", b"2"]] + [[b"SET", b"k%d" % i, value] for i in range(30000)]
        )
        service = self.start(appendonly=True)
        self.assertEqual(self.call(service, b"GET", b"k1"), LOADING)
        info = self.call(service, b"INFO", b"persistence")
        assert info is not None
        self.assertEqual(info_field(info, "loading"), "1")
        self.assertEqual(info_field(info, "loading_total_bytes"), str(end))
        self.assertEqual(self.call(service, b"PING"), LOADING)
        self.assertGreaterEqual(self.finish_loading(service), 1)  # loads on later turns
        self.call(service, b"SELECT", b"2")
        self.assertEqual(self.call(service, b"GET", b"k29999"), b"$40\r\n" + value + b"\r\n")
        self.assertEqual(self.call(service, b"DBSIZE"), b":30000\r\n")
        self.assertEqual(service.server.log.end_offset, end)
        # The next event goes on from the log's database and offset.
        self.call(service, b"SET", b"after", b"1")
        self.assertEqual(
            service.server.log.read(end, 100), encode_command([b"SET", b"after", b"1"])
        )

    def test_a_short_log_loads_and_keeps_its_offset(self) -> None:
        end = self.write_log([[b"SET", b"a", b"1"]])
        service = self.start(appendonly=True)
        self.finish_loading(service)
        self.assertEqual(self.call(service, b"GET", b"a"), b"$1\r\n1\r\n")
        self.assertEqual(service.server.log.end_offset, end)


class ReloadTests(ServiceOnDisk):
    def test_debug_reload(self) -> None:
        service = self.start(enable_debug_command="yes")
        self.finish_loading(service)
        call = self.call
        call(service, b"RPUSH", b"l", b"a", b"b")
        call(service, b"SET", b"s", b"1", b"PX", b"100000")
        self.assertEqual(call(service, b"DEBUG", b"RELOAD"), b"+OK\r\n")
        self.assertEqual(
            call(service, b"LRANGE", b"l", b"0", b"-1"), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
        )
        self.assertGreater(service.server.keyspace.dbs[0].expires[b"s"], 0)
        call(service, b"SET", b"new", b"x")
        self.assertEqual(call(service, b"DEBUG", b"RELOAD", b"NOSAVE"), b"+OK\r\n")
        self.assertEqual(call(service, b"EXISTS", b"new"), b":0\r\n")  # the file's data only
        call(service, b"SET", b"new", b"x")
        self.assertEqual(
            call(service, b"DEBUG", b"RELOAD", b"NOSAVE", b"NOFLUSH"),
            b"-ERR Error trying to load the RDB dump\r\n",  # `l` and `s` are already there
        )
        call(service, b"DEL", b"l")
        self.assertEqual(
            call(service, b"DEBUG", b"RELOAD", b"NOSAVE", b"NOFLUSH", b"MERGE"), b"+OK\r\n"
        )
        self.assertEqual(call(service, b"EXISTS", b"new", b"l", b"s"), b":3\r\n")
        self.assertEqual(
            call(service, b"DEBUG", b"RELOAD", b"NOW"),
            b"-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n",
        )

    def test_flushall_saves_when_there_are_save_points(self) -> None:
        service = self.start(save=((3600, 1),))
        self.finish_loading(service)
        self.call(service, b"SET", b"a", b"1")
        self.assertEqual(self.call(service, b"FLUSHALL"), b"+OK\r\n")
        self.assertTrue(os.path.exists(os.path.join(self.dir, "dump.rdb")))
        self.assertEqual(service.server.saves.saves, 1)


class SwitchingTests(ServiceOnDisk):
    def test_config_set_appendonly_moves_the_log_to_disk_and_back(self) -> None:
        service = self.start()
        self.finish_loading(service)
        server = service.server
        self.call(service, b"SET", b"before", b"1")
        offset = server.log.end_offset
        self.assertEqual(self.call(service, b"CONFIG", b"SET", b"appendonly", b"yes"), b"+OK\r\n")
        self.assertIsInstance(server.log, DiskLog)
        self.assertEqual(server.log.end_offset, offset)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "dump.rdb")))  # covers `before`
        self.call(service, b"SET", b"after", b"2")
        server.log.flush()
        self.assertEqual(server.log.read(offset, 100), encode_command([b"SET", b"after", b"2"]))
        self.call(service, b"CONFIG", b"SET", b"appendfsync", b"always")
        self.assertTrue(server.durable_replies)
        self.call(service, b"CONFIG", b"SET", b"appendonly", b"no")
        self.assertIsInstance(server.log, InMemoryLog)
        self.assertFalse(server.durable_replies)
        self.assertEqual(
            server.log.end_offset, offset + len(encode_command([b"SET", b"after", b"2"]))
        )
