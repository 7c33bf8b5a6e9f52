"""DEBUG, INFO, CONFIG and COMMAND compared with a real redis-server 7.0.15."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from replkv.commands import registry
from replkv.resp3 import element_end
from tests.support.differential import (
    DifferentialCase,
    Normaliser,
    any_bulk,
    cmd,
    info_fields,
    shape_only,
)
from tests.support.resp_client import RawClient, parse_reply

DEBUG_ON = ("--enable-debug-command", "yes")
# Directives Redis does not have (replica.py: ReplicaLink.history_rewind()).
REPLKV_ONLY_DIRECTIVES = {b"replica-allow-history-rewind"}


def info_layout(raw: bytes) -> bytes:
    """An INFO reply reduced to its section titles and field names, in order."""
    if not raw.startswith((b"$", b"=")):
        return raw
    body = raw[raw.index(b"\r\n") + 2 : -2]
    return b"\n".join(line.split(b":", 1)[0] for line in body.split(b"\r\n"))


# Fields whose presence depends on what ran before (per-command and per-error lines).
_VARIABLE_PREFIXES = (b"cmdstat_", b"errorstat_", b"latency_percentiles_usec_", b"db")


def info_layout_fixed(raw: bytes) -> bytes:
    lines = info_layout(raw).split(b"\n")
    return b"\n".join(line for line in lines if not line.startswith(_VARIABLE_PREFIXES))


def pairs_unordered(raw: bytes) -> bytes:
    """A flat name/value array compared as a set of pairs (Redis answers in dict order)."""
    items = parse_reply(raw)
    if not isinstance(items, list):
        return raw
    return repr(sorted(zip(items[::2], items[1::2], strict=True))).encode()


def legacy_fields(raw: bytes) -> bytes:
    """COMMAND INFO entries cut to name, arity, flags, keys and ACL categories.

    Tips and key specs are declared only for some commands so far.
    """
    items = parse_reply(raw)
    if not isinstance(items, list):
        return raw
    return repr([item[:7] if isinstance(item, list) else item for item in items]).encode()


def _elements(raw: bytes) -> tuple[bytes, list[bytes]]:
    """An aggregate's type byte and the raw bytes of its top-level elements (map: k, v, …)."""
    header_end = raw.index(b"\r\n") + 2
    count = int(raw[1 : header_end - 2]) * (2 if raw[:1] == b"%" else 1)
    elements, pos = [], header_end
    for _ in range(count):
        end = element_end(raw, pos)
        elements.append(raw[pos:end])
        pos = end
    assert pos == len(raw), raw[pos:]
    return raw[:1], elements


def _aggregate(kind: bytes, pairs: list[tuple[bytes, bytes]]) -> bytes:
    """A map (RESP3) or flat array (RESP2) of pairs."""
    count = len(pairs) if kind == b"%" else 2 * len(pairs)
    return b"%b%d\r\n%b" % (kind, count, b"".join(key + value for key, value in pairs))


def _pairs(elements: list[bytes]) -> list[tuple[bytes, bytes]]:
    return list(zip(elements[::2], elements[1::2], strict=True))


SUBCOMMANDS_KEY = b"$11\r\nsubcommands\r\n"


def _docs_with_sorted_subcommands(docs: bytes, implemented: set[bytes]) -> bytes:
    """One command's docs map, its subcommands cut to `implemented` and sorted by name."""
    kind, elements = _elements(docs)
    fields = _pairs(elements)
    for index, (key, value) in enumerate(fields):
        if key == SUBCOMMANDS_KEY:
            sub_kind, sub_elements = _elements(value)
            subs = sorted(
                (name, sub)
                for name, sub in _pairs(sub_elements)
                if name[name.index(b"\n") + 1 : -2] in implemented
            )
            fields[index] = (key, _aggregate(sub_kind, subs))
    return _aggregate(kind, fields)


