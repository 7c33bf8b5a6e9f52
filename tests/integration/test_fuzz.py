"""Bounded protocol fuzzing: garbage on many connections must not hurt other clients.

Fuzz threads throw random bytes and malformed RESP at one server while a
well-formed client keeps checking SET/GET round trips. Afterwards the server
must be alive, answer PING, and have kept its RSS under a bound.

Reproducible: the seed is fixed (REPLKV_FUZZ_SEED overrides it) and printed in
every failure; each thread draws from its own Random(seed, thread number).
Thread interleaving is not reproducible, the inputs each thread sends are.
"""

import os
import random
import socket
import struct
import threading
import time
from collections.abc import Callable

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import SUBJECT_ENV
from tests.support.processes import ServerProcess, launcher, ping_answers, read_rss_kib
from tests.support.resp_client import RawClient, encode_command

SEED = int(os.environ.get("REPLKV_FUZZ_SEED", "20251125"))
FUZZ_SECONDS = 12.0
# The fuzzing goes on past FUZZ_SECONDS until the checker has made MIN_CHECKS round
# trips, so a slow machine gets more time rather than a failure; this bounds the extra.
EXTRA_SECONDS = 60.0
FUZZ_THREADS = 4
MAX_HELD_CONNECTIONS = 16  # per thread: connections left open mid-frame
CHECK_TIMEOUT = 10.0  # a well-formed command must be answered within this
MAX_RSS_KIB = 300 * 1024
MIN_CHECKS = 20  # the checker must have made progress, not just survived

SAFE_COMMANDS: list[list[bytes]] = [
    [b"PING"],
    [b"ECHO", b"hello"],
    [b"SET", b"fuzz:a", b"1"],
    [b"GET", b"fuzz:a"],
    [b"INCR", b"fuzz:n"],
    [b"DEL", b"fuzz:a"],
    [b"MGET", b"fuzz:a", b"fuzz:b"],
    [b"EXISTS", b"fuzz:a"],
    [b"HELLO", b"3"],
    [b"HELLO", b"2"],
]
RESP3_TYPE_BYTES = b"+-:$*_,#(!=%~|>"


def _valid_frame(rng: random.Random) -> bytes:
    return encode_command(*rng.choice(SAFE_COMMANDS))


def _random_bytes(rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(1, 4096))


def _bad_length(rng: random.Random) -> bytes:
    junk = rng.choice([b"abc", b"", b" 1", b"1x", b"0x10", b"+5", b"1.5", b"\x00", b"03"])
    return rng.choice([b"*%s\r\n", b"*1\r\n$%s\r\n"]) % junk


def _huge_length(rng: random.Random) -> bytes:
    size = rng.choice([10**6, 2**29, 2**31, 2**31 - 1, 2**63, 10**30, 536870912])
    frame = rng.choice([b"*%d\r\n", b"*1\r\n$%d\r\n", b"*2\r\n$3\r\nGET\r\n$%d\r\n"]) % size
    return frame + rng.randbytes(rng.randint(0, 2048))


def _negative_length(rng: random.Random) -> bytes:
    size = rng.choice([-1, -2, -5, -(2**31), -(2**63)])
    return rng.choice([b"*%d\r\n", b"*1\r\n$%d\r\n"]) % size + _valid_frame(rng)


def _nested_arrays(rng: random.Random) -> bytes:
    depth = rng.randint(1, 200)
    return b"*1\r\n" * depth + _valid_frame(rng)


def _unterminated_quotes(rng: random.Random) -> bytes:
    quote = rng.choice([b'"', b"'"])
    body = rng.choice([b"a b", b"\\x4", b"\\", b"x" * rng.randint(0, 100), b"a\\" + quote])
    end = rng.choice([b"\r\n", b"\n", b""])
    return b"SET " + quote + body + end


def _with_nuls(rng: random.Random) -> bytes:
    frame = bytearray(_valid_frame(rng) * rng.randint(1, 3))
    for _ in range(rng.randint(1, 4)):
        frame.insert(rng.randrange(len(frame) + 1), 0)
    return bytes(frame)


def _partial_frame(rng: random.Random) -> bytes:
    frame = _valid_frame(rng)
    return frame[: rng.randrange(1, len(frame))]


def _giant_inline(rng: random.Random) -> bytes:
    return rng.choice([b"SET ", b"", b"*"]) + b"x" * rng.randint(60_000, 200_000)


def _resp3_types(rng: random.Random) -> bytes:
    parts = [
        bytes([rng.choice(RESP3_TYPE_BYTES)]) + str(rng.randint(-3, 5)).encode() + b"\r\n"
        for _ in range(rng.randint(1, 8))
    ]
    return b"".join(parts)


