"""Both request readers pass the same vectors: commands, empties, limits, error texts."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from replkv.reply import encode_command
from replkv.resp import (
    HiredisRequestReader,
    IRequestReader,
    ProtocolError,
    PythonRequestReader,
    QueryBufferLimit,
    hiredis,
)


class Limits:
    def __init__(self, authenticated: bool = True) -> None:
        self.proto_max_bulk_len = 512 * 1024 * 1024
        self.client_query_buffer_limit = 1024 * 1024 * 1024
        self.authenticated = authenticated


# (input, commands parsed before the end or the error, error text or None)
VECTORS: list[tuple[bytes, list[list[bytes]], str | None]] = [
    (b"*1\r\n$4\r\nPING\r\n", [[b"PING"]], None),
    (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", [[b"SET", b"k", b""]], None),
    (b"*2\r\n$3\r\nGET\r\n$4\r\na\r\nb\r\n", [[b"GET", b"a\r\nb"]], None),
    (b"PING\r\n", [[b"PING"]], None),
    (b"PING\n", [[b"PING"]], None),
    (b"SET \"a b\" 'c d'\r\n", [[b"SET", b"a b", b"c d"]], None),
    (b"\r\n\nPING\r\n", [[b"PING"]], None),
    (b"*0\r\n*-5\r\nPING\r\n", [[b"PING"]], None),
    (b"*1\r\n$4\r\nPINGxx", [[b"PING"]], None),
    (
        b"*1\r\n$4\r\nPING\r\nECHO x\r\n*1\r\n$4\r\nPING\r\n",
        [[b"PING"], [b"ECHO", b"x"], [b"PING"]],
        None,
    ),
    (b"*abc\r\n", [], "Protocol error: invalid multibulk length"),
    (b"*03\r\n", [], "Protocol error: invalid multibulk length"),
    (b"*2147483648\r\n", [], "Protocol error: invalid multibulk length"),
    (b"*1\r\n$abc\r\n", [], "Protocol error: invalid bulk length"),
    (b"*1\r\n$-1\r\n", [], "Protocol error: invalid bulk length"),
    (b"*1\r\n$-0\r\n", [], "Protocol error: invalid bulk length"),
    (b"*-0\r\n", [], "Protocol error: invalid multibulk length"),
    # Redis finds line ends with strchr(): a NUL hides the newline after it.
    (b"PI\x00NG\r\nPING\r\n", [], None),
    (b"*1\x00\r\n$4\r\nPING\r\n", [], None),
    (b"*1000000\r\n$4\r\nPING\r\n", [], None),
    (b"*1048577\r\n$1\r\na\r\n:x\r\n", [], "Protocol error: expected '$', got ':'"),
    (b"*1\r\n$600000000\r\n", [], "Protocol error: invalid bulk length"),
    (b"*1\r\nfoo\r\n", [], "Protocol error: expected '$', got 'f'"),
    (b"*1\r\n$4\r\nPING\r\n*1\r\n:4\r\n", [[b"PING"]], "Protocol error: expected '$', got ':'"),
    (b"*1\r\n*1\r\n$1\r\na\r\n", [], "Protocol error: expected '$', got '*'"),
    (b'SET "a b\r\n', [], "Protocol error: unbalanced quotes in request"),
    (
        b"*1\r\n$4\r\nPING\r\nSET 'a\r\n",
        [[b"PING"]],
        "Protocol error: unbalanced quotes in request",
    ),
    (b"x" * (64 * 1024 + 1), [], "Protocol error: too big inline request"),
    (b"*" + b"1" * (64 * 1024 + 1), [], "Protocol error: too big mbulk count string"),
    (b"*1\r\n$" + b"1" * (64 * 1024 + 1), [], "Protocol error: too big bulk count string"),
    (b"*2\r\n$3\r\nGET\r\n", [], None),  # incomplete: waits
]


def run(reader: object, data: bytes, chunk: int) -> tuple[list[list[bytes]], str | None]:
    """Feed data in chunks, collecting commands until the end or a protocol error."""
    commands: list[list[bytes]] = []
    try:
        for start in range(0, len(data), chunk):
            reader.feed(data[start : start + chunk])  # type: ignore[attr-defined]
            while (command := reader.gets()) is not None:  # type: ignore[attr-defined]
                commands.append(command)
    except ProtocolError as exc:
        return commands, exc.message
    return commands, None


class ReaderVectorsMixin:
    reader_class: type

    def make(self, authenticated: bool = True) -> object:
        return self.reader_class(Limits(authenticated))

    def test_interface(self) -> None:
        self.assertTrue(verifyObject(IRequestReader, self.make()))

    def test_vectors_whole(self) -> None:
        for data, commands, error in VECTORS:
            got = run(self.make(), data, len(data) or 1)
            self.assertEqual(got, (commands, error), data[:60])

    def test_vectors_byte_by_byte(self) -> None:
        for data, commands, error in VECTORS:
            if len(data) > 1000:
                continue
            got = run(self.make(), data, 1)
            self.assertEqual(got, (commands, error), data[:60])

    def test_unauthenticated_limits(self) -> None:
        got = run(self.make(authenticated=False), b"*11\r\n", 100)
        self.assertEqual(got, ([], "Protocol error: unauthenticated multibulk length"))
        got = run(self.make(authenticated=False), b"*2\r\n$4\r\nAUTH\r\n$16385\r\n", 100)
        self.assertEqual(got, ([], "Protocol error: unauthenticated bulk length"))

    def test_query_buffer_limit(self) -> None:
        limits = Limits()
        limits.client_query_buffer_limit = 1000
        reader = self.reader_class(limits)
        with self.assertRaises(QueryBufferLimit):
            reader.feed(b"*1\r\n$2000\r\n" + b"x" * 1000)
            reader.gets()

    # The same property runs once per reader class, hence two executors.
    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.differing_executors]
    )
    @given(
        st.lists(st.lists(st.binary(max_size=40), min_size=1, max_size=6), max_size=8),
        st.integers(min_value=1, max_value=50),
    )
    def test_round_trip(self, commands: list[list[bytes]], chunk: int) -> None:
        data = b"".join(encode_command(c) for c in commands)
        self.assertEqual(run(self.make(), data, chunk), (commands, None))


class PythonReaderTests(ReaderVectorsMixin, SynchronousTestCase):
    reader_class = PythonRequestReader


class HiredisReaderTests(ReaderVectorsMixin, SynchronousTestCase):
    reader_class = HiredisRequestReader
    if hiredis is None:
        skip = "hiredis is not installed"

    def test_after_auth_back_to_hiredis(self) -> None:
        limits = Limits(authenticated=False)
        reader = HiredisRequestReader(limits)
        reader.feed(b"*2\r\n$4\r\nAUTH\r\n$1\r\np\r\n")
        self.assertEqual(reader.gets(), [b"AUTH", b"p"])
        limits.authenticated = True
        self.assertIsNone(reader.gets())
        self.assertIsNone(reader._fallback)
        reader.feed(b"*12\r\n" + b"$1\r\nx\r\n" * 12)
        self.assertEqual(reader.gets(), [b"x"] * 12)
