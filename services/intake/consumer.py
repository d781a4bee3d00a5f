"""Intake's handler for registry events: where each lab's report went after intake.

At least once and idempotent: a status is recorded the first time a report reaches it.
"""

from __future__ import annotations

from services.intake.outbox import Outbox, StatusChange
from shared.envelope import Envelope


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
