"""One corpus of queries over the real AIID and AIAAIC records (3,335 incidents), run on
both stores: each query returns the same ids, in the same order for a sorted listing, and
the count pinned here. ``expected_ids`` are checked by hand against the source files."""

from __future__ import annotations

import pytest
from registry_datasets import incidents
from registry_support import open_store

from services.registry.query import parse
from services.registry.query.analysis import analyze
from services.registry.query.ast import positive_text
from services.registry.store.interfaces import scan
from shared.access import ANONYMOUS

pytestmark = pytest.mark.elasticsearch

# query | incidents found | some of them, checked by hand
CORPUS = [
    ("pedestrian Tempe", 1, ["aiid:4"]),
    ("pedestrians Tempe", 1, ["aiid:4"]),  # stemming
    ('"facial recognition"', 192, ["aiaaic:AIAAIC0430"]),
    ("facial -recognition", 30, []),
    ("deepfake OR deepfakes", 434, ["aiid:39"]),
    ("deepfak*", 434, ["aiid:39"]),
    ("YouTube -Kids", 58, []),
    ("YouTube Kids", 4, ["aiid:1"]),
    ("(chatbot OR assistant) -openai", 181, []),
    ('"self-driving" car', 19, []),
    ("tesla autopilot", 47, []),
    ("济南", 1, ["aiid:979"]),  # a two-character word inside 济南小妮儿
    ("小妮", 1, ["aiid:979"]),
    ("VioGen", 3, ["aiid:186", "aiid:747", "aiaaic:AIAAIC1639"]),  # VioGén: folded
    ("viogén", 3, ["aiid:186"]),
    ("doppelganger", 1, ["aiid:929"]),
    ("source:aiid:4", 1, ["aiid:4"]),
    ("source:aiaaic:AIAAIC2152", 1, ["aiaaic:AIAAIC2152"]),
    ("source:aiaaic", 1968, []),
    ("country:US", 1036, []),
    ("domain:7", 1501, []),
    ("domain:7.1", 59, []),
    ("since:2020-01-01 until:2020-12-31", 304, []),
    ("since:2023 chatbot", 119, []),
    ("has:country -source:aiid", 1806, []),
    ("org:aiaaic", 1968, []),
    ("severity:critical", 117, ["aiid:4"]),  # derived where the sources give grounds
]
RANKED = ("deepfake", "chatbot", "tesla", "facial recognition")


@pytest.fixture(scope="module")
def stores(request, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("corpus")
    documents = [*incidents("aiid"), *incidents("aiaaic")]
    opened = {}
    try:
        for kind in ("embedded", "elasticsearch"):
            opened[kind] = open_store(kind, request, tmp_path)
            opened[kind].upsert(documents)
        yield opened
    finally:
        for store in opened.values():
            store.close()


def all_ids(store, query: str, sort: str) -> list[str]:
    return [i["id"] for i in scan(store, parse(query), viewer=ANONYMOUS, sort=sort)]


def answer(stores, query: str) -> tuple[int, int, str]:
    """(found on embedded, found on Elasticsearch, how they compare)."""
    embedded = all_ids(stores["embedded"], query, "occurred")
    elastic = all_ids(stores["elasticsearch"], query, "occurred")
    same = "same ids, same order" if embedded == elastic else "DIFFERENT"
    if positive_text(parse(query)):  # else relevance is the received order: no new answer
        relevance = [set(all_ids(store, query, "relevance")) for store in stores.values()]
        if relevance != [set(embedded), set(elastic)]:
            same += "; relevance DIFFERENT"
    return len(embedded), len(elastic), same


def test_the_corpus_answers_the_same_on_both_stores(stores):
    rows = [(query, *answer(stores, query)) for query, _, _ in CORPUS]
    print(
        "\n| query | embedded | elasticsearch | answers |\n|---|---|---|---|\n"
        + "\n".join(f"| `{q}` | {a} | {b} | {same} |" for q, a, b, same in rows)
    )
    assert rows == [(q, n, n, "same ids, same order") for q, n, _ in CORPUS]


@pytest.mark.parametrize(("query", "expected_ids"), [(q, i) for q, _, i in CORPUS if i])
def test_the_hand_checked_incidents_are_found(stores, query, expected_ids):
    for store in stores.values():
        assert set(expected_ids) <= set(all_ids(store, query, "received"))


@pytest.mark.parametrize("words", RANKED)
@pytest.mark.parametrize("kind", ["embedded", "elasticsearch"])
def test_title_matches_rank_above_description_matches(stores, kind, words):
    terms = set(analyze(words))
    hits = list(scan(stores[kind], parse(words), viewer=ANONYMOUS, sort="relevance"))
    in_title = [terms <= set(analyze(hit["title"])) for hit in hits]
    assert any(in_title) and not all(in_title), "the corpus must have both kinds"
    assert in_title == sorted(in_title, reverse=True)
