"""Every vocabulary file: loads, is versioned, has unique ids and unambiguous synonyms, and
says what the schema needs it to say."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pycountry
import pytest

from shared import report, vocab
from shared.normalize import countries, domains, terms
from shared.normalize.result import Outside

# The AIID snapshot lies beside the checkout (in CI too): its MIT labels are known-correct.
MIT_CSV = Path(__file__).parents[3] / "shared/datasets/aiid/classifications_MIT.csv"
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
NAMES = vocab.names()


def test_the_vocabularies_are_the_expected_files():
    assert set(NAMES) == {
        "affected_parties",
        "countries",
        "event_types",
        "harm_types",
        "impact",
        "jurisdictions",
        "likelihood",
        "mit_entity",
        "mit_intent",
        "mit_risk_domains",
        "mit_timing",
        "severity",
        "timezone_abbreviations",
        "tlp",
    }


@pytest.mark.parametrize("name", NAMES)
def test_a_vocabulary_is_named_versioned_and_has_unique_ids(name):
    raw = json.loads((Path(vocab.__file__).parent / f"{name}.json").read_text(encoding="utf-8"))
    loaded = vocab.load(name)

    assert raw["vocabulary"] == loaded.name == name
    assert SEMVER.fullmatch(loaded.version)
    assert loaded.noun and loaded.hint and raw["description"]
    assert loaded.terms
    assert len(set(loaded.ids)) == len(loaded.ids)
    assert all(term.id and term.label for term in loaded.terms)


@pytest.mark.parametrize("name", NAMES)
def test_no_folded_synonym_means_two_terms(name):
    keys = terms._keys(name)  # raises on a key shared by two terms
    for term in vocab.load(name).terms:
        assert keys[terms.fold(term.id)] == (term.id, "id")


def test_versions_name_every_vocabulary():
    assert vocab.versions() == {name: vocab.load(name).version for name in NAMES}


@pytest.mark.parametrize("name", ["severity", "event_types"])
def test_severity_words_and_event_types_come_in_five_languages(name):
    for term in vocab.load(name).terms:
        assert {"en", "fr", "es", "zh", "de"} <= set(term.synonyms), term.id


def test_the_schema_constants_come_from_the_vocabularies():
    assert report.EVENT_TYPES == ("incident", "near_miss", "hazard", "issue")
    assert report.SEVERITIES == ("critical", "high", "medium", "low")
    assert report.TLP_LEVELS == ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
    assert report.CHANNELS == ("api", "form", "bulk")


def test_every_severity_and_event_type_has_a_written_definition():
    for name in ("severity", "event_types", "tlp"):
        assert all(len(term.definition or "") > 40 for term in vocab.load(name).terms), name


def test_severity_crosswalks_lead_to_severities_and_state_the_numeric_assumption():
    crosswalks = {c["scheme"]: c for c in vocab.load("severity").data["crosswalks"]}

    assert set(crosswalks) == {"SEV", "P", "1-5"}
    for crosswalk in crosswalks.values():
        assert set(crosswalk["map"].values()) <= set(report.SEVERITIES)
    assert {f"SEV{n}" for n in range(1, 5)} <= set(crosswalks["SEV"]["map"])
    assert {f"P{n}" for n in range(1, 6)} <= set(crosswalks["P"]["map"])
    numeric = crosswalks["1-5"]
    assert set(numeric["map"]) == {"1", "2", "3", "4", "5"}
    assert (numeric["map"]["5"], numeric["map"]["1"]) == ("critical", "low")
    assert numeric["assumption"] == "5 is the most severe"


@pytest.mark.parametrize("name", ["likelihood", "impact"])
def test_risk_matrix_scales_run_from_1_to_5(name):
    assert vocab.load(name).ids == ("1", "2", "3", "4", "5")


def test_the_mit_taxonomy_has_7_domains_and_24_subdomains():
    mit = vocab.load("mit_risk_domains")
    levels = [term.data["level"] for term in mit.terms]

    assert tuple(str(n) for n in range(1, 8)) == report.HARM_DOMAINS
    assert levels.count("subdomain") == len(report.HARM_SUBDOMAINS) == 24
    assert "7.6" in report.HARM_SUBDOMAINS
    for sub in report.HARM_SUBDOMAINS:
        assert domains.parent(sub) == sub.split(".")[0]
        assert mit.term(sub).definition


def _mit_rows() -> list[dict[str, str]]:
    with MIT_CSV.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_every_mit_label_in_the_aiid_maps_to_a_known_domain_and_subdomain():
    rows = _mit_rows()
    labelled = [row for row in rows if row["Risk Subdomain"]]
    assert len(labelled) > 1000

    for row in labelled:
        domain = domains.domain(row["Risk Domain"]).value
        subdomain = domains.subdomain(row["Risk Subdomain"]).value
        assert domain in report.HARM_DOMAINS
        assert domains.parent(subdomain) == domain, row


def test_tlp_2_levels_are_ranked_from_clear_to_red():
    ranks = [term.data["rank"] for term in vocab.load("tlp").terms]
    assert ranks == [0, 1, 2, 3, 4]


def test_the_eu_ai_act_deadlines_are_data():
    act = vocab.load("jurisdictions").term("EU-AI-ACT-ART73")

    assert act.data["informational"] is False
    assert {d["id"]: d["days"] for d in act.data["deadlines"]} == {
        "general": 15,
        "death": 10,
        "widespread_or_critical_infrastructure": 2,
    }
    others = [t for t in vocab.load("jurisdictions").terms if t.id != "EU-AI-ACT-ART73"]
    assert others
    assert all(term.data["informational"] is True for term in others)
    assert all(d["days"] > 0 for term in others for d in term.data["deadlines"])


def test_time_zone_abbreviations_are_offsets_and_ambiguous_ones_are_apart():
    data = vocab.load("timezone_abbreviations")
    assert all(re.fullmatch(r"[+-]\d{2}:\d{2}", term.data["offset"]) for term in data.terms)
    assert not set(data.data["ambiguous"]) & set(data.ids)


def test_country_aliases_name_iso_countries_and_win_over_translations():
    codes = {country.alpha_2 for country in pycountry.countries}
    for term in vocab.load("countries").terms:
        assert term.id in codes
        for words in term.synonyms.values():
            for word in words:
                assert countries.country(word).value == term.id, word


def test_regions_and_placeholders_are_not_countries():
    data = vocab.load("countries").data
    for group in ("regions", "placeholders"):
        for words in data[group].values():
            for word in words:
                with pytest.raises(Outside):
                    countries.country(word)
