"""Save bookkeeping shown by INFO persistence and LASTSAVE."""

from __future__ import annotations

import attrs


@attrs.define
class SaveState:
    """Changes since the last snapshot (server.dirty) and how the snapshots went."""

    last_save_time: int
    dirty: int = 0
    # The running BGSAVE's child, its start, and the changes it will cover.
    child_pid: int = -1
    child_started: float = 0.0
    dirty_at_fork: int = 0
    offset_at_fork: int = 0
    # "disk" (a BGSAVE) or "socket" (a diskless transfer to replicas, which saves nothing).
    child_target: str = "disk"
    # A BGSAVE SCHEDULE waiting for the running child to end.
    scheduled: bool = False
    last_bgsave_ok: bool = True
    last_bgsave_try: float = 0.0
    last_bgsave_seconds: int = -1
    saves: int = 0
    latest_fork_usec: int = 0
    total_forks: int = 0  # INFO stats
    # rdbLoad()'s counters for INFO persistence.
    last_load_keys_loaded: int = 0
    last_load_keys_expired: int = 0

    @property
    def bgsave_in_progress(self) -> bool:
        return self.child_pid != -1
