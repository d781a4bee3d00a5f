"""The registry's review watcher: once an hour (and at start) it announces the risk
reviews that have fallen due (``risk.review_due``, once per review date), for the
notifier to remind the owners. Waits on the injected clock."""

from __future__ import annotations

import logging
import threading

from services.registry.risk_register import RiskRegister
from shared.clock import SYSTEM_CLOCK, Clock
from shared.errors import Unavailable

log = logging.getLogger(__name__)

CHECK_EVERY_S = 3600.0


class ReviewWatcher:
    def __init__(
        self, register: RiskRegister, *, clock: Clock = SYSTEM_CLOCK, every: float = CHECK_EVERY_S
    ) -> None:
        self._register = register
        self._clock = clock
        self._every = every
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                announced = self._register.announce_reviews(self._clock.now().date())
                if announced:
                    log.info("announced %d risk reviews falling due", len(announced))
            except Unavailable as exc:  # the next round tries again
                log.warning("risk reviews not checked: %s", exc)
            self._clock.wait(self._every, self._stopping)
