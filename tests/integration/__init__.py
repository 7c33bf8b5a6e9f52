"""Tests against real replkv processes."""
