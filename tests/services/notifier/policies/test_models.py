"""Policy files: the default loads as the issue describes it; a bad one names its bad step."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

from services.notifier.policies.models import (
    DEFAULT_POLICY,
    PolicyError,
    Target,
    load_policy,
    parse_policy,
)

DEFAULT = json.loads(DEFAULT_POLICY.read_text())


def test_the_default_policy_pages_critical_then_escalates():
    policy = load_policy()
    critical = policy.rule_for({"severity": "critical"})
    assert [s.after for s in critical.steps] == [
        timedelta(0),
        timedelta(minutes=15),
        timedelta(minutes=30),
    ]
    assert {s.repeat_every for s in critical.steps} == {timedelta(minutes=5)}
    assert [s.notify for s in critical.steps] == [
        (Target("oncall", "primary", "primary"),),
        (Target("oncall", "secondary", "secondary"),),
        (Target("role", "coordinator"),),
    ]
    high = policy.rule_for({"severity": "high"})
    assert high.steps[0].after == timedelta(0)
    assert high.steps[0].repeat_every == timedelta(hours=1)
    assert policy.rule_for({"severity": "medium"}).digest == "daily"
    assert policy.rule_for({"severity": "low"}).digest == "weekly"
    assert policy.rule_for({"severity": None}) is None


def test_the_first_fitting_rule_decides_by_domain_and_type():
    data = copy.deepcopy(DEFAULT)
    step = {"notify": [{"person": "p-1"}], "channels": ["email"], "after_minutes": 0}
    data["rules"][:0] = [
        {"match": {"severity": "high", "harm_domain": "7"}, "steps": [step]},
        {"match": {"severity": "high", "event_type": "near_miss"}, "steps": [step, step]},
    ]
    policy = parse_policy(data)
    assert len(policy.rule_for({"severity": "high", "harm_domains": ["7.2"]}).steps) == 1
    assert policy.rule_for({"severity": "high", "harm_domains": ["7"]}).steps[0].channels == (
        "email",
    )
    assert len(policy.rule_for({"severity": "high", "event_type": "near_miss"}).steps) == 2
    # "7" is a domain, not a prefix of "71"-like strings.
    default_high = policy.rule_for({"severity": "high", "harm_domains": ["1.7"]})
    assert default_high.steps[0].repeat_every == timedelta(hours=1)


def _with_step(change) -> dict:
    data = copy.deepcopy(DEFAULT)
    change(data["rules"][0]["steps"][1])
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(after_minutes=-1), "/rules/0/steps/1 (critical step 2) /after_minutes"),
        (lambda s: s.update(after_minutes="soon"), "(critical step 2) /after_minutes"),
        (lambda s: s.update(after_minutes=True), "(critical step 2) /after_minutes"),
        (lambda s: s.update(repeat_every_minutes=0), "(critical step 2) /repeat_every_minutes"),
        (lambda s: s.update(channels=["pager"]), "(critical step 2) /channels/0: unknown channel"),
        (lambda s: s.update(channels=[]), "(critical step 2) /channels"),
        (lambda s: s.update(notify=[]), "(critical step 2) /notify"),
        (lambda s: s.update(notify=[{"wizard": "x"}]), "(critical step 2) /notify/0"),
        (lambda s: s.update(notify=[{"person": "a", "role": "oncall"}]), "/notify/0"),
        (lambda s: s.update(notify=[{"role": "boss"}]), "(critical step 2) /notify/0/role"),
        (lambda s: s.update(notify=[{"oncall": "tertiary"}]), "/notify/0/oncall"),
        (lambda s: s.update(notify=[{"person": ""}]), "(critical step 2) /notify/0/person"),
        (lambda s: s.update(colour="red"), "(critical step 2): unknown field 'colour'"),
        (lambda s: s.pop("channels"), "(critical step 2) /channels: is required"),
        (lambda s: s.update(after_minutes=40), "/rules/0/steps/2 (critical step 3) /after_minutes"),
    ],
)
def test_a_bad_step_is_named(change, message):
    with pytest.raises(PolicyError) as raised:
        parse_policy(_with_step(change), source="policy.json")
    assert message in str(raised.value)
    assert str(raised.value).startswith("policy.json")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "policy /: must be an object"),
        ({}, "policy /rules: is required"),
        ({"rules": []}, "policy /rules: must be a non-empty list"),
        ({"rules": [], "extra": 1}, "/extra: unknown field"),
        ({"rules": [{"match": {"severity": "urgent"}, "steps": []}]}, "/rules/0/match/severity"),
        ({"rules": [{"match": {}, "steps": []}]}, "/rules/0/match/severity: is required"),
        (
            {
                "rules": [
                    {
                        "match": {"severity": "high", "harm_domain": "9"},
                        "digest": "daily",
                        "notify": [{"role": "oncall"}],
                        "channels": ["inbox"],
                    }
                ]
            },
            "/rules/0/match/harm_domain",
        ),
        (
            {"rules": [{"match": {"severity": "high", "event_type": "rumour"}, "steps": []}]},
            "/rules/0/match/event_type",
        ),
        ({"rules": [{"match": {"severity": "high"}}]}, "(rule for high): give either steps"),
        ({"rules": [{"match": {"severity": "high"}, "steps": []}]}, "/rules/0/steps: must be"),
        (
            {"rules": [{"match": {"severity": "low"}, "digest": "hourly"}]},
            "(rule for low) /digest",
        ),
        (
            {"rules": [{"match": {"severity": "low"}, "digest": "daily", "channels": ["inbox"]}]},
            "(rule for low) /notify",
        ),
        (dict(DEFAULT, retry_failed_after_minutes=0), "/retry_failed_after_minutes"),
    ],
)
def test_a_bad_policy_is_refused_with_its_place(data, message):
    with pytest.raises(PolicyError) as raised:
        parse_policy(data)
    assert message in str(raised.value)


def test_an_unreadable_policy_file_is_refused(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text("{not json")
    with pytest.raises(PolicyError, match=r"policy\.json"):
        load_policy(path)
    with pytest.raises(PolicyError, match=r"missing\.json"):
        load_policy(tmp_path / "missing.json")
