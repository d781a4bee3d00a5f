"""Whatever a person types either fails to parse (a 400) or runs on both stores: a parsed
query never makes a store error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from registry_support import LAB_A, QUERY_TEXT, STORES, VIEWERS, open_store

from services.registry.public import public_query
from services.registry.query import QuerySyntaxError, parse
from services.registry.query.sorting import SORTS

DOCS = [
    {
        "id": f"01JD{n:022d}",
        "title": title,
        "description": "模型 leak critical é",
        "severity": "critical",
        "tlp": "AMBER",
        "organization_id": LAB_A,
        "occurred_at": "2020-01-05T00:00:00+00:00",
        "received_at": f"2026-11-{n:02d}T10:00:00+00:00",
        "source": {"format": "aiid", "id": "4", "url": None},
        "contact": {"name": "x"},
    }
    for n, title in enumerate(["a leak", "b", "AMBER contact"], start=1)
]


@pytest.fixture(scope="module", params=STORES)
def loaded(request, tmp_path_factory):
    store = open_store(request.param, request, tmp_path_factory.mktemp("any-query"))
    store.upsert(DOCS)
    yield store
    store.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=QUERY_TEXT)
def test_a_parsed_query_never_makes_a_store_error(loaded, text):
    try:
        query = parse(text)
    except QuerySyntaxError:
        return
    for sort in SORTS:
        for variant in (query, public_query(query)):
            result = loaded.search(
                variant, viewer=VIEWERS["lab A reporter"], sort=sort, facets=True
            )
            assert 0 <= result.total <= len(DOCS)
            assert len(result.hits) == result.total
