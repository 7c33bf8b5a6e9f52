"""Redis's error replies, defined once, as the exact bytes Redis sends."""

from __future__ import annotations


class CommandError(Exception):
    """Raised by a handler (or what it calls) to answer with an error reply."""

    def __init__(self, reply: bytes) -> None:
        super().__init__(reply)
        self.reply = reply


def err(text: str) -> bytes:
    """An `-ERR text` reply."""
    return b"-ERR %b\r\n" % text.encode()


SYNTAX = b"-ERR syntax error\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INTEGER = b"-ERR value is not an integer or out of range\r\n"
NOT_FLOAT = b"-ERR value is not a valid float\r\n"
OVERFLOW = b"-ERR increment or decrement would overflow\r\n"
NO_SUCH_KEY = b"-ERR no such key\r\n"
DB_INDEX = b"-ERR DB index is out of range\r\n"
NOAUTH = b"-NOAUTH Authentication required.\r\n"
LOADING = b"-LOADING Redis is loading the dataset in memory\r\n"
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
READONLY = b"-READONLY You can't write against a read only replica.\r\n"
MASTERDOWN = (
    b"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
)
EXECABORT = b"-EXECABORT Transaction discarded because of previous errors.\r\n"
NESTED_MULTI = b"-ERR MULTI calls can not be nested\r\n"
EXEC_WITHOUT_MULTI = b"-ERR EXEC without MULTI\r\n"
DISCARD_WITHOUT_MULTI = b"-ERR DISCARD without MULTI\r\n"
WATCH_IN_MULTI = b"-ERR WATCH inside MULTI is not allowed\r\n"
STRING_TOO_LONG = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"


def invalid_expire(name: str) -> bytes:
    """`invalid expire time in 'set' command` (the command's full name)."""
    return b"-ERR invalid expire time in '%b' command\r\n" % name.encode()


def wrong_arity(name: str) -> bytes:
    """Redis 7.0: `wrong number of arguments for 'get' command` (full name, lower case)."""
    return b"-ERR wrong number of arguments for '%b' command\r\n" % name.encode()


def unknown_command(argv: list[bytes]) -> bytes:
    """Redis 7.0's unknown-command error, quoting up to 128 chars of the first args."""
    args = b""
    for arg in argv[1:]:
        if len(args) >= 128:
            break
        args += b"'%b' " % _c_string(arg)[: 128 - len(args)]
    return _one_line(
        b"-ERR unknown command '%b', with args beginning with: %b"
        % (_c_string(argv[0])[:128], args)
    )


def unknown_subcommand(sub: bytes, container: str) -> bytes:
    """Redis 7.0: `unknown subcommand 'x'. Try CONFIG HELP.`"""
    return _one_line(
        b"-ERR unknown subcommand '%b'. Try %b HELP."
        % (_c_string(sub)[:128], container.upper().encode())
    )


def _c_string(arg: bytes) -> bytes:
    """An argument as Redis's printf-style %s shows it: cut at the first NUL."""
    return arg.split(b"\0", 1)[0]


def _one_line(error: bytes) -> bytes:
    """An error line with the client's CR/LF turned into spaces, as Redis does."""
    return error.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"
