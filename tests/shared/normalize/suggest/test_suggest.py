"""Suggestions: the model's guess for a report that gives no harm domain, and what happens
without a model."""

from __future__ import annotations

import json

import pytest

from shared.normalize import normalize, suggest, warm_up
from shared.normalize.suggest import NoSuggestion, Suggestion, choose
from shared.report import ReportV1Schema

RAW = {
    "title": "Scammers used a deepfake voice in a bank fraud",
    "description": "A cloned voice of a director was used to scam staff.",
    "language": "en",
    "event_type": "incident",
    "severity": "high",
    "occurred_at": "2026-03-01T13:05:00+00:00",
    "countries": ["GB"],
    "reporting_organization": "UK AISI",
    "tlp": "AMBER",
}


def run(raw):
    report = normalize(raw, channel="api", source_format="json", payload=json.dumps(raw).encode())
    assert ReportV1Schema().validate(report) == {}
    return report


def test_choose_keeps_the_three_most_probable_of_each_level():
    ranked = {
        "domain": [("4", 0.6), ("3", 0.2), ("7", 0.1), ("1", 0.1)],
        "subdomain": [("4.3", 0.5), ("3.1", 0.3), ("7.3", 0.1), ("1.1", 0.1)],
    }

    suggestion = choose("m", ranked)

    assert suggestion.ids() == {
        "harm_domains": ["4", "3", "7"],
        "harm_subdomains": ["4.3", "3.1", "7.3"],
    }
    assert suggestion.field()["harm_domains"][0] == {"id": "4", "confidence": 0.6}


def test_a_report_without_domains_gets_suggestions_marked_as_such(model_file):
    report = run(RAW)

    assert "harm_domains" not in report and "harm_subdomains" not in report
    suggestions = report["suggestions"]
    assert suggestions["harm_domains"][0]["id"] == "4"
    assert 0 < suggestions["harm_domains"][0]["confidence"] <= 1
    assert suggestions["model"].startswith("aiid-mit-tfidf-logreg-")
    (decision,) = [d for d in report["provenance"]["decisions"] if d["field"] == "suggestions"]
    assert decision["basis"] == "suggested"
    assert decision["original"] is None
    assert decision["normalized"]["harm_domains"] == [s["id"] for s in suggestions["harm_domains"]]
    assert "not given by the reporter" in decision["rule"]


def test_a_report_with_domains_gets_none_and_they_stay_its_own(model_file):
    report = run({**RAW, "harm_subdomains": ["1.1"]})

    assert report["harm_domains"] == ["1"] and report["harm_subdomains"] == ["1.1"]
    assert "suggestions" not in report
    assert all(d.get("basis") != "suggested" for d in report["provenance"]["decisions"])


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"language": "fr", "title": "Fraude au deepfake"}, "reads English, not fr"),
        ({"title": "Zzyzx", "description": "Qwv xkcd"}, "knows no word of the report"),
    ],
)
def test_a_report_the_model_cannot_read_is_flagged(model_file, changes, reason):
    report = run({**RAW, **changes})

    assert "suggestions" not in report
    (flag,) = [f for f in report["provenance"]["flags"] if f["field"] == "suggestions"]
    assert reason in flag["reason"]
    with pytest.raises(NoSuggestion):
        suggest.suggest(changes["title"], changes.get("language", "en"))


def test_without_a_model_reports_go_through_without_suggestions_or_flags():
    # tests/conftest.py points the model file at a path that does not exist.
    warm_up()
    report = run(RAW)

    assert not suggest.available()
    assert "suggestions" not in report
    assert all(f["field"] != "suggestions" for f in report["provenance"]["flags"])


@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04truncated"])
def test_an_unreadable_model_is_no_model(tmp_path, monkeypatch, content):
    broken = tmp_path / "harm_domains.zip"
    broken.write_bytes(content)
    monkeypatch.setattr(suggest, "MODEL_FILE", broken)

    warm_up()

    assert not suggest.available()
    assert "suggestions" not in run(RAW)


def test_a_suggestion_is_not_a_harm_domain():
    suggestion = Suggestion("m", (("4", 0.5),), (("4.3", 0.5),))

    assert set(suggestion.field()) == {"model", "harm_domains", "harm_subdomains"}
    assert "suggested by the model m" in suggestion.rule()
