"""Unit tests for keyspace notifications (replkv.notify) and where commands raise them."""

from __future__ import annotations

from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.expiry import ActiveExpiry
from replkv.protocol import ClientProtocol
from replkv.reply import encode_command
from tests.test_pubsub import ConnectionsTestCase, bulk


def pmessage(channel: bytes, text: bytes) -> bytes:
    return b"*4\r\n" + bulk(b"pmessage") + bulk(b"__key*__:*") + bulk(channel) + bulk(text)


def keyspace(key: bytes, event: bytes, db: int = 0) -> bytes:
    return pmessage(b"__keyspace@%d__:%s" % (db, key), event)


def keyevent(event: bytes, key: bytes, db: int = 0) -> bytes:
    return pmessage(b"__keyevent@%d__:%s" % (db, event), key)


class NotifyTests(ConnectionsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.listener, self.heard = self.connect()
        self.ask(self.listener, self.heard, b"PSUBSCRIBE", b"__key*__:*")
        self.client, self.out = self.connect()

    def run_command(self, *argv: bytes) -> bytes:
        return self.ask(self.client, self.out, *argv)

    def received(self) -> bytes:
        data = self.heard.value()
        self.heard.clear()
        return data

    def configure(self, flags: bytes) -> None:
        self.assertEqual(
            self.run_command(b"CONFIG", b"SET", b"notify-keyspace-events", flags), b"+OK\r\n"
        )

    def test_off_by_default(self) -> None:
        self.run_command(b"SET", b"k", b"v")
        self.run_command(b"DEL", b"k")
        self.assertEqual(self.received(), b"")

    def test_keyspace_and_keyevent_channels(self) -> None:
        self.configure(b"KEA")
        self.run_command(b"SET", b"k", b"v", b"EX", b"10")
        self.assertEqual(
            self.received(),
            keyspace(b"k", b"set")
            + keyevent(b"set", b"k")
            + keyspace(b"k", b"expire")
            + keyevent(b"expire", b"k"),
        )
        self.run_command(b"SELECT", b"2")
        self.run_command(b"INCR", b"n")
        self.assertEqual(
            self.received(), keyspace(b"n", b"incrby", 2) + keyevent(b"incrby", b"n", 2)
        )

    def test_classes_filter(self) -> None:
        self.configure(b"Eg")
        self.run_command(b"SET", b"k", b"v")
        self.assertEqual(self.received(), b"")
        self.run_command(b"RENAME", b"k", b"j")
        self.assertEqual(
            self.received(), keyevent(b"rename_from", b"k") + keyevent(b"rename_to", b"j")
        )

    def test_new_keys_only_with_n(self) -> None:
        self.configure(b"KA")
        self.run_command(b"SET", b"k", b"v")
        self.assertEqual(self.received(), keyspace(b"k", b"set"))
        self.configure(b"Kn")
        self.run_command(b"SET", b"k", b"v")
        self.run_command(b"SET", b"j", b"v")
        self.assertEqual(self.received(), keyspace(b"j", b"new"))
        self.configure(b"K$")
        self.run_command(b"SET", b"i", b"v")
        self.assertEqual(self.received(), keyspace(b"i", b"set"))

    def test_lazy_and_active_expiry(self) -> None:
        self.configure(b"Ex")
        self.run_command(b"SET", b"a", b"1", b"PX", b"10")
        self.run_command(b"SET", b"b", b"1", b"PX", b"10")
        self.clock.advance(1)
        self.run_command(b"GET", b"a")
        self.assertEqual(self.received(), keyevent(b"expired", b"a"))
        ActiveExpiry(self.server.keyspace).cycle(self.server.config.hz)
        self.assertEqual(self.received(), keyevent(b"expired", b"b"))

    def test_applied_stream_notifies_local_subscribers(self) -> None:
        self.configure(b"KEA")
        StreamApplier(self.server).feed(
            encode_command([b"DEL", b"nothing"]) + encode_command([b"SET", b"k", b"v"])
        )
        self.assertEqual(self.received(), keyspace(b"k", b"set") + keyevent(b"set", b"k"))

    def test_disconnected_listener_is_forgotten(self) -> None:
        self.configure(b"KEA")
        listener: ClientProtocol = self.listener
        listener.connectionLost()
        self.run_command(b"SET", b"k", b"v")
        self.assertEqual(self.server.pubsub.patterns, {})

    def assertEvents(self, *expected: tuple[bytes, bytes]) -> None:  # noqa: N802
        """What the last commands raised, as (event, key) pairs on keyevent channels."""
        self.assertEqual(self.received(), b"".join(keyevent(event, key) for event, key in expected))

    def test_hash_commands(self) -> None:
        self.configure(b"EA")
        self.run_command(b"HSET", b"h", b"a", b"1", b"b", b"2")
        self.run_command(b"HSETNX", b"h", b"a", b"1")
        self.run_command(b"HINCRBY", b"h", b"n", b"1")
        self.run_command(b"HINCRBYFLOAT", b"h", b"f", b"1.5")
        self.run_command(b"HINCRBY", b"h", b"f", b"1")
        self.run_command(b"HDEL", b"h", b"nope")
        self.assertEvents((b"hset", b"h"), (b"hincrby", b"h"), (b"hincrbyfloat", b"h"))
        self.run_command(b"HDEL", b"h", b"a", b"b", b"n", b"f")
        self.assertEvents((b"hdel", b"h"), (b"del", b"h"))

    def test_set_commands(self) -> None:
        self.configure(b"EA")
        self.run_command(b"SADD", b"s", b"a", b"b")
        self.run_command(b"SADD", b"s", b"a")
        self.run_command(b"SMOVE", b"s", b"s", b"a")
        self.run_command(b"SMOVE", b"s", b"t", b"a")
        self.assertEvents((b"sadd", b"s"), (b"srem", b"s"), (b"sadd", b"t"))
        self.run_command(b"SPOP", b"s")
        self.assertEvents((b"spop", b"s"), (b"del", b"s"))
        self.run_command(b"SADD", b"p", b"1", b"2", b"3")
        self.run_command(b"SPOP", b"p", b"0")
        self.run_command(b"SPOP", b"p", b"2")
        self.run_command(b"SPOP", b"p", b"5")
        self.assertEvents((b"sadd", b"p"), (b"spop", b"p"), (b"spop", b"p"), (b"del", b"p"))
        self.run_command(b"SUNIONSTORE", b"d", b"t")
        self.run_command(b"SINTERSTORE", b"d", b"t", b"missing")
        self.run_command(b"SDIFFSTORE", b"d", b"t", b"t")
        self.assertEvents((b"sunionstore", b"d"), (b"del", b"d"))

    def test_sorted_set_commands(self) -> None:
        self.configure(b"EA")
        self.run_command(b"ZADD", b"z", b"1", b"a", b"2", b"b", b"3", b"c")
        self.run_command(b"ZADD", b"z", b"1", b"a")
        self.run_command(b"ZADD", b"z", b"INCR", b"1", b"a")
        self.run_command(b"ZINCRBY", b"z", b"0", b"a")
        self.run_command(b"ZINCRBY", b"z", b"1", b"a")
        self.assertEvents((b"zadd", b"z"), (b"zincr", b"z"), (b"zincr", b"z"))
        self.run_command(b"ZRANGESTORE", b"r", b"z", b"0", b"0")
        self.run_command(b"ZUNIONSTORE", b"r", b"1", b"missing")
        self.run_command(b"ZINTERSTORE", b"i", b"1", b"z")
        self.assertEvents((b"zrangestore", b"r"), (b"del", b"r"), (b"zinterstore", b"i"))
        self.run_command(b"ZREMRANGEBYSCORE", b"i", b"(10", b"20")
        self.run_command(b"ZREMRANGEBYRANK", b"i", b"0", b"0")
        self.run_command(b"ZREM", b"i", b"c", b"a")
        self.assertEvents((b"zremrangebyrank", b"i"), (b"zrem", b"i"), (b"del", b"i"))
        self.run_command(b"ZPOPMAX", b"z", b"0")
        self.run_command(b"ZPOPMIN", b"z", b"2")
        self.run_command(b"ZMPOP", b"1", b"z", b"MAX")
        self.assertEvents((b"zpopmin", b"z"), (b"zpopmax", b"z"), (b"del", b"z"))

    def test_list_commands(self) -> None:
        self.configure(b"EA")
        self.run_command(b"RPUSH", b"l", b"a", b"b", b"a", b"c")
        self.run_command(b"LPUSHX", b"missing", b"a")
        self.run_command(b"RPUSHX", b"l", b"d")
        self.run_command(b"LPOP", b"l", b"0")
        self.run_command(b"LINSERT", b"l", b"BEFORE", b"nope", b"x")
        self.run_command(b"LINSERT", b"l", b"AFTER", b"a", b"x")
        self.run_command(b"LREM", b"l", b"0", b"nope")
        self.run_command(b"LREM", b"l", b"-1", b"a")
        self.run_command(b"LSET", b"l", b"9", b"z")
        self.run_command(b"LSET", b"l", b"0", b"z")
        self.assertEvents(
            (b"rpush", b"l"), (b"rpush", b"l"), (b"linsert", b"l"), (b"lrem", b"l"),
            (b"lset", b"l"),
        )  # fmt: skip
        self.run_command(b"LTRIM", b"l", b"0", b"-1")  # nothing removed: still `ltrim`
        self.run_command(b"LPOP", b"l", b"2")
        self.run_command(b"RPOP", b"l")
        self.run_command(b"LMOVE", b"l", b"l", b"LEFT", b"RIGHT")
        self.assertEvents(
            (b"ltrim", b"l"), (b"lpop", b"l"), (b"rpop", b"l"), (b"rpush", b"l"),
            (b"lpop", b"l"),
        )  # fmt: skip
        self.run_command(b"RPOPLPUSH", b"l", b"d")  # push on d first, then pop
        self.run_command(b"RPOPLPUSH", b"l", b"d")  # empties l: `del` after the pop
        self.run_command(b"LMPOP", b"1", b"d", b"RIGHT", b"COUNT", b"5")
        self.assertEvents(
            (b"lpush", b"d"), (b"rpop", b"l"), (b"lpush", b"d"), (b"rpop", b"l"),
            (b"del", b"l"), (b"rpop", b"d"), (b"del", b"d"),
        )  # fmt: skip
        self.run_command(b"RPUSH", b"t", b"1")
        self.run_command(b"LTRIM", b"t", b"1", b"0")
        self.assertEvents((b"rpush", b"t"), (b"ltrim", b"t"), (b"del", b"t"))

    def test_blocked_list_clients_notify_when_served(self) -> None:
        self.configure(b"EAn")  # with `new` reported, created keys still wake clients
        blocked, out = self.connect()
        self.assertEqual(self.ask(blocked, out, b"BLMOVE", b"s", b"d", b"LEFT", b"LEFT", b"0"), b"")
        mover, moved = self.connect()
        self.assertEqual(self.ask(mover, moved, b"BLPOP", b"d", b"0"), b"")
        self.run_command(b"RPUSH", b"s", b"x", b"y")
        # the push, then the BLMOVE served (push on d, pop from s), then the BLPOP on d
        self.assertEvents(
            (b"new", b"s"), (b"rpush", b"s"), (b"new", b"d"), (b"lpush", b"d"), (b"lpop", b"s"),
            (b"lpop", b"d"), (b"del", b"d"),
        )  # fmt: skip
        self.assertEqual(out.value(), bulk(b"x"))
        self.assertEqual(moved.value(), b"*2\r\n" + bulk(b"d") + bulk(b"x"))
