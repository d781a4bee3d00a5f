"""The intake outbox: every accepted report, durable on local disk before intake answers.

A report is written here first (synchronous=FULL, so a 202 survives a power cut) and the
relay publishes it to the bus afterwards, so intake keeps accepting while the bus is down.
The same database answers idempotent retries and each lab's status queries, both scoped
by the submitting organization's id (``ANONYMOUS`` for an anonymous form report): what
became of a report after it left intake is recorded from the registry's events.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

from shared.errors import Unavailable
from shared.filelock import open_shared
from shared.settings import Settings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    title TEXT NOT NULL,
    idempotency_key TEXT,
    request_sha256 TEXT NOT NULL,
    envelope BLOB NOT NULL,
    accepted_at TEXT NOT NULL,
    published_at TEXT,
    UNIQUE (organization_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS reports_unpublished ON reports (seq) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS reports_by_submitter ON reports (organization_id, seq);
-- Where each report went after intake, from the registry's events: the first time it
-- reached each status, with the reason given (if any).
CREATE TABLE IF NOT EXISTS report_status (
    report_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (report_id, status)
) WITHOUT ROWID;
-- The registry's decisions a lab may read, one per incident version: the status it moved
-- to and the public rationale (none for a confidential one).
CREATE TABLE IF NOT EXISTS report_decisions (
    report_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (report_id, version)
) WITHOUT ROWID;
-- Requests for information from the registry, and the lab's answer: its envelope waits
-- here for the relay like a report does.
CREATE TABLE IF NOT EXISTS report_questions (
    request_id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL,
    question TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    answer TEXT,
    answered_at TEXT,
    envelope BLOB,
    published_at TEXT
);
CREATE INDEX IF NOT EXISTS report_questions_unpublished ON report_questions (answered_at)
    WHERE envelope IS NOT NULL AND published_at IS NULL;
"""


_ENTRY_COLUMNS = "id, organization_id, title, accepted_at, published_at"
# The scope of anonymous form reports: not an organization's id (those are ULIDs).
ANONYMOUS = "anonymous"


def outbox_path(settings: Settings) -> Path:
    return settings.data_dir / "intake-outbox.sqlite3"


class IdempotencyConflict(ValueError):
    """An Idempotency-Key was reused for a different request."""


@dataclass(frozen=True)
class StatusChange:
    status: str
    at: str
    reason: str | None = None


@dataclass(frozen=True)
class Decision:
    """A registry decision as its lab reads it (``reason``: the public rationale)."""

    version: int
    status: str
    at: str
    reason: str | None = None


@dataclass(frozen=True)
class Question:
    request_id: str
    question: str
    asked_at: str
    answer: str | None = None
    answered_at: str | None = None


class AlreadyAnswered(ValueError):
    """The question has an answer already."""


@dataclass(frozen=True)
class OutboxEntry:
    id: str
    organization_id: str
    title: str
    accepted_at: str
    published_at: str | None
    history: tuple[StatusChange, ...] = ()
    questions: tuple[Question, ...] = ()

    @property
    def status(self) -> str:
        """The latest status: accepted (in intake), forwarded (on the bus), then whatever
        the registry reported last."""
        if self.history:
            return self.history[-1].status
        return "forwarded" if self.published_at else "accepted"


class Wakeup(Protocol):
    """What the relay waits on: ``threading.Event``'s methods."""

    def set(self) -> None: ...

    def clear(self) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class _NewReport(NamedTuple):
    """A row of ``reports`` as inserted, in its columns' order."""

    id: str
    organization_id: str
    title: str
    idempotency_key: str | None
    request_sha256: str
    envelope: bytes
    accepted_at: str


@dataclass
class _PendingAdd:
    row: _NewReport
    done: bool = False
    report_id: str = ""
    error: Exception | None = None


