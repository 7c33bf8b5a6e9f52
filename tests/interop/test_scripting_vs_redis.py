"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT: replkv's replies against redis-server's."""

from twisted.trial.unittest import SynchronousTestCase

from tests.interop.test_transactions_vs_redis import any_client_id
from tests.support.differential import DifferentialCase, cmd


def evals(*scripts: str, keys: tuple[str, ...] = ("k1", "k2"), args: tuple[str, ...] = ()) -> list:
    """EVAL of each script with the same keys and arguments."""
    return [["EVAL", script, str(len(keys)), *keys, *args] for script in scripts]


# Lua values a script returns, and what it returns from redis.call.
RETURNS = (
    "return 1",
    "return -7",
    "return 3.99",
    "return -3.99",
    "return 1e300",
    "return 0/0",
    "return 'text'",
    "return ''",
    "return true",
    "return false",
    "return nil",
    "return {}",
    "return {1, 'two', {3, {4}}, false, 5}",
    "return {1, 2, nil, 4}",
    "return {ok='fine'}",
    "return {ok='two\\r\\nlines'}",
    "return {err='My Error'}",
    "return {err='-x y'}",
    "return {err='multi\\nline'}",
    "return redis.status_reply('STATUS')",
    "return redis.error_reply('My Err')",
    "return redis.error_reply('-CODE message')",
    "return redis.error_reply('single')",
    "return redis.error_reply(1)",
    "return redis.status_reply()",
    "return {double=3.5}",
    "return {map={a=1}}",
    "return {set={a=true}}",
    "return {big_number='123456789012345678901234567890'}",
    "return {verbatim_string={format='txt', string='hello'}}",
    "return KEYS",
    "return ARGV",
    "return {#KEYS, #ARGV}",
    "return redis.sha1hex('abc')",
    "return redis.sha1hex('')",
    "return redis.replicate_commands()",
    "return redis.breakpoint()",
    "return redis.REDIS_VERSION",
    "return redis.REDIS_VERSION_NUM",
    "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
    "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA,"
    " redis.REPL_ALL}",
    "return _VERSION",
    "return type(loadstring)",
    "return loadstring('return 7')()",
    "return tostring(tonumber('0x10'))",
    "return string.format('%5.2f|%d|%s', 3.14159, 42, 'x')",
    "return table.concat({'a','b','c'}, '-')",
    "return math.floor(7.9)",
    "return unpack({1, 2, 3})",
    "return select('#', 1, 2, 3)",
    "return type(redis.call) == 'function' or type(redis.call) == 'userdata'",
    "local ok, e = pcall(error, {err='inner'}) return e",
    "local ok, e = pcall(function() return redis.call('incr', 'notanint') end) return e",
    "local ok, e = pcall(redis.call, 'nosuch') return e",
    "return redis.setresp(3)",
)

CALLS = (
    "return redis.call('set', KEYS[1], 'v')",
    "return redis.call('get', KEYS[1])",
    "return redis.call('get', 'missing')",
    "return redis.call('incrby', KEYS[1], 5)",
    "return redis.call('rpush', 'l', 1, 2.5, 'x')",
    "return redis.call('lrange', 'l', 0, -1)",
    "return redis.call('set', 'f', 0.1)",
    "return redis.call('get', 'f')",
    "return redis.call('set', 'big', 1e20)",
    "return redis.call('get', 'big')",
    "return redis.call('hset', 'h', 'a', 1, 'b', 2)",
    "return redis.call('hgetall', 'h')",
    "return redis.call('ping')",
    "return redis.call('type', 'h')",
    "return redis.call('incrbyfloat', 'fl', '1.5')",
    "return redis.call('zadd', 'z', 1, 'a', 2, 'b')",
    "return redis.call('zrange', 'z', 0, -1, 'withscores')",
    "return redis.call('zscore', 'z', 'a')",
    "return redis.call('smembers', 'nosuchset')",
    "return redis.call('exists', 'h', 'z', 'nope')",
    "return redis.call('lpop', 'nolist')",
    "return redis.call('blpop', 'nolist', 0)",
    "return redis.call('select', 1)",
    "return redis.pcall('incr', 'l')",
    "return redis.pcall('nosuch')",
    "return redis.pcall('get')",
    "return redis.pcall('get', {})",
    "return redis.pcall()",
    "return redis.pcall('config', 'nosuchsub')",
    "return redis.pcall('multi')",
    "return redis.pcall('eval', 'return 1', 0)",
    "return redis.pcall('set', 'a', 'b', 'nx', 'xx')",
)

