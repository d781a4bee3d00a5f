"""What falls due on regulatory deadlines, pure: ``(deadlines, now, policy) -> actions``.

A stage with a due time and no report filed gets a reminder at each of the policy's
``remind_before`` ahead of it, and an escalation once ``escalate_within`` of it remains.
A reminder is known by its key ``<deadline>/<stage>/<minutes before>``: one sent is never
due again, so a restart or a second tick reminds no one twice. Reminders missed while the
notifier was down are not sent one by one: only the latest is due. A complete report
filed also stands for the initial one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.notifier.deadlines.rules import Stage, Tier
from services.notifier.policies.models import DeadlinePolicy

# A later stage's report filed counts for the earlier ones.
STAGE_ORDER = ("initial", "report", "complete")


@dataclass(frozen=True)
class Deadline:
    id: str
    incident: Mapping[str, Any]  # incident_id, title, tlp, organization_id, recipients, url
    regime: str
    tier: Tier
    starts_at: datetime
    stages: tuple[Stage, ...]
    filed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # stage -> by, at
    reminded: frozenset[str] = frozenset()
    escalation_id: str | None = None

    def is_filed(self, stage: str) -> bool:
        later = STAGE_ORDER[STAGE_ORDER.index(stage) :] if stage in STAGE_ORDER else (stage,)
        return any(s in self.filed for s in later)

    @property
    def open(self) -> bool:
        return not all(self.is_filed(s.id) for s in self.stages)


@dataclass(frozen=True)
class Reminder:
    deadline_id: str
    stage: str
    due_at: datetime
    before: timedelta

    @property
    def key(self) -> str:
        return reminder_key(self.deadline_id, self.stage, self.before)


@dataclass(frozen=True)
class Escalate:
    deadline_id: str
    stage: str
    due_at: datetime


@dataclass(frozen=True)
class Decision:
    actions: tuple[Reminder | Escalate, ...]
    wake_at: datetime | None


def reminder_key(deadline_id: str, stage: str, before: timedelta) -> str:
    return f"{deadline_id}/{stage}/{int(before.total_seconds() // 60)}"


def next_actions(
    deadlines: Iterable[Deadline], now: datetime, policy: DeadlinePolicy | None
) -> Decision:
    if policy is None:
        return Decision((), None)
    actions: list[Reminder | Escalate] = []
    wakes: list[datetime] = []
    for deadline in deadlines:
        for stage in deadline.stages:
            if stage.due_at is None or deadline.is_filed(stage.id):
                continue
            reminder, wake = _reminder(deadline, stage, now, policy)
            if reminder:
                actions.append(reminder)
            if wake:
                wakes.append(wake)
            escalate_at = stage.due_at - policy.escalate_within
            if deadline.escalation_id is None:
                if now >= escalate_at:
                    actions.append(Escalate(deadline.id, stage.id, stage.due_at))
                else:
                    wakes.append(escalate_at)
    return Decision(tuple(actions), min(wakes) if wakes else None)


def _reminder(
    deadline: Deadline, stage: Stage, now: datetime, policy: DeadlinePolicy
) -> tuple[Reminder | None, datetime | None]:
    """The latest reminder passed and not sent (if the due time is still ahead), and when
    the next one falls."""
    passed = [b for b in policy.remind_before if stage.due_at - b <= now]
    ahead = [stage.due_at - b for b in policy.remind_before if stage.due_at - b > now]
    wake = min(ahead) if ahead else None
    if not passed or now >= stage.due_at:
        return None, wake
    latest = min(passed)  # the closest to the due time
    reminder = Reminder(deadline.id, stage.id, stage.due_at, latest)
    return (None if reminder.key in deadline.reminded else reminder), wake