def implemented_names() -> set[bytes]:
    """Every command and `container|sub` name replkv implements."""
    registry.load()
    names = set()
    for name, command in registry.COMMANDS.items():
        names.add(name)
        names.update(sub.name.encode() for sub in (command.subcommands or {}).values())
    return names


def docs_comparable(only_implemented: bool = False) -> Normaliser:
    """A COMMAND DOCS reply with each container's subcommands restricted to replkv's
    and sorted (Redis lists all of its own, in its seeded hash table's order); with
    `only_implemented`, also the entries cut to replkv's commands and sorted by name.
    """
    implemented = implemented_names()

    def normalise(raw: bytes) -> bytes:
        if not raw.startswith((b"%", b"*")):
            return raw
        kind, elements = _elements(raw)
        entries = [
            (name, _docs_with_sorted_subcommands(docs, implemented))
            for name, docs in _pairs(elements)
            if not only_implemented or name[name.index(b"\n") + 1 : -2] in implemented
        ]
        return _aggregate(kind, sorted(entries) if only_implemented else entries)

    return normalise


class DebugVsRedis(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def test_digest_of_strings(self) -> None:
        self.assertSameReplies(
            [
                ["DEBUG", "DIGEST"],
                ["SET", "a", "1"],
                ["SET", "b\x00\r\n", "hello"],
                ["SET", "c", "x" * 100, "PX", "100000000"],
                ["APPEND", "b\x00\r\n", "world"],
                ["SELECT", "5"],
                ["SET", "a", ""],
                ["DEBUG", "DIGEST"],
                ["DEBUG", "DIGEST-VALUE", "a", "nokey"],
                ["SELECT", "0"],
                ["DEBUG", "DIGEST-VALUE", "a", "b\x00\r\n", "c"],
                ["DEBUG", "DIGEST-VALUE"],
            ]
        )

    def test_errors(self) -> None:
        self.assertSameReplies(
            [
                ["DEBUG"],
                ["DEBUG", "nosuch"],
                ["DEBUG", "digest", "x"],
                ["DEBUG", "object"],
                ["DEBUG", "object", "nokey"],
                ["DEBUG", "sleep"],
                ["DEBUG", "sleep", "0"],
                ["DEBUG", "set-active-expire"],
                ["DEBUG", "set-active-expire", "1"],
            ]
        )

    def test_object_form(self) -> None:
        def form(raw: bytes) -> bytes:
            import re

            return re.sub(rb"0x[0-9a-f]+|lru:\d+|lru_seconds_idle:\d+", b"#", raw)

        self.assertSameReplies(
            [
                ["SET", "i", "12"],
                ["SET", "e", "hello"],
                ["SET", "r", "yy"],
                ["APPEND", "r", "z"],
                cmd("DEBUG", "OBJECT", "i", normalise=form),
                cmd("DEBUG", "OBJECT", "e", normalise=form),
                cmd("DEBUG", "OBJECT", "r", normalise=form),
            ]
        )


class DebugRefusedVsRedis(DifferentialCase, SynchronousTestCase):
    def test_refused_without_the_option(self) -> None:
        self.assertSameReplies(
            [["DEBUG", "DIGEST"], ["DEBUG"], ["MULTI"], ["DEBUG", "DIGEST"], ["EXEC"]]
        )


class InfoWithLogOnDiskVsRedis(DifferentialCase, SynchronousTestCase):
    redis_args = ("--appendonly", "yes")
    replkv_args = ("--appendonly", "yes")

    def test_persistence_fields(self) -> None:
        self.assertSameReplies(
            [["SET", "a", "1"], cmd("INFO", "persistence", normalise=info_layout_fixed)]
        )


class InfoVsRedis(DifferentialCase, SynchronousTestCase):
    def test_section_and_field_names(self) -> None:
        for args in (
            [],
            ["default"],
            ["server"],
            ["clients"],
            ["memory"],
            ["persistence"],
            ["stats"],
            ["replication"],
            ["cpu"],
            ["cluster"],
            ["keyspace"],
            ["modules"],
            ["keyspace", "SERVER"],
            ["nosuch"],
        ):
            self.assertSameReplies([cmd("INFO", *args, normalise=info_layout_fixed)])

    def test_all_and_everything_sections(self) -> None:
        def titles(raw: bytes) -> bytes:
            return b"\n".join(n for n in info_layout(raw).split(b"\n") if n.startswith(b"#"))

        self.assertSameReplies(
            [cmd("INFO", "all", normalise=titles), cmd("INFO", "everything", normalise=titles)]
        )

    def test_keyspace_line(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "a", "1"],
                ["SET", "b", "2"],
                ["SELECT", "2"],
                ["SET", "c", "3"],
                ["INFO", "keyspace"],
            ]
        )

    def test_keyspace_hits_and_misses(self) -> None:
        self.assertSameReplies(
            [
                ["CONFIG", "RESETSTAT"],
                ["SET", "a", "1"],
                ["GET", "a"],
                ["GET", "missing"],
                ["EXISTS", "a", "missing"],
                ["TYPE", "a"],
                ["MGET", "a", "missing"],
                ["INCR", "a"],
                cmd("INFO", "stats", normalise=info_fields("keyspace_hits", "keyspace_misses")),
            ]
        )

    def test_resp3_verbatim(self) -> None:
        self.assertSameReplies(
            [cmd("HELLO", "3", normalise=shape_only), ["INFO", "cluster"], ["INFO", "nosuch"]]
        )


