"""Expiry commands compared byte for byte with redis-server 7.0.

Relative TTLs depend on when each server ran the command, so they are checked with
absolute times (EXPIREAT far in the future, then EXPIRETIME/PEXPIRETIME) or with
TTL in seconds right after setting it, which rounds to the same value. Expired keys are
set with an expiry time long past (PXAT 1), so no outcome waits on the clock.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, any_integer, cmd

DEBUG_ON = ("--enable-debug-command", "yes")
FAR_S = "4000000000"
FAR_MS = "4000000000000"
VERBS = ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT")


class ExpiryVsRedisTests(DifferentialCase, SynchronousTestCase):
    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def setUp(self) -> None:
        super().setUp()
        # Active expiry off on both, so expired keys stay until a command touches them.
        self.assertSameReplies([["DEBUG", "SET-ACTIVE-EXPIRE", "0"]])

    def test_absolute_times(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "k", "v"],
                ["EXPIREAT", "k", FAR_S],
                ["EXPIRETIME", "k"],
                ["PEXPIRETIME", "k"],
                ["PEXPIREAT", "k", "4000000000123"],
                ["EXPIRETIME", "k"],
                ["PEXPIRETIME", "k"],
                ["PEXPIREAT", "k", "4000000000499"],
                ["EXPIRETIME", "k"],
                ["PEXPIREAT", "k", "4000000000500"],
                ["EXPIRETIME", "k"],
                ["PERSIST", "k"],
                ["PERSIST", "k"],
                ["EXPIRETIME", "k"],
                ["PEXPIRETIME", "k"],
                ["TTL", "k"],
                ["PTTL", "k"],
                ["EXPIRETIME", "missing"],
                ["PEXPIRETIME", "missing"],
                ["TTL", "missing"],
                ["PTTL", "missing"],
                ["PERSIST", "missing"],
            ]
        )

    def test_relative_times(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "k", "v"],
                ["EXPIRE", "k", "100"],
                ["TTL", "k"],
                cmd("PTTL", "k", normalise=any_integer),
                ["PEXPIRE", "k", "50000"],
                ["TTL", "k"],
                ["EXPIRE", "k", "9223372036854775"],
                ["EXPIRE", "k", "9223372036854776"],
                ["EXPIRE", "k", "-9223372036854776"],
                ["PEXPIRE", "k", "9223372036854775807"],
            ]
        )

    def test_past_times_delete(self) -> None:
        script: list = []
        for verb, arg in [
            ("EXPIRE", "0"),
            ("EXPIRE", "-1"),
            ("PEXPIRE", "-100"),
            ("EXPIREAT", "1"),
            ("PEXPIREAT", "1"),
            ("EXPIREAT", "-9223372036854775"),
            ("PEXPIREAT", "0"),
            ("PEXPIREAT", "-9223372036854775808"),
        ]:
            script += [["SET", "k", "v"], [verb, "k", arg], ["EXISTS", "k"], ["DBSIZE"]]
        self.assertSameReplies(script)

    def test_flags(self) -> None:
        script: list = [["SET", "k", "v"]]
        for flags in [("XX",), ("GT",), ("NX",), ("NX",), ("xx", "gt"), ("LT",), ("lt", "XX")]:
            for when in ("4000000000000", "3999999999999", "4000000000001"):
                script += [["PEXPIREAT", "k", when, *flags], ["PEXPIRETIME", "k"]]
        script += [
            ["PERSIST", "k"],
            ["PEXPIREAT", "k", FAR_MS, "LT"],
            ["PEXPIRETIME", "k"],
            ["EXPIREAT", "k", "1", "GT"],
            ["EXISTS", "k"],
            ["EXPIREAT", "k", "1", "LT"],
            ["EXISTS", "k"],
            ["EXPIRE", "missing", "10", "NX"],
            ["EXPIRE", "missing", "10", "NX", "XX"],
        ]
        self.assertSameReplies(script)

    def test_option_errors(self) -> None:
        script: list = [["SET", "k", "v"]]
        for verb in VERBS:
            script += [
                [verb, "k", "10", "NX", "XX"],
                [verb, "k", "10", "gt", "nx"],
                [verb, "k", "10", "LT", "NX"],
                [verb, "k", "10", "GT", "LT"],
                [verb, "k", "10", "XX", "GT", "LT"],
                [verb, "k", "10", "NX", "GT", "LT"],
                [verb, "k", "10", "bogus"],
                [verb, "k", "10", b"a\r\nb"],
                [verb, "k", "10", b"\r\n"],  # trimmed off the end, not turned into spaces
                [verb, "k", "10", b"x\n\r"],
                [verb, "k", "10", b"\nx"],
                [verb, "k", "10", b"nul\0after"],
                [verb, "k", "10", ""],
                [verb, "k", "x", "bogus"],
                [verb, "k", "x", "NX"],
                [verb, "k", "1.5"],
                [verb, "k", ""],
                [verb, "k", "01"],
                [verb, "k", "+1"],
                [verb, "k", "9223372036854775808"],
                [verb, "k"],
                [verb],
                [verb, "missing", "x"],
            ]
        script += [["TTL"], ["PTTL", "a", "b"], ["EXPIRETIME"], ["PERSIST"], ["PERSIST", "a", "b"]]
        self.assertSameReplies(script)

    def test_expired_keys(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "a", "1", "PXAT", "1"],
                ["SET", "b", "1", "PXAT", "1"],
                ["SET", "c", "1", "PXAT", "1"],
                ["SET", "d", "1", "PXAT", "1"],
                ["SET", "e", "1", "PXAT", "1"],
                ["DBSIZE"],
                ["TTL", "a"],
                ["PTTL", "b"],
                ["EXPIRETIME", "c"],
                ["PERSIST", "d"],
                ["EXPIRE", "e", "100"],
                ["DBSIZE"],
            ]
        )

    def test_binary_keys(self) -> None:
        script: list = []
        for key in (b"", b"\0", b"a\r\nb", b"\xff"):
            script += [
                ["SET", key, "v"],
                ["EXPIREAT", key, FAR_S, "NX"],
                ["PEXPIRETIME", key],
                ["PERSIST", key],
                ["TTL", key],
                ["PEXPIRE", key, "-1"],
                ["EXISTS", key],
            ]
        self.assertSameReplies(script)
