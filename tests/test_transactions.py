"""MULTI/EXEC/WATCH: replies, propagation as one unit, WATCH bookkeeping, frozen clock."""

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from replkv import reply
from replkv.client import Client
from replkv.commands.registry import CommandTable
from replkv.commands.table import Command
from replkv.config import Config
from replkv.server import Server


def make_server() -> tuple[Server, Clock]:
    clock = Clock()
    clock.advance(1_700_000_000)
    return Server(Config(), clock), clock


class TransactionTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.server, self.clock = make_server()
        self.a = self.new_client()
        self.b = self.new_client()

    def new_client(self) -> Client:
        client = Client(self.server, self.server.clients.next_id())
        self.server.clients.add(client)
        return client

    def run_on(self, client: Client, *args: str | bytes) -> bytes | None:
        argv = [arg.encode() if isinstance(arg, str) else arg for arg in args]
        return self.server.execute(client, argv)

    def log_bytes(self) -> bytes:
        return self.server.log.read(0, self.server.log.end_offset)  # type: ignore[attr-defined]


class MultiExecTests(TransactionTestCase):
    def test_queue_and_exec(self) -> None:
        self.assertEqual(self.run_on(self.a, "MULTI"), reply.OK)
        self.assertEqual(self.run_on(self.a, "SET", "k", "1"), reply.QUEUED)
        self.assertEqual(self.run_on(self.a, "INCR", "k"), reply.QUEUED)
        self.assertEqual(self.run_on(self.a, "GET", "k"), reply.QUEUED)
        self.assertEqual(self.run_on(self.a, "EXEC"), b"*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n")
        self.assertIsNone(self.a.multi)

    def test_errors_inside_exec_are_elements(self) -> None:
        self.run_on(self.a, "SET", "s", "x")
        self.run_on(self.a, "MULTI")
        self.run_on(self.a, "INCR", "s")
        self.run_on(self.a, "GET", "s")
        self.assertEqual(
            self.run_on(self.a, "EXEC"),
            b"*2\r\n-ERR value is not an integer or out of range\r\n$1\r\nx\r\n",
        )

    def test_queueing_error_aborts(self) -> None:
        self.run_on(self.a, "MULTI")
        self.run_on(self.a, "SET", "k", "1")
        self.assertTrue(self.run_on(self.a, "GET").startswith(b"-ERR wrong number"))  # type: ignore[union-attr]
        self.assertEqual(
            self.run_on(self.a, "EXEC"),
            b"-EXECABORT Transaction discarded because of previous errors.\r\n",
        )
        self.assertIsNone(self.a.db.get(b"k"))

    def test_misuse(self) -> None:
        self.assertEqual(self.run_on(self.a, "EXEC"), b"-ERR EXEC without MULTI\r\n")
        self.assertEqual(self.run_on(self.a, "DISCARD"), b"-ERR DISCARD without MULTI\r\n")
        self.run_on(self.a, "MULTI")
        self.assertEqual(self.run_on(self.a, "MULTI"), b"-ERR MULTI calls can not be nested\r\n")
        self.assertEqual(
            self.run_on(self.a, "WATCH", "k"), b"-ERR WATCH inside MULTI is not allowed\r\n"
        )
        self.assertEqual(self.run_on(self.a, "EXEC"), b"*0\r\n")  # neither error dooms it

    def test_rejected_exec_is_execabort(self) -> None:
        self.run_on(self.a, "MULTI")
        self.run_on(self.a, "SET", "k", "1")
        self.assertEqual(
            self.run_on(self.a, "EXEC", "extra"),
            b"-EXECABORT Transaction discarded because of: "
            b"wrong number of arguments for 'exec' command\r\n",
        )
        self.assertIsNone(self.a.multi)

    def test_discard(self) -> None:
        self.run_on(self.a, "WATCH", "k")
        self.run_on(self.a, "MULTI")
        self.run_on(self.a, "SET", "k", "1")
        self.assertEqual(self.run_on(self.a, "DISCARD"), reply.OK)
        self.assertIsNone(self.a.multi)
        self.assertEqual(self.a.watches.keys, [])
        self.assertEqual(self.a.db.observed, {})

    def test_no_multi_command_refused(self) -> None:
        self.run_on(self.a, "MULTI")
        self.assertEqual(
            self.run_on(self.a, "SHUTDOWN"), b"-ERR Command not allowed inside a transaction\r\n"
        )
        self.assertTrue(self.a.multi_error)


class PropagationTests(TransactionTestCase):
    def test_several_writes_are_one_multi_exec_unit(self) -> None:
        self.run_on(self.a, "MULTI")
        self.run_on(self.a, "SET", "a", "1")
        self.run_on(self.a, "GET", "a")
        self.run_on(self.a, "SET", "b", "2")
        self.run_on(self.a, "EXEC")
        self.assertEqual(
            self.log_bytes(),
            reply.encode_command([b"SELECT", b"0"])
            + reply.encode_command([b"MULTI"])
            + reply.encode_command([b"SET", b"a", b"1"])
            + reply.encode_command([b"SET", b"b", b"2"])
            + reply.encode_command([b"EXEC"]),
        )

    def test_single_write_goes_out_bare(self) -> None:
        self.run_on(self.a, "MULTI")
        self.run_on(self.a, "SET", "a", "1")
        self.run_on(self.a, "GET", "a")
        self.run_on(self.a, "EXEC")
        self.assertEqual(
            self.log_bytes(),
            reply.encode_command([b"SELECT", b"0"]) + reply.encode_command([b"SET", b"a", b"1"]),
        )

    def test_read_only_transaction_propagates_nothing(self) -> None:
        self.run_on(self.a, "MULTI")
        self.run_on(self.a, "GET", "a")
        self.run_on(self.a, "EXEC")
        self.assertEqual(self.server.log.end_offset, 0)

    def test_clock_frozen_during_exec(self) -> None:
        seen: list[int] = []

        def slow_time(client: Client, argv: list[bytes]) -> bytes:
            seen.append(client.server.keyspace.now_ms())
            self.clock.advance(5)  # time passes while commands run
            return reply.OK

        probe = Command("slowtime", slow_time, 1, frozenset())
        self.server = Server(Config(), self.clock, commands=CommandTable(extra=[probe]))
        client = self.new_client()
        self.run_on(client, "SLOWTIME")
        self.run_on(client, "MULTI")
        for _ in range(3):
            self.run_on(client, "SLOWTIME")
        self.run_on(client, "EXEC")
        # seen[0] ran outside MULTI; the three queued commands saw one time.
        self.assertEqual(len(seen), 4)
        self.assertEqual(len(set(seen[1:])), 1)
        self.assertGreater(seen[1], seen[0])
        self.assertIsNone(self.server.keyspace.frozen_ms)


