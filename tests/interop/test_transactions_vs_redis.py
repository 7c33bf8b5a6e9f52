"""MULTI EXEC DISCARD WATCH UNWATCH: replkv's replies against redis-server's, byte for byte."""

import re
import time

from twisted.trial.unittest import SynchronousTestCase

from tests.support.differential import DifferentialCase, cmd
from tests.support.resp_client import RawClient, parse_reply


def any_client_id(raw: bytes) -> bytes:
    """HELLO's map compared without its client id."""
    return re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:<id>\r\n", raw)


DEBUG_ON = ("--enable-debug-command", "yes")
# An expiry time long past: with active expiry off, SET keeps the key, logically expired,
# on both servers alike (only a read deletes it), whatever the time.
LONG_PAST = ("PXAT", "1")
# How far ahead a key that must outlive WATCH expires; a slower machine gets a retry
# with the next margin.
MARGINS_MS = (300, 1500, 6000)
WAIT_BOUND = 30.0


def server_ms(client: RawClient) -> int:
    """The server's clock (TIME) in milliseconds."""
    seconds, micros = parse_reply(client.call("TIME"))
    return int(seconds) * 1000 + int(micros) // 1000


def watch_key_that_expires(case: DifferentialCase, key: str) -> None:
    """SET `key` to expire shortly and WATCH it, then wait until it has expired on both.

    The key must still live when each server runs WATCH, whatever the machine's load:
    a PTTL after the WATCH proves it did; if not, the attempt is undone and retried
    with a longer expiry. Then TIME on each server, read on its own connections, shows
    the expiry time has passed (Redis expires a key when now > when).
    """
    clock = case.connect_pair()
    for margin in MARGINS_MS:
        at = max(server_ms(client) for client in clock) + margin
        case.assertSameReplies([["SET", key, "v", "PXAT", str(at)], ["WATCH", key]])
        if all(parse_reply(client.call("PTTL", key)) > 0 for client in clock):
            break
        case.assertSameReplies([["UNWATCH"], ["DEL", key]])
    else:
        case.fail(f"{key} expired before WATCH even {MARGINS_MS[-1]} ms ahead")
    deadline = time.monotonic() + WAIT_BOUND
    for client in clock:
        while (remaining := at + 1 - server_ms(client)) > 0:
            if time.monotonic() > deadline:
                case.fail(f"the server's clock did not pass {at} within {WAIT_BOUND} s")
            time.sleep(remaining / 1000)


