"""Unit tests for streams in RDB form (replkv.rdb.streams): layout, round trips, damage."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.keyspace.keyspace import Keyspace
from replkv.keyspace.stream import (
    ENTRIES_READ_INVALID,
    MAX_ID,
    Consumer,
    ConsumerGroup,
    PendingEntry,
    Stream,
    make_id,
)
from replkv.rdb import Limits, RdbError, dump_payload, load_rdb_bytes, parse_payload, write_rdb
from replkv.rdb.containers import listpack_of, parse_listpack
from replkv.rdb.crc import crc64
from replkv.rdb.format import encode_length, encode_string
from replkv.rdb.streams import encode_node
from tests.support.harness import Harness

# redis-server 7.0.15: XADD s 1-1 a 1 b 2; XADD s 1-2 a 3 b four; XADD s 2-0 c x;
# XGROUP CREATE s g 0; DUMP s.
REDIS_PLAIN = bytes.fromhex(
    "1301100000000000000001000000000000000140424200000019000301000102018161028162020001"
    "020100010001010102010501020100010101030184666f757205050100010101dfff0201018163028178"
    "020601ff0302000101000003010167000081ffffffffffffffff00000a00ad375189c42d630d"
)
# The same after XDEL s 1-2: the entry stays in the listpack, flagged deleted (and the
# listpack is now LZF-compressed).
REDIS_DELETED = bytes.fromhex(
    "13011000000000000000010000000000000001c33d40421242000000190002010101020181610281620200"
    "200900002001401102050103600908030184666f75720505600d01dfff202f088163028178020601ff02"
    "02000101010203010167000081ffffffffffffffff00000a00209dc00663b017a6"
)


def _stream(count: int, groups: bool = True) -> Stream:
    """count entries (two field layouts), two groups, consumers sharing PEL entries."""
    stream = Stream()
    for i in range(count):
        sid = make_id(1000 + i // 3, i % 3)
        if i % 4 == 3:
            stream.entries[sid] = [b"other", b"x" * i, b"n", b"%d" % (i * 99991)]
        else:
            stream.entries[sid] = [b"f", b"%d" % i, b"g", b"v%d" % i]
    if count:
        stream.last_id = max(stream.entries)
        stream.first_id = min(stream.entries)
    stream.entries_added = count + 2
    stream.max_deleted_id = make_id(999, 7)
    if not groups:
        return stream
    group = ConsumerGroup(b"readers", stream.last_id, count)
    alice, bob, idle = Consumer(b"alice", 1700000000123), Consumer(b"bob", 5), Consumer(b"z", -1)
    for index, sid in enumerate(list(stream.entries)[:6]):
        owner = alice if index % 2 else bob
        pending = PendingEntry(1700000000000 + index, index + 1, owner)
        group.pel[sid] = owner.pel[sid] = pending
    group.consumers = {b"bob": bob, b"alice": alice, b"z": idle}
    stream.groups[b"readers"] = group
    stream.groups[b"a-group-with-a-rather-long-name"] = ConsumerGroup(
        b"a-group-with-a-rather-long-name", 0, ENTRIES_READ_INVALID
    )
    return stream


def _nodes(stream: Stream, max_entries: int, max_bytes: int) -> list[tuple[int, bytes]]:
    """(master id, listpack) of each node of stream, its layout built with these limits."""
    stream.ensure_layout(max_entries, max_bytes)
    return [(node.master_id, encode_node(stream, node)) for node in stream.nodes]


def _layout(stream: Stream) -> Any:
    """The node layout as plain data: master id and fields, ids, counts, tombstones, size."""
    return [
        (n.master_id, n.master_fields, n.ids, n.live, n.deleted, n.tombstones, n.lp_bytes())
        for n in stream.nodes
    ]


def _shape(stream: Stream) -> Any:
    """Everything a stream holds, as plain data, its node layout included."""
    groups = {}
    for name, group in stream.groups.items():
        pel = {
            sid: (n.delivery_time, n.delivery_count, n.consumer.name)
            for sid, n in group.pel.items()
        }
        consumers = {cname: (c.seen_time, list(c.pel)) for cname, c in group.consumers.items()}
        groups[name] = (group.last_id, group.entries_read, pel, consumers)
    return (
        dict(stream.entries),
        stream.last_id,
        stream.first_id,
        stream.max_deleted_id,
        stream.entries_added,
        groups,
        _layout(stream),
        stream.node_keys,
    )


def _signed(body: bytes) -> bytes:
    return body + b"\x0a\x00" + crc64(body + b"\x0a\x00").to_bytes(8, "little")


class LayoutTests(SynchronousTestCase):
    def test_redis_payload_reproduced_byte_for_byte(self) -> None:
        stream = parse_payload(REDIS_PLAIN)
        self.assertEqual(list(stream.entries), [make_id(1, 1), make_id(1, 2), make_id(2, 0)])
        self.assertEqual(stream.entries[make_id(1, 2)], (b"a", b"3", b"b", b"four"))
        self.assertEqual(dump_payload(stream), REDIS_PLAIN)

    def test_nodes_split_by_entries_and_bytes(self) -> None:
        stream = _stream(10, groups=False)
        nodes = _nodes(stream, 4, 4096)
        self.assertEqual([len(parse_listpack(blob, 0)) > 0 for _, blob in nodes], [True] * 3)
        self.assertEqual([master for master, _ in nodes], list(stream.entries)[::4])
        self.assertEqual(len(_nodes(_stream(10, groups=False), 0, 0)), 1)
        # A node is closed before an entry that would take it to max_bytes.
        big = Stream()
        big.entries[make_id(1, 0)] = [b"f", b"v" * 5000]
        big.entries[make_id(1, 1)] = [b"f", b"v"]
        big.entries[make_id(1, 2)] = [b"f", b"v" * 4000]  # 29 + 4001 bytes: it fits
        big.entries[make_id(1, 3)] = [b"f", b"v" * 20]  # 4041 + 21 bytes: it fits
        big.entries[make_id(1, 4)] = [b"f", b"v" * 34]  # 4071 + 35 bytes: a new node
        masters = [make_id(1, 0), make_id(1, 1), make_id(1, 4)]
        self.assertEqual([m for m, _ in _nodes(big, 100, 4096)], masters)

    def test_entries_encoding_flags_and_deltas(self) -> None:
        stream = Stream()
        stream.entries[make_id(5, 10)] = [b"a", b"1"]
        stream.entries[make_id(6, 3)] = [b"a", b"2"]  # seq below the master's: negative delta
        stream.entries[make_id(7, 0)] = [b"b", b"3"]
        ((master, blob),) = _nodes(stream, 100, 4096)
        self.assertEqual(master, make_id(5, 10))
        elements = parse_listpack(blob, 0)
        self.assertEqual(elements[:5], [b"3", b"0", b"1", b"a", b"0"])  # the master entry
        self.assertEqual(elements[5:10], [b"2", b"0", b"0", b"1", b"4"])  # SAMEFIELDS
        self.assertEqual(elements[10:15], [b"2", b"1", b"-7", b"2", b"4"])
        self.assertEqual(elements[15:], [b"0", b"2", b"-10", b"1", b"b", b"3", b"6"])


class RoundTripTests(SynchronousTestCase):
    def test_dump_payload_round_trip(self) -> None:
        for count in (0, 1, 7, 250):
            for limits in (Limits(), Limits(stream_node_max_entries=2, stream_node_max_bytes=0)):
                stream = _stream(count)
                loaded = parse_payload(dump_payload(stream, limits=limits))
                self.assertEqual(_shape(loaded), _shape(stream))
                group = loaded.groups[b"readers"]
                for sid, pending in group.pel.items():
                    self.assertIs(pending.consumer.pel[sid], pending)

    def test_snapshot_round_trip(self) -> None:
        keyspace = Keyspace(16, Clock())
        keyspace.dbs[0].data[b"s"] = _stream(40)
        keyspace.dbs[3].data[b"empty"] = _stream(0)
        for compress in (True, False):
            out = io.BytesIO()
            write_rdb(keyspace, out, {}, compress=compress)
            loaded = Keyspace(16, Clock())
            info = load_rdb_bytes(out.getvalue(), loaded)
            self.assertEqual(info.keys_loaded, 2)
            for db, key in ((0, b"s"), (3, b"empty")):
                self.assertEqual(
                    _shape(loaded.dbs[db].data[key]), _shape(keyspace.dbs[db].data[key])
                )

    def test_deleted_entries_are_kept_as_tombstones(self) -> None:
        stream = parse_payload(REDIS_DELETED)
        self.assertEqual(list(stream.entries), [make_id(1, 1), make_id(2, 0)])
        self.assertEqual(stream.max_deleted_id, make_id(1, 2))
        self.assertEqual(stream.entries_added, 3)
        (node,) = stream.nodes
        self.assertEqual(node.ids, [make_id(1, 1), make_id(1, 2), make_id(2, 0)])
        self.assertEqual((node.live, node.deleted), (2, 1))
        self.assertEqual(node.tombstones, {make_id(1, 2): (b"a", b"3", b"b", b"four")})
        self.assertEqual(dump_payload(stream), REDIS_DELETED)

    def test_layout_survives_deletes_and_trims(self) -> None:
        for limits in (Limits(), Limits(stream_node_max_entries=3, stream_node_max_bytes=0)):
            stream = _stream(40)
            stream.ensure_layout(limits.stream_node_max_entries, limits.stream_node_max_bytes)
            for sid in list(stream.entries)[5:30:4]:
                stream.delete(sid)
            stream.trim(30, None, False, 0)  # marks entries of the first node deleted
            self.assertTrue(any(node.tombstones for node in stream.nodes))
            payload = dump_payload(stream, limits=limits)
            loaded = parse_payload(payload)
            self.assertEqual(_shape(loaded), _shape(stream))
            self.assertEqual(dump_payload(loaded, limits=Limits()), payload)
            # Trimming the loaded stream removes the same nodes as trimming the original.
            for twin in (stream, loaded):
                twin.trim(12, None, True, 0)
            self.assertEqual(_shape(loaded), _shape(stream))

    def test_version_15_counters_are_derived(self) -> None:
        stream = _stream(5, groups=False)
        nodes = _nodes(stream, 100, 4096)
        body = [b"\x0f", encode_length(len(nodes))]
        for master, blob in nodes:
            body += [encode_string(master.to_bytes(16, "big"), False), encode_string(blob, False)]
        body += [encode_length(5), encode_length(1001), encode_length(1)]  # length, last id
        groups = [(b"all", 0, 0), (b"last", 1001, 1), (b"first", 1000, 0), (b"later", 5000, 0)]
        body.append(encode_length(len(groups)))
        for name, ms, seq in groups:
            body += [encode_string(name, False), encode_length(ms), encode_length(seq)]
            body += [encode_length(0), encode_length(0)]  # no PEL, no consumers
        loaded = parse_payload(_signed(b"".join(body)))
        self.assertEqual(loaded.entries_added, 5)
        self.assertEqual(loaded.first_id, make_id(1000, 0))
        self.assertEqual(loaded.max_deleted_id, 0)
        read = {name: group.entries_read for name, group in loaded.groups.items()}
        self.assertEqual(read, {b"all": 0, b"last": 5, b"first": 1, b"later": -1})
        empty = parse_payload(_signed(b"\x0f\x00\x00\x00\x00\x00"))
        self.assertEqual((len(empty), empty.first_id, empty.entries_added), (0, MAX_ID, 0))


_U64 = st.integers(min_value=0, max_value=(1 << 64) - 1)
_PART = st.one_of(st.binary(max_size=30), st.integers(-(1 << 63), (1 << 63) - 1).map(b"%d".__mod__))


@st.composite
def _streams(draw: st.DrawFn) -> Stream:
    """Any stream: ids anywhere in the 128-bit range, any field lists, groups whose
    consumers own a random part of their PEL."""
    stream = Stream()
    ids = draw(st.lists(st.tuples(_U64, _U64), max_size=40, unique=True))
    pairs = st.lists(st.tuples(_PART, _PART), min_size=1, max_size=4)
    for ms, seq in ids:
        stream.entries[make_id(ms, seq)] = [x for pair in draw(pairs) for x in pair]
    stream.last_id = make_id(draw(_U64), draw(_U64))
    stream.first_id = make_id(draw(_U64), draw(_U64))
    stream.max_deleted_id = make_id(draw(_U64), draw(_U64))
    stream.entries_added = draw(_U64)
    for name in draw(st.lists(st.binary(max_size=25), max_size=3, unique=True)):
        read = draw(st.integers(-1, (1 << 63) - 1))
        group = ConsumerGroup(name, make_id(draw(_U64), draw(_U64)), read)
        names = draw(st.lists(st.binary(max_size=25), max_size=3, unique=True))
        consumers = [
            Consumer(cname, draw(st.integers(-(1 << 63), (1 << 63) - 1))) for cname in names
        ]
        group.consumers = {c.name: c for c in consumers}
        if consumers:
            for sid in draw(st.lists(st.integers(0, (1 << 128) - 1), max_size=6, unique=True)):
                owner = consumers[draw(st.integers(0, len(consumers) - 1))]
                pending = PendingEntry(draw(st.integers(0, 1 << 62)), draw(_U64), owner)
                group.pel[sid] = owner.pel[sid] = pending
        stream.groups[name] = group
    return stream


class PropertyTests(SynchronousTestCase):
    @settings(max_examples=80, deadline=None)
    @given(
        _streams(), st.integers(0, 9), st.sampled_from([0, 1, 40, 4096]), st.booleans(), st.data()
    )
    def test_any_stream_round_trips(
        self, stream: Stream, entries: int, size: int, compress: bool, data: st.DataObject
    ) -> None:
        limits = Limits(stream_node_max_entries=entries, stream_node_max_bytes=size)
        stream.ensure_layout(entries, size)
        for sid in data.draw(st.lists(st.sampled_from(list(stream.entries) or [0]))):
            stream.delete(sid)
        payload = dump_payload(stream, compress=compress, limits=limits)
        loaded = parse_payload(payload)
        self.assertEqual(_shape(loaded), _shape(stream))
        # The node sizes the layout keeps are the sizes of the listpacks written.
        for node in loaded.nodes:
            self.assertEqual(node.lp_bytes(), len(encode_node(loaded, node)))


def _body(stream: Stream) -> bytes:
    return dump_payload(stream, compress=False)[:-10]


class DamageTests(SynchronousTestCase):
    def assertRefused(self, body: bytes, reason: str) -> None:
        with self.assertRaises(RdbError) as caught:
            parse_payload(_signed(body))
        self.assertIn(reason, str(caught.exception))

    def test_truncated_anywhere(self) -> None:
        body = _body(_stream(12))
        for cut in range(1, len(body)):
            with self.assertRaises(RdbError):
                parse_payload(_signed(body[:cut]))

    def test_node_damage(self) -> None:
        stream = _stream(3, groups=False)
        body = _body(stream)
        ((_, blob),) = _nodes(stream, 100, 4096)
        key = make_id(1000, 0).to_bytes(16, "big")
        node = b"\x10" + key + encode_string(blob, False)
        self.assertTrue(body.startswith(b"\x13\x01" + node))
        rest = body[2 + len(node) :]

        def with_listpack(new: bytes) -> bytes:
            return b"\x13\x01\x10" + key + encode_string(new, False) + rest

        self.assertRefused(b"\x13\x01\x0f" + key[1:] + body[19:], "size of a stream ID")
        self.assertRefused(with_listpack(b"\x07\x00\x00\x00\x00\x00\xff"), "Empty listpack")
        # The last entry's lp-count off by one.
        self.assertRefused(with_listpack(blob[:-3] + b"\x06\x01\xff"), "lp-count")
        # The master entry says 2 live and 1 deleted, but no entry is flagged deleted.
        self.assertRefused(with_listpack(blob[:6] + b"\x02\x01\x01" + blob[9:]), "disagree")
        self.assertRefused(with_listpack(listpack_of([*parse_listpack(blob, 0), b"1"])), "trailing")
        self.assertRefused(b"\x13\x02" + node + node + rest, "existing key")
        self.assertRefused(b"\x13\x01" + node + b"\x04" + rest[1:], "length")

    def test_ids_out_of_order(self) -> None:
        def node(ms: int, seq: int, seqs: list[int]) -> bytes:
            items = [b"%d" % len(seqs), b"0", b"1", b"a", b"0"]
            for entry_seq in seqs:
                items += [b"2", b"0", b"%d" % (entry_seq - seq), b"v", b"4"]
            blob = listpack_of(items)
            return encode_string(make_id(ms, seq).to_bytes(16, "big"), False) + encode_string(
                blob, False
            )

        def body(*nodes: bytes, length: int) -> bytes:
            ids = encode_length(1) + encode_length(9)
            tail = encode_length(length) + ids * 3 + encode_length(length) + b"\x00"
            return b"\x13" + encode_length(len(nodes)) + b"".join(nodes) + tail

        ok = body(node(1, 4, [4, 6]), node(1, 0, [0, 3]), length=4)
        self.assertEqual(list(parse_payload(_signed(ok)).node_keys), [make_id(1, 0), make_id(1, 4)])
        self.assertRefused(body(node(1, 0, [0, 5, 3]), length=3), "out of order")
        self.assertRefused(body(node(1, 0, [0, 5, 5]), length=3), "out of order")
        self.assertRefused(body(node(1, 2, [1, 5]), length=2), "out of order")
        self.assertRefused(body(node(1, 0, [0, 5]), node(1, 4, [4]), length=3), "out of order")

    def test_group_damage(self) -> None:
        stream = _stream(3, groups=False)
        head = _body(stream)[:-1]  # up to the group count
        group = ConsumerGroup(b"g", 0, 0)
        stream.groups[b"g"] = group
        consumer = Consumer(b"c", 1)
        sid = make_id(1000, 1)
        group.pel[sid] = consumer.pel[sid] = PendingEntry(7, 1, consumer)
        group.consumers[b"c"] = consumer
        body = _body(stream)
        groups = body[len(head) + 1 :]
        self.assertRefused(head + b"\x02" + groups + groups, "Duplicated consumer group")
        raw = sid.to_bytes(16, "big")
        nack = raw + (7).to_bytes(8, "little") + b"\x01"
        self.assertRefused(body.replace(b"\x01" + nack, b"\x02" + nack + nack), "global PEL")
        self.assertRefused(body[:-17] + b"\x00", "without consumer")
        other = make_id(1000, 2).to_bytes(16, "big")
        self.assertRefused(body[:-16] + other, "not found in group global PEL")
        part = b"\x01c" + (1).to_bytes(8, "little") + b"\x01" + raw
        self.assertTrue(body.endswith(b"\x01" + part))
        before = body[: -len(part) - 1]
        self.assertRefused(before + b"\x02" + part + part, "Duplicate stream consumer")
        twice = b"\x02" + part + b"\x01d" + (1).to_bytes(8, "little") + b"\x01" + raw
        self.assertRefused(before + twice, "owned twice")


class CommandTests(SynchronousTestCase):
    def test_restore_type_encoding_and_memory_usage(self) -> None:
        h = Harness()
        self.assertEqual(h("RESTORE", "s", "0", REDIS_PLAIN), b"+OK\r\n")
        self.assertEqual(h("TYPE", "s"), b"+stream\r\n")
        self.assertEqual(h("OBJECT", "ENCODING", "s"), b"$6\r\nstream\r\n")
        self.assertEqual(h("DUMP", "s"), b"$%d\r\n%s\r\n" % (len(REDIS_PLAIN), REDIS_PLAIN))
        small = h("MEMORY", "USAGE", "s")
        assert small is not None and small.startswith(b":")
        h.db.data[b"big"] = _stream(500)
        big = h("MEMORY", "USAGE", "big")
        assert big is not None
        self.assertGreater(int(big[1:]), 20 * int(small[1:]))
        exact = h("MEMORY", "USAGE", "big", "SAMPLES", "0")
        assert exact is not None
        # Later entries are longer than the five sampled ones.
        self.assertGreater(int(exact[1:]), int(big[1:]))

    def test_dump_after_xdel_is_redis_payload(self) -> None:
        h = Harness()
        for sid, *fields in (["1-1", "a", "1", "b", "2"], ["1-2", "a", "3", "b", "four"],
                             ["2-0", "c", "x"]):  # fmt: skip
            h("XADD", "s", sid, *fields)
        h("XGROUP", "CREATE", "s", "g", "0")
        self.assertEqual(h("DUMP", "s"), b"$%d\r\n%s\r\n" % (len(REDIS_PLAIN), REDIS_PLAIN))
        self.assertEqual(h("XDEL", "s", "1-2"), b":1\r\n")
        self.assertEqual(h("DUMP", "s"), b"$%d\r\n%s\r\n" % (len(REDIS_DELETED), REDIS_DELETED))

    def test_restore_refuses_damage(self) -> None:
        h = Harness()
        damaged = _signed(_body(_stream(2))[:-3])
        self.assertEqual(h("RESTORE", "s", "0", damaged), b"-ERR Bad data format\r\n")
        self.assertEqual(h("EXISTS", "s"), b":0\r\n")
