"""The replication identity a node announces (server.replid, replid2, second_replid_offset)."""

from __future__ import annotations

import os

import attrs


def new_replid() -> str:
    """40 random hex characters (replication.c: changeReplicationId())."""
    return os.urandom(20).hex()


@attrs.define
class ReplicationIds:
    """PSYNC2 identity: the current history's id, and the previous one with the offset
    up to which it is shared (after a promotion)."""

    replid: str = attrs.field(factory=new_replid)
    replid2: str = "0" * 40
    second_replid_offset: int = -1

    def shift(self, offset: int) -> None:
        """shiftReplicationId(): start a new history at offset, keeping the old as replid2."""
        self.replid2 = self.replid
        self.second_replid_offset = offset + 1
        self.replid = new_replid()

    def clear_previous(self) -> None:
        """clearReplicationId2(): forget the previous history."""
        self.replid2 = "0" * 40
        self.second_replid_offset = -1
