"""Unit tests for replkv.rdb: vectors from Redis, round trips, legacy encodings, errors."""

from __future__ import annotations

import io
import struct
from collections import deque
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv.commands import registry
from replkv.keyspace.digest import dataset_digest
from replkv.keyspace.hashes import Hash
from replkv.keyspace.keyspace import Keyspace
from replkv.keyspace.sets import built_set
from replkv.keyspace.values import ENCODINGS, string_encoding
from replkv.keyspace.zset import ZSet, from_pairs
from replkv.rdb import (
    Limits,
    PayloadVersionError,
    RdbError,
    containers,
    dump_payload,
    load_rdb,
    load_rdb_bytes,
    parse_payload,
    write_rdb,
)
from replkv.rdb.crc import CHECK_VALUE, crc64
from replkv.rdb.format import encode_string, lzf_decompress

registry.load()  # the value types' digest rules


def _aux(key: bytes, value: bytes) -> bytes:
    return b"\xfa" + bytes([len(key)]) + key + value


# §2.11 example 1: `SET foo bar` saved by redis-server 7.0.15.
EXAMPLE_1 = (
    b"REDIS0010"
    + _aux(b"redis-ver", b"\x067.0.15")
    + _aux(b"redis-bits", b"\xc0\x40")
    + _aux(b"ctime", b"\xc2\xc7\x46\x06\x6b")
    + _aux(b"used-mem", b"\xc2\x30\x55\x0e\x00")
    + _aux(b"aof-base", b"\xc0\x00")
    + b"\xfe\x00\xfb\x01\x00\x00\x03foo\x03bar\xff"
)
EXAMPLE_1_CRC = bytes.fromhex("fab6a9215b2ca415")

# §2.11 example 4: a file of the plain types that a real 7.0.15 replica loaded.
EXAMPLE_4 = bytes.fromhex(
    "524544495330303130fa097265646973 2d766572 06 372e302e3135".replace(" ", "")
    + "fa0a72656469732d62697473 02 3634".replace(" ", "")
    + "fe00fb0801"
    "000173 0568656c6c6f"
    "00016e 023432"
    "fc00d8c32cbb030000 000165 03657870"
    "01016c 03 0161 0162 0163".replace(" ", "")
    + "02027374 03 0178 0179 0131".replace(" ", "")
    + "010168 02 026631 027631 026632 027632".replace(" ", "")
    + "05017a 02 026d31 000000000000f83f 026d32 00000000000000c0".replace(" ", "")
    + "03027a6f 01 0161 04332e3235".replace(" ", "")
    + "fe01fb0100 0006 6462316b6579 0176".replace(" ", "")
    + "ff21 60c7 903a 6f12 3f".replace(" ", "")
)
EXAMPLE_4 = EXAMPLE_4.replace(bytes.fromhex("010168"), bytes.fromhex("040168"), 1)


def _keyspace() -> Keyspace:
    return Keyspace(16, Clock())


