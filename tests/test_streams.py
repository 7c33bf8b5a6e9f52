"""Stream commands: replies, events (ids and approximate trims rewritten), the node
layout, blocked XREAD (task.Clock) and replay.

The expected replies and events were captured from redis-server 7.0.15 (its replies
and its replication stream).
"""

from __future__ import annotations

import random

from sortedcontainers import SortedDict
from twisted.trial.unittest import SynchronousTestCase

from replkv.keyspace.apply import StreamApplier
from replkv.keyspace.digest import dataset_digest
from replkv.keyspace.pending import PendingEntries
from replkv.keyspace.stream import Stream, make_id
from replkv.keyspace.streamnodes import element_size, int_size, restore_node
from tests.support.connections import ConnectionsCase
from tests.support.harness import START_MS, Harness, ReplayedCase

NOW_MS = 1_700_000_000_000


def entry(sid: bytes, *fields: bytes) -> bytes:
    body = b"".join(b"$%d\r\n%b\r\n" % (len(part), part) for part in fields)
    return b"*2\r\n$%d\r\n%b\r\n*%d\r\n%b" % (len(sid), sid, len(fields), body)


class XaddTests(ReplayedCase):
    def test_ids_and_their_events(self) -> None:
        h = self.h
        mark = h.mark()
        auto = b"%d-0" % START_MS
        self.assertEqual(h("XADD", "s", "*", "f", "v"), b"$%d\r\n%b\r\n" % (len(auto), auto))
        following = b"%d-1" % START_MS
        self.assertEqual(h("XADD", "s", "*", "f", "v")[-len(following) - 2 :], following + b"\r\n")
        self.assertEqual(
            h("XADD", "s", "%d-*" % (START_MS + 5), "f", "v"), b"$15\r\n%d-0\r\n" % (START_MS + 5)
        )
        self.assertEqual(
            h("XADD", "s", "%d-*" % (START_MS + 5), "f", "v"), b"$15\r\n%d-1\r\n" % (START_MS + 5)
        )
        self.assertEqual(
            h("XADD", "s", "%d-9" % (START_MS + 6), "f", "v"), b"$15\r\n%d-9\r\n" % (START_MS + 6)
        )
        self.assertEqual(
            h("XADD", "s", "1-1", "f", "v"),
            b"-ERR The ID specified in XADD is equal or smaller than the target stream top "
            b"item\r\n",
        )
        self.assertEqual(
            h.new_events(mark),
            [
                [b"SELECT", b"0"],
                [b"XADD", b"s", auto, b"f", b"v"],
                [b"XADD", b"s", following, b"f", b"v"],
                [b"XADD", b"s", b"%d-0" % (START_MS + 5), b"f", b"v"],
                [b"XADD", b"s", b"%d-1" % (START_MS + 5), b"f", b"v"],
                [b"XADD", b"s", b"%d-9" % (START_MS + 6), b"f", b"v"],
            ],
        )

    def test_the_last_possible_id(self) -> None:
        h = self.h
        top = b"18446744073709551615-18446744073709551615"
        self.assertEqual(h("XADD", "s", top, "f", "v"), b"$%d\r\n%b\r\n" % (len(top), top))
        exhausted = (
            b"-ERR The stream has exhausted the last possible ID, unable to add more items\r\n"
        )
        self.assertEqual(h("XADD", "s", "*", "f", "v"), exhausted)
        self.assertEqual(h("XADD", "t", "5-18446744073709551615", "f", "v")[:3], b"$22")
        self.assertEqual(
            h("XADD", "t", "5-*", "f", "v"), b"-ERR Elements are too large to be stored\r\n"
        )
        self.assertEqual(h("XADD", "t", "*", "f", "v"), b"$15\r\n%d-0\r\n" % START_MS)

    def test_approximate_trims_are_rewritten_exact(self) -> None:
        h = self.h
        h("CONFIG", "SET", "stream-node-max-entries", "3")
        for j in range(1, 11):
            h("XADD", "s", "%d-1" % j, "f", "v")
        mark = h.mark()
        self.assertEqual(h("XTRIM", "s", "MAXLEN", "~", "5"), b":3\r\n")
        self.assertEqual(h("XTRIM", "s", "MAXLEN", "~", "5"), b":0\r\n")  # not propagated
        self.assertEqual(h("XTRIM", "s", "MINID", "~", "8"), b":3\r\n")
        self.assertEqual(
            h("XADD", "s", "MAXLEN", "~", "0", "LIMIT", "1", "11-1", "f", "v"), b"$4\r\n11-1\r\n"
        )
        self.assertEqual(h("XDEL", "s", "10-1"), b":1\r\n")
        self.assertEqual(h("XADD", "s", "MINID", "~", "11", "12-*", "f", "v"), b"$4\r\n12-0\r\n")
        self.assertEqual(
            h.new_events(mark),
            [
                [b"XTRIM", b"s", b"MAXLEN", b"=", b"7"],
                [b"XTRIM", b"s", b"MINID", b"=", b"7-1"],
                [b"XADD", b"s", b"MAXLEN", b"=", b"5", b"LIMIT", b"1", b"11-1", b"f", b"v"],
                [b"XDEL", b"s", b"10-1"],
                # The first id any node holds, a deleted one included.
                [b"XADD", b"s", b"MINID", b"=", b"10-1", b"12-0", b"f", b"v"],
            ],
        )
        stream = h.db.data[b"s"]
        self.assertEqual((len(stream), stream.node_count(), stream.entries_added), (2, 1, 12))

    def test_xsetid_and_bookkeeping(self) -> None:
        h = self.h
        for j in range(1, 4):
            h("XADD", "s", "%d-0" % j, "f", "v")
        h("XDEL", "s", "1-0", "3-0")
        stream = h.db.data[b"s"]
        self.assertEqual(
            (stream.first_id, stream.max_deleted_id, stream.entries_added),
            (make_id(2, 0), make_id(3, 0), 3),
        )
        self.assertEqual(
            h("XSETID", "s", "9-0", "ENTRIESADDED", "7", "MAXDELETEDID", "8-0"), b"+OK\r\n"
        )
        self.assertEqual(
            (stream.last_id, stream.max_deleted_id, stream.entries_added),
            (make_id(9, 0), make_id(8, 0), 7),
        )
        self.assertEqual(h("XTRIM", "s", "MAXLEN", "0"), b":1\r\n")
        self.assertEqual(stream.first_id, 0)
        self.assertEqual(h("XADD", "s", "*", "f", "v")[:3], b"$15")
        self.assertEqual(stream.first_id, stream.last_id)


