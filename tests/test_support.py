"""Tests for tests/support, run against real redis-server processes."""

import socket

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import (
    DifferentialCase,
    any_bulk,
    any_integer,
    cmd,
    format_mismatches,
    info_fields,
    run_script,
    shape_only,
    unordered,
)
from tests.support.ports import free_port
from tests.support.processes import (
    ServerStartError,
    ping_answers,
    read_rss_kib,
    start_redis_server,
    start_replkv,
)
from tests.support.resp_client import (
    ErrorReply,
    Push,
    RawClient,
    ReplyTimeout,
    WithAttributes,
    encode_command,
    parse_reply,
    reply_end,
)


class FreePortTests(SynchronousTestCase):
    def test_port_can_be_bound(self) -> None:
        port = free_port()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
        self.assertGreater(port, 0)


class ReplyEndTests(SynchronousTestCase):
    """reply_end finds the end of one reply of every RESP2/RESP3 type."""

    complete = [
        b"+OK\r\n",
        b"-ERR bad\r\n",
        b":-12\r\n",
        b"$3\r\na\r\n\r\n",  # payload containing CRLF
        b"$-1\r\n",
        b"*-1\r\n",
        b"*0\r\n",
        b"*2\r\n$1\r\na\r\n*2\r\n:1\r\n*1\r\n+x\r\n",
        b"_\r\n",
        b",3.5\r\n",
        b"#t\r\n",
        b"(123456789012345678901234567890\r\n",
        b"!3\r\nERR\r\n",
        b"=7\r\ntxt:abc\r\n",
        b"%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n_\r\n",
        b"~2\r\n:1\r\n:2\r\n",
        b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
        b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n",  # attribute plus the reply it annotates
    ]

    def test_complete_replies(self) -> None:
        for raw in self.complete:
            self.assertEqual(reply_end(raw), len(raw), raw)
            self.assertEqual(reply_end(raw + b"+next\r\n"), len(raw), raw)

    def test_every_prefix_is_incomplete(self) -> None:
        for raw in self.complete:
            for cut in range(len(raw)):
                self.assertIsNone(reply_end(raw[:cut]), raw[:cut])

    def test_parse_reply(self) -> None:
        self.assertEqual(parse_reply(b"+OK\r\n"), "OK")
        self.assertIsInstance(parse_reply(b"-ERR x\r\n"), ErrorReply)
        self.assertEqual(parse_reply(b"*2\r\n$1\r\na\r\n:5\r\n"), [b"a", 5])
        self.assertEqual(parse_reply(b"%1\r\n+k\r\n,1.5\r\n"), [("k", 1.5)])
        self.assertEqual(parse_reply(b">1\r\n+m\r\n"), Push(["m"]))
        self.assertEqual(
            parse_reply(b"|1\r\n+a\r\n#f\r\n_\r\n"), WithAttributes([("a", False)], None)
        )

    def test_encode_command(self) -> None:
        self.assertEqual(
            encode_command("SET", b"k", 1), b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n"
        )


class ServerProcessTests(SynchronousTestCase):
    def test_redis_server_starts_answers_and_stops(self) -> None:
        server = start_redis_server(self)
        self.assertTrue(server.alive())
        self.assertTrue(ping_answers(server.port))
        self.assertIn("Ready to accept connections", server.log_text())
        self.assertGreater(read_rss_kib(server.pid), 0)
        self.assertEqual(server.stop(), 0)
        self.assertFalse(server.alive())
        self.assertFalse(ping_answers(server.port, timeout=0.2))
        server.stop()  # the registered cleanup runs it again: must be harmless

    def test_kill(self) -> None:
        server = start_redis_server(self)
        self.assertEqual(server.kill(), -9)
        self.assertFalse(server.alive())

    def test_extra_args_reach_the_server(self) -> None:
        server = start_redis_server(self, "--databases", "3")
        with RawClient(server.port) as client:
            self.assertEqual(client.call("SELECT", "3"), b"-ERR DB index is out of range\r\n")

    def test_start_failure_raises_with_log(self) -> None:
        with self.assertRaises(ServerStartError) as caught:
            start_redis_server(self, "--no-such-directive", "1")
        self.assertIn("no-such-directive", str(caught.exception))

    def test_replkv_start_failure_raises_with_log(self) -> None:
        with self.assertRaises(ServerStartError) as caught:
            start_replkv(self, "--no-such-option")
        self.assertIn("exited", str(caught.exception))


class RawClientTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = start_redis_server(self)
        self.client = RawClient(self.server.port)
        self.addCleanup(self.client.close)

    def test_resp2_replies_are_exact(self) -> None:
        call = self.client.call
        self.assertEqual(call("SET", "k", b"a\r\nb"), b"+OK\r\n")
        self.assertEqual(call("GET", "k"), b"$4\r\na\r\nb\r\n")
        self.assertEqual(call("GET", "missing"), b"$-1\r\n")
        self.assertEqual(call("INCR", "n"), b":1\r\n")
        self.assertEqual(call("INCR", "k"), b"-ERR value is not an integer or out of range\r\n")
        self.assertEqual(call("RPUSH", "l", "x", "y"), b":2\r\n")
        self.assertEqual(call("LRANGE", "l", 0, -1), b"*2\r\n$1\r\nx\r\n$1\r\ny\r\n")

    def test_resp3_replies_are_exact(self) -> None:
        call = self.client.call
        self.assertTrue(call("HELLO", "3").startswith(b"%7\r\n"))
        self.assertEqual(call("GET", "missing"), b"_\r\n")
        call("HSET", "h", "f", "v")
        self.assertEqual(call("HGETALL", "h"), b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n")
        call("SADD", "s", "m")
        self.assertEqual(call("SMEMBERS", "s"), b"~1\r\n$1\r\nm\r\n")
        self.assertEqual(call("INCRBYFLOAT", "f", "1.5"), b"$3\r\n1.5\r\n")
        self.assertEqual(call("ZADD", "z", "2.5", "m"), b":1\r\n")
        self.assertEqual(call("ZSCORE", "z", "m"), b",2.5\r\n")

    def test_push_frames(self) -> None:
        self.client.call("HELLO", "3")
        self.assertEqual(
            self.client.call("SUBSCRIBE", "ch"), b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
        )
        with RawClient(self.server.port) as publisher:
            self.assertEqual(publisher.call("PUBLISH", "ch", "hi"), b":1\r\n")
        self.assertEqual(
            self.client.read_reply(), b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        )

    def test_pipeline(self) -> None:
        replies = self.client.pipeline([["SET", "a", "1"], ["INCR", "a"], ["GET", "a"]])
        self.assertEqual(replies, [b"+OK\r\n", b":2\r\n", b"$1\r\n2\r\n"])

    def test_split_replies_and_raw_sends(self) -> None:
        self.client.send_raw(b"*1\r\n$4\r\nPI")
        self.client.send_raw(b"NG\r\nPING\r\n")
        self.assertEqual(self.client.read_reply(), b"+PONG\r\n")
        self.assertEqual(self.client.read_reply(), b"+PONG\r\n")

    def test_read_timeout_is_bounded(self) -> None:
        with self.assertRaises(ReplyTimeout):
            self.client.read_reply(timeout=0.2)

    def test_close_detection(self) -> None:
        self.assertFalse(self.client.closed())
        self.client.send_raw(encode_command("QUIT"))
        self.assertEqual(self.client.read_until_closed(), b"+OK\r\n")
        self.assertTrue(self.client.closed())
        with self.assertRaises(ConnectionError):
            self.client.read_reply()

    def test_read_until_closed_times_out_on_open_connection(self) -> None:
        with self.assertRaises(ReplyTimeout):
            self.client.read_until_closed(timeout=0.2)

    def test_read_until_quiet(self) -> None:
        self.client.send_raw(b"PING\r\nPING\r\n")
        self.assertEqual(self.client.read_until_quiet(0.2), b"+PONG\r\n+PONG\r\n")
        self.assertFalse(self.client.closed())
        self.client.send_raw(b"*abc\r\n")
        self.assertEqual(
            self.client.read_until_quiet(0.2),
            b"-ERR Protocol error: invalid multibulk length\r\n",
        )
        self.assertTrue(self.client.closed())


class NormaliserTests(SynchronousTestCase):
    def test_any_integer(self) -> None:
        self.assertEqual(any_integer(b":12\r\n"), any_integer(b":7\r\n"))
        self.assertNotEqual(any_integer(b":1\r\n"), any_integer(b"-ERR\r\n"))

    def test_any_bulk(self) -> None:
        self.assertEqual(any_bulk(b"$1\r\na\r\n"), any_bulk(b"$2\r\nbc\r\n"))
        self.assertNotEqual(any_bulk(b"$1\r\na\r\n"), any_bulk(b"$-1\r\n"))

    def test_shape_only(self) -> None:
        time_a = b"*2\r\n$10\r\n1700000000\r\n$6\r\n123456\r\n"
        time_b = b"*2\r\n$10\r\n1700000001\r\n$5\r\n12345\r\n"
        self.assertEqual(shape_only(time_a), shape_only(time_b))
        self.assertNotEqual(shape_only(time_a), shape_only(b"*1\r\n$1\r\n1\r\n"))

    def test_unordered(self) -> None:
        self.assertEqual(
            unordered(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"), unordered(b"*2\r\n$1\r\nb\r\n$1\r\na\r\n")
        )
        self.assertEqual(
            unordered(b"%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n"),
            unordered(b"%2\r\n+b\r\n:2\r\n+a\r\n:1\r\n"),
        )
        self.assertNotEqual(
            unordered(b"%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n"),
            unordered(b"%2\r\n+a\r\n:2\r\n+b\r\n:1\r\n"),
        )

    def test_info_fields(self) -> None:
        normalise = info_fields("role", "connected_slaves")
        info_a = b"$40\r\n# Replication\r\nrole:master\r\nconnected_slaves:0\r\n\r\n"
        info_b = b"$32\r\nrole:master\r\nconnected_slaves:0\r\nx:1\r\n"
        self.assertEqual(normalise(info_a), normalise(info_b))


class RunScriptTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.client_a = RawClient(start_redis_server(self).port)
        self.addCleanup(self.client_a.close)
        self.client_b = RawClient(start_redis_server(self).port)
        self.addCleanup(self.client_b.close)

    def test_reports_only_differing_replies(self) -> None:
        self.client_a.call("SET", "only-a", "1")
        mismatches = run_script(
            self.client_a,
            self.client_b,
            [
                ["PING"],
                ["GET", "only-a"],
                ["CLIENT", "ID"],
                cmd("CLIENT", "ID", normalise=any_integer),
            ],
        )
        self.assertEqual([m.index for m in mismatches], [1])
        table = format_mismatches(mismatches, ("redis", "replkv"))
        self.assertIn("GET only-a", table)
        self.assertIn("redis  b'$1\\r\\n1\\r\\n'", table)
        self.assertIn("replkv b'$-1\\r\\n'", table)

    def test_stops_when_a_side_stops_answering(self) -> None:
        self.client_b.call("QUIT")
        mismatches = run_script(self.client_a, self.client_b, [["PING"], ["PING"]])
        self.assertEqual(len(mismatches), 1)
        self.assertIn(b"<no reply: ", mismatches[0].reply_b)


class RedisAgainstRedis(DifferentialCase, SynchronousTestCase):
    """DifferentialCase with redis-server as the subject too: everything must agree."""

    subject_kind = "redis-server"

    def test_same_replies(self) -> None:
        self.assertSameReplies(
            [
                ["DBSIZE"],
                ["SET", "k", "v"],
                ["GET", "k"],
                ["SADD", "s", "a", "b", "c"],
                cmd("SMEMBERS", "s", normalise=unordered),
                cmd("TIME", normalise=shape_only),
                cmd("INFO", "replication", normalise=info_fields("role", "connected_slaves")),
                ["SELECT", "1"],
                ["GET", "k"],
            ]
        )

    def test_each_test_starts_flushed_in_db_0(self) -> None:
        # Runs after test_same_replies in both trial and pytest order.
        self.assertSameReplies([["DBSIZE"], ["GET", "k"]])
        self.assertEqual(self.redis_client.call("DBSIZE"), b":0\r\n")

    def test_mismatch_fails_with_table(self) -> None:
        self.replkv_client.call("SET", "k", "other")
        with self.assertRaises(self.failureException) as caught:
            self.assertSameReplies([["SET", "x", "1"], ["GET", "k"]])
        message = str(caught.exception)
        self.assertIn("1 replies differ", message)
        self.assertIn("#1 GET k", message)
        self.assertIn("redis-server (subject) b'$5\\r\\nother\\r\\n'", message)

    def test_raw_outcome(self) -> None:
        outcome = self.assertSameRawOutcome(b"*1\r\nfoo\r\n")
        self.assertTrue(outcome.closed)
        self.assertEqual(outcome.data, b"-ERR Protocol error: expected '$', got 'f'\r\n")
        self.assertFalse(self.assertSameRawOutcome(b"PING\r\n").closed)

    def test_shared_servers_are_reused(self) -> None:
        first = (self.redis_server.pid, self.replkv_server.pid)
        self.setUp()
        self.assertEqual((self.redis_server.pid, self.replkv_server.pid), first)
