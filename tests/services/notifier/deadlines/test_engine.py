"""What falls due on a deadline: reminders from the policy, once each; the escalation
when it is near and nothing is filed; nothing once the report is filed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.notifier.deadlines.engine import Deadline, Escalate, Reminder, next_actions
from services.notifier.deadlines.rules import Stage, Tier
from services.notifier.policies.models import DeadlinePolicy, Target

START = datetime(2026, 12, 1, 9, tzinfo=UTC)
DUE = START + timedelta(days=2)
POLICY = DeadlinePolicy(
    remind_before=(timedelta(hours=24), timedelta(hours=6)),
    notify=(Target("role", "risk_owner"),),
    channels=("default",),
    escalate_within=timedelta(hours=12),
)
DEADLINE = Deadline(
    id="D1",
    incident={"incident_id": "I1"},
    regime="EU-AI-ACT-ART73",
    tier=Tier("widespread_or_critical_infrastructure", 2, "facts"),
    starts_at=START,
    stages=(Stage("initial", DUE), Stage("complete", None)),
)


def test_nothing_before_the_first_reminder_and_a_wake_up_for_it():
    decision = next_actions([DEADLINE], START, POLICY)
    assert decision.actions == ()
    assert decision.wake_at == DUE - timedelta(hours=24)


def test_each_reminder_falls_at_its_time_and_once():
    at = DUE - timedelta(hours=24)
    decision = next_actions([DEADLINE], at, POLICY)
    assert decision.actions == (Reminder("D1", "initial", DUE, timedelta(hours=24)),)
    assert decision.actions[0].key == "D1/initial/1440"
    reminded = replace(DEADLINE, reminded=frozenset({"D1/initial/1440"}))
    decision = next_actions([reminded], at + timedelta(minutes=1), POLICY)
    assert decision.actions == ()
    assert decision.wake_at == DUE - timedelta(hours=12)  # the escalation comes next


def test_the_escalation_when_near_and_not_filed_then_the_last_reminder():
    reminded = replace(DEADLINE, reminded=frozenset({"D1/initial/1440"}))
    decision = next_actions([reminded], DUE - timedelta(hours=12), POLICY)
    assert decision.actions == (Escalate("D1", "initial", DUE),)
    escalated = replace(reminded, escalation_id="E1")
    decision = next_actions([escalated], DUE - timedelta(hours=12), POLICY)
    assert (decision.actions, decision.wake_at) == ((), DUE - timedelta(hours=6))
    decision = next_actions([escalated], DUE - timedelta(hours=6), POLICY)
    assert decision.actions == (Reminder("D1", "initial", DUE, timedelta(hours=6)),)


def test_after_a_long_outage_only_the_latest_reminder_is_due():
    decision = next_actions([DEADLINE], DUE - timedelta(hours=1), POLICY)
    assert Reminder("D1", "initial", DUE, timedelta(hours=6)) in decision.actions
    assert not any(
        isinstance(a, Reminder) and a.before == timedelta(hours=24) for a in decision.actions
    )


def test_a_filed_report_stops_everything_and_complete_stands_for_initial():
    at = DUE - timedelta(hours=6)
    for stage in ("initial", "complete"):
        filed = replace(DEADLINE, filed={stage: {"by": {"id": "p"}, "at": at.isoformat()}})
        assert next_actions([filed], at, POLICY) == next_actions([], at, POLICY)
    assert replace(DEADLINE, filed={"initial": {}}).open  # the complete report is awaited
    assert not replace(DEADLINE, filed={"complete": {}}).open


def test_no_reminders_past_the_due_time_nor_without_a_policy():
    late = next_actions([replace(DEADLINE, escalation_id="E1")], DUE + timedelta(hours=1), POLICY)
    assert (late.actions, late.wake_at) == ((), None)
    assert next_actions([DEADLINE], DUE, None).actions == ()
