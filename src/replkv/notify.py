"""Keyspace notifications (notify.c: notifyKeyspaceEvent()).

A command that changed a key calls

    notify(client.server, NOTIFY_<CLASS>, b"<event>", key, db.id)

at the place Redis 7.0 calls notifyKeyspaceEvent(), after the change. When the class
is enabled by `notify-keyspace-events`, the event is published, as PUBLISH would, on
`__keyspace@<db>__:<key>` (message: the event) if K is set and on
`__keyevent@<db>__:<event>` (message: the key) if E is set. With notifications off
the call costs one integer test. Notifications are not events: replicas raise their
own while applying the stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from replkv.directives import (
    NOTIFY_EVICTED,
    NOTIFY_EXPIRED,
    NOTIFY_GENERIC,
    NOTIFY_HASH,
    NOTIFY_KEY_MISS,
    NOTIFY_KEYEVENT,
    NOTIFY_KEYSPACE,
    NOTIFY_LIST,
    NOTIFY_NEW,
    NOTIFY_SET,
    NOTIFY_STREAM,
    NOTIFY_STRING,
    NOTIFY_ZSET,
)

if TYPE_CHECKING:
    from replkv.server import Server

__all__ = [
    "NOTIFY_EVICTED",
    "NOTIFY_EXPIRED",
    "NOTIFY_GENERIC",
    "NOTIFY_HASH",
    "NOTIFY_KEY_MISS",
    "NOTIFY_LIST",
    "NOTIFY_NEW",
    "NOTIFY_SET",
    "NOTIFY_STREAM",
    "NOTIFY_STRING",
    "NOTIFY_ZSET",
    "notify",
]


def notify(server: Server, type_class: int, event: bytes, key: bytes, db_id: int) -> None:
    """notifyKeyspaceEvent(): publish event about key if its class is enabled."""
    flags = server.config.notify_keyspace_events
    if not flags & type_class:
        return
    pubsub = server.pubsub
    if flags & NOTIFY_KEYSPACE:
        pubsub.publish(b"__keyspace@%d__:%b" % (db_id, key), event)
    if flags & NOTIFY_KEYEVENT:
        pubsub.publish(b"__keyevent@%d__:%b" % (db_id, event), key)
