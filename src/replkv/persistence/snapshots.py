"""RDB snapshots: SAVE, BGSAVE in a forked child, and the `save` rules (rdb.c).

A snapshot covers the log up to the offset recorded in its AUX fields (`repl-offset`,
with `repl-id` and `repl-stream-db`), so a restart loads it and replays the log from
there. It is written to a temporary file, fsynced, renamed over `dbfilename`, and the
directory is fsynced, so a crash leaves either the old snapshot or the new one.

BGSAVE forks: the child owns a copy of the keyspace as it was at the fork and writes it
while the parent keeps serving; the parent notices the child's end from serverCron
(`check_child()`), as Redis's checkChildrenDone() does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.logger import Logger

from replkv.keyspace.keyspace import Keyspace
from replkv.rdb.format import RdbError
from replkv.rdb.reader import RdbInfo, load_rdb
from replkv.rdb.values import Limits
from replkv.rdb.writer import write_rdb
from replkv.scripting.functions import load_libraries
from replkv.stats import Stats

if TYPE_CHECKING:
    from replkv.server import Server

log = Logger()

# rdb.c: a failed BGSAVE is retried by the save rules only after this many seconds.
RETRY_AFTER_ERROR = 5


def snapshot_aux(server: Server) -> dict[bytes, bytes]:
    """rdbPopulateSaveInfo(): the replication position the snapshot covers."""
    log_db = server.propagator.log_db
    return {
        b"repl-stream-db": b"%d" % (log_db if log_db >= 0 else 0),
        b"repl-id": server.replication.replid.encode(),
        b"repl-offset": b"%d" % server.log.end_offset,
        b"aof-base": b"0",
    }


def fsync_directory(path: str) -> None:
    """Make a rename in path durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_snapshot(server: Server, aux: dict[bytes, bytes]) -> None:
    """rdbSave(): the keyspace into `dir/dbfilename`, atomically. Raises OSError."""
    config = server.config
    directory = config.dir or "."
    target = os.path.join(directory, config.dbfilename)
    temp = os.path.join(directory, "temp-%d.rdb" % os.getpid())
    try:
        with open(temp, "wb", buffering=1 << 20) as out:
            write_rdb(
                server.keyspace,
                out,
                aux,
                compress=config.rdbcompression,
                checksum=config.rdbchecksum,
                limits=Limits.from_config(config),
                functions=server.functions.codes() if server.functions is not None else (),
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    fsync_directory(directory)


def parse_snapshot(
    server: Server, path: str, expired_before_ms: int | None
) -> tuple[Keyspace, RdbInfo]:
    """The snapshot at path, parsed into a keyspace of its own (nothing else sees it, so
    this may run on a worker thread), with the server's limits and checksum setting.
    Keys expired before expired_before_ms are skipped (None: a replica keeps them)."""
    config = server.config
    loaded = Keyspace(config.databases, server.clock, Stats())
    with open(path, "rb") as source:
        info = load_rdb(
            source,
            loaded,
            limits=Limits.from_config(config),
            verify_checksum=config.rdbchecksum,
            expired_before_ms=expired_before_ms,
        )
    return loaded, info


class Snapshots:
    """SAVE, BGSAVE, BGSAVE SCHEDULE and the save rules for one server."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.state = server.saves
        self.shut_down = False
        # The log offset the newest snapshot covers, and its size: the log's growth past
        # it triggers the next snapshot (auto-aof-rewrite-percentage / -min-size).
        self.covered_offset = server.log.end_offset
        self.snapshot_size = 0
        # Told (success, covered offset) when a BGSAVE child ends or is killed: the
        # replicas waiting for it (updateSlavesWaitingBgsave()).
        self.child_done_hooks: list[Callable[[bool, int], None]] = []

    def now(self) -> float:
        return self.server.clock.seconds()

    # -- SAVE ---------------------------------------------------------------------------

    def save(self) -> bool:
        """rdbSave() in the foreground: the server stops serving until it is written."""
        state = self.state
        dirty = state.dirty
        aux = snapshot_aux(self.server)
        try:
            write_snapshot(self.server, aux)
        except OSError as exc:
            log.error("Failed opening the temp RDB file for saving: {error}", error=exc)
            state.last_bgsave_ok = False
            return False
        log.info("DB saved on disk")
        self._covered(int(aux[b"repl-offset"]))
        state.dirty -= dirty
        state.last_save_time = int(self.now())
        state.last_bgsave_ok = True
        state.saves += 1
        return True

    # -- DEBUG RELOAD -------------------------------------------------------------------

    def reload(self, save: bool = True, flush: bool = True, merge: bool = False) -> str | None:
        """debug.c: DEBUG RELOAD: save (unless NOSAVE), empty the dataset (unless
        NOFLUSH), load the snapshot back; keys already present are an error unless MERGE.

        Returns None, or the reason it failed. Like Redis, nothing of it is an event:
        with NOSAVE or NOFLUSH the dataset can part from its log and replicas.
        """
        if save and not self.save():
            return "save"
        server = self.server
        config = server.config
        path = os.path.join(config.dir or ".", config.dbfilename)
        try:
            loaded, info = parse_snapshot(server, path, server.keyspace.now_ms())
        except (OSError, RdbError) as exc:
            log.warn("Error trying to load the RDB dump: {error}", error=exc)
            return "load"
        dbs = server.keyspace.dbs
        if not flush and not merge:
            for db, fresh in zip(dbs, loaded.dbs, strict=True):
                if any(key in db.data for key in fresh.data):
                    return "duplicate key"
        for db, fresh in zip(dbs, loaded.dbs, strict=True):
            if flush:
                db.flush()
            for key, value in fresh.data.items():
                db.store(key, value)
                when = fresh.expires.get(key)
                if when is not None:
                    db.set_expire(key, when)
        load_libraries(server, info.functions, flush=flush)
        log.warn("DB reloaded by DEBUG RELOAD")
        return None

    # -- BGSAVE -------------------------------------------------------------------------

    def background_save(self) -> bool:
        """rdbSaveBackground(): fork a child that writes the snapshot."""
        state = self.state
        state.dirty_at_fork = state.dirty
        state.last_bgsave_try = self.now()
        aux = snapshot_aux(self.server)
        pid = self._fork(aux, lambda: write_snapshot(self.server, aux))
        if pid is None:
            state.last_bgsave_ok = False
            return False
        state.child_target = "disk"
        state.scheduled = False
        log.info("Background saving started by pid {pid}", pid=pid)
        return True

    def background_transfer(self, write: Callable[[dict[bytes, bytes]], None]) -> int | None:
        """rdbSaveToSlavesSockets(): fork a child that runs write(aux) (the snapshot into a
        pipe to replicas) and exits. It counts as a BGSAVE in progress, but saves nothing:
        its end only reaches child_done_hooks. Returns the child's pid, or None."""
        aux = snapshot_aux(self.server)
        pid = self._fork(aux, lambda: write(aux))
        if pid is None:
            return None
        self.state.child_target = "socket"
        log.info("Background RDB transfer started by pid {pid}", pid=pid)
        return pid

    def _fork(self, aux: dict[bytes, bytes], work: Callable[[], None]) -> int | None:
        """Fork a child that runs work() and exits (0 if it returned); the child's pid,
        or None if fork failed. The snapshot it writes covers aux's repl-offset."""
        state = self.state
        state.offset_at_fork = int(aux[b"repl-offset"])
        started = time.monotonic_ns()
        try:
            pid = os.fork()
        except OSError as exc:
            log.error("Can't save in background: fork: {error}", error=exc)
            return None
        if pid == 0:  # the child: work, then leave without running any parent code
            code = 1
            try:
                work()
                code = 0
            finally:
                os._exit(code)
        state.latest_fork_usec = (time.monotonic_ns() - started) // 1000
        state.total_forks += 1
        state.child_pid = pid
        state.child_started = self.now()
        return pid

    def check_child(self) -> None:
        """checkChildrenDone(): collect a finished child and record how it went."""
        state = self.state
        if state.child_pid == -1:
            return
        try:
            pid, status = os.waitpid(state.child_pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere: its outcome is unknown
            pid, status = state.child_pid, 1 << 8
        if pid == 0:
            return
        state.child_pid = -1
        state.last_bgsave_seconds = int(self.now() - state.child_started)
        if state.child_target == "socket":
            self._transfer_done(status)
            return
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            log.info("Background saving terminated with success")
            self._covered(state.offset_at_fork)
            state.dirty -= state.dirty_at_fork
            state.last_save_time = int(self.now())
            state.last_bgsave_ok = True
            state.saves += 1
        elif os.WIFSIGNALED(status):
            log.warn(
                "Background saving terminated by signal {signal}",
                signal=os.WTERMSIG(status),
            )
            state.last_bgsave_ok = False
        else:
            log.warn("Background saving error")
            state.last_bgsave_ok = False
        self._child_done(state.last_bgsave_ok, state.offset_at_fork)

    def _transfer_done(self, status: int) -> None:
        """backgroundSaveDoneHandlerSocket(): nothing was saved; the replicas are told."""
        state = self.state
        state.child_target = "disk"
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        if ok:
            log.info("Background RDB transfer terminated with success")
        elif os.WIFSIGNALED(status):
            log.warn(
                "Background transfer terminated by signal {signal}", signal=os.WTERMSIG(status)
            )
        else:
            log.warn("Background transfer error")
        self._child_done(ok, state.offset_at_fork)

    def _child_done(self, ok: bool, offset: int) -> None:
        for hook in list(self.child_done_hooks):
            hook(ok, offset)

    def _covered(self, offset: int) -> None:
        """A snapshot on disk covers the log up to offset: what is before may go."""
        self.covered_offset = offset
        try:
            config = self.server.config
            self.snapshot_size = os.path.getsize(os.path.join(config.dir or ".", config.dbfilename))
        except OSError:
            self.snapshot_size = 0
        event_log = self.server.log
        if event_log.start_offset <= offset <= event_log.end_offset:
            event_log.trim(offset)

    def kill_child(self) -> None:
        """killRDBChild(): stop a running BGSAVE (SHUTDOWN, FLUSHALL, a full sync)."""
        state = self.state
        pid = state.child_pid
        if pid == -1:
            return
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        state.child_pid = -1
        state.child_target = "disk"
        temp = os.path.join(self.server.config.dir or ".", "temp-%d.rdb" % pid)
        try:
            os.unlink(temp)
        except OSError:
            pass
        self._child_done(False, state.offset_at_fork)

    def _log_grew(self) -> bool:
        """aof.c's automatic rewrite: the log since the newest snapshot outgrew it."""
        config = self.server.config
        if not config.appendonly or not config.auto_aof_rewrite_percentage:
            return False
        size = self.server.log.end_offset - self.covered_offset
        if size <= config.auto_aof_rewrite_min_size:
            return False
        growth = size * 100 // max(self.snapshot_size, 1) - 100
        if growth < config.auto_aof_rewrite_percentage:
            return False
        log.info("Starting an automatic snapshot on {growth}% log growth", growth=growth)
        return True

    def final_save(self, save: bool) -> bool:
        """prepareForShutdown(): stop a BGSAVE, then save if asked; False if that failed.

        Done at most once: SHUTDOWN's save is not repeated when the service stops.
        """
        self.kill_child()
        if self.shut_down:
            return True
        if save:
            log.info("Saving the final RDB snapshot before exiting.")
            if not self.save():
                log.error("Error trying to save the DB, can't exit.")
                return False
        self.shut_down = True
        return True

    # -- serverCron ---------------------------------------------------------------------

    def cron(self) -> None:
        """serverCron(): collect the child, start a scheduled BGSAVE, apply the save rules."""
        self.check_child()
        state = self.state
        if state.child_pid != -1:
            return
        if state.scheduled:
            self.background_save()
            return
        if self._log_grew():
            self.background_save()
            return
        now = self.now()
        for seconds, changes in self.server.config.save:
            if (
                state.dirty >= changes
                and now - state.last_save_time > seconds
                and (state.last_bgsave_ok or now - state.last_bgsave_try > RETRY_AFTER_ERROR)
            ):
                log.info(
                    "{changes} changes in {seconds} seconds. Saving...",
                    changes=changes,
                    seconds=seconds,
                )
                self.background_save()
                return
