"""The rate limit's counters in memory, without a thread per hit.

limits' ``MemoryStorage`` starts a ``threading.Timer`` to sweep expired counters whenever
its last one has finished: under load that is a new thread for about every fourth request
(269 in 1,000), 10% of intake's accept path. A counter past its window is dropped when it
is next read anyway (``MemoryStorage.get``); the sweep only frees counters no one reads
again, so here it runs in the request that finds it due, at most once per
``SWEEP_SECONDS``.
"""

from __future__ import annotations

import time
from typing import ClassVar

from limits.storage import MemoryStorage

SWEEP_SECONDS = 10.0
SCHEME = "accord-memory"


class SweptMemoryStorage(MemoryStorage):
    # limits registers every Storage subclass under its schemes.
    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    # MemoryStorage's private hook, called on every hit (limits 5.x).
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()
