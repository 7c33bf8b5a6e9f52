"""Lua scripting: EVAL, EVALSHA, SCRIPT and FUNCTION, run in a sandboxed Lua 5.1."""
