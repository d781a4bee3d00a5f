"""The analysis both stores share: folding, stemming, CJK two-character words."""

from __future__ import annotations

import pytest

from services.registry.query.analysis import analyze, fold, indexed, prefix_term


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Données personnelles", ["donne", "personnell"]),
        ("DONNÉES", ["donne"]),
        ("Pedestrians walking", ["pedestrian", "walk"]),
        ("Straße", ["strass"]),
        ("模型泄露", ["模型", "型泄", "泄露"]),
        ("AI 模型 leak", ["ai", "模型", "leak"]),
        ("泄", ["泄"]),
        ("ChatGPT生成", ["chatgpt", "生成"]),
        ("\uff46\uff55\uff4c\uff4c", ["full"]),  # fullwidth letters
        ("e-mail snake_case", ["e", "mail", "snake", "case"]),
        ("!!! ...", []),
        ("", []),
    ],
)
def test_terms(text, terms):
    assert analyze(text) == terms


def test_folding_leaves_no_marks_and_no_case():
    assert fold("Åçcéñtš") == "accents"
    assert fold("İstanbul") == "istanbul"


def test_a_prefix_is_folded_not_stemmed():
    assert prefix_term("Pedestrians") == "pedestrians"
    assert prefix_term("e-mai") is None


def test_indexed_text_is_terms_separated_by_single_spaces():
    assert indexed("  Fuite   de   données ") == "fuit de donne"
    assert indexed(None) == ""
