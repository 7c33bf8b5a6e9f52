"""Output a client has not taken yet, and client-output-buffer-limit.

Twisted's FileDescriptor keeps what the socket did not accept in private attributes
(`dataBuffer` from `offset`, plus `_tempDataBuffer` counted by `_tempDataLen`); they are
read here and nowhere else. tests/test_outbuf.py fails if Twisted changes them.
"""

from __future__ import annotations

from typing import Any

# client-output-buffer-limit classes (server.h CLIENT_TYPE_NORMAL / _SLAVE / _PUBSUB).
NORMAL, REPLICA, PUBSUB = 0, 1, 2


def pending_bytes(transport: Any) -> int:
    """Bytes written to transport and not yet sent (0 for transports without a buffer)."""
    buffer = getattr(transport, "dataBuffer", None)
    if buffer is None:
        return 0
    return len(buffer) - transport.offset + transport._tempDataLen


class OutputLimit:
    """checkClientOutputBufferLimits(): one client's soft-limit clock."""

    __slots__ = ("soft_since",)

    def __init__(self) -> None:
        # When the soft limit was first found exceeded (whole seconds), or None.
        self.soft_since: int | None = None

    def exceeded(self, used: int, limits: tuple[int, int, int], now: int) -> bool:
        """Whether `used` bytes break the hard limit, or the soft one for too long."""
        hard, soft, seconds = limits
        if hard and used >= hard:
            return True
        if not (soft and used >= soft):
            self.soft_since = None
            return False
        if self.soft_since is None:
            self.soft_since = now
            return False
        return now - self.soft_since > seconds
