"""Server commands: TIME, LASTSAVE, SHUTDOWN (server.c)."""

from __future__ import annotations

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.table import command


@command("time", 1, "loading stale fast", group="server", acl_categories=("fast",),
         tips=("nondeterministic_output",), summary="Return the current server time",
         since="2.6.0")  # fmt: skip
def time_(client: Client, argv: list[bytes]) -> bytes:
    micros = int(client.server.clock.seconds() * 1_000_000)
    seconds, micros = divmod(micros, 1_000_000)
    return reply.bulk_array([b"%d" % seconds, b"%d" % micros])


@command("lastsave", 1, "loading stale fast", group="server",
         acl_categories=("admin", "fast", "dangerous"), tips=("nondeterministic_output",),
         summary="Get the UNIX time stamp of the last successful save to disk",
         since="1.0.0")  # fmt: skip
def lastsave(client: Client, argv: list[bytes]) -> bytes:
    return reply.integer(client.server.saves.last_save_time)


NO_SHUTDOWN = errors.err("No shutdown in progress.")
SHUTDOWN_FAILED = errors.err("Errors trying to SHUTDOWN. Check logs.")


@command("shutdown", -1, "admin noscript loading stale no_multi allow_busy", group="server",
         acl_categories=("admin", "slow", "dangerous"),
         summary="Synchronously save the dataset to disk and then shut down the server",
         since="1.0.0")  # fmt: skip
def shutdown(client: Client, argv: list[bytes]) -> bytes | None:
    """server.c: shutdownCommand(): save a final snapshot when asked or configured."""
    options = set()
    for arg in argv[1:]:
        option = arg.lower()
        if option not in (b"nosave", b"save", b"now", b"force", b"abort"):
            return errors.SYNTAX
        options.add(option)
    if (b"abort" in options and len(options) > 1) or {b"save", b"nosave"} <= options:
        return errors.SYNTAX
    if b"abort" in options:
        return NO_SHUTDOWN  # shutdowns happen at once: there is never one to abort
    server = client.server
    if server.busy_reply is not None:  # a script runs past busy-reply-threshold
        if b"nosave" not in options:
            return server.busy_reply
        if server.script_watchdog is not None:
            server.script_watchdog.abandon()
    hook = server.shutdown_hook
    if hook is None:
        return SHUTDOWN_FAILED
    save = b"save" in options or (bool(server.config.save) and b"nosave" not in options)
    if not server.snapshots.final_save(save) and b"force" not in options:
        return SHUTDOWN_FAILED
    hook()
    client.close_after_reply()
    return None
