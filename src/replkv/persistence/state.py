"""Save bookkeeping shown by INFO persistence and LASTSAVE."""

from __future__ import annotations

import attrs


@attrs.define
class SaveState:
    """Changes since the last snapshot (server.dirty) and when that snapshot was taken."""

    last_save_time: int
    dirty: int = 0
