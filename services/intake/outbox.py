"""The intake outbox: every accepted report, durable on local disk before intake answers.

A report is written here first (synchronous=FULL, so a 202 survives a power cut) and the
relay publishes it to the bus afterwards, so intake keeps accepting while the bus is down.
The same table answers status queries and idempotent retries.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from shared.errors import Unavailable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    idempotency_key TEXT UNIQUE,
    request_sha256 TEXT NOT NULL,
    envelope BLOB NOT NULL,
    accepted_at TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX IF NOT EXISTS reports_unpublished ON reports (seq) WHERE published_at IS NULL;
"""


class IdempotencyConflict(ValueError):
    """An Idempotency-Key was reused for a different request."""


@dataclass(frozen=True)
class OutboxEntry:
    id: str
    accepted_at: str
    published_at: str | None


@dataclass
class _PendingAdd:
    row: tuple[str, str | None, str, bytes, str]
    done: bool = False
    report_id: str = ""
    error: Exception | None = None


class Outbox:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()  # the connection, one writer at a time
        self._queue_lock = threading.Lock()
        self._queue: list[_PendingAdd] = []
        self.added = threading.Event()  # set on every add, so the relay need not poll

    def add(
        self,
        *,
        report_id: str,
        envelope: bytes,
        accepted_at: str,
        request_sha256: str,
        idempotency_key: str | None = None,
    ) -> str:
        """Store a report; return its id, or the earlier report's id for a repeated key.

        Group commit: concurrent adds queue up and whoever holds the connection next writes
        all of them in one transaction, so one fsync serves many requests.
        """
        item = _PendingAdd((report_id, idempotency_key, request_sha256, envelope, accepted_at))
        with self._queue_lock:
            self._queue.append(item)
        with self._lock:
            if not item.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._write(batch)
        if item.error is not None:
            raise item.error
        self.added.set()
        return item.report_id

    def _write(self, batch: list[_PendingAdd]) -> None:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            for item in batch:
                item.report_id, item.error = self._insert(*item.row)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for item in batch:
                item.error = Unavailable(f"the outbox could not store the report: {exc}")
        for item in batch:
            item.done = True

    def _insert(
        self,
        report_id: str,
        idempotency_key: str | None,
        request_sha256: str,
        envelope: bytes,
        accepted_at: str,
    ) -> tuple[str, Exception | None]:
        if idempotency_key is not None:
            row = self._conn.execute(
                "SELECT id, request_sha256 FROM reports WHERE idempotency_key = ?",
                (idempotency_key,),
            ).fetchone()
            if row is not None:
                if row[1] != request_sha256:
                    return "", IdempotencyConflict(
                        "This Idempotency-Key was already used for a different report."
                    )
                return row[0], None
        self._conn.execute(
            "INSERT INTO reports (id, idempotency_key, request_sha256, envelope, accepted_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (report_id, idempotency_key, request_sha256, envelope, accepted_at),
        )
        return report_id, None

    def get(self, report_id: str) -> OutboxEntry | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, accepted_at, published_at FROM reports WHERE id = ?", (report_id,)
            ).fetchone()
        return OutboxEntry(*row) if row else None

    def unpublished(self, limit: int) -> list[tuple[str, bytes]]:
        with self._lock:
            return self._conn.execute(
                "SELECT id, envelope FROM reports WHERE published_at IS NULL ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()

    def mark_published(self, report_ids: list[str], published_at: str) -> None:
        with self._lock:
            self._conn.executemany(
                "UPDATE reports SET published_at = ? WHERE id = ?",
                [(published_at, report_id) for report_id in report_ids],
            )

    def close(self) -> None:
        self._conn.close()
