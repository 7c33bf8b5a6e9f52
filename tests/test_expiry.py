"""Unit tests for replkv.commands.expiry: replies, the events they propagate, replay."""

from __future__ import annotations

from tests.support.harness import START_MS, Harness
from tests.test_keys import KeysTestCase

FAR = 4_000_000_000  # seconds: an EXPIREAT far in the future
NX_CONFLICT = b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
GT_LT_CONFLICT = b"-ERR GT and LT options at the same time are not compatible\r\n"


class ExpireTests(KeysTestCase):
    def test_relative_forms_become_pexpireat(self) -> None:
        h = self.h
        h("SET", "k", "v")
        mark = h.mark()
        self.assertEqual(h("EXPIRE", "k", "100"), b":1\r\n")
        self.assertEqual(h("PEXPIRE", "k", "1500"), b":1\r\n")
        self.assertEqual(h("EXPIREAT", "k", str(FAR)), b":1\r\n")
        self.assertEvents(
            mark,
            [
                [b"PEXPIREAT", b"k", b"%d" % (START_MS + 100_000)],
                [b"PEXPIREAT", b"k", b"%d" % (START_MS + 1500)],
                [b"PEXPIREAT", b"k", b"%d" % (FAR * 1000)],
            ],
        )
        self.assertEqual(h.keyspace.dbs[0].expires[b"k"], FAR * 1000)

    def test_pexpireat_propagates_as_typed(self) -> None:
        h = self.h
        h("SET", "k", "v")
        mark = h.mark()
        self.assertEqual(h("pexpireat", "k", str(FAR * 1000), "gt", "Xx"), b":0\r\n")
        self.assertEqual(h("pexpireat", "k", str(FAR * 1000), "nx"), b":1\r\n")
        self.assertEvents(mark, [[b"pexpireat", b"k", b"%d" % (FAR * 1000), b"nx"]])

    def test_flags_are_kept_on_the_event(self) -> None:
        h = self.h
        h("SET", "k", "v")
        mark = h.mark()
        self.assertEqual(h("EXPIRE", "k", "100", "lt"), b":1\r\n")
        self.assertEvents(mark, [[b"PEXPIREAT", b"k", b"%d" % (START_MS + 100_000), b"lt"]])

    def test_past_time_on_master_deletes(self) -> None:
        h = self.h
        for verb, arg in (("EXPIRE", "0"), ("PEXPIRE", "-5"), ("EXPIREAT", "1")):
            h("SET", "k", "v")
            mark = h.mark()
            self.assertEqual(h(verb, "k", arg), b":1\r\n")
            self.assertEvents(mark, [[b"DEL", b"k"]])
            self.assertEqual(h("EXISTS", "k"), b":0\r\n")

    def test_pexpireat_now_deletes(self) -> None:
        h = self.h
        h("SET", "k", "v")
        self.assertEqual(h("PEXPIREAT", "k", str(START_MS)), b":1\r\n")
        self.assertEqual(h.keyspace.dbs[0].data, {})

    def test_past_time_with_lazyfree_is_unlink(self) -> None:
        h = Harness(lazyfree_lazy_expire=True)
        h("SET", "k", "v")
        mark = h.mark()
        h("EXPIRE", "k", "-1")
        self.assertEqual(h.new_events(mark), [[b"UNLINK", b"k"]])

    def test_past_time_on_replica_is_stored(self) -> None:
        h = self.h
        h("SET", "k", "v")
        h.keyspace.is_master = False
        self.assertEqual(h("EXPIRE", "k", "-10"), b":1\r\n")
        self.assertEqual(h.keyspace.dbs[0].expires[b"k"], START_MS - 10_000)
        self.assertEqual(h("EXISTS", "k"), b":0\r\n")
        self.assertEqual(h("DBSIZE"), b":1\r\n")
        self.check_replay = False

    def test_past_time_obeying_master_is_stored(self) -> None:
        h = self.h
        h("SET", "k", "v")
        self.assertEqual(h.apply("PEXPIREAT", "k", "1").errors, 0)
        self.assertEqual(h.keyspace.dbs[0].expires[b"k"], 1)
        self.assertIn(b"k", h.keyspace.dbs[0].data)  # stored, not deleted
        self.assertEqual(h("TTL", "k"), b":-2\r\n")  # a master's own client sees it gone
        self.check_replay = False

    def test_missing_key(self) -> None:
        h = self.h
        mark = h.mark()
        self.assertEqual(h("EXPIRE", "nope", "10"), b":0\r\n")
        self.assertEqual(h("EXPIRE", "nope", "-10"), b":0\r\n")
        self.assertEvents(mark, [])

    def test_expired_key_counts_as_missing(self) -> None:
        h = self.h
        h("SET", "k", "v", "PX", "10")
        h.clock.advance(0.02)
        mark = h.mark()
        self.assertEqual(h("EXPIRE", "k", "100"), b":0\r\n")
        self.assertEvents(mark, [[b"DEL", b"k"]])

    def test_nx_xx(self) -> None:
        h = self.h
        h("SET", "k", "v")
        self.assertEqual(h("EXPIRE", "k", "100", "XX"), b":0\r\n")
        self.assertEqual(h("EXPIRE", "k", "100", "NX"), b":1\r\n")
        self.assertEqual(h("EXPIRE", "k", "200", "NX"), b":0\r\n")
        self.assertEqual(h("EXPIRE", "k", "200", "XX"), b":1\r\n")
        self.assertEqual(h("TTL", "k"), b":200\r\n")

    def test_gt_lt(self) -> None:
        h = self.h
        h("SET", "k", "v")
        # No TTL is an infinite one: GT never succeeds, LT always does.
        self.assertEqual(h("EXPIRE", "k", "100", "GT"), b":0\r\n")
        self.assertEqual(h("EXPIRE", "k", "100", "LT"), b":1\r\n")
        self.assertEqual(h("EXPIRE", "k", "100", "GT"), b":0\r\n")
        self.assertEqual(h("EXPIRE", "k", "101", "GT"), b":1\r\n")
        self.assertEqual(h("EXPIRE", "k", "101", "LT"), b":0\r\n")
        self.assertEqual(h("EXPIRE", "k", "50", "LT", "XX"), b":1\r\n")
        self.assertEqual(h("TTL", "k"), b":50\r\n")

    def test_lt_in_the_past_deletes(self) -> None:
        h = self.h
        h("SET", "k", "v")
        self.assertEqual(h("EXPIRE", "k", "-1", "LT"), b":1\r\n")
        self.assertEqual(h("EXISTS", "k"), b":0\r\n")

    def test_option_errors(self) -> None:
        h = self.h
        h("SET", "k", "v")
        for combo in (("NX", "XX"), ("nx", "gt"), ("lt", "NX")):
            self.assertEqual(h("EXPIRE", "k", "10", *combo), NX_CONFLICT)
        self.assertEqual(h("EXPIRE", "k", "10", "GT", "LT"), GT_LT_CONFLICT)
        self.assertEqual(h("EXPIRE", "k", "10", "foo"), b"-ERR Unsupported option foo\r\n")
        self.assertEqual(h("EXPIRE", "k", "10", b"a\r\nb\0c"), b"-ERR Unsupported option a  b\r\n")
        # Options are checked before the time.
        self.assertEqual(h("EXPIRE", "k", "x", "foo"), b"-ERR Unsupported option foo\r\n")
        self.assertEqual(
            h("EXPIRE", "k", "x", "nx"), b"-ERR value is not an integer or out of range\r\n"
        )

    def test_overflow(self) -> None:
        h = self.h
        h("SET", "k", "v")
        for verb, arg in (
            ("EXPIRE", "9223372036854775"),
            ("EXPIRE", "-9223372036854776"),
            ("EXPIREAT", "9223372036854776"),
            ("PEXPIRE", "9223372036854775807"),
        ):
            self.assertEqual(
                h(verb, "k", arg),
                b"-ERR invalid expire time in '%b' command\r\n" % verb.lower().encode(),
                (verb, arg),
            )
        self.assertEqual(h("PEXPIREAT", "k", "9223372036854775807"), b":1\r\n")
        self.assertEqual(h("EXPIREAT", "k", "9223372036854775"), b":1\r\n")
        self.assertEqual(
            h("EXPIRE", "k", "9223372036854775808"),
            b"-ERR value is not an integer or out of range\r\n",
        )


