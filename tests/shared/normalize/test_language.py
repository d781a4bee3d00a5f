"""The declared language tag in its standard form, or the detected one."""

from __future__ import annotations

import pytest

from shared.normalize.language import declared, detect
from shared.normalize.result import Unknown


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("en", "en"),
        ("EN-gb", "en-GB"),
        ("fr-FR", "fr-FR"),
        ("zh-Hans", "zh-Hans"),
        ("en_US", "en-US"),
        ("eng", "en"),
        ("iw", "he"),
        ("und", "und"),
    ],
)
def test_a_declared_tag_is_kept_in_its_standard_form(tag, expected):
    mapped = declared(tag)
    assert (mapped.value, mapped.rule) == (expected, "language: BCP 47 standard form")


@pytest.mark.parametrize("tag", ["english", "x", "123", "a-b-c-d", "fr--FR"])
def test_a_declared_tag_that_is_not_bcp_47_is_unknown(tag):
    with pytest.raises(Unknown, match="Not a BCP 47 language tag"):
        declared(tag)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Model weights were copied to an unapproved server during an evaluation", "en"),
        (
            "Les poids du modèle ont été copiés vers un serveur non autorisé pendant l'évaluation",
            "fr",
        ),
        (
            "Los pesos del modelo se copiaron a un servidor no autorizado durante la evaluación",
            "es",
        ),
        (
            "Die Modellgewichte wurden während der Evaluierung auf einen fremden Server kopiert",
            "de",
        ),
        ("模型权重在评估期间被复制到未经批准的服务器上", "zh"),
        ("モデルの重みが未承認のサーバーにコピーされた", "ja"),
        ("Веса модели были скопированы на неутверждённый сервер", "ru"),  # noqa: RUF001
        ("Model weights copied\nto an unapproved server\n\nduring an evaluation", "en"),
        ("Model weights were copied to an unapproved server \ud800", "en"),
    ],
)
def test_the_language_of_a_text_is_detected_and_the_rule_says_so(text, expected):
    mapped = detect(text)
    assert mapped.value == expected
    assert mapped.rule.startswith("language: detected by fastText lid.176")


@pytest.mark.parametrize("text", ["", "x", "!!!"])
def test_too_little_text_is_undetermined(text):
    mapped = detect(text)
    assert mapped.value == "und"
    assert mapped.rule.endswith("(p=0.12)")  # below MIN_CONFIDENCE
