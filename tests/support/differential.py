"""Differential testing: run the same input on redis-server and replkv, compare raw bytes.

`DifferentialCase` is a test case mixin with one redis-server and one replkv
shared by the tests of a class. Every test gets fresh connections, after
FLUSHALL and SELECT 0 on both servers, so tests stay independent (server-wide
settings changed with CONFIG SET do persist within a class).

Set REPLKV_DIFF_SUBJECT=redis-server to run a differential suite against two
redis-servers: a self-check of the tests themselves.
"""

import atexit
import os
from collections.abc import Callable, Sequence

import attrs

from tests.support.processes import ServerProcess, launcher
from tests.support.resp_client import Arg, RawClient, encode_command, reply_end
from tests.support.scenario import Scenario

Normaliser = Callable[[bytes], bytes]

SUBJECT_ENV = "REPLKV_DIFF_SUBJECT"
# How long a raw exchange waits for more bytes before it calls the outcome settled.
QUIET = 0.3
SETTLE_QUIET = 2.0
OVERLAP_QUIET = 0.05
REPLY_PREVIEW = 300
# A PUBLISH here after each command marks the end of the notifications it caused.
SENTINEL_CHANNEL = b"__keyevent@99__:sentinel"


@attrs.frozen
class Command:
    """One command to run on both servers, and how to normalise its replies first."""

    args: tuple[Arg, ...]
    normalise: Normaliser | None = None

    def __str__(self) -> str:
        return " ".join(_show_arg(arg) for arg in self.args)


def cmd(*args: Arg, normalise: Normaliser | None = None) -> Command:
    """A command whose replies legitimately differ, compared after `normalise`."""
    return Command(args, normalise)


def _show_arg(arg: Arg) -> str:
    text = arg.decode(errors="backslashreplace") if isinstance(arg, bytes) else str(arg)
    if not text or any(ch in text for ch in ' "\r\n'):
        return repr(text)
    return text if len(text) <= 60 else text[:57] + "..."


@attrs.frozen
class Mismatch:
    """A command whose (normalised) replies differ; the replies are shown raw."""

    index: int
    command: Command
    reply_a: bytes
    reply_b: bytes


def _as_command(item: "Command | Sequence[Arg]") -> Command:
    return item if isinstance(item, Command) else Command(tuple(item))


def _call(client: RawClient, command: Command) -> tuple[bytes, bool]:
    """The raw reply, or a marker and False when no reply came (the script must stop)."""
    try:
        return client.call(*command.args), True
    except (ConnectionError, TimeoutError) as exc:
        return f"<no reply: {type(exc).__name__}: {exc}>".encode(), False


def run_script(
    client_a: RawClient, client_b: RawClient, commands: Sequence["Command | Sequence[Arg]"]
) -> list[Mismatch]:
    """Run each command on both clients in turn; return the commands whose replies differ.

    Stops after a command that got no reply on either side, since the two
    connections are then out of step.
    """
    mismatches = []
    for index, item in enumerate(commands):
        command = _as_command(item)
        reply_a, ok_a = _call(client_a, command)
        reply_b, ok_b = _call(client_b, command)
        normalise = command.normalise or (lambda raw: raw)
        if not (ok_a and ok_b) or normalise(reply_a) != normalise(reply_b):
            mismatches.append(Mismatch(index, command, reply_a, reply_b))
        if not (ok_a and ok_b):
            break
    return mismatches


def _preview(raw: bytes) -> str:
    text = repr(raw)
    return text if len(text) <= REPLY_PREVIEW else text[: REPLY_PREVIEW - 3] + "..."


def format_mismatches(mismatches: Sequence[Mismatch], labels: tuple[str, str]) -> str:
    """A readable table: one block per differing command with both raw replies."""
    width = max(len(label) for label in labels)
    blocks = []
    for mismatch in mismatches:
        blocks.append(
            f"#{mismatch.index} {mismatch.command}\n"
            f"  {labels[0]:<{width}} {_preview(mismatch.reply_a)}\n"
            f"  {labels[1]:<{width}} {_preview(mismatch.reply_b)}"
        )
    return f"{len(mismatches)} replies differ:\n" + "\n".join(blocks)


# --- normalisers: applied to both raw replies before comparing -----------------


def _split_elements(raw: bytes) -> tuple[bytes, list[bytes]]:
    """An aggregate's header line and the raw bytes of each top-level element."""
    header_end = raw.index(b"\r\n") + 2
    count = int(raw[1 : header_end - 2])
    pairs = 2 if raw[:1] in (b"%", b"|") else 1
    elements, pos = [], header_end
    for _ in range(max(count, 0) * pairs):
        end = reply_end(raw, pos)
        assert end is not None, "normaliser given an incomplete reply"
        elements.append(raw[pos:end])
        pos = end
    return raw[:header_end], elements


def any_integer(raw: bytes) -> bytes:
    """Integer replies compare equal whatever their value (CLIENT ID, DBSIZE of a moving set)."""
    return b":<int>\r\n" if raw.startswith(b":") else raw


