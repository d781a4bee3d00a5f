"""The registry's write path: every decision on an incident, for the API and the pages.

Each call reads the incident, checks who may decide and that the caller saw the current
version (``expected_version``, the ETag), lets the pure rules decide (triage.py), makes
the event, applies it to the store with compare-and-set (decisions.apply, the same fold
the consumers and a rebuild use), then publishes it (``commit``, which the risk register
shares). If publishing fails the store is put back, so nothing is half-written, and the
caller gets ``Unavailable`` (a 503). The event is journaled from before the store write
until it is published (journal.py), so a crash in between does not lose it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.registry import decisions, triage
from services.registry.access.rules import may_read
from services.registry.journal import Journal
from services.registry.projection import CONFLICT_RETRIES
from services.registry.store.interfaces import (
    Conflict,
    Incident,
    IncidentStore,
    Stored,
    StoreUnavailable,
)
from services.registry.triage import DecisionRefused
from shared.access import Viewer
from shared.bus.interfaces import Bus, Producer
from shared.clock import Clock
from shared.envelope import Envelope, encode, new_id
from shared.errors import Unavailable

PRODUCER = "registry"
log = logging.getLogger(__name__)


class NotFound(Exception):
    """No such incident, or not one this viewer may read (the same 404)."""


class Forbidden(Exception):
    """The viewer may read the incident but not take this decision."""


class Invalid(Exception):
    """A field names something that cannot be used (a 422 naming ``field``, a path such
    as ``incidents/0``)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class Stale(Exception):
    """The caller's version is not the incident's: they decided on an old page."""

    def __init__(self, current: int) -> None:
        super().__init__(f"The incident is at version {current} now; reload it and decide again.")
        self.current = current


def actor(viewer: Viewer) -> dict[str, Any]:
    return {"id": viewer.person_id, "name": viewer.name, "organization": viewer.organization_id}


