"""COMMAND and its subcommands (server.c: commandCommand() and friends).

The reply shapes are Redis 7.0's. What the table does not declare is derived as
Redis derives it: implicit ACL categories from the flags (setImplicitACLCategories())
plus the group's category; one key spec from the legacy first/last/step range.
"""

from __future__ import annotations

from collections.abc import Callable

from replkv import bitfield, errors, reply
from replkv.client import Client
from replkv.commands import registry
from replkv.commands.args import try_int
from replkv.commands.stored_docs import stored_fields
from replkv.commands.table import Command, all_commands, container, subcommand
from replkv.errors import CommandError
from replkv.glob import compile_glob

# addReplyCommandFlags() order; flags outside it (protected, sentinel, …) are not shown.
SHOWN_FLAGS = (
    "write readonly denyoom module admin pubsub noscript blocking loading stale "
    "skip_monitor skip_slowlog asking fast no_auth may_replicate no_mandatory_keys "
    "no_async_loading no_multi movablekeys allow_busy"
).split()

# acl.c: ACLCommandCategories order.
ACL_ORDER = (
    "keyspace read write set sortedset list hash string bitmap hyperloglog geo stream "
    "pubsub admin fast slow blocking dangerous connection transaction scripting"
).split()

GROUP_CATEGORY = {
    "generic": "keyspace",
    "string": "string",
    "list": "list",
    "set": "set",
    "sorted_set": "sortedset",
    "hash": "hash",
    "bitmap": "bitmap",
    "hyperloglog": "hyperloglog",
    "geo": "geo",
    "stream": "stream",
    "pubsub": "pubsub",
    "connection": "connection",
    "transactions": "transaction",
    "scripting": "scripting",
}

HELP_LINES = [
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
]

INVALID_COMMAND = errors.err("Invalid command specified")
INVALID_ARGS = errors.err("Invalid number of arguments specified for command")
NO_KEYS = errors.err("The command has no key arguments")
INVALID_KEY_ARGS = errors.err("Invalid arguments specified for command")


def acl_categories(cmd: Command) -> list[str]:
    """The command's ACL categories, in acl.c's order.

    The flags' categories are always added (setImplicitACLCategories()); the group's
    only when none are declared, and never for a container, which Redis declares bare.
    """
    categories = set(cmd.acl_categories)
    if not categories and cmd.subcommands is None:
        group = GROUP_CATEGORY.get(cmd.group)
        if group is not None:
            categories.add(group)
    flags = cmd.flags
    if "write" in flags:
        categories.add("write")
    if "readonly" in flags and "scripting" not in categories:
        categories.add("read")
    if "admin" in flags:
        categories |= {"admin", "dangerous"}
    if "pubsub" in flags:
        categories.add("pubsub")
    if "blocking" in flags:
        categories.add("blocking")
    categories.add("fast" if "fast" in flags else "slow")
    return [name for name in ACL_ORDER if name in categories]


RW_ACCESS_UPDATE = ("RW", "access", "update")
RW_ACCESS_DELETE = ("RW", "access", "delete")
OW_UPDATE = ("OW", "update")
OW_INSERT = ("OW", "insert")
RO = ("RO",)
RW_INSERT = ("RW", "insert")
RW_DELETE = ("RW", "delete")