class PendingEntriesTests(SynchronousTestCase):
    def test_agrees_with_a_sorted_dict(self) -> None:
        """Random adds (mostly past the end, some below, some of removed ids), removals
        and reads: the same ids and values, in the same order, as a SortedDict, across
        the id list's rebuilds and with walks that remove as they go."""
        rnd = random.Random(7)
        pel: PendingEntries[int] = PendingEntries()
        reference: SortedDict = SortedDict()
        top = 0
        for step in range(6000):
            roll = rnd.random()
            if roll < 0.5:
                top += rnd.randint(1, 3)
                sid = top
            elif roll < 0.6:
                sid = rnd.randint(0, top)
            elif roll < 0.9 and reference:
                sid = reference.keys()[rnd.randrange(len(reference))]
                self.assertEqual(pel.pop(sid), reference.pop(sid))
                continue
            else:
                low = rnd.randint(0, top)
                walk = pel.irange(low)
                for sid in list(reference.irange(low))[:5]:
                    self.assertEqual(next(walk), sid)
                    if rnd.random() < 0.5:
                        del pel[sid]
                        del reference[sid]
                continue
            pel[sid] = step
            reference[sid] = step
            self.assertEqual(len(pel), len(reference))
            if step % 50 == 0:
                self.assertEqual(list(pel.items()), list(reference.items()))
                low, high = sorted((rnd.randint(0, top), rnd.randint(0, top)))
                self.assertEqual(list(pel.irange(low, high)), list(reference.irange(low, high)))
            if step % 7 == 0:
                edges = (reference.keys()[0], reference.keys()[-1]) if reference else (None, None)
                self.assertEqual((pel.first(), pel.last()), edges)
        self.assertEqual(list(pel), list(reference))
        self.assertIsNone(pel.pop(top + 1))
        self.assertRaises(KeyError, pel.__delitem__, top + 1)


