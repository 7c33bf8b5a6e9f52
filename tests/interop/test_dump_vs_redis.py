"""DUMP and RESTORE on replkv and redis-server: same payload bytes, same replies, and
each server restores what the other dumped, for every type and encoding."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from replkv.rdb.crc import crc64
from tests.support.datasets import KEYS_DB0, UNORDERED_KEYS, every_encoding
from tests.support.differential import DifferentialCase, cmd
from tests.support.resp_client import RawClient, parse_reply

DEBUG_ON = ("--enable-debug-command", "yes")
UNORDERED_SETS = {"hashset", "bigintset"}


def _signed(body: bytes) -> bytes:
    """A payload body with its CRC64 trailer."""
    return body + crc64(body).to_bytes(8, "little")


def _about_100_seconds(raw: bytes) -> bytes:
    """A PTTL within the 10 s before 100000 ms compares equal to any other such PTTL."""
    if raw.startswith(b":") and 90000 <= int(raw[1:-2]) <= 100000:
        return b":about 100000\r\n"
    return raw


def _length_only(raw: bytes) -> bytes:
    return raw[: raw.index(b"\r\n")]


def _payload(raw: bytes) -> bytes:
    reply = parse_reply(raw)
    assert isinstance(reply, bytes | str), raw
    return reply.encode("latin-1") if isinstance(reply, str) else reply


class DumpRestoreVsRedis(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def fill(self) -> None:
        self.assertSameReplies(every_encoding())

    def test_dump_bytes_match(self) -> None:
        self.fill()
        commands = []
        for key in KEYS_DB0:
            if key in UNORDERED_KEYS | UNORDERED_SETS:
                commands.append(cmd("DUMP", key, normalise=_length_only))
            else:
                commands.append(["DUMP", key])
        commands += [["DUMP", "nosuch"], ["DUMP"], ["SELECT", "2"], ["DUMP", "db2list"]]
        self.assertSameReplies(commands)

    def test_dump_bytes_without_compression(self) -> None:
        self.assertSameReplies([["CONFIG", "SET", "rdbcompression", "no"]])
        try:
            self.fill()
            self.assertSameReplies([["DUMP", key] for key in ("compressible", "biglist", "long")])
        finally:
            self.assertSameReplies([["CONFIG", "SET", "rdbcompression", "yes"]])

    def _restore_everywhere(self, source: RawClient) -> None:
        """Restore each key source dumps, on both servers; compare the results."""
        for key in KEYS_DB0:
            payload = _payload(source.call("DUMP", key))
            self.assertSameReplies(
                [
                    ["RESTORE", "copy:" + key, "0", payload],
                    ["TYPE", "copy:" + key],
                    ["OBJECT", "ENCODING", "copy:" + key],
                    ["DEBUG", "DIGEST-VALUE", "copy:" + key],
                    ["DEBUG", "DIGEST-VALUE", key],
                ]
            )
        self.assertSameReplies([["DEBUG", "DIGEST"]])

    def test_restore_what_redis_dumped(self) -> None:
        self.fill()
        self._restore_everywhere(self.redis_client)

    def test_restore_what_replkv_dumped(self) -> None:
        self.fill()
        self._restore_everywhere(self.replkv_client)

    def test_restore_options_and_errors(self) -> None:
        self.assertSameReplies([["SET", "a", "hello"], ["RPUSH", "l", "x"]])
        good = _payload(self.redis_client.call("DUMP", "a"))
        listing = _payload(self.redis_client.call("DUMP", "l"))
        corrupt = good[:-1] + bytes([good[-1] ^ 1])
        newer = good[:-10] + b"\x0b\x00" + bytes(8)
        no_crc = good[:-8] + bytes(8)
        empty_list = _signed(b"\x12\x00\x0a\x00")
        garbage = _signed(b"\x00\xc3\x05\x10abc\x0a\x00")
        bad_type = _signed(b"\x08\x01a\x0a\x00")
        truncated = _signed(b"\x00\x10abc\x0a\x00")
        stream_type = _signed(b"\x0f\x00\x0a\x00")
        self.assertSameReplies(
            [
                ["RESTORE", "a", "0", good],
                ["RESTORE", "a", "0", good, "REPLACE"],
                ["RESTORE", "b", "-1", good],
                ["RESTORE", "b", "x", good],
                ["RESTORE", "b", "0", corrupt],
                ["RESTORE", "b", "0", newer],
                ["RESTORE", "b", "0", b"short"],
                ["RESTORE", "b", "0", empty_list],
                ["RESTORE", "b", "0", garbage],
                ["RESTORE", "b", "0", bad_type],
                ["RESTORE", "b", "0", no_crc],
                ["RESTORE", "b", "0", truncated],
                ["RESTORE", "b", "0", stream_type],
                ["GET", "b"],
                ["RESTORE", "c", "0", good, "IDLETIME", "-1"],
                ["RESTORE", "c", "0", good, "IDLETIME", "x"],
                ["RESTORE", "c", "0", good, "FREQ", "256"],
                ["RESTORE", "c", "0", good, "FREQ", "-1"],
                ["RESTORE", "c", "0", good, "IDLETIME", "1", "FREQ", "1"],
                ["RESTORE", "c", "0", good, "FREQ", "1", "IDLETIME", "1"],
                ["RESTORE", "c", "0", good, "IDLETIME"],
                ["RESTORE", "c", "0", good, "bogus"],
                ["RESTORE", "c", "0", good, "IDLETIME", "10", "REPLACE", "ABSTTL"],
                ["RESTORE", "d", "0", good, "FREQ", "100"],
                ["RESTORE", "e", "1", good, "ABSTTL"],
                ["EXISTS", "e"],
                ["RESTORE", "a", "1", listing, "REPLACE", "ABSTTL"],
                ["EXISTS", "a"],
                ["RESTORE", "f", "100000", listing],
                cmd("PTTL", "f", normalise=_about_100_seconds),
                ["RESTORE", "g", "4102444800000", good, "ABSTTL"],
                ["PEXPIRETIME", "g"],
                ["RESTORE"],
                ["RESTORE", "x", "0"],
            ]
        )

    def test_stream_payload_restores(self) -> None:
        self.redis_client.call("XADD", "s", "1-1", "f", "v")
        payload = _payload(self.redis_client.call("DUMP", "s"))
        self.assertEqual(self.replkv_client.call("RESTORE", "s", "0", payload), b"+OK\r\n")
        self.assertEqual(_payload(self.replkv_client.call("DUMP", "s")), payload)
