"""Streams through DUMP/RESTORE and snapshots, between replkv and redis-server 7.0.

redis-server builds the streams (XADD with small and default node sizes, fields over
4096 bytes, XDEL and exact XTRIM tombstones, approximate trims, a stream emptied by
XDEL, empty streams with groups, groups with consumers and pending entries). Then

(a) redis-server's DUMP of each is RESTOREd into replkv: same DEBUG DIGEST-VALUE, the
same XINFO STREAM FULL (node counts included), and replkv's DUMP is redis-server's byte
for byte; RESTOREd back into redis-server it gives the same XINFO STREAM FULL;
(b) replkv starts on redis-server's dump.rdb with the same DEBUG DIGEST and XINFO
STREAM FULL, SAVEs, redis-check-rdb accepts the file, and a redis-server started on
it has the same digest and the same XINFO STREAM FULL of every stream; (c) the
dump.rdb, loaded and written again by replkv's codec, is the same file byte for byte.
Random streams (every listpack encoding, node limits, deletions) DUMP identically,
and a stream built, reloaded (DEBUG RELOAD) and trimmed on both servers answers alike.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from pathlib import Path

from twisted.internet.task import Clock
from twisted.trial.unittest import SkipTest, SynchronousTestCase

from replkv.keyspace.keyspace import Keyspace
from replkv.rdb import load_rdb_bytes, write_rdb
from tests.support.differential import DifferentialCase
from tests.support.processes import start_redis_server, start_replkv
from tests.support.resp_client import RawClient, parse_reply
from tests.support.tempdirs import temporary_directory

DEBUG_ON = ("--enable-debug-command", "yes")
LONG_GROUP = "a-much-longer-group-name-to-compress"  # over 20 bytes: LZF is tried
# Built by XADD and whole-node trims only.
APPENDED = ["plain", "bigfields", "ids", "approx", "groups", "emptygroups"]
# With entries flagged deleted inside Redis's listpacks (or emptied by XDEL).
TOMBSTONES = ["deleted", "exact", "emptied", "minid"]
SMALL_NODES = "small"  # built with stream-node-max-entries 7 (and tombstones)
STREAM_KEYS = [*APPENDED, *TOMBSTONES, SMALL_NODES]


def _build(client: RawClient) -> None:
    """The streams, on redis-server (delivery and seen times are its clock's)."""
    calls: list[list[bytes | str | int]] = []
    for i in range(300):
        layout = ["a", i, "b", "x" * (i % 9)] if i % 7 else ["c", "txt", "d", i * 1000003]
        calls.append(["XADD", "plain", "*", *layout])
    for i, size in enumerate([5000, 10, 4000, 20, 34, 9000, 1, 4070, 3]):
        calls.append(["XADD", "bigfields", f"7-{i}", "field", "v" * size])
    calls.append(["XADD", "bigfields", "8-0", "f" * 4100, "v", "g", "w"])
    for sid in ["5-10", "6-3", "6-9", "18446744073709551614-3", "18446744073709551615-0"]:
        calls.append(["XADD", "ids", sid, "k", sid])
    for i in range(450):
        calls.append(["XADD", "approx", "*", "n", i])
    calls.append(["XTRIM", "approx", "MAXLEN", "~", "120"])
    for i in range(60):
        calls.append(["XADD", "deleted", f"1-{i}", "n", i, *(["extra", "y"] if i % 3 else [])])
    calls.append(["XDEL", "deleted", "1-0", "1-5", "1-6", "1-30", "1-59"])
    for i in range(150):
        calls.append(["XADD", "exact", "*", "n", i])
    calls.append(["XTRIM", "exact", "MAXLEN", "=", "75"])
    calls.append(["XADD", "emptied", "3-3", "f", "v"])
    calls.append(["XDEL", "emptied", "3-3"])
    for i in range(1, 260):
        calls.append(["XADD", "minid", f"{i}-1", "n", i, *(["big", "x" * 90] if i % 5 else [])])
    calls += [["XDEL", "minid", "3-1", "101-1", "230-1"], ["XTRIM", "minid", "MINID", "150-1"]]
    calls.append(["XTRIM", "minid", "MINID", "~", "205-1"])
    for i in range(40):
        calls.append(["XADD", "groups", "*", "f", i])
    calls += [
        ["XGROUP", "CREATE", "groups", "g1", "0"],
        ["XGROUP", "CREATE", "groups", "g2", "$"],
        ["XGROUP", "CREATE", "groups", LONG_GROUP, "0", "ENTRIESREAD", "3"],
        ["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "groups", ">"],
        ["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "7", "STREAMS", "groups", ">"],
        ["XREADGROUP", "GROUP", "g1", "carol", "COUNT", "1", "NOACK", "STREAMS", "groups", ">"],
        ["XGROUP", "CREATECONSUMER", "groups", "g1", "dave"],
        ["XGROUP", "CREATECONSUMER", "groups", "g2", "erin"],
        ["XREADGROUP", "GROUP", LONG_GROUP, "frank", "STREAMS", "groups", ">"],
        ["XADD", "groups", "*", "late", "1"],
    ]  # fmt: skip
    calls += [
        ["XGROUP", "CREATE", "emptygroups", "g", "$", "MKSTREAM"],
        ["XGROUP", "CREATECONSUMER", "emptygroups", "g", "nobody"],
        ["XGROUP", "CREATE", "emptygroups", "h", "0"],
    ]
    for reply in client.pipeline(calls):
        assert not reply.startswith(b"-"), reply
    first_ids = parse_reply(client.call("XRANGE", "groups", "-", "+", "COUNT", "12"))
    assert isinstance(first_ids, list)
    ids = [entry[0] for entry in first_ids]  # type: ignore[index]
    client.call("XACK", "groups", "g1", ids[1], ids[6])
    client.call("XCLAIM", "groups", "g1", "dave", "0", ids[2], ids[7], "RETRYCOUNT", "9")
    client.call("CONFIG", "SET", "stream-node-max-entries", "7")
    for i in range(50):
        client.call("XADD", SMALL_NODES, "*", "s", i)
    client.call("XGROUP", "CREATE", SMALL_NODES, "g", "0")
    client.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "3", "STREAMS", SMALL_NODES, ">")
    small_ids = parse_reply(client.call("XRANGE", SMALL_NODES, "-", "+"))
    assert isinstance(small_ids, list)
    client.call("XDEL", SMALL_NODES, *(entry[0] for entry in small_ids[9:30:4]))  # type: ignore[index]
    client.call("XTRIM", SMALL_NODES, "MAXLEN", "45")
    client.call("CONFIG", "SET", "stream-node-max-entries", "100")


def _bulk(raw: bytes) -> bytes:
    value = parse_reply(raw)
    assert isinstance(value, bytes | str), raw
    return value.encode("latin-1") if isinstance(value, str) else value


def _xinfo(client: RawClient, key: str) -> bytes:
    """XINFO STREAM FULL's raw reply (radix-tree-keys and -nodes show the node layout)."""
    raw = client.call("XINFO", "STREAM", key, "FULL")
    assert raw.startswith(b"*"), raw
    return raw


class StreamRdbVsRedis(SynchronousTestCase):
    def setUp(self) -> None:
        self.redis = start_redis_server(self, *DEBUG_ON)
        self.client = RawClient(self.redis.port)
        self.addCleanup(self.client.close)
        _build(self.client)

    def test_dump_restore_both_ways(self) -> None:
        replkv = start_replkv(self, *DEBUG_ON)
        with RawClient(replkv.port) as ours:
            for key in STREAM_KEYS:
                with self.subTest(key=key):
                    payload = _bulk(self.client.call("DUMP", key))
                    self.assertEqual(ours.call("RESTORE", key, "0", payload), b"+OK\r\n")
                    self.assertEqual(ours.call("TYPE", key), b"+stream\r\n")
                    self.assertEqual(ours.call("OBJECT", "ENCODING", key), b"$6\r\nstream\r\n")
                    self.assertEqual(
                        ours.call("DEBUG", "DIGEST-VALUE", key),
                        self.client.call("DEBUG", "DIGEST-VALUE", key),
                    )
                    # The layout comes from the payload, whatever replkv's node limits.
                    self.assertEqual(_xinfo(ours, key), _xinfo(self.client, key))
                    ours_payload = _bulk(ours.call("DUMP", key))
                    self.assertEqual(ours_payload, payload)
                    copy = f"copy:{key}"
                    self.assertEqual(
                        self.client.call("RESTORE", copy, "0", ours_payload), b"+OK\r\n"
                    )
                    self.assertEqual(_xinfo(self.client, copy), _xinfo(self.client, key))
            self.assertEqual(
                ours.call("RESTORE", "bad", "0", payload[:-12] + payload[-10:]),
                b"-ERR DUMP payload version or checksum are wrong\r\n",
            )

    def test_snapshots_both_ways(self) -> None:
        checker = shutil.which("redis-check-rdb")
        if checker is None:
            raise SkipTest("redis-check-rdb is not installed")
        self.assertEqual(self.client.call("SAVE"), b"+OK\r\n")
        digest = self.client.call("DEBUG", "DIGEST")
        start_dir = Path(temporary_directory(self))
        shutil.copy(self.redis.workdir / "dump.rdb", start_dir / "dump.rdb")
        replkv = start_replkv(self, *DEBUG_ON, "--dir", str(start_dir.resolve()))
        with RawClient(replkv.port) as ours:
            self.assertEqual(ours.call("DBSIZE"), b":%d\r\n" % len(STREAM_KEYS))
            self.assertEqual(ours.call("DEBUG", "DIGEST"), digest)
            for key in STREAM_KEYS:
                with self.subTest(key=key):
                    self.assertEqual(
                        ours.call("DEBUG", "DIGEST-VALUE", key),
                        self.client.call("DEBUG", "DIGEST-VALUE", key),
                    )
                    self.assertEqual(_xinfo(ours, key), _xinfo(self.client, key))
            self.assertEqual(ours.call("SAVE"), b"+OK\r\n")
        written = start_dir / "dump.rdb"
        check = subprocess.run([checker, str(written)], capture_output=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout.decode(errors="replace"))
        loaded = start_redis_server(self, *DEBUG_ON, "--dir", str(start_dir.resolve()))
        with RawClient(loaded.port) as reference:
            self.assertEqual(reference.call("DEBUG", "DIGEST"), digest)
            for key in STREAM_KEYS:
                with self.subTest(key=key):
                    self.assertEqual(_xinfo(reference, key), _xinfo(self.client, key))

    def test_rewritten_file_is_byte_for_byte(self) -> None:
        self.assertEqual(self.client.call("SAVE"), b"+OK\r\n")
        original = (self.redis.workdir / "dump.rdb").read_bytes()
        keyspace = Keyspace(16, Clock())
        aux = load_rdb_bytes(original, keyspace).aux
        self.assertEqual(sorted(keyspace.dbs[0].data), sorted(k.encode() for k in STREAM_KEYS))
        out = io.BytesIO()
        write_rdb(keyspace, out, {}, ctime=int(aux[b"ctime"]), used_mem=int(aux[b"used-mem"]))
        self.assertEqual(out.getvalue(), original)


# stream-node-max-entries and stream-node-max-bytes the random streams are built with.
NODE_LIMITS = [(100, 4096), (7, 4096), (0, 300), (3, 0), (200, 65536)]


def _random_entry(rng: random.Random) -> list[str]:
    """Fields from a few layouts (so some entries share their node's master fields);
    values of every listpack encoding, some long enough to close a node."""
    layout = rng.choice([["a"], ["a", "b"], ["b", "a"], ["n", "-12", "x" * 70]])
    values = []
    for _ in layout:
        kind = rng.randrange(5)
        if kind == 0:
            values.append(str(rng.randrange(-(1 << 63), 1 << 63)))
        elif kind == 1:
            values.append(str(rng.randrange(-5000, 5000)))
        elif kind == 2:
            values.append("007")  # not a canonical integer: kept as a string
        else:
            values.append("v" * rng.choice([0, 1, 63, 64, 500, 4000, 4095, 5000]))
    return [part for pair in zip(layout, values, strict=True) for part in pair]


class RandomStreamsVsRedis(SynchronousTestCase):
    def test_random_streams_dump_identically(self) -> None:
        redis = start_redis_server(self, *DEBUG_ON)
        replkv = start_replkv(self, *DEBUG_ON)
        rng = random.Random(1207)
        with RawClient(redis.port) as theirs, RawClient(replkv.port) as ours:
            for index, (entries, size) in enumerate(NODE_LIMITS):
                key = f"s{index}"
                for client in (theirs, ours):
                    client.call("CONFIG", "SET", "stream-node-max-entries", str(entries))
                    client.call("CONFIG", "SET", "stream-node-max-bytes", str(size))
                ms = rng.randrange(1 << 40)
                calls = []
                for _ in range(rng.randrange(150, 400)):
                    ms += rng.choice([0, 0, 1, 1000])
                    calls.append(["XADD", key, f"{ms}-*", *_random_entry(rng)])
                ids = []
                for reply in theirs.pipeline(calls):
                    assert reply.startswith(b"$"), reply
                    ids.append(_bulk(reply))
                # Tombstones: deletions anywhere, then an exact and an approximate trim.
                theirs.call("XDEL", key, *rng.sample(ids, len(ids) // 5))
                theirs.call("XTRIM", key, "MAXLEN", str(len(ids) * 3 // 4))
                theirs.call("XTRIM", key, "MINID", "~", ids[len(ids) // 3])
                payload = _bulk(theirs.call("DUMP", key))
                with self.subTest(limits=(entries, size)):
                    self.assertEqual(ours.call("RESTORE", key, "0", payload), b"+OK\r\n")
                    self.assertEqual(_bulk(ours.call("DUMP", key)), payload)
                    self.assertEqual(_xinfo(ours, key), _xinfo(theirs, key))


class ReloadVsRedis(DifferentialCase, SynchronousTestCase):
    """A stream built, reloaded from a snapshot and trimmed on both servers: the
    reload keeps the node layout, so approximate trims remove the same nodes."""

    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def test_trims_after_debug_reload(self) -> None:
        rng = random.Random(31)
        for max_entries, max_bytes in [(100, 4096), (9, 4096), (0, 500)]:
            commands: list[list[str]] = [
                ["FLUSHALL"],
                ["CONFIG", "SET", "stream-node-max-entries", str(max_entries)],
                ["CONFIG", "SET", "stream-node-max-bytes", str(max_bytes)],
            ]
            for i in range(1, 400):
                fields = ["n", str(i)] if i % 4 else ["n", str(i), "pad", "p" * rng.randrange(60)]
                commands.append(["XADD", "s", f"{i}-0", *fields])
            commands.append(["XDEL", "s", *(f"{i}-0" for i in rng.sample(range(1, 400), 60))])
            commands += [
                ["XTRIM", "s", "MAXLEN", "300"],
                ["XTRIM", "s", "MINID", "80"],
                ["XADD", "s", "400-0", "n", "last"],
                ["XINFO", "STREAM", "s"],
                # Other limits on reload: the layout must come from the snapshot.
                ["CONFIG", "SET", "stream-node-max-entries", "100"],
                ["CONFIG", "SET", "stream-node-max-bytes", "4096"],
                ["DEBUG", "RELOAD"],
                ["XINFO", "STREAM", "s", "FULL"],
            ]
            for maxlen in (250, 200, 120, 40):
                commands += [["XTRIM", "s", "MAXLEN", "~", str(maxlen)], ["XINFO", "STREAM", "s"]]
            commands += [
                ["XTRIM", "s", "MINID", "~", "390"],
                ["XINFO", "STREAM", "s", "FULL"],
                ["DUMP", "s"],
            ]
            with self.subTest(limits=(max_entries, max_bytes)):
                self.assertSameReplies(commands)
