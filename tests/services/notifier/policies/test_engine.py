"""The escalation engine on the injected clock: who is paged, when, and never twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.policies.engine import (
    Decision,
    Digest,
    DigestItem,
    Escalation,
    Page,
    State,
    digest_boundary,
    next_actions,
)
from services.notifier.policies.models import Target, load_policy
from shared.clock import TestClock

POLICY = load_policy()
START = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # a Thursday
MINUTE = 60


class Roster:
    """Primary is "ana" until 14:20 and "ben" after; the secondary is "sam"; coordinators
    are "cy" and "ana"."""

    def resolve(self, target: Target, at: datetime) -> tuple[str, ...]:
        if target.kind == "oncall" and target.layer == "primary":
            return ("ana",) if at < START + timedelta(minutes=20) else ("ben",)
        if target.kind == "oncall":
            return ("sam",)
        if target == Target("role", "coordinator"):
            return ("cy", "ana")
        return ()


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START)


def _escalation(severity: str = "critical", **changes) -> Escalation:
    incident = {"incident_id": "inc-1", "severity": severity, "title": "t"}
    return replace(Escalation(id="esc-1", incident=incident, opened_at=START), **changes)


def _decide(escalation: Escalation, clock: TestClock) -> Decision:
    return next_actions(
        State(escalations={escalation.id: escalation}), clock.now(), POLICY, Roster()
    )


def _sent(escalation: Escalation, *pages: Page) -> Escalation:
    return replace(escalation, sent=escalation.sent | {p.key for p in pages})


def test_critical_pages_the_primary_at_once(clock):
    decision = _decide(_escalation(), clock)
    assert decision.actions == (
        Page("esc-1", "inc-1", step=0, round=0, recipients=("ana",), channels=("default",)),
    )
    assert decision.actions[0].key == "esc-1/0/0"
    assert decision.wake_at == START + timedelta(minutes=5)


def test_unacknowledged_it_repages_every_five_minutes_and_escalates(clock):
    escalation, log = _escalation(), []
    for _ in range(40):  # 40 minutes, minute by minute, every page "delivered"
        decision = _decide(escalation, clock)
        log += [(p.step, p.round, p.recipients, clock.now() - START) for p in decision.actions]
        escalation = _sent(escalation, *decision.actions)
        clock.advance(MINUTE)
    minutes = [(step, rnd, who, int(at.total_seconds() // 60)) for step, rnd, who, at in log]
    assert minutes == [
        (0, 0, ("ana",), 0),
        (0, 1, ("ana",), 5),
        (0, 2, ("ana",), 10),
        (0, 3, ("ana",), 15),
        (1, 0, ("sam",), 15),
        # the rotation handed over at 14:20: the re-page goes to who is on call now
        (0, 4, ("ben",), 20),
        (1, 1, ("sam",), 20),
        (0, 5, ("ben",), 25),
        (1, 2, ("sam",), 25),
        (0, 6, ("ben",), 30),
        (1, 3, ("sam",), 30),
        (2, 0, ("cy", "ana"), 30),
        (0, 7, ("ben",), 35),
        (1, 4, ("sam",), 35),
        (2, 1, ("cy", "ana"), 35),
    ]


def test_wake_at_is_the_next_page_so_no_tick_is_wasted(clock):
    escalation = _escalation()
    clock.advance(16 * MINUTE)
    decision = _decide(escalation, clock)
    escalation = _sent(escalation, *decision.actions)
    assert decision.wake_at == START + timedelta(minutes=20)
    clock.advance(3 * MINUTE)
    assert _decide(escalation, clock) == Decision(actions=(), wake_at=START + timedelta(minutes=20))


def test_acknowledged_it_stops(clock):
    clock.advance(7 * MINUTE)
    escalation = _escalation(acknowledged_at=clock.now())
    for _ in range(60):
        assert _decide(escalation, clock) == Decision(actions=(), wake_at=None)
        clock.advance(MINUTE)


def test_closed_it_stops(clock):
    escalation = _escalation(closed_at=START + timedelta(minutes=2))
    clock.advance(20 * MINUTE)
    assert _decide(escalation, clock) == Decision(actions=(), wake_at=None)


def test_a_page_sent_is_never_due_again(clock):
    escalation = _escalation()
    first = _decide(escalation, clock).actions
    escalation = _sent(escalation, *first)
    clock.advance(4 * MINUTE)
    assert _decide(escalation, clock).actions == ()


def test_rounds_missed_while_down_give_one_page_per_step_not_a_burst(clock):
    escalation = _sent(_escalation(), *_decide(_escalation(), clock).actions)
    clock.advance(22 * MINUTE)  # the notifier was down from 14:01 to 14:22
    pages = _decide(escalation, clock).actions
    assert [(p.step, p.round) for p in pages] == [(0, 4), (1, 1)]


def test_a_failed_page_stays_due_and_is_retried_after_the_policy_delay(clock):
    escalation = _escalation()
    (page,) = _decide(escalation, clock).actions
    clock.advance(10)
    escalation = replace(escalation, failed={page.key: clock.now()})
    decision = _decide(escalation, clock)
    assert decision.actions == ()
    assert decision.wake_at == clock.now() + POLICY.retry_failed_after
    clock.advance(POLICY.retry_failed_after.total_seconds())
    assert [p.key for p in _decide(escalation, clock).actions] == [page.key]


def test_a_failure_never_delays_the_next_round(clock):
    escalation = _escalation()
    (page,) = _decide(escalation, clock).actions
    clock.advance(4 * MINUTE + 30)
    escalation = replace(escalation, failed={page.key: clock.now()})
    assert _decide(escalation, clock).wake_at == START + timedelta(minutes=5)
    clock.advance(30)
    assert [p.key for p in _decide(escalation, clock).actions] == ["esc-1/0/1"]


def test_nobody_to_resolve_still_gives_a_page_for_the_collaboration_channels(clock):
    class Empty:
        def resolve(self, target, at):
            return ()

    state = State(escalations={"esc-1": _escalation()})
    (page,) = next_actions(state, clock.now(), POLICY, Empty()).actions
    assert page.recipients == ()
    assert page.channels == ("default",)


def test_high_notifies_at_once_then_hourly(clock):
    escalation, times = _escalation("high"), []
    for _ in range(150):
        decision = _decide(escalation, clock)
        times += [clock.now() - START for _ in decision.actions]
        escalation = _sent(escalation, *decision.actions)
        clock.advance(MINUTE)
    assert times == [timedelta(0), timedelta(hours=1), timedelta(hours=2)]


@pytest.mark.parametrize("severity", ["medium", "low", None, "unknown"])
def test_only_critical_and_high_page(clock, severity):
    assert _decide(_escalation(severity), clock) == Decision(actions=(), wake_at=None)


@pytest.mark.parametrize(
    ("kind", "now", "boundary"),
    [
        (
            "daily",
            datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
            datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        ),
        (
            "daily",
            datetime(2026, 12, 3, 8, 59, tzinfo=UTC),
            datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
        ),
        ("daily", datetime(2026, 12, 3, 9, 0, tzinfo=UTC), datetime(2026, 12, 3, 9, 0, tzinfo=UTC)),
        # Thursday 3 December: the week's digest went on Monday 30 November
        (
            "weekly",
            datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
            datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        ),
        (
            "weekly",
            datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
            datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        ),
    ],
)
def test_digest_boundaries(kind, now, boundary):
    assert digest_boundary(kind, now) == boundary


def _item(incident_id: str, severity: str, at: datetime) -> DigestItem:
    incident = {"incident_id": incident_id, "severity": severity}
    return DigestItem(
        incident=incident, digest="daily" if severity == "medium" else "weekly", queued_at=at
    )


def test_medium_incidents_wait_for_one_daily_digest(clock):
    items = (_item("m-1", "medium", START), _item("m-2", "medium", START + timedelta(hours=2)))
    state = State(digest_items=items)
    decision = next_actions(state, clock.now(), POLICY, Roster())
    assert decision.actions == ()
    tomorrow_nine = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert decision.wake_at == tomorrow_nine
    clock.advance((tomorrow_nine - START).total_seconds())
    (digest,) = next_actions(state, clock.now(), POLICY, Roster()).actions
    assert digest == Digest(
        period="daily:2026-12-04T09:00:00+00:00",
        incident_ids=("m-1", "m-2"),
        recipients=("ben",),
        channels=("default",),
    )
    sent = replace(state, digests_sent=frozenset({digest.period}))
    assert next_actions(sent, clock.now(), POLICY, Roster()).actions == ()


def test_low_incidents_wait_for_the_weekly_digest_on_monday(clock):
    state = State(digest_items=(_item("l-1", "low", START),))
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert next_actions(state, clock.now(), POLICY, Roster()).wake_at == monday
    clock.advance((monday - START).total_seconds() - 1)
    assert next_actions(state, clock.now(), POLICY, Roster()).actions == ()
    clock.advance(1)
    (digest,) = next_actions(state, clock.now(), POLICY, Roster()).actions
    assert digest.incident_ids == ("l-1",)
    assert digest.period == "weekly:2026-12-07T09:00:00+00:00"


def test_an_incident_queued_after_the_boundary_waits_for_the_next_digest(clock):
    nine = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    state = State(
        digest_items=(
            _item("m-1", "medium", nine - timedelta(hours=1)),
            _item("m-2", "medium", nine + timedelta(minutes=1)),
        ),
    )
    clock.advance((nine - START).total_seconds() + 120)
    decision = next_actions(state, clock.now(), POLICY, Roster())
    assert [a.incident_ids for a in decision.actions] == [("m-1",)]
    assert decision.wake_at == nine + timedelta(days=1)
