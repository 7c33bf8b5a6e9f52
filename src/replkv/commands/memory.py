"""MEMORY (object.c: memoryCommand()): USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP.

MEMORY USAGE is an estimate of what a key costs this Python process, in bytes:

- the key: `sys.getsizeof()` of its bytes object;
- its share of the database dict (the dict's size over its number of keys), and when
  it has a TTL, its share of the expires dict plus the integer holding the time;
- the value: `sys.getsizeof()` of the value object (for a container, its own hash
  table or block array), plus its elements: strings, hash fields and values, sorted
  set members with their score floats, the (score, member) tuples and the sorted
  list's slot per member. As Redis does, a container of more than SAMPLES elements
  (default 5, 0 for all) is measured on its first SAMPLES elements and the average is
  multiplied by its size. A stream is walked as objectComputeSize() walks it: its
  entries sampled (each entry's id, field list and strings), every consumer group
  with its PEL (its dict and id list, and sampled pending entries) and its consumers,
  whose PELs share the group's pending entries and count only their dict and list.

Objects shared between keys (the small integers Python interns, a value COPY did not
duplicate) are counted for each key that holds them, and allocator overhead beyond
what `sys.getsizeof()` reports is not counted.

MEMORY STATS answers Redis's fields in Redis's shape. Without allocator statistics,
the process's resident set size stands for the allocated total (as INFO's
used_memory does); the database overheads are the sizes of the key and expires
dicts, and the allocator and fragmentation ratios are those of an allocator whose
resident memory is what it allocated.
"""

from __future__ import annotations

import itertools
import struct
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from replkv import errors, reply
from replkv.client import Client
from replkv.commands.args import LLONG_MAX, parse_int
from replkv.commands.info import rss_bytes
from replkv.commands.table import container, subcommand
from replkv.keyspace.stream import Stream
from replkv.keyspace.streamnodes import Fields
from replkv.keyspace.zset import ZSet

if TYPE_CHECKING:
    from replkv.keyspace.database import Database
    from replkv.server import Server

HELP_LINES = [
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
]
DEFAULT_SAMPLES = 5  # OBJ_COMPUTE_SIZE_DEF_SAMPLES
POINTER = 8
DOCTOR_MIN_BYTES = 5 * 1024 * 1024  # below this, getMemoryDoctorReport() gives up
DOCTOR_KEY_SAMPLES = 1000  # keys measured per database to estimate the dataset
DOCTOR_EMPTY = (
    b"Hi Sam, this instance is empty or is using very little memory, my issues detector "
    b"can't be used in these conditions. Please, leave for your mission on Earth and fill "
    b"it with some data. The new Sam and I will be back to our programming as soon as I "
    b"finished rebooting.\n"
)
DOCTOR_FINE = (
    b"Hi Sam, I can't find any memory issue in your instance. "
    b"I can only account for what occurs on this base.\n"
)
NO_MALLOC_STATS = b"Stats not supported for the current allocator\n"

_sizeof = sys.getsizeof


def _sampled(elements: Iterable[Any], size: int, samples: int, measure: Any) -> int:
    """objectComputeSize()'s sampling: the first samples elements, scaled to size."""
    taken = 0
    total = 0
    for element in itertools.islice(elements, samples):
        total += measure(element)
        taken += 1
    return total * size // taken if taken else 0


def _pair_size(pair: tuple[bytes, bytes]) -> int:
    return _sizeof(pair[0]) + _sizeof(pair[1])


def _zset_element_size(item: tuple[float, bytes]) -> int:
    score, member = item
    # The member (shared by the dict and the tuple), its score float, the tuple and
    # the sorted list's slot pointing at it.
    return _sizeof(member) + _sizeof(score) + _sizeof(item) + POINTER


def _stream_entry_size(item: tuple[int, Fields]) -> int:
    sid, flat = item
    # The id (dict key and its node's id list slot), its field/value tuple and strings.
    return _sizeof(sid) + POINTER + _sizeof(flat) + sum(_sizeof(part) for part in flat)