# Key spec flags (the commands' JSON in Redis 7.0) where they are not the default
# for the command's flags, one tuple per spec; a command with several specs has
# one key per spec, at consecutive positions (RENAME: source, then target).
KEY_SPEC_FLAGS: dict[str, tuple[tuple[str, ...], ...]] = {
    "append": (("RW", "insert"),),
    "blmove": (RW_ACCESS_DELETE, RW_INSERT),
    "blmpop": (RW_ACCESS_DELETE,),
    "blpop": (RW_ACCESS_DELETE,),
    "brpop": (RW_ACCESS_DELETE,),
    "brpoplpush": (RW_ACCESS_DELETE, RW_INSERT),
    "linsert": (RW_INSERT,),
    "llen": (RO,),
    "lmove": (RW_ACCESS_DELETE, RW_INSERT),
    "lmpop": (RW_ACCESS_DELETE,),
    "lpop": (RW_ACCESS_DELETE,),
    "lpush": (RW_INSERT,),
    "lpushx": (RW_INSERT,),
    "lrem": (RW_DELETE,),
    "ltrim": (RW_DELETE,),
    "rpop": (RW_ACCESS_DELETE,),
    "rpoplpush": (RW_ACCESS_DELETE, RW_INSERT),
    "rpush": (RW_INSERT,),
    "rpushx": (RW_INSERT,),
    "copy": (("RO", "access"), OW_UPDATE),
    "decr": (RW_ACCESS_UPDATE,),
    "decrby": (RW_ACCESS_UPDATE,),
    "del": (("RM", "delete"),),
    "exists": (RO,),
    "getdel": (RW_ACCESS_DELETE,),
    "getex": (RW_ACCESS_UPDATE,),
    "getset": (RW_ACCESS_UPDATE,),
    "hdel": (("RW", "delete"),),
    "hexists": (RO,),
    "hincrby": (RW_ACCESS_UPDATE,),
    "hincrbyfloat": (RW_ACCESS_UPDATE,),
    "hlen": (RO,),
    "hsetnx": (("RW", "insert"),),
    "hstrlen": (RO,),
    "incr": (RW_ACCESS_UPDATE,),
    "incrby": (RW_ACCESS_UPDATE,),
    "incrbyfloat": (RW_ACCESS_UPDATE,),
    "memory|usage": (RO,),
    "move": (RW_ACCESS_UPDATE,),
    "mset": (OW_UPDATE,),
    "msetnx": (OW_INSERT,),
    "object|encoding": (RO,),
    "object|freq": (RO,),
    "object|idletime": (RO,),
    "object|refcount": (RO,),
    "psetex": (OW_UPDATE,),
    "rename": (RW_ACCESS_DELETE, OW_UPDATE),
    "restore": (OW_UPDATE,),
    "renamenx": (RW_ACCESS_DELETE, OW_INSERT),
    "sadd": (("RW", "insert"),),
    "scard": (RO,),
    "sdiffstore": (OW_UPDATE, ("RO", "access")),
    "set": (RW_ACCESS_UPDATE + ("variable_flags",),),
    "setex": (OW_UPDATE,),
    "setnx": (OW_INSERT,),
    "sinterstore": (("RW", "update"), ("RO", "access")),
    "sismember": (RO,),
    "smove": (RW_ACCESS_DELETE, ("RW", "insert")),
    "sort": (("RO", "access"),),
    "sort_ro": (("RO", "access"),),
    "spop": (RW_ACCESS_DELETE,),
    "srem": (("RW", "delete"),),
    "spublish": (("not_key",),),
    "ssubscribe": (("not_key",),),
    "sunsubscribe": (("not_key",),),
    "strlen": (RO,),
    "sunionstore": (OW_UPDATE, ("RO", "access")),
    "touch": (RO,),
    "type": (RO,),
    "unlink": (("RM", "delete"),),
    "watch": (RO,),
    # sorted sets
    "bzmpop": (RW_ACCESS_DELETE,),
    "bzpopmax": (RW_ACCESS_DELETE,),
    "bzpopmin": (RW_ACCESS_DELETE,),
    "zcard": (RO,),
    "zdiffstore": (OW_UPDATE, ("RO", "access")),
    "zincrby": (RW_ACCESS_UPDATE,),
    "zinterstore": (OW_UPDATE, ("RO", "access")),
    "zmpop": (RW_ACCESS_DELETE,),
    "zpopmax": (RW_ACCESS_DELETE,),
    "zpopmin": (RW_ACCESS_DELETE,),
    "zrangestore": (OW_UPDATE, ("RO", "access")),
    "zrem": (("RW", "delete"),),
    "zremrangebylex": (("RW", "delete"),),
    "zremrangebyrank": (("RW", "delete"),),
    "zremrangebyscore": (("RW", "delete"),),
    "zunionstore": (OW_UPDATE, ("RO", "access")),
    # stream consumer groups
    "xautoclaim": (RW_DELETE,),
    "xgroup|create": (RW_INSERT,),
    "xgroup|createconsumer": (RW_INSERT,),
    "xgroup|delconsumer": (RW_DELETE,),
    "xgroup|destroy": (RW_DELETE,),
    "xreadgroup": (("RO", "access"),),
    "eval": (RW_ACCESS_UPDATE,),
    "evalsha": (RW_ACCESS_UPDATE,),
    "eval_ro": (("RO", "access"),),
    "evalsha_ro": (("RO", "access"),),
    "fcall": (RW_ACCESS_UPDATE,),
    "fcall_ro": (("RO", "access"),),
    # hyperloglog
    "pfadd": (RW_INSERT,),
    "pfcount": (("RW", "access"),),
    "pfmerge": (("RW", "access", "insert"), ("RO", "access")),
    "pfdebug": (("RW", "access"),),
    # bitmaps
    "setbit": (RW_ACCESS_UPDATE,),
    "bitop": (OW_UPDATE, ("RO", "access")),
    "bitfield": (RW_ACCESS_UPDATE + ("variable_flags",),),
    # geo
    "georadius": (("RO", "access"),),
    "georadiusbymember": (("RO", "access"),),
    "geosearchstore": (OW_UPDATE, ("RO", "access")),
    # streams
    "xdel": (("RW", "delete"),),
    "xtrim": (("RW", "delete"),),
    "xlen": (RO,),
}
# Commands whose keys follow a numkeys argument: their last key spec is Redis's
# "keynum" find_keys, as (begin_search index, keynumidx, firstkey, keystep); any
# specs before it are ranges from the legacy first/last/step (ZUNIONSTORE's target).
KEYNUM_SPECS: dict[str, tuple[int, int, int, int]] = {
    "blmpop": (2, 0, 1, 1),
    "bzmpop": (2, 0, 1, 1),
    "lmpop": (1, 0, 1, 1),
    "sintercard": (1, 0, 1, 1),
    "zdiff": (1, 0, 1, 1),
    "zdiffstore": (2, 0, 1, 1),
    "zinter": (1, 0, 1, 1),
    "zintercard": (1, 0, 1, 1),
    "zinterstore": (2, 0, 1, 1),
    "zmpop": (1, 0, 1, 1),
    "zunion": (1, 0, 1, 1),
    "zunionstore": (2, 0, 1, 1),
    "eval": (2, 0, 1, 1),
    "evalsha": (2, 0, 1, 1),
    "eval_ro": (2, 0, 1, 1),
    "evalsha_ro": (2, 0, 1, 1),
    "fcall": (2, 0, 1, 1),
    "fcall_ro": (2, 0, 1, 1),
}
# Commands whose keys follow a keyword: (keyword, startfrom, lastkey, keystep, limit).
KEYWORD_SPECS: dict[str, tuple[bytes, int, int, int, int]] = {
    "xread": (b"STREAMS", 1, -1, 1, 2),
    "xreadgroup": (b"STREAMS", 4, -1, 1, 2),
}
# Commands whose keys only a function of theirs can find (Redis's getkeys_proc):
# argv -> key positions. Their modules register here.
KEYS_PROCS: dict[str, Callable[[list[bytes]], list[int]]] = {}
# Key specs of begin_search/find_keys type "unknown" that follow a command's others,
# as (notes, flags): keys an argument names only at run time (SORT's BY, GET, STORE).
_SORT_BY_GET = (
    b"For the optional BY/GET keyword. It is marked 'unknown' because the key names "
    b"derive from the content of the key we sort",
    ("RO", "access"),
)
_SORT_STORE = (
    b"For the optional STORE keyword. It is marked 'unknown' because the keyword can "
    b"appear anywhere in the argument array",
    OW_UPDATE,
)
UNKNOWN_KEY_SPECS: dict[str, tuple[tuple[bytes, tuple[str, ...]], ...]] = {
    "sort": (_SORT_BY_GET, _SORT_STORE),
    "sort_ro": (_SORT_BY_GET,),
}
# Key specs with a "keyword" begin_search that follow a command's others, as
# (keyword, startfrom, flags): GEORADIUS's STORE / STOREDIST destinations.
KEYWORD_KEY_SPECS: dict[str, tuple[tuple[bytes, int, tuple[str, ...]], ...]] = {
    "georadius": ((b"STORE", 6, OW_UPDATE), (b"STOREDIST", 6, OW_UPDATE)),
    "georadiusbymember": ((b"STORE", 5, OW_UPDATE), (b"STOREDIST", 5, OW_UPDATE)),
}
KEY_SPEC_NOTES = {
    "bitfield": b"This command allows both access and modification of the key",
    "eval": b"We cannot tell how the keys will be used so we assume the worst, RW and UPDATE",
    "eval_ro": b"We cannot tell how the keys will be used so we assume the worst, RO and ACCESS",
    "fcall": b"We cannot tell how the keys will be used so we assume the worst, RW and UPDATE",
    "fcall_ro": b"We cannot tell how the keys will be used so we assume the worst, RO and ACCESS",
    "getex": b"RW and UPDATE because it changes the TTL",
    "pfcount": b"RW because it may change the internal representation of the key, and "
    b"propagate to replicas",
    "set": b"RW and ACCESS due to the optional `GET` argument",
    "xadd": b"UPDATE instead of INSERT because of the optional trimming feature",
}


