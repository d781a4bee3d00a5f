"""The rate limit's counters in one SQLite file that every intake process shares.

Intake serves from several processes (``ACCORD_INTAKE_PROCESSES``) and a client's
connections land on whichever one accepts them; a keep-alive client may talk to one
process only. A limit split per process would then let a key file N times its limit, or
stop it at 1/N of it. So all processes count in one fixed window per key, in a file under
the data folder: one short write per request, never fsync'd (a power cut only forgets
counts, which is harmless), the processes taking turns on a file lock (shared/filelock.py)
rather than SQLite's sleeping busy handler, and expired counters swept in the request that finds the
sweep due, at most once per ``SWEEP_SECONDS``, without a thread.

A multi-node deployment (several replicas behind one address) needs a storage they all
reach (Redis): flask-limiter takes its URI in ``RATELIMIT_STORAGE_URI``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import ClassVar

from limits.storage import Storage

from shared.filelock import FileLock, lock_path
from shared.settings import Settings

SWEEP_SECONDS = 10.0
SCHEME = "accord-sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
"""
# A counter past its window starts again at ``amount``; the right-hand sides read the
# row as it was.
_INCR = """
INSERT INTO counters (key, count, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires_at <= :now THEN :amount ELSE count + :amount END,
    expires_at = CASE WHEN expires_at <= :now THEN :now + :expiry ELSE expires_at END
RETURNING count
"""


def rate_uri(settings: Settings) -> str:
    """flask-limiter's storage URI for this deployment's shared counters."""
    return f"{SCHEME}://{(settings.data_dir / 'intake-rate.sqlite3').resolve()}"


class SQLiteStorage(Storage):
    # limits registers every Storage subclass under its schemes.
    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = Path(uri.removeprefix(f"{SCHEME}://"))
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()  # the connection, one thread at a time
        self._flock = FileLock(lock_path(path))  # writers, one process at a time
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock, self._flock:
            self._sweep_if_due(now)
            (count,) = self._conn.execute(
                _INCR, {"key": key, "amount": amount, "now": now, "expiry": expiry}
            ).fetchone()
        return count

    def get(self, key: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
            ).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._lock:
            row = self._conn.execute(
                "SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?", (key, now)
            ).fetchone()
        return row[0] if row else now

    def check(self) -> bool:
        with self._lock:
            self._conn.execute("SELECT 1").fetchone()
        return True

    def reset(self) -> int | None:
        with self._lock, self._flock:
            return self._conn.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        with self._lock, self._flock:
            self._conn.execute("DELETE FROM counters WHERE key = ?", (key,))

    def _sweep_if_due(self, now: float) -> None:
        # Counters no one reads again; one read past its window is ignored anyway.
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + SWEEP_SECONDS
            self._conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
