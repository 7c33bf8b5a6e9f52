"""twistd plugin: `twistd -n replkv …` runs a replkv server."""

from twisted.application.service import ServiceMaker

replkv = ServiceMaker(
    "replkv",
    "replkv.tap",
    "A replicated key-value server speaking the Redis protocol",
    "replkv",
)
