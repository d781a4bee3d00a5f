"""Regulatory deadlines at work: a record for each binding rule when an incident is
registered, a tier a risk owner sets, reports marked filed, and what the engine says is
due (reminders, and an escalation that runs through the escalation engine).

Everything is an event on ``notifier-events`` published through ``Escalations.publish``
(written, then applied), so a restart rebuilds every pending reminder from the events and
a reminder already sent is known by its key and never sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.notifier.channels.configured import expand
from services.notifier.channels.interfaces import Message, brief
from services.notifier.deadlines import rules
from services.notifier.deadlines.engine import Deadline, Escalate, Reminder, next_actions
from shared import vocab
from shared.envelope import Envelope, new_id

if TYPE_CHECKING:
    from services.notifier.escalations import Escalations

log = logging.getLogger(__name__)


class NotFound(LookupError):
    pass


class BadStage(ValueError):
    pass


def jurisdiction_rules() -> list[dict[str, Any]]:
    """The rules of ``shared/vocab/jurisdictions.json``, each with its id."""
    return [{**t.data, "id": t.id} for t in vocab.load("jurisdictions").terms]


def incident_brief(p: Mapping[str, Any], title: str) -> dict[str, Any]:
    """What a deadline keeps of its incident: enough to decide who may read it (TLP,
    organization, RED recipients) and to link to it."""
    return {
        "incident_id": p["incident_id"],
        "title": title,
        "severity": p.get("severity"),
        "event_type": p.get("event_type"),
        "tlp": p["tlp"],
        "organization_id": p.get("organization_id"),
        "recipients": list(p.get("recipients") or []),
        "url": p["url"],
        "harm_domains": list(p.get("harm_domains") or []),
    }


def deadline_json(deadline: Deadline, history: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": deadline.id,
        "incident_id": deadline.incident["incident_id"],
        "incident": {k: deadline.incident.get(k) for k in ("title", "severity", "tlp", "url")},
        "regime": deadline.regime,
        "tier": _tier_json(deadline.tier),
        "starts_at": deadline.starts_at.isoformat(),
        "stages": [
            {
                "id": s.id,
                "due_at": s.due_at.isoformat() if s.due_at else None,
                "filed": deadline.filed.get(s.id),
                "satisfied": deadline.is_filed(s.id),
            }
            for s in deadline.stages
        ],
        "status": "open" if deadline.open else "filed",
        "escalation_id": deadline.escalation_id,
        "reminders_sent": sorted(deadline.reminded),
        "tier_history": list(history),
    }


def report_name(regime: str, stage: str) -> str:
    """E.g. "EU-AI-ACT-ART73 initial report", "EU-GDPR-ART33 report"."""
    return f"{regime} report" if stage == "report" else f"{regime} {stage} report"


def _tier_json(tier: rules.Tier) -> dict[str, Any]:
    return {"id": tier.id, "days": tier.days, "reason": tier.reason}


def _stages_json(stages: Iterable[rules.Stage]) -> list[dict[str, Any]]:
    return [{"id": s.id, "due_at": s.due_at.isoformat() if s.due_at else None} for s in stages]


class Deadlines:
    def __init__(
        self, escalations: Escalations, *, rules: list[dict[str, Any]] | None = None
    ) -> None:
        self._e = escalations
        self.rules = rules if rules is not None else jurisdiction_rules()

    @property
    def state(self):
        return self._e.state

    def _event(self, type_: str, key: str, payload: dict[str, Any]) -> Envelope:
        return Envelope(type=type_, key=key, producer="notifier", payload=payload)

    def _rule(self, regime: str) -> Mapping[str, Any]:
        return next(r for r in self.rules if r["id"] == regime)

    # --- from the registry's events -----------------------------------------------------

    def opened(self, p: Mapping[str, Any], title: str) -> list[Envelope]:
        """``deadline.opened`` for each rule that binds the registered incident and has no
        record yet."""
        start = rules.aware_at(p)
        events = []
        for rule in rules.binding_rules(self.rules, p):
            if self.state.deadline_for(p["incident_id"], rule["id"]) is not None:
                continue
            tier = rules.pick_tier(rule, p)
            events.append(
                self._event(
                    "deadline.opened",
                    p["incident_id"],
                    {
                        "deadline_id": new_id(),
                        "incident_id": p["incident_id"],
                        "incident": incident_brief(p, title),
                        "regime": rule["id"],
                        "tier": _tier_json(tier),
                        "starts_at": start.isoformat(),
                        "stages": _stages_json(rules.stages(rule, start, tier)),
                        "at": self._e.clock.now().isoformat(),
                    },
                )
            )
        return events

    # --- a risk owner's acts ------------------------------------------------------------

    def set_tier(self, deadline_id: str, tier_id: str, reason: str, by: dict[str, str]) -> Deadline:
        deadline = self._get(deadline_id)
        rule = self._rule(deadline.regime)
        tier = rules.set_tier(rule, tier_id, reason)  # KeyError: no such tier
        self._e.publish(
            self._event(
                "deadline.tier_set",
                deadline.incident["incident_id"],
                {
                    "deadline_id": deadline_id,
                    "incident_id": deadline.incident["incident_id"],
                    "tier": _tier_json(tier),
                    "stages": _stages_json(rules.stages(rule, deadline.starts_at, tier)),
                    "by": by,
                    "at": self._e.clock.now().isoformat(),
                },
            )
        )
        self._e.on_change()
        return self._get(deadline_id)

    def file(self, deadline_id: str, stage: str, by: dict[str, str]) -> Deadline:
        """Mark ``stage``'s report filed (a second time changes nothing); an escalation
        the deadline opened closes once nothing it waits for remains."""
        deadline = self._get(deadline_id)
        if stage not in {s.id for s in deadline.stages}:
            raise BadStage(stage)
        if stage in deadline.filed:
            return deadline
        incident_id = deadline.incident["incident_id"]
        now = self._e.clock.now().isoformat()
        events = [
            self._event(
                "deadline.filed",
                incident_id,
                {
                    "deadline_id": deadline_id,
                    "incident_id": incident_id,
                    "regime": deadline.regime,
                    "stage": stage,
                    "by": by,
                    "at": now,
                },
            )
        ]
        record = self.state.escalation(deadline.escalation_id or "")
        if record is not None and record.escalation.closed_at is None:
            events.append(
                self._event(
                    "escalation.closed",
                    incident_id,
                    {
                        "escalation_id": record.escalation.id,
                        "incident_id": incident_id,
                        "reason": f"{deadline.regime} {stage} report filed",
                        "at": now,
                    },
                )
            )
        self._e.publish(*events)
        self._e.on_change()
        return self._get(deadline_id)

    def _get(self, deadline_id: str) -> Deadline:
        deadline = self.state.deadline(deadline_id)
        if deadline is None:
            raise NotFound(deadline_id)
        return deadline

    # --- what falls due -----------------------------------------------------------------

    def tick(self, now: datetime) -> datetime | None:
        policy = self._e.policy.deadlines
        decision = next_actions(self.state.deadline_list(), now, policy)
        for action in decision.actions:
            if isinstance(action, Reminder):
                self._e.submit(action.key, lambda r=action: self._remind(r))
            else:
                self._escalate(action)
        return decision.wake_at

    def _escalate(self, action: Escalate) -> None:
        deadline = self._get(action.deadline_id)
        if deadline.escalation_id is not None:
            return
        incident = {
            **{k: deadline.incident.get(k) for k in ("incident_id", "event_type", "tlp", "url")},
            "title": f"{report_name(deadline.regime, action.stage)} due"
            f" {action.due_at.isoformat()}, not filed: {deadline.incident['title']}",
            "severity": self._e.policy.deadlines.escalate_as,
            "harm_domains": list(deadline.incident.get("harm_domains") or []),
        }
        self._e.publish(
            self._event(
                "escalation.opened",
                deadline.incident["incident_id"],
                {
                    "escalation_id": new_id(),
                    "incident_id": deadline.incident["incident_id"],
                    "incident": incident,
                    "deadline_id": deadline.id,
                    "at": self._e.clock.now().isoformat(),
                },
            )
        )
        self._e.on_change()

    def _remind(self, reminder: Reminder) -> None:
        deadline = self._get(reminder.deadline_id)
        if reminder.key in deadline.reminded or deadline.is_filed(reminder.stage):
            return  # sent, or filed, while this waited in the dispatcher's queue
        policy = self._e.policy.deadlines
        now = self._e.clock.now()
        people = self._e.roster_ids(policy.notify, now)
        incident = deadline.incident
        hours = reminder.before.total_seconds() / 3600
        message = Message(
            action="reminder",
            dedup_key=reminder.key,
            escalation_id=None,
            summary=f"{report_name(deadline.regime, reminder.stage)} due"
            f" {reminder.due_at.isoformat()} (in {hours:g} h): {incident['title']}",
            severity=incident.get("severity"),
            incidents=(brief(incident),),
            recipients=self._e.recipients(None, people),
        )
        deliveries = self._e.deliver(
            message,
            expand(policy.channels, self._e.channels),
            incident_id=incident["incident_id"],
        )
        if any(not d.ok and d.retryable for d in deliveries):
            # Stays due: the timers look again once a retry may succeed.
            self._e.on_change(now + self._e.policy.retry_failed_after)
            return
        self._e.publish(
            self._event(
                "deadline.reminded",
                incident["incident_id"],
                {
                    "deadline_id": deadline.id,
                    "incident_id": incident["incident_id"],
                    "stage": reminder.stage,
                    "key": reminder.key,
                    "recipients": list(people),
                    "at": now.isoformat(),
                },
            )
        )
        self._e.on_change()