class TtlTests(KeysTestCase):
    def test_no_key_no_ttl(self) -> None:
        h = self.h
        for verb in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
            self.assertEqual(h(verb, "nope"), b":-2\r\n")
        h("SET", "k", "v")
        for verb in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
            self.assertEqual(h(verb, "k"), b":-1\r\n")

    def test_values_and_rounding(self) -> None:
        h = self.h
        h("SET", "k", "v", "PX", "10499")
        self.assertEqual(h("TTL", "k"), b":10\r\n")
        self.assertEqual(h("PTTL", "k"), b":10499\r\n")
        h("SET", "k", "v", "PX", "10500")
        self.assertEqual(h("TTL", "k"), b":11\r\n")
        self.assertEqual(h("PEXPIRETIME", "k"), b":%d\r\n" % (START_MS + 10500))
        self.assertEqual(h("EXPIRETIME", "k"), b":%d\r\n" % ((START_MS + 10500 + 500) // 1000))
        h.clock.advance(10)
        self.assertEqual(h("PTTL", "k"), b":500\r\n")

    def test_expired(self) -> None:
        h = self.h
        h("SET", "k", "v", "PX", "100")
        h.clock.advance(0.2)
        mark = h.mark()
        self.assertEqual(h("PTTL", "k"), b":-2\r\n")
        self.assertEvents(mark, [[b"DEL", b"k"]])

    def test_not_propagated(self) -> None:
        h = self.h
        h("SET", "k", "v", "EX", "100")
        mark = h.mark()
        for verb in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
            h(verb, "k")
        self.assertEvents(mark, [])


class PersistTests(KeysTestCase):
    def test_persist(self) -> None:
        h = self.h
        h("SET", "k", "v", "EX", "100")
        mark = h.mark()
        self.assertEqual(h("PERSIST", "k"), b":1\r\n")
        self.assertEqual(h("PERSIST", "k"), b":0\r\n")
        self.assertEqual(h("PERSIST", "nope"), b":0\r\n")
        self.assertEvents(mark, [[b"PERSIST", b"k"]])
        self.assertEqual(h("TTL", "k"), b":-1\r\n")

    def test_persist_of_expired_key_on_master(self) -> None:
        h = self.h
        h("SET", "k", "v", "PX", "10")
        h.clock.advance(0.02)
        mark = h.mark()
        self.assertEqual(h("PERSIST", "k"), b":0\r\n")
        self.assertEvents(mark, [[b"DEL", b"k"]])


class ReplayTests(KeysTestCase):
    def test_replay_later_keeps_expired_keys_like_the_master(self) -> None:
        h = self.h
        h("SET", "a", "1")
        h("EXPIRE", "a", "5")
        h("SET", "b", "1")
        h("PEXPIRE", "b", "100000", "NX")
        h("SET", "c", "1", "EX", "5")
        h("PERSIST", "c")
        h.clock.advance(60)  # a's time has passed; nobody read it, so it is still there
        replayed = h.replay()
        self.assertEqual(replayed.dataset(), h.dataset())
        self.assertIn(b"a", replayed.keyspace.dbs[0].data)

    def test_random_sequences(self) -> None:
        import random

        rng = random.Random(11)
        h = self.h
        keys = ["a", "b", "c"]
        for _ in range(500):
            key = rng.choice(keys)
            verb = rng.choice(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
            base = 0 if verb.endswith("AT") else None
            unit = 1000 if verb.startswith("P") else 1
            now = int(h.clock.seconds() * unit)
            amount = rng.randrange(-2 * unit, 5 * unit)
            arg = amount if base is None else now + amount
            flags = rng.choice([[], ["NX"], ["XX"], ["GT"], ["LT"], ["XX", "GT"]])
            roll = rng.randrange(10)
            if roll < 3:
                h("SET", key, "v")
            elif roll < 8:
                h(verb, key, str(arg), *flags)
            elif roll == 8:
                h("PERSIST", key)
            else:
                h("TTL", key)
            h.clock.advance(rng.randrange(0, 800) / 1000)
