"""Tabletop exercises at work: proposed (by a coordinator, with a scenario drawn from
the incidents the notifier knows), scheduled into the earliest slot that suits everyone
(or a time given), rescheduled (SEQUENCE bumped), cancelled (METHOD:CANCEL); reminded
24 h and 1 h before, and followed up for the after-action report. Each change
is an event on ``notifier-events``; each invitation goes out on the configured channels
(e-mail with a text/calendar part, the webhook with the calendar in its body), keyed by
exercise and sequence so a retry never invites twice."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from services.notifier.channels.configured import expand
from services.notifier.channels.interfaces import Message
from services.notifier.exercises import ical
from services.notifier.exercises.reminders import FOLLOW_UP, Notice, due_notices
from services.notifier.exercises.scenario import scenario
from services.notifier.exercises.schemas import from_person
from services.notifier.exercises.slots import find_slots
from services.notifier.exercises.triggers import (
    Incident,
    Proposed,
    due_triggers,
    load_policy,
    next_cadence,
)
from services.notifier.oncall.ical import Entry
from services.notifier.policies.models import Target
from shared.envelope import Envelope, new_id

if TYPE_CHECKING:
    from services.notifier.escalations import Escalations

log = logging.getLogger(__name__)

LEAD_TIME = timedelta(hours=72)
HORIZON = timedelta(days=21)
CHANNELS = ("default", "email")
REVIEW_TIME = time(9)
REVIEW_LENGTH = timedelta(minutes=30)


class NotFound(LookupError):
    pass


class Cancelled(Exception):
    pass


class NoSlot(Exception):
    pass


class AlreadyFiled(Exception):
    pass


@dataclass
class ExerciseRecord:
    id: str
    title: str
    trigger: dict[str, Any]
    incident_ids: list[str]
    participants: list[str]
    organizer: dict[str, str]
    duration_minutes: int
    scenario: dict[str, Any]
    proposed_at: str
    start: datetime | None = None
    end: datetime | None = None
    time_zone: str | None = None
    sequence: int = -1  # -1: never scheduled
    cancelled_at: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    after_action: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        if self.cancelled_at:
            return "cancelled"
        return "scheduled" if self.start else "proposed"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "trigger": self.trigger,
            "incident_ids": self.incident_ids,
            "participants": self.participants,
            "organizer": self.organizer,
            "duration_minutes": self.duration_minutes,
            "scenario": self.scenario,
            "proposed_at": self.proposed_at,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "time_zone": self.time_zone,
            "sequence": max(self.sequence, 0),
            "history": list(self.history),
            "after_action": self.after_action,
        }


def exercise_entries(
    records: Iterable[ExerciseRecord], person_id: str, start: datetime, end: datetime
) -> list[Entry]:
    """Calendar entries for ``person_id``'s scheduled exercises between ``start`` and
    ``end`` (the invitation's UID, so a client merges the two)."""
    return [
        Entry(
            uid=f"{r.id}@accord-notifier",
            start=r.start,
            end=r.end,
            summary=f"Tabletop exercise: {r.title}",
            description=_description(r.scenario),
        )
        for r in records
        if r.status == "scheduled" and person_id in r.participants and start <= r.start <= end
    ]


def history_entry(p: dict[str, Any]) -> dict[str, Any]:
    """What the cluster and cadence triggers (and the scenario) need of a registered
    incident. No resolution: the critical-resolved trigger is decided on the event."""
    return {
        "id": p["incident_id"],
        "title": p["title"],
        "tlp": p["tlp"],
        "severity": p["severity"],
        "harm_domains": list(p.get("harm_domains") or []),
        "registered_at": p["registered_at"],
    }


def review_entries(
    risks: Iterable[dict[str, Any]], person_id: str, zone: str, start: datetime, end: datetime
) -> list[Entry]:
    """Calendar entries for the next review of each risk ``person_id`` owns, on its
    review day at the start of their working day (``zone``)."""
    entries = []
    for risk in risks:
        if risk.get("owner") != person_id or not risk.get("next_review"):
            continue
        at = datetime.combine(
            date.fromisoformat(risk["next_review"]), REVIEW_TIME, tzinfo=ZoneInfo(zone)
        )
        if start <= at <= end:
            entries.append(
                Entry(
                    uid=f"{risk['id']}-review-{risk['next_review']}@accord-notifier",
                    start=at,
                    end=at + REVIEW_LENGTH,
                    summary=f"Risk review: {risk['title']}",
                    description=f"The next review of risk {risk['id']} in the risk register.",
                )
            )
    return entries


def apply_proposed(exercises: dict[str, ExerciseRecord], p: dict[str, Any]) -> None:
    exercises.setdefault(
        p["exercise_id"],
        ExerciseRecord(
            id=p["exercise_id"],
            title=p["title"],
            trigger=p["trigger"],
            incident_ids=list(p["incident_ids"]),
            participants=list(p["participants"]),
            organizer=p["organizer"],
            duration_minutes=p["duration_minutes"],
            scenario=p["scenario"],
            proposed_at=p["at"],
        ),
    )


def apply_scheduled(exercises: dict[str, ExerciseRecord], p: dict[str, Any]) -> None:
    record = exercises.get(p["exercise_id"])
    if record is None or record.cancelled_at or p["sequence"] <= record.sequence:
        return
    record.start = datetime.fromisoformat(p["start"])
    record.end = datetime.fromisoformat(p["end"])
    record.time_zone = p["time_zone"]
    record.sequence = p["sequence"]
    record.history.append({"action": "scheduled", **{k: p[k] for k in ("start", "by", "at")}})


def apply_after_action(exercises: dict[str, ExerciseRecord], p: dict[str, Any]) -> None:
    record = exercises.get(p["exercise_id"])
    if record is not None and record.after_action is None:
        record.after_action = {k: p[k] for k in ("went_well", "gaps", "actions", "by", "at")}


def apply_notified(sent: set[str], p: dict[str, Any]) -> None:
    sent.add(p["key"])


def apply_cancelled(exercises: dict[str, ExerciseRecord], p: dict[str, Any]) -> None:
    record = exercises.get(p["exercise_id"])
    if record is None or record.cancelled_at:
        return
    record.cancelled_at = p["at"]
    record.sequence = p["sequence"]
    record.history.append({"action": "cancelled", "by": p["by"], "at": p["at"]})


class Exercises:
    def __init__(self, escalations: Escalations) -> None:
        self._e = escalations

    def _event(self, type_: str, key: str, payload: dict[str, Any]) -> Envelope:
        return Envelope(type=type_, key=key, producer="notifier", payload=payload)

    def get(self, exercise_id: str) -> ExerciseRecord:
        record = self._e.state.exercise(exercise_id)
        if record is None:
            raise NotFound(exercise_id)
        return record

    def propose(
        self,
        *,
        title: str,
        participants: list[str],
        duration_minutes: int,
        incident_ids: list[str],
        scenario: dict[str, Any],
        organizer: dict[str, str],
    ) -> ExerciseRecord:
        """An exercise a coordinator starts by hand."""
        exercise_id = new_id()
        trigger = {"key": f"manual:{exercise_id}", "reason": "by a coordinator"}
        self._e.publish(
            self._proposed(
                exercise_id, title, trigger, incident_ids, participants, organizer,
                duration_minutes, scenario,
            )
        )  # fmt: skip
        return self.get(exercise_id)

    def on_resolved(self, incident_id: str) -> list[Envelope]:
        """``exercise.proposed`` when the policy wants an exercise after a critical
        incident is resolved and none was proposed for it yet (the registry's
        ``incident.transitioned``; the consumer publishes it)."""
        policy = load_policy()
        key = f"resolved:{incident_id}"
        record = self._e.state.escalation_for(incident_id)
        if (
            not policy["triggers"].get("critical_resolved")
            or record is None
            or record.escalation.incident.get("severity") != "critical"
            or self._taken(key)
        ):
            return []
        incident = dict(record.escalation.incident)
        drawn = {"id": incident_id, "title": incident["title"], "tlp": incident.get("tlp"),
                 "harm_domains": incident.get("harm_domains") or [], "timeline": []}  # fmt: skip
        trigger = {"key": key, "reason": "a critical incident was resolved"}
        event = self._by_policy(policy, f"After: {incident['title']}", trigger, [drawn])
        return [event] if event else []

    def propose_due(self, policy: dict[str, Any], now: datetime) -> None:
        """Propose what the cluster and cadence triggers find due in the incident history
        (the registry's ``incident.registered``, replayed at start-up); each trigger key
        once, as its ``exercise.proposed`` is kept in the notifier's events."""
        history = {h["id"]: h for h in self._e.state.incident_history_list()}
        incidents = [
            Incident(h["id"], h["severity"], tuple(h["harm_domains"]),
                     datetime.fromisoformat(h["registered_at"]))
            for h in history.values()
        ]  # fmt: skip
        proposed = [
            Proposed(r.trigger["key"], r.trigger.get("harm_domain"), frozenset(r.incident_ids))
            for r in self._e.state.exercise_list()
        ]
        for found in due_triggers(policy, incidents, proposed, now):
            trigger = {"key": found.key, "reason": found.reason, "harm_domain": found.harm_domain}
            drawn = [{**history[i], "timeline": []} for i in found.incident_ids]
            title = found.reason[0].upper() + found.reason[1:]

            def propose(trigger=trigger, drawn=drawn, title=title) -> None:
                if not self._taken(trigger["key"]):  # a job queued twice
                    event = self._by_policy(policy, title, trigger, drawn)
                    if event is not None:
                        self._e.publish(event)

            self._e.submit(f"exercise-trigger:{found.key}", propose)

    def _taken(self, key: str) -> bool:
        return any(e.trigger["key"] == key for e in self._e.state.exercise_list())

    def _by_policy(
        self,
        policy: dict[str, Any],
        title: str,
        trigger: dict[str, Any],
        drawn: list[dict[str, Any]],
    ) -> Envelope | None:
        """An exercise a trigger proposes: the participants the policy names (roles, the
        on-call, the incidents' owners), organized by a coordinator (None without one)."""
        now = self._e.clock.now()
        wanted = policy["participants"]
        targets = [Target("role", role) for role in wanted.get("roles", ())]
        if wanted.get("oncall"):
            targets.append(Target("oncall", "primary"))
        participants = list(self._e.roster_ids(tuple(targets), now))
        incident_ids = [i["id"] for i in drawn]
        if wanted.get("incident_owners"):
            owners = self._e.state.owners_of(incident_ids)
            participants += [o for o in owners if o not in participants]
        coordinators = self._e.roster_ids((Target("role", "coordinator"),), now)
        if not coordinators:
            log.warning("no coordinator to organize the exercise for %s", trigger["key"])
            return None
        people = self._e.directory_people()
        organizer = {"id": coordinators[0], "name": people[coordinators[0]].name}
        return self._proposed(
            new_id(), title, trigger, incident_ids, participants, organizer,
            policy["planning"]["duration_minutes"], scenario(drawn, policy),
        )  # fmt: skip

    def _proposed(
        self,
        exercise_id: str,
        title: str,
        trigger: dict[str, str],
        incident_ids: list[str],
        participants: list[str],
        organizer: dict[str, str],
        duration_minutes: int,
        scenario: dict[str, Any],
    ) -> Envelope:
        return self._event(
            "exercise.proposed",
            exercise_id,
            {
                "exercise_id": exercise_id,
                "title": title,
                "trigger": trigger,
                "incident_ids": incident_ids,
                "participants": participants,
                "organizer": organizer,
                "duration_minutes": duration_minutes,
                "scenario": scenario,
                "at": self._e.clock.now().isoformat(),
            },
        )

    def schedule(
        self, exercise_id: str, start: datetime | None, by: dict[str, str]
    ) -> ExerciseRecord:
        """At ``start``, or the earliest slot that suits everyone; a second time is a
        reschedule (SEQUENCE + 1)."""
        record = self.get(exercise_id)
        if record.cancelled_at:
            raise Cancelled(exercise_id)
        length = timedelta(minutes=record.duration_minutes)
        people = self._e.directory_people()
        organizer_zone = getattr(people.get(record.organizer["id"]), "timezone", "UTC")
        if start is None:
            participants = [
                replace(from_person(pid, people[pid]), busy=self._busy(pid, exercise_id))
                for pid in record.participants
                if pid in people
            ]
            answer = find_slots(
                participants,
                length=length,
                earliest=self._e.clock.now() + LEAD_TIME,
                horizon=HORIZON,
                count=1,
            )
            if not answer.common:
                raise NoSlot(exercise_id)
            start = answer.slots[0].start
        sequence = record.sequence + 1
        payload = {
            "exercise_id": exercise_id,
            "start": start.isoformat(),
            "end": (start + length).isoformat(),
            "time_zone": organizer_zone,
            "sequence": sequence,
            "by": by,
            "at": self._e.clock.now().isoformat(),
        }
        self._e.publish(self._event("exercise.scheduled", exercise_id, payload))
        self._invite(self.get(exercise_id), ical.REQUEST)
        self._e.on_change()  # its reminders
        return self.get(exercise_id)

    def cancel(self, exercise_id: str, by: dict[str, str]) -> ExerciseRecord:
        record = self.get(exercise_id)
        if record.cancelled_at:
            return record
        payload = {
            "exercise_id": exercise_id,
            "sequence": record.sequence + 1,
            "by": by,
            "at": self._e.clock.now().isoformat(),
        }
        self._e.publish(self._event("exercise.cancelled", exercise_id, payload))
        if record.start is not None:
            self._invite(self.get(exercise_id), ical.CANCEL)
        return self.get(exercise_id)

    def file_after_action(
        self, exercise_id: str, report: dict[str, Any], by: dict[str, str]
    ) -> ExerciseRecord:
        """The after-action report, once (``AlreadyFiled`` after); its actions that name a
        risk become mitigations in the registry's risk register."""
        record = self.get(exercise_id)
        if record.after_action is not None:
            raise AlreadyFiled(exercise_id)
        payload = {
            "exercise_id": exercise_id,
            **{k: report[k] for k in ("went_well", "gaps", "actions")},
            "by": by,
            "at": self._e.clock.now().isoformat(),
        }
        self._e.publish(self._event("exercise.after_action_filed", exercise_id, payload))
        return self.get(exercise_id)

    # --- reminders and the follow-up ------------------------------------------------------

    def tick(self, now: datetime) -> datetime | None:
        policy = load_policy()
        self.propose_due(policy, now)
        notices, wake = due_notices(
            self._e.state.exercise_list(), self._e.state.exercise_notices(), now
        )
        for notice in notices:
            self._e.submit(notice.key, lambda n=notice: self._notify(n))
        cadence = next_cadence(policy, now)
        return min((w for w in (wake, cadence) if w is not None), default=None)

    def _notify(self, notice: Notice) -> None:
        record = self.get(notice.exercise_id)
        if notice.key in self._e.state.exercise_notices() or record.cancelled_at:
            return
        if notice.kind == FOLLOW_UP:
            summary = (
                f"Tabletop exercise {record.title} is over: please file the after-action"
                " report (what went well, gaps, actions)"
            )
        else:
            summary = f"Tabletop exercise {record.title} starts {record.start.isoformat()}"
        message = Message(
            action="reminder",
            dedup_key=notice.key,
            escalation_id=None,
            summary=summary,
            severity=None,
            incidents=(),
            recipients=self._e.recipients(None, tuple(record.participants)),
        )
        names = [n for n in expand(CHANNELS, self._e.channels) if n != "inbox"]
        deliveries = self._e.deliver(message, names, incident_id=None)
        if any(not d.ok and d.retryable for d in deliveries):
            self._e.on_change(self._e.clock.now() + self._e.policy.retry_failed_after)
            return
        self._e.publish(
            self._event(
                "exercise.notified",
                record.id,
                {
                    "exercise_id": record.id,
                    "kind": notice.kind,
                    "key": notice.key,
                    "at": self._e.clock.now().isoformat(),
                },
            )
        )

    def _busy(self, person_id: str, other_than: str) -> tuple[tuple[datetime, datetime], ...]:
        return tuple(
            (r.start, r.end)
            for r in self._e.state.exercise_list()
            if r.id != other_than and r.status == "scheduled" and person_id in r.participants
        )

    def calendar(self, record: ExerciseRecord, method: str) -> bytes:
        people = self._e.directory_people()

        def person(pid: str, name: str = "") -> ical.Person:
            found = people.get(pid)
            return ical.Person(found.name if found else name or pid, found.email if found else "")

        invite = ical.Invitation(
            uid=f"{record.id}@accord-notifier",
            sequence=max(record.sequence, 0),
            summary=f"Tabletop exercise: {record.title}",
            description=_description(record.scenario),
            start=record.start,
            end=record.end,
            time_zone=record.time_zone or "UTC",
            organizer=person(record.organizer["id"], record.organizer["name"]),
            attendees=tuple(p for p in (person(pid) for pid in record.participants) if p.email),
        )
        return ical.invitation(invite, method=method, stamp=self._e.clock.now())

    def _invite(self, record: ExerciseRecord, method: str) -> None:
        body = self.calendar(record, method).decode()
        verb = "Cancelled" if method == ical.CANCEL else "Invitation"
        message = Message(
            action="invitation",
            dedup_key=f"{record.id}/invitation/{record.sequence}",
            escalation_id=None,
            summary=f"{verb}: tabletop exercise {record.title}, {record.start.isoformat()}",
            severity=None,
            incidents=(),
            recipients=self._e.recipients(None, tuple(record.participants)),
            calendar=body,
            calendar_method=method,
        )
        # Not the on-call inbox: an invitation is for people's calendars.
        names = [n for n in expand(CHANNELS, self._e.channels) if n != "inbox"]
        self._e.submit(message.dedup_key, lambda: self._e.deliver(message, names, incident_id=None))


def _description(scenario: dict[str, Any]) -> str:
    lines = [f"- {i['title']}" for i in scenario.get("incidents", ())]
    lines += [f"Inject (+{i['at_hours']} h): {i['inject']}" for i in scenario.get("injects", ())]
    lines += [f"Question: {q}" for q in scenario.get("questions", ())]
    return "\n".join(lines)
