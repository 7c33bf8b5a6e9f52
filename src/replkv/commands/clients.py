"""CLIENT and its subcommands (networking.c: clientCommand(), Redis 7.0).

A connection's file descriptor is not visible through Twisted's transport, so
CLIENT LIST shows a stable stand-in: the client id + 7. Memory and buffer fields
(qbuf, argv-mem, rbs, tot-mem, …) are approximations of Redis's values.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.blocking import UNBLOCKED_BY_CLIENT
from replkv.client import Client
from replkv.commands.args import LLONG_MAX, parse_int
from replkv.commands.table import container, subcommand
from replkv.errors import CommandError
from replkv.pause import ALL, WRITE

NO_SUCH_CLIENT = errors.err("No such client")
INVALID_CLIENT_ID = errors.err("Invalid client ID")
CLIENT_ID_RANGE = errors.err("client-id should be greater than 0")
PAUSE_MODE = errors.err("CLIENT PAUSE mode must be WRITE or ALL")
TIMEOUT_NOT_INTEGER = errors.err("timeout is not an integer or out of range")
TIMEOUT_NEGATIVE = errors.err("timeout is negative")
UNBLOCK_REASON = errors.err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
CACHING_WITHOUT_TRACKING = errors.err(
    "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
    "OPTOUT mode enabled"
)
TRACKING_UNSUPPORTED = errors.err("client-side caching (CLIENT TRACKING) is not supported")
REDIRECT_TWICE = errors.err("A client can only redirect to a single other client")
NO_REDIRECT_CLIENT = errors.err("The client ID you want redirect to does not exist")

# getClientTypeByName(): the names CLIENT LIST TYPE and CLIENT KILL TYPE accept.
CLIENT_TYPES = {
    b"normal": "normal",
    b"slave": "replica",
    b"replica": "replica",
    b"pubsub": "pubsub",
    b"master": "master",
}

HELP_LINES = [
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
]
HELP = reply.array([reply.simple(line) for line in HELP_LINES])

# Redis's typical buffer sizes, shown as constants.
_QBUF_ALLOC = 20474
_READ_BUF = 16384
_BASE_MEM = 37632
_REPLY_CHUNK = 16384  # PROTO_REPLY_CHUNK_BYTES

container("client", group="connection", summary="A container for client connection commands")


def validate_name(name: bytes) -> bytes | None:
    """CLIENT SETNAME's rule: no spaces, newlines or other special characters."""
    for byte in name:
        if byte < 33 or byte > 126:
            return errors.err("Client names cannot contain spaces, newlines or special characters.")
    return None


def subcommand_syntax(argv: list[bytes]) -> bytes:
    """networking.c: addReplySubcommandSyntaxError()."""
    return b"-ERR unknown subcommand or wrong number of arguments for '%b'. Try %b HELP.\r\n" % (
        argv[1][:128],
        argv[0].upper(),
    )


def client_type(client: Client) -> str:
    """networking.c: getClientType(); a monitor counts as a normal client."""
    if client.is_master_link:
        return "master"
    if client.kind == "replica" and not client.monitor:
        return "replica"
    fields = client.info_fields()
    if fields.get("sub", 0) or fields.get("psub", 0) or fields.get("ssub", 0):
        return "pubsub"
    return "normal"


def _flags(client: Client, fields: dict[str, int | str]) -> str:
    """catClientInfoString()'s flags, in Redis's order."""
    flags = ""
    if client.monitor:
        flags += "O"
    elif client.kind == "replica":
        flags += "S"
    if client.is_master_link:
        flags += "M"
    if fields.get("sub", 0) or fields.get("psub", 0) or fields.get("ssub", 0):
        flags += "P"
    if client.multi is not None:
        flags += "x"
    if getattr(client, "paused_argv", None) is not None or client.blocked is not None:
        flags += "b"
    if client.watches.dirty:
        flags += "d"
    if client.closing:
        flags += "c"
    if getattr(client, "unix_socket", False):
        flags += "U"
    if client.no_evict:
        flags += "e"
    return flags or "N"


