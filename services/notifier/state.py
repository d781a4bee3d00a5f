"""The notifier's state, rebuilt from its own events: schedules, escalations with every
step and delivery, acknowledgements, digests; and from the registry's events what the
notifier follows but does not decide (risk review dates, incident owners).

``apply`` is the only writer, the same at start-up (replaying ``notifier-events``) and
live (each event the notifier publishes is applied once it is on the bus), and applying
an event twice changes nothing. ``engine_state`` hands the pure engine its view.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.notifier.deadlines.engine import Deadline
from services.notifier.deadlines.rules import Stage, Tier
from services.notifier.exercises import service as exercises
from services.notifier.oncall.models import Schedule
from services.notifier.oncall.schemas import from_json
from services.notifier.policies.engine import DigestItem, Escalation, State
from shared.bus.interfaces import Record
from shared.envelope import Envelope, InvalidMessage, decode
from shared.errors import Unavailable

log = logging.getLogger(__name__)


@dataclass
class EscalationRecord:
    """What ``GET /v1/escalations/<id>`` shows: the engine's view plus the history."""

    escalation: Escalation
    digest: str | None = None
    acknowledged_by: dict[str, str] | None = None
    close_reason: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    recipients: set[str] = field(default_factory=set)  # everyone paged so far

    @property
    def status(self) -> str:
        e = self.escalation
        if e.closed_at:
            return "closed"
        if e.acknowledged_at:
            return "acknowledged"
        return "open"

    def to_json(self) -> dict[str, Any]:
        e = self.escalation
        return {
            "id": e.id,
            "incident_id": e.incident["incident_id"],
            "incident": dict(e.incident),
            "status": self.status,
            "digest": self.digest,
            "opened_at": e.opened_at.isoformat(),
            "acknowledged": None
            if e.acknowledged_at is None
            else {"by": self.acknowledged_by, "at": e.acknowledged_at.isoformat()},
            "closed": None
            if e.closed_at is None
            else {"reason": self.close_reason, "at": e.closed_at.isoformat()},
            "steps": list(self.steps),
            "deliveries": list(self.deliveries),
        }


@dataclass(frozen=True)
class ScheduleRecord:
    schedule: Schedule
    body: dict[str, Any]
    created_by: dict[str, str]
    created_at: str


