"""The replica's handshake with its master, as a state machine over reply lines.

replication.c: syncWithMaster() and slaveTryPartialResynchronization(): PING, then
AUTH / REPLCONF listening-port / REPLCONF ip-address / REPLCONF capa written together,
their replies read one line each, then PSYNC. The machine does no I/O: it returns the
bytes to write and ends with an outcome (`FullResync` or `Continue`), or raises
HandshakeError (the link is dropped and retried).
"""

from __future__ import annotations

import attrs
from twisted.logger import Logger

from replkv.reply import encode_command

log = Logger()

PING = encode_command([b"PING"])


class HandshakeError(Exception):
    """The attempt failed; the message is what Redis logs. The link retries later."""


@attrs.frozen
class FullResync:
    """`+FULLRESYNC <replid> <offset>`: a snapshot follows."""

    replid: str
    offset: int


@attrs.frozen
class Continue:
    """`+CONTINUE [<replid>]`: the stream resumes after the cached offset."""

    replid: str | None


@attrs.frozen
class HandshakeSettings:
    """What the replica announces: its port and address, credentials, cached master."""

    listening_port: int
    announce_ip: str = ""
    masteruser: str = ""
    masterauth: str = ""
    # (replid, offset of the last byte applied) of the cached master, or None.
    cached: tuple[str, int] | None = None


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace")


class Handshake:
    """One attempt's handshake. `start()` gives the PING; feed each reply line (without
    its line ending) to `line_received()`, which returns the bytes to write next."""

    def __init__(self, settings: HandshakeSettings) -> None:
        self.settings = settings
        self.state = "connecting"
        # Replies still expected for the pipelined burst, in order.
        self._expected: list[str] = []
        self.outcome: FullResync | Continue | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def start(self) -> bytes:
        self.state = "receive_ping_reply"
        return PING

    def line_received(self, line: bytes) -> bytes:
        """Handle one reply line; returns what to send (maybe nothing)."""
        if self.state == "receive_ping_reply":
            return self._ping_reply(line)
        if self.state == "receive_burst_replies":
            return self._burst_reply(line)
        if self.state == "receive_psync_reply":
            self._psync_reply(line)
            return b""
        raise HandshakeError(f"Unexpected line from MASTER during the handshake: '{_text(line)}'")

    def _ping_reply(self, line: bytes) -> bytes:
        if not (
            line.startswith((b"+", b"-NOAUTH", b"-NOPERM"))
            or line.startswith(b"-ERR operation not permitted")
        ):
            raise HandshakeError(f"Error reply to PING from master: '{_text(line)}'")
        log.info("Master replied to PING, replication can continue...")
        settings = self.settings
        burst: list[bytes] = []
        if settings.masterauth:
            auth = [b"AUTH"]
            if settings.masteruser:
                auth.append(settings.masteruser.encode())
            auth.append(settings.masterauth.encode())
            burst.append(encode_command(auth))
            self._expected.append("auth")
        burst.append(
            encode_command([b"REPLCONF", b"listening-port", b"%d" % settings.listening_port])
        )
        self._expected.append("port")
        if settings.announce_ip:
            burst.append(
                encode_command([b"REPLCONF", b"ip-address", settings.announce_ip.encode()])
            )
            self._expected.append("ip")
        burst.append(encode_command([b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]))
        self._expected.append("capa")
        self.state = "receive_burst_replies"
        return b"".join(burst)

    def _burst_reply(self, line: bytes) -> bytes:
        what = self._expected.pop(0)
        if line[:1] == b"-":
            error = _text(line)
            if what == "auth":
                raise HandshakeError(f"Unable to AUTH to MASTER: {error}")
            if what == "port":
                log.info(
                    "(Non critical) Master does not understand REPLCONF listening-port: {e}",
                    e=error,
                )
            elif what == "ip":
                log.info(
                    "(Non critical) Master does not understand REPLCONF ip-address: {e}", e=error
                )
            else:
                log.info("(Non critical) Master does not understand REPLCONF capa: {e}", e=error)
        if self._expected:
            return b""
        return self._psync()

    def _psync(self) -> bytes:
        cached = self.settings.cached
        if cached is None:
            log.info("Partial resynchronization not possible (no cached master)")
            argv = [b"PSYNC", b"?", b"-1"]
        else:
            replid, offset = cached
            log.info(
                "Trying a partial resynchronization (request {replid}:{offset}).",
                replid=replid,
                offset=offset + 1,
            )
            argv = [b"PSYNC", replid.encode(), b"%d" % (offset + 1)]
        self.state = "receive_psync_reply"
        return encode_command(argv)

    def _psync_reply(self, line: bytes) -> None:
        if not line:
            return  # a keepalive while the master prepares
        if line.startswith(b"+FULLRESYNC"):
            parts = line.split()
            replid, offset = "0" * 40, -1
            if len(parts) == 3 and len(parts[1]) == 40:
                try:
                    replid, offset = parts[1].decode(), int(parts[2])
                except (UnicodeDecodeError, ValueError):
                    replid, offset = "0" * 40, -1
            if offset < 0:
                log.warn("Master replied with wrong +FULLRESYNC syntax.")
            else:
                log.info("Full resync from master: {replid}:{offset}", replid=replid, offset=offset)
            self.outcome = FullResync(replid, offset)
        elif line == b"+CONTINUE" or line.startswith(b"+CONTINUE "):
            new_id = line[10:].strip()
            log.info("Successful partial resynchronization with master.")
            self.outcome = Continue(new_id.decode() if len(new_id) == 40 else None)
        elif line.startswith((b"-NOMASTERLINK", b"-LOADING")):
            raise HandshakeError(
                f"Master is currently unable to PSYNC but should be in the future: {_text(line)}"
            )
        elif line[:1] == b"-":
            raise HandshakeError(
                f"Master does not support PSYNC or is in error state (reply: {_text(line)})"
            )
        else:
            raise HandshakeError(f"Unexpected reply to PSYNC from master: {_text(line)}")
        self.state = "done"