class TransactionsVsRedis(DifferentialCase, SynchronousTestCase):
    """One connection: queueing, errors, replies inside EXEC."""

    def test_multi_exec_replies(self) -> None:
        self.assertSameReplies(
            [
                ["MULTI"],
                ["SET", "a", "1"],
                ["INCR", "a"],
                ["GET", "a"],
                ["GET", "missing"],
                ["EXEC"],
                ["MULTI"],
                ["EXEC"],
            ]
        )

    def test_errors_inside_exec_become_elements(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "s", "text"],
                ["MULTI"],
                ["INCR", "s"],
                ["SET", "t", "1"],
                ["INCRBY", "t", "notanumber"],
                ["GET", "t"],
                ["EXEC"],
            ]
        )

    def test_queueing_errors_abort(self) -> None:
        self.assertSameReplies(
            [
                ["MULTI"],
                ["SET", "a", "1"],
                ["NOSUCHCOMMAND", "x"],
                ["GET"],
                ["EXEC"],
                ["GET", "a"],
                ["EXEC"],
                ["MULTI"],
                ["GET", "a", "b"],
                ["EXEC"],
            ]
        )

    def test_misuse(self) -> None:
        self.assertSameReplies(
            [
                ["EXEC"],
                ["DISCARD"],
                ["MULTI"],
                ["MULTI"],
                ["WATCH", "k"],
                ["SET", "a", "1"],
                ["EXEC"],
                ["MULTI", "extra"],
                ["EXEC", "extra"],
                ["DISCARD", "extra"],
                ["UNWATCH", "extra"],
                ["WATCH"],
            ]
        )

    def test_nested_multi_does_not_abort(self) -> None:
        self.assertSameReplies([["MULTI"], ["SET", "a", "1"], ["MULTI"], ["EXEC"], ["GET", "a"]])

    def test_watch_inside_multi_does_not_abort(self) -> None:
        self.assertSameReplies(
            [["MULTI"], ["WATCH", "a"], ["SET", "a", "1"], ["EXEC"], ["GET", "a"]]
        )

    def test_discard(self) -> None:
        self.assertSameReplies(
            [
                ["MULTI"],
                ["SET", "a", "1"],
                ["DISCARD"],
                ["GET", "a"],
                ["EXEC"],
                ["MULTI"],
                ["NOSUCH"],
                ["DISCARD"],
                ["MULTI"],
                ["PING"],
                ["EXEC"],
            ]
        )

    def test_no_multi_commands_are_refused(self) -> None:
        self.assertSameReplies([["MULTI"], ["SET", "a", "1"], ["SHUTDOWN"], ["EXEC"], ["GET", "a"]])

    def test_connection_commands_inside_multi(self) -> None:
        self.assertSameReplies(
            [
                ["SET", "a", "zero"],
                ["MULTI"],
                ["SELECT", "1"],
                ["SET", "a", "one"],
                ["PING"],
                ["ECHO", "x"],
                ["EXEC"],
                ["GET", "a"],
                ["SELECT", "0"],
                ["GET", "a"],
            ]
        )

    def test_monitor_inside_exec(self) -> None:
        self.assertSameReplies([["MULTI"], ["MONITOR"], ["EXEC"], ["PING"]])

    def test_own_writes_do_not_invalidate_watch(self) -> None:
        self.assertSameReplies(
            [["WATCH", "a"], ["MULTI"], ["SET", "a", "1"], ["EXEC"], ["GET", "a"]]
        )

    def test_own_write_before_multi_invalidates_watch(self) -> None:
        self.assertSameReplies(
            [
                ["WATCH", "a"],
                ["SET", "a", "1"],
                ["MULTI"],
                ["GET", "a"],
                ["EXEC"],
                # EXEC unwatched everything: the next one succeeds.
                ["MULTI"],
                ["GET", "a"],
                ["EXEC"],
            ]
        )

    def test_unwatch(self) -> None:
        self.assertSameReplies(
            [
                ["WATCH", "a", "b", "a"],
                ["SET", "a", "1"],
                ["UNWATCH"],
                ["MULTI"],
                ["GET", "a"],
                ["EXEC"],
            ]
        )

    def test_watch_binary_keys(self) -> None:
        key = b"k\x00\r\n\xff"
        self.assertSameReplies(
            [["WATCH", key, b""], ["SET", b"", "x"], ["MULTI"], ["GET", key], ["EXEC"]]
        )

    def test_execabort_wins_over_dirty_watch(self) -> None:
        self.assertSameReplies([["WATCH", "a"], ["SET", "a", "1"], ["MULTI"], ["NOSUCH"], ["EXEC"]])

    def test_flushdb_touches_only_existing_keys(self) -> None:
        self.assertSameReplies(
            [
                ["WATCH", "missing"],
                ["FLUSHDB"],
                ["MULTI"],
                ["PING"],
                ["EXEC"],
                ["SET", "here", "1"],
                ["WATCH", "here"],
                ["FLUSHALL"],
                ["MULTI"],
                ["PING"],
                ["EXEC"],
            ]
        )

    def test_swapdb(self) -> None:
        self.assertSameReplies(
            [
                ["WATCH", "nowhere"],
                ["SWAPDB", "0", "1"],
                ["MULTI"],
                ["PING"],
                ["EXEC"],
                ["SELECT", "1"],
                ["SET", "k", "1"],
                ["SELECT", "0"],
                ["WATCH", "k"],
                ["SWAPDB", "0", "1"],
                ["MULTI"],
                ["PING"],
                ["EXEC"],
            ]
        )

    def test_resp3_null_on_watch_failure(self) -> None:
        self.assertSameReplies(
            [
                cmd("HELLO", "3", normalise=any_client_id),
                ["WATCH", "a"],
                ["SET", "a", "1"],
                ["MULTI"],
                ["GET", "a"],
                ["EXEC"],
                ["MULTI"],
                ["GET", "a"],
                ["GET", "nothing"],
                ["EXEC"],
            ]
        )

    def test_watch_key_that_expires_before_exec(self) -> None:
        # Active expiry is on here: the cycle may delete the key before EXEC, or not.
        watch_key_that_expires(self, "k")
        self.assertSameReplies([["MULTI"], ["PING"], ["EXEC"]])