class LazyProducer:
    """The bus producer, made on the first decision: the app starts while the bus is away."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._producer: Producer | None = None
        self._lock = threading.Lock()

    def get(self) -> Producer:
        with self._lock:
            if self._producer is None:
                self._producer = self._bus.producer()
            return self._producer


# Builds a decision from the incident as it stands: (event type, the decision's fields).
Decide = Callable[[Incident], tuple[str, dict[str, Any]]]


@dataclass
class Registry:
    store: IncidentStore
    producer: Callable[[], Producer]
    events_topic: str
    clock: Clock
    journal: Journal

    def _readable(self, viewer: Viewer, incident_id: str) -> Stored:
        stored = self.store.fetch(incident_id)
        if stored is None or not may_read(viewer, stored.doc):
            raise NotFound(f"No incident with id {incident_id}.")
        return stored

    def read(self, viewer: Viewer, incident_id: str) -> Incident:
        return self._readable(viewer, incident_id).doc

    def decide(
        self, viewer: Viewer, incident_id: str, expected_version: int, decide: Decide
    ) -> Incident:
        stored = self._readable(viewer, incident_id)
        if not triage.may_decide(viewer):
            raise Forbidden("Only risk owners and coordinators take decisions on incidents.")
        incident = stored.doc
        if decisions.version(incident) != expected_version:
            raise Stale(decisions.version(incident))
        event_type, fields = decide(incident)
        return self._commit(actor(viewer), stored, event_type, fields)

    def _commit(
        self,
        by: dict[str, Any],
        stored: Stored,
        event_type: str,
        fields: dict[str, Any],
        *,
        at: str | None = None,
    ) -> Incident:
        incident = stored.doc
        incident_id = incident["id"]
        event = Envelope(
            type=event_type,
            key=incident_id,
            producer=PRODUCER,
            payload={
                "incident_id": incident_id,
                "actor": by,
                "at": at or self.clock.now().isoformat(),
                "version": decisions.version(incident) + 1,
                **fields,
            },
        )
        changed = decisions.apply(incident, event)
        try:
            self.commit(
                event,
                write=lambda: self.store.replace(changed, revision=stored.revision),
                undo=lambda: self._undo(incident, changed),
            )
        except Conflict:
            current = self.store.fetch(incident_id)
            raise Stale(decisions.version((current or stored).doc)) from None
        return changed

    def commit(
        self, event: Envelope, *, write: Callable[[], None], undo: Callable[[], None]
    ) -> None:
        """Journal ``event``, ``write`` its change (raising ``Conflict`` when the store
        refuses it: nothing written), publish it; ``undo`` the write when the bus is away
        (``Unavailable``, raised again). The journal forgets the event once published or
        refused; whatever stops this part way leaves it to ``journal.Recovery``."""
        value = encode(event)
        self.journal.add(event.id, value, self.clock.now())
        try:
            write()
        except Conflict:
            self.journal.forget(event.id)
            raise
        try:
            self.publish(event.key, value)
        except Unavailable:
            undo()
            raise
        self.journal.forget(event.id)

    def publish(self, key: str, value: bytes) -> None:
        producer = self.producer()
        producer.send(self.events_topic, key=key, value=value)
        producer.flush()

    def _undo(self, before: Incident, after: Incident) -> None:
        """Put ``before`` back if the store still holds ``after`` (nobody wrote since)."""
        stored = self.store.fetch(before["id"])
        if stored is not None and stored.doc == after:
            self.store.replace(before, revision=stored.revision)

    # The decisions, one method each (the pages call these too).

    def transition(
        self,
        viewer: Viewer,
        incident_id: str,
        *,
        expected_version: int,
        to: str,
        rationale: str,
        visibility: str,
    ) -> Incident:
        def decide(incident: Incident):
            triage.check_transition(incident["status"], to)
            if to == triage.DUPLICATE:
                raise DecisionRefused("Merge the incident into its original to mark a duplicate.")
            if to == triage.NEEDS_INFORMATION:
                raise DecisionRefused("Ask the reporting lab a question to wait for information.")
            fields = {"from": incident["status"], "to": to, "rationale": rationale}
            return "incident.transitioned", {**fields, "visibility": visibility}

        return self.decide(viewer, incident_id, expected_version, decide)

    def assign(
        self, viewer: Viewer, incident_id: str, *, expected_version: int, owner: dict[str, Any]
    ) -> Incident:
        def decide(incident: Incident):
            if (incident.get("owner") or {}).get("id") == owner["id"]:
                raise DecisionRefused("The incident has this owner already.")
            return "incident.assigned", {"owner": owner}

        return self.decide(viewer, incident_id, expected_version, decide)

    def rerate(
        self,
        viewer: Viewer,
        incident_id: str,
        *,
        expected_version: int,
        severity: str,
        reason: str,
        visibility: str,
    ) -> Incident:
        def decide(incident: Incident):
            if incident.get("severity") == severity:
                raise DecisionRefused(f"The incident's severity is {severity} already.")
            fields = {"from": incident.get("severity"), "to": severity, "reason": reason}
            return "incident.severity_rerated", {**fields, "visibility": visibility}

        return self.decide(viewer, incident_id, expected_version, decide)

    def request_information(
        self, viewer: Viewer, incident_id: str, *, expected_version: int, question: str
    ) -> Incident:
        def decide(incident: Incident):
            if not incident.get("organization_id"):
                raise DecisionRefused(
                    "Nobody can answer: the incident was reported without a signed-in lab."
                )
            triage.check_transition(incident["status"], triage.NEEDS_INFORMATION)
            fields = {"request_id": new_id(), "question": question, "from": incident["status"]}
            return "incident.information_requested", fields

        return self.decide(viewer, incident_id, expected_version, decide)

    def link(
        self, viewer: Viewer, incident_id: str, *, expected_version: int, linked_id: str
    ) -> Incident:
        def decide(incident: Incident):
            self._other(viewer, incident_id, linked_id, "incident_id")
            link = {"id": linked_id, "relation": "related_to"}
            if link in incident.get("links", []):
                raise DecisionRefused(f"The incident is linked to {linked_id} already.")
            return "incident.linked", {"linked_id": linked_id, "relation": "related_to"}

        return self.decide(viewer, incident_id, expected_version, decide)

    def merge(
        self,
        viewer: Viewer,
        incident_id: str,
        *,
        expected_version: int,
        original_id: str,
        rationale: str,
        visibility: str,
    ) -> Incident:
        """Mark ``incident_id`` a duplicate of ``original_id``. Both reports stay whole, with
        their provenance; the duplicate points at its original (``duplicate_of``), search
        shows only the original, and the original's timeline records the merge."""

        def decide(incident: Incident):
            original = self._other(viewer, incident_id, original_id, "original_id")
            if original.get("duplicate_of"):
                raise Invalid(
                    "original_id",
                    f"{original_id} is itself a duplicate of {original['duplicate_of']}:"
                    " merge into that one.",
                )
            triage.check_transition(incident["status"], triage.DUPLICATE)
            fields = {"original_id": original_id, "from": incident["status"]}
            return "incident.merged", {**fields, "rationale": rationale, "visibility": visibility}

        merged = self.decide(viewer, incident_id, expected_version, decide)
        self._follow_up(viewer, original_id, "incident.linked", {
            "linked_id": incident_id, "relation": "duplicate",
        })  # fmt: skip
        return merged

    def _other(self, viewer: Viewer, incident_id: str, other_id: str, field: str) -> Incident:
        """The other incident a decision names, which the viewer must be able to read."""
        if other_id == incident_id:
            raise Invalid(field, "An incident cannot name itself here.")
        try:
            return self.read(viewer, other_id)
        except NotFound as exc:
            raise Invalid(field, str(exc)) from exc

    def _follow_up(
        self, viewer: Viewer, incident_id: str, event_type: str, fields: dict[str, Any]
    ) -> None:
        """A decision's consequence on another incident, on whatever version it is at."""
        for _ in range(CONFLICT_RETRIES):
            stored = self.store.fetch(incident_id)
            if stored is None:
                return
            try:
                self._commit(actor(viewer), stored, event_type, fields)
            except Stale:
                continue
            return
        raise StoreUnavailable(f"incident {incident_id} kept changing; try again")

    def record_answer(self, answer: Envelope) -> None:
        """A lab's answer from intake (``report.information_provided``) into the timeline:
        the incident goes back to where it was before the question (unless a risk owner
        moved it meanwhile). Only the reporting organization answers, once per question;
        a redelivered answer publishes the recorded event again, in case the first
        delivery stopped between the store and the bus."""
        p = answer.payload
        stored = self.store.fetch(p["incident_id"])
        if stored is None or p["actor"]["organization"] != stored.doc.get("organization_id"):
            log.warning("answer %s: no incident %s of its lab", answer.id, p["incident_id"])
            return
        incident = stored.doc
        request = next(
            (
                r
                for r in incident.get("information_requests", [])
                if r["request_id"] == p["request_id"]
            ),
            None,
        )
        if request is None:
            log.warning(
                "answer %s: incident %s asked no question %s",
                answer.id,
                p["incident_id"],
                p["request_id"],
            )
            return
        if "answer" in request:
            self._republish(incident, p["request_id"])
            return
        waiting = incident["status"] == triage.NEEDS_INFORMATION
        fields = {
            "request_id": p["request_id"],
            "answer": p["answer"],
            "to": request["from"] if waiting else incident["status"],
        }
        for _ in range(CONFLICT_RETRIES):
            try:
                self._commit(
                    p["actor"], stored, "incident.information_provided", fields, at=p["at"]
                )
                return
            except Stale:
                stored = self.store.fetch(p["incident_id"])
        raise StoreUnavailable(f"incident {p['incident_id']} kept changing; try again")

    def _republish(self, incident: Incident, request_id: str) -> None:
        for entry in incident["timeline"]:
            if (
                entry["type"] == "incident.information_provided"
                and entry["request_id"] == request_id
            ):
                # The entry is the event's payload plus its type, id and who reads it.
                recorded = ("type", "event_id", "visibility")
                payload = {k: v for k, v in entry.items() if k not in recorded}
                event = Envelope(
                    type=entry["type"], key=incident["id"], producer=PRODUCER,
                    id=entry["event_id"], payload=payload,
                )  # fmt: skip
                self.publish(incident["id"], encode(event))
