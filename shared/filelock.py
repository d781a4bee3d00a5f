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
