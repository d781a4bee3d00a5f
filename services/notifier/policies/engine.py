"""The escalation engine, pure: ``(state, now, policy, roster) -> next actions``.

An escalation's chain starts when it opens. Step ``s`` begins ``after`` its opening and,
with ``repeat_every``, pages again each interval until someone acknowledges or the
incident closes; the steps add up (the primary is still re-paged once the secondary is).
A page is known by its key ``<escalation>/<step>/<round>``: one that was sent is never
due again, so a replay or a redelivered event cannot page twice; one that failed every
attempt stays due and is tried again ``retry_failed_after`` its failure. Rounds missed
while the notifier was down are not sent one by one: only a step's latest round is due
(one page now, not a burst of stale ones).

Digests: incidents a digest rule takes wait in the state until the next boundary (daily
at 09:00 UTC, weekly on Monday at 09:00 UTC), then one message lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

from services.notifier.policies.models import Policy, Rule, Step, Target

DIGEST_TIME = time(9, 0)
WEEKLY_DIGEST_WEEKDAY = 0  # Monday


class Roster(Protocol):
    def resolve(self, target: Target, at: datetime) -> tuple[str, ...]:
        """The person ids ``target`` names at ``at`` (who is on call then, who holds a
        role); never raises."""


@dataclass(frozen=True)
class Escalation:
    id: str
    incident: Mapping[str, Any]  # incident_id, severity, title, event_type, harm_domains
    opened_at: datetime
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    sent: frozenset[str] = frozenset()  # keys of the pages delivered
    failed: Mapping[str, datetime] = field(default_factory=dict)  # key -> last failure

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None and self.closed_at is None


@dataclass(frozen=True)
class DigestItem:
    incident: Mapping[str, Any]
    digest: str  # daily or weekly
    queued_at: datetime


@dataclass(frozen=True)
class State:
    escalations: Mapping[str, Escalation] = field(default_factory=dict)
    digest_items: tuple[DigestItem, ...] = ()
    digests_sent: frozenset[str] = frozenset()  # period keys


@dataclass(frozen=True)
class Page:
    escalation_id: str
    incident_id: str
    step: int  # 0-based
    round: int  # 0 is the first page of the step, 1 the first repeat, ...
    recipients: tuple[str, ...]
    channels: tuple[str, ...]

    @property
    def key(self) -> str:
        return page_key(self.escalation_id, self.step, self.round)


@dataclass(frozen=True)
class Digest:
    period: str  # e.g. "daily:2026-12-03T09:00:00+00:00": sent once
    incident_ids: tuple[str, ...]
    recipients: tuple[str, ...]
    channels: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    actions: tuple[Page | Digest, ...]
    wake_at: datetime | None  # when something next falls due; None: nothing pending


def page_key(escalation_id: str, step: int, round_: int) -> str:
    return f"{escalation_id}/{step}/{round_}"


def next_actions(state: State, now: datetime, policy: Policy, roster: Roster) -> Decision:
    actions: list[Page | Digest] = []
    wakes: list[datetime] = []
    for escalation in state.escalations.values():
        if not escalation.open:
            continue
        rule = policy.rule_for(escalation.incident)
        if rule is None or not rule.steps:
            continue
        for index, step in enumerate(rule.steps):
            page, wake = _step(escalation, index, step, now, policy, roster)
            if page:
                actions.append(page)
            if wake:
                wakes.append(wake)
    digests, wake = _digests(state, now, policy, roster)
    actions.extend(digests)
    if wake:
        wakes.append(wake)
    return Decision(actions=tuple(actions), wake_at=min(wakes) if wakes else None)


def _step(
    escalation: Escalation, index: int, step: Step, now: datetime, policy: Policy, roster: Roster
) -> tuple[Page | None, datetime | None]:
    start = escalation.opened_at + step.after
    if now < start:
        return None, start
    if step.repeat_every is None:
        round_, next_round = 0, None
    else:
        round_ = int((now - start) / step.repeat_every)
        next_round = start + (round_ + 1) * step.repeat_every
    key = page_key(escalation.id, index, round_)
    if key in escalation.sent:
        return None, next_round
    failed_at = escalation.failed.get(key)
    if failed_at is not None and now < failed_at + policy.retry_failed_after:
        retry = failed_at + policy.retry_failed_after
        return None, min(retry, next_round) if next_round else retry
    page = Page(
        escalation_id=escalation.id,
        incident_id=escalation.incident["incident_id"],
        step=index,
        round=round_,
        recipients=targets_at(step.notify, now, roster),
        channels=step.channels,
    )
    return page, next_round


def targets_at(targets: tuple[Target, ...], at: datetime, roster: Roster) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for target in targets:
        for person in roster.resolve(target, at):
            seen.setdefault(person)
    return tuple(seen)


def digest_boundary(kind: str, now: datetime) -> datetime:
    """The latest digest time of ``kind`` at or before ``now``."""
    now = now.astimezone(UTC)
    boundary = datetime.combine(now.date(), DIGEST_TIME, tzinfo=UTC)
    if boundary > now:
        boundary -= timedelta(days=1)
    if kind == "weekly":
        boundary -= timedelta(days=(boundary.weekday() - WEEKLY_DIGEST_WEEKDAY) % 7)
    return boundary


def _next_boundary(kind: str, now: datetime) -> datetime:
    return digest_boundary(kind, now) + timedelta(days=7 if kind == "weekly" else 1)


def _digests(
    state: State, now: datetime, policy: Policy, roster: Roster
) -> tuple[list[Digest], datetime | None]:
    actions, wakes = [], []
    for kind in sorted({item.digest for item in state.digest_items}):
        boundary = digest_boundary(kind, now)
        period = f"{kind}:{boundary.isoformat()}"
        ready = [
            item
            for item in state.digest_items
            if item.digest == kind and item.queued_at <= boundary
        ]
        sending = bool(ready) and period not in state.digests_sent
        if sending:
            rules = [r for r in (policy.rule_for(i.incident) for i in ready) if r is not None]
            actions.append(
                Digest(
                    period=period,
                    incident_ids=tuple(item.incident["incident_id"] for item in ready),
                    recipients=targets_at(_union(rules, "notify"), now, roster),
                    channels=tuple(dict.fromkeys(c for r in rules for c in r.channels)),
                )
            )
        waiting = sum(1 for item in state.digest_items if item.digest == kind)
        if waiting > (len(ready) if sending else 0):
            wakes.append(_next_boundary(kind, now))
    return actions, min(wakes) if wakes else None


def _union(rules: list[Rule], name: str) -> tuple[Target, ...]:
    return tuple(dict.fromkeys(t for rule in rules for t in getattr(rule, name)))