RESP3_CALLS = (
    "redis.setresp(3) return redis.call('hgetall', 'h')",
    "redis.setresp(3) return redis.call('smembers', 's')",
    "redis.setresp(3) return redis.call('zscore', 'z', 'a')",
    "redis.setresp(3) return redis.call('get', 'missing')",
    "redis.setresp(3) return redis.call('ping')",
    "redis.setresp(3) return redis.call('zrange', 'z', 0, -1, 'withscores')",
    "redis.setresp(3) return redis.call('exists', 'h')",
    "redis.setresp(3) return redis.call('lpop', 'nolist')",
    "redis.setresp(3) return redis.pcall('incr', 'h')",
    "redis.setresp(3) return true",
    "redis.setresp(3) return false",
    "redis.setresp(3) return {double=1.25}",
    "redis.setresp(3) return {map={x='y'}}",
    "redis.setresp(3) local r = redis.call('hgetall', 'h') return r.map.a",
    "redis.setresp(3) local r = redis.call('smembers', 's') return r.set.m1 and 1 or 0",
    "redis.setresp(3) return redis.call('zscore', 'z', 'a').double * 4",
    "redis.setresp(3) return type(redis.call('get', 'missing'))",
    "redis.setresp(2) return redis.call('hgetall', 'h')",
    "redis.setresp(4)",
    "redis.setresp()",
)

ERRORS = (
    "return redis.call('incr', 'l')",
    "return redis.call('nosuch')",
    "return redis.call('get')",
    "return redis.call()",
    "return redis.call('get', nil)",
    "return redis.call('get', {})",
    "redis.call('multi')",
    "return redis.call('config', 'nosuchsub')",
    "return redis.call('config')",
    "\n\nredis.call('incr', 'l')",
    "local function f() return redis.call('incr', 'l') end\nreturn f()",
    "error('boom')",
    "error({err='boom'})",
    "error({err='-CODE boom'})",
    # error({}) crashes redis-server 7.0.15 (a NULL message in luaCallFunction).
    "error('multi\\nline')",
    "error(42)",
    "local t = nil; return t.x",
    "return 1 + {}",
    "return (",
    "return 'unterminated",
    "x = 1",
    "return x",
    "return print",
    "return os",
    "return io",
    "return require",
    "return dofile",
    "return loadfile",
    "return setfenv",
    "return getfenv",
    "return debug",
    "return module",
    "math.x = 1",
    "string.rep = nil",
    "redis.call = nil",
    "_G.y = 1",
    "rawset(_G, 'y', 1)",
    "loadstring('z = 1')()",
    "redis.log(redis.LOG_NOTICE)",
    "redis.log('x', 'y')",
    "redis.log(9, 'y')",
    "redis.set_repl(99)",
    "redis.set_repl()",
    "redis.sha1hex()",
    "redis.call('set', 'a', 'b') error('after a write')",
)


