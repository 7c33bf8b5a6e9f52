"""Fill a server fast and watch its PING round trips while a BGSAVE runs.

Shared by `bench/persistence.py` and `tests/integration/test_bgsave_latency.py`: a raw
socket, pre-encoded pipelined commands, every wait bounded.
"""

from __future__ import annotations

import socket
import time

import attrs

from tests.support.resp_client import encode_command

PING = b"*1\r\n$4\r\nPING\r\n"
PONG = b"+PONG\r\n"
INFO_PERSISTENCE = encode_command("INFO", "persistence")


def connect(port: int, timeout: float) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _drain_simple(sock: socket.socket, replies: int, deadline: float) -> None:
    """Read `replies` one-line replies (+OK, +PONG, :N); raise on an error reply."""
    buf = b""
    seen = 0
    while seen < replies:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{seen} of {replies} replies before the deadline")
        data = sock.recv(1 << 20)
        if not data:
            raise ConnectionError("the server closed the connection")
        buf += data
        *lines, buf = buf.split(b"\r\n")
        for line in lines:
            if line.startswith(b"-"):
                raise RuntimeError(f"error reply: {line[:200]!r}")
        seen += len(lines)


def fill_keys(
    port: int,
    keys: int,
    *,
    per_command: int = 1000,
    commands_per_batch: int = 20,
    value: bytes = b"value",
    timeout: float = 300.0,
) -> None:
    """Write `keys` small string keys `key:N` = value: MSET of per_command keys each,
    or one SET per key when per_command is 1 (one event each), pipelined in batches."""
    deadline = time.monotonic() + timeout
    with connect(port, timeout) as sock:
        start = 0
        while start < keys:
            parts: list[bytes] = []
            sent = 0
            while sent < commands_per_batch and start < keys:
                stop = min(start + per_command, keys)
                if per_command == 1:
                    key = b"key:%d" % start
                    parts.append(
                        b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                        % (len(key), key, len(value), value)
                    )
                else:
                    args: list[bytes] = [b"MSET"]
                    for i in range(start, stop):
                        args += (b"key:%d" % i, value)
                    parts.append(encode_command(*args))
                start = stop
                sent += 1
            sock.sendall(b"".join(parts))
            _drain_simple(sock, sent, deadline)


def info_fields(sock: socket.socket, command: bytes, deadline: float) -> dict[str, str]:
    """Send an INFO command on sock and parse its `field:value` lines."""
    sock.sendall(command)
    buf = b""
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("no INFO reply before the deadline")
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        buf += data
        header_end = buf.find(b"\r\n")
        if header_end > 0 and buf[:1] == b"$":
            size = int(buf[1:header_end])
            if len(buf) >= header_end + 2 + size + 2:
                body = buf[header_end + 2 : header_end + 2 + size].decode()
                break
    fields = {}
    for line in body.splitlines():
        name, sep, field_value = line.partition(":")
        if sep:
            fields[name] = field_value
    return fields


def ping_rtt(sock: socket.socket, deadline: float) -> float:
    """One PING round trip, in seconds."""
    started = time.perf_counter()
    sock.sendall(PING)
    buf = b""
    while len(buf) < len(PONG):
        if time.monotonic() > deadline:
            raise TimeoutError("no PONG before the deadline")
        data = sock.recv(64)
        if not data:
            raise ConnectionError("the server closed the connection")
        buf += data
    if buf != PONG:
        raise RuntimeError(f"PING answered {buf!r}")
    return time.perf_counter() - started


@attrs.frozen
class BgsaveLatency:
    """PING round trips measured while one BGSAVE ran."""

    pings: int
    max_rtt: float
    # The longest time between two consecutive PONGs (includes the ~1 ms pause and the
    # INFO polls between them).
    max_gap: float
    median_rtt: float
    bgsave_seconds: float
    status: str
    latest_fork_usec: int

    def as_dict(self) -> dict[str, object]:
        return attrs.asdict(self)


def probe_bgsave(port: int, *, interval: float = 0.001, timeout: float = 120.0) -> BgsaveLatency:
    """Start a BGSAVE and PING every `interval` until rdb_bgsave_in_progress is 0."""
    deadline = time.monotonic() + timeout
    with connect(port, timeout) as sock, connect(port, timeout) as control:
        ping_rtt(sock, deadline)
        control.sendall(encode_command("BGSAVE"))
        started = time.perf_counter()
        reply = control.recv(256)
        if not reply.startswith(b"+Background saving started"):
            raise RuntimeError(f"BGSAVE answered {reply!r}")
        rtts: list[float] = []
        last_pong = started
        max_gap = 0.0
        next_poll = started
        while True:
            rtt = ping_rtt(sock, deadline)
            now = time.perf_counter()
            rtts.append(rtt)
            max_gap = max(max_gap, now - last_pong)
            last_pong = now
            if now >= next_poll:
                next_poll = now + 0.02
                fields = info_fields(control, INFO_PERSISTENCE, deadline)
                if fields["rdb_bgsave_in_progress"] == "0":
                    break
            time.sleep(interval)
        elapsed = time.perf_counter() - started
        stats = info_fields(control, encode_command("INFO", "stats"), deadline)
    rtts.sort()
    return BgsaveLatency(
        pings=len(rtts),
        max_rtt=rtts[-1],
        max_gap=max_gap,
        median_rtt=rtts[len(rtts) // 2],
        bgsave_seconds=elapsed,
        status=fields["rdb_last_bgsave_status"],
        latest_fork_usec=int(stats["latest_fork_usec"]),
    )
