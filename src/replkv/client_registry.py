"""The connected clients: ids, MONITOR subscribers, CLIENT PAUSE, idle timeouts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from replkv.commands.monitor import monitor_line
from replkv.pause import ClientPause
from replkv.stats import Stats

if TYPE_CHECKING:
    from twisted.internet.interfaces import IReactorTime

    from replkv.client import Client
    from replkv.commands.registry import CommandTable
    from replkv.keyspace.keyspace import Keyspace
    from replkv.pubsub import PubSub


class ClientRegistry:
    """Every client of one server, by id (server.clients), and who watches them."""

    def __init__(
        self,
        clock: IReactorTime,
        keyspace: Keyspace,
        commands: CommandTable,
        stats: Stats,
        pubsub: PubSub | None = None,
    ) -> None:
        self.clock = clock
        self.pubsub = pubsub
        self.stats = stats
        self.clients: dict[int, Client] = {}
        self.monitors: list[Client] = []
        self.pause = ClientPause(clock, keyspace, commands, self)
        self._next_id = 1

    def __len__(self) -> int:
        return len(self.clients)

    def __contains__(self, client_id: object) -> bool:
        return client_id in self.clients

    def next_id(self) -> int:
        """A new client id (server.next_client_id)."""
        client_id = self._next_id
        self._next_id += 1
        return client_id

    def add(self, client: Client) -> None:
        """A client connected."""
        self.clients[client.id] = client
        self.stats.total_connections_received += 1

    def remove(self, client: Client) -> None:
        """A client is gone: forget it, its WATCHes, MONITOR and Pub/Sub subscriptions."""
        self.clients.pop(client.id, None)
        if client.blocked is not None:
            client.blocked.owner.unblock(client, None, resume=False)
        client.unwatch_all()
        self.stop_monitor(client)
        if client.subscribed and self.pubsub is not None:
            self.pubsub.unsubscribe_all(client)

    def start_monitor(self, client: Client) -> None:
        """MONITOR: client receives every command from now on."""
        if client not in self.monitors:
            self.monitors.append(client)

    def stop_monitor(self, client: Client) -> None:
        """RESET or disconnection: client receives commands no more."""
        if client.monitor and client in self.monitors:
            self.monitors.remove(client)

    def feed_monitors(self, client: Client, argv: list[bytes]) -> None:
        """replicationFeedMonitors(): send every MONITOR client the command's line."""
        line = monitor_line(client, argv, self.clock.seconds())
        for monitor in self.monitors:
            monitor.send(line)

    def close_idle(self, now: float, limit: int) -> None:
        """clientsCronHandleTimeout(): close normal clients idle past limit seconds."""
        if not limit:
            return
        for client in list(self.clients.values()):
            if (
                client.kind == "normal"
                and not client.is_master_link
                and not client.monitor
                and client.paused_argv is None  # blocked clients are not idle
                and client.blocked is None
                and now - client.last_interaction > limit
            ):
                client.kill()
