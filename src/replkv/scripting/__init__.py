"""Lua scripting: EVAL and the SCRIPT commands (eval.c, script.c, script_lua.c)."""