def key_spec_flags(cmd: Command) -> tuple[tuple[str, ...], ...]:
    """The flags of each of the command's key specs."""
    declared = KEY_SPEC_FLAGS.get(cmd.name)
    if declared is not None:
        return declared
    return (("RW", "update"),) if "write" in cmd.flags else (("RO", "access"),)


def _key_specs(cmd: Command, resp: int) -> bytes:
    """Every key spec of cmd, the "unknown" ones last."""
    unknown = UNKNOWN_KEY_SPECS.get(cmd.name)
    keyword = KEYWORD_KEY_SPECS.get(cmd.name)
    if keyword is not None:
        known = _known_key_specs(cmd, resp)
        count_end = known.index(b"\r\n") + 2
        count = int(known[1 : count_end - 2]) + len(keyword)
        return (
            reply.set_header(count, resp)
            + known[count_end:]
            + b"".join(_keyword_key_spec(*spec, resp) for spec in keyword)
        )
    if unknown is None:
        return _known_key_specs(cmd, resp)
    known = _known_key_specs(cmd, resp)
    count_end = known.index(b"\r\n") + 2
    count = int(known[1 : count_end - 2]) + len(unknown)
    return (
        reply.set_header(count, resp)
        + known[count_end:]
        + b"".join(_unknown_key_spec(notes, flags, resp) for notes, flags in unknown)
    )


