"""DEBUG (debug.c: debugCommand()), and the enable-debug-command gate.

DEBUG parses its own subcommands, as Redis does, so a bad one gets debug.c's
"unknown subcommand or wrong number of arguments" text rather than the container's.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from twisted.logger import Logger

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import try_int
from replkv.commands.objects import refcount
from replkv.commands.table import command
from replkv.keyspace.digest import dataset_digest, key_digest
from replkv.keyspace.values import ENCODINGS, string_encoding

if TYPE_CHECKING:
    from replkv.commands.table import Command

log = Logger()

DEBUG_NOT_ALLOWED = errors.err(
    'DEBUG command not allowed. If the enable-debug-command option is set to "local", '
    "you can run it from a local connection, otherwise you need to set this option in "
    "the configuration file, and then restart the server."
)

HELP_LINES = [
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "HELP",
    "    Prints this help.",
]

LRU_CLOCK_MAX = (1 << 24) - 1

_STRTOD = re.compile(rb"\s*[-+]?(inf(inity)?|nan|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)", re.I)
_STRTOL = re.compile(rb"\s*[-+]?\d+")


def is_local(client: Client) -> bool:
    """networking.c: islocalClient(): a unix socket, loopback TCP, or no network peer."""
    if getattr(client, "unix_socket", False):
        return True
    address = client.address()
    return not address or address.startswith(("127.0.0.1:", "[::1]:"))


def protected_refusal(client: Client, cmd: Command) -> bytes | None:
    """server.c: processCommand()'s CMD_PROTECTED check; None when allowed."""
    setting = client.server.config.enable_debug_command
    if setting == "yes" or (setting == "local" and is_local(client)):
        return None
    return DEBUG_NOT_ALLOWED


def strtod(text: bytes) -> float:
    """C strtod(): the longest numeric prefix, 0 when there is none."""
    match = _STRTOD.match(text)
    return float(match.group(0)) if match else 0.0


def atoi(text: bytes) -> int:
    """C atoi(): the leading integer, 0 when there is none."""
    match = _STRTOL.match(text)
    return int(match.group(0)) if match else 0


def _length_prefix(length: int) -> int:
    """rdb.c: rdbSaveLen() size of a length."""
    if length < 1 << 6:
        return 1
    if length < 1 << 14:
        return 2
    return 5 if length <= 0xFFFFFFFF else 9


def serialized_string_length(value: bytes | bytearray) -> int:
    """rdb.c: rdbSaveRawString() size, without LZF (an approximation for long strings)."""
    if len(value) <= 11 and try_int(value) is not None:
        number = int(value)
        if -(2**7) <= number < 2**7:
            return 2
        if -(2**15) <= number < 2**15:
            return 3
        if -(2**31) <= number < 2**31:
            return 5
    return _length_prefix(len(value)) + len(value)


def _describe(value: Any) -> tuple[str, int]:
    """(encoding, serialized length) of a value, approximate for the aggregate types."""
    if type(value) is bytes or type(value) is bytearray:
        return string_encoding(value).decode(), serialized_string_length(value)
    items = value.items() if isinstance(value, dict) else value
    size = _length_prefix(len(value))
    for item in items:
        for part in item if isinstance(item, tuple) else (item,):
            if isinstance(part, (bytes, bytearray)):
                size += serialized_string_length(part)
            else:
                size += 8
    encoder = ENCODINGS.get(type(value))
    if encoder is not None:
        encoding = encoder(value).decode()
    elif isinstance(value, (set, frozenset)):
        encoding = "intset" if all(try_int(m) is not None for m in value) else "hashtable"
    elif isinstance(value, dict):
        encoding = "listpack" if len(value) <= 128 else "hashtable"
    elif isinstance(value, list):
        encoding = "quicklist"
    else:
        encoding = getattr(value, "encoding", "skiplist")
    return encoding, size


def _object_line(client: Client, key: bytes) -> bytes:
    db = client.db
    value = db.data.get(key)  # no expiry check: DEBUG sees logically expired keys
    if value is None:
        return errors.NO_SUCH_KEY
    encoding, length = _describe(value)
    lru = int(client.server.clock.seconds()) & LRU_CLOCK_MAX
    return reply.simple(
        "Value at:0x%x refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:0"
        % (id(value), refcount(client, value), encoding, length, lru)
    )