class NotifierState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Set once the topics are replayed: until then an empty state would say "nothing
        # pending" about escalations that are (a fault test saw it after a restart).
        self.restored = threading.Event()
        self.escalations: dict[str, EscalationRecord] = {}
        self.by_incident: dict[str, str] = {}
        self.schedules: dict[str, ScheduleRecord] = {}
        self.digest_items: dict[str, DigestItem] = {}
        self.digests_sent: set[str] = set()
        self.delivered: set[tuple[str, str]] = set()  # (dedup key, channel)
        self.deadlines: dict[str, Deadline] = {}
        self.deadline_history: dict[str, list[dict[str, Any]]] = {}  # tier changes
        self.exercises: dict[str, exercises.ExerciseRecord] = {}
        self.exercise_notices_sent: set[str] = set()
        self.risk_reviews: dict[str, dict[str, Any]] = {}  # risk id -> its latest version
        self.incident_owners: dict[str, dict[str, str]] = {}
        self.incident_history: dict[str, dict[str, Any]] = {}  # for the exercise triggers

    def ready(self) -> None:
        """Raise ``Unavailable`` until the state is restored from the topics (``/readyz``)."""
        if not self.restored.is_set():
            raise Unavailable("the notifier's state is not restored from the bus yet")

    # --- writing ---------------------------------------------------------------------

    def restore(self, records: Iterable[Record]) -> int:
        """Apply every readable event of the notifier's topic; returns how many."""
        count = 0
        for record in records:
            try:
                event = decode(record.value)
            except InvalidMessage as exc:
                log.warning("skipping unreadable notifier event at %d: %s", record.offset, exc)
                continue
            self.apply(event)
            count += 1
        return count

    def apply(self, event: Envelope) -> None:
        handler = getattr(self, "_" + event.type.replace(".", "_"), None)
        if handler is not None:
            with self._lock:
                handler(event.payload)

    def _schedule_created(self, p: dict[str, Any]) -> None:
        self.schedules.setdefault(
            p["schedule_id"],
            ScheduleRecord(
                from_json(p["schedule_id"], p["schedule"]), p["schedule"], p["created_by"], p["at"]
            ),
        )

    def _escalation_opened(self, p: dict[str, Any]) -> None:
        deadline = self.deadlines.get(p.get("deadline_id") or "")
        if p.get("deadline_id"):
            # A deadline's escalation: one per deadline, beside the incident's own.
            if deadline is None or deadline.escalation_id is not None:
                return
            self.deadlines[deadline.id] = replace(deadline, escalation_id=p["escalation_id"])
        elif p["incident_id"] in self.by_incident:
            return
        opened = datetime.fromisoformat(p["at"])
        escalation = Escalation(id=p["escalation_id"], incident=p["incident"], opened_at=opened)
        self.escalations[escalation.id] = EscalationRecord(escalation, digest=p.get("digest"))
        if deadline is None:
            self.by_incident[p["incident_id"]] = escalation.id
        if p.get("digest"):
            self.digest_items[escalation.id] = DigestItem(p["incident"], p["digest"], opened)

    def _escalation_step(self, p: dict[str, Any]) -> None:
        record = self.escalations.get(p["escalation_id"])
        if record is None or any(
            s["key"] == p["key"] and s["outcome"] == "sent" for s in record.steps
        ):
            return
        e, at = record.escalation, datetime.fromisoformat(p["at"])
        if p["outcome"] == "sent":
            record.escalation = replace(e, sent=e.sent | {p["key"]})
            record.recipients |= set(p["recipients"])
        else:
            record.escalation = replace(e, failed={**e.failed, p["key"]: at})
        record.steps.append(
            {k: p[k] for k in ("key", "step", "round", "recipients", "outcome", "at")}
        )

    def _notification_sent(self, p: dict[str, Any]) -> None:
        self._delivery(p, ok=True)

    def _notification_failed(self, p: dict[str, Any]) -> None:
        self._delivery(p, ok=False)

    def _delivery(self, p: dict[str, Any], *, ok: bool) -> None:
        if ok:
            self.delivered.add((p["dedup_key"], p["channel"]))
        record = self.escalations.get(p.get("escalation_id") or "")
        if record is not None:
            record.deliveries.append(
                {
                    "dedup_key": p["dedup_key"],
                    "action": p.get("action", "trigger"),
                    "channel": p["channel"],
                    "target": p["target"],
                    "attempts": p["attempts"],
                    "ok": ok,
                    "error": p.get("error"),
                    "at": p.get("sent_at") or p.get("failed_at"),
                }
            )

    def _escalation_acknowledged(self, p: dict[str, Any]) -> None:
        record = self.escalations.get(p["escalation_id"])
        if record is None or record.escalation.acknowledged_at or record.escalation.closed_at:
            return
        at = datetime.fromisoformat(p["at"])
        record.escalation = replace(record.escalation, acknowledged_at=at)
        record.acknowledged_by = p["by"]
        self.digest_items.pop(record.escalation.id, None)

    def _escalation_closed(self, p: dict[str, Any]) -> None:
        record = self.escalations.get(p["escalation_id"])
        if record is None or record.escalation.closed_at:
            return
        record.escalation = replace(record.escalation, closed_at=datetime.fromisoformat(p["at"]))
        record.close_reason = p["reason"]
        self.digest_items.pop(record.escalation.id, None)

    def _deadline_opened(self, p: dict[str, Any]) -> None:
        if p["deadline_id"] in self.deadlines or self.deadline_for(p["incident_id"], p["regime"]):
            return
        self.deadlines[p["deadline_id"]] = Deadline(
            id=p["deadline_id"],
            incident=p["incident"],
            regime=p["regime"],
            tier=Tier(**p["tier"]),
            starts_at=datetime.fromisoformat(p["starts_at"]),
            stages=_stages(p["stages"]),
        )
        self.deadline_history[p["deadline_id"]] = [{"tier": p["tier"], "by": None, "at": p["at"]}]

    def _deadline_tier_set(self, p: dict[str, Any]) -> None:
        deadline = self.deadlines.get(p["deadline_id"])
        history = self.deadline_history.get(p["deadline_id"], [])
        if deadline is None or any(h["at"] == p["at"] and h["by"] == p["by"] for h in history):
            return
        self.deadlines[deadline.id] = replace(
            deadline, tier=Tier(**p["tier"]), stages=_stages(p["stages"])
        )
        history.append({"tier": p["tier"], "by": p["by"], "at": p["at"]})

    def _deadline_reminded(self, p: dict[str, Any]) -> None:
        deadline = self.deadlines.get(p["deadline_id"])
        if deadline is not None:
            self.deadlines[deadline.id] = replace(deadline, reminded=deadline.reminded | {p["key"]})

    def _deadline_filed(self, p: dict[str, Any]) -> None:
        deadline = self.deadlines.get(p["deadline_id"])
        if deadline is None or p["stage"] in deadline.filed:
            return
        filed = {**deadline.filed, p["stage"]: {"by": p["by"], "at": p["at"]}}
        self.deadlines[deadline.id] = replace(deadline, filed=filed)

    def _exercise_proposed(self, p: dict[str, Any]) -> None:
        exercises.apply_proposed(self.exercises, p)

    def _exercise_scheduled(self, p: dict[str, Any]) -> None:
        exercises.apply_scheduled(self.exercises, p)

    def _exercise_after_action_filed(self, p: dict[str, Any]) -> None:
        exercises.apply_after_action(self.exercises, p)

    def _exercise_notified(self, p: dict[str, Any]) -> None:
        exercises.apply_notified(self.exercise_notices_sent, p)

    def _exercise_cancelled(self, p: dict[str, Any]) -> None:
        exercises.apply_cancelled(self.exercises, p)

    # The registry's events (replayed from registry-events at start-up).

    def _risk_created(self, p: dict[str, Any]) -> None:
        self._risk(p)

    def _risk_updated(self, p: dict[str, Any]) -> None:
        self._risk(p)

    def _risk(self, p: dict[str, Any]) -> None:
        known = self.risk_reviews.get(p["risk_id"])
        if known is None or p["version"] > known["version"]:
            self.risk_reviews[p["risk_id"]] = {**p["risk"], "version": p["version"]}

    def _incident_registered(self, p: dict[str, Any]) -> None:
        # A dataset import is history, not a cluster happening now.
        if p.get("channel") != "bulk":
            self.incident_history.setdefault(p["incident_id"], exercises.history_entry(p))

    def _incident_assigned(self, p: dict[str, Any]) -> None:
        self.incident_owners[p["incident_id"]] = p["owner"]

    def _digest_sent(self, p: dict[str, Any]) -> None:
        self.digests_sent.add(p["period"])
        for escalation_id in [
            k
            for k, item in self.digest_items.items()
            if item.incident["incident_id"] in p["incident_ids"]
        ]:
            del self.digest_items[escalation_id]

    # --- reading ---------------------------------------------------------------------

    def engine_state(self) -> State:
        with self._lock:
            return State(
                escalations={k: r.escalation for k, r in self.escalations.items()},
                digest_items=tuple(self.digest_items.values()),
                digests_sent=frozenset(self.digests_sent),
            )

    def escalation(self, escalation_id: str) -> EscalationRecord | None:
        with self._lock:
            return self.escalations.get(escalation_id)

    def escalation_for(self, incident_id: str) -> EscalationRecord | None:
        with self._lock:
            escalation_id = self.by_incident.get(incident_id)
            return self.escalations.get(escalation_id) if escalation_id else None

    def list_escalations(
        self, *, incident_id: str | None = None, recipient: str | None = None
    ) -> list[EscalationRecord]:
        with self._lock:
            records = list(self.escalations.values())
        if incident_id is not None:
            records = [r for r in records if r.escalation.incident["incident_id"] == incident_id]
        if recipient is not None:
            records = [r for r in records if recipient in r.recipients]
        return sorted(records, key=lambda r: r.escalation.opened_at, reverse=True)

    def deadline(self, deadline_id: str) -> Deadline | None:
        with self._lock:
            return self.deadlines.get(deadline_id)

    def deadline_for(self, incident_id: str, regime: str) -> Deadline | None:
        return next(
            (
                d
                for d in self.deadlines.values()
                if d.incident["incident_id"] == incident_id and d.regime == regime
            ),
            None,
        )

    def deadline_list(self) -> list[Deadline]:
        with self._lock:
            return sorted(self.deadlines.values(), key=lambda d: (d.starts_at, d.id))

    def exercise(self, exercise_id: str) -> exercises.ExerciseRecord | None:
        with self._lock:
            return self.exercises.get(exercise_id)

    def exercise_notices(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self.exercise_notices_sent)

    def exercise_list(self) -> list[exercises.ExerciseRecord]:
        with self._lock:
            return sorted(self.exercises.values(), key=lambda r: (r.proposed_at, r.id))

    def risk_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(self.risk_reviews.values(), key=lambda r: r["id"])

    def incident_history_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.incident_history.values())

    def owners_of(self, incident_ids: Iterable[str]) -> list[str]:
        """The owners' person ids of ``incident_ids``, each once, in order."""
        with self._lock:
            found = [self.incident_owners.get(i) for i in incident_ids]
        return list(dict.fromkeys(o["id"] for o in found if o))

    def schedule_list(self) -> list[ScheduleRecord]:
        with self._lock:
            return sorted(self.schedules.values(), key=lambda s: s.created_at)


def _stages(stages: list[dict[str, Any]]) -> tuple[Stage, ...]:
    return tuple(
        Stage(s["id"], datetime.fromisoformat(s["due_at"]) if s["due_at"] else None) for s in stages
    )
