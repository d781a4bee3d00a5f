"""The triage rules as data (data/triage.json) and the fold of decisions (decisions.py):
pure, no store, no bus."""

from __future__ import annotations

import copy

import pytest

from services.registry import decisions, triage
from services.registry.triage import DecisionRefused
from shared.access import COORDINATOR, REPORTER, RISK_OWNER, Viewer
from shared.envelope import Envelope, decode, encode
from shared.topics import CONTRACTS, REGISTRY_EVENTS

STATES = triage.states()


def test_the_rules_name_only_known_states_and_every_state_can_be_left():
    rules = triage.rules()
    assert rules["initial"] in STATES and rules["initial_unverified"] in STATES
    assert set(rules["transitions"]) == set(STATES)
    for state, targets in rules["transitions"].items():
        assert targets, f"{state} is a dead end"
        assert set(targets) <= set(STATES), state
        assert state not in targets


def test_every_state_is_reachable_from_new():
    seen, todo = {"new"}, ["new"]
    while todo:
        for target in triage.allowed(todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(STATES)


def test_check_transition_follows_the_table():
    for status in STATES:
        for to in STATES:
            if to in triage.allowed(status):
                triage.check_transition(status, to)
            else:
                with pytest.raises(DecisionRefused):
                    triage.check_transition(status, to)


@pytest.mark.parametrize(
    ("report", "status"),
    [
        ({"verified": True}, "new"),
        ({"verified": False}, "needs-verification"),
        ({}, "new"),  # an older report or an import carries no flag
    ],
)
def test_initial_status(report, status):
    assert triage.initial_status(report) == status


@pytest.mark.parametrize(
    ("roles", "may"),
    [({RISK_OWNER}, True), ({COORDINATOR}, True), ({REPORTER}, False), (set(), False)],
)
def test_who_decides(roles, may):
    assert triage.may_decide(Viewer(person_id="p", roles=frozenset(roles))) is may


def golden(event_type: str) -> Envelope:
    example = CONTRACTS[REGISTRY_EVENTS].events[event_type]["examples"][0]
    return decode(encode(Envelope(**copy.deepcopy(example))))


def incident(**changes) -> dict:
    report = {"id": "01JD0000000000000000000002", "received_at": "2026-11-20T09:15:00+00:00"}
    return {**decisions.registered({**report, "verified": True}), **changes}


def at_version(event: Envelope, version: int) -> Envelope:
    return Envelope(**{**event.__dict__, "payload": {**event.payload, "version": version}})


def test_a_decision_applies_once_on_top_of_the_version_before_it():
    event = golden("incident.transitioned")  # makes version 2
    first = decisions.apply(incident(), event)
    assert first["status"] == "triaged" and first["version"] == 2
    assert first["triaged_at"] == first["first_answer_at"] == event.payload["at"]
    assert first["timeline"][-1]["rationale"] == event.payload["rationale"]
    assert decisions.apply(first, event) is None  # redelivered
    assert decisions.apply(incident(), at_version(event, 3)) is None  # a gap


def test_apply_leaves_its_input_alone():
    before = incident()
    kept = copy.deepcopy(before)
    decisions.apply(before, golden("incident.transitioned"))
    assert before == kept


def test_each_decision_type_folds_into_its_field():
    base = incident(status="triaged", severity="high")
    fold = {t: decisions.apply(base, at_version(golden(t), 2)) for t in decisions.DECISION_TYPES}
    assert fold["incident.assigned"]["owner"]["name"] == "Rita Owner"
    assert fold["incident.severity_rerated"]["severity"] == "critical"
    assert "first_answer_at" not in fold["incident.severity_rerated"]  # confidential
    assert fold["incident.linked"]["links"] == [
        {"id": "01JD0000000000000000000009", "relation": "related_to"}
    ]
    asked = fold["incident.information_requested"]
    assert asked["status"] == "needs-information"
    assert asked["information_requests"][0]["question"] == "Which model version was deployed?"
    answered = decisions.apply(asked, at_version(golden("incident.information_provided"), 3))
    assert answered["status"] == "triaged"
    assert answered["information_requests"][0]["answer"].startswith("HealthChat 2.1")
    merged = decisions.apply(incident(id="01JD0000000000000000000009"), golden("incident.merged"))
    assert merged["status"] == "duplicate"
    assert merged["duplicate_of"] == "01JD0000000000000000000002"


def test_a_document_from_before_versions_is_the_first_version():
    old = {"id": "x", "status": "new", "received_at": "2026-11-20T09:15:00+00:00"}
    applied = decisions.apply(old, golden("incident.transitioned"))
    assert applied["version"] == 2
    assert [e["type"] for e in applied["timeline"]] == ["incident.transitioned"]


def test_who_reads_each_timeline_entry():
    visibility = {t: decisions.entry(golden(t))["visibility"] for t in decisions.DECISION_TYPES}
    assert visibility == {
        "incident.transitioned": "public",  # as the risk owner chose
        "incident.severity_rerated": "confidential",  # as the risk owner chose
        "incident.merged": "public",  # as the risk owner chose
        "incident.information_requested": "public",  # asked of the lab
        "incident.information_provided": "public",  # the lab's own answer
        "incident.assigned": "confidential",
        "incident.linked": "confidential",  # may name incidents the lab cannot read
    }
