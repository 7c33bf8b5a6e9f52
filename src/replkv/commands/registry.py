"""Loads every command family so the table is complete before a server starts."""

from __future__ import annotations

import importlib

from replkv.commands.table import COMMANDS, Command

__all__ = ["COMMANDS", "COMMANDS_ANY_CASE", "load"]

# COMMANDS plus upper-case names: most clients send one or the other, so dispatch
# rarely needs to lower-case the name.
COMMANDS_ANY_CASE: dict[bytes, Command] = {}

FAMILIES = (
    "connection",
    "strings",
    "keys",
    "objects",
    "expiry",
    "transactions",
    "server",
    "info",
    "config",
    "lolwut",
    "introspection",
    "clients",
    "monitor",
    "debug",
)


def load() -> None:
    """Import every family module (each registers its commands on import)."""
    for family in FAMILIES:
        importlib.import_module(f"replkv.commands.{family}")
    COMMANDS_ANY_CASE.clear()
    COMMANDS_ANY_CASE.update(COMMANDS)
    COMMANDS_ANY_CASE.update((name.upper(), cmd) for name, cmd in COMMANDS.items())
