"""replkv's RDB codec against redis-server 7.0's own files.

(a) a redis-server holding every type and encoding SAVEs; replkv's reader loads its
dump.rdb and the loaded keyspace has redis-server's DEBUG DIGEST, per-key DIGEST-VALUE
and OBJECT ENCODING; (b) replkv's writer writes the same data; redis-check-rdb accepts
the file and a redis-server started on it reports the same digest.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SkipTest, SynchronousTestCase

from replkv.commands import registry
from replkv.keyspace.digest import dataset_digest, key_digest
from replkv.keyspace.keyspace import Keyspace
from replkv.keyspace.values import ENCODINGS, string_encoding
from replkv.rdb import load_rdb, write_rdb
from tests.support.datasets import KEYS_DB0, every_encoding
from tests.support.processes import start_redis_server
from tests.support.resp_client import RawClient, parse_reply
from tests.support.tempdirs import temporary_directory

DEBUG_ON = ("--enable-debug-command", "yes")


def _encoding(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return string_encoding(value)
    return ENCODINGS[type(value)](value)


def _text(raw: bytes) -> bytes:
    reply = parse_reply(raw)
    if isinstance(reply, list):  # DIGEST-VALUE: one digest per key
        (reply,) = reply
    assert isinstance(reply, str | bytes), reply
    return reply.encode() if isinstance(reply, str) else reply


class RdbVsRedis(SynchronousTestCase):
    def setUp(self) -> None:
        registry.load()  # value types register their digests with their families
        self.redis = start_redis_server(self, *DEBUG_ON)
        self.client = RawClient(self.redis.port)
        self.addCleanup(self.client.close)
        for argv in every_encoding():
            self.client.call(*argv)
        self.assertEqual(self.client.call("SAVE"), b"+OK\r\n")
        self.dump_file = self.redis.workdir / "dump.rdb"

    def call(self, *argv: Any) -> bytes:
        """A bulk or simple-string reply's content, as bytes."""
        return _text(self.client.call(*argv))

    def load(self, path: Path) -> Keyspace:
        keyspace = Keyspace(16, Clock())
        with path.open("rb") as source:
            info = load_rdb(source, keyspace)
        self.assertEqual(info.aux[b"redis-ver"], b"7.0.15")
        return keyspace

    def test_reader_loads_what_redis_saved(self) -> None:
        keyspace = self.load(self.dump_file)
        # Encodings as a redis-server that loaded the same file has them.
        self.assertEqual(self.client.call("DEBUG", "RELOAD"), b"+OK\r\n")
        self.assertEqual(dataset_digest(keyspace), self.call("DEBUG", "DIGEST"))
        db = keyspace.dbs[0]
        for key in KEYS_DB0:
            with self.subTest(key=key):
                name = key.encode()
                self.assertEqual(key_digest(db, name), self.call("DEBUG", "DIGEST-VALUE", key))
                self.assertEqual(_encoding(db.data[name]), self.call("OBJECT", "ENCODING", key))
        self.assertEqual(db.expires[b"str"], 4102444800000)
        self.assertEqual(sorted(keyspace.dbs[2].data), [b"db2", b"db2list"])

    def test_writer_output_loads_in_redis(self) -> None:
        keyspace = self.load(self.dump_file)
        written = Path(temporary_directory(self))
        with (written / "replkv.rdb").open("wb") as out:
            write_rdb(keyspace, out, {b"repl-stream-db": b"0"})
        checker = shutil.which("redis-check-rdb")
        if checker is None:
            raise SkipTest("redis-check-rdb is not installed")
        check = subprocess.run(
            [checker, str(written / "replkv.rdb")], capture_output=True, timeout=30
        )
        self.assertEqual(check.returncode, 0, check.stdout.decode(errors="replace"))
        expected = self.call("DEBUG", "DIGEST")
        loaded = start_redis_server(
            self, *DEBUG_ON, "--dir", str(written.resolve()), "--dbfilename", "replkv.rdb"
        )
        with RawClient(loaded.port) as client:
            self.assertEqual(_text(client.call("DEBUG", "DIGEST")), expected)
            for key in ("biglist", "zsetbig", "intset32", "hash"):
                self.assertEqual(
                    client.call("OBJECT", "ENCODING", key),
                    self.client.call("OBJECT", "ENCODING", key),
                )

    def test_rewritten_file_matches_redis_byte_for_byte(self) -> None:
        # Hash-table sets come out in Redis's own table order: leave them out. Keys
        # and hash-table hashes keep the file's order through replkv's dicts.
        for key in ("hashset", "bigintset"):
            self.client.call("DEL", key)
        self.assertEqual(self.client.call("DEBUG", "RELOAD"), b"+OK\r\n")
        self.assertEqual(self.client.call("SAVE"), b"+OK\r\n")
        original = self.dump_file.read_bytes()
        keyspace = Keyspace(16, Clock())
        aux = load_rdb(io.BytesIO(original), keyspace).aux
        out = io.BytesIO()
        write_rdb(keyspace, out, {}, ctime=int(aux[b"ctime"]), used_mem=int(aux[b"used-mem"]))
        self.assertEqual(out.getvalue(), original)
