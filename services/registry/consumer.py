"""The registry's projection: reports from the bus into the store, then registry events.

Delivery is at least once and idempotent by incident id: a replayed report rewrites the
same document, and a repeated ``incident.registered`` is deduplicated by the notifier.
"""

from __future__ import annotations

import logging

from services.registry.store.interfaces import Incident, IncidentStore
from shared.bus.interfaces import Producer
from shared.bus.runner import Handler
from shared.envelope import Envelope, encode, utcnow
from shared.topics import REGISTRY_EVENTS, REPORTS, topic_name

log = logging.getLogger(__name__)

INITIAL_STATUS = "new"


def projection_handlers(
    store: IncidentStore, producer: Producer, *, prefix: str, registry_url: str
) -> dict[str, Handler]:
    """The registry's projection: the handler of each logical topic it consumes, in the
    order ``accord registry rebuild`` replays them into a new store version. A topic the
    registry comes to consume gets its entry here, and a rebuild replays it too."""
    return {
        REPORTS: ReportProjection(
            store,
            producer,
            events_topic=topic_name(prefix, REGISTRY_EVENTS),
            registry_url=registry_url,
        ),
    }


def incident_from_report(report: dict) -> Incident:
    return {**report, "status": INITIAL_STATUS}


class ReportProjection:
    """The handler for the reports topic."""

    def __init__(
        self, store: IncidentStore, producer: Producer, *, events_topic: str, registry_url: str
    ) -> None:
        self._store = store
        self._producer = producer
        self._events_topic = events_topic
        self._registry_url = registry_url

    def __call__(self, envelopes: list[Envelope]) -> None:
        incidents = [
            incident_from_report(e.payload["report"])
            for e in envelopes
            if e.type == "report.accepted"
        ]
        self._store.upsert(incidents)
        for incident in incidents:
            self._publish_registered(incident)
        self._producer.flush()
        log.info("registered %d incidents", len(incidents))

    def _publish_registered(self, incident: Incident) -> None:
        event = Envelope(
            type="incident.registered",
            key=incident["id"],
            producer="registry",
            payload={
                "incident_id": incident["id"],
                "title": incident["title"],
                "severity": incident.get("severity"),
                "event_type": incident["event_type"],
                "tlp": incident["tlp"],
                "status": incident["status"],
                "registered_at": utcnow().isoformat(),
                "url": f"{self._registry_url}/v1/incidents/{incident['id']}",
            },
        )
        self._producer.send(self._events_topic, key=incident["id"], value=encode(event))