PROTOCOL_TYPES = errors.err(
    "Wrong protocol type name. Please use one of the following: "
    "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
)
BIGNUM = b"1234567999999999999999999999999999999"
ATTRIB_REPLY = b"Some real reply following the attribute"
PUSH_REPLY = b"Some real reply following the push reply"
RESP2_PUSH = errors.err("RESP2 is not supported by this command")


def protocol_reply(name: bytes, client: Client) -> bytes:
    """debug.c: DEBUG PROTOCOL: a sample of each reply type, in the client's RESP."""
    resp = client.resp
    if name == b"string":
        return reply.bulk(b"Hello World")
    if name == b"integer":
        return reply.integer(12345)
    if name == b"double":
        return b",3.141\r\n" if resp == 3 else b"$5\r\n3.141\r\n"
    if name == b"bignum":
        return b"(%b\r\n" % BIGNUM if resp == 3 else reply.bulk(BIGNUM)
    if name == b"null":
        return client.null
    if name == b"array" or name == b"set":
        header = reply.set_header(3, resp) if name == b"set" else b"*3\r\n"
        return header + reply.integer(0) + reply.integer(1) + reply.integer(2)
    if name == b"map":
        return reply.map_header(3, resp) + b"".join(
            reply.integer(i) + reply.boolean(i == 1, resp) for i in range(3)
        )
    if name == b"attrib":
        if resp == 2:
            return reply.bulk(ATTRIB_REPLY)
        return (
            b"|1\r\n"
            + reply.bulk(b"key-popularity")
            + b"*2\r\n"
            + reply.bulk(b"key:123")
            + reply.integer(90)
            + reply.bulk(ATTRIB_REPLY)
        )
    if name == b"push":
        if resp == 2:
            return RESP2_PUSH
        return (
            b">2\r\n" + reply.bulk(b"server-cpu-usage") + reply.integer(42) + reply.bulk(PUSH_REPLY)
        )
    if name == b"verbatim":
        return reply.verbatim(b"This is a verbatim\nstring", resp)
    if name == b"true" or name == b"false":
        return reply.boolean(name == b"true", resp)
    return PROTOCOL_TYPES


def _unknown(argv: list[bytes]) -> bytes:
    return (
        b"-ERR unknown subcommand or wrong number of arguments for '%b'. Try DEBUG HELP.\r\n"
        % (argv[1])
    )


RELOAD_OPTIONS = errors.err("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")


def _reload(client: Client, argv: list[bytes]) -> bytes:
    """DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]."""
    options = {arg.lower() for arg in argv[2:]}
    if not options <= {b"merge", b"noflush", b"nosave"}:
        return RELOAD_OPTIONS
    failure = client.server.snapshots.reload(
        save=b"nosave" not in options, flush=b"noflush" not in options, merge=b"merge" in options
    )
    if failure == "save":
        return b"-ERR\r\n"  # shared.err: the reason is in the log
    if failure is not None:
        return errors.err("Error trying to load the RDB dump")
    return reply.OK


@command("debug", -2, "admin noscript loading stale protected", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="A container for debugging commands", since="1.0.0")  # fmt: skip
def debug(client: Client, argv: list[bytes]) -> bytes:
    sub = argv[1].lower()
    argc = len(argv)
    if sub == b"help" and argc == 2:
        return reply.array([reply.simple(line) for line in HELP_LINES])
    if sub == b"digest" and argc == 2:
        return reply.simple(dataset_digest(client.server.keyspace))
    if sub == b"digest-value":
        return reply.array([reply.simple(key_digest(client.db, key)) for key in argv[2:]])
    if sub == b"object" and argc == 3:
        return _object_line(client, argv[2])
    if sub == b"protocol" and argc == 3:
        return protocol_reply(argv[2].lower(), client)
    if sub == b"sleep" and argc == 3:
        seconds = strtod(argv[2])
        if seconds > 0:
            time.sleep(seconds)  # blocks the reactor on purpose, as Redis blocks its loop
        return reply.OK
    if sub == b"reload":
        return _reload(client, argv)
    if sub == b"set-active-expire" and argc == 3:
        client.server.active_expire_enabled = bool(atoi(argv[2]))
        return reply.OK
    if sub == b"error" and argc == 3:
        message = argv[2]
        return reply.error(message[1:] if message[:1] == b"-" else b"ERR " + message)
    if sub == b"log" and argc == 3:
        log.warn("DEBUG LOG: {message}", message=argv[2].decode("utf-8", "replace"))
        return reply.OK
    return _unknown(argv)
