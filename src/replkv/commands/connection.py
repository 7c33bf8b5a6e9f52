"""Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET."""

from __future__ import annotations

import hmac

from replkv import REDIS_VERSION, errors, reply
from replkv.client import Client
from replkv.commands.args import parse_int
from replkv.commands.clients import validate_name
from replkv.commands.table import command
from replkv.errors import CommandError
from replkv.integers import INT_MAX, INT_MIN

AUTH_NOT_CONFIGURED = errors.err(
    "AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?"
)
HELLO_NOAUTH = (
    b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
    b"HELLO AUTH <user> <pass> option can be used to authenticate the client and "
    b"select the RESP protocol version at the same time\r\n"
)
NOPROTO = b"-NOPROTO unsupported protocol version\r\n"
SUBSCRIBED_PONG = b"*2\r\n$4\r\npong\r\n"
INT_RANGE = errors.err("value is out of range, value must between -2147483648 and 2147483647")


@command("ping", -1, "fast sentinel", group="connection", summary="Ping the server",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"))  # fmt: skip
def ping(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) > 2:
        return errors.wrong_arity("ping")
    if client.subscribed and client.resp == 2:  # pingCommand(): RESP2 subscribed form
        return SUBSCRIBED_PONG + reply.bulk(argv[1] if len(argv) == 2 else b"")
    if len(argv) == 2:
        return reply.bulk(argv[1])
    return reply.PONG


@command("echo", 2, "loading stale fast", group="connection", summary="Echo the given string")
def echo(client: Client, argv: list[bytes]) -> bytes:
    return reply.bulk(argv[1])


@command("quit", -1, "allow_busy noscript loading stale fast no_auth", group="connection")
def quit_(client: Client, argv: list[bytes]) -> bytes:
    client.close_after_reply()
    return reply.OK


@command("select", 2, "loading stale fast", group="connection")
def select(client: Client, argv: list[bytes]) -> bytes:
    index = parse_int(argv[1])
    if not INT_MIN <= index <= INT_MAX:
        return INT_RANGE  # getIntFromObjectOrReply()
    if not 0 <= index < len(client.server.keyspace.dbs):
        return errors.DB_INDEX
    client.select(index)
    return reply.OK


def check_password(client: Client, user: bytes | None, password: bytes) -> bytes | None:
    """None when the credentials are right, else the error reply (acl.c semantics)."""
    required = client.server.config.requirepass
    if user is not None and user != b"default":
        return errors.WRONGPASS
    if not required:
        return None if user is not None else AUTH_NOT_CONFIGURED
    expected = required.encode() if isinstance(required, str) else required
    if hmac.compare_digest(expected, password):
        return None
    return errors.WRONGPASS


@command("auth", -2, "noscript loading stale fast no_auth allow_busy", group="connection")
def auth(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) > 3:
        return errors.SYNTAX
    user = argv[1] if len(argv) == 3 else None
    failure = check_password(client, user, argv[-1])
    if failure is not None:
        return failure
    client.authenticated = True
    return reply.OK


def hello_reply(client: Client) -> bytes:
    """The server/version/proto/id/mode/role/modules map of HELLO."""
    role = b"master" if client.server.keyspace.is_master else b"replica"
    resp = client.resp
    return b"".join(
        [
            reply.map_header(7, resp),
            reply.bulk(b"server"),
            reply.bulk(b"redis"),
            reply.bulk(b"version"),
            reply.bulk(REDIS_VERSION.encode()),
            reply.bulk(b"proto"),
            reply.integer(resp),
            reply.bulk(b"id"),
            reply.integer(client.id),
            reply.bulk(b"mode"),
            reply.bulk(b"standalone"),
            reply.bulk(b"role"),
            reply.bulk(role),
            reply.bulk(b"modules"),
            reply.EMPTY_ARRAY,
        ]
    )


@command("hello", -1, "noscript loading stale fast no_auth allow_busy", group="connection")
def hello(client: Client, argv: list[bytes]) -> bytes:
    version = client.resp
    if len(argv) >= 2:
        try:
            version = parse_int(argv[1])
        except CommandError:
            return errors.err("Protocol version is not an integer or out of range")
        if version < 2 or version > 3:
            return NOPROTO
    name = None
    credentials = None
    i = 2
    while i < len(argv):
        option = argv[i].lower()
        left = len(argv) - i - 1
        if option == b"auth" and left >= 2:
            credentials = (argv[i + 1], argv[i + 2])
            i += 3
        elif option == b"setname" and left >= 1:
            name = argv[i + 1]
            invalid = validate_name(name)  # checked while parsing, before authenticating
            if invalid is not None:
                return invalid
            i += 2
        else:
            return errors.err("Syntax error in HELLO option '%s'" % argv[i].decode("latin-1"))
    if credentials is not None:
        failure = check_password(client, *credentials)
        if failure is not None:
            return failure
        client.authenticated = True
    if not client.authenticated:
        return HELLO_NOAUTH
    if name is not None:
        client.name = name
    client.set_resp(version)
    return hello_reply(client)


@command("reset", 1, "noscript loading stale fast no_auth allow_busy", group="connection")
def reset(client: Client, argv: list[bytes]) -> bytes:
    """networking.c: resetCommand() → clearClientConnectionState()."""
    client.multi = None
    client.multi_error = False
    client.unwatch_all()
    client.select(0)
    client.set_resp(2)
    client.name = b""
    client.reply_off = client.reply_skip = False
    client.no_evict = False
    if client.monitor:
        client.server.clients.stop_monitor(client)
        client.monitor = False
    if client.subscribed:
        client.server.pubsub.unsubscribe_all(client)
    client.authenticated = not client.server.config.requirepass
    return b"+RESET\r\n"
