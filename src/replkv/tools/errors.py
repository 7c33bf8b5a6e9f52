"""The one error the tools report: a one-line message on stderr and exit status 1."""

from __future__ import annotations


class ToolError(Exception):
    """Something the user must fix or know; the message is one line."""
