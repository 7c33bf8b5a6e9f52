"""replkv: a replicated, event-sourced key-value server speaking the Redis protocol."""

__version__ = "0.1.0"
# The Redis version we answer as (INFO redis_version, HELLO version): clients gate features on it.
REDIS_VERSION = "7.0.15"
