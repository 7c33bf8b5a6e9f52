"""Persistence: what the snapshots and the log on disk keep track of."""