class ConfigVsRedis(DifferentialCase, SynchronousTestCase):
    def test_get_common_directives(self) -> None:
        self.assertSameReplies(
            [
                ["CONFIG", "GET", "maxmemory"],
                cmd(
                    "CONFIG",
                    "GET",
                    "hz",
                    "maxmemory-policy",
                    "appendonly",
                    "databases",
                    normalise=pairs_unordered,
                ),
                cmd("CONFIG", "GET", "repl-*", normalise=pairs_unordered),
                ["CONFIG", "GET", "repl-backlog-size"],
                ["CONFIG", "GET", "nosuch"],
                ["CONFIG", "GET"],
                ["CONFIG", "SET", "hz"],
                ["CONFIG", "SET", "hz", "15", "maxmemory"],
                ["CONFIG", "SET", "hz", "15", "hz", "16"],
                ["CONFIG", "SET", "nosuch", "1"],
                ["CONFIG", "SET", "hz", "15"],
                ["CONFIG", "GET", "hz"],
                ["CONFIG", "SET", "hz", "10"],
                ["CONFIG", "RESETSTAT"],
                ["CONFIG", "HELP", "x"],
                ["CONFIG", "nosuch"],
                ["CONFIG"],
            ]
        )

    def config_get_all(self, client: RawClient) -> dict[bytes, bytes]:
        items = parse_reply(client.call("CONFIG", "GET", "*"))
        assert isinstance(items, list)
        return dict(zip(items[::2], items[1::2], strict=True))

    def test_get_star_names_match(self) -> None:
        """Every directive (and alias) redis-server 7.0 knows, and no other but replkv's own."""
        redis_names = set(self.config_get_all(self.redis_client))
        replkv_names = set(self.config_get_all(self.replkv_client)) - REPLKV_ONLY_DIRECTIVES
        self.assertEqual(
            (sorted(redis_names - replkv_names), sorted(replkv_names - redis_names)), ([], [])
        )

    def test_get_star_values_match(self) -> None:
        """Defaults shown as Redis shows them, but for what the two command lines set."""
        launched_differently = {b"port", b"dir", b"bind", b"save", b"logfile"}
        redis_values = self.config_get_all(self.redis_client)
        replkv_values = self.config_get_all(self.replkv_client)
        differing = {
            name: (value, replkv_values.get(name))
            for name, value in redis_values.items()
            if name not in launched_differently and replkv_values.get(name) != value
        }
        self.assertEqual(differing, {})

    def test_set_directives_accepted_but_not_acted_on(self) -> None:
        self.assertSameReplies(
            [
                ["CONFIG", "SET", "propagation-error-behavior", "x"],
                ["CONFIG", "SET", "propagation-error-behavior", "panic"],
                ["CONFIG", "GET", "propagation-error-behavior"],
                ["CONFIG", "SET", "propagation-error-behavior", "ignore"],
                ["CONFIG", "SET", "shutdown-on-sigint", "now save"],
                ["CONFIG", "GET", "shutdown-on-sigint"],
                ["CONFIG", "SET", "shutdown-on-sigint", "nosave save"],
                ["CONFIG", "SET", "shutdown-on-sigint", ""],
                ["CONFIG", "SET", "shutdown-on-sigint", "default"],
                ["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 2kb 3"],
                ["CONFIG", "GET", "client-output-buffer-limit"],
                ["CONFIG", "SET", "client-output-buffer-limit", "normal 1 2"],
                ["CONFIG", "SET", "client-output-buffer-limit", "master 1 2 3"],
                ["CONFIG", "SET", "client-output-buffer-limit", "normal 1 2 -1"],
                ["CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60"],
                ["CONFIG", "SET", "maxmemory-clients", "5%"],
                ["CONFIG", "GET", "maxmemory-clients"],
                ["CONFIG", "SET", "maxmemory-clients", "101%"],
                ["CONFIG", "SET", "maxmemory-clients", "-5"],
                ["CONFIG", "SET", "maxmemory-clients", "0"],
                ["CONFIG", "SET", "latency-tracking-info-percentiles", "50.5 1e1 0x10"],
                ["CONFIG", "GET", "latency-tracking-info-percentiles"],
                ["CONFIG", "SET", "latency-tracking-info-percentiles", "x"],
                ["CONFIG", "SET", "latency-tracking-info-percentiles", "inf"],
                ["CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"],
                ["CONFIG", "SET", "oom-score-adj-values", "1 2"],
                ["CONFIG", "SET", "oom-score-adj-values", "1 2 2001"],
                ["CONFIG", "SET", "oom-score-adj", "relative"],
                ["CONFIG", "GET", "oom-score-adj"],
                ["CONFIG", "SET", "oom-score-adj", "no"],
                ["CONFIG", "SET", "proc-title-template", "{x}"],
                ["CONFIG", "SET", "proc-title-template", "{title}"],
                ["CONFIG", "SET", "cluster-announce-hostname", "a_b"],
                ["CONFIG", "SET", "activedefrag", "yes"],
                ["CONFIG", "SET", "active-defrag-cycle-min", "100"],
                ["CONFIG", "SET", "acl-pubsub-default", "x"],
                ["CONFIG", "SET", "tls-auth-clients", "x"],
                ["CONFIG", "SET", "unixsocketperm", "700"],
                ["CONFIG", "SET", "socket-mark-id", "1"],
                ["CONFIG", "SET", "syslog-facility", "local1"],
                ["CONFIG", "SET", "replica-ignore-disk-write-errors", "x"],
            ]
        )

    def test_time_lastsave_shutdown_errors(self) -> None:
        self.assertSameReplies(
            [
                cmd("TIME", normalise=shape_only),
                cmd("LASTSAVE", normalise=shape_only),
                ["TIME", "x"],
                ["SHUTDOWN", "foo"],
                ["SHUTDOWN", "ABORT"],
                ["SHUTDOWN", "ABORT", "NOSAVE"],
                ["SHUTDOWN", "SAVE", "NOSAVE"],
                ["LOLWUT"],
                ["LOLWUT", "VERSION", "1"],
                ["LOLWUT", "VERSION", "x"],
                cmd("LOLWUT", "VERSION", "5", normalise=lambda raw: raw[-68:]),
            ]
        )


