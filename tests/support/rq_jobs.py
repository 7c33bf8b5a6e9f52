"""Job functions an rq worker imports by name (tests/interop/test_rq.py)."""

from __future__ import annotations


def add(a: int, b: int) -> int:
    return a + b


def fail(message: str) -> None:
    raise ValueError(message)
