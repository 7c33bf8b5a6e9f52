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
