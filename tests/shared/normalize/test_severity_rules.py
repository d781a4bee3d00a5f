"""Severity derived by the rule table, only where a report's facts give grounds."""

from __future__ import annotations

import json

import pytest

from shared.normalize import normalize
from shared.normalize.normalizer import NO_GROUNDS
from shared.normalize.severity_rules import Derived, derive, rules
from shared.report import SEVERITIES, ReportV1Schema

BULK = frozenset({"title", "description"})


@pytest.mark.parametrize(
    ("report", "given", "expected"),
    [
        ({"quantities": {"lives_lost": 3}}, {}, Derived("critical", "lives-lost", "lives lost: 3")),
        (
            {"quantities": {"lives_lost": 0, "injuries": 2}},
            {},
            Derived("high", "injuries", "people injured: 2"),
        ),
        (
            {"quantities": {"lives_lost": 1, "injuries": 5}, "critical_infrastructure": True},
            {},
            Derived("critical", "lives-lost", "lives lost: 1"),
        ),
        (
            {"critical_infrastructure": True},
            {},
            Derived(
                "high",
                "critical-infrastructure",
                "critical infrastructure or services were disrupted or threatened",
            ),
        ),
        (
            {"harm_types": ["physical"]},
            {"harm_types": ["Anxiety/distress", "LOSS OF LIFE"]},
            Derived("critical", "loss-of-life-harm", "the source lists the harm 'LOSS OF LIFE'"),
        ),
        (
            {},
            {"harm_types": "Bodily injury"},
            Derived("high", "bodily-injury-harm", "the source lists the harm 'Bodily injury'"),
        ),
    ],
)
def test_the_first_rule_that_holds_decides(report, given, expected):
    assert derive(report, given) == expected


@pytest.mark.parametrize(
    "report",
    [
        {},
        {"quantities": {"lives_lost": 0, "injuries": 0}},
        {"critical_infrastructure": False},
        {"harm_types": ["physical"]},  # "physical" may be anything from a bruise to a death
        {"quantities": {"lives_lost": True}},  # a boolean is not a count
    ],
)
def test_without_grounds_there_is_no_severity(report):
    assert derive(report, {"harm_types": ["Financial loss"]}) is None


def test_the_table_runs_from_the_most_severe_down_with_one_condition_a_rule():
    table = rules()
    ranks = [SEVERITIES.index(rule["severity"]) for rule in table]

    assert ranks == sorted(ranks)
    assert len({rule["id"] for rule in table}) == len(table)
    for rule in table:
        assert len({"at_least", "equals", "given_any"} & set(rule)) == 1, rule
        assert rule["reason"]


def run(raw, **options):
    report = normalize(
        raw, channel="bulk", source_format="aiid", payload=json.dumps(raw).encode(), **options
    )
    assert ReportV1Schema().validate(report) == {}
    return report


def test_a_derived_severity_is_marked_in_the_report_and_in_provenance(raw_report):
    report = run(raw_report(severity=None, quantities={"lives_lost": 2}), require=BULK)

    assert report["severity"] == "critical"
    assert report["severity_derivation"] == {"rule": "lives-lost", "reason": "lives lost: 2"}
    (decision,) = [d for d in report["provenance"]["decisions"] if d["field"] == "severity"]
    assert decision["basis"] == "derived"
    assert decision["original"] is None
    assert decision["rule"].startswith("derived by severity rule lives-lost (severity 1.1.0)")
    assert all(f["field"] != "severity" for f in report["provenance"]["flags"])


def test_a_reporters_severity_is_never_replaced(raw_report):
    report = run(raw_report(severity="low", quantities={"lives_lost": 2}))

    assert report["severity"] == "low"
    assert "severity_derivation" not in report
    assert all(d.get("basis") != "derived" for d in report["provenance"]["decisions"])


def test_an_unreadable_severity_is_flagged_not_replaced_by_a_rule(raw_report):
    report = run(raw_report(severity="purple", quantities={"injuries": 1}), require=BULK)

    assert "severity" not in report and "severity_derivation" not in report
    (flag,) = [f for f in report["provenance"]["flags"] if f["field"] == "severity"]
    assert flag["value"] == "purple"


def test_without_grounds_severity_stays_unset_and_flagged(raw_report):
    report = run(raw_report(severity=None), require=BULK)

    assert "severity" not in report and "severity_derivation" not in report
    (flag,) = [f for f in report["provenance"]["flags"] if f["field"] == "severity"]
    assert flag == {"field": "severity", "value": None, "reason": NO_GROUNDS}
