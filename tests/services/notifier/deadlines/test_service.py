"""Regulatory clocks in the notifier's core, over a real embedded bus and HTTP receiver,
on the test clock: a deadline per binding rule, reminders from the policy (each once,
across a restart), the escalation through the engine when near and nothing is filed, and
filing that stops both. A second regime binds by a change of data alone."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest
from notifier_support import notifier_events, registered

from services.notifier.deadlines.service import BadStage, jurisdiction_rules
from shared.access import RISK_OWNER

INCIDENT = "01JD0000000000000000000077"


def at_time(clock, when: datetime) -> None:
    clock.advance((when - clock.now()).total_seconds())


@pytest.fixture
def receiver(httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    return httpserver


@pytest.fixture
def risk_owner(ids) -> str:
    return ids.person(
        "Accord Secretariat", "rosa@accord.example", roles=(RISK_OWNER,), password=None
    )


def sent(httpserver, action: str) -> list[dict]:
    return [r.get_json() for r, _ in httpserver.log if r.get_json().get("action") == action]


def types(bus, prefix: str = "deadline.") -> list[str]:
    return [e.type for e in notifier_events(bus) if e.type.startswith(prefix)]


def art73(clock, **facts):
    return registered(
        INCIDENT,
        severity=None,
        jurisdictions=["EU-AI-ACT-ART73"],
        detected_at=clock.now().isoformat(),
        **facts,
    )


@pytest.mark.parametrize(
    ("facts", "tier", "days"),
    [
        ({}, "general", 15),
        ({"quantities": {"lives_lost": 1}}, "death", 10),
        ({"critical_infrastructure": True}, "widespread_or_critical_infrastructure", 2),
    ],
)
def test_an_art_73_incident_gets_the_due_date_of_its_tier(
    make_escalations, clock, facts, tier, days
):
    escalations = make_escalations()
    escalations([art73(clock, **facts)])
    (deadline,) = escalations.state.deadline_list()
    assert (deadline.regime, deadline.tier.id, deadline.tier.days) == (
        "EU-AI-ACT-ART73",
        tier,
        days,
    )
    assert [(s.id, s.due_at) for s in deadline.stages] == [
        ("initial", clock.now() + timedelta(days=days)),
        ("complete", None),
    ]
    # Redelivered: no second record.
    escalations([art73(clock, **facts)])
    assert len(escalations.state.deadline_list()) == 1


def test_no_deadline_without_a_binding_rule(make_escalations, clock):
    escalations = make_escalations()
    escalations([registered(INCIDENT, severity=None, jurisdictions=["UK-VOLUNTARY"])])
    escalations([registered(INCIDENT[:-1] + "8", severity="low")])
    assert escalations.state.deadline_list() == []


def test_reminders_fire_once_each_survive_a_restart_and_escalation_comes_when_near(
    bus, receiver, make_escalations, clock, risk_owner, oncall_person
):
    escalations = make_escalations()
    escalations([art73(clock, quantities={"lives_lost": 1})])
    due = clock.now() + timedelta(days=10)
    assert escalations.tick() == due - timedelta(hours=72)
    assert sent(receiver, "reminder") == []

    at_time(clock, due - timedelta(hours=72))
    escalations.tick()
    escalations.tick()
    (reminder,) = sent(receiver, "reminder")
    assert [r["id"] for r in reminder["recipients"]] == [risk_owner]
    assert "EU-AI-ACT-ART73 initial report due" in reminder["summary"]
    assert types(bus) == ["deadline.opened", "deadline.reminded"]

    # A restart rebuilds the reminders from the events: the one sent is not sent again,
    # the next falls on time.
    restarted = make_escalations(restore=True)
    assert restarted.tick() == due - timedelta(hours=24)
    assert len(sent(receiver, "reminder")) == 1
    at_time(clock, due - timedelta(hours=24))
    restarted.tick()
    assert len(sent(receiver, "reminder")) == 2
    # Near and not filed: an escalation as a critical incident, through the engine.
    opened = [e for e in notifier_events(bus) if e.type == "escalation.opened"]
    assert [e.payload["deadline_id"] for e in opened] == [restarted.state.deadline_list()[0].id]
    restarted.tick()
    (page,) = sent(receiver, "trigger")
    assert [r["id"] for r in page["recipients"]] == [oncall_person]
    assert "not filed" in page["summary"]


def test_filing_stops_reminders_and_closes_the_escalation(
    bus, receiver, make_escalations, clock, risk_owner
):
    escalations = make_escalations()
    escalations([art73(clock, critical_infrastructure=True)])
    due = clock.now() + timedelta(days=2)
    at_time(clock, due - timedelta(hours=24))
    escalations.tick()
    (deadline,) = escalations.state.deadline_list()
    assert deadline.escalation_id is not None
    by = {"id": risk_owner, "name": "Rosa"}
    with pytest.raises(BadStage):
        escalations.deadlines.file(deadline.id, "final", by)
    filed = escalations.deadlines.file(deadline.id, "initial", by)
    assert filed.filed["initial"]["by"] == by
    assert escalations.state.escalation(deadline.escalation_id).status == "closed"
    escalations.deadlines.file(deadline.id, "initial", by)  # twice: no change
    assert types(bus).count("deadline.filed") == 1
    at_time(clock, due - timedelta(hours=6))
    escalations.tick()
    assert len(sent(receiver, "reminder")) == 1  # the 24 h one, before filing
    assert filed.open  # the complete report is still awaited
    assert not escalations.deadlines.file(deadline.id, "complete", by).open


def test_a_risk_owner_sets_the_tier_and_the_due_date_follows(
    bus, make_escalations, clock, risk_owner
):
    escalations = make_escalations()
    escalations([art73(clock)])
    (deadline,) = escalations.state.deadline_list()
    by = {"id": risk_owner, "name": "Rosa"}
    changed = escalations.deadlines.set_tier(deadline.id, "death", "a patient died", by)
    assert changed.tier.reason == "set by a risk owner: a patient died"
    assert changed.stages[0].due_at == clock.now() + timedelta(days=10)
    restarted = make_escalations(restore=True)
    assert restarted.state.deadline(deadline.id).tier.id == "death"
    with pytest.raises(KeyError):
        escalations.deadlines.set_tier(deadline.id, "someday", "no", by)


def test_gdpr_drives_reminders_by_a_change_of_data_alone(
    bus, receiver, make_escalations, clock, risk_owner
):
    rules = copy.deepcopy(jurisdiction_rules())
    breach = registered(
        INCIDENT,
        severity=None,
        jurisdictions=["EU-GDPR-ART33"],
        harm_domains=["2", "2.1"],
        detected_at=clock.now().isoformat(),
    )
    shipped = make_escalations()
    shipped([breach])
    assert shipped.state.deadline_list() == []  # informational as shipped

    next(r for r in rules if r["id"] == "EU-GDPR-ART33")["informational"] = False
    escalations = make_escalations(jurisdictions=rules)
    escalations([breach])
    (deadline,) = escalations.state.deadline_list()
    assert deadline.stages[0].due_at == clock.now() + timedelta(hours=72)
    # 72 h ahead, the first reminder is due at once; the next when 24 h remain.
    assert escalations.tick() == clock.now() + timedelta(hours=48)
    (reminder,) = sent(receiver, "reminder")
    assert "EU-GDPR-ART33 report due" in reminder["summary"]