def any_bulk(raw: bytes) -> bytes:
    """Non-null bulk replies compare equal whatever their content."""
    return b"$<bulk>\r\n" if raw.startswith(b"$") and not raw.startswith(b"$-1") else raw


def shape_only(raw: bytes) -> bytes:
    """Keep types and aggregate sizes, drop every value (TIME, ROLE offsets)."""
    if raw[:1] in (b"*", b"~", b">", b"%", b"|"):
        header, elements = _split_elements(raw)
        return header + b"".join(shape_only(element) for element in elements)
    return raw[:1] + b"?\r\n"


def unordered(raw: bytes) -> bytes:
    """Top-level aggregate elements compare as a multiset (SMEMBERS, HGETALL pairs stay paired)."""
    if raw[:1] not in (b"*", b"~", b"%"):
        return raw
    header, elements = _split_elements(raw)
    if raw[:1] == b"%":
        pairs = [elements[i] + elements[i + 1] for i in range(0, len(elements), 2)]
        return header + b"".join(sorted(pairs))
    return header + b"".join(sorted(elements))


def info_fields(*names: str) -> Normaliser:
    """INFO replies compare on the named `field:value` lines only, in the given order."""
    wanted = [name.encode() for name in names]

    def normalise(raw: bytes) -> bytes:
        if not raw.startswith((b"$", b"=")):
            return raw
        body = raw[raw.index(b"\r\n") + 2 : -2]
        fields = dict(line.split(b":", 1) for line in body.split(b"\r\n") if b":" in line)
        return b"\n".join(name + b":" + fields.get(name, b"<missing>") for name in wanted)

    return normalise


# --- shared servers per test class ---------------------------------------------

# Trial does not call setUpClass, so servers start lazily on a class's first
# test. Classes run one after another, so a new class stops the previous
# class's servers; tearDownClass (pytest) and atexit (trial) stop the last.
_shared: dict[type, tuple[ServerProcess, ServerProcess]] = {}


def _stop_shared(keep: type | None = None) -> None:
    for owner in [owner for owner in _shared if owner is not keep]:
        for server in _shared.pop(owner):
            server.stop()


atexit.register(_stop_shared)


def _servers_for(case: type["DifferentialCase"]) -> tuple[ServerProcess, ServerProcess]:
    pair = _shared.get(case)
    if pair is not None and all(server.alive() for server in pair):
        return pair
    _stop_shared()  # also a pair with a crashed member: the next test starts clean
    redis = launcher("redis-server")(*case.redis_args)
    try:
        subject = launcher(case.subject_kind)(*case.replkv_args)
    except BaseException:
        redis.stop()
        raise
    _shared[case] = (redis, subject)
    return redis, subject


@attrs.frozen
class RawOutcome:
    """What a server did with raw input: the bytes it sent, and whether it closed."""

    data: bytes
    closed: bool


def _send_ignoring_close(client: RawClient, data: bytes) -> None:
    try:
        client.send_raw(data)
    except ConnectionError:
        pass  # closed mid-send on an over-long frame: what it sent first still counts


def _collect(client: RawClient, quiet: float) -> RawOutcome:
    received = client.read_until_quiet(quiet)
    return RawOutcome(received, client.closed())


def _settle(client: RawClient, outcome: RawOutcome) -> RawOutcome:
    """Wait longer for a slower server before calling a difference real."""
    if outcome.closed:
        return outcome
    more = client.read_until_quiet(SETTLE_QUIET)
    return RawOutcome(outcome.data + more, client.closed())


