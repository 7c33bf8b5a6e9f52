"""Loads every command family so the table is complete before a server starts."""

from __future__ import annotations

import importlib

from replkv.commands.table import COMMANDS

__all__ = ["COMMANDS", "load"]

FAMILIES = (
    "connection",
    "strings",
    "keys",
    "expiry",
    "transactions",
    "server",
    "introspection",
    "clients",
    "monitor",
    "debug",
)


def load() -> None:
    """Import every family module (each registers its commands on import)."""
    for family in FAMILIES:
        importlib.import_module(f"replkv.commands.{family}")
