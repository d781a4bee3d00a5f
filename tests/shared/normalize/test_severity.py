"""Severity from other scales and from words in several languages onto the 4-level scale;
likelihood and impact onto 1-5."""

from __future__ import annotations

import pytest

from shared.normalize.ratings import rating
from shared.normalize.result import Unknown
from shared.normalize.severity import severity


@pytest.mark.parametrize(
    ("value", "expected", "rule"),
    [
        ("critical", "critical", "severity: id"),
        ("High", "high", "severity: id"),
        ("MEDIUM", "medium", "severity: id"),
        (" low ", "low", "severity: id"),
        ("SEV0", "critical", "severity: crosswalk SEV"),
        ("SEV1", "critical", "severity: crosswalk SEV"),
        ("sev-2", "high", "severity: crosswalk SEV"),
        ("Sev 3", "medium", "severity: crosswalk SEV"),
        ("SEV_4", "low", "severity: crosswalk SEV"),
        ("P0", "critical", "severity: crosswalk P"),
        ("P1", "critical", "severity: crosswalk P"),
        ("p2", "high", "severity: crosswalk P"),
        ("P3", "medium", "severity: crosswalk P"),
        ("P 4", "low", "severity: crosswalk P"),
        ("P5", "low", "severity: crosswalk P"),
        (5, "critical", "severity: crosswalk 1-5, assuming 5 is the most severe"),
        (4, "high", "severity: crosswalk 1-5, assuming 5 is the most severe"),
        (3, "medium", "severity: crosswalk 1-5, assuming 5 is the most severe"),
        (2, "low", "severity: crosswalk 1-5, assuming 5 is the most severe"),
        (1, "low", "severity: crosswalk 1-5, assuming 5 is the most severe"),
        ("5", "critical", "severity: crosswalk 1-5, assuming 5 is the most severe"),
        ("severe", "critical", "severity: synonym (en)"),
        ("Major", "high", "severity: synonym (en)"),
        ("moderate", "medium", "severity: synonym (en)"),
        ("minor", "low", "severity: synonym (en)"),
        ("critique", "critical", "severity: synonym (fr)"),
        ("élevé", "high", "severity: synonym (fr)"),
        ("ELEVEE", "high", "severity: synonym (fr)"),
        ("moyen", "medium", "severity: synonym (fr)"),
        ("faible", "low", "severity: synonym (fr)"),
        ("crítico", "critical", "severity: synonym (es)"),
        ("alto", "high", "severity: synonym (es)"),
        ("media", "medium", "severity: synonym (es)"),
        ("bajo", "low", "severity: synonym (es)"),
        ("严重", "critical", "severity: synonym (zh)"),
        ("高", "high", "severity: synonym (zh)"),
        ("中", "medium", "severity: synonym (zh)"),
        ("低", "low", "severity: synonym (zh)"),
        ("kritisch", "critical", "severity: synonym (de)"),
        ("hoch", "high", "severity: synonym (de)"),
        ("mittel", "medium", "severity: synonym (de)"),
        ("niedrig", "low", "severity: synonym (de)"),
    ],
)
def test_severity_maps_onto_the_scale_and_names_its_rule(value, expected, rule):
    mapped = severity(value)
    assert (mapped.value, mapped.rule) == (expected, rule)


@pytest.mark.parametrize("value", ["purple", "SEV9", "P6", "0", 0, 6, -1, "", "high-ish", "SEV"])
def test_an_unknown_severity_says_what_to_use(value):
    with pytest.raises(Unknown, match=r"^Unknown severity .*critical, high, medium or low"):
        severity(value)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("likelihood", 1, 1),
        ("likelihood", 5, 5),
        ("likelihood", "3", 3),
        ("likelihood", "rare", 1),
        ("likelihood", "Unlikely", 2),
        ("likelihood", "possible", 3),
        ("likelihood", "likely", 4),
        ("likelihood", "almost certain", 5),
        ("likelihood", "very high", 5),
        ("likelihood", "peu probable", 2),
        ("likelihood", "wahrscheinlich", 4),
        ("likelihood", "很可能", 4),
        ("impact", 2, 2),
        ("impact", "negligible", 1),
        ("impact", "minor", 2),
        ("impact", "moderate", 3),
        ("impact", "major", 4),
        ("impact", "catastrophic", 5),
        ("impact", "négligeable", 1),
    ],
)
def test_ratings_map_onto_1_to_5(name, value, expected):
    assert rating(name, value).value == expected


@pytest.mark.parametrize("value", [0, 6, -3, "6", "certainly not"])
def test_a_rating_off_the_scale_is_unknown(value):
    with pytest.raises(Unknown, match=r"use 1 \(rare\) to 5"):
        rating("likelihood", value)
