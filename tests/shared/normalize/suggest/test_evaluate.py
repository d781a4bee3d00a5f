"""The evaluation's measures and its split, on hand-made answers and the real labels."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from shared.normalize.suggest.evaluate import scores, split
from shared.normalize.suggest.train import Example, examples

AIID = Path(__file__).resolve().parents[5] / "shared" / "datasets" / "aiid"


def test_scores_count_first_answers_and_top_three():
    held_out = [Example("a", "1", "1.1"), Example("b", "1", "1.2"), Example("c", "4", "4.3")]

    result = scores(
        held_out,
        ["1", "4", "4"],
        [["1.1", "2.1", "3.1"], ["2.1", "3.1", "4.1", "1.2"], ["7.3", "4.3", "1.1"]],
    )

    assert result.domain_accuracy == pytest.approx(2 / 3)
    # F1 of domain 1: precision 1, recall 1/2; of domain 4: precision 1/2, recall 1.
    assert result.domain_macro_f1 == pytest.approx(2 / 3)
    assert result.subdomain_accuracy == pytest.approx(1 / 3)
    assert result.subdomain_top3 == pytest.approx(2 / 3)  # 1.2 is fourth: a miss


def test_the_held_out_split_is_stratified_by_domain_and_the_same_every_time():
    labelled = examples(AIID)

    training, held_out = split(labelled)

    assert len(labelled) == 1242
    assert len(held_out) == math.ceil(0.2 * len(labelled))
    assert [e.text for e in split(labelled)[1]] == [e.text for e in held_out]
    everywhere, kept = Counter(e.domain for e in labelled), Counter(e.domain for e in held_out)
    for domain, count in everywhere.items():
        assert kept[domain] == pytest.approx(0.2 * count, abs=1)
    assert not {e.text for e in training} & {e.text for e in held_out}
