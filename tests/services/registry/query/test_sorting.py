"""Sort keys and cursors: every sort ends in the id; a cursor works only for its sort."""

from __future__ import annotations

import pytest

from services.registry.query import parse
from services.registry.query.sorting import (
    BadCursor,
    SortKey,
    decode_cursor,
    encode_cursor,
    sort_keys,
)


def test_every_sort_ends_in_the_id_ascending():
    for sort in ("relevance", "occurred", "received", "severity"):
        for order in ("asc", "desc"):
            assert sort_keys(sort, order, parse("leak"))[-1] == SortKey("id", False)


def test_relevance_without_words_falls_back_to_received():
    assert sort_keys("relevance", "desc", parse("severity:low -leak")) == [
        SortKey("received", True),
        SortKey("id", False),
    ]
    assert sort_keys("relevance", "desc", parse("leak"))[0] == SortKey("score", True)


def test_a_cursor_round_trips_for_its_own_sort_only():
    keys = sort_keys("severity", "desc", parse(""))
    cursor = encode_cursor(keys, [3, 1_700_000_000_000, "01JD"])
    assert decode_cursor(cursor, keys) == [3, 1_700_000_000_000, "01JD"]
    with pytest.raises(BadCursor):
        decode_cursor(cursor, sort_keys("severity", "asc", parse("")))


@pytest.mark.parametrize(
    "values", [[3, 1, 2], ["3", 1, "x"], [3, 1], [True, 1, "x"], [3.5, 1, "x"]]
)
def test_a_tampered_cursor_is_refused(values):
    keys = sort_keys("severity", "desc", parse(""))
    with pytest.raises(BadCursor):
        decode_cursor(encode_cursor(keys, values), keys)


@pytest.mark.parametrize("cursor", ["", "!!!", "e30", "bm90IGpzb24"])
def test_garbage_is_refused(cursor):
    with pytest.raises(BadCursor):
        decode_cursor(cursor, sort_keys("received", "desc", parse("")))
