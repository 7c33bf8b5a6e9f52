"""`python -m replkv.tools` (console script `replkv-check`): check, read, repair and
restore a replkv data directory (`dump.rdb` and the event log in `appendonlydir/`).

One module per subcommand (`verify`, `events`, `repair`, `restore`), each with
`add_parser(subparsers)` and `run(args) -> exit status`; `datadir` finds and reads the
files, `stream` parses the log's events with their offsets.
"""
