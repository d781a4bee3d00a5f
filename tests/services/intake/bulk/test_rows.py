"""Helpers every reader shares."""

from __future__ import annotations

import pytest

from services.intake.bulk.rows import join_names, split_list


@pytest.mark.parametrize(
    ("names", "limit", "expected"),
    [
        ([], 200, ""),
        (["a", "b", "a"], 200, "a; b"),
        (["alpha", "beta", "gamma"], 17, "alpha and 2 more"),
        (["alpha", "beta", "gamma", "delta"], 22, "alpha; beta and 2 more"),
        (["x" * 30], 10, "xxxxxxxxx…"),
        (["x" * 30, "y"], 20, "xxxxxxxx… and 1 more"),
    ],
)
def test_join_names_fits_the_limit(names, limit, expected):
    assert join_names(names, limit) == expected
    assert len(join_names(names, limit)) <= limit


def test_split_list_splits_on_semicolons_only_and_drops_blanks():
    assert split_list("a; b;; c, d ;") == ["a", "b", "c, d"]
