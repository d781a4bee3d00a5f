"""The deadline rules: tiers from the facts or a risk owner, stages, which rules bind."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.deadlines.rules import (
    aware_at,
    binding_rules,
    pick_tier,
    set_tier,
    stages,
)
from shared import vocab

DETECTED = "2026-11-20T07:05:00+00:00"


def _rules():
    return [t.data | {"id": t.id} for t in vocab.load("jurisdictions").terms]


def _rule(rule_id):
    return next(r for r in _rules() if r["id"] == rule_id)


def _incident(**extra):
    return {
        "jurisdictions": ["EU-AI-ACT-ART73"],
        "detected_at": DETECTED,
        "received_at": "2026-11-21T09:00:00+00:00",
        **extra,
    }


@pytest.mark.parametrize(
    ("extra", "tier", "days", "why"),
    [
        ({}, "general", 15, "the general case"),
        ({"quantities": {"lives_lost": 1}}, "death", 10, "lives_lost"),
        ({"quantities": {"lives_lost": 0}}, "general", 15, "the general case"),
        ({"critical_infrastructure": True}, "widespread_or_critical_infrastructure", 2, "crit"),
        ({"widespread": True}, "widespread_or_critical_infrastructure", 2, "widespread"),
        (
            {"quantities": {"lives_lost": 2}, "critical_infrastructure": True},
            "widespread_or_critical_infrastructure",
            2,
            "critical_infrastructure",
        ),
    ],
)
def test_the_art_73_tier_comes_from_the_facts_with_the_reason(extra, tier, days, why):
    rule = _rule("EU-AI-ACT-ART73")
    picked = pick_tier(rule, _incident(**extra))
    assert (picked.id, picked.days) == (tier, days)
    assert picked.reason.startswith("from the report's facts")
    assert why in picked.reason
    (initial, complete) = stages(rule, aware_at(_incident(**extra)), picked)
    assert initial.id == "initial"
    assert initial.due_at == datetime(2026, 11, 20, 7, 5, tzinfo=UTC) + timedelta(days=days)
    assert (complete.id, complete.due_at) == ("complete", None)


def test_a_risk_owner_sets_the_tier_with_a_reason():
    tier = set_tier(_rule("EU-AI-ACT-ART73"), "death", "the hospital confirmed a death")
    assert (tier.id, tier.days) == ("death", 10)
    assert tier.reason == "set by a risk owner: the hospital confirmed a death"
    with pytest.raises(KeyError):
        set_tier(_rule("EU-AI-ACT-ART73"), "someday", "no")


def test_the_clock_starts_at_detection_else_at_receipt():
    assert aware_at(_incident()) == datetime(2026, 11, 20, 7, 5, tzinfo=UTC)
    assert aware_at(_incident(detected_at=None)) == datetime(2026, 11, 21, 9, tzinfo=UTC)
    assert aware_at({}) is None


def test_only_rules_of_the_incident_in_force_and_not_informational_bind():
    rules = _rules()
    assert [r["id"] for r in binding_rules(rules, _incident())] == ["EU-AI-ACT-ART73"]
    # Before Art. 73 applies (2026-08-02), no clock runs.
    assert binding_rules(rules, _incident(detected_at="2026-07-01T00:00:00+00:00")) == []
    assert binding_rules(rules, _incident(jurisdictions=["UK-VOLUNTARY"])) == []
    # GDPR is informational in the shipped data: recorded, no reminders.
    gdpr = _incident(jurisdictions=["EU-GDPR-ART33"], harm_domains=["2", "2.1"])
    assert binding_rules(rules, gdpr) == []


def test_a_second_regime_binds_by_a_change_of_data_alone():
    rules = copy.deepcopy(_rules())
    next(r for r in rules if r["id"] == "EU-GDPR-ART33")["informational"] = False
    breach = _incident(jurisdictions=["EU-GDPR-ART33"], harm_domains=["2", "2.1"])
    (rule,) = binding_rules(rules, breach)
    tier = pick_tier(rule, breach)
    assert (tier.id, tier.days) == ("notification", 3)
    (stage,) = stages(rule, aware_at(breach), tier)
    assert stage.id == "report"
    assert stage.due_at - aware_at(breach) == timedelta(hours=72)
    # No personal data, no GDPR deadline.
    assert binding_rules(rules, _incident(jurisdictions=["EU-GDPR-ART33"])) == []
