"""The worker's side of wake-ups: receive "work arrived on channel X" and hand the channels to `on_wake`.

PostgreSQL: `LISTEN miniapp_wakeup` on a dedicated connection (autocommit,
outside the pool). SQLite: a Unix datagram socket `<pid>` in the wake-up
directory, which the web processes send to (`wakeup`). Either runs in a daemon
thread; `on_wake(channels)` is called from it, with None meaning "anything may
have been missed, look everywhere" (after a reconnect). The poll stays the
guarantee: this only makes the worker look sooner.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Callable, Iterable

import sqlalchemy as sa
from flask import Flask

from . import wakeup
from .background import BackgroundThread

log = logging.getLogger(__name__)

OnWake = Callable[[Iterable[str] | None], None]
STOP_CHECK_SECONDS = 0.5  # how long a shutdown may wait for the listening thread
BURST_GAP_SECONDS = 0.005  # SQLite: datagrams closer together than this are one wake-up
RECONNECT_SECONDS = (1, 2, 5, 10, 30)


class Listener(BackgroundThread):
    """Calls `on_wake` from a daemon thread between `start()` and `stop()`; `ready` is set once listening."""

    thread_name = "wakeup-listener"

    def __init__(self, on_wake: OnWake):
        self.on_wake = on_wake
        self.ready = threading.Event()
        super().__init__()

    def _dispatch(self, channels: Iterable[str] | None) -> None:
        try:
            self.on_wake(channels)
        except Exception:  # a wake-up is a hint; the poll runs the job anyway
            log.exception("wake-up dispatch failed")


class PostgresListener(Listener):
    """LISTEN on a connection of its own; reconnects with back-off, then wakes everything once."""

    def __init__(self, engine: sa.Engine, on_wake: OnWake):
        super().__init__(on_wake)
        self.engine = engine

    def _connect(self):
        import psycopg

        args, kwargs = self.engine.dialect.create_connect_args(self.engine.url)
        connection = psycopg.connect(*args, **kwargs, autocommit=True)
        try:
            connection.execute(f"LISTEN {wakeup.PG_CHANNEL}")
        except BaseException:
            connection.close()  # not yet in the caller's `with`: closed here, not left to the garbage collector
            raise
        return connection

    def _run(self) -> None:
        failures = 0
        while not self._stopped.is_set():
            try:
                with self._connect() as connection:
                    if failures:
                        log.info("wake-ups: listening again after %d failed attempts", failures)
                        self._dispatch(None)  # what was announced while we were away
                    failures = 0
                    if not self.ready.is_set():
                        log.info("wake-ups: listening on PostgreSQL channel %s", wakeup.PG_CHANNEL)
                    self.ready.set()
                    while not self._stopped.is_set():
                        for note in connection.notifies(timeout=STOP_CHECK_SECONDS, stop_after=1):
                            self._dispatch([note.payload])
            except Exception as exc:  # the database restarted or is unreachable: poll meanwhile
                delay = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                log.warning("wake-ups: LISTEN connection lost (%s); retrying in %ss, polling meanwhile",
                            type(exc).__name__, delay)
                self._stopped.wait(delay)


class SocketListener(Listener):
    """A Unix datagram socket named after this process in the wake-up directory; removed on stop."""

    def __init__(self, directory: str, on_wake: OnWake):
        super().__init__(on_wake)
        self.directory = directory
        self.path = os.path.join(directory, str(os.getpid()))
        self._socket: socket.socket | None = None

    def bind(self) -> bool:
        """Create the socket (and forget those of dead workers); False when it cannot be used."""
        if len(self.path.encode()) > wakeup.SOCKET_PATH_MAX:
            log.warning("wake-ups off: the socket path %s is too long; set WORKER_WAKEUP_DIR to a shorter "
                        "directory (polling only)", self.path)
            return False
        try:
            os.makedirs(self.directory, exist_ok=True)
            _forget_dead_sockets(self.directory)
            if os.path.exists(self.path):
                os.unlink(self.path)  # a previous process with our pid
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(self.path)
        except OSError as exc:
            log.warning("wake-ups off: cannot listen at %s (%s); polling only", self.path, exc)
            return False
        sock.settimeout(STOP_CHECK_SECONDS)
        self._socket = sock
        return True

    def start(self) -> "Listener":
        if self._socket is None and not self.bind():
            return self
        return super().start()

    def stop(self) -> None:
        super().stop()
        if self._socket is not None:
            self._socket.close()
            self._socket = None
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def _run(self) -> None:
        log.info("wake-ups: listening at %s", self.path)
        self.ready.set()
        sock = self._socket
        while not self._stopped.is_set():
            try:
                first = sock.recv(4096)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                log.exception("wake-ups: the socket failed; polling only")
                return
            channels = set(first.decode(errors="replace").split("\n"))
            self._dispatch(channels | _waiting(sock))


def _waiting(sock: socket.socket) -> set[str]:
    """The channels of the datagrams of a burst: those that keep coming with gaps under BURST_GAP_SECONDS.

    A burst is one wake-up, and reading it while it comes keeps the small datagram queue from filling (a
    sender whose datagram finds it full drops it). The gap is short: the wait for the burst's end is all a
    wake-up is delayed by. (It once waited out STOP_CHECK_SECONDS: +0.5 s on every reply on SQLite.)
    """
    channels: set[str] = set()
    sock.settimeout(BURST_GAP_SECONDS)
    try:
        while True:
            channels.update(sock.recv(4096).decode(errors="replace").split("\n"))
    except OSError:  # the burst is over (a timeout), or the socket failed: the main loop will see that
        return channels
    finally:
        sock.settimeout(STOP_CHECK_SECONDS)


def _forget_dead_sockets(directory: str) -> None:
    """Remove sockets left by workers that were killed (named by pid; the directory is local)."""
    for entry in os.scandir(directory):
        if not entry.name.isdigit():
            continue
        try:
            os.kill(int(entry.name), 0)
        except ProcessLookupError:
            try:
                os.unlink(entry.path)
            except OSError:
                pass
        except PermissionError:  # alive, another user's
            pass


def listener_for(app: Flask, on_wake: OnWake) -> Listener | None:
    """The listener this app's database calls for, or None when wake-ups are off (WORKER_WAKEUP=0)."""
    current = wakeup.settings(app)
    if current is None or not current.enabled:
        return None
    if current.postgres:
        from ..extensions import db

        with app.app_context():
            return PostgresListener(db.engine, on_wake)
    if current.directory:
        return SocketListener(current.directory, on_wake)
    return None
