"""APScheduler runs the timers: one job, "tick", set for the engine's next ``wake_at``.

A wake-up asked for while a tick runs makes that tick run again when it ends, so no
change is missed; a wake-up later than the one already set changes nothing.

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
            if self._running and at <= self._clock.now():
                self._again = True
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
                        break
                    self._again = False
        except Exception:
            log.exception("tick failed; trying again in 5 s")
            with self._lock:
                self._running = False
            wake_at = self._clock.now() + timedelta(seconds=5)
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
