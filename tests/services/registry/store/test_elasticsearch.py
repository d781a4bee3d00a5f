"""What only the Elasticsearch adapter does: the versioned index behind its alias, the
mapping, idempotent set-up and bulk writes. The shared behaviour is in the contract suite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from servers import free_port

from services.registry.store.elasticsearch import MAPPINGS, ElasticsearchStore
from services.registry.store.interfaces import StoreError

pytestmark = pytest.mark.elasticsearch


def incident(incident_id: str, title: str, description: str, received_at: str) -> dict:
    return {
        "id": incident_id,
        "title": title,
        "description": description,
        "severity": "high",
        "received_at": received_at,
    }


INCIDENTS = [
    incident(
        "01JD0000000000000000000001",
        "Chatbot gave dosage advice",
        "A health assistant recommended a paracetamol dose above the daily maximum.",
        "2026-11-20T09:15:00+00:00",
    ),
    incident(
        "01JD0000000000000000000002",
        "Model weights leaked",
        "The weights of an unreleased model were posted on a public forum.",
        "2026-11-21T10:00:00+00:00",
    ),
]


@pytest.fixture
def store(noida) -> Iterator[ElasticsearchStore]:
    store = ElasticsearchStore.from_url(
        noida.elasticsearch_url, prefix=f"test-{uuid.uuid4().hex[:12]}"
    )
    store.ensure()
    yield store
    store.close()


def test_index_is_versioned_behind_the_alias(store):
    client = store._client
    assert store.alias.endswith("-incidents")
    assert store.index == f"{store.alias}-v1"
    aliases = client.indices.get_alias(name=store.alias).body
    assert aliases == {store.index: {"aliases": {store.alias: {}}}}
    mapping = client.indices.get_mapping(index=store.alias)[store.index]["mappings"]
    # The server reports "dynamic" as a string.
    assert str(mapping["dynamic"]).lower() == "false"
    assert mapping["properties"] == MAPPINGS["properties"]


def test_ensure_twice_is_fine(store):
    store.upsert(INCIDENTS[:1])
    store.ensure()
    assert store.search().total == 1


def test_search_matches_words_from_title_and_description(store):
    store.upsert(INCIDENTS)
    result = store.search("leaked forum")  # one word from each field
    assert [hit["id"] for hit in result.hits] == [INCIDENTS[1]["id"]]
    assert store.search("PARACETAMOL").hits == [INCIDENTS[0]]
    assert store.search("paracetamol forum").total == 0


def test_empty_search_lists_newest_first(store):
    store.upsert(INCIDENTS)
    result = store.search("")
    assert result.total == 2
    assert [hit["id"] for hit in result.hits] == [INCIDENTS[1]["id"], INCIDENTS[0]["id"]]


def test_replayed_upsert_leaves_the_count_unchanged(store):
    store.upsert(INCIDENTS)
    store.upsert(INCIDENTS)
    assert store.search().total == 2
    assert store._client.count(index=store.alias)["count"] == 2


def test_unknown_fields_are_kept_but_not_indexed(store):
    document = {**INCIDENTS[0], "added_later": "zebra"}
    store.upsert([document])
    assert store.get(document["id"]) == document
    assert store.search("zebra").total == 0


def test_failed_item_is_named(store):
    bad = {**INCIDENTS[0], "received_at": "not a date"}
    with pytest.raises(StoreError, match=bad["id"]):
        store.upsert([bad, INCIDENTS[1]])
    assert store.get(INCIDENTS[1]["id"]) == INCIDENTS[1]


def test_missing_index_is_an_error_not_a_missing_incident(noida):
    store = ElasticsearchStore.from_url(noida.elasticsearch_url, prefix=f"test-{uuid.uuid4().hex}")
    with pytest.raises(StoreError, match="index_not_found"):
        store.get(INCIDENTS[0]["id"])
    store.close()


def test_unreachable_server_is_a_store_error():
    url = f"http://127.0.0.1:{free_port()}"
    store = ElasticsearchStore.from_url(url, prefix="test", request_timeout=1)
    with pytest.raises(StoreError, match="failed to answer a ping"):
        store.ping()
    store.close()
