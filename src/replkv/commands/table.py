"""The command table: every command declared once, with arity, flags and key positions.

Handler modules declare commands with `@command(...)` / `@subcommand(...)`; importing
`replkv.commands.registry` loads them all. The flags drive the rules in dispatch
(authentication, read-only replicas, MULTI queueing, propagation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from replkv.client import Client

Handler = Callable[["Client", list[bytes]], "bytes | None"]

# Flags that exist in Redis 7.0's COMMAND INFO, in its order.
KNOWN_FLAGS = (
    "write readonly denyoom module admin pubsub noscript blocking loading stale "
    "skip_monitor skip_slowlog asking fast no_auth may_replicate sentinel only_sentinel "
    "no_mandatory_keys protected touches_arbitrary_keys no_async_loading no_multi "
    "movablekeys allow_busy"
).split()


@attrs.define(slots=True, eq=False)
class Command:
    """One command (or one subcommand of a container command such as CONFIG)."""

    name: str  # Redis's full name: "get", "config|get"
    handler: Handler | None
    arity: int
    flags: frozenset[str]
    first_key: int = 0
    last_key: int = 0
    key_step: int = 0
    group: str = "generic"
    summary: str = ""
    since: str = "1.0.0"
    acl_categories: tuple[str, ...] = ()
    tips: tuple[str, ...] = ()  # COMMAND INFO's command tips ("nondeterministic_output", …)
    subcommands: dict[bytes, Command] | None = None
    # INFO commandstats counters (server.c: call()); reset by CONFIG RESETSTAT.
    calls: int = 0
    nanoseconds: int = 0
    rejected_calls: int = 0
    failed_calls: int = 0
    # Derived once so dispatch tests plain booleans.
    is_write: bool = False
    is_denyoom: bool = False
    allowed_before_auth: bool = False
    allowed_when_stale: bool = False
    allowed_when_loading: bool = False
    allowed_in_multi: bool = True
    is_admin: bool = False
    is_protected: bool = False
    allowed_when_busy: bool = False

    def __attrs_post_init__(self) -> None:
        unknown = self.flags.difference(KNOWN_FLAGS)
        if unknown:
            raise ValueError(f"{self.name}: unknown flags {sorted(unknown)}")
        self.is_write = "write" in self.flags
        self.is_denyoom = "denyoom" in self.flags
        self.allowed_before_auth = "no_auth" in self.flags
        self.allowed_when_stale = "stale" in self.flags
        self.allowed_when_loading = "loading" in self.flags
        self.allowed_in_multi = "no_multi" not in self.flags
        self.is_admin = "admin" in self.flags
        self.is_protected = "protected" in self.flags
        self.allowed_when_busy = "allow_busy" in self.flags

    @property
    def container(self) -> str:
        """The parent's name for a subcommand, else ''."""
        return self.name.split("|")[0] if "|" in self.name else ""

    def key_positions(self, argv: list[bytes]) -> list[int]:
        """Indexes of the keys in argv (Redis's legacy first/last/step range)."""
        if self.first_key <= 0:
            return []
        last = self.last_key if self.last_key >= 0 else len(argv) + self.last_key
        return list(range(self.first_key, min(last, len(argv) - 1) + 1, self.key_step or 1))


# Every top-level command, by lower-case name as bytes: dispatch is one dict lookup.
COMMANDS: dict[bytes, Command] = {}


def _flags(flags: str) -> frozenset[str]:
    return frozenset(flags.split())


def command(
    name: str,
    arity: int,
    flags: str = "",
    keys: tuple[int, int, int] = (0, 0, 0),
    **info: Any,
) -> Callable[[Handler], Handler]:
    """Declare a command implemented by the decorated handler."""
    return _declare(COMMANDS, name, name, arity, flags, keys, info)


def container(name: str, flags: str = "", **info: Any) -> Command:
    """Declare a container command (CONFIG, CLIENT, …) whose subcommands follow."""
    cmd = Command(name, None, -2, _flags(flags), subcommands={}, **info)
    COMMANDS[name.encode()] = cmd
    return cmd


def subcommand(
    parent: str,
    name: str,
    arity: int,
    flags: str = "",
    keys: tuple[int, int, int] = (0, 0, 0),
    **info: Any,
) -> Callable[[Handler], Handler]:
    """Declare `parent name` (e.g. CONFIG GET); arity counts the parent, as in Redis."""
    owner = COMMANDS[parent.encode()]
    assert owner.subcommands is not None, parent
    return _declare(owner.subcommands, name, f"{parent}|{name}", arity, flags, keys, info)


def _declare(
    table: dict[bytes, Command],
    name: str,
    full_name: str,
    arity: int,
    flags: str,
    keys: tuple[int, int, int],
    info: dict[str, Any],
) -> Callable[[Handler], Handler]:
    """A decorator that enters its handler in table under name."""

    def register(handler: Handler) -> Handler:
        first, last, step = keys
        table[name.encode()] = Command(
            full_name, handler, arity, _flags(flags), first, last, step, **info
        )
        return handler

    return register


def all_commands() -> list[Command]:
    """Every command and subcommand, each container followed by its subcommands."""
    found = []
    for cmd in COMMANDS.values():
        found.append(cmd)
        if cmd.subcommands:
            found.extend(cmd.subcommands.values())
    return found


def lookup(argv: list[bytes]) -> Command | None:
    """The command (or subcommand) argv names, or None if unknown."""
    cmd = COMMANDS.get(argv[0].lower())
    if cmd is not None and cmd.subcommands is not None and len(argv) > 1:
        return cmd.subcommands.get(argv[1].lower(), cmd)
    return cmd