def _pending_size(item: tuple[int, Any]) -> int:
    sid, nack = item
    return _sizeof(sid) + _sizeof(nack) + _sizeof(nack.delivery_time) + _sizeof(nack.delivery_count)


def stream_size(stream: Stream, samples: int) -> int:
    """A stream's bytes beyond the Stream object (see the module docstring)."""
    entries = stream.entries
    size = _sizeof(entries)
    size += _sampled(iter(entries.items()), len(entries), samples, _stream_entry_size)
    size += _sizeof(stream.groups)
    for name, group in stream.groups.items():
        pel = group.pel
        size += _sizeof(group) + _sizeof(name) + pel.table_bytes() + _sizeof(group.consumers)
        size += _sampled(pel.items(), len(pel), samples, _pending_size)
        for cname, consumer in group.consumers.items():
            size += _sizeof(consumer) + _sizeof(cname) + consumer.pel.table_bytes()
    return size


def value_size(value: Any, samples: int) -> int:
    """The estimated bytes of a value and its elements (see the module docstring)."""
    own = _sizeof(value)
    if type(value) is bytes or type(value) is bytearray:
        return own
    if type(value) is ZSet:
        size = len(value)
        return (
            own
            + _sizeof(value.scores)
            + _sizeof(value.order)
            + _sampled(iter(value.order), size, samples, _zset_element_size)
        )
    if type(value) is Stream:
        return own + stream_size(value, samples)
    if isinstance(value, dict):
        return own + _sampled(iter(value.items()), len(value), samples, _pair_size)
    try:
        size = len(value)
        elements = iter(value)
    except TypeError:
        return own
    return own + _sampled(elements, size, samples, _sizeof)


def key_usage(db: Database, key: bytes, value: Any, samples: int) -> int:
    """MEMORY USAGE of key holding value."""
    data = db.data
    usage = _sizeof(key) + value_size(value, samples) + _sizeof(data) // max(len(data), 1)
    expires = db.expires
    when = expires.get(key)
    if when is not None:
        usage += _sizeof(expires) // max(len(expires), 1) + _sizeof(when)
    return usage


container("memory", acl_categories=(), group="server", since="4.0.0",
          summary="A container for memory diagnostics commands")  # fmt: skip


@subcommand("memory", "usage", -3, "readonly", keys=(2, 2, 1), group="server",
            since="4.0.0", summary="Estimate the memory usage of a key")  # fmt: skip
def memory_usage(client: Client, argv: list[bytes]) -> bytes:
    samples = DEFAULT_SAMPLES
    j = 3
    while j < len(argv):
        if argv[j].lower() == b"samples" and j + 1 < len(argv):
            samples = parse_int(argv[j + 1])
            if samples < 0:
                return errors.SYNTAX
            if samples == 0:
                samples = LLONG_MAX
            j += 2
        else:
            return errors.SYNTAX
    key = argv[2]
    value = client.db.get(key)
    if value is None:
        return client.null
    return reply.integer(key_usage(client.db, key, value, min(samples, sys.maxsize)))


