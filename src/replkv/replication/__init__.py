"""Replication: identities and offsets now; the master and replica sides build on them."""
