"""The server configuration: redis.conf loading, CONFIG GET/SET/REWRITE, observers.

Every directive is read by hot code as a plain attribute of `Config` (`port`,
`proto_max_bulk_len`, `replicaof`, ...: the directive name with '-' turned
into '_'); the directives themselves are in replkv.directives.
"""

from __future__ import annotations

import glob as file_glob
import os
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from replkv.directives import (
    BY_NAME,
    DEPRECATED,
    DIRECTIVES,
    REPL_BACKLOG_MIN_SIZE,
    REWRITE_SIGNATURE,
    ConfigApplyError,
    ConfigError,
    ConfigSetError,
    Directive,
    InvalidValue,
    SaveKind,
    decode_text,
    encode_text,
    fatal_error,
    quote_value,
)
from replkv.glob import compile_glob
from replkv.splitargs import split_args


class Config:
    """The running configuration: one attribute per directive, plus loading and CONFIG support."""

    # Network
    bind: list[str]
    protected_mode: bool
    port: int
    tcp_backlog: int
    unixsocket: str
    unixsocketperm: int
    timeout: int
    tcp_keepalive: int
    maxclients: int
    # Process
    daemonize: bool
    supervised: str
    pidfile: str
    loglevel: str
    logfile: str
    databases: int
    always_show_logo: bool
    set_proc_title: bool
    hz: int
    dynamic_hz: bool
    io_threads: int
    io_threads_do_reads: bool
    enable_protected_configs: str
    enable_debug_command: str
    enable_module_command: str
    shutdown_timeout: int
    # Snapshotting
    save: tuple[tuple[int, int], ...]
    stop_writes_on_bgsave_error: bool
    rdbcompression: bool
    rdbchecksum: bool
    dbfilename: str
    rdb_del_sync_files: bool
    dir: str
    # Security
    requirepass: str
    aclfile: str
    acllog_max_len: int
    # Replication
    replicaof: tuple[str, int] | None
    masterauth: str
    masteruser: str
    replica_serve_stale_data: bool
    replica_read_only: bool
    repl_diskless_sync: bool
    repl_diskless_sync_delay: int
    repl_diskless_sync_max_replicas: int
    repl_diskless_load: str
    repl_ping_replica_period: int
    repl_timeout: int
    repl_disable_tcp_nodelay: bool
    repl_backlog_size: int
    repl_backlog_ttl: int
    replica_priority: int
    replica_announced: bool
    min_replicas_to_write: int
    min_replicas_max_lag: int
    replica_announce_ip: str
    replica_announce_port: int
    replica_lazy_flush: bool
    replica_ignore_maxmemory: bool
    # Not in Redis: may a full sync replace data with a shorter run of the same history?
    replica_allow_history_rewind: bool
    # Memory
    maxmemory: int
    maxmemory_policy: str
    maxmemory_samples: int
    maxmemory_eviction_tenacity: int
    lazyfree_lazy_eviction: bool
    lazyfree_lazy_expire: bool
    lazyfree_lazy_server_del: bool
    lazyfree_lazy_user_del: bool
    lazyfree_lazy_user_flush: bool
    activerehashing: bool
    active_expire_effort: int
    # Append only file
    appendonly: bool
    appendfilename: str
    appenddirname: str
    appendfsync: str
    no_appendfsync_on_rewrite: bool
    auto_aof_rewrite_percentage: int
    auto_aof_rewrite_min_size: int
    aof_load_truncated: bool
    aof_use_rdb_preamble: bool
    aof_timestamp_enabled: bool
    aof_disable_auto_gc: bool
    aof_rewrite_incremental_fsync: bool
    rdb_save_incremental_fsync: bool
    # Limits and encodings
    proto_max_bulk_len: int
    client_query_buffer_limit: int
    busy_reply_threshold: int
    hash_max_listpack_entries: int
    hash_max_listpack_value: int
    list_max_listpack_size: int
    list_compress_depth: int
    set_max_intset_entries: int
    zset_max_listpack_entries: int
    zset_max_listpack_value: int
    hll_sparse_max_bytes: int
    stream_node_max_bytes: int
    stream_node_max_entries: int
    tracking_table_max_keys: int
    # Monitoring
    slowlog_log_slower_than: int
    slowlog_max_len: int
    latency_monitor_threshold: int
    latency_tracking: bool
    notify_keyspace_events: int
    # The rest of Redis 7.0's directives: accepted, not acted on yet
    socket_mark_id: int
    bind_source_addr: str
    client_output_buffer_limit: tuple[tuple[int, int, int], ...]
    maxmemory_clients: int
    syslog_ident: str
    syslog_enabled: bool
    syslog_facility: str
    crash_log_enabled: bool
    crash_memcheck_enabled: bool
    proc_title_template: str
    ignore_warnings: str
    acl_pubsub_default: str
    sanitize_dump_payload: str
    propagation_error_behavior: str
    replica_ignore_disk_write_errors: bool
    shutdown_on_sigint: int
    shutdown_on_sigterm: int
    lfu_log_factor: int
    lfu_decay_time: int
    oom_score_adj: str
    oom_score_adj_values: tuple[int, ...]
    disable_thp: bool
    jemalloc_bg_thread: bool
    latency_tracking_info_percentiles: tuple[float, ...]
    activedefrag: bool
    active_defrag_ignore_bytes: int
    active_defrag_threshold_lower: int
    active_defrag_threshold_upper: int
    active_defrag_cycle_min: int
    active_defrag_cycle_max: int
    active_defrag_max_scan_fields: int
    server_cpulist: str
    bio_cpulist: str
    aof_rewrite_cpulist: str
    bgsave_cpulist: str
    cluster_enabled: bool
    cluster_config_file: str
    cluster_node_timeout: int
    cluster_port: int
    cluster_replica_validity_factor: int
    cluster_migration_barrier: int
    cluster_allow_replica_migration: bool
    cluster_require_full_coverage: bool
    cluster_replica_no_failover: bool
    cluster_allow_reads_when_down: bool
    cluster_allow_pubsubshard_when_down: bool
    cluster_link_sendbuf_limit: int
    cluster_announce_hostname: str
    cluster_preferred_endpoint_type: str
    cluster_announce_ip: str
    cluster_announce_port: int
    cluster_announce_tls_port: int
    cluster_announce_bus_port: int
    tls_port: int
    tls_cert_file: str
    tls_key_file: str
    tls_key_file_pass: str
    tls_client_cert_file: str
    tls_client_key_file: str
    tls_client_key_file_pass: str
    tls_dh_params_file: str
    tls_ca_cert_file: str
    tls_ca_cert_dir: str
    tls_auth_clients: str
    tls_replication: bool
    tls_cluster: bool
    tls_protocols: str
    tls_ciphers: str
    tls_ciphersuites: str
    tls_prefer_server_ciphers: bool
    tls_session_caching: bool
    tls_session_cache_size: int
    tls_session_cache_timeout: int

    def __init__(self) -> None:
        for directive in DIRECTIVES:
            default = directive.default
            setattr(
                self, directive.attribute, list(default) if isinstance(default, list) else default
            )
        self.dir = os.getcwd()
        self.config_file: str | None = None
        # rename-command directives, applied by the command table: (old, new); new "" removes.
        self.renamed_commands: list[tuple[str, str]] = []
        # Directives set by the file or the command line (not left at their default).
        self.explicit: set[str] = set()
        self._observers: dict[str, list[Callable[[Any], None]]] = {}
        # Like Redis, the first `save` read while loading replaces the default
        # save points and later ones add to it.
        self._save_loaded = False

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def load_file(cls, path: str) -> Config:
        """A configuration with Redis's defaults overridden by the file at `path`."""
        config = cls()
        config.config_file = os.path.abspath(path)
        config.include(path)
        config.finish_loading()
        return config

    def include(self, path: str) -> None:
        """Read one configuration file (or each file matching a glob, like Redis's include)."""
        if any(char in path for char in "*?["):
            for name in sorted(file_glob.glob(path)):
                self.load_text(self._read(name), name)
            return
        self.load_text(self._read(path), path)

    def _read(self, path: str) -> str:
        try:
            with open(path, "rb") as config_file:
                return decode_text(config_file.read())
        except OSError as error:
            raise ConfigError(
                f"Fatal error, can't open config file '{path}': {os.strerror(error.errno or 0)}"
            ) from None

    def load_text(self, text: str, filename: str = "") -> None:
        """Apply configuration text in redis.conf syntax; errors name `filename` and the line."""
        where = "the configuration file"
        if filename:
            where += f" '{os.path.abspath(filename)}'"
        for number, raw_line in enumerate(text.split("\n"), start=1):
            line = raw_line.strip(" \t\r\n")
            if not line or line.startswith("#"):
                continue
            location = f"{where}, at line {number}"
            parts = split_args(encode_text(line))
            if parts is None:
                raise fatal_error("Unbalanced quotes in configuration line", location, line)
            if not parts:
                continue
            args = [decode_text(part) for part in parts]
            self._load_directive(args[0].lower(), args[1:], location, line)

    def apply(self, name: str, args: list[str], where: str = "the command line") -> None:
        """Apply one directive while loading, as if read from a file line at `where`.

        This is how command-line options (`--save ""`) are applied after the file.
        """
        line = " ".join([name] + [quote_value(arg) for arg in args])
        self._load_directive(name.lower(), list(args), where, line)

    def _load_directive(self, name: str, args: list[str], location: str, line: str) -> None:
        directive = BY_NAME.get(name)
        if directive is not None:
            kind = directive.kind
            if not kind.multi_arg and len(args) != 1:
                raise fatal_error("wrong number of arguments", location, line)
            if kind.multi_arg and len(args) == 1 and args[0]:
                # `--save "3600 1 300 100"` is split into its words, as Redis 7 does.
                split = split_args(encode_text(args[0]))
                args = [decode_text(part) for part in split or []]
            try:
                value = kind.parse(args, getattr(self, directive.attribute))
            except InvalidValue as invalid:
                raise fatal_error(str(invalid), location, line) from None
            if isinstance(kind, SaveKind):
                if self._save_loaded and args != [""]:
                    value = self.save + value
                self._save_loaded = True
            setattr(self, directive.attribute, value)
            self.explicit.add(directive.name)
        elif name in DEPRECATED and len(args) == 1:
            pass
        elif name == "include" and len(args) == 1:
            self.include(args[0])
        elif name == "rename-command" and len(args) == 2:
            self.renamed_commands.append((args[0], args[1]))
        else:
            raise fatal_error("Bad directive or wrong number of arguments", location, line)

    def finish_loading(self) -> None:
        """The checks Redis makes once the whole configuration has been read."""
        if self.logfile:
            try:
                with open(self.logfile, "a"):
                    pass
            except OSError as error:
                reason = os.strerror(error.errno or 0)
                raise fatal_error(f"Can't open the log file: {reason}") from None

    # -- CONFIG GET / SET ---------------------------------------------------------------------

    def get(self, name: str) -> str:
        """CONFIG GET's text for one directive (by name or alias)."""
        directive = BY_NAME[name.lower()]
        return directive.kind.format(getattr(self, directive.attribute))

    def get_matching(self, patterns: Iterable[bytes]) -> list[tuple[str, str]]:
        """CONFIG GET: (name, value) for every name or alias matching any pattern.

        A pattern without glob characters is an exact, case-insensitive lookup and
        is answered under the name as given; patterns match case-insensitively.
        """
        matches: dict[str, tuple[str, Directive]] = {}
        for pattern in patterns:
            if not any(char in pattern for char in b"[*?"):
                text = decode_text(pattern)
                found = BY_NAME.get(text.lower())
                if found is not None and text.lower() not in matches:
                    matches[text.lower()] = (text, found)
                continue
            matcher = compile_glob(pattern, nocase=True)
            for name, directive in BY_NAME.items():
                if name not in matches and matcher(name.encode()):
                    matches[name] = (name, directive)
        return [
            (shown, directive.kind.format(getattr(self, directive.attribute)))
            for shown, directive in matches.values()
        ]

    def set_many(self, pairs: list[tuple[bytes, bytes]], client_is_local: bool = False) -> None:
        """CONFIG SET name value [name value ...]: all or nothing, with Redis's error texts.

        Observers of changed directives run after every value is set; if one raises
        ConfigApplyError, all values are restored. Raises ConfigSetError.
        """
        chosen: list[tuple[str, Directive, str]] = []
        for raw_name, raw_value in pairs:
            given = decode_text(raw_name)
            directive = BY_NAME.get(given.lower())
            if directive is None:
                raise ConfigSetError(
                    f"ERR Unknown option or number of arguments for CONFIG SET - '{given}'"
                )
            if directive.immutable or (
                directive.protected and not self.protected_configs_allowed(client_is_local)
            ):
                reason = (
                    "can't set immutable config"
                    if directive.immutable
                    else ("can't set protected config")
                )
                raise _set_failed(given, reason)
            # Redis compares its config entries, and an alias is an entry of its own.
            registered = given.lower()
            if any(registered == earlier for earlier, _, _ in chosen):
                raise _set_failed(given, "duplicate parameter")
            chosen.append((registered, directive, decode_text(raw_value)))

        old_values = {d.attribute: getattr(self, d.attribute) for _, d, _ in chosen}
        changed: list[Directive] = []
        for registered, directive, text in chosen:
            # Multi-argument values are split on single spaces (sdssplitlen), not quoted.
            args = text.split(" ") if directive.kind.multi_arg else [text]
            current = getattr(self, directive.attribute)
            try:
                value = directive.kind.parse(args, current)
            except InvalidValue as invalid:
                self._restore(old_values)
                raise _set_failed(registered, str(invalid)) from None
            if directive.name == "repl-backlog-size":
                # resizeReplicationBacklog() raises a CONFIG SET value (not a loaded one).
                value = max(value, REPL_BACKLOG_MIN_SIZE)
            setattr(self, directive.attribute, value)
            if value != current and directive not in changed:
                changed.append(directive)

        for directive in changed:
            try:
                self._notify(directive)
            except ConfigApplyError as failure:
                self._restore(old_values)
                for restored in changed:
                    try:
                        self._notify(restored)
                    except ConfigApplyError:
                        pass
                raise _set_failed(directive.name, str(failure)) from None

    def protected_configs_allowed(self, client_is_local: bool) -> bool:
        """Whether protected configs (dir, dbfilename) may be set, per enable-protected-configs."""
        setting = self.enable_protected_configs
        return setting == "yes" or (setting == "local" and client_is_local)

    def _restore(self, old_values: dict[str, Any]) -> None:
        for attribute, value in old_values.items():
            setattr(self, attribute, value)

    def observe(self, name: str, callback: Callable[[Any], None]) -> None:
        """Call `callback(new_value)` after CONFIG SET changes directive `name`.

        The callback may raise ConfigApplyError(reason) to refuse the change.
        """
        directive = BY_NAME[name.lower()]
        self._observers.setdefault(directive.name, []).append(callback)

    def _notify(self, directive: Directive) -> None:
        value = getattr(self, directive.attribute)
        for callback in self._observers.get(directive.name, ()):
            callback(value)

    # -- CONFIG REWRITE -----------------------------------------------------------------------

    def rewrite(self, path: str | None = None) -> None:
        """CONFIG REWRITE: rewrite the config file in place, as Redis's rewriteConfig().

        Comments and lines of unknown directives are kept (unparsable ones are
        commented out with "# ??? "); each directive reuses its old lines, new
        non-default ones are appended after a "# Generated by CONFIG REWRITE"
        line, and the file is replaced atomically. Raises ConfigSetError.
        """
        path = path or self.config_file
        if path is None:
            raise ConfigSetError("ERR The server is running without a config file")
        try:
            content = self._rewritten_content(path)
            _replace_file(path, content)
        except OSError as error:
            raise ConfigSetError(
                f"ERR Rewriting config file: {os.strerror(error.errno or 0)}"
            ) from None

    def _rewritten_content(self, path: str) -> str:
        try:
            with open(path, "rb") as old_file:
                old_text = decode_text(old_file.read())
        except FileNotFoundError:
            old_text = ""
        lines: list[str] = []
        option_lines: dict[str, list[int]] = {}
        needs_signature = True
        for raw_line in old_text.split("\n") if old_text else []:
            line = raw_line.strip("\r\n\t ")
            if not line or line.startswith("#"):
                if line == REWRITE_SIGNATURE:
                    needs_signature = False
                lines.append(line)
                continue
            parts = split_args(encode_text(line))
            name = decode_text(parts[0]).lower() if parts else ""
            if parts is None or (name not in BY_NAME and name not in _KEPT_DIRECTIVES):
                lines.append("# ??? " + line)
                continue
            lines.append(line)
            directive = BY_NAME.get(name)
            if directive is not None:
                option_lines.setdefault(directive.name, []).append(len(lines) - 1)

        for directive in DIRECTIVES:
            value = getattr(self, directive.attribute)
            rewritten = directive.kind.rewrite(directive.name, value, directive.default)
            old = option_lines.pop(directive.name, [])
            new_lines, force = rewritten if rewritten is not None else ([], False)
            forced = force if isinstance(force, list) else [force] * len(new_lines)
            for new_line, line_forced in zip(new_lines, forced, strict=True):
                if old:
                    lines[old.pop(0)] = new_line
                elif line_forced:
                    if needs_signature:
                        lines.append(REWRITE_SIGNATURE)
                        needs_signature = False
                    lines.append(new_line)
            for orphan in old:
                lines[orphan] = ""

        content = []
        was_empty = False
        for line in lines:
            if not line:
                if was_empty:
                    continue
                was_empty = True
            else:
                was_empty = False
            content.append(line + "\n")
        return "".join(content)


# Lines that CONFIG REWRITE leaves as they are: directives outside the table.
_KEPT_DIRECTIVES = frozenset(("include", "rename-command"))


def _set_failed(name: str, reason: str) -> ConfigSetError:
    return ConfigSetError(
        f"ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}"
    )


def _replace_file(path: str, content: str) -> None:
    """Write `content` to a temporary file next to `path`, fsync it, and rename it over `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "wb") as new_file:
            new_file.write(encode_text(content))
            new_file.flush()
            os.fsync(new_file.fileno())
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