def _float32(value: float) -> float:
    """A C float widened to double, as MEMORY STATS reports its ratios."""
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def _stats_reply(server: Server, resp: int) -> bytes:
    """getMemoryOverheadData() and memoryCommand()'s STATS reply."""
    rss = rss_bytes()
    stats = server.stats
    stats.peak_memory = peak = max(stats.peak_memory, rss)
    backlog = server.log.end_offset - server.log.start_offset
    parts: list[bytes] = []
    fields = 0

    def field(name: bytes, encoded: bytes) -> None:
        nonlocal fields
        parts.append(reply.bulk(name) + encoded)
        fields += 1

    def number(name: bytes, value: int) -> None:
        field(name, reply.integer(value))

    def ratio(name: bytes, value: float) -> None:
        field(name, reply.double(_float32(value), resp))

    number(b"peak.allocated", peak)
    number(b"total.allocated", rss)
    number(b"startup.allocated", 0)
    number(b"replication.backlog", backlog)
    for name in (b"clients.slaves", b"clients.normal", b"cluster.links", b"aof.buffer"):
        number(name, 0)
    number(b"lua.caches", 0)
    number(b"functions.caches", 0)
    overhead = backlog
    keys = 0
    for db in server.keyspace.dbs:
        if not db.data:
            continue
        main, expires = _sizeof(db.data), _sizeof(db.expires)
        overhead += main + expires
        keys += len(db.data)
        field(
            b"db.%d" % db.id,
            reply.map_header(3, resp)
            + reply.bulk(b"overhead.hashtable.main")
            + reply.integer(main)
            + reply.bulk(b"overhead.hashtable.expires")
            + reply.integer(expires)
            + reply.bulk(b"overhead.hashtable.slot-to-keys")
            + reply.ZERO,
        )
    number(b"overhead.total", overhead)
    number(b"keys.count", keys)
    number(b"keys.bytes-per-key", rss // keys if keys else 0)
    dataset = max(rss - overhead, 0)
    number(b"dataset.bytes", dataset)
    ratio(b"dataset.percentage", dataset * 100 / rss if rss else 0.0)
    ratio(b"peak.percentage", rss * 100 / peak if peak else 0.0)
    number(b"allocator.allocated", rss)
    number(b"allocator.active", rss)
    number(b"allocator.resident", rss)
    ratio(b"allocator-fragmentation.ratio", 1.0)
    number(b"allocator-fragmentation.bytes", 0)
    ratio(b"allocator-rss.ratio", 1.0)
    number(b"allocator-rss.bytes", 0)
    ratio(b"rss-overhead.ratio", 1.0)
    number(b"rss-overhead.bytes", 0)
    ratio(b"fragmentation", 1.0)
    number(b"fragmentation.bytes", 0)
    return reply.map_header(fields, resp) + b"".join(parts)


@subcommand("memory", "stats", 2, "", group="server", since="4.0.0",
            tips=("nondeterministic_output", "request_policy:all_shards",
                  "response_policy:special"),
            summary="Show memory usage details")  # fmt: skip
def memory_stats(client: Client, argv: list[bytes]) -> bytes:
    return _stats_reply(client.server, client.resp)


def dataset_estimate(server: Server) -> int:
    """The dataset's bytes, measured on up to DOCTOR_KEY_SAMPLES keys per database."""
    total = 0
    for db in server.keyspace.dbs:
        count = len(db.data)
        if not count:
            continue
        measured = 0
        taken = 0
        for key, value in itertools.islice(db.data.items(), DOCTOR_KEY_SAMPLES):
            measured += key_usage(db, key, value, DEFAULT_SAMPLES)
            taken += 1
        total += measured * count // taken
    return total


@subcommand("memory", "doctor", 2, "", group="server", since="4.0.0",
            tips=("nondeterministic_output", "request_policy:all_shards",
                  "response_policy:special"),
            summary="Outputs memory problems report")  # fmt: skip
def memory_doctor(client: Client, argv: list[bytes]) -> bytes:
    """getMemoryDoctorReport(), on the dataset's estimated size (see dataset_estimate)."""
    if dataset_estimate(client.server) < DOCTOR_MIN_BYTES:
        return reply.verbatim(DOCTOR_EMPTY, client.resp)
    return reply.verbatim(DOCTOR_FINE, client.resp)


@subcommand("memory", "malloc-stats", 2, "", group="server", since="4.0.0",
            tips=("nondeterministic_output", "request_policy:all_shards",
                  "response_policy:special"),
            summary="Show allocator internal stats")  # fmt: skip
def memory_malloc_stats(client: Client, argv: list[bytes]) -> bytes:
    return reply.verbatim(NO_MALLOC_STATS, client.resp)


@subcommand("memory", "purge", 2, "", group="server", since="4.0.0",
            tips=("request_policy:all_shards", "response_policy:all_succeeded"),
            summary="Ask the allocator to release memory")  # fmt: skip
def memory_purge(client: Client, argv: list[bytes]) -> bytes:
    return reply.OK


@subcommand("memory", "help", 2, "loading stale", group="server", since="4.0.0",
            summary="Show helpful text about the different subcommands")  # fmt: skip
def memory_help(client: Client, argv: list[bytes]) -> bytes:
    return reply.array([reply.simple(line) for line in HELP_LINES])
