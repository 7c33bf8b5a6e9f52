"""cjson, cmsgpack, bit and struct in a bare runtime against redis-server's EVAL.

Every case in tests/support/lua_libraries_cases.py runs once in a lupa Lua 5.1 runtime
with replkv's install() and once as `EVAL <script> 0` on a real redis-server; the two
descriptions of what it returned (or the error it raised) must be equal byte for byte.
"""

from __future__ import annotations

import redis
from lupa import lua51
from twisted.trial.unittest import SynchronousTestCase

from replkv.scripting.libraries import install
from tests.support import lua_libraries_cases as cases
from tests.support.processes import start_redis_server


class LuaLibrariesVsRedis(SynchronousTestCase):
    def setUp(self) -> None:
        server = start_redis_server(self)
        self.client = redis.Redis(port=server.port)
        self.addCleanup(self.client.close)

    def compare(self, bodies: list[str]) -> None:
        mismatches = []
        for body in bodies:
            # A fresh runtime per case: cjson's settings are per runtime, as in Redis.
            lua = lua51.LuaRuntime(encoding=None)
            install(lua)
            script = cases.wrap(body)
            # Redis compiles scripts as the chunk "@user_script", which errors name.
            load = lua.eval(b'function(s) return assert(loadstring(s, "@user_script")) end')
            ours = load(script.encode())()
            theirs = self.client.eval(script, 0)
            if ours != theirs:
                mismatches.append(f"{body}\n  replkv: {ours!r}\n  redis:  {theirs!r}")
        self.assertEqual(mismatches, [], "\n".join(mismatches))

    def test_cjson(self) -> None:
        self.compare(cases.CJSON_CASES)

    def test_cmsgpack(self) -> None:
        self.compare(cases.CMSGPACK_CASES)

    def test_bit(self) -> None:
        self.compare(cases.BIT_CASES)

    def test_struct(self) -> None:
        self.compare(cases.STRUCT_CASES)
