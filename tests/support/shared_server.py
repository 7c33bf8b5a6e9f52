"""Scenarios run against one server per test class: real libraries as their users run
them, once against replkv and once against redis-server."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import redis

from tests.support.processes import ServerProcess

CLIENT_TIMEOUT = 5.0  # seconds a redis-py call may take


class SharedServerScenarios:
    """Mixed into a SynchronousTestCase; a subclass names the server (`launch`).

    The server starts with the first test, is reset (`reset()`) before each one, and
    stops after the class.
    """

    launch: ClassVar[Callable[[], ServerProcess]]
    _server: ClassVar[ServerProcess | None] = None

    # Provided by the TestCase this is mixed into.
    addCleanup: Callable[..., None]  # noqa: N815

    def setUp(self) -> None:  # noqa: N802
        cls = type(self)
        if cls._server is None or not cls._server.alive():
            cls._server = cls.launch()
        self.server = cls._server
        self.redis = self.client()
        self.reset()

    def reset(self) -> None:
        """What a test starts from: no data."""
        self.redis.flushall()

    @classmethod
    def tearDownClass(cls) -> None:  # noqa: N802
        if cls._server is not None:
            cls._server.stop()
            cls._server = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.server.port}/0"

    def client(self) -> redis.Redis:
        client = redis.Redis(port=self.server.port, socket_timeout=CLIENT_TIMEOUT)
        self.addCleanup(client.close)
        return client
