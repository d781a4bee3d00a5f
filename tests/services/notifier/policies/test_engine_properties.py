"""Properties of the escalation engine for any policy chain and any run of the clock:
no page twice, nothing after an acknowledgement, every page due when it is sent, and,
driven by its own wake-ups as the scheduler drives it, no round missed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.policies.engine import Escalation, Page, State, next_actions
from services.notifier.policies.models import Policy, Target, parse_policy

OPENED = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


class Roster:
    def resolve(self, target: Target, at: datetime) -> tuple[str, ...]:
        return ("oki",)


@st.composite
def policies(draw) -> Policy:
    """A critical rule with 1-4 steps (``after`` never before the step above it), each
    paging once or repeating, and any retry delay."""
    afters = sorted(draw(st.lists(st.integers(0, 90), min_size=1, max_size=4)))
    steps = [
        {
            "notify": [{"oncall": "primary"}],
            "channels": ["default"],
            "after_minutes": after,
            **(
                {"repeat_every_minutes": repeat}
                if (repeat := draw(st.one_of(st.none(), st.integers(1, 30))))
                else {}
            ),
        }
        for after in afters
    ]
    return parse_policy(
        {
            "rules": [{"match": {"severity": "critical"}, "steps": steps}],
            "retry_failed_after_minutes": draw(st.integers(1, 10)),
        }
    )


# One tick of the world: the clock moves on (seconds), then each page due is delivered or
# fails on every attempt, or someone acknowledges.
ticks = st.lists(
    st.tuples(st.integers(0, 3 * 3600), st.sampled_from(["deliver", "fail", "ack"])),
    max_size=40,
)


def _escalation() -> Escalation:
    return Escalation(id="esc", incident={"incident_id": "inc", "severity": "critical"},
                      opened_at=OPENED)  # fmt: skip


def _due_at(policy: Policy, page: Page) -> datetime:
    step = policy.rules[0].steps[page.step]
    return OPENED + step.after + page.round * (step.repeat_every or timedelta(0))


@settings(max_examples=300, deadline=None)
@given(policy=policies(), run=ticks)
def test_no_page_twice_none_after_the_ack_and_every_page_due(policy, run):
    escalation, now = _escalation(), OPENED
    for seconds, outcome in run:
        now += timedelta(seconds=seconds)
        pages = next_actions(State({"esc": escalation}), now, policy, Roster()).actions
        keys = [p.key for p in pages]
        assert len(set(keys)) == len(keys)
        for page in pages:
            assert isinstance(page, Page)
            assert escalation.acknowledged_at is None, "paged after the acknowledgement"
            assert page.key not in escalation.sent, "paged twice"
            step = policy.rules[0].steps[page.step]
            assert _due_at(policy, page) <= now, "paged before it was due"
            if step.repeat_every is not None:  # only the latest round, never a stale one
                assert now < _due_at(policy, page) + step.repeat_every
            failed = escalation.failed.get(page.key)
            assert failed is None or now >= failed + policy.retry_failed_after
        if outcome == "ack":
            escalation = replace(escalation, acknowledged_at=now)
        elif outcome == "fail":
            failed = {**escalation.failed, **dict.fromkeys(keys, now)}
            escalation = replace(escalation, failed=failed)
        else:
            escalation = replace(escalation, sent=escalation.sent | set(keys))


@settings(max_examples=200, deadline=None)
@given(policy=policies(), hours=st.integers(1, 4))
def test_driven_by_its_wake_ups_it_pages_every_round_exactly_once(policy, hours):
    escalation, now, end = _escalation(), OPENED, OPENED + timedelta(hours=hours)
    sent: list[str] = []
    while now <= end:
        decision = next_actions(State({"esc": escalation}), now, policy, Roster())
        keys = [p.key for p in decision.actions]
        sent += keys
        escalation = replace(escalation, sent=escalation.sent | set(keys))
        if decision.wake_at is None:
            break
        assert decision.wake_at > now  # a wake-up always moves time on
        now = decision.wake_at
    expected = []
    for index, step in enumerate(policy.rules[0].steps):
        start, round_ = OPENED + step.after, 0
        while start <= end and (round_ == 0 or step.repeat_every is not None):
            expected.append(f"esc/{index}/{round_}")
            if step.repeat_every is None:
                break
            round_ += 1
            start += step.repeat_every
    assert sorted(sent) == sorted(expected)
    assert len(set(sent)) == len(sent)
