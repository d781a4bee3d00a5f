"""Time as a dependency: whatever waits or schedules takes a ``Clock``.

Production code gets ``SystemClock``; tests get ``TestClock``, whose time moves only when
the test (or a wait inside the code under test) advances it, so a test can check a backoff
schedule or a lease expiry exactly, with no sleep and no assertion on elapsed time.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, time-zone aware, in UTC."""

    def time(self) -> float:
        """Seconds since the epoch: for deadlines shared between processes (leases)."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back: for deadlines within one process."""

    def wait(self, seconds: float, interrupt: threading.Event | None = None) -> bool:
        """Wait ``seconds``, or less if ``interrupt`` is set; return whether it is set."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, seconds: float, interrupt: threading.Event | None = None) -> bool:
        if interrupt is None:
            time.sleep(max(seconds, 0.0))
            return False
        return interrupt.wait(max(seconds, 0.0))


class TestClock:
    """A clock that moves only when told to. ``wait`` advances it by the time waited
    (instantly) and records each wait in ``waits``, so a test reads a backoff schedule."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._monotonic = 1_000.0
        self._lock = threading.Lock()
        self.waits: list[float] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def time(self) -> float:
        return self.now().timestamp()

    def monotonic(self) -> float:
        with self._lock:
            return self._monotonic

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._monotonic += seconds

    def wait(self, seconds: float, interrupt: threading.Event | None = None) -> bool:
        if interrupt is not None and interrupt.is_set():
            return True
        self.waits.append(seconds)
        self.advance(seconds)
        # Let other threads run: code that loops on waits must not starve the test thread.
        time.sleep(0)
        return interrupt is not None and interrupt.is_set()


SYSTEM_CLOCK = SystemClock()
