"""Intake's handler for registry events: where each lab's report went after intake, and
what the registry decided and asked, as far as the lab may read it.

At least once and idempotent: a status is recorded the first time a report reaches it, a
decision once per incident version, a question once per request. A confidential
rationale never reaches intake: the decision is kept as the status it moved to, without
its reason.
"""

from __future__ import annotations

from services.intake.outbox import Decision, Outbox, Question, StatusChange
from shared.envelope import Envelope


def decision(event: Envelope) -> Decision | None:
    """The decision as the reporting lab reads it, or None for one it is not shown."""
    p = event.payload
    public = p.get("visibility") == "public"
    if event.type == "incident.transitioned":
        return Decision(p["version"], p["to"], p["at"], p["rationale"] if public else None)
    if event.type == "incident.merged":
        return Decision(p["version"], "duplicate", p["at"], p["rationale"] if public else None)
    if event.type == "incident.information_requested":
        return Decision(p["version"], "needs-information", p["at"], p["question"])
    if event.type == "incident.information_provided":
        return Decision(p["version"], p["to"], p["at"])
    return None


def question(event: Envelope) -> Question | None:
    p = event.payload
    if event.type == "incident.information_requested":
        return Question(p["request_id"], p["question"], p["at"])
    if event.type == "incident.information_provided":
        # Asked and answered: the question is known already; the answer is recorded.
        return Question(p["request_id"], "", p["at"], p["answer"], p["at"])
    return None


class RegistryStatusProjection:
    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def __call__(self, envelopes: list[Envelope]) -> None:
        changes = [
            (
                event.payload["incident_id"],
                StatusChange("registered", event.payload["registered_at"]),
            )
            for event in envelopes
            if event.type == "incident.registered"
        ]
        if changes:
            self._outbox.record_statuses(changes)
        decisions = [(e.payload["incident_id"], d) for e in envelopes if (d := decision(e))]
        if decisions:
            self._outbox.record_decisions(decisions)
        questions = [(e.payload["incident_id"], q) for e in envelopes if (q := question(e))]
        if questions:
            self._outbox.record_questions(questions)
