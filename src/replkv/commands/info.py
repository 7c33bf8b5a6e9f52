"""INFO: the server's state in Redis 7.0's sections and field names (server.c)."""

from __future__ import annotations

import os
import resource
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from replkv import REDIS_VERSION, reply
from replkv.client import Client
from replkv.commands.table import command
from replkv.replication.replica import replica_info_fields, sync_refusal_fields

if TYPE_CHECKING:
    from replkv.server import Server

Fields = list[tuple[str, object]]

BUILD_ID = "7e6a3d3c52a4a5c9"


def bytes_to_human(n: int) -> str:
    """server.c: bytesToHuman()."""
    if n < 1024:
        return "%dB" % n
    for unit, power in (("K", 1), ("M", 2), ("G", 3), ("T", 4), ("P", 5)):
        if n < 1024 ** (power + 1):
            return "%.2f%s" % (n / 1024**power, unit)
    return "%dB" % n


def rss_bytes() -> int:
    """Resident set size, from /proc/self/statm (Linux) or the rusage peak."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _total_system_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def _server_section(server: Server) -> Fields:
    config = server.config
    now = server.clock.seconds()
    uptime = int(now - server.start_time)
    uname = os.uname()
    return [
        ("redis_version", REDIS_VERSION),
        ("redis_git_sha1", "00000000"),
        ("redis_git_dirty", 0),
        ("redis_build_id", BUILD_ID),
        ("redis_mode", "standalone"),
        ("os", f"{uname.sysname} {uname.release} {uname.machine}"),
        ("arch_bits", 64 if sys.maxsize > 2**32 else 32),
        ("monotonic_clock", "POSIX clock_gettime"),
        ("multiplexing_api", "epoll" if sys.platform.startswith("linux") else "kqueue"),
        ("atomicvar_api", "c11-builtin"),
        ("gcc_version", "0.0.0"),
        ("process_id", os.getpid()),
        ("process_supervised", "no"),
        ("run_id", server.run_id),
        ("tcp_port", config.port),
        ("server_time_usec", int(now * 1_000_000)),
        ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400),
        ("hz", config.hz),
        ("configured_hz", config.hz),
        ("lru_clock", int(now) & ((1 << 24) - 1)),
        ("executable", os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""),
        ("config_file", config.config_file or ""),
        ("io_threads_active", 0),
    ]


def _clients_section(server: Server) -> Fields:
    return [
        ("connected_clients", len(server.clients)),
        ("cluster_connections", 0),
        ("maxclients", server.config.maxclients),
        ("client_recent_max_input_buffer", 0),
        ("client_recent_max_output_buffer", 0),
        ("blocked_clients", server.blocking.count),
        ("tracking_clients", 0),
        ("clients_in_timeout_table", server.blocking.in_timeout_table()),
    ]


def _memory_section(server: Server) -> Fields:
    rss = rss_bytes()
    used = rss  # no allocator statistics in Python: the RSS stands for used_memory
    server.stats.peak_memory = peak = max(server.stats.peak_memory, used)
    system = _total_system_memory()
    maxmemory = server.config.maxmemory
    backlog = server.log.end_offset - server.log.start_offset
    scripting = server.scripting
    # Redis's empty Lua VM takes 31 KiB (used_memory_lua before any script).
    lua_memory = scripting.lua.memory() if scripting is not None else 31744
    scripts_memory = scripting.memory() if scripting is not None else 0
    cached_scripts = len(scripting.scripts) if scripting is not None else 0
    functions = server.functions
    # Redis's functions VM before any library: 33 KiB; an empty library context: 200 B.
    functions_vm = functions.lua.memory() if functions is not None else 33792
    functions_memory = 200 + (functions.memory() if functions is not None else 0)
    function_count = len(functions.functions) if functions is not None else 0
    library_count = len(functions.libraries) if functions is not None else 0
    return [
        ("used_memory", used),
        ("used_memory_human", bytes_to_human(used)),
        ("used_memory_rss", rss),
        ("used_memory_rss_human", bytes_to_human(rss)),
        ("used_memory_peak", peak),
        ("used_memory_peak_human", bytes_to_human(peak)),
        ("used_memory_peak_perc", "%.2f%%" % (used * 100 / peak if peak else 0)),
        ("used_memory_overhead", 0),
        ("used_memory_startup", 0),
        ("used_memory_dataset", used),
        ("used_memory_dataset_perc", "100.00%"),
        ("allocator_allocated", used),
        ("allocator_active", used),
        ("allocator_resident", rss),
        ("total_system_memory", system),
        ("total_system_memory_human", bytes_to_human(system)),
        ("used_memory_lua", lua_memory),
        ("used_memory_vm_eval", lua_memory),
        ("used_memory_lua_human", bytes_to_human(lua_memory)),
        ("used_memory_scripts_eval", scripts_memory),
        ("number_of_cached_scripts", cached_scripts),
        ("number_of_functions", function_count),
        ("number_of_libraries", library_count),
        ("used_memory_vm_functions", functions_vm),
        ("used_memory_vm_total", lua_memory + functions_vm),
        ("used_memory_vm_total_human", bytes_to_human(lua_memory + functions_vm)),
        ("used_memory_functions", functions_memory),
        ("used_memory_scripts", scripts_memory + functions_memory),
        ("used_memory_scripts_human", bytes_to_human(scripts_memory + functions_memory)),
        ("maxmemory", maxmemory),
        ("maxmemory_human", bytes_to_human(maxmemory)),
        ("maxmemory_policy", server.config.maxmemory_policy),
        ("allocator_frag_ratio", "1.00"),
        ("allocator_frag_bytes", 0),
        ("allocator_rss_ratio", "1.00"),
        ("allocator_rss_bytes", 0),
        ("rss_overhead_ratio", "1.00"),
        ("rss_overhead_bytes", 0),
        ("mem_fragmentation_ratio", "1.00"),
        ("mem_fragmentation_bytes", 0),
        ("mem_not_counted_for_evict", 0),
        ("mem_replication_backlog", backlog),
        ("mem_total_replication_buffers", backlog),
        ("mem_clients_slaves", 0),
        ("mem_clients_normal", 0),
        ("mem_cluster_links", 0),
        ("mem_aof_buffer", 0),
        ("mem_allocator", "libc"),
        ("active_defrag_running", 0),
        ("lazyfree_pending_objects", 0),
        ("lazyfreed_objects", 0),
    ]


def _persistence_section(server: Server) -> Fields:
    saves = server.saves
    now = server.clock.seconds()
    event_log = server.log
    fields: Fields = [
        ("loading", 1 if server.loading else 0),
        ("async_loading", 0),
        ("current_cow_peak", 0),
        ("current_cow_size", 0),
        ("current_cow_size_age", 0),
        ("current_fork_perc", "0.00"),
        ("current_save_keys_processed", 0),
        ("current_save_keys_total", 0),
        ("rdb_changes_since_last_save", saves.dirty),
        ("rdb_bgsave_in_progress", 1 if saves.bgsave_in_progress else 0),
        ("rdb_last_save_time", saves.last_save_time),
        ("rdb_last_bgsave_status", "ok" if saves.last_bgsave_ok else "err"),
        ("rdb_last_bgsave_time_sec", saves.last_bgsave_seconds),
        (
            "rdb_current_bgsave_time_sec",
            int(now - saves.child_started) if saves.bgsave_in_progress else -1,
        ),
        ("rdb_saves", saves.saves),
        ("rdb_last_cow_size", 0),
        ("rdb_last_load_keys_expired", saves.last_load_keys_expired),
        ("rdb_last_load_keys_loaded", saves.last_load_keys_loaded),
        ("aof_enabled", 1 if server.config.appendonly else 0),
        ("aof_rewrite_in_progress", 0),
        ("aof_rewrite_scheduled", 0),
        ("aof_last_rewrite_time_sec", -1),
        ("aof_current_rewrite_time_sec", -1),
        ("aof_last_bgrewrite_status", "ok"),
        ("aof_rewrites", 0),
        ("aof_rewrites_consecutive_failures", 0),
        ("aof_last_write_status", event_log.last_write_status),
        ("aof_last_cow_size", 0),
        ("module_fork_in_progress", 0),
        ("module_fork_last_cow_size", 0),
    ]
    if server.config.appendonly:
        fields += [
            ("aof_current_size", event_log.end_offset - event_log.start_offset),
            ("aof_base_size", 0),
            ("aof_pending_rewrite", 1 if saves.scheduled else 0),
            ("aof_buffer_length", event_log.end_offset - event_log.written_offset),
            (
                "aof_pending_bio_fsync",
                1 if event_log.durable_offset < event_log.written_offset else 0,
            ),
            ("aof_delayed_fsync", 0),
        ]
    progress = server.loading_progress
    if server.loading and progress is not None:
        fields += [
            ("loading_start_time", int(progress.start_time)),
            ("loading_total_bytes", progress.total_bytes),
            ("loading_rdb_used_mem", 0),
            ("loading_loaded_bytes", progress.loaded_bytes),
            ("loading_loaded_perc", "%.2f" % progress.percent()),
            ("loading_eta_seconds", progress.eta_seconds()),
        ]
    return fields


def _stats_section(server: Server) -> Fields:
    stats = server.stats
    return [
        ("total_connections_received", stats.total_connections_received),
        ("total_commands_processed", server.commands.calls()),
        ("instantaneous_ops_per_sec", getattr(stats, "instantaneous_ops_per_sec", 0)),
        ("total_net_input_bytes", stats.total_net_input_bytes),
        ("total_net_output_bytes", stats.total_net_output_bytes),
        ("total_net_repl_input_bytes", 0),
        ("total_net_repl_output_bytes", server.replicas.total_output_bytes),
        ("instantaneous_input_kbps", "0.00"),
        ("instantaneous_output_kbps", "0.00"),
        ("instantaneous_input_repl_kbps", "0.00"),
        ("instantaneous_output_repl_kbps", "0.00"),
        ("rejected_connections", stats.rejected_connections),
        ("sync_full", stats.sync_full),
        ("sync_partial_ok", stats.sync_partial_ok),
        ("sync_partial_err", stats.sync_partial_err),
        ("expired_keys", stats.expired_keys),
        ("expired_stale_perc", "%.2f" % (stats.expired_stale_perc * 100)),
        ("expired_time_cap_reached_count", 0),
        ("expire_cycle_cpu_milliseconds", stats.expire_cycle_cpu_milliseconds),
        ("evicted_keys", 0),
        ("evicted_clients", 0),
        ("total_eviction_exceeded_time", 0),
        ("current_eviction_exceeded_time", 0),
        ("keyspace_hits", stats.keyspace_hits),
        ("keyspace_misses", stats.keyspace_misses),
        ("pubsub_channels", len(server.pubsub.channels)),
        ("pubsub_patterns", len(server.pubsub.patterns)),
        ("pubsubshard_channels", len(server.pubsub.shard_channels)),
        ("latest_fork_usec", server.saves.latest_fork_usec),
        ("total_forks", server.saves.total_forks),
        ("migrate_cached_sockets", 0),
        ("slave_expires_tracked_keys", 0),
        ("active_defrag_hits", 0),
        ("active_defrag_misses", 0),
        ("active_defrag_key_hits", 0),
        ("active_defrag_key_misses", 0),
        ("total_active_defrag_time", 0),
        ("current_active_defrag_time", 0),
        ("tracking_total_keys", 0),
        ("tracking_total_items", 0),
        ("tracking_total_prefixes", 0),
        ("unexpected_error_replies", stats.unexpected_error_replies),
        ("total_error_replies", stats.total_error_replies),
        ("dump_payload_sanitizations", 0),
        ("total_reads_processed", stats.total_reads_processed),
        ("total_writes_processed", stats.total_writes_processed),
        ("io_threaded_reads_processed", 0),
        ("io_threaded_writes_processed", 0),
        ("reply_buffer_shrinks", 0),
        ("reply_buffer_expands", 0),
    ]


def _replication_section(server: Server) -> Fields:
    """See spec §1.13; the replication engineer extends this for replicas."""
    event_log = server.log
    histlen = event_log.end_offset - event_log.start_offset
    active = 1 if event_log.end_offset > 0 else 0
    return [
        ("role", "master" if server.master_link is None else "slave"),
        *replica_info_fields(server),
        *server.replicas.info_fields(),
        ("master_failover_state", "no-failover"),
        ("master_replid", server.replication.replid),
        ("master_replid2", server.replication.replid2),
        ("master_repl_offset", event_log.end_offset),
        ("second_repl_offset", server.replication.second_replid_offset),
        ("repl_backlog_active", active),
        ("repl_backlog_size", server.config.repl_backlog_size),
        ("repl_backlog_first_byte_offset", event_log.start_offset + 1 if active else 0),
        ("repl_backlog_histlen", histlen),
        *sync_refusal_fields(server),
    ]


def _seconds(rusage_time: float) -> str:
    return "%d.%06d" % (int(rusage_time), round((rusage_time % 1) * 1_000_000) % 1_000_000)


def _cpu_section(server: Server) -> Fields:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    main = resource.getrusage(getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF))
    return [
        ("used_cpu_sys", _seconds(own.ru_stime)),
        ("used_cpu_user", _seconds(own.ru_utime)),
        ("used_cpu_sys_children", _seconds(children.ru_stime)),
        ("used_cpu_user_children", _seconds(children.ru_utime)),
        ("used_cpu_sys_main_thread", _seconds(main.ru_stime)),
        ("used_cpu_user_main_thread", _seconds(main.ru_utime)),
    ]


def _commandstats_section(server: Server) -> Fields:
    return [
        (
            "cmdstat_" + cmd.name,
            "calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d"
            % (
                cmd.calls,
                cmd.nanoseconds // 1000,
                cmd.nanoseconds / 1000 / cmd.calls if cmd.calls else 0,
                cmd.rejected_calls,
                cmd.failed_calls,
            ),
        )
        for cmd in server.commands.all()
        if cmd.calls or cmd.failed_calls or cmd.rejected_calls
    ]


def _errorstats_section(server: Server) -> Fields:
    codes = server.stats.error_codes
    return [
        ("errorstat_" + code.decode("latin-1"), "count=%d" % codes[code]) for code in sorted(codes)
    ]


def _latencystats_section(server: Server) -> Fields:
    # No histograms are kept: the mean latency stands for each percentile.
    fields: Fields = []
    for cmd in server.commands.all():
        if cmd.calls:
            mean = cmd.nanoseconds / 1000 / cmd.calls
            fields.append(
                ("latency_percentiles_usec_" + cmd.name, "p50=%.3f,p99=%.3f,p99.9=%.3f" % (
                    mean, mean, mean))
            )  # fmt: skip
    return fields


def _cluster_section(server: Server) -> Fields:
    return [("cluster_enabled", 0)]


def _keyspace_section(server: Server) -> Fields:
    now = server.keyspace.now_ms()
    fields: Fields = []
    for db in server.keyspace.dbs:
        if not db.data and not db.expires:
            continue
        ttls = [when - now for when in db.expires.values() if when > now]
        avg_ttl = sum(ttls) // len(ttls) if ttls else 0
        fields.append(
            (
                "db%d" % db.id,
                "keys=%d,expires=%d,avg_ttl=%d" % (len(db.data), len(db.expires), avg_ttl),
            )
        )
    return fields


# (keyword, title, builder) in the order INFO prints them (server.c: genRedisInfoString()).
SECTIONS: list[tuple[str, str, Callable[[Server], Fields]]] = [
    ("server", "Server", _server_section),
    ("clients", "Clients", _clients_section),
    ("memory", "Memory", _memory_section),
    ("persistence", "Persistence", _persistence_section),
    ("stats", "Stats", _stats_section),
    ("replication", "Replication", _replication_section),
    ("cpu", "CPU", _cpu_section),
    ("modules", "Modules", lambda server: []),
    ("commandstats", "Commandstats", _commandstats_section),
    ("errorstats", "Errorstats", _errorstats_section),
    ("latencystats", "Latencystats", _latencystats_section),
    ("cluster", "Cluster", _cluster_section),
    ("keyspace", "Keyspace", _keyspace_section),
]

DEFAULT_SECTIONS = frozenset(
    "server clients memory persistence stats replication cpu module_list errorstats "
    "cluster keyspace".split()
)
# "all" is every section but module-generated ones, which replkv does not have.
ALL_SECTIONS = frozenset(name for name, _, _ in SECTIONS) | {"module_list"}


def selected_sections(args: list[bytes]) -> frozenset[str]:
    """server.c: genInfoSectionDict(): the section names asked for."""
    if not args:
        return DEFAULT_SECTIONS
    chosen: set[str] = set()
    for arg in args:
        word = arg.decode("latin-1").lower()
        if word == "default":
            chosen |= DEFAULT_SECTIONS
        elif word in ("all", "everything"):
            chosen |= ALL_SECTIONS
        else:
            chosen.add(word)
    return frozenset(chosen)


def info_text(server: Server, sections: frozenset[str]) -> bytes:
    """The INFO report for the chosen sections, with Redis's blank line between them."""
    parts = []
    for name, title, build in SECTIONS:
        if name in sections or (name == "modules" and "module_list" in sections):
            lines = ["# %s\r\n" % title]
            lines.extend("%s:%s\r\n" % field for field in build(server))
            parts.append("".join(lines))
    return "\r\n".join(parts).encode("utf-8", "surrogateescape")


@command("info", -1, "loading stale", group="server", acl_categories=("slow", "dangerous"),
         tips=("nondeterministic_output", "request_policy:all_shards", "response_policy:special"),
         summary="Get information and statistics about the server", since="1.0.0")  # fmt: skip
def info(client: Client, argv: list[bytes]) -> bytes:
    text = info_text(client.server, selected_sections(argv[1:]))
    return reply.verbatim(text, client.resp)
