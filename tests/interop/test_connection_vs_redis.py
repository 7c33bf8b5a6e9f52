"""PING ECHO QUIT SELECT AUTH HELLO RESET and CLIENT: replkv against redis-server."""

import re

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, any_integer, cmd


def any_client_id(raw: bytes) -> bytes:
    """HELLO's map compared without its client id."""
    return re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:<id>\r\n", raw)


_VARYING = re.compile(
    rb"(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|tot-mem)=\S*"
)


def client_line_fields(raw: bytes) -> bytes:
    """CLIENT INFO / LIST compared on field names, order and the values we know exactly."""
    return _VARYING.sub(lambda m: m.group(1) + b"=?", raw).replace(b"$", b"").split(b"\r\n", 1)[-1]


def hello(*args: str) -> object:
    return cmd("HELLO", *args, normalise=any_client_id)


class ConnectionVsRedis(DifferentialCase, SynchronousTestCase):
    """Connection commands without a password."""

    def test_ping_echo(self) -> None:
        self.assertSameReplies(
            [
                ["PING"],
                ["PING", "hello"],
                ["PING", ""],
                ["PING", "a", "b"],
                ["ECHO"],
                ["ECHO", b"bin\x00\r\n\xff"],
                ["ECHO", "a", "b"],
                ["ping"],
            ]
        )

    def test_select(self) -> None:
        self.assertSameReplies(
            [
                ["SELECT", "15"],
                ["SELECT", "16"],
                ["SELECT", "-1"],
                ["SELECT", "x"],
                ["SELECT", "01"],
                ["SELECT", "2147483648"],
                ["SELECT", "-2147483649"],
                ["SELECT", "99999999999999999999"],
                ["SELECT", ""],
                ["SELECT"],
                ["SELECT", "1", "2"],
                ["SELECT", "0"],
            ]
        )

    def test_auth_without_password(self) -> None:
        self.assertSameReplies(
            [
                ["AUTH", "x"],
                ["AUTH", "default", "anything"],
                ["AUTH", "nobody", "x"],
                ["AUTH", "a", "b", "c"],
                ["AUTH"],
            ]
        )

    def test_hello(self) -> None:
        self.assertSameReplies(
            [
                hello(),
                hello("2"),
                hello("1"),
                hello("4"),
                hello("x"),
                hello("03"),
                hello("3", "foo"),
                hello("3", "auth", "default"),
                hello("3", "setname", "a b", "foo"),
                hello("3", "setname"),
                hello("2", "setname", "named"),
                ["CLIENT", "GETNAME"],
                hello("2", "AUTH", "default", "whatever", "SETNAME", "other"),
                ["CLIENT", "GETNAME"],
                hello("2", "auth", "someone", "pw"),
                hello("3"),
                ["GET", "missing"],
                ["CLIENT", "GETNAME"],
                hello("2"),
            ]
        )

    def test_resp3_replies(self) -> None:
        self.assertSameReplies(
            [
                hello("3"),
                ["SET", "k", "v"],
                ["GET", "nothing"],
                ["CLIENT", "TRACKINGINFO"],
                ["WATCH", "k"],
                ["SET", "k", "w"],
                ["MULTI"],
                ["EXEC"],
            ]
        )

    def test_reset(self) -> None:
        self.assertSameReplies(
            [
                ["SELECT", "3"],
                hello("3", "setname", "n"),
                ["MULTI"],
                ["SET", "a", "1"],
                ["RESET"],
                ["EXEC"],
                ["CLIENT", "GETNAME"],
                ["GET", "a"],
                ["SELECT", "3"],
                ["GET", "a"],
                ["RESET", "x"],
            ]
        )
        self.assertSameRawOutcome(b"CLIENT REPLY OFF\r\nRESET\r\nPING\r\n")

    def test_quit(self) -> None:
        self.assertSameRawOutcome(b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n")
        self.assertSameRawOutcome(b"*2\r\n$4\r\nQUIT\r\n$1\r\nx\r\n")


class ClientVsRedis(DifferentialCase, SynchronousTestCase):
    """CLIENT subcommands whose replies do not depend on addresses and ids."""

    def test_names(self) -> None:
        self.assertSameReplies(
            [
                ["CLIENT", "GETNAME"],
                ["CLIENT", "SETNAME", "alpha"],
                ["CLIENT", "GETNAME"],
                ["CLIENT", "SETNAME", "a b"],
                ["CLIENT", "SETNAME", "a\nb"],
                ["CLIENT", "SETNAME", b"\xff"],
                ["CLIENT", "SETNAME", ""],
                ["CLIENT", "GETNAME"],
                ["CLIENT", "SETNAME"],
                ["CLIENT", "SETNAME", "a", "b"],
                ["CLIENT", "GETNAME", "x"],
            ]
        )

    def test_id_and_info(self) -> None:
        self.assertSameReplies(
            [
                cmd("CLIENT", "ID", normalise=any_integer),
                ["CLIENT", "ID", "x"],
                cmd("CLIENT", "INFO", normalise=client_line_fields),
                ["CLIENT", "SETNAME", "named"],
                ["SELECT", "2"],
                ["MULTI"],
                ["SET", "a", "1"],
                ["EXEC"],
                cmd("CLIENT", "INFO", normalise=client_line_fields),
                cmd("HELLO", "3", normalise=any_client_id),
                cmd("CLIENT", "INFO", normalise=client_line_fields),
                ["CLIENT", "INFO", "x"],
            ]
        )

    def test_list_errors(self) -> None:
        self.assertSameReplies(
            [
                ["CLIENT", "LIST", "TYPE", "foo"],
                ["CLIENT", "LIST", "TYPE"],
                ["CLIENT", "LIST", "foo"],
                ["CLIENT", "LIST", "ID"],
                ["CLIENT", "LIST", "ID", "x"],
                ["CLIENT", "LIST", "ID", "99999", "-5"],
                ["CLIENT", "LIST", "ID", "1", "abc"],
                ["CLIENT", "LIST", "TYPE", "normal", "x"],
                ["CLIENT", "LIST", "TYPE", "master"],
                ["CLIENT", "LIST", "TYPE", "REPLICA"],
                ["CLIENT", "LIST", "TYPE", "slave"],
                ["CLIENT", "LIST", "TYPE", "pubsub"],
                cmd("CLIENT", "LIST", "TYPE", "normal", normalise=client_line_fields),
            ]
        )

    def test_kill_errors(self) -> None:
        self.assertSameReplies(
            [
                ["CLIENT", "KILL"],
                ["CLIENT", "KILL", "1.2.3.4:5"],
                ["CLIENT", "KILL", "addr"],
                ["CLIENT", "KILL", "1.2.3.4:5", "extra"],
                ["CLIENT", "KILL", "ID", "999999"],
                ["CLIENT", "KILL", "ID", "x"],
                ["CLIENT", "KILL", "ID", "0"],
                ["CLIENT", "KILL", "ID", "-1"],
                ["CLIENT", "KILL", "id", "1", "id"],
                ["CLIENT", "KILL", "TYPE", "foo"],
                ["CLIENT", "KILL", "TYPE", "master"],
                ["CLIENT", "KILL", "TYPE", "pubsub"],
                ["CLIENT", "KILL", "TYPE", "replica"],
                ["CLIENT", "KILL", "SKIPME", "maybe"],
                ["CLIENT", "KILL", "foo", "bar"],
                ["CLIENT", "KILL", "MAXAGE", "1"],
                ["CLIENT", "KILL", "USER", "nobody"],
                ["CLIENT", "KILL", "USER", "default", "SKIPME", "yes", "TYPE", "master"],
                ["CLIENT", "KILL", "LADDR", "1.2.3.4:5"],
                ["CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME", "no"],
                ["PING"],
            ]
        )

    def test_kill_self(self) -> None:
        # The old form may kill the caller: +OK, then the connection closes.
        redis, replkv = self.connect_pair()
        own = [
            redis.call("CLIENT", "INFO").split(b" addr=")[1].split(b" ")[0],
            replkv.call("CLIENT", "INFO").split(b" addr=")[1].split(b" ")[0],
        ]
        self.assertEqual(redis.call("CLIENT", "KILL", own[0]), b"+OK\r\n")
        self.assertEqual(replkv.call("CLIENT", "KILL", own[1]), b"+OK\r\n")
        for client in (redis, replkv):
            self.assertRaises((ConnectionError, TimeoutError), client.call, "PING")

    def test_pause_errors(self) -> None:
        self.assertSameReplies(
            [
                ["CLIENT", "PAUSE"],
                ["CLIENT", "PAUSE", "x"],
                ["CLIENT", "PAUSE", "-1"],
                ["CLIENT", "PAUSE", "x", "foo"],
                ["CLIENT", "PAUSE", "10", "foo"],
                ["CLIENT", "PAUSE", "1", "write", "x"],
                ["CLIENT", "PAUSE", "0", "WRITE"],
                ["CLIENT", "UNPAUSE"],
                ["CLIENT", "UNPAUSE", "x"],
            ]
        )

    def test_reply_modes(self) -> None:
        self.assertSameRawOutcome(
            b"CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY SKIP\r\nPING\r\nCLIENT REPLY ON\r\n"
            b"PING\r\nCLIENT REPLY SKIP\r\nECHO skipped\r\nECHO shown\r\nCLIENT REPLY foo\r\n"
            b"CLIENT REPLY\r\n"
        )

    def test_misc_subcommands(self) -> None:
        self.assertSameReplies(
            [
                ["CLIENT", "NO-EVICT", "on"],
                ["CLIENT", "NO-EVICT", "OFF"],
                ["CLIENT", "NO-EVICT", "x"],
                ["CLIENT", "NO-EVICT"],
                ["CLIENT", "CACHING", "yes"],
                ["CLIENT", "CACHING", "x"],
                ["CLIENT", "CACHING"],
                ["CLIENT", "TRACKING", "off"],
                ["CLIENT", "TRACKING", "x"],
                # Options are checked even to switch tracking off.
                ["CLIENT", "TRACKING", "off", "-30"],
                ["CLIENT", "TRACKING", "off", "bcast", "PREFIX", "a", "optin", "optout", "noloop"],
                ["CLIENT", "TRACKING", "off", "prefix"],
                ["CLIENT", "TRACKING", "off", "redirect"],
                ["CLIENT", "TRACKING", "off", "redirect", "x"],
                ["CLIENT", "TRACKING", "off", "redirect", "999999"],
                ["CLIENT", "TRACKING", "x", "bogus"],
                ["CLIENT", "GETREDIR"],
                ["CLIENT", "TRACKINGINFO"],
                ["CLIENT", "UNBLOCK", "1"],
                ["CLIENT", "UNBLOCK", "x"],
                ["CLIENT", "UNBLOCK", "1", "foo"],
                ["CLIENT", "UNBLOCK", "1", "error"],
                ["CLIENT", "UNBLOCK", "1", "timeout", "x"],
                ["CLIENT", "HELP"],
                ["CLIENT", "HELP", "x"],
                ["CLIENT", "foo"],
                ["CLIENT"],
                ["client", "Id", "x"],
            ]
        )

    def test_unknown_names_cut_at_nul(self) -> None:
        # Redis quotes names and arguments with printf's %s, which stops at a NUL.
        self.assertSameReplies(
            [
                ["fo\0o", "a\0b", "", "c"],
                ["NOSUCH", "\0b"],
                ["NOSUCH", "a" * 120, "b\0cdefghijkl", "d"],
                ["CLIENT", "g\0et"],
                ["CONFIG", "\0"],
            ]
        )


class AuthVsRedis(DifferentialCase, SynchronousTestCase):
    """Both servers started with --requirepass."""

    redis_args = ("--requirepass", "s3cret")
    replkv_args = ("--requirepass", "s3cret")

    def setUp(self) -> None:
        # The shared setUp runs FLUSHALL first: authenticate the fresh pair before it.
        self.authenticate_first = True
        super().setUp()

    def connect_pair(self):  # type: ignore[no-untyped-def]
        redis, replkv = super().connect_pair()
        if getattr(self, "authenticate_first", False):
            redis.call("AUTH", "s3cret")
            replkv.call("AUTH", "s3cret")
        return redis, replkv

    def fresh_pair(self) -> tuple:  # type: ignore[type-arg]
        """Connections that have not authenticated."""
        self.authenticate_first = False
        try:
            return self.connect_pair()
        finally:
            self.authenticate_first = True

    def test_noauth(self) -> None:
        self.assertSameReplies(
            [
                ["GET", "a"],
                ["NOSUCHCOMMAND"],
                ["GET"],
                ["CLIENT", "ID"],
                ["SELECT", "1"],
                ["MULTI"],
                ["EXEC"],
                ["PING"],
                ["AUTH", "wrong"],
                ["AUTH", "default", "wrong"],
                ["AUTH", "nobody", "s3cret"],
                ["AUTH", "a", "b", "c"],
                ["GET", "a"],
                ["AUTH", "s3cret"],
                ["GET", "a"],
                ["AUTH", "wrong"],
                ["GET", "a"],
            ],
            clients=self.fresh_pair(),
        )

    def test_hello_auth(self) -> None:
        self.assertSameReplies(
            [
                hello(),
                hello("3"),
                hello("3", "AUTH", "default", "wrong"),
                hello("3", "SETNAME", "early"),
                hello("3", "AUTH", "default", "s3cret", "SETNAME", "named"),
                ["CLIENT", "GETNAME"],
                ["GET", "nothing"],
            ],
            clients=self.fresh_pair(),
        )

    def test_reset_deauthenticates(self) -> None:
        self.assertSameReplies(
            [["AUTH", "s3cret"], ["SET", "a", "1"], ["RESET"], ["GET", "a"], ["PING"]],
            clients=self.fresh_pair(),
        )

    def test_exec_unauthenticated(self) -> None:
        self.assertSameReplies([["MULTI"], ["EXEC"], ["DISCARD"]], clients=self.fresh_pair())

    def test_pre_auth_protocol_limits(self) -> None:
        # Redis 7.0.15 limits what an unauthenticated client may send.
        self.authenticate_first = False
        self.assertSameRawOutcome(b"*20\r\n")
        self.assertSameRawOutcome(b"*10\r\n$3\r\nGET\r\n")
        self.assertSameRawOutcome(b"*1\r\n$16385\r\n")
        self.assertSameRawOutcome(b"*2\r\n$4\r\nECHO\r\n$16384\r\n" + b"x" * 16384 + b"\r\n")
