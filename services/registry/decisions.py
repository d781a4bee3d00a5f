"""The incident as a fold of its events: a registered report, then each decision.

Pure: ``registered`` makes the first version of an incident from a report, ``apply``
folds one decision event into it. The live write path (service.py), the consumers
(projection.py) and a rebuild all go through ``apply``, so they cannot disagree.

Each decision carries the version it makes (the incident's ETag): it is applied only on
top of the version before it, so a redelivered or replayed event changes nothing, and a
replayed report never touches an incident that exists (projection.py).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

from services.registry.triage import initial_status
from shared.envelope import Envelope

log = logging.getLogger(__name__)

Incident = dict[str, Any]
FIRST_VERSION = 1
REGISTERED = "incident.registered"
# States that mean nobody has triaged the incident yet.
UNTRIAGED = frozenset({"new", "needs-verification"})


def registered(report: Mapping[str, Any]) -> Incident:
    """A new incident from ``report``: its initial status, version 1, the first entry."""
    status = initial_status(report)
    incident = {**report, "status": status, "version": FIRST_VERSION}
    incident["timeline"] = [
        {
            "type": REGISTERED,
            "at": report["received_at"],
            "version": FIRST_VERSION,
            "visibility": "public",
            "actor": None,
            "to": status,
        }
    ]
    return incident


def version(incident: Mapping[str, Any]) -> int:
    """The incident's version; a document stored before versions existed is the first."""
    return incident.get("version", FIRST_VERSION)


# Between the registry and the reporting lab by nature; other decisions without a
# visibility of their own (owner, links) are the risk owners' and coordinators'.
_TO_THE_LAB = frozenset({"incident.information_requested", "incident.information_provided"})


def entry(event: Envelope) -> dict[str, Any]:
    """The timeline entry of a decision event: its type and payload, as recorded, and who
    may read it (``visibility``)."""
    visibility = "public" if event.type in _TO_THE_LAB else "confidential"
    return {"type": event.type, "event_id": event.id, "visibility": visibility, **event.payload}


def _transition(incident: Incident, to: str, at: str) -> None:
    if incident["status"] in UNTRIAGED and to not in UNTRIAGED:
        incident.setdefault("triaged_at", at)
    incident["status"] = to


def _requests(incident: Incident) -> list[dict[str, Any]]:
    return incident.setdefault("information_requests", [])


def _fold(incident: Incident, event: Envelope) -> None:
    p = event.payload
    if event.type == "incident.transitioned":
        _transition(incident, p["to"], p["at"])
    elif event.type == "incident.assigned":
        incident["owner"] = p["owner"]
    elif event.type == "incident.severity_rerated":
        incident["severity"] = p["to"]
    elif event.type == "incident.linked":
        link = {"id": p["linked_id"], "relation": p["relation"]}
        if link not in incident.setdefault("links", []):
            incident["links"].append(link)
    elif event.type == "incident.merged":
        incident["duplicate_of"] = p["original_id"]
        _transition(incident, "duplicate", p["at"])
    elif event.type == "incident.information_requested":
        _requests(incident).append(
            {
                "request_id": p["request_id"],
                "question": p["question"],
                "asked_at": p["at"],
                "asked_by": p["actor"],
                "from": p["from"],
            }
        )
        _transition(incident, "needs-information", p["at"])
    elif event.type == "incident.information_provided":
        for request in _requests(incident):
            if request["request_id"] == p["request_id"]:
                request.update(answer=p["answer"], answered_at=p["at"], answered_by=p["actor"])
        incident["status"] = p["to"]
    # The first public word from the registry to the lab, for the service levels.
    if event.type != "incident.information_provided" and entry(event)["visibility"] == "public":
        incident.setdefault("first_answer_at", p["at"])


def apply(incident: Incident, event: Envelope) -> Incident | None:
    """``incident`` with ``event`` folded in, or None when the event does not apply: it was
    applied already (a redelivery or replay) or belongs after a version we lack."""
    makes, current = event.payload["version"], version(incident)
    if makes != current + 1:
        if makes > current + 1:
            log.warning(
                "incident %s is at version %d; %s %s makes version %d: skipped",
                incident["id"], current, event.type, event.id, makes,
            )  # fmt: skip
        return None
    changed = copy.deepcopy(incident)
    _fold(changed, event)
    changed["version"] = makes
    changed.setdefault("timeline", []).append(entry(event))
    return changed


ACKNOWLEDGED = "escalation.acknowledged"
DEADLINE_FILED = "deadline.filed"
EXERCISE_PROPOSED = "exercise.proposed"
# The notifier's events an incident's timeline shows, and what each entry keeps of them.
NOTED = {
    ACKNOWLEDGED: ("escalation_id",),
    DEADLINE_FILED: ("deadline_id", "regime", "stage"),
    EXERCISE_PROPOSED: ("exercise_id", "title"),
}


def noted(incident: Incident, event: Envelope) -> Incident | None:
    """``incident`` with an event from elsewhere (the notifier's acknowledgement, a
    regulatory report marked filed, an exercise drawn from it) in its timeline, for risk
    owners and coordinators; not a decision, so not a new version. None if it is there
    already."""
    if any(e.get("event_id") == event.id for e in incident.get("timeline", ())):
        return None
    p = event.payload
    changed = copy.deepcopy(incident)
    by = p["organizer"] if event.type == EXERCISE_PROPOSED else p["by"]
    changed.setdefault("timeline", []).append(
        {
            "type": event.type,
            "event_id": event.id,
            **{k: p[k] for k in NOTED[event.type]},
            "actor": {**by, "organization": None},
            "at": p["at"],
            "version": version(incident),
            "visibility": "confidential",
        }
    )
    return changed


DECISION_TYPES = frozenset(
    {
        "incident.transitioned",
        "incident.assigned",
        "incident.severity_rerated",
        "incident.linked",
        "incident.merged",
        "incident.information_requested",
        "incident.information_provided",
    }
)
