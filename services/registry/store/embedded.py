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
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from services.registry.access.rules import Visibility, visibility
from services.registry.query import fts5
from services.registry.query.ast import And, MatchAll, Node, Not, Or, Term
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

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS incidents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS incident_fields (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    received INTEGER NOT NULL,
    occurred INTEGER,
    occurred_sort INTEGER NOT NULL,
    severity_rank INTEGER NOT NULL,
    facets INTEGER NOT NULL REFERENCES facet_sets (id),
    """
    + ",\n    ".join(f'"{name}" TEXT NOT NULL' for name in KEYWORD_FIELDS)
    + """
);
CREATE INDEX IF NOT EXISTS incident_fields_received ON incident_fields (received DESC, id);
-- Covers the facet and access columns: a count or the facets of a query that filters on
-- nothing else (the empty query, tlp:) read this narrow index in facet-set order, neither
-- the table nor a sort.
CREATE INDEX IF NOT EXISTS incident_fields_facets
    ON incident_fields (facets, tlp, organization, recipients);
CREATE TABLE IF NOT EXISTS facet_sets (
    id INTEGER PRIMARY KEY,
    fields TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS risks (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    next_review TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS incident_words USING fts5(
    title, description, public_title, public_description, access,
    tokenize="unicode61 remove_diacritics 0 categories 'L* M* N* P* S* C*'"
);
"""
)
# Title matches weigh ten times description matches (as in the Elasticsearch store); the
# access tokens weigh nothing.
_SCORE = "-bm25(incident_words, 10.0, 1.0, 10.0, 1.0, 0.0)"
# The sort keys (query/sorting.py) are column names of the scored rows.
_SORT_COLUMNS = ("score", "received", "occurred_sort", "severity_rank", "id")
# The relevance page is ranked in FTS5 alone from this many best matches (at least), and
# only those are joined to their fields; when the access filter or the query's other
# conditions leave too few of them, the page is ranked over every match instead.
_CANDIDATES = 64
_KEYWORD_COLUMNS = ", ".join(f'"{name}"' for name in KEYWORD_FIELDS)
# Rows read at a time: documents of a file of an earlier schema while ``ensure`` migrates
# them, ids looked up in one query (under SQLite's limit of parameters).
_BATCH = 1000


def _json(doc: dict[str, Any]) -> str:
    try:
        return msgspec.json.encode(doc, order="sorted").decode()
    except (TypeError, ValueError, msgspec.EncodeError) as exc:
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


# The rows of ``incident_fields d`` that an FTS5 match drives (its parameter: the match).
_DRIVEN = "incident_words JOIN incident_fields d ON d.rowid = incident_words.rowid"
# The sort columns after the score (``_SORT_COLUMNS``), as a page's rows carry them.
_FIELD_COLUMNS = ", ".join(f"d.{name} AS {name}" for name in _SORT_COLUMNS[1:])


def _order(keys: list[SortKey]) -> str:
    return ", ".join(f"{k.name} {'DESC' if k.descending else 'ASC'}" for k in keys)


@dataclass(frozen=True)
class _Plan:
    """How a query reads the store (``fts5.Ranking``): ``where`` holds the viewer's access
    and the rest of the query; ``access`` is the access rule as FTS5 sees it."""

    match: str | None
    driven: bool
    where: fts5.Sql
    bare: bool  # driven, and nothing but the access rule left to test
    access: str
    covered: bool  # not driven, and testing only columns of incident_fields_facets

    @classmethod
    def of(cls, query: Node, rights: Visibility) -> _Plan:
        ranking = fts5.ranking(query)
        return cls(
            match=ranking.match,
            driven=ranking.drives,
            where=fts5.compile_where(ranking.rest, rights),
            bare=ranking.drives and isinstance(ranking.rest, MatchAll),
            access=fts5.access_match(rights),
            covered=not ranking.drives and _tests_only(ranking.rest, _FACET_INDEX_COLUMNS),
        )

    @property
    def condition(self) -> str:
        return "incident_words MATCH ?" if self.driven else "1"


# The keyword columns that incident_fields_facets holds beside the facet set.
_FACET_INDEX_COLUMNS = frozenset({"tlp", "organization", "recipients"})


def _tests_only(node: Node, columns: frozenset[str]) -> bool:
    """Whether ``node`` tests nothing but keyword ``columns``."""
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, Term):
        return node.field in columns
    if isinstance(node, Not):
        return _tests_only(node.child, columns)
    if isinstance(node, And | Or):
        return all(_tests_only(child, columns) for child in node.children)
    return False


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
            self._local.facet_sets = {}
        return conn

    def _forget(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            self._connections.remove(conn)
        conn.close()

    def documents(self) -> Iterator[Incident]:
        """Every incident, unfiltered, in id order: for operators (``accord export``), never
        behind an HTTP route."""
        for (doc,) in self._query("SELECT doc FROM incidents ORDER BY id"):
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
        self._migrate()

    def _migrate(self) -> None:
        """Move the documents of a file of the earlier schema (``incident_docs`` with the
        keyword fields as JSON, ``incident_text`` without access tokens) into the current
        tables, keeping their rowids: in one transaction, so that no other writer takes a
        rowid meanwhile and no reader sees half (readers go on reading the old tables)."""
        with self._transaction(f"migrating the registry tables in {self.path}") as conn:
            old = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'incident_docs'"
            ).fetchone()
            if old is None:
                return
            rows = conn.execute("SELECT rowid, doc FROM incident_docs")
            while batch := rows.fetchmany(_BATCH):
                for rowid, doc in batch:
                    incident = json.loads(doc)
                    with _errors("indexing an incident"):
                        fields = derived(incident)
                    conn.execute(
                        "INSERT INTO incidents (rowid, id, doc) VALUES (?, ?, ?)",
                        (rowid, incident["id"], doc),
                    )
                    self._write_fields(conn, rowid, incident["id"], fields)
            conn.execute("DROP TABLE incident_docs")
            conn.execute("DROP TABLE IF EXISTS incident_text")

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
            stored = self._stored(conn, [incident_id for incident_id, _, _ in rows])
            for incident_id, doc, fields in rows:
                if incident_id not in stored:
                    self._write(conn, incident_id, doc, fields, new=True)
                    stored.add(incident_id)
                    written.append(incident_id)
        return written

    @staticmethod
    def _stored(conn: sqlite3.Connection, ids: list[str]) -> set[str]:
        """Which of ``ids`` are stored: one query per ``_BATCH`` of them."""
        stored: set[str] = set()
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            stored.update(
                incident_id
                for (incident_id,) in conn.execute(
                    f"SELECT id FROM incidents WHERE id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return stored

    def fetch(self, incident_id: str) -> Stored | None:
        row = self._query("SELECT doc FROM incidents WHERE id = ?", [incident_id]).fetchone()
        # The stored text itself is the revision: any change to the document changes it.
        return Stored(json.loads(row[0]), row[0]) if row else None

    def replace(self, incident: Incident, *, revision: str) -> None:
        incident_id, doc, fields = self._row(incident)
        with self._transaction(f"replacing incident {incident_id} in {self.path}") as conn:
            current = conn.execute(
                "SELECT doc FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
            if current is None or current[0] != revision:
                raise Conflict(f"incident {incident_id} changed since it was read")
            self._write(conn, incident_id, doc, fields)

    @classmethod
    def _write(
        cls,
        conn: sqlite3.Connection,
        incident_id: str,
        doc: str,
        fields: dict,
        *,
        new: bool = False,
    ) -> None:
        """Write the incident, ``new`` when the caller knows it is not stored yet."""
        row = None
        if not new:
            row = conn.execute(
                "SELECT rowid FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
        if row is None:
            rowid = conn.execute(
                "INSERT INTO incidents (id, doc) VALUES (?, ?)", (incident_id, doc)
            ).lastrowid
        else:
            rowid = row[0]
            conn.execute("UPDATE incidents SET doc = ? WHERE rowid = ?", (doc, rowid))
            conn.execute("DELETE FROM incident_words WHERE rowid = ?", (rowid,))
            # Deleted and inserted again: INSERT OR REPLACE would cost every new row more
            # than the rest of its write.
            conn.execute("DELETE FROM incident_fields WHERE rowid = ?", (rowid,))
        cls._write_fields(conn, rowid, incident_id, fields)

    @staticmethod
    def _write_fields(conn: sqlite3.Connection, rowid: int, incident_id: str, fields: dict) -> None:
        """The incident's rows beside its document: its words in ``incident_words``, and in
        ``incident_fields`` its keyword columns, its dates and ranks, and its set of facet
        values (shared by every incident with the same set)."""
        conn.execute(
            "INSERT INTO incident_words (rowid, title, description, public_title,"
            " public_description, access) VALUES (?, ?, ?, ?, ?, ?)",
            (
                rowid,
                fields["title"],
                fields["description"],
                fields["public_title"],
                fields["public_description"],
                fts5.access_tokens(fields),
            ),
        )
        facet_set = json.dumps([fields[field] for field in FACETS.values()], ensure_ascii=False)
        # Looked up first: an upsert rewrites the row it finds, for every new incident.
        known = conn.execute("SELECT id FROM facet_sets WHERE fields = ?", (facet_set,)).fetchone()
        facets = (
            known[0]
            if known
            else conn.execute("INSERT INTO facet_sets (fields) VALUES (?)", (facet_set,)).lastrowid
        )
        conn.execute(
            f"INSERT INTO incident_fields (rowid, id, received, occurred,"
            f" occurred_sort, severity_rank, facets, {_KEYWORD_COLUMNS})"
            f" VALUES ({', '.join('?' * (7 + len(KEYWORD_FIELDS)))})",
            (
                rowid, incident_id, fields["received"], fields["occurred"],
                fields["occurred_sort"], fields["severity_rank"], facets,
                *(fts5.keywords(fields[name]) for name in KEYWORD_FIELDS),
            ),
        )  # fmt: skip

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
            "SELECT i.doc FROM incidents i JOIN incident_fields d ON d.rowid = i.rowid"
            f" WHERE i.id = ? AND {access.where}",
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
        plan = _Plan.of(query, visibility(viewer))
        rows = None
        if after is None and keys[0] == SortKey("score", descending=True) and plan.driven:
            rows = self._ranked_in_fts(plan, keys, limit)
        if rows is None:
            rows = self._page(plan, keys, limit, after)
        cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = dict(zip(_SORT_COLUMNS, rows[-1][1:], strict=True))
            cursor = encode_cursor(keys, [last[k.name] for k in keys])
        if facets:
            total, counts = self._facets(plan)
        else:
            total, counts = self._count(plan), {}
        return SearchResult(total=total, hits=self._docs([row[0] for row in rows]),
                            cursor=cursor, facets=counts)  # fmt: skip

    def _ranked_in_fts(self, plan: _Plan, keys: list[SortKey], limit: int) -> list | None:
        """The first relevance page from the best matches ranked by FTS5 alone, joined to
        their fields only then; None when those cannot be shown to hold the whole page (too
        few left after the filters, or a tie with the rest at its end)."""
        wanted = max(_CANDIDATES, 2 * (limit + 1))
        candidates = self._query(
            f"SELECT rowid, {_SCORE} AS score FROM incident_words WHERE incident_words MATCH ?"
            " ORDER BY score DESC LIMIT ?",
            [plan.match, wanted],
        ).fetchall()
        if not candidates:
            return []
        values = ", ".join(["(?, ?)"] * len(candidates))
        rows = self._query(
            f"WITH c (rowid, score) AS (VALUES {values}) SELECT d.rowid, c.score,"
            f" {_FIELD_COLUMNS} FROM c JOIN incident_fields d ON d.rowid = c.rowid"
            f" WHERE {plan.where.where} ORDER BY {_order(keys)} LIMIT ?",
            [*(v for candidate in candidates for v in candidate), *plan.where.params, limit + 1],
        ).fetchall()
        if len(candidates) < wanted or (len(rows) > limit and rows[-1][1] > candidates[-1][1]):
            return rows
        return None

    def _page(self, plan: _Plan, keys: list[SortKey], limit: int, after: str | None) -> list:
        if plan.driven:
            table, score = _DRIVEN, _SCORE
        elif plan.match is not None:  # scored, but incidents without its words match too
            table = (
                f"incident_fields d LEFT JOIN (SELECT rowid, {_SCORE} AS score FROM"
                " incident_words WHERE incident_words MATCH ?) r ON r.rowid = d.rowid"
            )
            score = "coalesce(r.score, 0.0)"
        else:
            table, score = "incident_fields d", "0.0"
        # The match's parameter comes first either way: in the join, or in the condition.
        params: list[Any] = [plan.match] if plan.match is not None else []
        scored = (
            f"SELECT d.rowid AS rowid, {score} AS score, {_FIELD_COLUMNS} FROM {table}"
            f" WHERE {plan.condition} AND {plan.where.where}"
        )
        params += plan.where.params
        sql = f"SELECT * FROM ({scored})"
        if after is not None:
            condition = _after(keys, decode_cursor(after, keys))
            sql += f" WHERE {condition.where}"
            params += condition.params
        return self._query(
            f"{sql} ORDER BY {_order(keys)} LIMIT ?", [*params, limit + 1]
        ).fetchall()

    def _docs(self, rowids: list[int]) -> list[Incident]:
        if not rowids:
            return []
        found = dict(
            self._query(
                f"SELECT rowid, doc FROM incidents WHERE rowid IN ({', '.join('?' * len(rowids))})",
                rowids,
            ).fetchall()
        )
        return [json.loads(found[rowid]) for rowid in rowids]

    @staticmethod
    def _from(plan: _Plan, fields: str = "incident_fields d") -> tuple[str, list[Any]]:
        """The matching rows of ``fields`` (``incident_fields d``, or with a hint): read
        from the FTS5 match when it drives, else a scan of every incident."""
        if plan.driven:
            table = f"incident_words JOIN {fields} ON d.rowid = incident_words.rowid"
        else:
            table = fields
        params = [plan.match] if plan.driven else []
        sql = f"FROM {table} WHERE {plan.condition} AND {plan.where.where}"
        return sql, [*params, *plan.where.params]

    def _count(self, plan: _Plan) -> int:
        if plan.bare:  # FTS5 alone: no row of incident_fields to read
            return self._query(
                "SELECT count(*) FROM incident_words WHERE incident_words MATCH ?",
                [f"({plan.match}) AND {plan.access}"],
            ).fetchone()[0]
        rows, params = self._from(plan)
        return self._query(f"SELECT count(*) {rows}", params).fetchone()[0]

    def _facets(self, plan: _Plan) -> tuple[int, Facets]:
        """The total and every facet's counts in one pass over the matching rows: how many
        match with each set of facet values, added up per value."""
        # Unless the facet index covers the query, SQLite would walk it for its order and
        # read each row beside: the table in its own order and a sort are faster.
        fields = "incident_fields d" if plan.covered else "incident_fields d NOT INDEXED"
        rows, params = self._from(plan, fields)
        groups = self._query(f"SELECT d.facets, count(*) {rows} GROUP BY d.facets", params)
        counted: dict[str, Counter] = {name: Counter() for name in FACETS}
        total = 0
        for facet_set, n in groups.fetchall():
            total += n
            for name, values in zip(FACETS, self._facet_set(facet_set), strict=True):
                for value in values:
                    counted[name][value] += n
        return total, {
            name: [
                bucket(value, n)
                for value, n in sorted(counts.items(), key=lambda c: (-c[1], c[0]))[:FACET_SIZE]
            ]
            for name, counts in counted.items()
        }

    def _facet_set(self, facet_set: int) -> list[list[str]]:
        """The facet values of a set, cached per connection (a set never changes)."""
        self._conn()  # the cache belongs to this thread's connection, to its file
        cache = self._local.facet_sets
        if facet_set not in cache:
            (fields,) = self._query(
                "SELECT fields FROM facet_sets WHERE id = ?", [facet_set]
            ).fetchone()
            cache[facet_set] = json.loads(fields)
        return cache[facet_set]

    def ping(self) -> None:
        self._query("SELECT count(*) FROM incidents").fetchone()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with _errors(f"registry store {self.path}"):
            return self._conn().execute(sql, params)
