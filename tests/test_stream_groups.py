"""Consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO.

Streams are built with XADD and XDEL (explicit ids). Expected replies and events were
captured from redis-server 7.0.15 for the same sequences (times aside: ours come
from the task.Clock).
"""

from __future__ import annotations

import re
from typing import Any

import hiredis
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from replkv.keyspace import stream_groups as groups
from replkv.keyspace.stream import Stream, make_id
from replkv.protocol import ClientProtocol
from replkv.reply import encode_command
from tests.support.harness import START, START_MS, Harness


class StreamHarness(Harness):
    """The unit-test harness, with decoded replies."""

    def v(self, *argv: bytes | str | int) -> Any:
        """The reply, decoded."""
        raw = self(*argv)
        assert raw is not None
        return decode(raw)

    def stream(self, key: bytes = b"s") -> Stream:
        value = self.db.data[key]
        assert type(value) is Stream
        return value


def decode(raw: bytes) -> Any:
    reader = hiredis.Reader()
    reader.feed(raw)
    value = reader.gets()
    if isinstance(value, hiredis.ReplyError):
        text = str(value)
        return ("error", text[4:] if text.startswith("ERR ") else text)
    return value


def split_replies(raw: bytes) -> list[bytes]:
    """Raw bytes cut into whole replies."""
    replies = []
    while raw:
        size = _reply_size(raw, 0)
        replies.append(raw[:size])
        raw = raw[size:]
    return replies


def _reply_size(raw: bytes, at: int) -> int:
    end = raw.index(b"\r\n", at)
    kind, head = raw[at : at + 1], raw[at + 1 : end]
    pos = end + 2
    if kind == b"$" and int(head) >= 0:
        return pos + int(head) + 2 - at
    if kind in (b"*", b"%") and int(head) > 0:
        for _ in range(int(head) * (2 if kind == b"%" else 1)):
            pos += _reply_size(raw, pos)
    return pos - at


def groups_state(stream: Stream) -> dict[bytes, Any]:
    """Groups, PELs (times and counts) and consumers, without entries-read."""
    state = {}
    for name, group in stream.groups.items():
        pel = {
            sid: (n.consumer.name, n.delivery_time, n.delivery_count)
            for sid, n in group.pel.items()
        }
        consumers = {cname: sorted(consumer.pel) for cname, consumer in group.consumers.items()}
        for consumer in group.consumers.values():
            for sid, nack in consumer.pel.items():
                assert group.pel[sid] is nack  # shared, as Redis's streamNACKs
        state[name] = (group.last_id, pel, consumers)
    return state


def fill(h: StreamHarness, key: str = "s", count: int = 3) -> None:
    for i in range(1, count + 1):
        h("XADD", key, f"{i}-1", "f", str(i))


def xclaim_event(consumer: str, sid: str, ms: int, count: int, last: str) -> list[bytes]:
    return [
        b"XCLAIM", b"s", b"g", consumer.encode(), b"0", sid.encode(), b"TIME", b"%d" % ms,
        b"RETRYCOUNT", b"%d" % count, b"FORCE", b"JUSTID", b"LASTID", last.encode(),
    ]  # fmt: skip


class XGroupTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = StreamHarness()

    def test_create_and_errors(self) -> None:
        h = self.h
        key_required = (
            "error",
            "The XGROUP subcommand requires the key to exist. Note that for CREATE you "
            "may want to use the MKSTREAM option to create an empty stream automatically.",
        )
        self.assertEqual(h.v("XGROUP", "CREATE", "s", "g", "$"), key_required)
        self.assertEqual(h.v("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"), b"OK")
        self.assertEqual(
            h.v("XGROUP", "CREATE", "s", "g", "0"),
            ("error", "BUSYGROUP Consumer Group name already exists"),
        )
        self.assertEqual(
            h("XGROUP", "CREATE", "s", "g", "0"),
            b"-BUSYGROUP Consumer Group name already exists\r\n",
        )
        invalid = ("error", "Invalid stream ID specified as stream command argument")
        self.assertEqual(h.v("XGROUP", "CREATE", "s", "g2", "bad"), invalid)
        self.assertEqual(h.v("XGROUP", "CREATE", "s", "g2", "+"), invalid)
        self.assertEqual(h.v("XGROUP", "CREATE", "s", "g4", "-"), invalid)
        self.assertEqual(
            h.v("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"),
            ("error", "value for ENTRIESREAD must be positive or -1"),
        )
        self.assertEqual(
            h.v("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "x"),
            ("error", "value is not an integer or out of range"),
        )
        syntax = (
            "error",
            "unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.",
        )
        self.assertEqual(h.v("XGROUP", "create", "s", "g2", "0", "bogus"), syntax)
        self.assertEqual(h.v("XGROUP", "create", "s", "g2", "0", "ENTRIESREAD"), syntax)
        self.assertEqual(
            h.v("XGROUP", "create", "s", "g3", "0", "mkstream", "mkstream", "entriesread", "5"),
            syntax,
        )
        self.assertEqual(
            h.v("XGROUP", "setid", "s", "g", "0", "mkstream"),
            (
                "error",
                "unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.",
            ),
        )
        nogroup = ("error", "NOGROUP No such consumer group 'nog' for key name 's'")
        self.assertEqual(h.v("XGROUP", "SETID", "s", "nog", "0"), nogroup)
        self.assertEqual(h.v("XGROUP", "CREATECONSUMER", "s", "nog", "c"), nogroup)
        self.assertEqual(h.v("XGROUP", "DELCONSUMER", "s", "nog", "c"), nogroup)
        self.assertEqual(h.v("XGROUP", "DESTROY", "s", "nog"), 0)
        self.assertEqual(h.v("XGROUP", "DELCONSUMER", "nokey", "g", "c"), key_required)
        self.assertEqual(
            h.v("XGROUP", "DESTROY", "s", "g", "x"),
            ("error", "wrong number of arguments for 'xgroup|destroy' command"),
        )
        h("SET", "str", "x")
        self.assertEqual(
            h.v("XGROUP", "CREATE", "str", "g", "$", "MKSTREAM"),
            ("error", "WRONGTYPE Operation against a key holding the wrong kind of value"),
        )
        help_lines = h.v("XGROUP", "HELP")
        self.assertEqual(
            help_lines[0], b"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
        )
        self.assertEqual(len(help_lines), 17)
        self.assertEqual(
            h.writes(),
            [[b"XGROUP", b"CREATE", b"s", b"g", b"$", b"MKSTREAM"], [b"SET", b"str", b"x"]],
        )

    def test_create_at_last_id_setid_destroy_and_consumers(self) -> None:
        h = self.h
        fill(h)
        self.assertEqual(h.v("XGROUP", "CREATE", "s", "g", "$"), b"OK")
        self.assertEqual(h.v("XGROUP", "CREATE", "s", "h", "0", "ENTRIESREAD", "0"), b"OK")
        stream = h.stream()
        self.assertEqual(stream.groups[b"g"].last_id, make_id(3, 1))
        self.assertEqual(stream.groups[b"g"].entries_read, -1)
        self.assertEqual(stream.groups[b"h"].entries_read, 0)
        self.assertEqual(h.v("XGROUP", "SETID", "s", "g", "1", "ENTRIESREAD", "1"), b"OK")
        self.assertEqual(stream.groups[b"g"].last_id, make_id(1, 0))
        self.assertEqual(stream.groups[b"g"].entries_read, 1)
        self.assertEqual(h.v("XGROUP", "SETID", "s", "g", "+"), b"OK")
        self.assertEqual(h.v("XGROUP", "SETID", "s", "g", "$"), b"OK")
        self.assertEqual(stream.groups[b"g"].entries_read, -1)
        self.assertEqual(h.v("XGROUP", "CREATECONSUMER", "s", "g", "c"), 1)
        self.assertEqual(h.v("XGROUP", "CREATECONSUMER", "s", "g", "c"), 0)
        h("XGROUP", "SETID", "s", "g", "0")
        h("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">")
        self.assertEqual(h.v("XGROUP", "DELCONSUMER", "s", "g", "c"), 2)
        self.assertEqual(h.v("XGROUP", "DELCONSUMER", "s", "g", "c"), 0)
        self.assertEqual(len(stream.groups[b"g"].pel), 0)
        self.assertEqual(h.v("XGROUP", "DESTROY", "s", "g"), 1)
        self.assertEqual(h.v("XGROUP", "DESTROY", "s", "g"), 0)
        verbs = [event[:2] for event in h.writes() if event[0] == b"XGROUP"]
        self.assertEqual(
            verbs,
            [[b"XGROUP", b"CREATE"]] * 2 + [[b"XGROUP", b"SETID"]] * 3
            + [[b"XGROUP", b"CREATECONSUMER"], [b"XGROUP", b"SETID"]]
            + [[b"XGROUP", b"DELCONSUMER"], [b"XGROUP", b"DESTROY"]],
        )  # fmt: skip

    def test_notifications(self) -> None:
        h = self.h
        listener = ClientProtocol(h.server)
        heard = StringTransport()
        listener.makeConnection(heard)
        listener.dataReceived(encode_command([b"PSUBSCRIBE", b"__keyevent@0__:*"]))
        h("CONFIG", "SET", "notify-keyspace-events", "Et")
        h("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        h("XGROUP", "CREATECONSUMER", "s", "g", "c")
        h("XGROUP", "SETID", "s", "g", "0")
        h("XGROUP", "DELCONSUMER", "s", "g", "c")
        h("XGROUP", "DELCONSUMER", "s", "g", "c")
        h("XADD", "s", "1-1", "f", "v")
        h("XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">")
        h("XCLAIM", "s", "g", "e", "0", "1-1")
        h("XGROUP", "DESTROY", "s", "g")
        channels = re.findall(rb"__keyevent@0__:([a-z-]+)", heard.value())
        self.assertEqual(
            channels,
            [b"xgroup-create", b"xgroup-createconsumer", b"xgroup-setid",
             b"xgroup-delconsumer", b"xadd", b"xgroup-createconsumer",
             b"xgroup-createconsumer", b"xgroup-destroy"],
        )  # fmt: skip


class XReadGroupTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = StreamHarness()
        self.h("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        self.compare_replica = True

    def tearDown(self) -> None:
        replica = self.h.replay()
        if self.compare_replica:
            self.assertEqual(groups_state(replica.stream()), groups_state(self.h.stream()))

    def test_new_entries_noack_and_events(self) -> None:
        h = self.h
        self.assertEqual(h.v("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"), None)
        # Nothing served: 7.0 creates no consumer.
        self.assertEqual(h.v("XINFO", "CONSUMERS", "s", "g"), [])
        fill(h)
        mark = h.mark()
        self.assertEqual(
            h.v("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"),
            [[b"s", [[b"1-1", [b"f", b"1"]], [b"2-1", [b"f", b"2"]]]]],
        )
        self.assertEqual(
            h.v("XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">"),
            [[b"s", [[b"3-1", [b"f", b"3"]]]]],
        )
        self.assertEqual(
            h.new_events(mark),
            [
                [b"MULTI"],
                xclaim_event("alice", "1-1", START_MS, 1, "1-1"),
                xclaim_event("alice", "2-1", START_MS, 1, "2-1"),
                [b"EXEC"],
                [b"MULTI"],
                [b"XGROUP", b"CREATECONSUMER", b"s", b"g", b"bob"],
                [b"XGROUP", b"SETID", b"s", b"g", b"3-1", b"ENTRIESREAD", b"3"],
                [b"EXEC"],
            ],
        )
        self.assertEqual(h.stream().groups[b"g"].entries_read, 3)
        # Nothing new: no reply, no event.
        mark = h.mark()
        self.assertEqual(h.v("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"), None)
        self.assertEqual(h.new_events(mark), [])
        h("HELLO", "3")
        h("XADD", "s", "4-1", "f", "4")
        self.assertEqual(
            h("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"),
            b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n4-1\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n",
        )

    def test_history_after_delete(self) -> None:
        h = self.h
        fill(h)
        h("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
        h("XDEL", "s", "1-1")
        h.clock.advance(5)
        mark = h.mark()
        self.assertEqual(
            h.v("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),
            [[b"s", [[b"1-1", None], [b"2-1", [b"f", b"2"]]]]],
        )
        self.assertEqual(h.new_events(mark), [])  # history reads are not propagated
        self.compare_replica = False  # (so a replica's delivery counts lag, as Redis's do)
        pel = h.stream().groups[b"g"].pel
        self.assertEqual(pel[make_id(1, 1)].delivery_count, 1)
        self.assertEqual(pel[make_id(2, 1)].delivery_count, 2)
        self.assertEqual(pel[make_id(2, 1)].delivery_time, START_MS + 5000)
        self.assertEqual(
            h.v("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "1-1"),
            [[b"s", [[b"2-1", [b"f", b"2"]]]]],
        )
        # A new consumer's history is empty, but it is served: 7.0 creates it (unpropagated).
        self.assertEqual(
            h.v("XREADGROUP", "GROUP", "g", "frank", "STREAMS", "s", "0"), [[b"s", []]]
        )
        self.assertIn(b"frank", h.stream().groups[b"g"].consumers)

    def test_errors(self) -> None:
        h = self.h
        h("SET", "str", "x")
        cases = {
            "XREADGROUP GROUP g c STREAMS s 1 2": "Unbalanced XREAD list of "
            "streams: for each stream key an ID or '$' must be specified.",
            "XREADGROUP GROUP g c BLOCK -1 STREAMS s >": "timeout is negative",
            "XREADGROUP GROUP g c BLOCK x STREAMS s >": "timeout is not an integer or out of range",
            "XREADGROUP GROUP g c COUNT x STREAMS s >": "value is not an integer or out of range",
            "XREADGROUP GROUP g c STREAMS s $": "The $ ID is meaningless in the "
            "context of XREADGROUP: you want to read the history of this consumer by specifying a "
            "proper ID, or use the > ID to get new messages. The $ ID would just return an empty "
            "result set.",
            "XREADGROUP GROUP nog c STREAMS s >": "NOGROUP No such key 's' or consumer "
            "group 'nog' in XREADGROUP with GROUP option",
            "XREADGROUP GROUP g c STREAMS nokey >": "NOGROUP No such key 'nokey' or "
            "consumer group 'g' in XREADGROUP with GROUP option",
            "XREADGROUP GROUP g c STREAMS s bad": "Invalid stream ID specified "
            "as stream command argument",
            "XREADGROUP GROUP g c STREAMS s +": "Invalid stream ID specified "
            "as stream command argument",
            "XREADGROUP GROUP g c foo STREAMS s >": "syntax error",
            "XREADGROUP COUNT 1 NOACK STREAMS s >": "Missing GROUP option for XREADGROUP",
            "XREADGROUP GROUP g c STREAMS str >": "WRONGTYPE Operation against a key "
            "holding the wrong kind of value",
        }
        for line, text in cases.items():
            self.assertEqual(h.v(*line.split()), ("error", text), line)

    def test_seen_time_and_idle(self) -> None:
        h = self.h
        fill(h)
        h("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">")
        h.clock.advance(2)
        self.assertEqual(
            h.v("XINFO", "CONSUMERS", "s", "g"), [[b"name", b"alice", b"pending", 1, b"idle", 2000]]
        )
        h("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
        h.clock.advance(1)
        self.assertEqual(h.v("XINFO", "CONSUMERS", "s", "g")[0][5], 1000)
        # Nothing to serve: the consumer is not even looked up.
        h("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
        h.clock.advance(1)
        self.assertEqual(h.v("XINFO", "CONSUMERS", "s", "g")[0][5], 2000)
        # XPENDING does not refresh it either.
        h("XPENDING", "s", "g", "-", "+", "10", "alice")
        self.assertEqual(h.v("XINFO", "CONSUMERS", "s", "g")[0][5], 2000)

    def test_redelivery_after_setid_moves_back(self) -> None:
        h = self.h
        fill(h)
        h("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
        h("XGROUP", "SETID", "s", "g", "0")
        h.clock.advance(1)
        h("XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">")
        group = h.stream().groups[b"g"]
        nack = group.pel[make_id(1, 1)]
        self.assertEqual((nack.consumer.name, nack.delivery_count), (b"bob", 1))
        self.assertEqual(sorted(group.consumers[b"alice"].pel), [make_id(2, 1), make_id(3, 1)])


class BlockingTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = StreamHarness()
        self.h("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        self.other = ClientProtocol(self.h.server)
        self.transport = StringTransport()
        self.other.makeConnection(self.transport)

    @property
    def sent(self) -> list[bytes]:
        """The other client's replies so far."""
        return split_replies(self.transport.value())

    def run_other(self, *argv: str) -> None:
        self.other.dataReceived(encode_command([a.encode() for a in argv]))

    def test_served_by_a_later_entry(self) -> None:
        h = self.h
        self.run_other("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
        self.assertEqual(self.sent, [])
        self.assertEqual(h.v("XINFO", "CONSUMERS", "s", "g"), [])  # created when served
        h.clock.advance(1)
        mark = h.mark()
        h("XADD", "s", "1-1", "f", "1")
        self.assertEqual([decode(x) for x in self.sent], [[[b"s", [[b"1-1", [b"f", b"1"]]]]]])
        self.assertEqual(
            h.new_events(mark),
            [
                [b"XADD", b"s", b"1-1", b"f", b"1"],
                xclaim_event("alice", "1-1", START_MS + 1000, 1, "1-1"),
            ],
        )
        self.assertIsNone(self.other.blocked)
        self.assertEqual(groups_state(h.replay().stream()), groups_state(h.stream()))

    def test_timeout_destroyed_group_and_multi(self) -> None:
        h = self.h
        self.run_other("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "1500", "STREAMS", "s", ">")
        h.clock.advance(1.6)
        self.assertEqual(self.sent, [b"*-1\r\n"])
        self.run_other(
            "XREADGROUP", "GROUP", "g", "alice", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"
        )
        h("XGROUP", "DESTROY", "s", "g")  # wakes it at once (7.0.15)
        self.assertEqual(
            self.sent[1],
            b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n",
        )
        h("XGROUP", "CREATE", "s", "g", "$")
        h("MULTI")
        h("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
        self.assertEqual(h("EXEC"), b"*1\r\n*-1\r\n")

    def test_key_deleted_or_overwritten(self) -> None:
        h = self.h
        gone = b"-UNBLOCKED the stream key no longer exists\r\n"
        self.run_other("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
        h("DEL", "s")
        self.assertEqual(self.sent, [gone])
        h("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        self.run_other("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
        h("SET", "s", "x")
        self.assertEqual(self.sent, [gone, gone])
        h("DEL", "s")
        h("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        self.run_other("XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">")
        h("FLUSHALL")
        self.assertEqual(self.sent, [gone, gone, gone])
        # A list client blocked on a deleted key stays blocked.
        self.run_other("BLPOP", "l", "0")
        h("MULTI")
        h("RPUSH", "l", "y")
        h("DEL", "l")
        h("EXEC")
        self.assertEqual(len(self.sent), 3)
        h("RPUSH", "l", "z")
        self.assertEqual(len(self.sent), 4)

    def test_noack_blocked_consumer_creation_is_propagated(self) -> None:
        h = self.h
        self.run_other(
            "XREADGROUP", "GROUP", "g", "bob", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"
        )
        mark = h.mark()
        h("XADD", "s", "1-1", "f", "1")
        self.assertEqual(
            h.new_events(mark),
            [
                [b"XADD", b"s", b"1-1", b"f", b"1"],
                [b"MULTI"],
                [b"XGROUP", b"CREATECONSUMER", b"s", b"g", b"bob"],
                [b"XGROUP", b"SETID", b"s", b"g", b"1-1", b"ENTRIESREAD", b"1"],
                [b"EXEC"],
            ],
        )


class AckPendingTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = StreamHarness()
        h = self.h
        fill(h, count=4)
        h("XGROUP", "CREATE", "s", "g", "0")
        h("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
        h.clock.advance(3)
        h("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
        h.clock.advance(1)

    def test_xpending(self) -> None:
        h = self.h
        self.assertEqual(
            h.v("XPENDING", "s", "g"),
            [4, b"1-1", b"4-1", [[b"alice", b"2"], [b"bob", b"2"]]],
        )
        self.assertEqual(
            h.v("XPENDING", "s", "g", "-", "+", "10"),
            [
                [b"1-1", b"alice", 4000, 1],
                [b"2-1", b"alice", 4000, 1],
                [b"3-1", b"bob", 1000, 1],
                [b"4-1", b"bob", 1000, 1],
            ],
        )
        self.assertEqual(
            h.v("XPENDING", "s", "g", "IDLE", "2000", "-", "+", "10"),
            [[b"1-1", b"alice", 4000, 1], [b"2-1", b"alice", 4000, 1]],
        )
        self.assertEqual(
            h.v("XPENDING", "s", "g", "(1-1", "(4-1", "1"), [[b"2-1", b"alice", 4000, 1]]
        )
        self.assertEqual(h.v("XPENDING", "s", "g", "-", "+", "10", "bob")[0][0], b"3-1")
        self.assertEqual(h.v("XPENDING", "s", "g", "-", "+", "10", "nobody"), [])
        self.assertEqual(h.v("XPENDING", "s", "g", "-", "+", "-5"), [])
        self.assertEqual(h.v("XPENDING", "s", "g", "1"), ("error", "syntax error"))
        self.assertEqual(
            h.v("XPENDING", "s", "g", "IDLE", "1", "-", "+"), ("error", "syntax error")
        )
        self.assertEqual(
            h.v("XPENDING", "s", "g", "(18446744073709551615-18446744073709551615", "+", "1"),
            ("error", "invalid start ID for the interval"),
        )
        self.assertEqual(
            h.v("XPENDING", "s", "g", "-", "(0-0", "1"),
            ("error", "invalid end ID for the interval"),
        )
        self.assertEqual(
            h.v("XPENDING", "s", "nog"),
            ("error", "NOGROUP No such key 's' or consumer group 'nog'"),
        )
        h("XGROUP", "CREATE", "s", "empty", "$")
        self.assertEqual(h("XPENDING", "s", "empty"), b"*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n")
        h("HELLO", "3")
        self.assertEqual(h("XPENDING", "s", "empty"), b"*4\r\n:0\r\n_\r\n_\r\n_\r\n")

    def test_xack(self) -> None:
        h = self.h
        mark = h.mark()
        self.assertEqual(
            h.v("XACK", "s", "g", "1-1", "bad"),
            ("error", "Invalid stream ID specified as stream command argument"),
        )
        self.assertEqual(h.v("XACK", "s", "g", "1-1", "1-1", "3-1", "9-9"), 2)
        self.assertEqual(h.v("XACK", "s", "nog", "bad"), 0)
        self.assertEqual(h.v("XACK", "s", "g", "1-1"), 0)
        self.assertEqual(
            h.new_events(mark), [[b"XACK", b"s", b"g", b"1-1", b"1-1", b"3-1", b"9-9"]]
        )
        group = h.stream().groups[b"g"]
        self.assertEqual(sorted(group.pel), [make_id(2, 1), make_id(4, 1)])
        self.assertEqual(sorted(group.consumers[b"bob"].pel), [make_id(4, 1)])


class ClaimTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = StreamHarness()
        h = self.h
        fill(h, count=4)
        h("XGROUP", "CREATE", "s", "g", "0")
        h("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
        h.clock.advance(10)

    def tearDown(self) -> None:
        self.assertEqual(groups_state(self.h.replay().stream()), groups_state(self.h.stream()))

    def test_xclaim_deleted_force_and_options(self) -> None:
        h = self.h
        h("XDEL", "s", "1-1")
        now = START_MS + 10000
        mark = h.mark()
        self.assertEqual(
            h.v("XCLAIM", "s", "g", "carol", "5000", "1-1", "2-1", "9-9"),
            [[b"2-1", [b"f", b"2"]]],
        )
        self.assertEqual(
            h.new_events(mark),
            [
                [b"MULTI"],
                xclaim_event("alice", "1-1", START_MS, 1, "4-1"),
                xclaim_event("carol", "2-1", now, 2, "4-1"),
                [b"EXEC"],
            ],
        )
        self.assertNotIn(make_id(1, 1), h.stream().groups[b"g"].pel)
        # min-idle not reached: nothing claimed, no consumer created.
        self.assertEqual(h.v("XCLAIM", "s", "g", "dave", "20000", "3-1"), [])
        self.assertNotIn(b"dave", h.stream().groups[b"g"].consumers)
        mark = h.mark()
        self.assertEqual(
            h.v("XCLAIM", "s", "g", "dave", "0", "3-1", "IDLE", "500", "RETRYCOUNT", "7", "JUSTID"),
            [b"3-1"],
        )
        self.assertEqual(h.new_events(mark), [xclaim_event("dave", "3-1", now - 500, 7, "4-1")])
        h("XACK", "s", "g", "4-1")
        self.assertEqual(h.v("XCLAIM", "s", "g", "erin", "0", "4-1", "TIME", "123"), [])
        self.assertEqual(
            h.v("XCLAIM", "s", "g", "erin", "0", "4-1", "TIME", "123", "FORCE", "JUSTID"), [b"4-1"]
        )
        nack = h.stream().groups[b"g"].pel[make_id(4, 1)]
        self.assertEqual(
            (nack.consumer.name, nack.delivery_time, nack.delivery_count), (b"erin", 123, 1)
        )
        # LASTID alone moves the group forward: XGROUP SETID.
        mark = h.mark()
        self.assertEqual(h.v("XCLAIM", "s", "g", "erin", "0", "7-7", "LASTID", "10-10"), [])
        self.assertEqual(
            h.new_events(mark), [[b"XGROUP", b"SETID", b"s", b"g", b"10-10", b"ENTRIESREAD", b"4"]]
        )
        # A future TIME is clamped to now.
        h("XCLAIM", "s", "g", "erin", "0", "2-1", "TIME", str(now + 99999))
        self.assertEqual(h.stream().groups[b"g"].pel[make_id(2, 1)].delivery_time, now)

    def test_xclaim_errors(self) -> None:
        h = self.h
        cases = {
            "XCLAIM s nog c 0 1-1": "NOGROUP No such key 's' or consumer group 'nog'",
            "XCLAIM s g c x 1-1": "Invalid min-idle-time argument for XCLAIM",
            "XCLAIM s g c 0 1-1 IDLE x": "Invalid IDLE option argument for XCLAIM",
            "XCLAIM s g c 0 1-1 TIME x": "Invalid TIME option argument for XCLAIM",
            "XCLAIM s g c 0 1-1 RETRYCOUNT x": "Invalid RETRYCOUNT option argument for XCLAIM",
            "XCLAIM s g c 0 1-1 LASTID x": "Invalid stream ID specified as stream command argument",
            "XCLAIM s g c 0 1-1 bogus": "Unrecognized XCLAIM option 'bogus'",
            "XCLAIM s g c 0 1-1 idle": "Unrecognized XCLAIM option 'idle'",
            "XCLAIM s g c 0 bad 1-1": "Unrecognized XCLAIM option 'bad'",
        }
        mark = h.mark()
        for line, text in cases.items():
            self.assertEqual(h.v(*line.split()), ("error", text), line)
        self.assertEqual(h.new_events(mark), [])

    def test_xautoclaim_cursor_and_deleted(self) -> None:
        h = self.h
        h("XDEL", "s", "2-1")
        mark = h.mark()
        self.assertEqual(
            h.v("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2"),
            [b"3-1", [[b"1-1", [b"f", b"1"]]], [b"2-1"]],
        )
        now = START_MS + 10000
        self.assertEqual(
            h.new_events(mark),
            [
                [b"MULTI"],
                xclaim_event("bob", "1-1", now, 2, "4-1"),
                xclaim_event("alice", "2-1", START_MS, 1, "4-1"),
                [b"EXEC"],
            ],
        )
        self.assertEqual(
            h.v("XAUTOCLAIM", "s", "g", "bob", "0", "3-1", "JUSTID"), [b"0-0", [b"3-1", b"4-1"], []]
        )
        self.assertEqual(h.stream().groups[b"g"].pel[make_id(3, 1)].delivery_count, 1)
        self.assertEqual(
            h.v("XAUTOCLAIM", "s", "g", "bob", "0", "(3-1", "COUNT", "1"),
            [b"0-0", [[b"4-1", [b"f", b"4"]]], []],
        )
        # Idle below the minimum: skipped, no consumer created.
        self.assertEqual(h.v("XAUTOCLAIM", "s", "g", "zed", "1000", "0"), [b"0-0", [], []])
        self.assertNotIn(b"zed", h.stream().groups[b"g"].consumers)

    def test_xautoclaim_errors(self) -> None:
        h = self.h
        cases = {
            "XAUTOCLAIM s g c x 0": "Invalid min-idle-time argument for XAUTOCLAIM",
            "XAUTOCLAIM s g c 0 x": "Invalid stream ID specified as stream command argument",
            "XAUTOCLAIM s g c 0 (18446744073709551615-18446744073709551615": "invalid "
            "start ID for the interval",
            "XAUTOCLAIM s g c 0 0 COUNT 0": "COUNT must be > 0",
            "XAUTOCLAIM s g c 0 0 COUNT 576460752303423488": "COUNT must be > 0",
            "XAUTOCLAIM s g c 0 0 COUNT 576460752303423487": "Insufficient "
            "memory, failed allocating transient memory, COUNT too high.",
            "XAUTOCLAIM s g c 0 0 bogus": "syntax error",
            "XAUTOCLAIM s g c 0 0 COUNT": "syntax error",
            "XAUTOCLAIM s nog c 0 0": "NOGROUP No such key 's' or consumer group 'nog'",
        }
        for line, text in cases.items():
            self.assertEqual(h.v(*line.split()), ("error", text), line)


class InfoTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.h = StreamHarness()

    def groups_info(self) -> list[tuple[Any, Any]]:
        return [(g[9], g[11]) for g in self.h.v("XINFO", "GROUPS", "s")]

    def test_lag_and_entries_read_with_tombstones(self) -> None:
        """The sequence and answers of a redis-server 7.0.15 session."""
        h = self.h
        fill(h, count=4)
        h("XGROUP", "CREATE", "s", "g", "0")
        h("XGROUP", "CREATE", "s", "h", "0", "ENTRIESREAD", "0")
        h("XGROUP", "CREATE", "s", "k", "$")
        self.assertEqual(self.groups_info(), [(None, 4), (0, 4), (None, 0)])
        h("XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">")
        h("XREADGROUP", "GROUP", "h", "a", "COUNT", "1", "STREAMS", "s", ">")
        self.assertEqual(self.groups_info(), [(1, 3), (1, 3), (None, 0)])
        h("XDEL", "s", "3-1")
        self.assertEqual(self.groups_info(), [(1, None), (1, None), (None, 0)])
        h("XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">")
        h("XREADGROUP", "GROUP", "h", "a", "COUNT", "2", "STREAMS", "s", ">")
        self.assertEqual(self.groups_info(), [(None, None), (4, 0), (None, 0)])
        h("XDEL", "s", "1-1")
        h("XGROUP", "SETID", "s", "g", "0")
        h("XGROUP", "SETID", "s", "h", "0", "ENTRIESREAD", "0")
        self.assertEqual(self.groups_info(), [(None, None), (0, None), (None, 0)])
        info = h.v("XINFO", "STREAM", "s")
        self.assertEqual(
            info,
            [
                b"length", 2, b"radix-tree-keys", 1, b"radix-tree-nodes", 2,
                b"last-generated-id", b"4-1", b"max-deleted-entry-id", b"3-1",
                b"entries-added", 4, b"recorded-first-entry-id", b"2-1", b"groups", 3,
                b"first-entry", [b"2-1", [b"f", b"2"]], b"last-entry", [b"4-1", [b"f", b"4"]],
            ],
        )  # fmt: skip

    def test_empty_stream_and_errors(self) -> None:
        h = self.h
        h("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        h("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0")
        self.assertEqual(
            h("XINFO", "STREAM", "s"),
            b"*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes"
            b"\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n0-0\r\n$20\r\nmax-deleted-entry-id\r\n"
            b"$3\r\n0-0\r\n$13\r\nentries-added\r\n:0\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n"
            b"0-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n",
        )
        self.assertEqual(
            h.v("XINFO", "STREAM", "s", "FULL", "COUNT", "0"),
            [
                b"length", 0, b"radix-tree-keys", 0, b"radix-tree-nodes", 1,
                b"last-generated-id", b"0-0", b"max-deleted-entry-id", b"0-0",
                b"entries-added", 0, b"recorded-first-entry-id", b"0-0", b"entries", [],
                b"groups", [[
                    b"name", b"g", b"last-delivered-id", b"0-0", b"entries-read", None,
                    b"lag", 0, b"pel-count", 0, b"pending", [], b"consumers", [[
                        b"name", b"c", b"seen-time", START_MS, b"pel-count", 0, b"pending", [],
                    ]],
                ]],
            ],
        )  # fmt: skip
        syntax = (
            "error",
            "unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP.",
        )
        self.assertEqual(h.v("XINFO", "stream", "s", "FULL", "COUNT"), syntax)
        self.assertEqual(h.v("XINFO", "stream", "s", "fulx"), syntax)
        self.assertEqual(
            h.v("XINFO", "STREAM", "s", "FULL", "COUNT", "x"),
            ("error", "value is not an integer or out of range"),
        )
        self.assertEqual(h.v("XINFO", "STREAM", "nokey"), ("error", "no such key"))
        self.assertEqual(
            h.v("XINFO", "CONSUMERS", "s", "nog"),
            ("error", "NOGROUP No such consumer group 'nog' for key name 's'"),
        )
        self.assertEqual(
            h.v("XINFO", "BOGUS", "s"), ("error", "unknown subcommand 'BOGUS'. Try XINFO HELP.")
        )
        self.assertEqual(len(h.v("XINFO", "HELP")), 9)

    def test_full_count_and_name_order(self) -> None:
        h = self.h
        fill(h, count=12)
        for name in ("zz", "b", "a\xff", "a"):
            h("XGROUP", "CREATE", "s", name, "0")
        h("XREADGROUP", "GROUP", "a", "y", "COUNT", "11", "STREAMS", "s", ">")
        h("XREADGROUP", "GROUP", "a", "x", "STREAMS", "s", ">")
        full = h.v("XINFO", "STREAM", "s", "FULL")
        self.assertEqual(len(full[15]), 10)
        self.assertEqual([g[1] for g in full[17]], [b"a", b"a\xc3\xbf", b"b", b"zz"])
        group_a = full[17][0]
        self.assertEqual(len(group_a[11]), 10)
        self.assertEqual([c[1] for c in group_a[13]], [b"x", b"y"])
        self.assertEqual(len(group_a[13][1][7]), 10)
        self.assertEqual(len(h.v("XINFO", "STREAM", "s", "FULL", "COUNT", "0")[15]), 12)
        self.assertEqual(len(h.v("XINFO", "STREAM", "s", "FULL", "COUNT", "-3")[15]), 10)
        self.assertEqual(
            [g[1] for g in h.v("XINFO", "GROUPS", "s")], [b"a", b"a\xc3\xbf", b"b", b"zz"]
        )


class RaxTests(SynchronousTestCase):
    def test_node_counts(self) -> None:
        self.assertEqual(groups.rax_nodes([]), 1)
        self.assertEqual(groups.rax_nodes([make_id(1, 1)]), 2)
        # Two keys that differ in their last byte: a compressed run, a branch, two leaves.
        self.assertEqual(groups.rax_nodes([make_id(1, 1), make_id(1, 2)]), 4)
        # Differing in the first byte: the root branches at once.
        self.assertEqual(groups.rax_nodes([make_id(1, 1), make_id(1 << 63, 1)]), 5)

    def test_node_count_without_layout(self) -> None:
        stream = Stream()
        self.assertEqual(stream.node_count(), 0)
        for i in range(1, 102):
            stream.entries[make_id(i, 0)] = [b"f", b"v"]
        self.assertEqual(stream.node_count(), 2)
        self.assertEqual(stream.node_ids(), [make_id(1, 0), make_id(101, 0)])


__all__ = ["START"]
