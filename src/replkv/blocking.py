"""Clients blocked on keys (blocked.c): BLPOP and friends wait here for data.

A blocking command that finds nothing to serve calls `Blocking.block()`: the client
stops reading its pipeline, is listed under each of its keys in its database
(`Database.blocking`, Redis's db->blocking_keys) in arrival order, and gets a timer
on the server's clock for its timeout. A store into a key somebody is blocked on marks
the key ready (`Keyspace.ready`, signalKeyAsReady()). When the running unit ends,
`serve_ready()` (handleClientsBlockedOnKeys()) offers each ready key to the clients
blocked on it, first blocked first, through the callback each one gave: the callback
looks at the key, and if it can serve the client it changes the data, propagates its
deterministic event (a unit of its own, after the writer's), raises its keyspace
notifications (after the writer's) and returns the reply;
None leaves the client blocked. Lists use it now; sorted sets (BZPOPMIN, BZMPOP) and
streams (XREAD) plug in their own callbacks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from replkv import errors, longdouble, reply
from replkv.errors import CommandError
from replkv.integers import LLONG_MAX

if TYPE_CHECKING:
    from twisted.internet.interfaces import IDelayedCall

    from replkv.client import Client
    from replkv.keyspace.database import Database
    from replkv.server import Server

# (the blocked client, the database it blocked in, a ready key) -> its reply, or None.
ServeCallback = Callable[["Client", "Database", bytes], "bytes | None"]

TIMEOUT_NOT_FLOAT = errors.err("timeout is not a float or out of range")
TIMEOUT_NEGATIVE = errors.err("timeout is negative")
UNBLOCKED_BY_CLIENT = reply.error("UNBLOCKED client unblocked via CLIENT UNBLOCK")


class BlockedClient:
    """One blocked client: its keys, how to serve it, what it gets on timeout."""

    __slots__ = (
        "owner",
        "client",
        "db",
        "keys",
        "serve",
        "timeout_reply",
        "timer",
        "serve_missing",
    )

    def __init__(
        self,
        owner: Blocking,
        client: Client,
        keys: list[bytes],
        serve: ServeCallback,
        timeout_reply: bytes,
        serve_missing: bool = False,
    ) -> None:
        self.owner = owner
        self.client = client
        self.db = client.db
        self.keys = keys
        self.serve = serve
        self.timeout_reply = timeout_reply
        self.timer: IDelayedCall | None = None
        # Offered a key that was deleted too (XREADGROUP answers it with an error).
        self.serve_missing = serve_missing


class Blocking:
    """The server's blocked clients (server.blocked_clients) and the serving of ready keys."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.count = 0  # INFO blocked_clients

    def block(
        self,
        client: Client,
        keys: list[bytes],
        deadline_ms: int,
        serve: ServeCallback,
        timeout_reply: bytes,
        serve_missing: bool = False,
    ) -> None:
        """blockForKeys(): client waits for one of keys until deadline_ms (0: forever).

        With serve_missing, serve is also called when a key it waits on was deleted
        (signalDeletedKeyAsReady()), with the key absent.
        """
        if client.blocked is not None:  # only a client without a connection gets here
            self.unblock(client, None, resume=False)
        unique = list(dict.fromkeys(keys))
        entry = BlockedClient(self, client, unique, serve, timeout_reply, serve_missing)
        blocking = entry.db.blocking
        for key in unique:
            waiting = blocking.get(key)
            if waiting is None:
                blocking[key] = [entry]
            else:
                waiting.append(entry)
        if deadline_ms:
            clock = self.server.clock
            delay = max(deadline_ms / 1000.0 - clock.seconds(), 0.0)
            entry.timer = clock.callLater(delay, self._timed_out, entry)
        client.blocked = entry
        self.count += 1

    def unblock(self, client: Client, answer: bytes | None, resume: bool = True) -> None:
        """unblockClient(): forget client's keys and timer, send answer, read on."""
        entry = client.blocked
        if entry is None:
            return
        client.blocked = None
        self.count -= 1
        blocking = entry.db.blocking
        for key in entry.keys:
            waiting = blocking.get(key)
            if waiting is not None:
                waiting.remove(entry)
                if not waiting:
                    del blocking[key]
        if entry.timer is not None and entry.timer.active():
            entry.timer.cancel()
        entry.timer = None
        if answer is not None:
            if client.reply_skip:
                client.reply_skip = False
            elif not client.reply_off:
                client.send(answer)
        if resume:
            client.unblocked()

    def _timed_out(self, entry: BlockedClient) -> None:
        entry.timer = None
        if entry.client.blocked is entry:
            self.unblock(entry.client, entry.timeout_reply)

    def timeout_reply(self, client: Client) -> bytes:
        """What a blocked client gets when it times out (CLIENT UNBLOCK … TIMEOUT)."""
        assert client.blocked is not None
        return client.blocked.timeout_reply

    def in_timeout_table(self) -> int:
        """INFO clients_in_timeout_table: blocked clients with a timeout."""
        return sum(
            1
            for client in self.server.clients.clients.values()
            if client.blocked is not None and client.blocked.timer is not None
        )

    def serve_ready(self) -> None:
        """handleClientsBlockedOnKeys(): serve the clients blocked on the ready keys.

        Keys made ready while serving (BLMOVE pushing into a key others wait on) are
        served in turn, until no key is ready.
        """
        server = self.server
        keyspace = server.keyspace
        propagator = server.propagator
        while keyspace.ready:
            ready = keyspace.ready
            keyspace.ready = {}
            for db, key in ready:
                waiting = db.blocking.get(key)
                if not waiting:
                    continue
                for entry in list(waiting):  # the order they blocked in
                    if key not in db.data and not entry.serve_missing:
                        continue
                    client = entry.client
                    if client.blocked is not entry:
                        continue
                    propagator.enter()
                    try:
                        answer = entry.serve(client, db, key)
                    finally:
                        propagator.leave()
                    if answer is not None:
                        self.unblock(client, answer)


def parse_timeout(arg: bytes, now_ms: int) -> int:
    """getTimeoutFromObjectOrReply() in seconds: the absolute deadline in ms, 0 for none."""
    value = longdouble.parse(arg)
    if value is None:
        raise CommandError(TIMEOUT_NOT_FLOAT)
    # (long long)ceil(seconds * 1000): an infinity or an overflow casts to LLONG_MIN.
    if isinstance(value, float):
        raise CommandError(TIMEOUT_NEGATIVE)
    ms = math.ceil(value * 1000)
    if ms < 0 or ms > LLONG_MAX:
        raise CommandError(TIMEOUT_NEGATIVE)
    if ms == 0 or ms > LLONG_MAX - now_ms:
        return 0  # no timeout (a deadline past LLONG_MAX never comes either)
    return ms + now_ms
