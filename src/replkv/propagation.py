"""Propagation: a command's events become one unit on the event log.

server.c: alsoPropagate() collects the events of the running execution unit and
propagatePendingCommands() appends them when the outermost call ends: wrapped in
MULTI/EXEC when there are several, preceded by SELECT when their database differs from
the one the log last selected (replication.c: slaveseldb).
"""

from __future__ import annotations

from replkv import reply
from replkv.log.eventlog import IEventLog
from replkv.persistence.state import SaveState

MULTI_EVENT = reply.encode_command([b"MULTI"])
EXEC_EVENT = reply.encode_command([b"EXEC"])
_SELECT_EVENTS = [reply.encode_command([b"SELECT", b"%d" % i]) for i in range(16)]


def select_event(db_id: int) -> bytes:
    """The `SELECT n` event."""
    if db_id < len(_SELECT_EVENTS):
        return _SELECT_EVENTS[db_id]
    return reply.encode_command([b"SELECT", b"%d" % db_id])


class Propagator:
    """The running execution unit's events and the log they are appended to.

    `depth` counts the calls (and EXEC blocks) in progress; the unit is appended when it
    returns to 0. Server.call() reads `unit` and `depth` directly on the write path.
    """

    def __init__(self, log: IEventLog, saves: SaveState) -> None:
        self.log = log
        self.saves = saves
        # The database the log last SELECTed (-1: none yet, or unknown after a resync).
        self.log_db = -1
        # Events of the running unit: (db id, the event as RESP), encoded as they are
        # recorded, so a command may reuse its argv list afterwards.
        self.unit: list[tuple[int, bytes]] = []
        self.depth = 0

    def propagate_now(self, db_id: int, argv: list[bytes]) -> None:
        """Record an event, appending it at once when no unit is running (an expiry
        found by the active cycle)."""
        self.unit.append((db_id, reply.encode_command(argv)))
        if not self.depth:
            self.flush()

    def enter(self) -> None:
        """Open a unit spanning several calls (EXEC, a stream being applied)."""
        self.depth += 1

    def leave(self) -> None:
        """Close what enter() opened; the outermost close appends the unit."""
        self.depth -= 1
        if self.unit and not self.depth:
            self.flush()

    def flush(self) -> None:
        """Append the unit's events to the log as one block."""
        unit = self.unit
        self.unit = []
        self.saves.dirty += len(unit)
        if len(unit) == 1 and unit[0][0] == self.log_db:  # the common case: one event
            self.log.append(unit[0][1])
            return
        parts: list[bytes] = []
        wrap = len(unit) > 1
        if unit[0][0] != self.log_db:
            self.log_db = unit[0][0]
            parts.append(select_event(self.log_db))
        if wrap:
            parts.append(MULTI_EVENT)
        for db_id, event in unit:
            if db_id != self.log_db:
                parts.append(select_event(db_id))
                self.log_db = db_id
            parts.append(event)
        if wrap:
            parts.append(EXEC_EVENT)
        self.log.append(b"".join(parts))

    def take_unit(self) -> int:
        """Drop the running unit's events (their stream is logged as received instead);
        the changes still count as unsaved. Returns how many there were."""
        count = len(self.unit)
        self.saves.dirty += count
        self.unit = []
        return count

    def append_received(self, data: bytes, db_id: int) -> None:
        """Log a stream's bytes as received; the stream left the log in db_id."""
        self.log.append(data)
        self.log_db = db_id
