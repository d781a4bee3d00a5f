"""APScheduler runs the timers: one job, "tick", set for the engine's next ``wake_at``.

A wake-up asked for while a tick runs makes that tick run again when it ends, so no
change is missed; a wake-up later than the one already set changes nothing. One for a
later time asked for while a tick runs is set when the tick ends: set at once, it could
fall due before the tick ends, and APScheduler would skip it (one run at a time), leaving
the timers waiting for a job that never comes (seen under sustained load: no more pages).

One notifier instance holds the scheduler at a time: ``SchedulerLease`` is an exclusive
lock on a file in the data folder; an instance that cannot take it stands by and tries
again, and takes over when the holder's process ends (the lock dies with it, even on
kill -9). It guards instances sharing a data folder (the embedded profile); the cluster
chart runs the notifier as a single replica.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from shared.clock import Clock

log = logging.getLogger(__name__)

JOB = "tick"


class Timers:
    def __init__(self, tick: Callable[[], datetime | None], clock: Clock) -> None:
        self._tick = tick
        self._clock = clock
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._lock = threading.Lock()
        self._running = False
        self._again = False
        self._next: datetime | None = None
        self._later: datetime | None = None  # asked for while a tick runs

    def start(self) -> None:
        self._scheduler.start()
        self.wake()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def wake(self, at: datetime | None = None) -> None:
        """Tick at ``at`` (now when None), unless a tick is set sooner."""
        if not self._scheduler.running:
            return
        at = at or self._clock.now()
        with self._lock:
            if self._running:
                if at <= self._clock.now():
                    self._again = True
                else:
                    self._later = at if self._later is None else min(self._later, at)
                return
            if self._next is not None and self._next <= at:
                return
            self._next = at
        self._scheduler.add_job(
            self._run,
            DateTrigger(run_date=at),
            id=JOB,
            replace_existing=True,
            misfire_grace_time=None,
        )

    def wake_after(self, delay: timedelta) -> None:
        self.wake(self._clock.now() + delay)

    def _run(self) -> None:
        with self._lock:
            self._running, self._next = True, None
        wake_at = None
        try:
            while True:
                wake_at = self._tick()
                with self._lock:
                    if not self._again:
                        self._running = False
                        later, self._later = self._later, None
                        break
                    self._again = False
        except Exception:
            log.exception("tick failed; trying again in 5 s")
            with self._lock:
                self._running = False
                later, self._later = self._later, None
            wake_at = self._clock.now() + timedelta(seconds=5)
        wake_at = min((w for w in (wake_at, later) if w is not None), default=None)
        if wake_at is not None:
            self.wake(wake_at)


class SchedulerLease:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._file = None

    def try_acquire(self) -> bool:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