class OrderedLookupTests(SynchronousTestCase):
    def test_lookups_agree_with_sorting_the_live_ids(self) -> None:
        """ids_after(), ids_between() and the edge ids read the node layout, deleted
        entries included: after random appends, deletions and trims (several node
        limits), they give what sorting the live ids gives."""
        rnd = random.Random(11)
        for max_entries, max_bytes in ((3, 0), (100, 4096), (0, 60)):
            stream = Stream()
            sid = make_id(5, 0)
            for step in range(600):
                roll = rnd.random()
                if roll < 0.7 or not stream.entries:
                    sid += rnd.choice((1, 2, 1 << 64))
                    value = rnd.choice((b"%d" % step, b"v" * rnd.randint(0, 70)))
                    stream.append(sid, (b"f", value), max_entries, max_bytes)
                elif roll < 0.95:
                    stream.delete(rnd.choice(list(stream.entries)))
                else:
                    stream.trim(len(stream) - rnd.randint(0, 5), None, rnd.random() < 0.5, 0)
                live = sorted(stream.entries)
                self.assertEqual(list(stream.entries), live)  # insertion order is id order
                for node in stream.nodes:  # a node's ids before its head are all deleted
                    self.assertFalse(set(node.ids[: node.head]) & stream.entries.keys())
                self.assertEqual(stream.first_entry_id(), live[0] if live else None)
                self.assertEqual(stream.last_entry_id(), live[-1] if live else None)
                low = rnd.randint(make_id(5, 0), sid + 2)
                high = rnd.randint(low - 3, sid + 3)
                inside = [x for x in live if low <= x <= high]
                self.assertEqual(list(stream.ids_between(low, high)), inside)
                self.assertEqual(list(stream.ids_between(low, high, True)), inside[::-1])
                count = rnd.randint(0, 4)
                after = [x for x in live if x > low]
                self.assertEqual(stream.ids_after(low, count), after[:count] if count else after)


class NodeLayoutTests(SynchronousTestCase):
    def test_batched_placement_makes_the_layout_of_one_by_one(self) -> None:
        """Appended entries wait for their node (Stream.placed) and are placed in a
        batch: the layout equals placing each at once, also when the node limits
        change between appends (each entry keeps the limits it was appended under)."""
        rnd = random.Random(5)
        batched, eager = Stream(), Stream()
        sid = make_id(9, 0)
        limits = (100, 4096)
        for step in range(3000):
            if rnd.random() < 0.01:
                limits = rnd.choice(((3, 0), (100, 4096), (0, 60), (5, 100)))
            sid += rnd.choice((1, 3, 1 << 64, 200))
            fields = rnd.choice(((b"f", b"%d" % step), (b"f", b"v" * 70), (b"g", b"x", b"h", b"y")))
            batched.append(sid, fields, *limits)
            eager.append(sid, fields, *limits)
            eager.lay_out()
            if rnd.random() < 0.002:
                batched.lay_out()
        batched.lay_out()
        self.assertEqual(batched.placed, len(batched.entries))
        self.assertEqual(sum(node.live for node in batched.nodes), batched.placed)
        self.assertEqual(
            [(n.ids, n.size, n.live, n.master_fields) for n in batched.nodes],
            [(n.ids, n.size, n.live, n.master_fields) for n in eager.nodes],
        )

    def test_listpack_sizes(self) -> None:
        self.assertEqual(
            [int_size(n) for n in (0, 127, 128, -1, 4095, -4097, 32768, 1 << 40)],
            [2, 2, 3, 3, 3, 4, 5, 10],
        )
        self.assertEqual(element_size(b"12"), 2)
        self.assertEqual(element_size(b"012"), 5)
        self.assertEqual(element_size(b"x" * 63), 65)
        self.assertEqual(element_size(b"x" * 64), 67)
        self.assertEqual(element_size(b"x" * 4096), 4096 + 5 + 2)

    def test_nodes_fill_by_entries_and_bytes(self) -> None:
        stream = Stream()
        for j in range(1, 8):
            stream.append(make_id(j, 0), (b"f", b"v"), 3, 4096)
        self.assertEqual(stream.node_count(), 3)  # node_count() places the waiting entries
        self.assertEqual([node.live for node in stream.nodes], [3, 3, 1])
        big = Stream()
        for j in range(1, 5):
            big.append(make_id(j, 0), (b"f", b"v" * 50), 0, 120)
        # 7 + 2+2+3+2 + entry 57: 73 bytes; adding 51 raw bytes reaches 120 → new node.
        big.lay_out()
        self.assertEqual([node.live for node in big.nodes], [1, 1, 1, 1])
        self.assertEqual(big.nodes[0].lp_bytes(), 7 + 2 + 2 + 2 + 3 + 2 + (2 + 2 + 2 + 52 + 2))

    def test_deleting_the_last_live_entry_drops_its_node(self) -> None:
        stream = Stream()
        for j in range(1, 5):
            stream.append(make_id(j, 0), (b"f", b"v"), 2, 4096)
        self.assertTrue(stream.delete(make_id(1, 0)))
        self.assertEqual(stream.node_count(), 2)
        self.assertTrue(stream.delete(make_id(2, 0)))
        self.assertEqual(stream.node_count(), 1)
        self.assertFalse(stream.delete(make_id(2, 0)))
        self.assertEqual(stream.first_node_id(), make_id(3, 0))

    def test_a_stream_loaded_without_nodes_gets_them_rebuilt(self) -> None:
        stream = Stream()
        for j in range(1, 251):
            stream.entries[make_id(j, 0)] = [b"f", b"v"]
        self.assertEqual(stream.node_count(), 3)
        self.assertEqual(stream.trim(120, None, True, 0), 100)
        restored = Stream()
        restore_node(
            restored,
            make_id(1, 0),
            (b"f",),
            [(make_id(1, 0), (b"f", b"v"), True), (make_id(2, 0), (b"f", b"w"), False)],
        )
        self.assertEqual(list(restored.entries), [make_id(2, 0)])
        self.assertEqual(restored.nodes[0].deleted, 1)
        copy = restored.copy()
        self.assertEqual(copy.nodes[0].ids, restored.nodes[0].ids)
        self.assertIsNot(copy.nodes[0], restored.nodes[0])