def _scoped_by_organization_id(conn: sqlite3.Connection) -> None:
    """Before the directory, reports were scoped by the organization's name (``adopt``
    maps those names to ids)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(reports)")}
    if "submitted_by" in columns:
        conn.execute("ALTER TABLE reports RENAME COLUMN submitted_by TO organization_id")


class Outbox:
    def __init__(self, path: Path, *, added: Wakeup | None = None) -> None:
        """``added`` is set on every add, so the relay need not poll (a ``Doorbell``
        when the relay runs in another process)."""
        # Writers take turns on the file lock, one process at a time.
        self._conn, self._flock = open_shared(
            path, _SCHEMA, synchronous="FULL", migrate=_scoped_by_organization_id
        )
        self._lock = threading.Lock()  # the connection, one thread at a time
        self._queue_lock = threading.Lock()
        self._queue: list[_PendingAdd] = []
        self.added = added or threading.Event()

    def add(
        self,
        *,
        report_id: str,
        organization_id: str,
        title: str,
        envelope: bytes,
        accepted_at: str,
        request_sha256: str,
        idempotency_key: str | None = None,
    ) -> str:
        """Store a report; return its id, or the id of the report this organization already
        sent with the same Idempotency-Key.

        Group commit: concurrent adds queue up and whoever holds the connection next writes
        all of them in one transaction, so one fsync serves many requests.
        """
        item = _PendingAdd(
            _NewReport(
                report_id,
                organization_id,
                title,
                idempotency_key,
                request_sha256,
                envelope,
                accepted_at,
            )
        )
        with self._queue_lock:
            self._queue.append(item)
        with self._lock:
            if not item.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                with self._flock:
                    self._write(batch)
        if item.error is not None:
            raise item.error
        self.added.set()
        return item.report_id

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction (one fsync), this process's and every other's in turn."""
        with self._lock, self._flock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _write(self, batch: list[_PendingAdd]) -> None:
        """One transaction for the whole batch: every add in it is stored, or none is and
        each gets ``Unavailable``. Every item is done when this returns, whatever failed:
        a waiting add must never take an unwritten item for a stored one."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            for item in batch:
                item.report_id, item.error = self._insert(item.row)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):  # e.g. a closed connection: no transaction
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            for item in batch:
                item.error = Unavailable(f"the outbox could not store the report: {exc}")
        finally:
            for item in batch:
                item.done = True

    def _insert(self, new: _NewReport) -> tuple[str, Exception | None]:
        if new.idempotency_key is not None:
            row = self._conn.execute(
                "SELECT id, request_sha256 FROM reports"
                " WHERE organization_id = ? AND idempotency_key = ?",
                (new.organization_id, new.idempotency_key),
            ).fetchone()
            if row is not None:
                if row[1] != new.request_sha256:
                    return "", IdempotencyConflict(
                        "This Idempotency-Key was already used for a different report."
                    )
                return row[0], None
        self._conn.execute(
            f"INSERT INTO reports ({', '.join(_NewReport._fields)})"
            f" VALUES ({', '.join('?' * len(_NewReport._fields))})",
            new,
        )
        return new.id, None

    def get(self, report_id: str) -> OutboxEntry | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM reports WHERE id = ?", (report_id,)
            ).fetchone()
            return self._entry(row) if row else None

    def of_organization(
        self, organization_id: str, *, limit: int, offset: int
    ) -> list[OutboxEntry]:
        """One organization's reports, newest first."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM reports WHERE organization_id = ?"
                " ORDER BY seq DESC LIMIT ? OFFSET ?",
                (organization_id, limit, offset),
            ).fetchall()
            return [self._entry(row) for row in rows]

    def adopt(self, name: str, organization_id: str) -> int:
        """Give reports filed under an organization's name (before the directory) its id;
        returns how many. Anonymous ones ("form:anonymous" then) become ``ANONYMOUS``."""
        with self._transaction():
            self._conn.execute(
                "UPDATE reports SET organization_id = ? WHERE organization_id = 'form:anonymous'",
                (ANONYMOUS,),
            )
            return self._conn.execute(
                "UPDATE reports SET organization_id = ? WHERE organization_id = ?",
                (organization_id, name),
            ).rowcount

    def record_statuses(self, changes: list[tuple[str, StatusChange]]) -> None:
        """Note that reports reached statuses; the first time counts, so replays are no-ops."""
        with self._transaction():
            self._conn.executemany(
                "INSERT OR IGNORE INTO report_status (report_id, status, at, reason)"
                " VALUES (?, ?, ?, ?)",
                [(report_id, c.status, c.at, c.reason) for report_id, c in changes],
            )

    def record_decisions(self, decisions: list[tuple[str, Decision]]) -> None:
        """Note the registry's decisions on reports; each version once, so replays are no-ops."""
        with self._transaction():
            self._conn.executemany(
                "INSERT OR IGNORE INTO report_decisions (report_id, version, status, at, reason)"
                " VALUES (?, ?, ?, ?, ?)",
                [(report_id, d.version, d.status, d.at, d.reason) for report_id, d in decisions],
            )

    def record_questions(self, questions: list[tuple[str, Question]]) -> None:
        """Note the registry's requests for information (once each) and answers given."""
        with self._transaction():
            for report_id, q in questions:
                self._conn.execute(
                    "INSERT OR IGNORE INTO report_questions (request_id, report_id, question,"
                    " asked_at) VALUES (?, ?, ?, ?)",
                    (q.request_id, report_id, q.question, q.asked_at),
                )
                if q.answer is not None:
                    self._conn.execute(
                        "UPDATE report_questions SET answer = ?, answered_at = ?"
                        " WHERE request_id = ? AND answer IS NULL",
                        (q.answer, q.answered_at, q.request_id),
                    )

    def answer(
        self, report_id: str, request_id: str, answer: str, at: str, envelope: bytes
    ) -> bool:
        """Keep the lab's answer and its envelope for the relay; False if the report asked
        no such question; ``AlreadyAnswered`` if it was answered before."""
        with self._transaction():
            row = self._conn.execute(
                "SELECT answer FROM report_questions WHERE request_id = ? AND report_id = ?",
                (request_id, report_id),
            ).fetchone()
            if row is None:
                return False
            if row[0] is not None:
                raise AlreadyAnswered(f"Question {request_id} has been answered already.")
            self._conn.execute(
                "UPDATE report_questions SET answer = ?, answered_at = ?, envelope = ?"
                " WHERE request_id = ?",
                (answer, at, envelope, request_id),
            )
        self.added.set()
        return True

    def unpublished_answers(self, limit: int) -> list[tuple[str, str, bytes]]:
        """Answers waiting for the relay: request id, report id (the key), envelope."""
        with self._lock:
            return self._conn.execute(
                "SELECT request_id, report_id, envelope FROM report_questions"
                " WHERE envelope IS NOT NULL AND published_at IS NULL ORDER BY answered_at"
                " LIMIT ?",
                (limit,),
            ).fetchall()

    def mark_answers_published(self, request_ids: list[str], published_at: str) -> None:
        with self._transaction():
            self._conn.executemany(
                "UPDATE report_questions SET published_at = ? WHERE request_id = ?",
                [(published_at, request_id) for request_id in request_ids],
            )

    def _entry(self, row: tuple) -> OutboxEntry:
        statuses = self._conn.execute(
            "SELECT status, at, reason FROM report_status WHERE report_id = ?", (row[0],)
        ).fetchall()
        decided = self._conn.execute(
            "SELECT status, at, reason FROM report_decisions WHERE report_id = ? ORDER BY version",
            (row[0],),
        ).fetchall()
        questions = self._conn.execute(
            "SELECT request_id, question, asked_at, answer, answered_at FROM report_questions"
            " WHERE report_id = ? ORDER BY asked_at",
            (row[0],),
        ).fetchall()
        # Registration comes before every decision; decisions keep their versions' order.
        history = sorted(statuses, key=lambda h: h[1]) + decided
        return OutboxEntry(
            *row,
            history=tuple(StatusChange(*h) for h in history),
            questions=tuple(Question(*q) for q in questions),
        )

    def unpublished(self, limit: int) -> list[tuple[str, bytes]]:
        with self._lock:
            return self._conn.execute(
                "SELECT id, envelope FROM reports WHERE published_at IS NULL ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()

    def mark_published(self, report_ids: list[str], published_at: str) -> None:
        with self._transaction():
            self._conn.executemany(
                "UPDATE reports SET published_at = ? WHERE id = ?",
                [(published_at, report_id) for report_id in report_ids],
            )

    def depth(self) -> tuple[int, str | None]:
        """How many reports wait to be published, and when the oldest was accepted."""
        try:
            with self._lock:
                count, oldest = self._conn.execute(
                    "SELECT count(*), min(accepted_at) FROM reports WHERE published_at IS NULL"
                ).fetchone()
        except sqlite3.Error as exc:
            raise Unavailable(f"the outbox does not answer: {exc}") from exc
        return count, oldest

    def ping(self) -> None:
        """Raise ``Unavailable`` unless the outbox database answers (for ``/readyz``)."""
        self.depth()

    def close(self) -> None:
        self._conn.close()
        self._flock.close()
