"""The risk register's write path and reads, for the API and the pages.

Risk owners and coordinators read and keep the register (labs do not read it). Every
change is an event on ``registry-events`` keyed by the risk id (``risk.created``,
``risk.updated``, ``risk.review_due``) carrying the whole risk afterwards, so a rebuild
replays the register (``apply_risk_events``). A change is written with compare-and-set,
then published, through the incidents' write path (``Registry.commit``: journaled, and
put back if publishing fails).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.registry import risks
from services.registry.access.rules import TRIAGE_ROLES, may_read
from services.registry.risks import Risk
from services.registry.service import Forbidden, Invalid, NotFound, Registry, Stale, actor
from services.registry.store.interfaces import Conflict, IncidentStore
from shared.access import Viewer
from shared.envelope import Envelope, encode, new_id

log = logging.getLogger(__name__)


def may_keep_register(viewer: Viewer) -> bool:
    return viewer.has_role(*TRIAGE_ROLES)


@dataclass
class RiskRegister:
    registry: Registry  # its store, producer, topic and clock

    @property
    def store(self) -> IncidentStore:
        return self.registry.store

    def check(self, viewer: Viewer) -> None:
        """Raises ``Forbidden`` for a viewer who may not read or keep the register."""
        if not may_keep_register(viewer):
            raise Forbidden("The risk register is for risk owners and coordinators.")

    def shown(self, viewer: Viewer, risk: Risk) -> Risk:
        """The risk with only the linked incidents ``viewer`` may read."""
        readable = [i for i in risk["incidents"] if self._readable(viewer, i)]
        return {**risk, "incidents": readable}

    def _readable(self, viewer: Viewer, incident_id: str) -> bool:
        stored = self.store.fetch(incident_id)
        return stored is not None and may_read(viewer, stored.doc)

    def list(self, viewer: Viewer, *, due: date | None = None) -> list[Risk]:
        self.check(viewer)
        found = self.store.risks(due=due.isoformat() if due else None)
        return [self.shown(viewer, risk) for risk in found]

    def read(self, viewer: Viewer, risk_id: str) -> Risk:
        self.check(viewer)
        stored = self.store.fetch_risk(risk_id)
        if stored is None:
            raise NotFound(f"No risk with id {risk_id}.")
        return self.shown(viewer, stored.doc)

    def _validate(self, viewer: Viewer, fields: dict[str, Any], linked: Iterable[str] = ()) -> None:
        """``linked``: the risk's links before the change, kept whoever may read them."""
        known = set(linked)
        for n, incident_id in enumerate(fields.get("incidents", ())):
            if incident_id not in known and not self._readable(viewer, incident_id):
                raise Invalid(f"incidents/{n}", f"No incident with id {incident_id}.")
        if (fields.get("residual_likelihood") is None) != (fields.get("residual_impact") is None):
            raise Invalid(
                "residual_impact", "Give residual likelihood and impact together, or neither."
            )

    def create(self, viewer: Viewer, fields: dict[str, Any]) -> Risk:
        self.check(viewer)
        self._validate(viewer, fields)
        at = self.registry.clock.now().isoformat()
        risk = risks.created(new_id(), fields, actor=actor(viewer), at=at)
        self.registry.commit(
            self._event("risk.created", risk, viewer, at),
            write=lambda: self.store.create_risk(risk),
            undo=lambda: self.store.delete_risk(risk["id"]),
        )
        return self.shown(viewer, risk)

    def update(
        self, viewer: Viewer, risk_id: str, *, expected_version: int, fields: dict[str, Any]
    ) -> Risk:
        self.check(viewer)
        stored = self.store.fetch_risk(risk_id)
        if stored is None:
            raise NotFound(f"No risk with id {risk_id}.")
        before = stored.doc
        if before["version"] != expected_version:
            raise Stale(before["version"])
        if "incidents" in fields:
            fields = {**fields, "incidents": self._links(viewer, before, fields["incidents"])}
        changed = risks.changes(before, fields)
        if not changed:
            return self.shown(viewer, before)
        self._validate(viewer, {**before, **changed}, linked=before["incidents"])
        at = self.registry.clock.now().isoformat()
        after = risks.updated(before, changed, at=at)

        def undo() -> None:
            latest = self.store.fetch_risk(risk_id)
            if latest is not None and latest.doc == after:
                self.store.replace_risk(before, revision=latest.revision)

        try:
            self.registry.commit(
                self._event("risk.updated", after, viewer, at, changes=changed),
                write=lambda: self.store.replace_risk(after, revision=stored.revision),
                undo=undo,
            )
        except Conflict:
            current = self.store.fetch_risk(risk_id)
            raise Stale((current or stored).doc["version"]) from None
        return self.shown(viewer, after)

    def _links(self, viewer: Viewer, before: Risk, given: list[str]) -> list[str]:
        """The risk's links once ``viewer`` gave ``given``: they change only the links they
        may read (they were never shown the others, which stay). In the risk's order, new
        links last."""
        wanted, linked = set(given), set(before["incidents"])
        kept = [i for i in before["incidents"] if i in wanted or not self._readable(viewer, i)]
        return kept + [i for i in given if i not in linked]

    def announce_reviews(self, day: date) -> list[str]:
        """Publish ``risk.review_due`` for each risk whose review has come and was not
        announced yet; returns their ids. Run daily (reviews.py)."""
        announced = []
        for risk in self.store.risks(due=day.isoformat()):
            if not risks.review_to_announce(risk, day):
                continue
            stored = self.store.fetch_risk(risk["id"])
            if stored is None or not risks.review_to_announce(stored.doc, day):
                continue
            event = Envelope(
                type="risk.review_due",
                key=risk["id"],
                producer="registry",
                payload={
                    "risk_id": risk["id"],
                    "title": risk["title"],
                    "owner": risk["owner"],
                    "next_review": risk["next_review"],
                    "at": self.registry.clock.now().isoformat(),
                },
            )
            self.registry.publish(risk["id"], encode(event))
            # Recorded after the event is out: a crash in between announces it again.
            try:
                self.store.replace_risk(
                    fold_review_due(stored.doc, event), revision=stored.revision
                )
            except Conflict:
                log.info("risk %s changed while its review was announced", risk["id"])
            announced.append(risk["id"])
        return announced

    def _event(self, event_type: str, risk: Risk, viewer: Viewer, at: str, **extra) -> Envelope:
        payload = {
            "risk_id": risk["id"],
            "risk": risk,
            "actor": actor(viewer),
            "at": at,
            "version": risk["version"],
            **extra,
        }
        return Envelope(type=event_type, key=risk["id"], producer="registry", payload=payload)


def fold_review_due(risk: Risk, event: Envelope) -> Risk:
    return {**risk, "review_announced_for": event.payload["next_review"]}


RISK_EVENTS = frozenset({"risk.created", "risk.updated", "risk.review_due"})


def apply_risk_events(store: IncidentStore, envelopes: Iterable[Envelope]) -> None:
    """The register from its events (a rebuild): each applies once, in order."""
    for event in envelopes:
        if event.type not in RISK_EVENTS:
            continue
        risk_id = event.payload["risk_id"]
        stored = store.fetch_risk(risk_id)
        if event.type == "risk.created":
            if stored is None:
                store.create_risk(event.payload["risk"])
        elif stored is None:
            log.warning("%s %s: no risk %s here", event.type, event.id, risk_id)
        elif event.type == "risk.updated":
            # The whole risk: the newest wins, even past a gap or one published late.
            if event.payload["version"] > stored.doc["version"]:
                store.replace_risk(event.payload["risk"], revision=stored.revision)
        elif stored.doc.get("review_announced_for") != event.payload["next_review"]:
            store.replace_risk(fold_review_due(stored.doc, event), revision=stored.revision)