def _mutated_pipeline(rng: random.Random) -> bytes:
    data = bytearray(b"".join(_valid_frame(rng) for _ in range(rng.randint(1, 30))))
    for _ in range(rng.randint(1, 5)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


GENERATORS: list[Callable[[random.Random], bytes]] = [
    _random_bytes,
    _bad_length,
    _huge_length,
    _negative_length,
    _nested_arrays,
    _unterminated_quotes,
    _with_nuls,
    _partial_frame,
    _giant_inline,
    _resp3_types,
    _mutated_pipeline,
]


class FuzzThread(threading.Thread):
    """Opens connections and sends generated garbage until told to stop."""

    def __init__(self, port: int, rng: random.Random, stop: threading.Event):
        super().__init__(daemon=True)
        self.port = port
        self.rng = rng
        self.stop = stop
        self.sent_frames = 0
        self.refused = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        held: list[socket.socket] = []
        try:
            while not self.stop.is_set():
                self._one_connection(held)
        except BaseException as exc:  # reported by the test, not lost in a thread
            self.error = exc
        finally:
            for sock in held:
                sock.close()

    def _one_connection(self, held: list[socket.socket]) -> None:
        rng = self.rng
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=1.0)
        except ConnectionRefusedError:
            self.refused += 1
            time.sleep(0.05)  # the server is gone or restarting; do not spin
            return
        keep_open = False
        try:
            for _ in range(rng.randint(1, 4)):
                data = rng.choice(GENERATORS)(rng)
                self._send_in_pieces(sock, data)
                self.sent_frames += 1
            if rng.random() < 0.5:
                self._drain(sock)
            keep_open = rng.random() < 0.2
        except OSError:
            pass  # the server closing on garbage is the expected outcome
        if keep_open:
            held.append(sock)
            if len(held) > MAX_HELD_CONNECTIONS:
                self._close(held.pop(rng.randrange(len(held))))
        else:
            self._close(sock)

    def _send_in_pieces(self, sock: socket.socket, data: bytes) -> None:
        """Split at random points so the server sees partial frames across reads."""
        cuts = sorted(self.rng.sample(range(1, len(data)), k=min(len(data) - 1, 3)))
        for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
            sock.sendall(data[start:end])

    def _drain(self, sock: socket.socket) -> None:
        sock.settimeout(0.02)
        try:
            while sock.recv(65536):
                pass
        except (TimeoutError, OSError):
            pass

    def _close(self, sock: socket.socket) -> None:
        if self.rng.random() < 0.3:
            # Abortive close (RST), as a crashing client would.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


class FuzzTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server: ServerProcess = launcher(os.environ.get(SUBJECT_ENV, "replkv"))()
        self.addCleanup(self.server.stop)

    def fail_with_seed(self, message: str) -> None:
        """Fail, naming the seed and the server log tail."""
        self.fail(
            f"[fuzz seed {SEED}; rerun with REPLKV_FUZZ_SEED={SEED}] {message}\n"
            f"server log tail:\n{self.server.log_text()[-3000:]}"
        )

    def test_garbage_does_not_disturb_well_formed_clients(self) -> None:
        stop = threading.Event()
        threads = [
            FuzzThread(self.server.port, random.Random(f"{SEED}:{number}"), stop)
            for number in range(FUZZ_THREADS)
        ]
        for thread in threads:
            thread.start()
        try:
            checks, max_rss = self._check_while_fuzzing(random.Random(f"{SEED}:checker"))
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10.0)
        for thread in threads:
            if thread.is_alive():
                self.fail_with_seed("a fuzz thread did not stop within 10 s of being told")
            if thread.error is not None:
                self.fail_with_seed(f"fuzz thread error: {thread.error!r}")
        if not self.server.alive():
            self.fail_with_seed(f"server exited with status {self.server.returncode}")
        if not ping_answers(self.server.port, timeout=CHECK_TIMEOUT):
            self.fail_with_seed("server does not answer PING after fuzzing")
        if checks < MIN_CHECKS:
            limit = FUZZ_SECONDS + EXTRA_SECONDS
            self.fail_with_seed(f"only {checks} SET/GET checks completed in {limit}s")
        if max_rss > MAX_RSS_KIB:
            self.fail_with_seed(f"RSS reached {max_rss} KiB (bound {MAX_RSS_KIB} KiB)")
        frames = sum(thread.sent_frames for thread in threads)
        self.assertGreater(frames, 0)

    def _check_while_fuzzing(self, rng: random.Random) -> tuple[int, int]:
        """SET/GET round trips for FUZZ_SECONDS and at least MIN_CHECKS times (within
        EXTRA_SECONDS more); returns (checks done, peak RSS in KiB)."""
        checks, max_rss = 0, 0
        client = RawClient(self.server.port, timeout=CHECK_TIMEOUT)
        self.addCleanup(client.close)
        started = time.monotonic()
        deadline, limit = started + FUZZ_SECONDS, started + FUZZ_SECONDS + EXTRA_SECONDS
        while (now := time.monotonic()) < deadline or (checks < MIN_CHECKS and now < limit):
            key = b"check:%d" % checks
            value = rng.randbytes(rng.randint(0, 200))
            try:
                set_reply = client.call(b"SET", key, value)
                get_reply = client.call(b"GET", key)
            except (TimeoutError, ConnectionError) as exc:
                self.fail_with_seed(f"well-formed client got no answer: {exc!r}")
            if set_reply != b"+OK\r\n":
                self.fail_with_seed(f"SET {key!r} answered {set_reply!r}")
            expected = b"$%d\r\n%s\r\n" % (len(value), value)
            if get_reply != expected:
                self.fail_with_seed(f"GET {key!r} answered {get_reply!r}, expected {expected!r}")
            checks += 1
            if checks % 20 == 0 and self.server.alive():
                max_rss = max(max_rss, read_rss_kib(self.server.pid))
        if self.server.alive():
            max_rss = max(max_rss, read_rss_kib(self.server.pid))
        return checks, max_rss
