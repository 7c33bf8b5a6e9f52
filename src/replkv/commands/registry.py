"""Loads every command family and gives each server its own copy of the table.

The declarations in `table.COMMANDS` are shared and never change after loading; the
counters INFO commandstats shows (calls, time, rejected and failed calls) live on a
server's own copies, so two servers in one process keep their own statistics.
"""

from __future__ import annotations

import importlib

import attrs

from replkv.commands.table import COMMANDS, Command

__all__ = ["COMMANDS", "CommandTable", "load"]

FAMILIES = (
    "connection",
    "strings",
    "lists",
    "keys",
    "hashes",
    "sets",
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
    "zsets",
    "geo",
    "stream_groups",
    "stream_info",
    "pubsub",
    "sort",
    "memory",
    "persistence",
    "dump",
    "replica",
    "replication",
    "scripting",
    "functions",
    "hyperloglog",
    "bitmaps",
    "streams",
)


def load() -> None:
    """Import every family module (each registers its commands on import)."""
    for family in FAMILIES:
        importlib.import_module(f"replkv.commands.{family}")


def _copy(cmd: Command) -> Command:
    """A fresh copy of cmd (and of its subcommands) with zeroed counters."""
    subcommands = None
    if cmd.subcommands is not None:
        subcommands = {name: _copy(sub) for name, sub in cmd.subcommands.items()}
    return attrs.evolve(
        cmd, subcommands=subcommands, calls=0, nanoseconds=0, rejected_calls=0, failed_calls=0
    )


class CommandTable:
    """One server's commands: dispatch by name as sent, and their statistics."""

    def __init__(self, extra: list[Command] | None = None) -> None:
        load()
        self.by_name: dict[bytes, Command] = {name: _copy(cmd) for name, cmd in COMMANDS.items()}
        for cmd in extra or ():
            self.by_name[cmd.name.encode()] = cmd
        # Lower-case names plus their upper-case forms: most clients send one or the
        # other, so dispatch rarely needs to lower-case the name.
        self.any_case: dict[bytes, Command] = dict(self.by_name)
        self.any_case.update((name.upper(), cmd) for name, cmd in self.by_name.items())

    def lookup(self, argv: list[bytes]) -> Command | None:
        """The command (or subcommand) argv names, or None if unknown."""
        cmd = self.by_name.get(argv[0].lower())
        if cmd is not None and cmd.subcommands is not None and len(argv) > 1:
            return cmd.subcommands.get(argv[1].lower(), cmd)
        return cmd

    def all(self) -> list[Command]:
        """Every command and subcommand, each container followed by its subcommands."""
        found = []
        for cmd in self.by_name.values():
            found.append(cmd)
            if cmd.subcommands:
                found.extend(cmd.subcommands.values())
        return found

    def calls(self) -> int:
        """Commands processed (INFO's total_commands_processed)."""
        return sum(cmd.calls for cmd in self.all())

    def reset_stats(self) -> None:
        """CONFIG RESETSTAT: zero every command's counters."""
        for cmd in self.all():
            cmd.calls = cmd.nanoseconds = cmd.rejected_calls = cmd.failed_calls = 0
