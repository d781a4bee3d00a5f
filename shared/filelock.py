"""Writers of one SQLite file in several processes, taking turns without SQLite's busy
handler.

A write transaction that finds another process's under way gets SQLITE_BUSY, and the busy
handler sleeps 1, 2, 5, 10 ... up to 100 ms between tries: under load, intake's processes
spent their time asleep there (p99 in the hundreds of ms). An exclusive ``flock`` on a
file beside the database queues them instead, and the kernel wakes the next one as soon
as the lock is free, so SQLite never sees two writers.

``flock`` excludes other open files, not other threads with the same one: hold the
process's own thread lock around it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path


class FileLock:
    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> FileLock:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *_exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Idempotent, like closing the SQLite connection beside it."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def lock_path(database: Path) -> Path:
    """The lock file of ``database``: beside it, named after it."""
    return database.with_name(database.name + ".lock")


def open_shared(
    path: Path,
    schema: str,
    *,
    synchronous: str,
    migrate: Callable[[sqlite3.Connection], None] = lambda _conn: None,
) -> tuple[sqlite3.Connection, FileLock]:
    """A connection to the SQLite file ``path`` that several processes write, and its file
    lock: WAL switched on, ``migrate`` and ``schema`` run under the lock (a new database's
    switch to WAL fails at once when another process contends), then ``synchronous`` set.
    The connection serves every thread of the process, one at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flock = FileLock(lock_path(path))
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    with flock:
        conn.execute("PRAGMA journal_mode=WAL")
        migrate(conn)
        conn.executescript(schema)
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return conn, flock
