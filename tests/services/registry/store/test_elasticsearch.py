"""What only the Elasticsearch adapter does: the versioned index behind its alias, the
mapping, the indexed fields kept under ``derived`` and never returned, and bulk writes
where one refused item does not stop the rest. The shared behaviour is in the contract."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from registry_support import VIEWERS

from services.registry.query import parse
from services.registry.store.elasticsearch import MAPPINGS, ElasticsearchStore
from services.registry.store.interfaces import StoreRejected, StoreUnavailable

pytestmark = pytest.mark.elasticsearch

READER = VIEWERS["risk owner"]


def incident(n: int, title: str, **extra) -> dict:
    return {
        "id": f"01JD{n:022d}",
        "title": title,
        "description": "Details follow.",
        "tlp": "AMBER",
        "received_at": f"2026-11-{n:02d}T10:00:00+00:00",
        **extra,
    }


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
    assert store.index == f"{store.alias}-v2"
    aliases = client.indices.get_alias(name=store.alias).body
    assert aliases == {store.index: {"aliases": {store.alias: {}}}}
    mapping = client.indices.get_mapping(index=store.alias)[store.index]["mappings"]
    # The server reports "dynamic" as a string.
    assert str(mapping["dynamic"]).lower() == "false"
    assert mapping["properties"] == MAPPINGS["properties"]


def test_indexed_fields_are_stored_but_never_returned(store):
    doc = incident(1, "Données exposées")
    store.upsert([doc])
    stored = store._client.get(index=store.alias, id=doc["id"])["_source"]
    assert stored["derived"]["title"] == "donne expose"
    assert store.get(doc["id"], viewer=READER) == doc
    assert store.search(viewer=READER).hits == [doc]


def test_unknown_fields_are_kept_but_not_indexed(store):
    document = {**incident(1, "Kept"), "added_later": "zebra"}
    store.upsert([document])
    assert store.get(document["id"], viewer=READER) == document
    assert store.search(parse("zebra"), viewer=READER).total == 0


def test_a_refused_item_is_named_and_the_others_are_written(store):
    refused = incident(3, "Refused", id="x" * 600)  # longer than an _id may be
    with pytest.raises(StoreRejected, match="x" * 20):
        store.upsert([refused, incident(4, "Fine")])
    assert store.get(incident(4, "")["id"], viewer=READER)["title"] == "Fine"


def test_a_missing_index_is_unavailable_not_a_missing_incident(noida):
    store = ElasticsearchStore.from_url(noida.elasticsearch_url, prefix=f"test-{uuid.uuid4().hex}")
    try:
        with pytest.raises(StoreUnavailable, match="index_not_found"):
            store.get(incident(1, "")["id"], viewer=READER)
    finally:
        store.close()


def test_a_closed_index_is_unavailable_for_now_not_a_rejection(store):
    """A closed index answers 400, but is opened again: what it refused must be retried
    (a rejection would send every report of the while to the dead letters)."""
    store.upsert([incident(1, "Before")])
    store._client.indices.close(index=store.index)
    for call in (
        lambda: store.upsert([incident(2, "While closed")]),
        lambda: store.create([incident(3, "While closed")]),
        lambda: store.get(incident(1, "")["id"], viewer=READER),
        lambda: store.search(viewer=READER),
    ):
        with pytest.raises(StoreUnavailable):
            call()
    store._client.indices.open(index=store.index)
    store.upsert([incident(2, "After")])
    assert store.search(viewer=READER).total == 2
