"""One contract for both registry stores: embedded (SQLite + FTS5) and Elasticsearch
(on noida-db). Reads take a viewer; queries are the search language's AST."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from registry_support import LAB_A, LAB_B, STORES, VIEWERS, open_store
from servers import free_port

from services.registry.query import parse
from services.registry.store.elasticsearch import ElasticsearchStore
from services.registry.store.embedded import EmbeddedStore
from services.registry.store.interfaces import (
    Conflict,
    IncidentStore,
    StoreRejected,
    StoreUnavailable,
    scan,
)
from shared.errors import Rejected, Unavailable

READER = VIEWERS["lab A reporter"]


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[IncidentStore]:
    opened = open_store(request.param, request, tmp_path)
    yield opened
    opened.close()


def incident(n: int, title: str = "", description: str = "Details follow.", **extra) -> dict:
    return {
        "id": f"01JD{n:022d}",
        "title": title or f"Incident {n}",
        "description": description,
        "severity": "high",
        "tlp": "GREEN",
        "organization_id": LAB_A,
        "received_at": f"2026-11-{n:02d}T10:00:00+00:00",
        **extra,
    }


def iid(n: int) -> str:
    return f"01JD{n:022d}"


def ids(result) -> list[str]:
    return [hit["id"] for hit in result.hits]


def found(store, text: str, viewer=READER, **kwargs) -> list[str]:
    return sorted(ids(store.search(parse(text), viewer=viewer, limit=200, **kwargs)))


def test_an_upserted_incident_can_be_read_back_whole(store):
    doc = incident(1, "Model weights leaked", countries=["FR"], extra={"nested": [1, 2]})
    store.upsert([doc])
    assert store.get(doc["id"], viewer=READER) == doc
    assert store.get(iid(99), viewer=READER) is None


def test_an_incident_the_viewer_may_not_read_is_missing(store):
    store.upsert([incident(1, tlp="AMBER+STRICT"), incident(2, tlp="GREEN")])
    assert store.get(iid(1), viewer=VIEWERS["lab B reporter"]) is None
    assert store.get(iid(1), viewer=VIEWERS["risk owner"]) is None
    assert store.get(iid(1), viewer=READER)["id"] == iid(1)
    assert store.search(viewer=VIEWERS["lab B reporter"]).total == 1
    assert store.search(viewer=VIEWERS["anonymous"]).total == 0


def test_search_needs_every_word_in_title_or_description(store):
    store.upsert(
        [
            incident(1, "Chatbot gave harmful chemistry advice"),
            incident(2, "Robot arm collision", "Harmful contact with an operator"),
            incident(3, "Unrelated outage", "Nothing to see"),
        ]
    )
    assert found(store, "harmful") == [iid(1), iid(2)]
    assert found(store, "harmful chemistry") == [iid(1)]
    assert found(store, "HARMFUL Robot") == [iid(2)]
    result = store.search(parse("nonexistentword"), viewer=READER)
    assert (result.total, result.hits) == (0, [])


def test_the_language_or_not_phrase_prefix_and_groups(store):
    store.upsert(
        [
            incident(1, "YouTube Kids recommended violent clips"),
            incident(2, "YouTube moderation missed a scam"),
            incident(3, "Facial recognition misidentified a shopper"),
            incident(4, "Recognition of faces failed", "shopper facial data"),
        ]
    )
    assert found(store, "YouTube -Kids") == [iid(2)]
    assert found(store, "kids OR scam") == [iid(1), iid(2)]
    assert found(store, '"facial recognition"') == [iid(3)]
    assert found(store, "recogni*") == [iid(3), iid(4)]
    assert found(store, "(kids OR facial) -shopper") == [iid(1)]
    assert found(store, "-youtube") == [iid(3), iid(4)]


def test_analysis_folds_diacritics_stems_english_and_bigrams_cjk(store):
    store.upsert(
        [
            incident(1, "Fuite de données", "模型泄露事件"),
            incident(2, "Pedestrian killed in Tempe", "The car did not brake."),
            incident(3, "Other", "型 and 露 apart"),
        ]
    )
    assert found(store, "donnees") == [iid(1)]
    assert found(store, "DONNÉES") == [iid(1)]
    assert found(store, "泄露") == [iid(1)]  # a two-character word inside a longer run
    assert found(store, "模型泄露") == [iid(1)]
    assert found(store, "型泄露事") == [iid(1)]
    assert found(store, "露型") == []
    assert found(store, "pedestrians Tempe") == [iid(2)]
    assert found(store, "braking") == [iid(2)]


def test_field_filters(store):
    store.upsert(
        [
            incident(
                1,
                severity="critical",
                countries=["US"],
                harm_domains=["7"],
                harm_subdomains=["7.1"],
                event_type="near_miss",
                status="new",
                language="en",
                occurred_at="2020-03-01T00:00:00+00:00",
                source={"format": "aiid", "id": "4", "url": "https://incidentdatabase.ai/cite/4"},
                contact={"name": "Desk", "email": "desk@example.org"},
            ),
            incident(
                2,
                severity="low",
                countries=["FR"],
                harm_domains=["7"],
                harm_subdomains=["7.3"],
                language="zh-Hans",
                occurred_at="2019-12-31T23:00:00+00:00",
                source={"format": "aiaaic", "id": "AIAAIC2152", "url": None},
                reporting_organization="Totally Real Lab",
            ),
        ]
    )
    assert found(store, "severity:critical") == [iid(1)]
    assert found(store, "country:fr") == [iid(2)]
    assert found(store, "domain:7") == [iid(1), iid(2)]
    assert found(store, "domain:7.1") == [iid(1)]
    assert found(store, "type:near_miss") == [iid(1)]
    assert found(store, "status:new") == [iid(1)]
    assert found(store, "lang:zh") == [iid(2)]
    assert found(store, "tlp:green") == [iid(1), iid(2)]
    assert found(store, "org:org-lab-a") == [iid(1), iid(2)]
    assert found(store, 'org:"totally real lab"') == [iid(2)]
    assert found(store, "source:aiid:4") == [iid(1)]
    assert found(store, "source:aiaaic:AIAAIC2152") == [iid(2)]
    assert found(store, "source:aiaaic") == [iid(2)]
    assert found(store, "has:contact") == [iid(1)]
    assert found(store, "-has:source") == []
    assert found(store, "since:2020-01-01") == [iid(1)]
    assert found(store, "until:2019") == [iid(2)]
    assert found(store, "since:2019-12 until:2020-03-01") == [iid(1), iid(2)]
    assert found(store, "received_since:2026-11-02") == [iid(2)]
    assert found(store, "received_until:2026-11-01") == [iid(1)]


def test_a_title_match_ranks_above_a_description_match(store):
    store.upsert(
        [
            incident(1, "Routine audit", "The deepfake was found during review"),
            incident(2, "Deepfake of a minister", "Circulated widely"),
            incident(3, "Audit", "deepfake deepfake deepfake deepfake"),
        ]
    )
    result = store.search(parse("deepfake"), viewer=READER)
    assert ids(result)[0] == iid(2)
    assert sorted(ids(result)) == [iid(1), iid(2), iid(3)]


def pages(store, text: str, **kwargs) -> list[list[str]]:
    out, after = [], None
    while True:
        page = store.search(parse(text), viewer=READER, limit=3, after=after, **kwargs)
        out.append(ids(page))
        if page.cursor is None:
            return out
        after = page.cursor


def test_an_empty_query_lists_everything_newest_first_in_cursor_pages(store):
    store.upsert([incident(n) for n in range(1, 8)])
    assert pages(store, "") == [[iid(7), iid(6), iid(5)], [iid(4), iid(3), iid(2)], [iid(1)]]
    assert store.search(viewer=READER, limit=3).total == 7


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("severity", "desc", [4, 2, 3, 1, 6, 5]),  # a tie goes newest first
        ("severity", "asc", [5, 6, 1, 3, 2, 4]),
        ("occurred", "desc", [6, 5, 4, 3, 2, 1]),
        ("occurred", "asc", [1, 2, 3, 4, 5, 6]),
        ("received", "asc", [1, 2, 3, 4, 5, 6]),
        ("relevance", "desc", [6, 5, 2]),  # the title matches first; the rest in any order
    ],
)
def test_every_sort_pages_through_everything_once(store, sort, order, expected):
    severities = {1: "high", 2: "critical", 3: "high", 4: "critical", 5: None, 6: "low"}
    store.upsert(
        [
            incident(
                n,
                "Leak" if n in (2, 5, 6) else "Other",
                severity=severities[n],
                occurred_at=f"2020-01-{n:02d}T00:00:00+00:00",
                description="a leak" if n == 4 else "Details follow.",
            )
            for n in range(1, 7)
        ]
    )
    query = "leak OR details" if sort == "relevance" else ""
    got = [i for page in pages(store, query, sort=sort, order=order) for i in page]
    assert got[: len(expected)] == [iid(n) for n in expected]
    assert sorted(got) == [iid(n) for n in range(1, 7)]


def test_facets_count_the_whole_result_within_access(store):
    store.upsert(
        [
            incident(1, severity="critical", countries=["US", "FR"]),
            incident(2, severity="critical", countries=["US"]),
            incident(3, severity="low", tlp="AMBER+STRICT"),
            incident(4, severity="low", tlp="AMBER", organization_id=LAB_B),
            incident(5, severity="high", source={"format": "aiid", "id": "4", "url": None}),
        ]
    )
    facets = store.search(viewer=READER, limit=1, facets=True).facets
    assert facets["severity"] == [
        {"value": "critical", "count": 2},
        {"value": "high", "count": 1},
        {"value": "low", "count": 1},
    ]
    assert facets["country"] == [{"value": "US", "count": 2}, {"value": "FR", "count": 1}]
    assert facets["tlp"] == [{"value": "GREEN", "count": 3}, {"value": "AMBER+STRICT", "count": 1}]
    assert facets["organization"] == [{"value": LAB_A, "count": 4}]
    assert facets["source"] == [{"value": "aiid", "count": 1}]
    lab_b = store.search(parse("severity:low"), viewer=VIEWERS["lab B reporter"], facets=True)
    assert lab_b.total == 1
    assert lab_b.facets["tlp"] == [{"value": "AMBER", "count": 1}]


def test_scan_returns_the_whole_result(store):
    store.upsert([incident(n) for n in range(1, 12)])
    got = [i["id"] for i in scan(store, parse(""), viewer=READER, page_size=4)]
    assert got == [iid(n) for n in range(11, 0, -1)]


def test_replaying_the_same_upsert_changes_nothing(store):
    docs = [incident(1, "Prompt injection in a mail agent"), incident(2, "Bias in hiring")]
    store.upsert(docs)
    store.upsert(docs)
    assert store.search(viewer=READER).total == 2
    assert store.search(parse("injection"), viewer=READER).total == 1


def test_an_upsert_replaces_the_earlier_version(store):
    store.upsert([incident(1, "Draft title")])
    store.upsert([incident(1, "Final title", status="triaged")])
    assert store.search(parse("draft"), viewer=READER).total == 0
    assert found(store, "final") == [iid(1)]
    assert store.get(iid(1), viewer=READER)["status"] == "triaged"


def test_create_writes_only_what_is_new(store):
    store.create([incident(1, "Original report", status="new")])
    stored = store.fetch(iid(1))
    store.replace({**stored.doc, "status": "triaged"}, revision=stored.revision)
    written = store.create([incident(1, "Original report", status="new"), incident(2, "Second")])
    assert written == [iid(2)]
    assert store.get(iid(1), viewer=READER)["status"] == "triaged"
    assert found(store, "status:triaged") == [iid(1)]
    assert found(store, "second") == [iid(2)]
    assert store.create([incident(2, "Second")]) == []


def test_fetch_reads_whatever_the_level_for_the_write_path(store):
    doc = incident(1, "Secret", tlp="RED", recipients=["someone"])
    store.create([doc])
    assert store.get(iid(1), viewer=READER) is None
    assert store.fetch(iid(1)).doc == doc
    assert store.fetch(iid(99)) is None


def test_replace_is_compare_and_set(store):
    store.create([incident(1, "First", status="new")])
    read_once = store.fetch(iid(1))
    read_twice = store.fetch(iid(1))
    store.replace({**read_once.doc, "status": "triaged"}, revision=read_once.revision)
    with pytest.raises(Conflict):
        store.replace({**read_twice.doc, "status": "rejected"}, revision=read_twice.revision)
    current = store.fetch(iid(1))
    assert current.doc["status"] == "triaged"
    assert found(store, "status:triaged") == [iid(1)]
    assert found(store, "status:new") == []
    store.replace({**current.doc, "title": "Renamed"}, revision=current.revision)
    assert found(store, "renamed") == [iid(1)]


def risk(n: int, next_review: str, **extra) -> dict:
    return {"id": f"risk-{n}", "title": f"Risk {n}", "next_review": next_review, **extra}


def test_risks_are_created_once_read_whole_and_replaced_by_compare_and_set(store):
    store.create_risk(risk(1, "2026-12-01", mitigations=[{"description": "x"}]))
    with pytest.raises(Conflict):
        store.create_risk(risk(1, "2027-01-01"))
    read = store.fetch_risk("risk-1")
    assert read.doc == risk(1, "2026-12-01", mitigations=[{"description": "x"}])
    assert store.fetch_risk("risk-9") is None
    store.replace_risk({**read.doc, "next_review": "2027-02-01"}, revision=read.revision)
    with pytest.raises(Conflict):
        store.replace_risk({**read.doc, "title": "Stale"}, revision=read.revision)
    assert store.fetch_risk("risk-1").doc["next_review"] == "2027-02-01"
    store.delete_risk("risk-1")
    store.delete_risk("risk-1")
    assert store.fetch_risk("risk-1") is None and store.risks() == []


def test_risks_due_by_a_date(store):
    for n, day in enumerate(("2026-12-02", "2026-11-30", "2026-12-01", "2027-01-01"), start=1):
        store.create_risk(risk(n, day))
    assert [r["id"] for r in store.risks()] == ["risk-2", "risk-3", "risk-1", "risk-4"]
    assert [r["id"] for r in store.risks(due="2026-12-01")] == ["risk-2", "risk-3"]
    assert store.risks(due="2026-01-01") == []


def test_ensure_twice_is_harmless(store):
    store.upsert([incident(1, "Kept")])
    store.ensure()
    assert found(store, "kept") == [iid(1)]


# The error paths: refused is Rejected, everything else Unavailable, on every adapter.


@pytest.mark.parametrize(
    "bad",
    [
        {"title": "no id", "received_at": "2026-11-01T00:00:00+00:00"},
        {"id": "x", "title": "no received_at"},
        {"id": "x", "received_at": "yesterday"},
        {"id": "x", "received_at": "2026-11-01T00:00:00"},  # no time zone
    ],
)
def test_a_document_the_store_cannot_index_is_rejected(store, bad):
    with pytest.raises(StoreRejected) as caught:
        store.upsert([incident(1), bad])
    assert isinstance(caught.value, Rejected)
    assert not isinstance(caught.value, Unavailable)


def test_a_closed_store_is_unavailable(store):
    store.upsert([incident(1)])
    store.close()
    for call in (
        lambda: store.get(iid(1), viewer=READER),
        lambda: store.search(viewer=READER),
        lambda: store.upsert([incident(2)]),
        lambda: store.create([incident(2)]),
        lambda: store.fetch(iid(1)),
        lambda: store.fetch_risk("risk-1"),
        lambda: store.risks(),
        store.ping,
    ):
        with pytest.raises(StoreUnavailable):
            call()


def test_a_bad_cursor_is_rejected(store):
    store.upsert([incident(n) for n in range(1, 4)])
    cursor = store.search(viewer=READER, limit=1).cursor
    with pytest.raises(Rejected):
        store.search(viewer=READER, sort="severity", after=cursor)
    with pytest.raises(Rejected):
        store.search(viewer=READER, after="not-a-cursor")


def test_an_unreachable_embedded_store_is_unavailable(tmp_path):
    unreachable = EmbeddedStore(tmp_path)  # a directory: SQLite cannot open it
    with pytest.raises(StoreUnavailable):
        unreachable.ping()
    with pytest.raises(StoreUnavailable):
        unreachable.search(viewer=READER)
    unreachable.close()


def test_an_unreachable_elasticsearch_is_unavailable():
    url = f"http://127.0.0.1:{free_port()}"
    unreachable = ElasticsearchStore.from_url(url, prefix="test", request_timeout=1)
    try:
        for call in (unreachable.ping, lambda: unreachable.search(viewer=READER)):
            with pytest.raises(StoreUnavailable):
                call()
    finally:
        unreachable.close()
