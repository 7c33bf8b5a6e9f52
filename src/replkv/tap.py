"""`twistd replkv` options: a config file plus redis-server style `--directive value` overrides."""

from __future__ import annotations

import sys

from twisted.application.service import MultiService
from twisted.python import usage

from replkv import reactor as replkv_reactor
from replkv.config import Config
from replkv.directives import ConfigError
from replkv.splitargs import split_args

DEFAULT_BIND = "127.0.0.1"

# twistd loads this module before it touches the reactor, unless --reactor was given:
# use the leaner epoll reactor.
replkv_reactor.install()


class Options(usage.Options):
    """Command-line options for `twistd replkv`.

    Besides the options listed, every configuration directive can be given as
    `--directive value [value ...]` (values run until the next `--word`), as with
    redis-server; they are applied after the config file, in order.
    """

    synopsis = (
        "[--config FILE] [--role master|replica] [--replicaof HOST:PORT] [--directive value...]"
    )
    # Listed for --help; parseOptions() below reads them like any directive.
    optParameters = [
        ["port", None, "6379", "TCP port to listen on."],
        ["bind", None, DEFAULT_BIND, "Address(es) to listen on."],
        ["dir", None, None, "Data directory (snapshots and log)."],
        ["config", None, None, "Configuration file in redis.conf syntax."],
        ["role", None, None, "master or replica (default: replica if replicaof is set)."],
        ["replicaof", None, None, "Replicate the master at HOST:PORT."],
    ]

    def __init__(self) -> None:
        super().__init__()
        # (directive, values) in command-line order.
        self.directives: list[tuple[str, list[str]]] = []
        self.config: Config | None = None

    def parseOptions(self, options: list[str] | None = None) -> None:
        """Split the arguments as redis-server's main() does, then build the Config."""
        arguments = sys.argv[1:] if options is None else list(options)
        if "--help" in arguments or "-h" in arguments:
            self.opt_help()
        self.directives = _split_command_line(arguments)
        for name, values in self.directives:
            if name in ("config", "role"):
                if len(values) != 1:
                    raise usage.UsageError(f"--{name} takes one value")
                self[name] = values[0]
        self.postOptions()

    def postOptions(self) -> None:
        """Load the config file, apply the command line, check the role."""
        role = self["role"]
        if role not in (None, "master", "replica"):
            raise usage.UsageError("--role must be master or replica")
        try:
            self.config = build_config(self["config"], self.directives)
        except ConfigError as error:
            # Like redis-server: print the reason and exit with status 1.
            raise SystemExit(str(error)) from None
        if role == "replica" and self.config.replicaof is None:
            raise usage.UsageError("--role replica needs --replicaof HOST:PORT")
        if role == "master" and self.config.replicaof is not None:
            raise usage.UsageError("--role master conflicts with replicaof")


def _split_command_line(arguments: list[str]) -> list[tuple[str, list[str]]]:
    """Group `--name value ...` arguments; the word right after a name is always a value."""
    directives: list[tuple[str, list[str]]] = []
    position = 0
    while position < len(arguments):
        word = arguments[position]
        if not word.startswith("--") or len(word) == 2:
            raise usage.UsageError(f"unexpected argument {word!r}; directives are --name value")
        position += 1
        # "--port 6380" given as one argument carries its value.
        parts = [_text(part) for part in split_args(word[2:].encode()) or []]
        name, values = parts[0].lower(), parts[1:]
        if not values and position < len(arguments):
            following = arguments[position]
            if name == "save" and following.startswith("--"):
                # redis-server reads `--save --port 1` as `--save ""`.
                values.append("")
            else:
                values.append(following)
                position += 1
        elif not values and name == "save":
            values.append("")
        while position < len(arguments) and not arguments[position].startswith("--"):
            values.append(arguments[position])
            position += 1
        directives.append((name, values))
    return directives


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def build_config(path: str | None, directives: list[tuple[str, list[str]]]) -> Config:
    """Defaults, then the file at `path`, then each command-line directive. Raises ConfigError."""
    config = Config.load_file(path) if path else Config()
    for name, values in directives:
        if name in ("config", "role"):
            continue
        if name == "replicaof" and len(values) == 1 and ":" in values[0]:
            host, _, port = values[0].rpartition(":")
            values = [host, port]
        config.apply(name, values, where=f"the command line option --{name}")
    if "bind" not in config.explicit:
        # Unlike redis-server (which binds every interface in protected mode),
        # replkv listens on loopback unless told otherwise.
        config.bind = [DEFAULT_BIND]
    config.finish_loading()
    return config


def makeService(options: Options) -> MultiService:
    """The replkv service for the parsed options."""
    from replkv.service import make_service

    config = options.config
    if config is None:
        config = build_config(options["config"], options.directives)
    return make_service(config)
