"""Slowing down a password guesser: after ``LIMIT`` failed sign-ins for one e-mail within
``WINDOW`` seconds, further attempts for it are refused until enough failures leave the
window; a success clears that e-mail's failures.

The failures are rows in SQLite: in memory for a service that serves from one process,
in a file under the data folder where several processes serve the same pages (intake),
so a guesser gets ``LIMIT`` tries in all of them together, not in each. Times are the
clock's epoch seconds, which the processes share. A restart of an in-memory throttle
forgets, which only lets a guesser try ``LIMIT`` more times.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from shared.clock import Clock
from shared.filelock import open_shared

LIMIT = 5
WINDOW = 15 * 60.0  # seconds

_SCHEMA = """
CREATE TABLE IF NOT EXISTS failures (email TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_email ON failures (email, at);
"""


def retry_after(failures: list[float], now: float, limit: int, window: float) -> int | None:
    """Whole seconds until another attempt may be made, given one e-mail's failures in
    the window (oldest first), or None if it may be made now."""
    if len(failures) < limit:
        return None
    return max(1, math.ceil(failures[-limit] + window - now))  # when enough have left


class SignInThrottle:
    def __init__(
        self, clock: Clock, *, path: Path | None = None, limit: int = LIMIT, window: float = WINDOW
    ) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._lock = threading.Lock()  # the connection, one thread at a time
        self._flock: AbstractContextManager
        if path:  # other processes' writers, taken in turn (see shared/filelock.py)
            # A power cut only forgets failures: no syncing.
            self._conn, self._flock = open_shared(path, _SCHEMA, synchronous="OFF")
        else:
            self._conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            self._conn.executescript(_SCHEMA)
            self._flock = nullcontext()
        self._next_sweep = clock.time() + window

    def attempt(self, email: str) -> int | None:
        """Whole seconds until ``email`` may try again, or None if it may now: then the
        attempt counts as a failure until ``succeeded`` says otherwise. Counting it before
        the password is checked, in one step with the decision, keeps parallel guesses
        from all slipping through while the hashes are compared."""
        now, key = self._clock.time(), _key(email)
        # The connection's context commits the transaction, or rolls it back on an error.
        with self._lock, self._flock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            if now >= self._next_sweep:
                # The e-mails that failed and never came back, once a window.
                self._conn.execute("DELETE FROM failures WHERE at <= ?", (now - self._window,))
                self._next_sweep = now + self._window
            failures = [
                at
                for (at,) in self._conn.execute(
                    "SELECT at FROM failures WHERE email = ? AND at > ? ORDER BY at",
                    (key, now - self._window),
                )
            ]
            wait = retry_after(failures, now, self._limit, self._window)
            if wait is None:
                self._conn.execute("INSERT INTO failures VALUES (?, ?)", (key, now))
        return wait

    def succeeded(self, email: str) -> None:
        with self._lock, self._flock:
            self._conn.execute("DELETE FROM failures WHERE email = ?", (_key(email),))

    def __len__(self) -> int:
        """How many e-mails have failures on record."""
        with self._lock:
            (count,) = self._conn.execute("SELECT count(DISTINCT email) FROM failures").fetchone()
        return count


def _key(email: str) -> str:
    return email.strip().casefold()
