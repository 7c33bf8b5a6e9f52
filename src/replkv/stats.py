"""Server statistics shown by INFO and reset by CONFIG RESETSTAT."""

from __future__ import annotations


class Stats:
    """Counters shown by INFO stats (reset by CONFIG RESETSTAT)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.total_connections_received = 0
        self.total_reads_processed = 0
        self.total_writes_processed = 0
        self.rejected_connections = 0
        # Read lookups that found / did not find the key (db.c: lookupKeyRead()).
        self.keyspace_hits = 0
        self.keyspace_misses = 0
        self.expired_keys = 0
        self.peak_memory = 0  # used_memory_peak
        self.expired_stale_perc = 0.0
        self.expire_cycle_cpu_milliseconds = 0
        self.total_net_input_bytes = 0
        self.total_net_output_bytes = 0
        self.total_error_replies = 0
        self.unexpected_error_replies = 0
        # Syncs served to replicas (INFO stats sync_full, sync_partial_ok/err).
        self.sync_full = 0
        self.sync_partial_ok = 0
        self.sync_partial_err = 0
        # INFO errorstats: error replies by their code ("ERR", "WRONGTYPE", …).
        self.error_codes: dict[bytes, int] = {}

    def count_error(self, error: bytes) -> None:
        """server.c: afterErrorReply(): count an error reply under its code."""
        self.total_error_replies += 1
        space = error.find(b" ", 1, 33)
        code = error[1:space] if space > 0 else b"ERR"  # Redis's fallback code
        self.error_codes[code] = self.error_codes.get(code, 0) + 1
