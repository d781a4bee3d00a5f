"""The registry store on SQLite: documents as JSON, their indexed fields (query/document.py)
beside them, and the analyzed text in an FTS5 table with the same rowid.

Connections are per thread (the consumer writes while HTTP threads search); WAL lets the
readers go on during a write. FTS5 splits on spaces only: the text is analyzed already.

Versions: a store opened with ``pointer`` (``connect`` does) serves the database file the
pointer names, beside it, or ``path`` while there is no pointer. ``accord registry
rebuild`` builds a new file (``new_version``) and ``promote`` replaces the pointer
atomically; each thread of a running registry sees the new pointer on its next query (a
``stat`` per query: the pointer is replaced, never rewritten, so its inode changes) and
reconnects to the new file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from services.registry.access.rules import visibility
from services.registry.query import fts5
from services.registry.query.ast import MatchAll, Node
from services.registry.query.document import KEYWORD_FIELDS, DocumentRejected, derived
from services.registry.query.facets import FACET_SIZE, FACETS, Facets, bucket
from services.registry.query.sorting import SortKey, decode_cursor, encode_cursor, sort_keys
from services.registry.store.interfaces import (
    Conflict,
    Incident,
    SearchResult,
    Stored,
    StoreRejected,
    StoreUnavailable,
)
from shared.access import Viewer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS incident_docs (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    fields TEXT NOT NULL,
    received INTEGER NOT NULL,
    occurred INTEGER,
    occurred_sort INTEGER NOT NULL,
    severity_rank INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS incident_docs_received ON incident_docs (received DESC, id);
CREATE TABLE IF NOT EXISTS risks (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    next_review TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS incident_text USING fts5(
    title, description, public_title, public_description,
    tokenize="unicode61 remove_diacritics 0 categories 'L* M* N* P* S* C*'"
);
"""
# Title matches weigh ten times description matches (as in the Elasticsearch store).
_SCORE = "-bm25(incident_text, 10.0, 1.0, 10.0, 1.0)"
# The sort keys (query/sorting.py) are column names of the scored rows.
_SORT_COLUMNS = ("score", "received", "occurred_sort", "severity_rank", "id")


def _json(doc: dict[str, Any]) -> str:
    try:
        return json.dumps(doc, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise StoreRejected(f"{doc.get('id')} is not JSON: {exc}") from exc


@contextmanager
def _errors(what: str):
    """SQLite's errors as the port's: a malformed row is rejected, the rest unavailable."""
    try:
        yield
    except DocumentRejected as exc:
        raise StoreRejected(str(exc)) from exc
    except (sqlite3.IntegrityError, sqlite3.DataError, sqlite3.InterfaceError) as exc:
        raise StoreRejected(f"{what}: {exc}") from exc
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"{what}: {exc}") from exc


def _after(keys: list[SortKey], values: list[object]) -> fts5.Sql:
    """Rows strictly after ``values`` in the order of ``keys`` (a keyset condition)."""
    clauses, params = [], []
    for i, key in enumerate(keys):
        equal = [f"{k.name} = ?" for k in keys[:i]]
        beyond = f"{key.name} {'<' if key.descending else '>'} ?"
        clauses.append("(" + " AND ".join([*equal, beyond]) + ")")
        params += [*values[:i], values[i]]
    return fts5.Sql("(" + " OR ".join(clauses) + ")", params)


# Between the name and the stamp of a version's file: other files of the data folder
# (registry-directory.sqlite3, the directory's cache) never look like a version.
VERSION_MARK = ".v"


