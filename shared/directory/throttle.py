"""Slowing down a password guesser: after ``LIMIT`` failed sign-ins for one e-mail within
``WINDOW`` seconds, further attempts for it are refused until enough failures leave the
window; a success clears that e-mail's failures.

Kept in memory, per process: each service counts the attempts it sees (a restart forgets
them, which only lets a guesser try ``LIMIT`` more times).
"""

from __future__ import annotations

import math
import threading
from collections import deque

from shared.clock import Clock

LIMIT = 5
WINDOW = 15 * 60.0  # seconds


class SignInThrottle:
    def __init__(self, clock: Clock, *, limit: int = LIMIT, window: float = WINDOW) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._failures: dict[str, deque[float]] = {}
        self._swept = clock.monotonic()
        self._lock = threading.Lock()

    def attempt(self, email: str) -> int | None:
        """Whole seconds until ``email`` may try again, or None if it may now: then the
        attempt counts as a failure until ``succeeded`` says otherwise. Counting it before
        the password is checked, in one step with the decision, keeps parallel guesses
        from all slipping through while the hashes are compared."""
        now = self._clock.monotonic()
        with self._lock:
            if now - self._swept >= self._window:
                # Forget, once a window, the e-mails that failed and never came back.
                for key in list(self._failures):
                    self._recent(key, now)
                self._swept = now
            key = _key(email)
            failures = self._recent(key, now)
            if len(failures) >= self._limit:
                # Possible again when enough failures have left the window.
                return max(1, math.ceil(failures[-self._limit] + self._window - now))
            failures.append(now)
            self._failures[key] = failures
            return None

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(_key(email), None)

    def __len__(self) -> int:
        """How many e-mails have failures on record."""
        with self._lock:
            return len(self._failures)

    def _recent(self, key: str, now: float) -> deque[float]:
        """``key``'s failures still in the window; an e-mail with none is forgotten."""
        failures = self._failures.pop(key, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if failures:
            self._failures[key] = failures
        return failures


def _key(email: str) -> str:
    return email.strip().casefold()
