"""Per-client state: selected database, protocol version, auth, MULTI/WATCH, reply mode.

A network connection is a Client (see protocol.py); so is the internal client that
replays events from the log or a master's stream, which has no transport.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from replkv import reply
from replkv.keyspace.watch import WatchedKeys

if TYPE_CHECKING:
    from replkv.blocking import BlockedClient
    from replkv.commands.table import Command
    from replkv.keyspace.database import Database
    from replkv.server import Server


class Client:
    """What a command handler knows about who sent it."""

    def __init__(self, server: Server, client_id: int) -> None:
        self.server = server
        self.id = client_id
        self.db: Database = server.keyspace.dbs[0]
        self.resp = 2
        self.null = reply.NULL_BULK  # the protocol's null bulk reply, by RESP version
        self.authenticated = not server.config.requirepass
        self.name = b""
        self.lib_name = b""
        self.lib_ver = b""
        self.created_at = server.clock.seconds()
        self.last_interaction = self.created_at
        # The last command looked up, for CLIENT LIST's cmd= (None after an unknown one).
        self.last_cmd: Command | None = None
        # master_repl_offset after this client's last command that appended to the log
        # (c->woff): what WAIT waits for.
        self.woff = 0
        # MULTI: the queued (command, argv) pairs, or None outside a transaction.
        self.multi: list[tuple[Command, list[bytes]]] | None = None
        self.multi_error = False
        self.watches = WatchedKeys()
        # CLIENT REPLY: on, or off, or skip the next reply.
        self.reply_off = False
        self.reply_skip = False
        self.monitor = False
        self.no_evict = False  # CLIENT NO-EVICT
        self.is_master_link = False
        # CLIENT_DENY_BLOCKING: the client scripts run commands as never blocks.
        self.deny_blocking = False
        self.closing = False
        # The command CLIENT PAUSE holds back, if any: the client counts as blocked.
        self.paused_argv: list[bytes] | None = None
        # Blocked by BLPOP and friends: its entry in the server's Blocking, else None.
        self.blocked: BlockedClient | None = None
        self.kind = "normal"
        # Pub/Sub subscriptions, in subscription order (kept by replkv.pubsub.PubSub);
        # `subscribed` is Redis's CLIENT_PUBSUB: any of them is non-empty.
        self.channels: dict[bytes, None] = {}
        self.patterns: dict[bytes, None] = {}
        self.shard_channels: dict[bytes, None] = {}
        self.subscribed = False

    # Limits the RESP readers consult.
    @property
    def proto_max_bulk_len(self) -> int:
        return self.server.config.proto_max_bulk_len

    @property
    def client_query_buffer_limit(self) -> int:
        return self.server.config.client_query_buffer_limit

    def set_resp(self, version: int) -> None:
        """Switch the protocol version (HELLO)."""
        self.resp = version
        self.null = reply.NULL3 if version == 3 else reply.NULL_BULK

    def select(self, index: int) -> None:
        """Make database `index` current."""
        self.db = self.server.keyspace.dbs[index]

    def send(self, data: bytes) -> None:
        """Deliver an out-of-band reply (MONITOR lines, pushes, unblocked replies)."""

    def kill(self) -> None:
        """Close the connection now, dropping pending replies (CLIENT KILL, timeout)."""

    def close_after_reply(self) -> None:
        """Close the connection once the pending replies are written."""
        self.closing = True

    def unwatch_all(self) -> None:
        """Forget every WATCHed key (multi.c: unwatchAllKeys())."""
        self.watches.unwatch_all()

    def resume(self) -> None:
        """Run the command CLIENT PAUSE held back (connections only)."""

    def unblocked(self) -> None:
        """A blocking command was answered: go on with the commands that followed it."""

    def address(self) -> str:
        """Peer address as Redis prints it (ip:port)."""
        return ""

    def local_address(self) -> str:
        """Local address as Redis prints it (ip:port)."""
        return ""

    def unsent_bytes(self) -> int:
        """Output written for this client that its connection has not sent yet."""
        return 0

    def info_fields(self) -> dict[str, int | str]:
        """Fields shown by CLIENT LIST / CLIENT INFO that depend on the connection."""
        if not self.subscribed:
            return {}
        return {
            "sub": len(self.channels),
            "psub": len(self.patterns),
            "ssub": len(self.shard_channels),
        }
