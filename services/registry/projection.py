"""Applying envelopes to the store: the part of each consumer that a rebuild replays.

``apply_reports`` and ``apply_decisions`` write only to the store (nothing is published),
so replaying the ``reports`` topic, then ``registry-events`` (these and the register's,
risk_register.apply_risk_events) and ``notifier-events`` (apply_notifier_events) through
them into an empty store gives the live registry's state: reports are created once and
never overwritten, and each decision applies once, on top of the version before it
(decisions.apply).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from services.registry import decisions
from services.registry.store.interfaces import Conflict, Incident, IncidentStore, StoreUnavailable
from shared.envelope import Envelope

REPORT_ACCEPTED = "report.accepted"
# How often a decision is re-read and re-applied when the document changed meanwhile.
CONFLICT_RETRIES = 5


def apply_reports(store: IncidentStore, envelopes: Iterable[Envelope]) -> list[Incident]:
    """Create the incident of every accepted report not in the store yet; an incident
    that exists keeps its decisions. Returns each report's incident as registered."""
    incidents = [
        decisions.registered(e.payload["report"]) for e in envelopes if e.type == REPORT_ACCEPTED
    ]
    store.create(incidents)
    return incidents


def apply_decision(store: IncidentStore, event: Envelope) -> Incident | None:
    """Fold one decision into its incident; None when it was applied already, or when
    the incident is unknown here."""
    return _update(store, event, decisions.apply)


def _update(
    store: IncidentStore,
    event: Envelope,
    fold: Callable[[Incident, Envelope], Incident | None],
    incident_id: str | None = None,
) -> Incident | None:
    """``fold`` the event into its incident (``incident_id``, else the payload's), with
    compare-and-set, re-read on a conflict."""
    incident_id = incident_id or event.payload["incident_id"]
    for _ in range(CONFLICT_RETRIES):
        stored = store.fetch(incident_id)
        if stored is None:
            return None
        changed = fold(stored.doc, event)
        if changed is None:
            return None
        try:
            store.replace(changed, revision=stored.revision)
        except Conflict:
            continue
        return changed
    # Busy, not wrong: the consumer runner retries the batch after a backoff.
    raise StoreUnavailable(f"incident {incident_id} kept changing; try again")


def apply_decisions(store: IncidentStore, envelopes: Iterable[Envelope]) -> None:
    for event in envelopes:
        if event.type in decisions.DECISION_TYPES:
            apply_decision(store, event)


def apply_notifier_events(store: IncidentStore, envelopes: Iterable[Envelope]) -> None:
    """The notifier's acknowledgements, filed regulatory reports and exercises into the
    incidents' timelines (the handler of the registry's consumer of ``notifier-events``; other types
    are ignored)."""
    for event in envelopes:
        if event.type == decisions.EXERCISE_PROPOSED:
            for incident_id in event.payload["incident_ids"]:  # shown on each it draws on
                _update(store, event, decisions.noted, incident_id)
        elif event.type in decisions.NOTED:
            _update(store, event, decisions.noted)