class ScriptingVsRedis(DifferentialCase, SynchronousTestCase):
    """Scripts compared byte for byte, RESP2 and RESP3 callers."""

    def test_return_values_resp2(self) -> None:
        self.assertSameReplies(evals(*RETURNS, args=("a1", "a2", "a3")))

    def test_return_values_resp3(self) -> None:
        self.assertSameReplies([cmd("HELLO", "3", normalise=any_client_id)])
        self.assertSameReplies(evals(*RETURNS, args=("a1",)) + evals(*RESP3_CALLS[9:13]))

    def test_redis_call_conversions(self) -> None:
        self.assertSameReplies(evals(*CALLS))

    def test_resp3_conversions(self) -> None:
        setup = [
            ["HSET", "h", "a", "1"],
            ["SADD", "s", "m1"],
            ["ZADD", "z", "1.5", "a"],
        ]
        self.assertSameReplies(setup + evals(*RESP3_CALLS))
        self.assertSameReplies([cmd("HELLO", "3", normalise=any_client_id)])
        self.assertSameReplies(evals(*RESP3_CALLS))

    def test_errors(self) -> None:
        self.assertSameReplies([["RPUSH", "l", "x"]] + evals(*ERRORS))

    def test_global_names(self) -> None:
        script = "local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) return t"
        self.assertSameReplies(evals(script))
        libraries = "local t = {} for k in pairs(%s) do t[#t + 1] = k end table.sort(t) return t"
        self.assertSameReplies(
            evals(*(libraries % name for name in ("string", "math", "table", "coroutine")))
        )

    def test_libraries_through_eval(self) -> None:
        # tests/interop/test_lua_libraries_vs_redis.py covers the libraries themselves;
        # here they are reached as scripts reach them, results converted to replies.
        self.assertSameReplies(
            evals(
                "return cjson.encode({1, 2, {a=1}})",
                "return cjson.decode('[1,2,3,null]')",
                "return {1, cjson.null, 2}",
                "return cjson.decode('{bad')",
                "return pcall(cjson.decode, '{bad')",
                "return cmsgpack.unpack(cmsgpack.pack({1, 2, 'x'}))",
                "return cmsgpack.pack({1, 2, 'x'})",
                "return bit.tohex(bit.band(0xff, 0x0f))",
                "return struct.pack('>I2', 513)",
                "return {struct.unpack('>I2', struct.pack('>I2', 513))}",
                "return cjson.encode(cjson.decode(ARGV[1]))",
                args=('{"a":[1,2,{"b":null}],"c":"\\/"}',),
            )
        )

    def test_numkeys(self) -> None:
        self.assertSameReplies(
            [
                ["EVAL", "return 1", "abc"],
                ["EVAL", "return 1", "2", "a"],
                ["EVAL", "return 1", "-1"],
                ["EVAL", "return KEYS", "0", "a"],
                ["EVAL", "return {KEYS[1], ARGV[1]}", "1", "a", "b"],
                ["EVAL", "return 1"],
                ["EVALSHA", "abc", "0"],
                ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "-1"],
                ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
            ]
        )

    def test_script_subcommands(self) -> None:
        sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        self.assertSameReplies(
            [
                ["SCRIPT", "EXISTS", sha, "nope"],
                ["SCRIPT", "LOAD", "return 1"],
                ["SCRIPT", "EXISTS", sha, sha.upper(), "nope"],
                ["EVALSHA", sha, "0"],
                ["EVALSHA", sha.upper(), "0"],
                ["EVALSHA_RO", sha, "0"],
                ["SCRIPT", "LOAD", "return ("],
                ["SCRIPT", "LOAD", "#!lua flags=bad\nreturn 1"],
                ["SCRIPT", "FLUSH", "bad"],
                ["SCRIPT", "FLUSH", "SYNC", "extra"],
                ["SCRIPT", "FLUSH", "ASYNC"],
                ["SCRIPT", "EXISTS", sha],
                ["EVALSHA", sha, "0"],
                ["SCRIPT", "LOAD", "return 1"],
                ["SCRIPT", "FLUSH"],
                ["SCRIPT", "EXISTS", sha],
                ["SCRIPT", "KILL"],
                ["SCRIPT", "HELP"],
                ["SCRIPT", "NOSUCH"],
                ["SCRIPT"],
                ["SCRIPT", "LOAD"],
                ["SCRIPT", "EXISTS"],
            ]
        )

    def test_shebang(self) -> None:
        self.assertSameReplies(
            evals(
                "#!lua\nreturn redis.call('set', 'a', 1)",
                "#!lua flags=no-writes\nreturn redis.call('get', 'a')",
                "#!lua flags=no-writes\nreturn redis.call('set', 'a', 2)",
                "#!lua flags=no-writes,allow-oom\nreturn 1",
                "#!lua flags=allow-stale,no-cluster,allow-cross-slot-keys,allow-oom\nreturn 2",
                "#!lua flags=\nreturn 3",
                "#!lua flags=no-writes\n\nerror('line three')",
                "#!lua",
                "#!lua flags=nosuch\nreturn 1",
                "#!lua other=1\nreturn 1",
                "#!python\nreturn 1",
                "#! lua\nreturn 1",
                "#!\nreturn 1",
                '#!lua "unbalanced\nreturn 1',
                "#lua\nreturn 1",
            )
        )

    def test_read_only_scripts(self) -> None:
        script_ro = [
            ["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "a"],
            ["EVAL_RO", "return redis.call('set', KEYS[1], 1)", "1", "a"],
            ["EVAL_RO", "return redis.pcall('set', KEYS[1], 1)", "1", "a"],
            ["EVAL_RO", "return redis.pcall('publish', 'ch', 'm')", "0"],
            ["EVAL_RO", "#!lua\nreturn 1", "0"],
            ["EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('set', 'a', 1)", "0"],
            ["SCRIPT", "LOAD", "return redis.call('del', 'a')"],
            ["EVALSHA_RO", "23e9b53a17e0de375fe9ac52973d74a9231496c2", "0"],
            ["EXISTS", "a"],
        ]
        self.assertSameReplies(script_ro)

    def test_effects_and_data(self) -> None:
        self.assertSameReplies(
            evals(
                "redis.call('set', KEYS[1], 'v') redis.call('rpush', KEYS[2], 'x') return 1",
                "redis.call('select', 3) redis.call('set', 'in3', 1)"
                " return redis.call('get', 'in3')",
            )
            + [
                ["GET", "k1"],
                ["LRANGE", "k2", "0", "-1"],
                ["GET", "in3"],
                ["SELECT", "3"],
                ["GET", "in3"],
                ["MULTI"],
                ["EVAL", "return redis.call('incr', 'c')", "0"],
                ["EVAL", "return redis.call('incr', 'c')", "0"],
                ["EXEC"],
            ]
        )

    def test_commandstats_and_info(self) -> None:
        self.assertSameReplies(
            [
                ["CONFIG", "RESETSTAT"],
                ["SCRIPT", "FLUSH"],
                ["SCRIPT", "LOAD", "return 1"],
                ["EVAL", "return redis.call('set', 'a', 1)", "0"],
                ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
                cmd("INFO", "memory", normalise=_cached_scripts),
                cmd("INFO", "commandstats", normalise=_calls_of("eval", "evalsha", "set")),
            ]
        )

    def test_errorstats_count_a_failing_call_once(self) -> None:
        self.assertSameReplies(
            [
                ["CONFIG", "RESETSTAT"],
                ["SET", "s", "text"],
                ["EVAL", "return redis.call('incr', 's')", "0"],  # the call's error, raised
                ["EVAL", "return redis.pcall('incr', 's')", "0"],  # returned as a reply
                ["EVAL", "return redis.error_reply('MINE mine')", "0"],
                ["EVAL", "return redis.call('nosuch')", "0"],
                cmd("INFO", "errorstats"),
                cmd("INFO", "commandstats", normalise=_calls_of("eval", "incr")),
            ]
        )


def _cached_scripts(raw: bytes) -> bytes:
    for line in raw.split(b"\r\n"):
        if line.startswith(b"number_of_cached_scripts:"):
            return line
    return b"<missing>"


def _calls_of(*names: str):  # type: ignore[no-untyped-def]
    def normalise(raw: bytes) -> bytes:
        found = []
        for line in raw.split(b"\r\n"):
            for name in names:
                prefix = b"cmdstat_" + name.encode() + b":calls="
                if line.startswith(prefix):
                    fields = dict(part.split(b"=") for part in line.split(b":", 1)[1].split(b","))
                    found.append(
                        name.encode() + b" " + fields[b"calls"] + b" " + fields[b"failed_calls"]
                    )
        return b"\n".join(sorted(found))

    return normalise
