"""FUNCTION and FCALL: replkv's replies against redis-server's, RESP2 and RESP3.

Redis lists libraries and functions in its seeded hash tables' order: the libraries
compared here with FUNCTION LIST have one function each, or are listed one at a time.
"""

from twisted.trial.unittest import SynchronousTestCase

from tests.interop.test_transactions_vs_redis import any_client_id
from tests.support.differential import DifferentialCase, cmd, info_fields


def library(name: str, body: str) -> str:
    return f"#!lua name={name}\n{body}"


LIB = library(
    "lib1",
    "redis.register_function('f1', function(keys, args)\n"
    "  return {keys[1], args[1], #keys, #args}\n"
    "end)",
)
RO_LIB = library(
    "rolib",
    "redis.register_function{function_name='ro', description='read only',\n"
    "  callback=function(keys) return redis.call('get', keys[1]) end,\n"
    "  flags={'no-writes', 'allow-stale'}}",
)
WRITE_LIB = library(
    "wlib",
    "redis.register_function('w', function(keys, args)\n"
    "  redis.call('set', keys[1], args[1]) return redis.call('incr', 'n')\n"
    "end)",
)
ERRORS_LIB = library(
    "errlib",
    "\n".join(
        f"redis.register_function('{name}', function(keys, args) {body} end)"
        for name, body in (
            ("e1", "local a = nil + 1"),
            ("e2", "return redis.call('nosuch')"),
            ("e3", "return KEYS"),
            ("e4", "error('boom')"),
            ("e5", "return redis.register_function('zz', function() end)"),
            ("e6", "x = 1"),
            ("e7", "return redis.error_reply('MY error')"),
            ("e8", "return {err='plain'}"),
            ("e9", "return redis.pcall('incr', keys[1])"),
            ("r1", "return {1, 'two', {3.5, true, false}, redis.status_reply('OK')}"),
            ("r2", "return {double=1.5}"),
            ("r3", "redis.setresp(3) return redis.call('hgetall', keys[1])"),
            ("r4", "return type(math)"),
            ("r5", "return string.rep('x', 3)"),
        )
    ),
)

LOAD_ERRORS = (
    "return 1",
    "#!lua",
    "#!lua name=x",
    "#!lua name=\nredis.register_function('x', function() end)",
    "#!lua\nredis.register_function('x', function() end)",
    "#!\nredis.register_function('x', function() end)",
    "#! name=x\nredis.register_function('x', function() end)",
    "#!foo name=x\nredis.register_function('x', function() end)",
    "#!lua name=x foo=bar\nredis.register_function('x', function() end)",
    "#!lua name=x bar\nredis.register_function('x', function() end)",
    "#!lua name=x name=y\nredis.register_function('x', function() end)",
    "#!lua name=\"a b\"\nredis.register_function('x', function() end)",
    "#!lua name=a-b\nredis.register_function('x', function() end)",
    "#!lua name=x\n",
    "#!lua name=x\nreturn 1",
    "#!lua name=x\nredis.call('get','x')",
    "#!lua name=x\nlocal x = string.len('a')",
    "#!lua name=x\nlocal t = _G",
    "#!lua name=x\nx = 1",
    "#!lua name=x\nredis.x = 1",
    "#!lua name=x\nlocal a = nil + 1",
    "#!lua name=x\nsyntax error here",
    "#!lua name=x\nredis.register_function('a-b', function() end)",
    "#!lua name=x\nredis.register_function('', function() end)",
    "#!lua name=x\nredis.register_function('f', function() end)"
    " redis.register_function('f', function() end)",
    "#!lua name=x\nredis.register_function('f', 1)",
    "#!lua name=x\nredis.register_function(1, 1)",
    "#!lua name=x\nredis.register_function('x')",
    "#!lua name=x\nredis.register_function(1)",
    "#!lua name=x\nredis.register_function()",
    "#!lua name=x\nredis.register_function('f', function() end, 3)",
    "#!lua name=x\nredis.register_function({function_name='g'})",
    "#!lua name=x\nredis.register_function({callback=function() end})",
    "#!lua name=x\nredis.register_function({function_name='g', callback=function() end, foo=1})",
    "#!lua name=x\nredis.register_function({function_name={}, callback=function() end})",
    "#!lua name=x\nredis.register_function({function_name='a', callback=1})",
    "#!lua name=x\nredis.register_function({function_name='a', callback=function() end, flags=1})",
    "#!lua name=x\nredis.register_function({function_name='a', callback=function() end,"
    " flags={'bad'}})",
    "#!lua name=x\nredis.register_function({function_name='a', callback=function() end,"
    " flags={{}}})",
    "#!lua name=x\nredis.register_function({function_name='a', callback=function() end,"
    " description={}})",
    "#!lua name=x\nredis.register_function({[1]='a', callback=function() end})",
    "#!lua name=x\nredis.register_function({function_name='f1', callback=function() end})",
    "#!lua name=x\nlocal i = 0 while true do i = i + 1 end",
)


