"""`python -m replkv.tools` and the `replkv-check` console script."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from replkv.tools import events, repair, restore, verify
from replkv.tools.errors import ToolError

PROG = "python -m replkv.tools"


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Check, read, repair and restore a replkv data directory (--dir): the snapshot "
            "dump.rdb and the event log in appendonlydir/. Errors are one line on stderr "
            "with exit status 1."
        ),
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (verify, events, repair, restore):
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Run one subcommand; its exit status."""
    args = build_parser(prog).parse_args(argv)
    try:
        status: int = args.run(args)
    except ToolError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    return status


def console_main() -> int:
    """The `replkv-check` console script."""
    return main(prog="replkv-check")


if __name__ == "__main__":
    sys.exit(main())
