"""The embedded store's fast paths answer exactly what the plain SQL would: the relevance
page ranked in FTS5 alone, the count of a text query from FTS5's access tokens, the facets
from the facet index; and a file of the earlier schema migrates on ``ensure``."""

from __future__ import annotations

import json
import sqlite3

import pytest
from registry_support import LAB_A, LAB_B, VIEWERS

from services.registry.access.rules import may_read
from services.registry.query import parse
from services.registry.query.ast import Term
from services.registry.store import embedded
from services.registry.store.embedded import EmbeddedStore

LEVELS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]


def incident(n: int) -> dict:
    """Many alike: few distinct scores, so pages end inside ties; every level, two labs,
    RED ones for one person or another."""
    return {
        "id": f"01JE{n:022d}",
        "title": "Leak" if n % 3 else "Leak of a leak",
        "description": "leak " * (n % 4) + "details follow",
        "severity": ["low", "high"][n % 2],
        "countries": [["US"], ["US", "FR"], []][n % 3],
        "tlp": LEVELS[n % 5],
        "organization_id": [LAB_A, LAB_B][n // 5 % 2],
        "recipients": [["p-a"], ["p-b"]][n // 10 % 2],
        "received_at": f"2026-11-{n % 28 + 1:02d}T{n % 24:02d}:00:00+00:00",
    }


INCIDENTS = [incident(n) for n in range(1, 301)]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    opened = EmbeddedStore(tmp_path_factory.mktemp("embedded") / "registry.sqlite3")
    opened.ensure()
    opened.upsert(INCIDENTS)
    yield opened
    opened.close()


def walk(store, query: str, viewer, limit: int) -> tuple[int, list[str]]:
    """Every page of a search: its total and the ids in order."""
    got, after, total = [], None, None
    while True:
        page = store.search(parse(query), viewer=viewer, limit=limit, after=after)
        total = page.total if total is None else total
        got += [hit["id"] for hit in page.hits]
        if page.cursor is None:
            return total, got
        after = page.cursor


QUERIES = ["leak", "leak details", "leak severity:high", "leak -country:FR", "leak OR details"]


def first_pages(store, query: str, viewer) -> list[tuple[int, list[str], str | None]]:
    pages = [
        store.search(parse(query), viewer=viewer, limit=n, order=order)
        for n in (1, 7, 20, 60)
        for order in ("desc", "asc")
    ]
    return [(page.total, [hit["id"] for hit in page.hits], page.cursor) for page in pages]


@pytest.mark.parametrize("viewer", sorted(VIEWERS))
@pytest.mark.parametrize("query", QUERIES)
def test_a_page_ranked_in_fts5_first_is_the_page_ranked_over_every_match(
    store, monkeypatch, viewer, query
):
    fast = first_pages(store, query, VIEWERS[viewer])
    monkeypatch.setattr(embedded, "_CANDIDATES", 10_000)  # every match ranked in FTS5
    all_in_fts = first_pages(store, query, VIEWERS[viewer])
    monkeypatch.setattr(EmbeddedStore, "_ranked_in_fts", lambda *_: None)  # never
    everything = first_pages(store, query, VIEWERS[viewer])
    assert fast == all_in_fts == everything


@pytest.mark.parametrize("viewer", sorted(VIEWERS))
def test_totals_and_hits_are_exactly_what_the_viewer_may_read(store, viewer):
    readable = [i for i in INCIDENTS if may_read(VIEWERS[viewer], i)]
    for query, matches in [
        ("leak", readable),
        ("leak details", readable),
        ("", readable),
        ("severity:high", [i for i in readable if i["severity"] == "high"]),
        ("leak country:FR", [i for i in readable if "FR" in i["countries"]]),
    ]:
        total, ids = walk(store, query, VIEWERS[viewer], 50)
        assert total == len(matches), query
        assert sorted(ids) == sorted(i["id"] for i in matches), query


@pytest.mark.parametrize("viewer", ["lab A reporter", "risk owner", "anonymous"])
@pytest.mark.parametrize("query", ["", "tlp:AMBER", "severity:low", "leak", "leak country:US"])
def test_facets_count_what_the_viewer_may_read(store, viewer, query):
    rows = [
        i
        for i in INCIDENTS
        if may_read(VIEWERS[viewer], i)
        and (query != "tlp:AMBER" or i["tlp"] == "AMBER")
        and (query != "severity:low" or i["severity"] == "low")
        and (query != "leak country:US" or "US" in i["countries"])
    ]
    result = store.search(parse(query), viewer=VIEWERS[viewer], facets=True)
    assert result.total == len(rows)
    for name, field in [("severity", "severity"), ("country", "countries"), ("tlp", "tlp")]:
        counts: dict[str, int] = {}
        for row in rows:
            for value in row[field] if isinstance(row[field], list) else [row[field]]:
                counts[value] = counts.get(value, 0) + 1
        expected = sorted(counts.items(), key=lambda c: (-c[1], c[0]))
        assert [(b["value"], b["count"]) for b in result.facets[name]] == expected, name


def test_a_keyword_holding_the_column_separator_is_still_found(tmp_path):
    store = EmbeddedStore(tmp_path / "registry.sqlite3")
    store.ensure()
    store.upsert([{**incident(1), "tlp": "CLEAR", "countries": ["U\x1fS", "FR"]}])
    for value, found in [("U\x1fS", 1), ("FR", 1), ("U", 0), ("S", 0)]:
        result = store.search(Term("country", value), viewer=VIEWERS["anonymous"], facets=True)
        assert result.total == found, value
    assert result.facets["country"] == []
    store.close()


# The schema before the keyword columns, facet sets and access tokens.
EARLIER_SCHEMA = """
CREATE TABLE incident_docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL,
    fields TEXT NOT NULL, received INTEGER NOT NULL, occurred INTEGER,
    occurred_sort INTEGER NOT NULL, severity_rank INTEGER NOT NULL
);
CREATE TABLE risks (id TEXT PRIMARY KEY, doc TEXT NOT NULL, next_review TEXT NOT NULL);
CREATE VIRTUAL TABLE incident_text USING fts5(
    title, description, public_title, public_description,
    tokenize="unicode61 remove_diacritics 0 categories 'L* M* N* P* S* C*'"
);
"""


def test_a_file_of_the_earlier_schema_migrates_on_ensure(tmp_path):
    path = tmp_path / "registry.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(EARLIER_SCHEMA)
    docs = INCIDENTS[:1200:7]  # more than one migration batch would be slow here: a few
    for rowid, doc in enumerate(docs, start=1):
        conn.execute(
            "INSERT INTO incident_docs VALUES (?, ?, ?, '{}', 0, NULL, 0, 0)",
            (rowid, doc["id"], json.dumps(doc)),
        )
        conn.execute("INSERT INTO incident_text (rowid, title) VALUES (?, 'stale')", (rowid,))
    conn.execute("INSERT INTO risks VALUES ('risk-1', '{\"id\": \"risk-1\"}', '2026-12-01')")
    conn.commit()
    conn.close()

    store = EmbeddedStore(path)
    store.ensure()
    store.ensure()  # once only

    viewer = VIEWERS["risk owner"]
    readable = sorted(d["id"] for d in docs if may_read(viewer, d))
    assert walk(store, "leak", viewer, 10)[0] == len(readable)
    assert sorted(walk(store, "leak", viewer, 10)[1]) == readable
    assert walk(store, "stale", viewer, 10) == (0, [])
    assert [d["id"] for d in store.documents()] == sorted(d["id"] for d in docs)
    assert store.fetch_risk("risk-1").doc == {"id": "risk-1"}
    tables = {
        name for (name,) in store._query("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert "incident_docs" not in tables and "incident_text" not in tables
    store.close()