class FunctionsVsRedis(DifferentialCase, SynchronousTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.assertSameReplies([["FUNCTION", "FLUSH"]])

    def test_load_errors(self) -> None:
        self.assertSameReplies(
            [
                ["FUNCTION", "LOAD", LIB],
                *(["FUNCTION", "LOAD", code] for code in LOAD_ERRORS),
                ["FUNCTION", "LOAD", LIB],
                ["FUNCTION", "LOAD", "REPLACE", LIB],
                ["FUNCTION", "LOAD", "foo", LIB],
                ["FUNCTION", "LOAD", "REPLACE"],
                ["FUNCTION", "LOAD", "#!LUA name=l2\nredis.register_function('F1', redis.log)"],
                ["FUNCTION", "LOAD", library("ok", "redis.register_function({function_name=1,"
                                             " callback=function() return 1 end,"
                                             " FLAGS={'NO-WRITES'}})")],
                ["FCALL", "1", "0"],
                ["FUNCTION", "DELETE", "nosuch"],
                ["FUNCTION", "DELETE", "ok"],
                ["FCALL", "1", "0"],
                ["FUNCTION", "STATS"],
                ["INFO", "nosuch"],
                cmd("INFO", "memory", normalise=info_fields("number_of_functions",
                                                            "number_of_libraries")),
            ]
        )  # fmt: skip

    def test_fcall_results_and_errors(self) -> None:
        commands = [
            ["FUNCTION", "LOAD", LIB],
            ["FUNCTION", "LOAD", RO_LIB],
            ["FUNCTION", "LOAD", WRITE_LIB],
            ["FUNCTION", "LOAD", ERRORS_LIB],
            ["FCALL", "f1", "2", "a", "b", "c"],
            ["FCALL", "f1", "0"],
            ["FCALL", "f1", "-1"],
            ["FCALL", "f1", "3", "a"],
            ["FCALL", "f1", "x"],
            ["FCALL", "f1", "1.5", "a"],
            ["FCALL", "nosuch", "0"],
            ["FCALL", "nosuch", "x"],
            ["fcall", "F1", "0"],
            ["FUNCTION", "LOAD", library("Lib1", "redis.register_function('g', function()"
                                         " return 1 end) redis.register_function('G',"
                                         " function() return 2 end)")],
            ["FUNCTION", "LOAD", library("lib3", "redis.register_function('F1', function() end)")],
            # (FCALL G is either function: Redis adds them in its hash table's order.)
            ["FUNCTION", "DELETE", "LIB1"],
            ["FCALL_RO", "w", "1", "k", "v"],
            ["FCALL_RO", "ro", "1", "k"],
            ["FCALL", "w", "1", "k", "v"],
            ["FCALL_RO", "ro", "1", "k"],
            ["FCALL", "ro", "1", "k"],
            ["FUNCTION", "LOAD", library("rw", "redis.register_function{function_name='rw',"
                                         " callback=function() return redis.call('set', 'a', 1)"
                                         " end, flags={'no-writes'}}")],
            ["FCALL", "rw", "0"],
            ["HSET", "h", "f", "v"],
            *(["FCALL", f"e{i}", "1", "k"] for i in range(1, 10)),
            *(["FCALL", f"r{i}", "1", "h"] for i in range(1, 6)),
            ["MULTI"],
            ["FCALL", "w", "1", "k2", "v2"],
            ["FCALL_RO", "ro", "1", "k2"],
            ["EXEC"],
            ["GET", "n"],
        ]  # fmt: skip
        self.assertSameReplies(commands)
        self.assertSameReplies([cmd("HELLO", "3", normalise=any_client_id), *commands[4:]])

    def test_list_shapes(self) -> None:
        listing = [
            ["FUNCTION", "LIST"],
            ["FUNCTION", "LIST", "WITHCODE"],
            ["FUNCTION", "LIST", "LIBRARYNAME", "ro*"],
            ["FUNCTION", "LIST", "withcode", "libraryname", "LIB1"],
            ["FUNCTION", "LIST", "LIBRARYNAME", "nosuch"],
            ["FUNCTION", "LIST", "LIBRARYNAME"],
            ["FUNCTION", "LIST", "foo"],
            ["FUNCTION", "LIST", "WITHCODE", "WITHCODE"],
            ["FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"],
            ["FUNCTION", "STATS"],
            ["FUNCTION", "KILL"],
            ["FUNCTION", "HELP"],
            ["FUNCTION", "FLUSH", "foo"],
            ["FUNCTION", "FLUSH", "ASYNC", "x"],
            ["FUNCTION", "nosuch"],
            ["FUNCTION", "DUMP", "x"],
            ["FUNCTION", "RESTORE", "x", "y", "z"],
            ["FUNCTION", "RESTORE", "x", "FOO"],
        ]
        self.assertSameReplies([["FUNCTION", "LIST"], ["FUNCTION", "LOAD", RO_LIB], *listing])
        self.assertSameReplies([cmd("HELLO", "3", normalise=any_client_id), *listing])
        self.assertSameReplies(
            [
                ["FUNCTION", "FLUSH", "SYNC"],
                ["FUNCTION", "LOAD", LIB],
                ["FUNCTION", "LIST", "WITHCODE"],
                ["FUNCTION", "FLUSH", "async"],
                ["FUNCTION", "LIST"],
                ["FUNCTION", "STATS"],
            ]
        )

    def test_dump_and_restore_round_trips(self) -> None:
        self.assertSameReplies(
            [
                ["FUNCTION", "DUMP"],
                ["FUNCTION", "LOAD", LIB],
                ["FUNCTION", "DUMP"],  # the same bytes: one library, LZF-compressed
                ["FUNCTION", "RESTORE", "x"],
                ["FUNCTION", "RESTORE", "0123456789"],
            ]
        )
        redis, replkv = self.redis_client, self.replkv_client
        from_redis = _bulk(redis.call("FUNCTION", "DUMP"))
        from_replkv = _bulk(replkv.call("FUNCTION", "DUMP"))
        self.assertEqual(from_replkv, from_redis)
        self.assertSameReplies(
            [
                ["FUNCTION", "LOAD", RO_LIB],
                ["FUNCTION", "RESTORE", from_redis],
                ["FUNCTION", "RESTORE", from_redis, "APPEND"],
                ["FUNCTION", "RESTORE", from_redis, "REPLACE"],
                ["FUNCTION", "DELETE", "lib1"],
                ["FUNCTION", "LOAD", library("other", "redis.register_function('f1',"
                                             " function() return 2 end)")],
                ["FUNCTION", "RESTORE", from_redis, "REPLACE"],
                ["FCALL", "f1", "0"],
                ["FUNCTION", "RESTORE", from_redis, "FLUSH"],
                ["FUNCTION", "LIST"],
                ["FCALL", "f1", "1", "k"],
                ["FCALL", "ro", "1", "k"],
                ["FUNCTION", "RESTORE", from_redis[:-1] + b"x"],
                ["FUNCTION", "RESTORE", b"\x00\x02ab" + from_redis[-10:]],
            ]
        )  # fmt: skip
        # A payload of several libraries, from each side, restored on the other.
        for client in (redis, replkv):
            client.call("FUNCTION", "FLUSH")
            for code in (LIB, RO_LIB, WRITE_LIB):
                client.call("FUNCTION", "LOAD", code)
        payloads = (_bulk(redis.call("FUNCTION", "DUMP")), _bulk(replkv.call("FUNCTION", "DUMP")))
        for payload in payloads:
            self.assertSameReplies(
                [
                    ["FUNCTION", "FLUSH"],
                    ["FUNCTION", "RESTORE", payload],
                    ["FUNCTION", "LIST", "LIBRARYNAME", "wlib"],
                    ["FCALL", "w", "1", "k", "v"],
                    ["FUNCTION", "STATS"],
                ]
            )


def _bulk(raw: bytes) -> bytes:
    """The value of a bulk string reply."""
    assert raw[:1] == b"$", raw
    header_end = raw.index(b"\r\n")
    return raw[header_end + 2 : header_end + 2 + int(raw[1:header_end])]
