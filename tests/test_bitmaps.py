"""Unit tests for replkv.commands.bitmaps: replies, raw strings, events, replay."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from replkv.commands.bitmaps import first_bit
from tests.support.harness import Harness

OFFSET_ERROR = b"-ERR bit offset is not an integer or out of range\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


class BitmapTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.r = Harness()

    def assertReplayMatches(self) -> None:  # noqa: N802
        self.assertEqual(self.r.replay().dataset(), self.r.dataset())


class SetbitGetbitTests(BitmapTestCase):
    def test_setbit_grows_zero_filled_and_answers_the_old_bit(self) -> None:
        self.assertEqual(self.r("SETBIT", "k", 9, 1), b":0\r\n")
        self.assertEqual(self.r.db.data[b"k"], bytearray(b"\x00\x40"))
        self.assertEqual(self.r("SETBIT", "k", 9, 0), b":1\r\n")
        self.assertEqual(self.r("GETBIT", "k", 9), b":0\r\n")
        self.assertEqual(self.r("GETBIT", "k", 1000), b":0\r\n")
        self.assertEqual(self.r("GETBIT", "nokey", 0), b":0\r\n")
        self.assertReplayMatches()

    def test_a_written_string_becomes_raw_in_place(self) -> None:
        self.r("SET", "k", "abc")
        self.r("SETBIT", "k", 0, 0)  # unchanged, but made raw as dbUnshareStringValue does
        value = self.r.db.data[b"k"]
        self.assertIs(type(value), bytearray)
        self.assertEqual(self.r("OBJECT", "ENCODING", "k"), b"$3\r\nraw\r\n")
        self.r("SETBIT", "k", 1, 0)
        self.assertIs(self.r.db.data[b"k"], value)
        self.assertEqual(value, bytearray(b"!bc"))

    def test_events_only_for_changes(self) -> None:
        self.r("SETBIT", "k", 3, 1)
        self.r("SETBIT", "k", 3, 1)  # no change
        self.r("SETBIT", "k", 40, 0)  # grows
        self.r("SETBIT", "k", 3, 0)
        self.r("GETBIT", "k", 3)
        self.assertEqual(
            self.r.writes(),
            [
                [b"SETBIT", b"k", b"3", b"1"],
                [b"SETBIT", b"k", b"40", b"0"],
                [b"SETBIT", b"k", b"3", b"0"],
            ],
        )
        self.assertReplayMatches()

    def test_errors(self) -> None:
        self.r("RPUSH", "l", "a")
        self.assertEqual(self.r("SETBIT", "k", -1, 1), OFFSET_ERROR)
        self.assertEqual(self.r("SETBIT", "k", 2**32, 1), OFFSET_ERROR)
        self.assertEqual(self.r("GETBIT", "k", "x"), OFFSET_ERROR)
        bit_error = b"-ERR bit is not an integer or out of range\r\n"
        self.assertEqual(self.r("SETBIT", "k", 1, 2), bit_error)
        self.assertEqual(self.r("SETBIT", "k", 1, "x"), bit_error)
        self.assertEqual(self.r("SETBIT", "l", 1, 1), WRONGTYPE)
        self.assertEqual(self.r("GETBIT", "l", 1), WRONGTYPE)
        self.assertEqual(self.r.writes(), [[b"RPUSH", b"l", b"a"]])

    def test_offset_limit_is_proto_max_bulk_len(self) -> None:
        self.r("CONFIG", "SET", "proto-max-bulk-len", "1mb")
        self.assertEqual(self.r("SETBIT", "k", 8 << 20, 1), OFFSET_ERROR)
        self.assertEqual(self.r("SETBIT", "k", (8 << 20) - 1, 1), b":0\r\n")
        self.assertEqual(len(self.r.db.data[b"k"]), 1 << 20)

    def test_the_masters_stream_is_not_limited(self) -> None:
        self.r("CONFIG", "SET", "proto-max-bulk-len", "1mb")
        applier = self.r.apply("SETBIT", "k", 8 << 20, 1)
        self.assertEqual(applier.errors, 0)
        self.assertEqual(len(self.r.db.data[b"k"]), (1 << 20) + 1)

    def test_unchanged_bit_does_not_touch_a_watch(self) -> None:
        self.r("SET", "k", "abc")
        self.r("WATCH", "k")
        self.r("SETBIT", "k", 0, 0)
        self.r("MULTI")
        self.r("GET", "k")
        self.assertEqual(self.r("EXEC"), b"*1\r\n$3\r\nabc\r\n")


class RangeTests(BitmapTestCase):
    def test_bitcount_byte_and_bit_ranges(self) -> None:
        self.r("SET", "s", b"\xff\xf0\x00\x0f")
        self.assertEqual(self.r("BITCOUNT", "s"), b":16\r\n")
        self.assertEqual(self.r("BITCOUNT", "s", 1, -1), b":8\r\n")
        self.assertEqual(self.r("BITCOUNT", "s", 4, 11, "BIT"), b":8\r\n")
        self.assertEqual(self.r("BITCOUNT", "s", -3, -1, "bit"), b":3\r\n")
        self.assertEqual(self.r("BITCOUNT", "s", -1, -2, "bogus"), b":0\r\n")
        self.assertEqual(self.r("BITCOUNT", "s", 0, 1, "bogus"), b"-ERR syntax error\r\n")
        self.assertEqual(self.r("BITCOUNT", "nokey", "x"), b":0\r\n")

    def test_bitpos_clear_bit_with_and_without_an_end(self) -> None:
        self.r("SET", "ff", b"\xff\xff")
        self.assertEqual(self.r("BITPOS", "ff", 0), b":16\r\n")
        self.assertEqual(self.r("BITPOS", "ff", 0, 1), b":16\r\n")
        self.assertEqual(self.r("BITPOS", "ff", 0, 0, -1), b":-1\r\n")
        self.assertEqual(self.r("BITPOS", "ff", 1, 3, 5, "BIT"), b":3\r\n")
        self.assertEqual(self.r("BITPOS", "nokey", 0), b":0\r\n")
        self.assertEqual(self.r("BITPOS", "nokey", 1), b":-1\r\n")
        self.assertEqual(self.r("BITPOS", "ff", 2), b"-ERR The bit argument must be 1 or 0.\r\n")

    def test_first_bit(self) -> None:
        data = b"\x0f\x00\x81"
        self.assertEqual(first_bit(data, 1, 0, 23), 4)
        self.assertEqual(first_bit(data, 1, 8, 23), 16)
        self.assertEqual(first_bit(data, 1, 17, 22), -1)
        self.assertEqual(first_bit(data, 1, 17, 23), 23)
        self.assertEqual(first_bit(data, 0, 4, 7), -1)
        self.assertEqual(first_bit(data, 0, 4, 8), 8)
        self.assertEqual(first_bit(data, 0, 16, 16), -1)


class BitopTests(BitmapTestCase):
    def test_operations_pad_shorter_strings_with_zeros(self) -> None:
        self.r("SET", "a", b"\xf0\x0f")
        self.r("SET", "b", b"\xff")
        self.assertEqual(self.r("BITOP", "AND", "d", "a", "b"), b":2\r\n")
        self.assertEqual(self.r.db.data[b"d"], bytearray(b"\xf0\x00"))
        self.r("BITOP", "OR", "d", "a", "b", "nokey")
        self.assertEqual(self.r.db.data[b"d"], bytearray(b"\xff\x0f"))
        self.r("BITOP", "XOR", "d", "a", "b")
        self.assertEqual(self.r.db.data[b"d"], bytearray(b"\x0f\x0f"))
        self.r("BITOP", "NOT", "d", "a")
        self.assertEqual(self.r.db.data[b"d"], bytearray(b"\x0f\xf0"))
        self.assertEqual(self.r("OBJECT", "ENCODING", "d"), b"$3\r\nraw\r\n")
        self.assertReplayMatches()

    def test_empty_result_deletes_the_destination(self) -> None:
        self.r("SET", "d", "x", "EX", "100")
        self.assertEqual(self.r("BITOP", "AND", "d", "nokey"), b":0\r\n")
        self.assertNotIn(b"d", self.r.db.data)
        self.r("BITOP", "AND", "d", "nokey")  # nothing to delete: no event
        self.assertEqual(self.r.writes()[-1:], [[b"BITOP", b"AND", b"d", b"nokey"]])
        self.assertEqual(len(self.r.writes()), 2)

    def test_errors(self) -> None:
        self.r("RPUSH", "l", "a")
        self.assertEqual(
            self.r("BITOP", "NOT", "d", "a", "b"),
            b"-ERR BITOP NOT must be called with a single source key.\r\n",
        )
        self.assertEqual(self.r("BITOP", "NAND", "d", "a"), b"-ERR syntax error\r\n")
        self.assertEqual(self.r("BITOP", "OR", "d", "nokey", "l"), WRONGTYPE)
        self.assertNotIn(b"d", self.r.db.data)


class BitfieldTests(BitmapTestCase):
    def test_operations_in_order(self) -> None:
        reply = self.r(
            "BITFIELD", "k", "SET", "u8", "#1", "200", "INCRBY", "u8", "#1", "100",
            "OVERFLOW", "SAT", "INCRBY", "u8", "#1", "100", "OVERFLOW", "FAIL",
            "INCRBY", "u8", "#1", "1", "GET", "i8", "8",
        )  # fmt: skip
        self.assertEqual(reply, b"*5\r\n:0\r\n:44\r\n:144\r\n:145\r\n:-111\r\n")
        self.assertEqual(self.r.db.data[b"k"], bytearray(b"\x00\x91"))
        self.assertReplayMatches()

    def test_fail_answers_nil_and_writes_nothing(self) -> None:
        self.r("BITFIELD", "k", "SET", "u8", "0", "7")
        self.assertEqual(
            self.r("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "0", "256"), b"*1\r\n$-1\r\n"
        )
        self.r("HELLO", "3")
        self.assertEqual(
            self.r("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "200"), b"*1\r\n_\r\n"
        )
        self.assertEqual(self.r.db.data[b"k"], bytearray(b"\x07"))
        self.assertEqual(self.r.writes(), [[b"BITFIELD", b"k", b"SET", b"u8", b"0", b"7"]])

    def test_fail_that_grows_the_string_is_propagated(self) -> None:
        self.r("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "16", "256")
        self.assertEqual(self.r.db.data[b"k"], bytearray(3))
        self.assertEqual(len(self.r.writes()), 1)
        self.assertReplayMatches()

    def test_read_only_forms(self) -> None:
        self.r("SET", "k", b"\x80")
        self.assertEqual(self.r("BITFIELD_RO", "k", "GET", "i8", "0"), b"*1\r\n:-128\r\n")
        self.assertEqual(self.r("BITFIELD", "k", "GET", "u4", "0"), b"*1\r\n:8\r\n")
        self.assertEqual(
            self.r("BITFIELD_RO", "k", "SET", "u8", "0", "1"),
            b"-ERR BITFIELD_RO only supports the GET subcommand\r\n",
        )
        self.assertEqual(self.r("BITFIELD", "k"), b"*0\r\n")
        self.assertIs(type(self.r.db.data[b"k"]), bytes)  # reads leave the string as it was
        self.assertEqual(len(self.r.writes()), 1)

    def test_argument_errors(self) -> None:
        type_error = (
            b"-ERR Invalid bitfield type. Use something like i16 u8. "
            b"Note that u64 is not supported but i64 is.\r\n"
        )
        self.assertEqual(self.r("BITFIELD", "k", "GET", "u64", "0"), type_error)
        self.assertEqual(self.r("BITFIELD", "k", "GET", "u8", "#-1"), OFFSET_ERROR)
        self.assertEqual(
            self.r("BITFIELD", "k", "OVERFLOW", "x"), b"-ERR Invalid OVERFLOW type specified\r\n"
        )
        self.assertEqual(self.r("BITFIELD", "k", "GET", "u8"), b"-ERR syntax error\r\n")
        self.assertEqual(
            self.r("BITFIELD", "k", "SET", "u8", "0", "x"),
            b"-ERR value is not an integer or out of range\r\n",
        )
        self.assertNotIn(b"k", self.r.db.data)
