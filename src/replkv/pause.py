"""CLIENT PAUSE: hold clients' commands until a deadline or CLIENT UNPAUSE.

networking.c: pauseClients() / unpauseClients() and processCommand()'s pause check.
The protocol asks `holds(client, argv)` before running each command; a held client
keeps its command (`paused_argv`) and reads nothing more. On release every held
client is resumed, in the order it was held (server.postponed_clients).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.interfaces import IDelayedCall, IReactorTime

if TYPE_CHECKING:
    from replkv.client import Client
    from replkv.client_registry import ClientRegistry
    from replkv.commands.registry import CommandTable
    from replkv.keyspace.keyspace import Keyspace

WRITE = 1
ALL = 2


class ClientPause:
    """The server's pause state (server.pause), and the clients it holds."""

    def __init__(
        self,
        clock: IReactorTime,
        keyspace: Keyspace,
        commands: CommandTable,
        clients: ClientRegistry,
    ) -> None:
        self.clock = clock
        self.keyspace = keyspace
        self.commands = commands
        self.clients = clients
        self.mode = 0  # 0: not paused, WRITE or ALL
        self.end_ms = 0
        self._held: list[Client] = []
        self._timer: IDelayedCall | None = None

    @property
    def paused(self) -> bool:
        return self.mode != 0

    def pause(self, end_ms: int, mode: int) -> None:
        """pauseClients(): the most restrictive mode and the latest end win."""
        self.mode = max(self.mode, mode)
        self.end_ms = max(self.end_ms, end_ms)
        self.keyspace.expiry_paused = True
        self._schedule()

    def unpause(self) -> None:
        """unpauseClients(): end the pause and run what was held."""
        self.mode = 0
        self.end_ms = 0
        self.keyspace.expiry_paused = False
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        held, self._held = self._held, []
        for client in held:
            if client.id in self.clients and not client.closing:
                client.resume()

    def _schedule(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        clock = self.clock
        delay = max(self.end_ms / 1000.0 - clock.seconds(), 0.0)
        self._timer = clock.callLater(delay, self._expire)

    def _expire(self) -> None:
        self._timer = None
        now_ms = int(self.clock.seconds() * 1000)
        if now_ms < self.end_ms:
            self._schedule()  # the clock fired early: wait the rest
            return
        self.unpause()

    def holds(self, client: Client, argv: list[bytes]) -> bool:
        """Whether client's command must wait for the pause to end (and note it if so)."""
        if not self.mode:
            return False
        if client.is_master_link or client.kind == "replica" or client.monitor:
            return False  # replicas (and monitors, flagged as such) are never paused
        if not self._affects(client, argv):
            return False
        self._held.append(client)
        return True

    def _affects(self, client: Client, argv: list[bytes]) -> bool:
        cmd = self.commands.lookup(argv)
        if cmd is None or cmd.handler is None:
            return False  # rejected before the pause check, as in processCommand()
        arity = cmd.arity
        if (arity > 0 and arity != len(argv)) or len(argv) < -arity:
            return False
        if not client.authenticated and not cmd.allowed_before_auth:
            return False
        if self.mode == ALL:
            return True
        if cmd.is_write or "may_replicate" in cmd.flags:
            return True
        if cmd.name == "exec" and client.multi:
            # EXEC of a transaction that queued writes (processCommand's mstate.cmd_flags).
            return any(
                queued.is_write or "may_replicate" in queued.flags for queued, _ in client.multi
            )
        return False

    def held_clients(self) -> list[Client]:
        """The clients waiting, in order."""
        return list(self._held)