def _keyword_key_spec(
    keyword: bytes,
    startfrom: int,
    flags: tuple[str, ...],
    resp: int,
    lastkey: int = 0,
    keystep: int = 1,
    limit: int = 0,
) -> bytes:
    """A key spec found after a keyword (searched from startfrom), a range of keys from
    there (one key by default)."""
    begin = (b"keyword", ((b"keyword", keyword), (b"startfrom", startfrom)))
    find = (b"range", ((b"lastkey", lastkey), (b"keystep", keystep), (b"limit", limit)))
    return _spec(flags, begin, find, None, resp)


def _unknown_key_spec(notes: bytes, flags: tuple[str, ...], resp: int) -> bytes:
    """A key spec whose keys only the command itself can find."""
    return _spec(flags, (b"unknown", ()), (b"unknown", ()), notes, resp)


def _keyword_known_key_specs(
    cmd: Command, spec: tuple[bytes, int, int, int, int], resp: int
) -> bytes:
    """The one keyword-search, range-find key spec (XREADGROUP's keys after STREAMS)."""
    keyword, startfrom, lastkey, keystep, limit = spec
    (flags,) = key_spec_flags(cmd)
    return reply.set_header(1, resp) + _keyword_key_spec(
        keyword, startfrom, flags, resp, lastkey, keystep, limit
    )


