"""Unit tests for DUMP and RESTORE: replies, events, and replay of the events."""

from __future__ import annotations

import hiredis
from twisted.trial.unittest import SynchronousTestCase

from tests.support.harness import START_MS, Harness


def _bulk(raw: bytes | None) -> bytes:
    assert raw is not None
    reader = hiredis.Reader()
    reader.feed(raw)
    value = reader.gets()
    assert isinstance(value, bytes), raw
    return value


class DumpRestoreTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = Harness()

    def tearDown(self) -> None:
        self.assertEqual(self.h.replay().dataset(), self.h.dataset())

    def test_dump_of_each_type_restores_an_equal_value(self) -> None:
        h = self.h
        h("SET", "s", "hello")
        h("RPUSH", "l", "a", "1")
        h("SADD", "si", "1", "2")
        h("SADD", "sh", "a")
        h("HSET", "h", "f", "v")
        h("ZADD", "z", "1.5", "m")
        for key in ("s", "l", "si", "sh", "h", "z"):
            payload = _bulk(h("DUMP", key))
            self.assertEqual(h("RESTORE", key + ":copy", "0", payload), b"+OK\r\n")
            self.assertEqual(h.db.data[(key + ":copy").encode()], h.db.data[key.encode()])
        self.assertEqual(h("DUMP", "nosuch"), b"$-1\r\n")

    def test_restore_propagates_an_absolute_ttl(self) -> None:
        h = self.h
        h("SET", "a", "v")
        payload = _bulk(h("DUMP", "a"))
        mark = h.mark()
        self.assertEqual(h("RESTORE", "b", "5000", payload, "IDLETIME", "3"), b"+OK\r\n")
        self.assertEqual(h("RESTORE", "c", "0", payload), b"+OK\r\n")
        self.assertEqual(
            h.new_events(mark),
            [
                [
                    b"RESTORE",
                    b"b",
                    b"%d" % (START_MS + 5000),
                    payload,
                    b"IDLETIME",
                    b"3",
                    b"ABSTTL",
                ],
                [b"RESTORE", b"c", b"0", payload],
            ],
        )
        self.assertEqual(h.db.expires[b"b"], START_MS + 5000)

    def test_replace_with_a_past_ttl_deletes_and_propagates_del(self) -> None:
        h = self.h
        h("SET", "a", "v")
        payload = _bulk(h("DUMP", "a"))
        mark = h.mark()
        self.assertEqual(h("RESTORE", "a", "1", payload, "REPLACE", "ABSTTL"), b"+OK\r\n")
        self.assertEqual(h("RESTORE", "n", "1", payload, "ABSTTL"), b"+OK\r\n")
        self.assertEqual(h.new_events(mark), [[b"DEL", b"a"]])
        self.assertEqual(h.db.data, {})

    def test_errors(self) -> None:
        h = self.h
        h("SET", "a", "v")
        payload = _bulk(h("DUMP", "a"))
        self.assertEqual(
            h("RESTORE", "a", "0", payload), b"-BUSYKEY Target key name already exists.\r\n"
        )
        self.assertEqual(
            h("RESTORE", "b", "-5", payload), b"-ERR Invalid TTL value, must be >= 0\r\n"
        )
        self.assertEqual(
            h("RESTORE", "b", "0", payload[:-1] + b"x"),
            b"-ERR DUMP payload version or checksum are wrong\r\n",
        )
        self.assertEqual(
            h("RESTORE", "b", "0", payload, "IDLETIME", "-1"),
            b"-ERR Invalid IDLETIME value, must be >= 0\r\n",
        )
        self.assertEqual(h("RESTORE", "b", "0", payload, "nope"), b"-ERR syntax error\r\n")

    def test_replica_keeps_an_already_expired_restore(self) -> None:
        h = self.h
        h("SET", "a", "v")
        payload = _bulk(h("DUMP", "a"))
        h.keyspace.is_master = False
        self.assertEqual(h("RESTORE", "b", "1", payload, "ABSTTL"), b"+OK\r\n")
        self.assertEqual(h.db.expires[b"b"], 1)
        h.keyspace.is_master = True
        h("DEL", "b")
