"""MONITOR, and which arguments it must not show (Redis 7.0's redacted arguments).

The feed itself is `Server.feed_monitors`, called from `Server.call` after each
command, as Redis's call() does; admin and skip_monitor commands are not shown.
"""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.table import command
from replkv.quoting import quote_bytes

REDACTED = b"(redacted)"
MONITOR_IN_EXEC = errors.err("MONITOR isn't allowed for DENY BLOCKING client")


@command("monitor", 1, "admin noscript loading stale", group="server")
def monitor(client: Client, argv: list[bytes]) -> bytes | None:
    if client.multi is not None:
        return MONITOR_IN_EXEC  # inside EXEC, which denies blocking
    if client.monitor or client.kind == "replica":
        return None  # already a monitor (or a replica): ignored, no reply
    client.monitor = True
    client.server.clients.start_monitor(client)
    return reply.OK


def monitor_line(client: Client, argv: list[bytes], now: float) -> bytes:
    """replicationFeedMonitors(): `+<time> [<db> <addr>] "arg" …`."""
    if client.kind == "lua":
        source = "lua"
    elif getattr(client, "unix_socket", False):
        source = f"unix:{client.server.config.unixsocket}"
    else:
        source = client.address() or "unix"
    args = " ".join(quote_bytes(arg) for arg in redacted(argv))
    return b"+%.6f [%d %s] %s\r\n" % (now, client.db.id, source.encode(), args.encode())


def redacted(argv: list[bytes]) -> list[bytes]:
    """argv as MONITOR shows it: passwords replaced (redactClientCommandArgument())."""
    name = argv[0].lower()
    if name == b"auth":
        if len(argv) > 3:
            return argv  # AUTH's syntax error comes before it redacts
        return [argv[0]] + [REDACTED] * (len(argv) - 1)
    if name == b"hello":
        return _redact_hello(argv)
    if name == b"migrate":
        return _redact_migrate(argv)
    return argv


def _redact_hello(argv: list[bytes]) -> list[bytes]:
    """helloCommand() redacts `AUTH user pass` while parsing, after checking the version."""
    if len(argv) >= 2 and argv[1] not in (b"2", b"3"):
        return argv
    shown = list(argv)
    i = 2
    while i < len(argv):
        option = argv[i].lower()
        left = len(argv) - i - 1
        if option == b"auth" and left >= 2:
            shown[i + 1] = shown[i + 2] = REDACTED
            i += 3
        elif option == b"setname" and left >= 1:
            i += 2
        else:
            break
    return shown


def _redact_migrate(argv: list[bytes]) -> list[bytes]:
    """migrateCommand(): the AUTH password, or AUTH2's user and password."""
    shown = list(argv)
    for i in range(6, len(argv)):
        option = argv[i].lower()
        if option == b"auth" and i + 1 < len(argv):
            shown[i + 1] = REDACTED
        elif option == b"auth2" and i + 2 < len(argv):
            shown[i + 1] = shown[i + 2] = REDACTED
        elif option == b"keys":
            break
    return shown
