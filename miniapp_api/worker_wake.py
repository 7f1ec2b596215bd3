"""Worker jobs that run when their channel announces work, and on their interval as the fallback poll.

A `Wakeable` is the function APScheduler calls on the job's interval; a
wake-up (`wake`) runs the same function early, on a short-lived thread. Runs
never overlap within the process (one lock), and wake-ups coalesce: any
number of them while a run is in progress mean exactly one more run, and a
wake-up is never dropped between "the run ended" and "the next may start"
(the flag is set before the lock is tried, and checked after it is
released). Two workers woken together both run; the queue's claims decide
who processes which row, as with two polls.
"""
from __future__ import annotations

import threading
from typing import Callable, Iterable

from apscheduler.schedulers.base import BaseScheduler


class Wakeable:
    """`run` behind a run-or-mark lock, woken by any of `channels`."""

    def __init__(self, run: Callable[[], None], channels: Iterable[str]):
        self.run, self.channels = run, frozenset(channels)
        self.__name__ = getattr(run, "__name__", "wakeable")
        self.runs = 0  # how many times `run` ran (wake-ups coalesce: see the tests)
        self._pending = threading.Event()
        self._lock = threading.Lock()
        self._queued = False
        self._guard = threading.Lock()
        self._closed = False

    def __call__(self) -> None:
        """Run now, or, when a run is in progress, make it go once more."""
        self._pending.set()
        while self._pending.is_set() and not self._closed:
            if not self._lock.acquire(blocking=False):
                return  # the holder checks the flag after releasing the lock
            try:
                self._pending.clear()
                self.runs += 1
                self.run()
            finally:
                self._lock.release()

    def wake(self) -> None:
        """Run soon on a thread of its own, unless a run (in progress or about to start) will see the flag."""
        self._pending.set()
        with self._guard:
            if self._queued or self._lock.locked() or self._closed:
                return
            self._queued = True
        threading.Thread(target=self._woken, name=f"wake:{self.__name__}", daemon=True).start()

    def _woken(self) -> None:
        with self._guard:
            self._queued = False
        self()

    def close(self) -> None:
        """No more runs; returns once the run in progress (if any) has finished."""
        self._closed = True
        with self._lock:
            pass


def wakeables(scheduler: BaseScheduler) -> list[Wakeable]:
    return [job.func for job in scheduler.get_jobs() if isinstance(job.func, Wakeable)]


def wake(scheduler: BaseScheduler, channels: Iterable[str] | None) -> None:
    """Wake the scheduler's jobs listening on any of `channels` (None: every wakeable job)."""
    wanted = None if channels is None else set(channels)
    for job in wakeables(scheduler):
        if wanted is None or job.channels & wanted:
            job.wake()
