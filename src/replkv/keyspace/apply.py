"""Applying a stream of events: a master's replication stream, the log at start-up,
a replay in tests. One path for all of them.

Each event runs through the same command table as any client command
(`Server.execute`), on a client Redis would call the master client: authenticated,
and trusted (server.c: mustObeyClient(): expired keys stay visible, size limits are
not enforced) for its own calls only. Its replies are dropped, as a master client's
are. The handlers' own events are not logged: the stream is appended to the local
log **as the bytes received**, at command boundaries outside MULTI/EXEC
(networking.c: commandProcessed() → replicationFeedStreamFromMasterStream()), so the
local offset counts every byte the master sent — PINGs, `REPLCONF GETACK`, redundant
SELECTs — and a replica's log is byte-identical to its master's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.logger import Logger

from replkv.client import Client
from replkv.resp import make_reader

if TYPE_CHECKING:
    from replkv.server import Server

log = Logger()

# A master client has no protocol limits (processMultibulkBuffer() exempts CLIENT_MASTER).
_UNLIMITED = 1 << 63


class _TrustedLimits:
    """The reader limits of a master client: none."""

    proto_max_bulk_len = _UNLIMITED
    client_query_buffer_limit = _UNLIMITED
    authenticated = True


class StreamApplier:
    """Applies a byte stream of events to a server and logs it as received.

    `feed()` takes bytes as they arrive, in chunks of any size; complete commands run
    at once, a command cut by the chunk's end waits for the rest. Raises the reader's
    ProtocolError for a stream that is not RESP (a replica drops such a link).
    """

    def __init__(
        self, server: Server, client: Client | None = None, *, log_received: bool = True
    ) -> None:
        self.server = server
        if client is None:
            client = Client(server, server.clients.next_id())
        # False when the bytes come from the local log itself (start-up): applied, not
        # appended again; the log's database is still followed.
        self.log_received = log_received
        client.authenticated = True
        client.is_master_link = True
        self.client = client
        self.reader = make_reader(_TrustedLimits())
        # Received bytes not yet on the log: the command being read, or an open MULTI.
        self._unlogged = bytearray()
        # Error replies the stream's commands produced (logged, then ignored, as
        # Redis does with propagation-error-behavior ignore).
        self.errors = 0
        # Inside feed(): bytes of _unlogged applied so far (up to the last boundary).
        self._applied = 0

    @property
    def pending(self) -> int:
        """Bytes received but not yet applied and logged: a cut command or an open MULTI."""
        return len(self._unlogged)

    @property
    def offset(self) -> int:
        """The offset applied and logged so far (the replica's reploff)."""
        return self.server.log.end_offset

    @property
    def applied_offset(self) -> int:
        """The offset applied so far, also while feed() runs (commands applied in this
        chunk are logged when it ends): what `REPLCONF GETACK` reports."""
        return self.server.log.end_offset + self._applied

    def feed(self, data: bytes) -> int:
        """Apply every complete command in the stream so far; returns how many ran."""
        self._unlogged += data
        reader = self.reader
        reader.feed(data)
        client = self.client
        boundary = 0  # end of the last command applied outside MULTI, in _unlogged
        db_id = client.db.id
        ran = 0
        try:
            while (argv := reader.gets()) is not None:
                self._apply(argv)
                ran += 1
                if client.multi is None:
                    boundary = len(self._unlogged) - reader.pending()
                    self._applied = boundary
                    db_id = client.db.id
        finally:
            self._applied = 0
            if boundary:
                received = bytes(self._unlogged[:boundary])
                del self._unlogged[:boundary]
                if self.log_received:
                    self.server.propagator.append_received(received, db_id)
                else:
                    self.server.propagator.log_db = db_id
        return ran

    def _apply(self, argv: list[bytes]) -> None:
        """Run one command as the trusted master client; its own events are dropped."""
        server = self.server
        keyspace = server.keyspace
        propagator = server.propagator
        trusted_before = keyspace.obey_master
        keyspace.obey_master = True
        propagator.enter()
        try:
            result = server.execute(self.client, argv)
        except Exception:
            log.failure("Applying {command!r} from the stream failed", command=argv[0])
            result = None
            self.errors += 1
        finally:
            keyspace.obey_master = trusted_before
            propagator.depth -= 1
            if not propagator.depth:
                propagator.take_unit()
        if result is not None and result[:1] == b"-":
            # networking.c: afterErrorReply() for a master client.
            self.errors += 1
            log.warn(
                "== CRITICAL == This replica is sending an error to its master: "
                "'{error}' after processing the command '{command}'",
                error=result[1:].rstrip(b"\r\n").decode("utf-8", "replace"),
                command=argv[0].decode("utf-8", "replace"),
            )