def _keyword_range_positions(
    argv: list[bytes], spec: tuple[bytes, int, int, int, int]
) -> list[int]:
    """getKeysUsingKeySpecs() for a KEYWORD_SPECS entry: of what follows the keyword,
    the first 1/limit (XREAD's keys after STREAMS)."""
    keyword = spec[0].lower()
    for index in range(spec[1], len(argv)):
        if argv[index].lower() == keyword:
            following = len(argv) - index - 1
            return list(range(index + 1, index + 1 + following // spec[4]))
    return []


def _known_key_specs(cmd: Command, resp: int) -> bytes:
    """The key specs: index search, range find, from the legacy first/last/step range."""
    keyword = KEYWORD_SPECS.get(cmd.name)
    if keyword is not None:
        return _keyword_known_key_specs(cmd, keyword, resp)
    # addReplyCommandKeySpecs(): a set in RESP3, empty or not.
    keynum = KEYNUM_SPECS.get(cmd.name)
    if cmd.first_key <= 0 and keynum is None:
        return reply.set_header(0, resp)
    specs = key_spec_flags(cmd)
    range_count = len(specs) - (keynum is not None)
    if range_count == 1:
        last = cmd.last_key - cmd.first_key if cmd.last_key >= 0 else cmd.last_key
        ranges = [(cmd.first_key, last)]
    else:
        ranges = [(cmd.first_key + i, 0) for i in range(range_count)]
        if ranges and cmd.last_key < 0:  # the last spec runs to the end (SINTERSTORE's sources)
            ranges[-1] = (ranges[-1][0], cmd.last_key)
    notes = KEY_SPEC_NOTES.get(cmd.name)
    parts = [reply.set_header(len(specs), resp)]
    if keynum is not None:
        parts += [
            _key_spec(flags, first, last, cmd.key_step, notes, resp)
            for flags, (first, last) in zip(specs, ranges, strict=False)
        ]
        begin, keynumidx, firstkey, keystep = keynum
        find = (
            b"keynum",
            ((b"keynumidx", keynumidx), (b"firstkey", firstkey), (b"keystep", keystep)),
        )
        # EVAL's one spec carries the notes.
        spec_notes = notes if not range_count else None
        parts.append(_spec(specs[-1], (b"index", ((b"index", begin),)), find, spec_notes, resp))
        return b"".join(parts)
    for flags, (first, last) in zip(specs, ranges, strict=True):
        parts.append(_key_spec(flags, first, last, cmd.key_step, notes, resp))
    return b"".join(parts)


def _key_spec(
    flags: tuple[str, ...], first: int, last: int, step: int, notes: bytes | None, resp: int
) -> bytes:
    """One index-search, range-find key spec."""
    find = (b"range", ((b"lastkey", last), (b"keystep", step), (b"limit", 0)))
    return _spec(flags, (b"index", ((b"index", first),)), find, notes, resp)


# A begin_search or find_keys part: its type and its spec's (name, value) pairs.
SpecPart = tuple[bytes, tuple[tuple[bytes, bytes | int], ...]]


def _spec(
    flags: tuple[str, ...], begin: SpecPart, find: SpecPart, notes: bytes | None, resp: int
) -> bytes:
    """addReplyCommandKeySpecs()'s map for one key spec: notes (if any), flags, then
    begin_search and find_keys, each a type and a spec map."""
    parts: list[bytes] = []
    if notes is not None:
        parts += [reply.map_header(4, resp), reply.bulk(b"notes"), reply.bulk(notes)]
    else:
        parts.append(reply.map_header(3, resp))
    parts += [
        reply.bulk(b"flags"),
        reply.set_header(len(flags), resp),
        *[reply.simple(flag) for flag in flags],
    ]
    for name, (kind, spec) in ((b"begin_search", begin), (b"find_keys", find)):
        parts += [
            reply.bulk(name),
            reply.map_header(2, resp),
            reply.bulk(b"type"),
            reply.bulk(kind),
            reply.bulk(b"spec"),
            reply.map_header(len(spec), resp),
        ]
        for field, value in spec:
            parts.append(reply.bulk(field))
            parts.append(reply.integer(value) if isinstance(value, int) else reply.bulk(value))
    return b"".join(parts)


def command_info(cmd: Command, resp: int) -> bytes:
    """addReplyCommandInfo(): the 10-element description of one command."""
    flags = [flag for flag in SHOWN_FLAGS if flag in cmd.flags]
    categories = acl_categories(cmd)
    subcommands = list(cmd.subcommands.values()) if cmd.subcommands else []
    return b"".join(
        [
            b"*10\r\n",
            reply.bulk(cmd.name.encode()),
            reply.integer(cmd.arity),
            reply.set_header(len(flags), resp),
            *[reply.simple(flag) for flag in flags],
            reply.integer(cmd.first_key),
            reply.integer(cmd.last_key),
            reply.integer(cmd.key_step),
            reply.set_header(len(categories), resp),
            *[reply.simple("@" + name) for name in categories],
            reply.set_header(len(cmd.tips), resp),
            *[reply.bulk(tip.encode()) for tip in cmd.tips],
            _key_specs(cmd, resp),
            # addReplyCommandSubCommands(): an empty set when there are none.
            b"*%d\r\n" % len(subcommands) if subcommands else reply.set_header(0, resp),
            *[command_info(sub, resp) for sub in subcommands],
        ]
    )


def command_docs(cmd: Command, resp: int) -> bytes:
    """addReplyCommandDocs(): Redis's stored docs, with the subcommands replkv implements.

    A command Redis 7.0 lacks answers what its declaration says (summary, since, group).
    """
    stored = stored_fields(cmd.name, resp)
    if stored is None:
        return _declared_docs(cmd, resp)
    count, fields = stored
    if not cmd.subcommands:
        return reply.map_header(count, resp) + fields
    subs = list(cmd.subcommands.values())
    return b"".join(
        [
            reply.map_header(count + 1, resp),
            fields,
            reply.bulk(b"subcommands"),
            reply.map_header(len(subs), resp),
            *[reply.bulk(sub.name.encode()) + command_docs(sub, resp) for sub in subs],
        ]
    )


def _declared_docs(cmd: Command, resp: int) -> bytes:
    """The docs a command's declaration gives: summary, since, group and the subcommands."""
    fields = [
        reply.bulk(b"summary"),
        reply.bulk(cmd.summary.encode()),
        reply.bulk(b"since"),
        reply.bulk(cmd.since.encode()),
        reply.bulk(b"group"),
        reply.bulk(cmd.group.replace("_", "-").encode()),  # sorted_set → sorted-set
    ]
    if cmd.subcommands:
        subs = list(cmd.subcommands.values())
        fields.append(reply.bulk(b"subcommands"))
        fields.append(
            reply.map_header(len(subs), resp)
            + b"".join(reply.bulk(sub.name.encode()) + command_docs(sub, resp) for sub in subs)
        )
    return reply.map_header(len(fields) // 2, resp) + b"".join(fields)


def find(name: bytes) -> Command | None:
    """A command by name, or a subcommand by its full `container|sub` name."""
    parent, _, sub = name.lower().partition(b"|")
    cmd = registry.COMMANDS.get(parent)
    if cmd is None or not sub:
        return cmd
    return cmd.subcommands.get(sub) if cmd.subcommands else None


COMMAND = container(
    "command",
    "loading stale",
    group="server",
    acl_categories=("slow", "connection"),
    tips=("nondeterministic_output_order",),
    summary="Get array of Redis command details",
    since="2.8.13",
)
COMMAND_ACL = ("slow", "connection")


def _all_info(client: Client) -> bytes:
    commands = list(registry.COMMANDS.values())
    return b"*%d\r\n%b" % (
        len(commands),
        b"".join(command_info(cmd, client.resp) for cmd in commands),
    )


def command_without_subcommand(client: Client, argv: list[bytes]) -> bytes:
    """`COMMAND` alone: every command's info (dispatch runs it for the bare container)."""
    return _all_info(client)


# Unlike other containers, COMMAND runs without a subcommand (arity -1).
COMMAND.arity = -1
COMMAND.handler = command_without_subcommand


@subcommand("command", "count", 2, "loading stale", group="server",
            acl_categories=COMMAND_ACL, summary="Get total number of Redis commands",
            since="2.8.13")  # fmt: skip
def command_count(client: Client, argv: list[bytes]) -> bytes:
    return reply.integer(len(registry.COMMANDS))


@subcommand("command", "info", -2, "loading stale", group="server",
            acl_categories=COMMAND_ACL, tips=("nondeterministic_output_order",),
            summary="Get array of specific Redis command details, or all when no argument "
            "is given.", since="2.8.13")  # fmt: skip
def command_info_(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) == 2:
        return _all_info(client)
    parts = []
    for name in argv[2:]:
        cmd = find(name)
        parts.append(client.null if cmd is None else command_info(cmd, client.resp))
    return reply.array(parts)


@subcommand("command", "docs", -2, "loading stale", group="server",
            acl_categories=COMMAND_ACL, tips=("nondeterministic_output_order",),
            summary="Get array of specific Redis command documentation",
            since="7.0.0")  # fmt: skip
def command_docs_(client: Client, argv: list[bytes]) -> bytes:
    if len(argv) == 2:
        chosen = list(registry.COMMANDS.values())
    else:
        chosen = [cmd for cmd in (find(name) for name in argv[2:]) if cmd is not None]
    parts = [reply.map_header(len(chosen), client.resp)]
    for cmd in chosen:
        parts.append(reply.bulk(cmd.name.encode()))
        parts.append(command_docs(cmd, client.resp))
    return b"".join(parts)


def keys_of(argv: list[bytes]) -> list[bytes]:
    """db.c: getKeysFromCommand() for argv, or the error COMMAND GETKEYS replies."""
    cmd = registry.COMMANDS.get(argv[0].lower())
    if cmd is not None and cmd.subcommands is not None and len(argv) > 1:
        cmd = cmd.subcommands.get(argv[1].lower())
    if cmd is None:
        raise CommandError(INVALID_COMMAND)
    if (cmd.arity > 0 and cmd.arity != len(argv)) or len(argv) < -cmd.arity:
        raise CommandError(INVALID_ARGS)
    if cmd.name == "sort" or cmd.name == "sort_ro":
        return [argv[i] for i in sort_key_positions(argv, cmd.name == "sort")]
    keys_proc = KEYS_PROCS.get(cmd.name)
    if keys_proc is not None:
        found = keys_proc(argv)
        if not found:
            raise CommandError(INVALID_KEY_ARGS)
        return [argv[i] for i in found]
    positions = cmd.key_positions(argv)
    keyword = KEYWORD_SPECS.get(cmd.name)
    if keyword is not None:
        positions += _keyword_range_positions(argv, keyword)
    keynum = KEYNUM_SPECS.get(cmd.name)
    if keynum is not None:
        positions += _keynum_positions(argv, keynum)
    positions += _keyword_positions(argv, cmd.name)
    if not positions:
        raise CommandError(NO_KEYS)
    return [argv[i] for i in positions]


# db.c: sortGetKeys(): how many arguments follow each SORT option.
_SORT_OPTION_ARGS = {b"limit": 2, b"get": 1, b"by": 1}


def sort_key_positions(argv: list[bytes], with_store: bool) -> list[int]:
    """db.c: sortGetKeys(): the sorted key, then the last STORE destination (SORT only).

    LIMIT, GET and BY skip their arguments; STORE does not skip its own (so the
    argument after it is scanned as an option too), as in Redis.
    """
    positions = [1]
    store = None
    j = 2
    while j < len(argv):
        option = argv[j].lower()
        if option == b"store" and j + 1 < len(argv):
            store = j + 1
        j += _SORT_OPTION_ARGS.get(option, 0) + 1
    if not with_store:
        store = None
    if store is not None:
        positions.append(store)
    return positions


def _keyword_positions(argv: list[bytes], name: str) -> list[int]:
    """The key after each keyword spec's keyword, searched from its startfrom on."""
    positions = []
    for keyword, startfrom, _ in KEYWORD_KEY_SPECS.get(name, ()):
        for i in range(startfrom, len(argv) - 1):
            if argv[i].lower() == keyword.lower():
                positions.append(i + 1)
                break
    return positions


def _keynum_positions(argv: list[bytes], keynum: tuple[int, int, int, int]) -> list[int]:
    """The keys a numkeys argument announces; they must all be present."""
    begin, keynumidx, firstkey, keystep = keynum
    index = begin + keynumidx
    count = try_int(argv[index]) if index < len(argv) else None
    first = begin + firstkey
    if count is None or count < 1 or first + (count - 1) * keystep >= len(argv):
        raise CommandError(INVALID_KEY_ARGS)
    return list(range(first, first + count * keystep, keystep))


@subcommand("command", "getkeys", -4, "loading stale", group="server",
            acl_categories=COMMAND_ACL, summary="Extract keys given a full Redis command",
            since="2.8.13")  # fmt: skip
def command_getkeys(client: Client, argv: list[bytes]) -> bytes:
    return reply.bulk_array(keys_of(argv[2:]))


@subcommand("command", "getkeysandflags", -4, "loading stale", group="server",
            acl_categories=COMMAND_ACL,
            summary="Extract keys and access flags given a full Redis command",
            since="7.0.0")  # fmt: skip
def command_getkeysandflags(client: Client, argv: list[bytes]) -> bytes:
    keys = keys_of(argv[2:])
    cmd = registry.COMMANDS[argv[2].lower()]
    if cmd.subcommands is not None and len(argv) > 3:
        cmd = cmd.subcommands[argv[3].lower()]
    specs = key_spec_flags(cmd)
    if cmd.name == "set":
        # db.c: setGetKeys(): the flags depend on whether GET is among the options.
        has_get = any(arg.lower() == b"get" for arg in argv[5:])
        specs = (RW_ACCESS_UPDATE if has_get else OW_UPDATE,)
    elif cmd.name == "sort":
        specs = (("RO", "access"), OW_UPDATE)  # the sorted key, then STORE's
    elif cmd.name == "bitfield":
        specs = (("RO", "access") if bitfield.only_reads(argv[4:]) else RW_ACCESS_UPDATE,)
    elif cmd.name in KEYWORD_KEY_SPECS:
        specs = (*specs, OW_UPDATE)  # the source, then STORE's / STOREDIST's
    entries = []
    for index, key in enumerate(keys):
        flags = specs[min(index, len(specs) - 1)]
        entries.append(
            b"*2\r\n"
            + reply.bulk(key)
            + reply.set_header(len(flags), client.resp)
            + b"".join(reply.simple(flag) for flag in flags)
        )
    return reply.array(entries)


@subcommand("command", "list", -2, "loading stale", group="server",
            acl_categories=COMMAND_ACL, tips=("nondeterministic_output_order",),
            summary="Get an array of Redis command names", since="7.0.0")  # fmt: skip
def command_list(client: Client, argv: list[bytes]) -> bytes:
    everything = all_commands()
    if len(argv) == 2:
        return reply.bulk_array([cmd.name.encode() for cmd in everything])
    if len(argv) != 5 or argv[2].lower() != b"filterby":
        return errors.SYNTAX
    kind, value = argv[3].lower(), argv[4]
    if kind == b"module":
        chosen: list[Command] = []
    elif kind == b"aclcat":
        category = value.decode("latin-1").lower()
        chosen = [cmd for cmd in everything if category in acl_categories(cmd)]
    elif kind == b"pattern":
        matches = compile_glob(value, nocase=True)
        chosen = [cmd for cmd in everything if matches(cmd.name.encode())]
    else:
        return errors.SYNTAX
    return reply.bulk_array([cmd.name.encode() for cmd in chosen])


@subcommand("command", "help", 2, "loading stale", group="server",
            acl_categories=COMMAND_ACL,
            summary="Show helpful text about the different subcommands",
            since="5.0.0")  # fmt: skip
def command_help(client: Client, argv: list[bytes]) -> bytes:
    return reply.array([reply.simple(line) for line in HELP_LINES])
