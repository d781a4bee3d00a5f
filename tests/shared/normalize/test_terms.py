"""Synonyms in several languages onto canonical terms: event types, TLP levels, harm types,
affected parties, jurisdictions, and the MIT harm domains."""

from __future__ import annotations

import pytest

from shared.normalize import domains
from shared.normalize.result import Unknown
from shared.normalize.terms import fold, lookup


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Near-miss", "near miss"),
        ("NEAR_MISS", "near miss"),
        ("  élevé ", "eleve"),
        ("Straße", "strasse"),
        ("AMBER+STRICT", "amber strict"),
        ("Privacy & Security", "privacy and security"),
        ("7.3. Lack of capability", "7 3 lack of capability"),
        ("严重", "严重"),
        ("", ""),
    ],
)
def test_fold_ignores_case_accents_punctuation_and_spacing(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("vocabulary", "value", "expected", "rule"),
    [
        ("event_types", "incident", "incident", "event_types: id"),
        ("event_types", "Near miss", "near_miss", "event_types: id"),
        ("event_types", "near-miss", "near_miss", "event_types: id"),
        ("event_types", "close call", "near_miss", "event_types: synonym (en)"),
        ("event_types", "quasi-accident", "near_miss", "event_types: synonym (fr)"),
        ("event_types", "cuasi accidente", "near_miss", "event_types: synonym (es)"),
        ("event_types", "未遂事件", "near_miss", "event_types: synonym (zh)"),
        ("event_types", "Beinaheunfall", "near_miss", "event_types: synonym (de)"),
        ("event_types", "incidente", "incident", "event_types: synonym (es)"),
        ("event_types", "Vorfall", "incident", "event_types: synonym (de)"),
        ("event_types", "事件", "incident", "event_types: synonym (zh)"),
        ("event_types", "danger", "hazard", "event_types: synonym (fr)"),
        ("event_types", "peligro", "hazard", "event_types: synonym (es)"),
        ("event_types", "隐患", "hazard", "event_types: synonym (zh)"),
        ("event_types", "Gefährdung", "hazard", "event_types: synonym (de)"),
        ("event_types", "controversy", "issue", "event_types: synonym (en)"),
        ("event_types", "problème", "issue", "event_types: synonym (fr)"),
        ("event_types", "问题", "issue", "event_types: synonym (zh)"),
        ("tlp", "AMBER", "AMBER", "tlp: id"),
        ("tlp", "amber", "AMBER", "tlp: id"),
        ("tlp", "TLP:AMBER", "AMBER", "tlp: id"),
        ("tlp", "tlp:amber+strict", "AMBER+STRICT", "tlp: id"),
        ("tlp", "AMBER STRICT", "AMBER+STRICT", "tlp: id"),
        ("tlp", "TLP: RED", "RED", "tlp: id"),
        ("tlp", "WHITE", "CLEAR", "tlp: synonym (en)"),
        ("tlp", "TLP:WHITE", "CLEAR", "tlp: synonym (en)"),
        ("tlp", "TLP:CLEAR", "CLEAR", "tlp: id"),
        ("tlp", "Public", "CLEAR", "tlp: synonym (en)"),
        ("event_types", "Hazard", "hazard", "event_types: id"),
        ("harm_types", "Economic or property", "economic_property", "harm_types: label"),
        ("harm_types", "financial loss", "economic_property", "harm_types: synonym (en)"),
        ("harm_types", "physique", "physical", "harm_types: synonym (fr)"),
        ("harm_types", "derechos humanos", "human_rights", "harm_types: synonym (es)"),
        ("harm_types", "Umwelt", "environmental", "harm_types: synonym (de)"),
        ("affected_parties", "General public", "general_public", "affected_parties: id"),
        ("affected_parties", "enfants", "children", "affected_parties: synonym (fr)"),
        ("affected_parties", "患者", "patients", "affected_parties: synonym (zh)"),
        ("jurisdictions", "EU AI Act Art. 73", "EU-AI-ACT-ART73", "jurisdictions: synonym (en)"),
        ("jurisdictions", "eu-ai-act-art73", "EU-AI-ACT-ART73", "jurisdictions: id"),
        ("jurisdictions", "DSGVO", "EU-GDPR-ART33", "jurisdictions: synonym (de)"),
    ],
)
def test_a_term_is_found_by_id_label_or_synonym(vocabulary, value, expected, rule):
    mapped = lookup(vocabulary, value)
    assert (mapped.value, mapped.rule) == (expected, rule)


@pytest.mark.parametrize(
    ("vocabulary", "value", "message"),
    [
        (
            "event_types",
            "rumour",
            "Unknown event type 'rumour'; use incident, near_miss, hazard or issue.",
        ),
        ("tlp", "PINK", "Unknown TLP level 'PINK'; use CLEAR, GREEN, AMBER, AMBER+STRICT or RED."),
        ("tlp", "TLP", "Unknown TLP level 'TLP'; use CLEAR, GREEN, AMBER, AMBER+STRICT or RED."),
        ("harm_types", "spiritual", "Unknown harm type 'spiritual'; use physical, "),
        ("jurisdictions", "Mars", "Unknown jurisdiction 'Mars'; use EU-AI-ACT-ART73, "),
    ],
)
def test_an_unknown_term_says_what_to_use(vocabulary, value, message):
    with pytest.raises(Unknown) as caught:
        lookup(vocabulary, value)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", "7"),
        ("7. AI system safety, failures, and limitations", "7"),
        ("AI system safety, failures & limitations", "7"),
        ("Discrimination & Toxicity", "1"),
        ("privacy and security", "2"),
        ("Malicious actors & Misuse", "4"),
    ],
)
def test_a_harm_domain_by_id_or_label(value, expected):
    assert domains.domain(value).value == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7.3", "7.3"),
        ("7.3. Lack of capability or robustness", "7.3"),
        ("7.3 lack of capability or robustness", "7.3"),
        ("Lack of capability or robustness", "7.3"),
        ("4.3. Fraud, scams, and targeted manipulation", "4.3"),
        ("7.6", "7.6"),
    ],
)
def test_a_harm_subdomain_by_id_or_label(value, expected):
    assert domains.subdomain(value).value == expected


def test_a_subdomain_is_not_a_domain_nor_the_other_way_round():
    with pytest.raises(Unknown, match=r"'7\.3' is a subdomain; give it in harm_subdomains"):
        domains.domain("7.3")
    with pytest.raises(Unknown, match=r"'7' is a domain; give it in harm_domains"):
        domains.subdomain("7")
    with pytest.raises(Unknown, match=r"Unknown harm domain '7\.9'"):
        domains.subdomain("7.9")
    with pytest.raises(Unknown, match="Unknown harm domain"):
        domains.subdomain("7.3. Something else entirely")


@pytest.mark.parametrize(("subdomain", "domain"), [("1.1", "1"), ("6.6", "6"), ("7.3", "7")])
def test_a_subdomain_implies_its_domain(subdomain, domain):
    assert domains.parent(subdomain) == domain
