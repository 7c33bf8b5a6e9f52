"""The full-sync payload reader: both framings, keepalives, errors, any split of the bytes."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from replkv.replication.payload import PayloadError, PayloadReader

RDB = b"REDIS0010" + bytes(range(256)) + b"\xff" + b"12345678"
MARK = b"0123456789abcdef0123456789abcdef01234567"
STREAM = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"


def read_all(chunks: list[bytes]) -> tuple[bytes, bytes, PayloadReader]:
    """Feed chunks; returns (payload, what followed it, reader)."""
    sink = bytearray()
    reader = PayloadReader(sink.extend)
    after = bytearray()
    for chunk in chunks:
        after += reader.feed(chunk)
    return bytes(sink), bytes(after), reader


def splits(data: bytes) -> list[list[bytes]]:
    """data whole, byte by byte, and cut in two at every position."""
    ways = [[data], [data[i : i + 1] for i in range(len(data))]]
    ways += [[data[:i], data[i:]] for i in range(1, len(data))]
    return ways


class SizedPayloadTests(SynchronousTestCase):
    wire = b"\n\n$%d\r\n" % len(RDB) + RDB + STREAM

    def test_every_split(self) -> None:
        for chunks in splits(self.wire):
            payload, after, reader = read_all(chunks)
            self.assertEqual(payload, RDB)
            self.assertEqual(after, STREAM)
            self.assertTrue(reader.done)
            self.assertEqual((reader.total, reader.received), (len(RDB), len(RDB)))

    def test_not_done_before_the_last_byte(self) -> None:
        _, after, reader = read_all([self.wire[: 6 + len(RDB) - 1 + 2]])
        self.assertFalse(reader.done)
        self.assertEqual(after, b"")

    def test_progress_before_the_header(self) -> None:
        reader = PayloadReader(lambda data: None)
        reader.feed(b"\n")
        self.assertEqual(reader.total, -1)

    def test_error_line(self) -> None:
        reader = PayloadReader(lambda data: None)
        with self.assertRaises(PayloadError) as caught:
            reader.feed(b"-ERR no\r\n")
        self.assertIn("MASTER aborted replication with an error: ERR no", str(caught.exception))

    def test_not_a_payload(self) -> None:
        with self.assertRaises(PayloadError):
            PayloadReader(lambda data: None).feed(b"+OK\r\n")


class EofPayloadTests(SynchronousTestCase):
    wire = b"\n$EOF:" + MARK + b"\r\n" + RDB + MARK + STREAM

    def test_every_split(self) -> None:
        for chunks in splits(self.wire):
            payload, after, reader = read_all(chunks)
            self.assertEqual(payload, RDB)
            self.assertEqual(after, STREAM)
            self.assertTrue(reader.done)
            self.assertEqual(reader.total, 0)
            self.assertEqual(reader.received, len(RDB) + len(MARK))

    def test_partial_mark_is_payload(self) -> None:
        payload, after, reader = read_all([b"$EOF:" + MARK + b"\r\n", MARK[:20], b"x", MARK])
        self.assertEqual(payload, MARK[:20] + b"x")
        self.assertTrue(reader.done)

    def test_bad_mark(self) -> None:
        with self.assertRaises(PayloadError):
            PayloadReader(lambda data: None).feed(b"$EOF:short\r\n")

    def test_long_mark_uses_its_first_40_bytes(self) -> None:
        payload, after, reader = read_all([b"$EOF:" + MARK + b"extra\r\n" + RDB + MARK])
        self.assertEqual((payload, after, reader.done), (RDB, b"", True))