class EmbeddedStore:
    def __init__(self, path: Path, *, pointer: Path | None = None) -> None:
        self._default = Path(path)
        self._pointer = pointer
        self._pointed: tuple[tuple[int, int], Path] | None = None  # (inode, mtime), file
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False

    @property
    def path(self) -> Path:
        """The database file served now: the pointer's, else the one given."""
        if self._pointer is None:
            return self._default
        try:
            stat = self._pointer.stat()
        except FileNotFoundError:
            return self._default
        except OSError as exc:
            raise StoreUnavailable(f"the registry store's pointer {self._pointer}: {exc}") from exc
        seen = (stat.st_ino, stat.st_mtime_ns)
        pointed = self._pointed
        if pointed is None or pointed[0] != seen:
            name = self._pointer.read_text().strip()
            pointed = self._pointed = (seen, self._pointer.parent / name)
        return pointed[1]

    @property
    def name(self) -> str:
        return str(self.path)

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreUnavailable(f"the registry store {self._default} is closed")
        path = self.path
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.path != path:
            self._forget(conn)  # a rebuilt version was promoted: move over to it
            conn = None
        if conn is None:
            with _errors(f"opening the registry store {path}"):
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    path, timeout=10.0, isolation_level=None, check_same_thread=False
                )
                try:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
                except sqlite3.Error:
                    conn.close()
                    raise
            with self._lock:
                self._connections.append(conn)
            self._local.conn, self._local.path = conn, path
        return conn

    def _forget(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            self._connections.remove(conn)
        conn.close()

    def documents(self) -> Iterator[Incident]:
        """Every incident, unfiltered, in id order: for operators (``accord export``), never
        behind an HTTP route."""
        for (doc,) in self._query("SELECT doc FROM incident_docs ORDER BY id"):
            yield json.loads(doc)

    def new_version(self, stamp: str) -> EmbeddedStore:
        """A new, empty database file beside the one served (``registry.v<stamp>.sqlite3``),
        not served until ``promote``."""
        path = self._default.with_name(
            f"{self._default.stem}{VERSION_MARK}{stamp}{self._default.suffix}"
        )
        if path.exists():
            raise StoreRejected(f"{path} exists already")
        return EmbeddedStore(path)

    def promote(self, version: EmbeddedStore) -> list[str]:
        """Point at ``version``'s file (a new pointer file renamed over the old one, so a
        reader sees the old name or the new one); delete the versions older than the one
        it replaced (a running registry may still be finishing a query on that one), and
        name them."""
        if self._pointer is None:
            raise StoreRejected(f"the store {self._default} has no pointer: it has no versions")
        replaced = self.path
        staged = self._pointer.with_name(self._pointer.name + ".new")
        try:
            staged.write_text(version.path.name + "\n")
            with staged.open() as handle:
                os.fsync(handle.fileno())
            os.replace(staged, self._pointer)
        except OSError as exc:
            raise StoreUnavailable(f"promoting {version.path}: {exc}") from exc
        kept = {version.path, replaced}
        pattern = f"{self._default.stem}{VERSION_MARK}*{self._default.suffix}"
        stale = [p for p in self._default.parent.glob(pattern) if p not in kept]
        if self._default not in kept and self._default.exists():
            stale.append(self._default)
        for path in stale:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        return [str(path) for path in stale]

    def ensure(self) -> None:
        with _errors(f"creating the registry tables in {self.path}"):
            self._conn().executescript(_SCHEMA)

    @staticmethod
    def _row(incident: Incident) -> tuple[str, str, dict]:
        with _errors("indexing an incident"):
            fields = derived(incident)
        return incident["id"], _json(incident), fields

    @contextmanager
    def _transaction(self, what: str):
        conn = self._conn()
        with _errors(what):
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def upsert(self, incidents: Sequence[Incident]) -> None:
        if not incidents:
            return
        rows = [self._row(incident) for incident in incidents]
        with self._transaction(f"writing {len(incidents)} incidents to {self.path}") as conn:
            for incident_id, doc, fields in rows:
                self._write(conn, incident_id, doc, fields)

    def create(self, incidents: Sequence[Incident]) -> list[str]:
        rows = [self._row(incident) for incident in incidents]
        written = []
        with self._transaction(f"adding {len(rows)} incidents to {self.path}") as conn:
            for incident_id, doc, fields in rows:
                exists = conn.execute(
                    "SELECT 1 FROM incident_docs WHERE id = ?", (incident_id,)
                ).fetchone()
                if exists is None and incident_id not in written:
                    self._write(conn, incident_id, doc, fields)
                    written.append(incident_id)
        return written

    def fetch(self, incident_id: str) -> Stored | None:
        row = self._query("SELECT doc FROM incident_docs WHERE id = ?", [incident_id]).fetchone()
        # The stored text itself is the revision: any change to the document changes it.
        return Stored(json.loads(row[0]), row[0]) if row else None

    def replace(self, incident: Incident, *, revision: str) -> None:
        incident_id, doc, fields = self._row(incident)
        with self._transaction(f"replacing incident {incident_id} in {self.path}") as conn:
            current = conn.execute(
                "SELECT doc FROM incident_docs WHERE id = ?", (incident_id,)
            ).fetchone()
            if current is None or current[0] != revision:
                raise Conflict(f"incident {incident_id} changed since it was read")
            self._write(conn, incident_id, doc, fields)

    @staticmethod
    def _write(conn: sqlite3.Connection, incident_id: str, doc: str, fields: dict) -> None:
        keywords = json.dumps({name: fields[name] for name in KEYWORD_FIELDS})
        values = (
            doc, keywords, fields["received"], fields["occurred"],
            fields["occurred_sort"], fields["severity_rank"],
        )  # fmt: skip
        row = conn.execute(
            "SELECT rowid FROM incident_docs WHERE id = ?", (incident_id,)
        ).fetchone()
        if row is None:
            rowid = conn.execute(
                "INSERT INTO incident_docs (id, doc, fields, received, occurred, occurred_sort,"
                " severity_rank) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (incident_id, *values),
            ).lastrowid
        else:
            rowid = row[0]
            conn.execute(
                "UPDATE incident_docs SET doc = ?, fields = ?, received = ?, occurred = ?,"
                " occurred_sort = ?, severity_rank = ? WHERE rowid = ?",
                (*values, rowid),
            )
            conn.execute("DELETE FROM incident_text WHERE rowid = ?", (rowid,))
        conn.execute(
            "INSERT INTO incident_text (rowid, title, description, public_title,"
            " public_description) VALUES (?, ?, ?, ?, ?)",
            (
                rowid,
                fields["title"],
                fields["description"],
                fields["public_title"],
                fields["public_description"],
            ),
        )

    def create_risk(self, risk: dict[str, Any]) -> None:
        with self._transaction(f"adding risk {risk['id']} to {self.path}") as conn:
            if conn.execute("SELECT 1 FROM risks WHERE id = ?", (risk["id"],)).fetchone():
                raise Conflict(f"risk {risk['id']} exists")
            conn.execute(
                "INSERT INTO risks (id, doc, next_review) VALUES (?, ?, ?)",
                (risk["id"], _json(risk), risk["next_review"]),
            )

    def fetch_risk(self, risk_id: str) -> Stored | None:
        row = self._query("SELECT doc FROM risks WHERE id = ?", [risk_id]).fetchone()
        return Stored(json.loads(row[0]), row[0]) if row else None

    def replace_risk(self, risk: dict[str, Any], *, revision: str) -> None:
        with self._transaction(f"replacing risk {risk['id']} in {self.path}") as conn:
            updated = conn.execute(
                "UPDATE risks SET doc = ?, next_review = ? WHERE id = ? AND doc = ?",
                (_json(risk), risk["next_review"], risk["id"], revision),
            ).rowcount
            if not updated:
                raise Conflict(f"risk {risk['id']} changed since it was read")

    def delete_risk(self, risk_id: str) -> None:
        with self._transaction(f"removing risk {risk_id} from {self.path}") as conn:
            conn.execute("DELETE FROM risks WHERE id = ?", (risk_id,))

    def risks(self, *, due: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE next_review <= ?", [due]) if due else ("", [])
        rows = self._query(
            f"SELECT doc FROM risks {where} ORDER BY next_review, id", params
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def get(self, incident_id: str, *, viewer: Viewer) -> Incident | None:
        access = fts5.visibility_where(visibility(viewer))
        row = self._query(
            f"SELECT doc FROM incident_docs d WHERE d.id = ? AND {access.where}",
            [incident_id, *access.params],
        ).fetchone()
        return json.loads(row[0]) if row else None

    def search(
        self,
        query: Node = MatchAll(),  # noqa: B008 (immutable)
        *,
        viewer: Viewer,
        sort: str = "relevance",
        order: str = "desc",
        limit: int = 20,
        after: str | None = None,
        facets: bool = False,
    ) -> SearchResult:
        keys = sort_keys(sort, order, query)
        where = fts5.compile_where(query, visibility(viewer))
        rank = fts5.rank_expression(query)
        scored = (
            f"SELECT d.*, coalesce(r.score, 0.0) AS score FROM incident_docs d LEFT JOIN"
            f" (SELECT rowid, {_SCORE} AS score FROM incident_text WHERE incident_text MATCH ?)"
            " r ON r.rowid = d.rowid"
            if rank
            else "SELECT d.*, 0.0 AS score FROM incident_docs d"
        )
        base = f"{scored} WHERE {where.where}"
        params: list[Any] = ([rank] if rank else []) + where.params
        total = self._query(f"SELECT count(*) FROM ({base})", params).fetchone()[0]
        page_sql, page_params = f"SELECT doc, {', '.join(_SORT_COLUMNS)} FROM ({base})", params
        if after is not None:
            condition = _after(keys, decode_cursor(after, keys))
            page_sql += f" WHERE {condition.where}"
            page_params = params + condition.params
        direction = {True: "DESC", False: "ASC"}
        page_sql += " ORDER BY " + ", ".join(f"{k.name} {direction[k.descending]}" for k in keys)
        rows = self._query(f"{page_sql} LIMIT ?", [*page_params, limit + 1]).fetchall()
        cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = dict(zip(_SORT_COLUMNS, rows[-1][1:], strict=True))
            cursor = encode_cursor(keys, [last[k.name] for k in keys])
        return SearchResult(
            total=total,
            hits=[json.loads(row[0]) for row in rows],
            cursor=cursor,
            facets=self._facets(where) if facets else {},
        )

    def _facets(self, where: fts5.Sql) -> Facets:
        counts: Facets = {}
        for name, field in FACETS.items():
            rows = self._query(
                f"SELECT v.value, count(*) AS n FROM incident_docs d,"
                f" json_each(d.fields, '$.{field}') v WHERE {where.where}"
                f" GROUP BY v.value ORDER BY n DESC, v.value LIMIT {FACET_SIZE}",
                where.params,
            ).fetchall()
            counts[name] = [bucket(value, n) for value, n in rows]
        return counts

    def ping(self) -> None:
        self._query("SELECT count(*) FROM incident_docs").fetchone()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with _errors(f"registry store {self.path}"):
            return self._conn().execute(sql, params)