class DifferentialCase:
    """Mixin for trial test cases comparing replkv with redis-server byte for byte.

    Use as `class T(DifferentialCase, SynchronousTestCase)`. Class attributes
    `redis_args` / `replkv_args` add command-line arguments to each server.
    """

    redis_args: tuple[str, ...] = ()
    replkv_args: tuple[str, ...] = ()
    subject_kind: str = os.environ.get(SUBJECT_ENV, "replkv")

    redis_server: ServerProcess
    replkv_server: ServerProcess
    redis_client: RawClient
    replkv_client: RawClient

    # Provided by the TestCase this is mixed into.
    addCleanup: Callable[..., None]  # noqa: N815
    fail: Callable[[str], None]

    def setUp(self) -> None:  # noqa: N802
        super().setUp()  # type: ignore[misc]
        self.redis_server, self.replkv_server = _servers_for(type(self))
        self.redis_client, self.replkv_client = self.connect_pair()
        self.assertSameReplies([["FLUSHALL"], ["SELECT", "0"]])

    @classmethod
    def tearDownClass(cls) -> None:  # noqa: N802
        _stop_shared()
        super().tearDownClass()  # type: ignore[misc]

    @property
    def labels(self) -> tuple[str, str]:
        """Column labels for mismatch tables: reference first."""
        subject = "replkv" if self.subject_kind == "replkv" else f"{self.subject_kind} (subject)"
        return ("redis", subject)

    def connect_pair(self) -> tuple[RawClient, RawClient]:
        """New connections to redis-server and replkv, closed when the test ends."""
        redis = RawClient(self.redis_server.port)
        self.addCleanup(redis.close)
        replkv = RawClient(self.replkv_server.port)
        self.addCleanup(replkv.close)
        return redis, replkv

    def assertSameReplies(  # noqa: N802
        self,
        commands: Sequence[Command | Sequence[Arg]],
        clients: tuple[RawClient, RawClient] | None = None,
    ) -> None:
        """Run the commands on both servers in order; fail with a table if any reply differs.

        Each item is a list of arguments, or `cmd(*args, normalise=...)`.
        """
        redis, replkv = clients or (self.redis_client, self.replkv_client)
        mismatches = run_script(redis, replkv, commands)
        if mismatches:
            self.fail(format_mismatches(mismatches, self.labels) + self._crash_note())

    def listen(self, resp: int = 2) -> tuple[RawClient, RawClient]:
        """A listener on each server, PSUBSCRIBEd to every keyspace and keyevent channel."""
        listeners = self.connect_pair()
        for listener in listeners:
            if resp == 3:
                listener.call("HELLO", "3")
            listener.call("PSUBSCRIBE", "__key*__:*")
        return listeners

    def notifications(self, listener: RawClient) -> list[bytes]:
        """Everything listener received up to the sentinel (each read bounded)."""
        found = []
        while True:
            raw = listener.read_reply(timeout=2)
            if SENTINEL_CHANNEL in raw:
                return found
            found.append(raw)

    def assertSameNotifications(  # noqa: N802
        self, script: Sequence[Sequence[Arg]], listeners: tuple[RawClient, RawClient] | None = None
    ) -> list[list[bytes]]:
        """Run the script on both servers; after each command (EXEC for a queued
        transaction) a sentinel PUBLISH ends what the listeners read, and the
        notifications must match byte for byte. Returns redis-server's, per command."""
        listeners = listeners or self.listen()
        in_multi = False
        seen = []
        for argv in script:
            verb = argv[0].upper() if isinstance(argv[0], str) else argv[0]
            if in_multi or verb == "MULTI":
                # Queued: nothing happens before EXEC, whose sentinel ends them all.
                in_multi = verb not in ("EXEC", "DISCARD")
                if in_multi:
                    for client in (self.redis_client, self.replkv_client):
                        client.send_raw(encode_command(*argv))
                        client.read_reply(timeout=2)
                    continue
            outcomes = []
            for client, listener in zip(
                (self.redis_client, self.replkv_client), listeners, strict=True
            ):
                client.send_raw(encode_command(*argv))
                client.read_reply(timeout=2)
                client.send_raw(encode_command("PUBLISH", SENTINEL_CHANNEL, "end"))
                client.read_reply(timeout=2)
                outcomes.append(self.notifications(listener))
            self.assertEqual(outcomes[1], outcomes[0], f"after {argv!r}")  # type: ignore[attr-defined]
            seen.append(outcomes[0])
        return seen

    def assertSameScenario(self, steps: Sequence[tuple[str, Sequence[Arg]]]) -> None:  # noqa: N802
        """The same blocking scenario (tests/support/scenario.py) on both servers, after
        FLUSHALL: every client's replies must match, in order."""
        outcomes = []
        for server in (self.redis_server, self.replkv_server):
            scenario = Scenario(server.port)
            try:
                scenario.client("a").call("FLUSHALL")
                outcomes.append(scenario.run(steps))
            finally:
                scenario.close()
        self.assertEqual(outcomes[0], outcomes[1])  # type: ignore[attr-defined]

    def assertSameRawOutcome(self, data: bytes, quiet: float = QUIET) -> RawOutcome:  # noqa: N802
        """Send raw bytes on fresh connections to both; the replies and close-state must match.

        Returns redis's outcome.
        """
        redis, replkv = self.connect_pair()
        # Send to both before reading either, so the quiet periods overlap.
        _send_ignoring_close(redis, data)
        _send_ignoring_close(replkv, data)
        expected = _collect(redis, quiet)
        # replkv's bytes have had the whole quiet period to arrive meanwhile.
        actual = _collect(replkv, min(quiet, OVERLAP_QUIET))
        if expected != actual:
            expected, actual = _settle(redis, expected), _settle(replkv, actual)
        if expected != actual:
            self.fail(
                f"raw input {_preview(data)} ({len(data)} bytes)\n"
                f"  {self.labels[0]}: closed={expected.closed} sent {_preview(expected.data)}\n"
                f"  {self.labels[1]}: closed={actual.closed} sent {_preview(actual.data)}"
                + self._crash_note()
            )
        return expected

    def _crash_note(self) -> str:
        for server in (self.redis_server, self.replkv_server):
            if not server.alive():
                return (
                    f"\n{server.name} exited with status {server.returncode}; log tail:\n"
                    + server.log_text()[-3000:]
                )
        return ""
