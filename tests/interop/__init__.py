"""Tests comparing replkv with a real redis-server and real clients."""