class WatchTests(TransactionTestCase):
    def exec_after(self, client: Client) -> bytes | None:
        self.run_on(client, "MULTI")
        self.run_on(client, "PING")
        return self.run_on(client, "EXEC")

    def test_bookkeeping(self) -> None:
        self.run_on(self.a, "WATCH", "k", "j", "k")
        self.run_on(self.b, "WATCH", "k")
        db = self.a.db
        self.assertEqual(db.observed[b"k"], [self.a.watches, self.b.watches])
        self.assertEqual(self.a.watches.keys, [(db, b"k"), (db, b"j")])
        self.run_on(self.a, "UNWATCH")
        self.assertEqual(db.observed, {b"k": [self.b.watches]})
        self.server.clients.remove(self.b)
        self.assertEqual(db.observed, {})

    def test_other_client_write_aborts(self) -> None:
        self.run_on(self.a, "WATCH", "k")
        self.run_on(self.b, "SET", "k", "1")
        self.assertEqual(self.exec_after(self.a), b"*-1\r\n")
        # EXEC forgot the watch: the next one runs.
        self.assertEqual(self.exec_after(self.a), b"*1\r\n+PONG\r\n")

    def test_resp3_null(self) -> None:
        self.run_on(self.a, "HELLO", "3")
        self.run_on(self.a, "WATCH", "k")
        self.run_on(self.b, "SET", "k", "1")
        self.assertEqual(self.exec_after(self.a), b"_\r\n")

    def test_other_database_does_not_touch(self) -> None:
        self.run_on(self.a, "WATCH", "k")
        self.run_on(self.b, "SELECT", "1")
        self.run_on(self.b, "SET", "k", "1")
        self.assertEqual(self.exec_after(self.a), b"*1\r\n+PONG\r\n")

    def test_live_key_expiring_before_exec(self) -> None:
        self.run_on(self.a, "SET", "k", "v", "PX", "100")
        self.run_on(self.a, "WATCH", "k")
        self.clock.advance(0.2)
        self.assertEqual(self.exec_after(self.a), b"*-1\r\n")

    def test_expired_key_deleted_is_no_change(self) -> None:
        self.run_on(self.a, "SET", "k", "v", "PX", "100")
        self.clock.advance(0.2)
        self.run_on(self.a, "WATCH", "k")
        self.assertIn((self.a.db, b"k"), self.a.watches.expired)
        self.assertEqual(self.run_on(self.b, "GET", "k"), b"$-1\r\n")
        self.assertNotIn(b"k", self.a.db.data)  # deleted by lazy expiry
        self.assertEqual(self.exec_after(self.a), b"*1\r\n+PONG\r\n")

    def test_expired_key_recreated_is_a_change(self) -> None:
        self.run_on(self.a, "SET", "k", "v", "PX", "100")
        self.clock.advance(0.2)
        self.run_on(self.a, "WATCH", "k")
        self.run_on(self.b, "SET", "k", "new")
        self.assertEqual(self.exec_after(self.a), b"*-1\r\n")

    def test_flush_touches_existing_keys_only(self) -> None:
        self.run_on(self.a, "WATCH", "missing")
        self.run_on(self.b, "FLUSHALL")
        self.assertEqual(self.exec_after(self.a), b"*1\r\n+PONG\r\n")
        self.run_on(self.b, "SET", "k", "1")
        self.run_on(self.a, "WATCH", "k")
        self.run_on(self.b, "FLUSHDB")
        self.assertEqual(self.exec_after(self.a), b"*-1\r\n")

    def test_swapdb(self) -> None:
        self.run_on(self.a, "WATCH", "nowhere")
        self.run_on(self.b, "SWAPDB", "0", "1")
        self.assertEqual(self.exec_after(self.a), b"*1\r\n+PONG\r\n")
        self.run_on(self.b, "SELECT", "1")
        self.run_on(self.b, "SET", "k", "1")
        self.run_on(self.a, "WATCH", "k")
        self.run_on(self.b, "SWAPDB", "0", "1")
        self.assertEqual(self.exec_after(self.a), b"*-1\r\n")

    def test_swapdb_bringing_an_expired_key(self) -> None:
        self.run_on(self.b, "SELECT", "1")
        self.run_on(self.b, "SET", "k", "v", "PX", "100")
        self.clock.advance(0.2)
        self.run_on(self.a, "WATCH", "k")
        self.run_on(self.b, "SWAPDB", "0", "1")
        self.assertIn((self.a.db, b"k"), self.a.watches.expired)
        self.assertEqual(self.exec_after(self.a), b"*1\r\n+PONG\r\n")
