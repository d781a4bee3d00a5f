"""One contract for both registry stores: embedded (SQLite + FTS5) and Elasticsearch
(on noida-db)."""

from __future__ import annotations

import uuid

import pytest

from services.registry.store.elasticsearch import ElasticsearchStore
from services.registry.store.embedded import EmbeddedStore
from services.registry.store.interfaces import IncidentStore


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request, tmp_path) -> IncidentStore:
    if request.param == "embedded":
        store = EmbeddedStore(tmp_path / "registry.sqlite3")
    else:
        noida = request.getfixturevalue("noida")
        store = ElasticsearchStore.from_url(
            noida.elasticsearch_url, prefix=f"contract-{uuid.uuid4().hex[:12]}"
        )
    store.ensure()
    yield store
    store.close()


def incident(n: int, title: str, description: str = "Details follow.", **extra) -> dict:
    return {
        "id": f"01JD{n:022d}",
        "title": title,
        "description": description,
        "severity": "high",
        "received_at": f"2026-11-{n:02d}T10:00:00+00:00",
        **extra,
    }


def ids(result) -> list[str]:
    return [hit["id"] for hit in result.hits]


def test_an_upserted_incident_can_be_read_back_whole(store):
    doc = incident(1, "Model weights leaked", countries=["FR"], extra={"nested": [1, 2]})
    store.upsert([doc])
    assert store.get(doc["id"]) == doc
    assert store.get("01JD9999999999999999999999") is None


def test_search_needs_every_word_in_title_or_description(store):
    store.upsert(
        [
            incident(1, "Chatbot gave harmful chemistry advice"),
            incident(2, "Robot arm collision", "Harmful contact with an operator"),
            incident(3, "Unrelated outage", "Nothing to see"),
        ]
    )
    assert sorted(ids(store.search("harmful"))) == [incident(1, "")["id"], incident(2, "")["id"]]
    assert ids(store.search("harmful chemistry")) == [incident(1, "")["id"]]
    assert ids(store.search("HARMFUL Robot")) == [incident(2, "")["id"]]
    assert store.search("nonexistentword").total == 0


def test_a_title_match_ranks_above_a_description_match(store):
    store.upsert(
        [
            incident(1, "Routine audit", "The deepfake was found during review"),
            incident(2, "Deepfake of a minister", "Circulated widely"),
        ]
    )
    assert ids(store.search("deepfake")) == [incident(2, "")["id"], incident(1, "")["id"]]


def test_an_empty_query_lists_everything_newest_first_in_pages(store):
    store.upsert([incident(n, f"Incident {n}") for n in range(1, 8)])
    first = store.search("", limit=3)
    second = store.search("", limit=3, offset=3)
    assert first.total == second.total == 7
    assert ids(first) == [incident(n, "")["id"] for n in (7, 6, 5)]
    assert ids(second) == [incident(n, "")["id"] for n in (4, 3, 2)]


def test_replaying_the_same_upsert_changes_nothing(store):
    docs = [incident(1, "Prompt injection in a mail agent"), incident(2, "Bias in hiring")]
    store.upsert(docs)
    store.upsert(docs)
    assert store.search("").total == 2
    assert store.search("injection").total == 1


def test_an_upsert_replaces_the_earlier_version(store):
    store.upsert([incident(1, "Draft title")])
    store.upsert([incident(1, "Final title", status="triaged")])
    assert store.search("draft").total == 0
    assert ids(store.search("final")) == [incident(1, "")["id"]]
    assert store.get(incident(1, "")["id"])["status"] == "triaged"


def test_search_text_is_never_query_syntax(store):
    store.upsert([incident(1, "Jailbreak via role play")])
    for text in ['"', "((", "title:", "AND OR NOT", "-", "*", "\\"]:
        assert store.search(text).total in (0, 1)


def test_non_latin_text_is_searchable(store):
    store.upsert([incident(1, "Fuite de données", "模型 泄露 事件")])
    assert store.search("données").total == 1


def test_ensure_twice_is_harmless(store):
    store.upsert([incident(1, "Kept")])
    store.ensure()
    assert store.search("kept").total == 1
