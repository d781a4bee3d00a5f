"""The rate limit's counters in one SQLite file that every intake process shares.

Intake serves from several processes (``ACCORD_INTAKE_PROCESSES``) and a client's
connections land on whichever one accepts them; a keep-alive client may talk to one
process only. A limit split per process would then let a key file N times its limit, or
stop it at 1/N of it. So all processes count in one fixed window per key, in a file under
the data folder: one statement per request, never fsync'd (a power cut only forgets
counts, which is harmless), the processes taking turns on a file lock (shared/filelock.py)
rather than SQLite's sleeping busy handler, and expired counters swept in the request that
finds the sweep due, at most once per ``SWEEP_SECONDS``, without a thread.

Several replicas behind one address (on several nodes) do not share this file: each
counts its own clients.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from shared.filelock import open_shared
from shared.settings import Settings

SWEEP_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
"""
# A counter past its window starts again; the right-hand sides read the row as it was.
_HIT = """
INSERT INTO counters (key, count, expires_at) VALUES (:key, 1, :now + :window)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires_at <= :now THEN 1 ELSE count + 1 END,
    expires_at = CASE WHEN expires_at <= :now THEN :now + :window ELSE expires_at END
RETURNING count, expires_at
"""


def rate_path(settings: Settings) -> Path:
    return settings.data_dir / "intake-rate.sqlite3"


class RateCounters:
    def __init__(self, path: Path) -> None:
        # Writers take turns on the file lock, one process at a time.
        self._conn, self._flock = open_shared(path, _SCHEMA, synchronous="OFF")
        self._lock = threading.Lock()  # the connection, one thread at a time
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    def hit(self, key: str, window: float, now: float) -> tuple[int, float]:
        """Count a hit on ``key`` at ``now`` (epoch seconds) in its window of ``window``
        seconds; return the hits in the window so far and when it ends."""
        with self._lock, self._flock:
            if time.monotonic() >= self._next_sweep:
                # Counters no one hits again; one hit past its window starts it again anyway.
                self._next_sweep = time.monotonic() + SWEEP_SECONDS
                self._conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
            count, expires_at = self._conn.execute(
                _HIT, {"key": key, "now": now, "window": window}
            ).fetchone()
        return count, expires_at

    def close(self) -> None:
        self._conn.close()
        self._flock.close()
