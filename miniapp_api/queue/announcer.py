"""PostgreSQL wake-ups sent after the commit, by one thread per process and database, coalesced.

Why not `pg_notify` inside the writer's own transaction, where PostgreSQL would deliver it at commit: PostgreSQL
serialises the commits of all transactions that notify (one lock on the notification queue, held through the
commit's WAL flush). Every webhook and every form submission announces work, so each waited for the others'
commits: the ingest ran at ~1,000 events/s with a core idle, ~1,700/s with the notification moved out
(docs/performance.md). Here the writers commit side by side and hand their channels to this process's
announcer, whose thread sends whatever has gathered since its last send in one statement of its own (autocommit):
under load one NOTIFY covers many commits, and the writers never wait for it.

What does not change (docs/worker.md): a wake-up is sent only after the work it announces has committed, never
for a rollback; it is a hint, so a lost one (the process died first, the database was unreachable) costs the
worker's poll interval, never work; announcing never raises and never waits.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from typing import Iterable

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3
APPLICATION_NAME = "miniapp-wakeup-announcer"  # how its session shows in pg_stat_activity
EXIT_FLUSH_SECONDS = 1.0  # at interpreter exit, how long the last wake-ups may take to go out
# After a send, wake-ups gather this long before the next: under load one NOTIFY then covers the commits of
# 10 ms (sending as fast as they came cost the webhook a quarter of its throughput); an announcement after a
# quiet spell goes at once.
GATHER_SECONDS = 0.01


class Announcer:
    """Sends `pg_notify(channel_name, channel)` for the channels handed to `announce`, from a daemon thread.

    Channels announced while a send is in progress go out together in the next one. The connection is the
    announcer's own (outside the pool, opened on first use, reopened after an error).
    """

    def __init__(self, conninfo: str, channel_name: str):
        self.conninfo, self.channel_name = conninfo, channel_name
        self._pending: set[str] = set()
        self._changed = threading.Condition()
        self._closing = False
        self._failing = False
        self._connection = None
        self._thread: threading.Thread | None = None

    def announce(self, channels: Iterable[str]) -> None:
        with self._changed:
            if self._closing:
                return
            self._pending.update(channels)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wakeup-announcer", daemon=True)
                self._thread.start()
            self._changed.notify()

    def close(self, timeout: float = EXIT_FLUSH_SECONDS) -> None:
        """Send what is pending (waiting at most `timeout`), then close the connection."""
        with self._changed:
            self._closing = True
            self._changed.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        if thread is None or not thread.is_alive():
            self._disconnect()

    def _run(self) -> None:
        sent_at = -GATHER_SECONDS
        while True:
            with self._changed:
                while not self._pending and not self._closing:
                    self._changed.wait()
                if not self._pending:
                    return
            gathering = sent_at + GATHER_SECONDS - time.monotonic()
            if gathering > 0 and not self._closing:
                time.sleep(gathering)
            with self._changed:
                channels, self._pending = self._pending, set()
            self._send(sorted(channels))
            sent_at = time.monotonic()

    def _send(self, channels: list[str]) -> None:
        import psycopg

        try:
            if self._connection is None:
                self._connection = psycopg.connect(self.conninfo, autocommit=True, application_name=APPLICATION_NAME,
                                                   connect_timeout=CONNECT_TIMEOUT_SECONDS)
            self._connection.execute("SELECT pg_notify(%s, channel) FROM unnest(%s::text[]) AS channel",
                                     (self.channel_name, channels))
        except Exception as exc:  # the database restarted or is unreachable: the workers' polls cover it
            self._disconnect()
            if not self._failing:
                log.warning("wake-ups: cannot notify the workers (%s); they will find the work at their poll",
                            type(exc).__name__)
            self._failing = True
            return
        if self._failing:
            log.info("wake-ups: notifying the workers again")
            self._failing = False

    def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # already broken: nothing left to release
                pass


_announcers: dict[str, Announcer] = {}
_inherited: list[Announcer] = []  # a forked child's copies of its parent's: kept, never used, never closed
_lock = threading.Lock()


def announcer(conninfo: str, channel_name: str) -> Announcer:
    """This process's announcer for the database `conninfo` names."""
    with _lock:
        found = _announcers.get(conninfo)
        if found is None:
            found = _announcers[conninfo] = Announcer(conninfo, channel_name)
        return found


def _forget_after_fork() -> None:
    """In a forked child: start afresh. The parent's connections are the parent's (closing a copy would end
    the parent's session), and their threads did not cross the fork."""
    global _lock
    _inherited.extend(_announcers.values())
    _announcers.clear()
    _lock = threading.Lock()


@atexit.register
def _close_all() -> None:
    for each in list(_announcers.values()):
        each.close()


os.register_at_fork(after_in_child=_forget_after_fork)