class BlockedXreadTests(ConnectionsCase):
    def test_served_by_xadd_to_an_existing_stream(self) -> None:
        reader, reader_out = self.connect()
        other, other_out = self.connect()
        writer, writer_out = self.connect()
        self.send(writer, ["XADD", "s", "1-1", "f", "v"])
        self.send(reader, ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], ["PING"])
        self.send(other, ["XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "t", "s", "0", "1-1"])
        self.assertEqual(self.server.blocking.count, 2)
        self.take(writer_out)
        self.send(
            writer,
            ["MULTI"],
            ["XADD", "s", "2-1", "a", "b"],
            ["XADD", "s", "3-1", "c", "d"],
            ["EXEC"],
        )
        served = entry(b"2-1", b"a", b"b")
        self.assertEqual(
            self.take(reader_out),
            b"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n" + served + entry(b"3-1", b"c", b"d"),
        )
        self.assertEqual(self.take(other_out), b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n" + served)
        self.clock.advance(0)
        self.assertEqual(self.take(reader_out), b"+PONG\r\n")
        self.assertEqual(self.server.blocking.count, 0)

    def test_a_new_stream_serves_and_other_types_do_not(self) -> None:
        reader, reader_out = self.connect()
        writer, _ = self.connect()
        self.send(reader, ["HELLO", "3"])
        self.take(reader_out)
        self.send(reader, ["XREAD", "BLOCK", "0", "STREAMS", "n", "0-0"])
        self.send(writer, ["SET", "n", "x"], ["DEL", "n"], ["XADD", "n", "5-5", "f", "v"])
        self.assertEqual(
            self.take(reader_out), b"%1\r\n$1\r\nn\r\n*1\r\n" + entry(b"5-5", b"f", b"v")
        )

    def test_timeout_in_milliseconds(self) -> None:
        reader, out = self.connect()
        self.send(reader, ["XREAD", "BLOCK", "500", "STREAMS", "s", "$"])
        self.clock.advance(0.4)
        self.assertEqual(self.take(out), b"")
        self.clock.advance(0.1)
        self.assertEqual(self.take(out), b"*-1\r\n")
        self.send(reader, ["HELLO", "3"])
        self.take(out)
        self.send(reader, ["XREAD", "BLOCK", "10", "STREAMS", "s", "$"])
        self.clock.advance(0.01)
        self.assertEqual(self.take(out), b"_\r\n")
        self.assertEqual(self.server.keyspace.dbs[0].blocking, {})

    def test_no_blocking_inside_multi(self) -> None:
        client, out = self.connect()
        self.send(client, ["MULTI"], ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], ["EXEC"])
        self.assertEqual(self.take(out), b"+OK\r\n+QUEUED\r\n*1\r\n*-1\r\n")

    def test_events_replay(self) -> None:
        writer, _ = self.connect()
        self.send(
            writer,
            ["CONFIG", "SET", "stream-node-max-entries", "2"],
            *[["XADD", "s", "*", "f", str(j)] for j in range(9)],
            ["XADD", "s", "MAXLEN", "~", "3", "*", "f", "v"],
            ["XTRIM", "s", "MINID", "~", "%d-7" % NOW_MS],
        )
        log = self.server.log
        replica = Harness()
        applier = StreamApplier(replica.server)
        applier.feed(log.read(log.start_offset, log.end_offset - log.start_offset))
        self.assertEqual(applier.errors, 0)
        self.assertEqual(
            dataset_digest(replica.server.keyspace), dataset_digest(self.server.keyspace)
        )