def client_info(client: Client, current: Client, argv: list[bytes] | None = None) -> bytes:
    """One CLIENT LIST line (catClientInfoString()), without the trailing newline."""
    now = client.server.clock.seconds()
    fields = client.info_fields()
    if client is current and argv is not None:
        qbuf = len(reply.encode_command(argv))
        argv_mem = sum(len(arg) for arg in argv)
    else:
        qbuf = argv_mem = 0
    multi = -1 if client.multi is None else len(client.multi)
    multi_mem = 0
    if client.multi:
        multi_mem = sum(sum(len(a) for a in queued) + 16 for _, queued in client.multi)
    cmd = client.last_cmd.name if client.last_cmd is not None else "NULL"
    # What the socket has not taken is Redis's reply list (omem, what the output
    # limits count), in nodes of 16 KB (oll).
    omem = client.unsent_bytes()
    oll = -(-omem // _REPLY_CHUNK)
    idle = 0 if client is current else max(int(now - client.last_interaction), 0)
    line = (
        f"id={client.id} addr={client.address()} laddr={client.local_address()} "
        f"fd={client.id + 7} name={client.name.decode('latin-1')} "
        f"age={max(int(now - client.created_at), 0)} idle={idle} "
        f"flags={_flags(client, fields)} db={client.db.id} "
        f"sub={fields.get('sub', 0)} psub={fields.get('psub', 0)} ssub={fields.get('ssub', 0)} "
        f"multi={multi} qbuf={qbuf} qbuf-free={_QBUF_ALLOC - qbuf} argv-mem={argv_mem} "
        f"multi-mem={multi_mem} rbs={_READ_BUF} rbp={_READ_BUF} "
        f"obl=0 oll={oll} omem={omem} tot-mem={_BASE_MEM + qbuf + argv_mem + multi_mem + omem} "
        f"events={'rw' if omem else 'r'} cmd={cmd} user=default redir=-1 resp={client.resp}"
    )
    return line.encode("latin-1")


@subcommand("client", "id", 2, "noscript loading stale", group="connection")
def client_id(client: Client, argv: list[bytes]) -> bytes:
    return reply.integer(client.id)


@subcommand("client", "setname", 3, "noscript loading stale", group="connection")
def client_setname(client: Client, argv: list[bytes]) -> bytes:
    invalid = validate_name(argv[2])
    if invalid is not None:
        return invalid
    client.name = argv[2]
    return reply.OK


@subcommand("client", "getname", 2, "noscript loading stale", group="connection")
def client_getname(client: Client, argv: list[bytes]) -> bytes:
    return reply.bulk(client.name) if client.name else client.null


@subcommand("client", "info", 2, "noscript loading stale", group="connection",
            tips=("nondeterministic_output",))  # fmt: skip
def client_info_command(client: Client, argv: list[bytes]) -> bytes:
    return reply.verbatim(client_info(client, client, argv) + b"\n", client.resp)


@subcommand("client", "list", -2, "admin noscript loading stale", group="connection",
            tips=("nondeterministic_output",))  # fmt: skip
def client_list(client: Client, argv: list[bytes]) -> bytes:
    clients = client.server.clients.clients
    if len(argv) == 4 and argv[2].lower() == b"type":
        wanted = CLIENT_TYPES.get(argv[3].lower())
        if wanted is None:
            return errors.err("Unknown client type '%s'" % argv[3].decode("latin-1"))
        chosen = [other for other in clients.values() if client_type(other) == wanted]
    elif len(argv) > 3 and argv[2].lower() == b"id":
        chosen = []
        for arg in argv[3:]:
            other = clients.get(parse_int(arg, INVALID_CLIENT_ID))
            if other is not None:
                chosen.append(other)
    elif len(argv) != 2:
        return errors.SYNTAX
    else:
        chosen = list(clients.values())
    text = b"".join(client_info(other, client, argv) + b"\n" for other in chosen)
    return reply.verbatim(text, client.resp)


def _kill_filters(client: Client, argv: list[bytes]) -> dict[str, object]:
    """Parse CLIENT KILL's `<option> <value>` pairs (the new form)."""
    filters: dict[str, object] = {"skipme": True}
    i = 2
    while i < len(argv):
        option = argv[i].lower()
        if i + 1 >= len(argv):
            raise CommandError(errors.SYNTAX)
        value = argv[i + 1]
        if option == b"id":
            client_id = parse_int(value, CLIENT_ID_RANGE)
            if client_id < 1:
                raise CommandError(CLIENT_ID_RANGE)
            filters["id"] = client_id
        elif option == b"type":
            kind = CLIENT_TYPES.get(value.lower())
            if kind is None:
                raise CommandError(errors.err("Unknown client type '%s'" % value.decode("latin-1")))
            filters["type"] = kind
        elif option == b"addr":
            filters["addr"] = value.decode("latin-1")
        elif option == b"laddr":
            filters["laddr"] = value.decode("latin-1")
        elif option == b"user":
            if value != b"default":
                raise CommandError(errors.err("No such user '%s'" % value.decode("latin-1")))
        elif option == b"skipme":
            if value.lower() == b"yes":
                filters["skipme"] = True
            elif value.lower() == b"no":
                filters["skipme"] = False
            else:
                raise CommandError(errors.SYNTAX)
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    return filters


def _matches(other: Client, me: Client, filters: dict[str, object]) -> bool:
    if "addr" in filters and other.address() != filters["addr"]:
        return False
    if "laddr" in filters and other.local_address() != filters["laddr"]:
        return False
    if "type" in filters and client_type(other) != filters["type"]:
        return False
    if "id" in filters and other.id != filters["id"]:
        return False
    return not (other is me and filters["skipme"])


@subcommand("client", "kill", -3, "admin noscript loading stale", group="connection")
def client_kill(client: Client, argv: list[bytes]) -> bytes:
    old_form = len(argv) == 3
    if old_form:
        # CLIENT KILL ip:port: the old form may kill the caller itself.
        filters: dict[str, object] = {"addr": argv[2].decode("latin-1"), "skipme": False}
    else:
        filters = _kill_filters(client, argv)
    victims = [
        other
        for other in list(client.server.clients.clients.values())
        if _matches(other, client, filters)
    ]
    for other in victims:
        if other is client:
            client.close_after_reply()  # after this reply is queued
        else:
            kill = getattr(other, "kill", other.close_after_reply)
            kill()
            # Gone at once, as freeClient() makes it, not when the socket reports closing.
            client.server.clients.remove(other)
    if old_form:
        return reply.OK if victims else NO_SUCH_CLIENT
    return reply.integer(len(victims))


def parse_timeout_ms(arg: bytes, now_ms: int) -> int:
    """timeout.c: getTimeoutFromObjectOrReply() in milliseconds: the absolute end, or 0."""
    timeout = parse_int(arg, TIMEOUT_NOT_INTEGER)
    if timeout < 0:
        raise CommandError(TIMEOUT_NEGATIVE)
    if timeout > 0:
        timeout += now_ms
        if timeout > LLONG_MAX:
            timeout -= 2**64  # Redis 7.0 adds without a range check: the end wraps around
    return timeout


@subcommand("client", "pause", -3, "admin noscript loading stale", group="connection")
def client_pause(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) > 4:
        return subcommand_syntax(argv)
    mode = ALL
    if len(argv) == 4:
        word = argv[3].lower()
        if word == b"write":
            mode = WRITE
        elif word != b"all":
            return PAUSE_MODE
    end_ms = parse_timeout_ms(argv[2], int(client.server.clock.seconds() * 1000))
    client.server.clients.pause.pause(end_ms, mode)
    return reply.OK


@subcommand("client", "unpause", 2, "admin noscript loading stale", group="connection")
def client_unpause(client: Client, argv: list[bytes]) -> bytes:
    client.server.clients.pause.unpause()
    return reply.OK


@subcommand("client", "reply", 3, "noscript loading stale", group="connection")
def client_reply(client: Client, argv: list[bytes]) -> bytes | None:
    mode = argv[2].lower()
    if mode == b"on":
        client.reply_off = client.reply_skip = False
        return reply.OK
    if mode == b"off":
        client.reply_off = True
        return None
    if mode == b"skip":
        if not client.reply_off:
            client.reply_skip = True
        return None
    return errors.SYNTAX


@subcommand("client", "no-evict", 3, "admin noscript loading stale", group="connection")
def client_no_evict(client: Client, argv: list[bytes]) -> bytes:
    mode = argv[2].lower()
    if mode == b"on":
        client.no_evict = True
    elif mode == b"off":
        client.no_evict = False
    else:
        return errors.SYNTAX
    return reply.OK


@subcommand("client", "unblock", -3, "admin noscript loading stale", group="connection")
def client_unblock(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) > 4:
        return subcommand_syntax(argv)
    if len(argv) == 4 and argv[3].lower() not in (b"timeout", b"error"):
        return UNBLOCK_REASON
    target = client.server.clients.clients.get(parse_int(argv[2]))
    if target is None or target.blocked is None:
        return reply.ZERO  # CLIENT PAUSE holds are not blocks
    blocking = client.server.blocking
    if len(argv) == 4 and argv[3].lower() == b"error":
        blocking.unblock(target, UNBLOCKED_BY_CLIENT)
    else:
        blocking.unblock(target, blocking.timeout_reply(target))
    return reply.ONE


@subcommand("client", "tracking", -3, "noscript loading stale", group="connection")
def client_tracking(client: Client, argv: list[bytes]) -> bytes:
    # The options are checked first, whatever the mode (networking.c: clientCommand()).
    redirect = 0
    index = 3
    while index < len(argv):
        option = argv[index].lower()
        more = index + 1 < len(argv)
        if option == b"redirect" and more:
            index += 1
            if redirect:
                return REDIRECT_TWICE
            redirect = parse_int(argv[index])
            if redirect not in client.server.clients:
                return NO_REDIRECT_CLIENT
        elif option == b"prefix" and more:
            index += 1
        elif option not in (b"bcast", b"optin", b"optout", b"noloop"):
            return errors.SYNTAX
        index += 1
    mode = argv[2].lower()
    if mode == b"off":
        return reply.OK
    if mode == b"on":
        return TRACKING_UNSUPPORTED
    return errors.SYNTAX


@subcommand("client", "caching", 3, "noscript loading stale", group="connection")
def client_caching(client: Client, argv: list[bytes]) -> bytes:
    return CACHING_WITHOUT_TRACKING  # tracking is never on


@subcommand("client", "getredir", 2, "noscript loading stale", group="connection")
def client_getredir(client: Client, argv: list[bytes]) -> bytes:
    return reply.integer(-1)


@subcommand("client", "trackinginfo", 2, "noscript loading stale", group="connection")
def client_trackinginfo(client: Client, argv: list[bytes]) -> bytes:
    resp = client.resp
    return b"".join(
        [
            reply.map_header(3, resp),
            reply.bulk(b"flags"),
            reply.set_header(1, resp),
            reply.bulk(b"off"),
            reply.bulk(b"redirect"),
            reply.integer(-1),
            reply.bulk(b"prefixes"),
            reply.EMPTY_ARRAY,
        ]
    )


@subcommand("client", "help", 2, "loading stale", group="connection")
def client_help(client: Client, argv: list[bytes]) -> bytes:
    return HELP