class CommandVsRedis(DifferentialCase, SynchronousTestCase):
    def test_info_of_a_few_commands(self) -> None:
        self.assertSameReplies(
            [
                ["COMMAND", "INFO", "get"],
                cmd("COMMAND", "INFO", "mset", "nosuch", normalise=legacy_fields),
                ["COMMAND", "INFO", "config|get"],
                ["COMMAND", "INFO", "debug", "time", "info", "lastsave", "shutdown"],
                cmd("COMMAND", "INFO", "incr", "echo", "ping", "set", normalise=legacy_fields),
                ["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"],
                ["COMMAND", "GETKEYS", "get"],
                ["COMMAND", "GETKEYS", "set", "a"],
                ["COMMAND", "GETKEYS", "nosuch", "a"],
                ["COMMAND", "GETKEYS", "ping", "x"],
                ["COMMAND", "LIST", "FILTERBY", "foo"],
                ["COMMAND", "LIST", "FILTERBY", "module", "x"],
                ["COMMAND", "DOCS", "nosuch"],
                cmd("COMMAND", "COUNT", normalise=lambda raw: raw[:1]),
                ["COMMAND", "nosuch"],
            ]
        )

    def test_info_of_every_implemented_command(self) -> None:
        # ACL categories, tips and key specs; a container's subcommands are compared
        # one by one, since Redis lists them in its seeded hash table's order.
        registry.load()
        names = []
        for name, command in sorted(registry.COMMANDS.items()):
            if command.subcommands is None:
                names.append(name)
            else:
                names += [name + b"|" + sub for sub in sorted(command.subcommands)]
        infos = [["COMMAND", "INFO", name] for name in names]
        self.assertSameReplies(infos)
        self.assertSameReplies([cmd("HELLO", "3", normalise=lambda raw: raw[:1]), *infos])

    def test_docs_of_every_implemented_command(self) -> None:
        # Every command, container and subcommand, alone, in RESP2 then RESP3.
        comparable = docs_comparable()
        docs = [
            cmd("COMMAND", "DOCS", name, normalise=comparable)
            for name in sorted(implemented_names())
        ]
        self.assertSameReplies(docs)
        self.assertSameReplies([cmd("HELLO", "3", normalise=lambda raw: raw[:1]), *docs])

    def test_docs_of_several_and_of_all_commands(self) -> None:
        comparable = docs_comparable()
        several = [
            cmd("COMMAND", "DOCS", *names, normalise=comparable)
            for names in [
                ["get", "set", "nosuch", "config|get", "hset", "GET"],
                ["config", "Client|List", "nosuch|x", "get|x", "object", "zadd"],
                ["nosuch", "nosuch2"],
            ]
        ]
        everything = cmd("COMMAND", "DOCS", normalise=docs_comparable(only_implemented=True))
        self.assertSameReplies([*several, everything])
        self.assertSameReplies(
            [cmd("HELLO", "3", normalise=lambda raw: raw[:1]), *several, everything]
        )

    def test_getkeysandflags(self) -> None:
        self.assertSameReplies(
            [
                ["COMMAND", "GETKEYSANDFLAGS", *argv]
                for argv in [
                    ["set", "k", "v"],
                    ["set", "k", "v", "get"],
                    ["set", "k", "v", "NX", "GeT"],
                    ["rename", "a", "b"],
                    ["renamenx", "a", "b"],
                    ["copy", "a", "b", "db", "1"],
                    ["del", "a", "b"],
                    ["mset", "a", "1", "b", "2"],
                    ["msetnx", "a", "1"],
                    ["object", "encoding", "k"],
                    ["getex", "k"],
                    ["get", "k"],
                    ["append", "k", "v"],
                    ["exists", "a", "b"],
                    ["getdel", "k"],
                    ["incr", "k"],
                    ["watch", "a"],
                ]
            ]  # fmt: skip
        )

    def test_count_matches_list_of_top_level_names(self) -> None:
        client = RawClient(self.replkv_server.port)
        self.addCleanup(client.close)
        count = int(client.call("COMMAND", "COUNT")[1:-2])
        everything = client.call("COMMAND")
        self.assertTrue(everything.startswith(b"*%d\r\n" % count))
        self.assertEqual(any_bulk(b"$1\r\nx\r\n"), b"$<bulk>\r\n")