def _encoding(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return string_encoding(value)
    return ENCODINGS[type(value)](value)


def _round_trip(keyspace: Keyspace, **options: Any) -> Keyspace:
    out = io.BytesIO()
    write_rdb(keyspace, out, {b"repl-id": b"x" * 40}, **options)
    loaded = _keyspace()
    info = load_rdb(io.BytesIO(out.getvalue()), loaded)
    assert info.repl_id == b"x" * 40
    return loaded


def _every_encoding() -> Keyspace:
    keyspace = _keyspace()
    data = keyspace.dbs[0].data
    data[b"str"] = b"hello"
    data[b"int"] = b"-1234567"
    data[b"int64"] = b"12345678901234"
    data[b"raw"] = bytearray(b"xyz")
    data[b"long"] = b"ab" * 500
    data[b"binary"] = bytes(range(256))
    data[b"list"] = deque([b"a", b"1", b"-5000", b"70000", b"x" * 100, b"y" * 5000])
    data[b"biglist"] = deque(b"element-%d" % i for i in range(3000))
    data[b"intset"] = built_set([b"1", b"-2", b"5000000000"], 512)
    data[b"hashset"] = built_set([b"a", b"b"], 512)
    data[b"hash"] = Hash([(b"f", b"v"), (b"n", b"12")])
    big = Hash((b"f%d" % i, b"v%d" % i) for i in range(600))
    big.hashtable = True
    data[b"bighash"] = big
    data[b"zset"] = from_pairs([(b"a", 1.5), (b"b", -2.0), (b"c", float("inf"))], 128, 64)
    data[b"bigzset"] = from_pairs([(b"m%d" % i, i / 7) for i in range(300)], 128, 64)
    keyspace.dbs[0].expires[b"str"] = 4102444800000
    keyspace.dbs[0].expires[b"hash"] = 1  # long expired: still saved, as Redis does
    keyspace.dbs[5].data[b"other"] = b"db5"
    return keyspace


class VectorTests(SynchronousTestCase):
    def test_crc64_check_value_and_chunks(self) -> None:
        self.assertEqual(crc64(b"123456789"), CHECK_VALUE)
        self.assertEqual(crc64(b"56789", crc64(b"1234")), CHECK_VALUE)

    def test_crc64_of_a_file_redis_wrote(self) -> None:
        self.assertEqual(crc64(EXAMPLE_1).to_bytes(8, "little"), EXAMPLE_1_CRC)

    def test_lzf_of_redis_example(self) -> None:
        packed = bytes.fromhex("016161e02300016161")
        self.assertEqual(lzf_decompress(packed, 48, 0), b"a" * 48)
        self.assertEqual(encode_string(b"a" * 48, True), b"\xc3\x09\x30" + packed)
        self.assertEqual(encode_string(b"a" * 48, False), b"\x30" + b"a" * 48)

    def test_integer_strings(self) -> None:
        self.assertEqual(encode_string(b"64", True), b"\xc0\x40")
        self.assertEqual(encode_string(b"12345", True), b"\xc1\x39\x30")
        self.assertEqual(encode_string(b"-2147483648", True), b"\xc2\x00\x00\x00\x80")
        self.assertEqual(encode_string(b"2147483648", True), b"\x0a2147483648")
        self.assertEqual(encode_string(b"007", True), b"\x03007")

    def test_load_example_1(self) -> None:
        keyspace = _keyspace()
        info = load_rdb_bytes(EXAMPLE_1 + EXAMPLE_1_CRC, keyspace)
        self.assertEqual(keyspace.dbs[0].data, {b"foo": b"bar"})
        self.assertEqual(info.aux[b"redis-bits"], b"64")
        self.assertEqual(info.aux[b"ctime"], b"%d" % 0x6B0646C7)

    def test_load_example_4_plain_types(self) -> None:
        keyspace = _keyspace()
        body = EXAMPLE_4[:-8]
        load_rdb_bytes(body + crc64(body).to_bytes(8, "little"), keyspace)
        data = keyspace.dbs[0].data
        self.assertEqual(data[b"l"], deque([b"a", b"b", b"c"]))
        self.assertEqual(data[b"st"], {b"x", b"y", b"1"})
        self.assertEqual(dict(data[b"h"]), {b"f1": b"v1", b"f2": b"v2"})
        self.assertEqual(data[b"z"].scores, {b"m1": 1.5, b"m2": -2.0})
        self.assertEqual(data[b"zo"].scores, {b"a": 3.25})
        self.assertEqual(keyspace.dbs[0].expires, {b"e": 4102444800000})
        self.assertEqual(keyspace.dbs[1].data, {b"db1key": b"v"})

    def test_small_encodings_match_redis_example_3(self) -> None:
        cases = [
            (from_pairs([(b"m", 1.5)], 128, 64), "110f0f00000002 00816d02 83312e3504ff"),
            (deque([b"a", b"1"]), "1201020c0c000000020081610201 01ff"),
            (built_set([b"1", b"2"], 512), "0b0c02000000020000000100 0200"),
            (Hash([(b"f", b"v")]), "100d0d000000020081660281 7602ff"),
            (built_set([b"x"], 512), "02010178"),
        ]
        for value, expected in cases:
            payload = dump_payload(value)
            self.assertEqual(payload[:-10], bytes.fromhex(expected.replace(" ", "")))
            self.assertEqual(payload[-10:-8], b"\x0a\x00")
            self.assertEqual(payload[-8:], crc64(payload[:-8]).to_bytes(8, "little"))


class RoundTripTests(SynchronousTestCase):
    def test_every_type_and_encoding(self) -> None:
        original = _every_encoding()
        for options in ({}, {"compress": False}, {"checksum": False}):
            loaded = _round_trip(original, **options)
            self.assertEqual(dataset_digest(loaded), dataset_digest(original))
            for db_original, db_loaded in zip(original.dbs, loaded.dbs, strict=True):
                self.assertEqual(db_loaded.expires, db_original.expires)
                for key, value in db_original.data.items():
                    expected = b"embstr" if key == b"raw" else _encoding(value)
                    self.assertEqual(_encoding(db_loaded.data[key]), expected, key)

    def test_empty_keyspace(self) -> None:
        out = io.BytesIO()
        write_rdb(_keyspace(), out, {}, ctime=0)
        self.assertEqual(out.getvalue()[:9], b"REDIS0010")
        loaded = _keyspace()
        info = load_rdb(io.BytesIO(out.getvalue()), loaded)
        self.assertEqual(info.keys_loaded, 0)
        self.assertEqual(info.aux[b"aof-base"], b"0")

    def test_minimal_empty_file_from_the_spec(self) -> None:
        data = bytes.fromhex("524544495330303130ffa9fd37fe89a77eeb")
        self.assertEqual(load_rdb_bytes(data, _keyspace()).keys_loaded, 0)

    def test_checksum_disabled(self) -> None:
        out = io.BytesIO()
        write_rdb(_every_encoding(), out, {}, checksum=False)
        self.assertEqual(out.getvalue()[-8:], bytes(8))
        self.assertEqual(load_rdb_bytes(out.getvalue(), _keyspace()).checksum, 0)

    def test_loaded_encodings_follow_the_limits(self) -> None:
        keyspace = _keyspace()
        data = keyspace.dbs[0].data
        data[b"h"] = Hash((b"f%d" % i, b"v") for i in range(10))
        data[b"s"] = built_set([b"%d" % i for i in range(10)], 512)
        data[b"z"] = from_pairs([(b"m%d" % i, float(i)) for i in range(10)], 128, 64)
        out = io.BytesIO()
        write_rdb(keyspace, out, {})
        small = Limits(5, 64, 5, 5, 64, -2)
        loaded = _keyspace()
        load_rdb_bytes(out.getvalue(), loaded, limits=small)
        data = loaded.dbs[0].data
        self.assertTrue(data[b"h"].hashtable)
        self.assertTrue(data[b"s"].hashtable)
        self.assertFalse(data[b"z"].listpack)

    def test_expired_keys_dropped_when_asked(self) -> None:
        out = io.BytesIO()
        write_rdb(_every_encoding(), out, {})
        loaded = _keyspace()
        info = load_rdb_bytes(out.getvalue(), loaded, expired_before_ms=1000)
        self.assertEqual(info.expired_skipped, 1)
        self.assertNotIn(b"hash", loaded.dbs[0].data)
        self.assertIn(b"str", loaded.dbs[0].data)

    def test_dump_payload_round_trip(self) -> None:
        for value in _every_encoding().dbs[0].data.values():
            restored = parse_payload(dump_payload(value))
            if isinstance(value, ZSet):
                self.assertEqual(restored, value)
            else:
                self.assertEqual(restored, value if not isinstance(value, bytearray) else value)


def _ziplist(entries: list[bytes]) -> bytes:
    body = b""
    prev = 0
    for entry in entries:
        encoded = bytes([prev]) + entry
        prev = len(encoded)
        body += encoded
    total = 10 + len(body) + 1
    return (
        total.to_bytes(4, "little")
        + (0).to_bytes(4, "little")
        + len(entries).to_bytes(2, "little")
        + body
        + b"\xff"
    )


class LegacyEncodingTests(SynchronousTestCase):
    def _load_one(self, rdb_type: int, value: bytes) -> Any:
        body = b"REDIS0009\xfe\x00" + bytes([rdb_type]) + b"\x01k" + value + b"\xff"
        keyspace = _keyspace()
        load_rdb_bytes(body + crc64(body).to_bytes(8, "little"), keyspace)
        return keyspace.dbs[0].data[b"k"]

    def test_ziplist_list_and_quicklist(self) -> None:
        blob = _ziplist([b"\x02ab", b"\xf5", b"\xc0\x39\x30", b"\xfe\xfb", b"\xf0\x00\x00\x80"])
        expected = deque([b"ab", b"4", b"12345", b"-5", b"-8388608"])
        self.assertEqual(self._load_one(10, encode_string(blob, False)), expected)
        nodes = b"\x02" + encode_string(blob, True) + encode_string(blob, False)
        self.assertEqual(self._load_one(14, nodes), expected + expected)

    def test_ziplist_hash_and_zset(self) -> None:
        blob = _ziplist([b"\x01f", b"\x01v", b"\x01g", b"\xd0\x00\x00\x01\x00"])
        self.assertEqual(dict(self._load_one(13, encode_string(blob, False))), {
            b"f": b"v", b"g": b"65536"})  # fmt: skip
        zblob = _ziplist([b"\x01m", b"\x031.5", b"\x01n", b"\xf3"])
        zset = self._load_one(12, encode_string(zblob, False))
        self.assertEqual(zset.scores, {b"m": 1.5, b"n": 2.0})
        self.assertTrue(zset.listpack)

    def test_zipmap_hash(self) -> None:
        blob = b"\x02\x01f\x01\x00v\x02gg\x03\x01xyz!\xff"
        self.assertEqual(dict(self._load_one(9, encode_string(blob, False))), {
            b"f": b"v", b"gg": b"xyz"})  # fmt: skip

    def test_legacy_zset_and_expiretime_seconds(self) -> None:
        value = b"\x02\x01a\xfe\x01b\x041.25"
        body = b"REDIS0006\xfd" + struct.pack("<i", 2000000000) + b"\x03\x01k" + value + b"\xff"
        keyspace = _keyspace()
        load_rdb_bytes(body + crc64(body).to_bytes(8, "little"), keyspace)
        self.assertEqual(keyspace.dbs[0].data[b"k"].scores, {b"a": float("inf"), b"b": 1.25})
        self.assertEqual(keyspace.dbs[0].expires[b"k"], 2000000000000)

    def test_listpack_and_intset_parsers_reject_damage(self) -> None:
        blob = containers.listpack_of([b"a", b"12"])
        self.assertEqual(containers.parse_listpack(blob, 0), [b"a", b"12"])
        with self.assertRaises(RdbError):
            containers.parse_listpack(blob[:-1], 0)
        with self.assertRaises(RdbError):
            containers.parse_intset(b"\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00", 0)

    def test_listpack_entry_encodings(self) -> None:
        values = [b"0", b"127", b"128", b"-4096", b"4095", b"-32768", b"32767", b"8388607",
                  b"-2147483648", b"9223372036854775807", b"-0", b"x" * 63, b"y" * 64,
                  b"z" * 5000]  # fmt: skip
        blob = containers.listpack_of(values)
        self.assertEqual(containers.parse_listpack(blob, 0), values)


class ErrorTests(SynchronousTestCase):
    def setUp(self) -> None:
        out = io.BytesIO()
        write_rdb(_every_encoding(), out, {})
        self.data = out.getvalue()

    def test_truncated_anywhere(self) -> None:
        for cut in range(0, len(self.data), max(1, len(self.data) // 200)):
            with self.assertRaises(RdbError) as caught:
                load_rdb_bytes(self.data[:cut], _keyspace())
            self.assertLessEqual(caught.exception.offset, cut)
            self.assertIn("byte offset", str(caught.exception))

    def test_checksum_mismatch(self) -> None:
        damaged = bytearray(self.data)
        damaged[-20] ^= 0x01
        try:
            load_rdb_bytes(bytes(damaged), _keyspace())
        except RdbError as exc:
            self.assertIsInstance(exc.offset, int)
        else:
            self.fail("a damaged file loaded")
        # Without verification a damage outside the structure goes unnoticed.
        damaged = bytearray(self.data)
        damaged[-1] ^= 0x01
        load_rdb_bytes(bytes(damaged), _keyspace(), verify_checksum=False)
        with self.assertRaises(RdbError) as caught:
            load_rdb_bytes(bytes(damaged), _keyspace())
        self.assertIn("checksum", str(caught.exception))

    def _file(self, body: bytes) -> bytes:
        data = b"REDIS0010" + body
        return data + crc64(data).to_bytes(8, "little")

    def test_bad_header_and_opcodes(self) -> None:
        cases = {
            b"RADIS0010\xff": "signature",
            b"REDIS0011\xff": "version 11",
            b"REDIS0010\x08\x01k\x00\xff": "unknown RDB opcode or type 8",
            b"REDIS0010\x0f\x01k\x00\xff": "where a length was expected",
            b"REDIS0010\x13\x01k\x01\x01k\xff": "size of a stream ID",
            b"REDIS0010\x07\x01k\x00\xff": "module-2",
            b"REDIS0010\xf7\x05": "module",
            b"REDIS0010\xfe\x10\xff": "database 16",
            b"REDIS0010\x00\x01k\x01v\x00\x01k\x01w\xff": "duplicated key",
            b"REDIS0010\x02\x01k\x02\x01a\x01a\xff": "duplicate set members",
            b"REDIS0010\x00\x01k\xc5\xff": "unknown string encoding",
            b"REDIS0010\x00\x01k\x90\xff": "unknown length encoding",
            b"REDIS0010\x15\xff": "unknown RDB opcode or type 21",
        }
        for body, expected in cases.items():
            data = body + crc64(body).to_bytes(8, "little")
            with self.assertRaises(RdbError) as caught:
                load_rdb_bytes(data, _keyspace())
            self.assertIn(expected, str(caught.exception), body)

    def test_function_library_skipped_and_empty_keys(self) -> None:
        data = self._file(b"\xf5\x10#!lua name=mylib\x04\x01l\x00\x00\x01k\x01v\xff")
        keyspace = _keyspace()
        info = load_rdb_bytes(data, keyspace)
        self.assertEqual(info.functions, [b"#!lua name=mylib"])
        self.assertEqual(info.empty_skipped, 1)
        self.assertEqual(keyspace.dbs[0].data, {b"k": b"v"})

    def test_dump_payload_errors(self) -> None:
        payload = dump_payload(b"hello")
        self.assertEqual(parse_payload(payload), b"hello")
        for bad in (payload[:9], payload[:-10] + b"\x0b\x00" + payload[-8:], payload[:-1] + b"?"):
            with self.assertRaises(PayloadVersionError):
                parse_payload(bad)
        body = b"\x00\x10abc\x0a\x00"
        with self.assertRaises(RdbError) as caught:
            parse_payload(body + crc64(body).to_bytes(8, "little"))
        self.assertNotIsInstance(caught.exception, PayloadVersionError)
