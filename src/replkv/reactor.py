"""An epoll reactor without the per-event logging context.

Twisted's epoll reactor wraps every ready descriptor's handling in
`log.callWithLogger()`, which costs several microseconds per event: more than a
whole GET. This reactor dispatches events directly; errors are still logged by
`_doReadOrWrite()`. twistd uses it when the plugin is loaded before any reactor is.
"""

from __future__ import annotations

import errno
import sys

from twisted.internet import epollreactor


class EPollReactor(epollreactor.EPollReactor):
    """epoll, dispatching ready descriptors without a logging context per event."""

    def doPoll(self, timeout: float | None) -> None:
        if timeout is None:
            timeout = -1
        try:
            events = self._poller.poll(timeout, len(self._selectables))
        except OSError as err:
            if err.errno == errno.EINTR:
                return
            raise
        selectables = self._selectables
        handle = self._doReadOrWrite
        for fd, event in events:
            selectable = selectables.get(fd)
            if selectable is not None:
                handle(selectable, fd, event)

    doIteration = doPoll


def install() -> bool:
    """Install this reactor if no reactor is installed yet; True if it was."""
    if "twisted.internet.reactor" in sys.modules or not sys.platform.startswith("linux"):
        return False
    from twisted.internet.main import installReactor

    installReactor(EPollReactor())
    return True
