"""The registry store on SQLite: documents as JSON, full text in an FTS5 index.

Connections are per thread (the consumer writes while HTTP threads search); WAL lets the
readers go on during a write.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from services.registry.store.interfaces import Incident, SearchResult, StoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_received ON incidents (received_at DESC, id);
CREATE VIRTUAL TABLE IF NOT EXISTS incidents_fts USING fts5(
    title, description, tokenize='unicode61 remove_diacritics 2'
);
"""
# Title matches weigh twice as much as description matches (as in the Elasticsearch store).
_RANK = "bm25(incidents_fts, 2.0, 1.0)"
_WORD = re.compile(r"\w+", re.UNICODE)


def _match_expression(text: str) -> str | None:
    """Every word must match; words are quoted so no input is FTS5 syntax."""
    words = _WORD.findall(text)
    return " ".join(f'"{word}"' for word in words) if words else None


class EmbeddedStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def ensure(self) -> None:
        try:
            self._conn().executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"creating the registry tables in {self.path} failed: {exc}") from exc

    def upsert(self, incidents: Sequence[Incident]) -> None:
        if not incidents:
            return
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for incident in incidents:
                row = conn.execute(
                    "SELECT rowid FROM incidents WHERE id = ?", (incident["id"],)
                ).fetchone()
                doc = json.dumps(incident, sort_keys=True, ensure_ascii=False)
                if row is None:
                    rowid = conn.execute(
                        "INSERT INTO incidents (id, received_at, doc) VALUES (?, ?, ?)",
                        (incident["id"], incident["received_at"], doc),
                    ).lastrowid
                else:
                    rowid = row[0]
                    conn.execute(
                        "UPDATE incidents SET received_at = ?, doc = ? WHERE rowid = ?",
                        (incident["received_at"], doc, rowid),
                    )
                    conn.execute("DELETE FROM incidents_fts WHERE rowid = ?", (rowid,))
                conn.execute(
                    "INSERT INTO incidents_fts (rowid, title, description) VALUES (?, ?, ?)",
                    (rowid, incident.get("title", ""), incident.get("description", "")),
                )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"writing {len(incidents)} incidents failed: {exc}") from exc

    def get(self, incident_id: str) -> Incident | None:
        row = self._query("SELECT doc FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def search(self, text: str = "", *, limit: int = 20, offset: int = 0) -> SearchResult:
        match = _match_expression(text)
        if match is None:
            total = self._query("SELECT count(*) FROM incidents").fetchone()[0]
            rows = self._query(
                "SELECT doc FROM incidents ORDER BY received_at DESC, id LIMIT ? OFFSET ?",
                (limit, offset),
            )
        else:
            total = self._query(
                "SELECT count(*) FROM incidents_fts WHERE incidents_fts MATCH ?", (match,)
            ).fetchone()[0]
            rows = self._query(
                f"SELECT i.doc FROM incidents_fts JOIN incidents i ON i.rowid = incidents_fts.rowid"
                f" WHERE incidents_fts MATCH ? ORDER BY {_RANK}, i.received_at DESC, i.id"
                " LIMIT ? OFFSET ?",
                (match, limit, offset),
            )
        return SearchResult(total=total, hits=[json.loads(doc) for (doc,) in rows])

    def ping(self) -> None:
        self._query("SELECT 1").fetchone()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _query(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        try:
            return self._conn().execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(f"registry store {self.path}: {exc}") from exc