class WatchExpiredVsRedis(DifferentialCase, SynchronousTestCase):
    """WATCH of keys already logically expired (Redis 7.0's watchedKey.expired)."""

    redis_args = DEBUG_ON
    replkv_args = DEBUG_ON

    def setUp(self) -> None:
        super().setUp()
        # Checked, not only compared: two refusals of DEBUG would compare equal too.
        for client in (self.redis_client, self.replkv_client):
            self.assertEqual(client.call("DEBUG", "SET-ACTIVE-EXPIRE", "0"), b"+OK\r\n")
        self.addCleanup(self.assertSameReplies, [["DEBUG", "SET-ACTIVE-EXPIRE", "1"]])

    def expired_key(self, key: str) -> None:
        self.assertSameReplies([["SET", key, "v", *LONG_PAST], ["DBSIZE"]])

    def test_already_expired_key_staying_expired(self) -> None:
        self.expired_key("k")
        self.assertSameReplies([["WATCH", "k"], ["MULTI"], ["PING"], ["EXEC"]])

    def test_already_expired_key_deleted_by_lazy_expiry(self) -> None:
        self.expired_key("k")
        other = self.connect_pair()
        self.assertSameReplies([["WATCH", "k"]])
        self.assertSameReplies([["GET", "k"]], clients=other)
        self.assertSameReplies([["MULTI"], ["PING"], ["EXEC"]])

    def test_already_expired_key_recreated(self) -> None:
        self.expired_key("k")
        other = self.connect_pair()
        self.assertSameReplies([["WATCH", "k"]])
        self.assertSameReplies([["SET", "k", "new"]], clients=other)
        self.assertSameReplies([["MULTI"], ["GET", "k"], ["EXEC"]])

    def test_already_expired_key_flushed(self) -> None:
        self.expired_key("k")
        self.assertSameReplies([["WATCH", "k"], ["FLUSHALL"], ["MULTI"], ["PING"], ["EXEC"]])

    def test_live_key_expiring_after_watch(self) -> None:
        # Still in the database at EXEC, logically expired: EXEC fails all the same.
        watch_key_that_expires(self, "k")
        self.assertSameReplies([["MULTI"], ["PING"], ["EXEC"]])

    def test_swapdb_brings_an_expired_key(self) -> None:
        self.assertSameReplies([["SELECT", "1"]])
        self.expired_key("k")
        self.assertSameReplies(
            [["SELECT", "0"], ["WATCH", "k"], ["SWAPDB", "0", "1"], ["MULTI"], ["PING"], ["EXEC"]]
        )


class WatchAcrossConnectionsVsRedis(DifferentialCase, SynchronousTestCase):
    """Another connection's write aborts the watcher's EXEC."""

    def test_other_connection_write(self) -> None:
        other = self.connect_pair()
        self.assertSameReplies([["SET", "a", "1"], ["WATCH", "a"], ["MULTI"], ["INCR", "a"]])
        self.assertSameReplies([["SET", "a", "2"]], clients=other)
        self.assertSameReplies([["EXEC"], ["GET", "a"]])

    def test_other_connection_write_to_other_db(self) -> None:
        other = self.connect_pair()
        self.assertSameReplies([["WATCH", "a"], ["MULTI"], ["INCR", "a"]])
        self.assertSameReplies([["SELECT", "1"], ["SET", "a", "2"]], clients=other)
        self.assertSameReplies([["EXEC"]])

    def test_other_connection_expire_and_del(self) -> None:
        other = self.connect_pair()
        self.assertSameReplies([["SET", "a", "1"], ["SET", "b", "1"], ["WATCH", "a", "b"]])
        self.assertSameReplies([["EXPIRE", "a", "100"]], clients=other)
        self.assertSameReplies([["MULTI"], ["PING"], ["EXEC"], ["WATCH", "b"]])
        self.assertSameReplies([["DEL", "b"]], clients=other)
        self.assertSameReplies([["MULTI"], ["PING"], ["EXEC"]])

    def test_write_that_changes_nothing_still_touches(self) -> None:
        other = self.connect_pair()
        self.assertSameReplies([["SET", "a", "1"], ["WATCH", "a", "gone"]])
        self.assertSameReplies([["SET", "a", "1"], ["DEL", "gone"]], clients=other)
        self.assertSameReplies([["MULTI"], ["PING"], ["EXEC"]])

    def test_del_of_missing_key_does_not_touch(self) -> None:
        other = self.connect_pair()
        self.assertSameReplies([["WATCH", "gone"]])
        self.assertSameReplies([["DEL", "gone"], ["GET", "gone"]], clients=other)
        self.assertSameReplies([["MULTI"], ["PING"], ["EXEC"]])
