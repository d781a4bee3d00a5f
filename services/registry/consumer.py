"""The registry's handler for the reports topic: reports into the store, then registry
events; and the labs' answers to requests for information into the timeline.

Delivery is at least once and idempotent by incident id: a replayed report leaves the
incident (and every decision taken on it) as it is (projection.py), and a repeated
``incident.registered`` is deduplicated by the notifier.
"""

from __future__ import annotations

import logging

from services.registry.after_action import apply_after_action
from services.registry.journal import Journal
from services.registry.projection import apply_decisions, apply_notifier_events, apply_reports
from services.registry.risk_register import RiskRegister, apply_risk_events
from services.registry.service import Registry
from services.registry.store.interfaces import Incident, IncidentStore
from shared.bus.interfaces import Producer
from shared.bus.null import NullProducer
from shared.bus.runner import Handler
from shared.clock import SYSTEM_CLOCK
from shared.envelope import Envelope, encode, utcnow
from shared.topics import NOTIFIER_EVENTS, REGISTRY_EVENTS, REPORTS, topic_name

log = logging.getLogger(__name__)


def projection_handlers(
    store: IncidentStore,
    producer: Producer,
    *,
    prefix: str,
    registry_url: str,
    journal: Journal,
    publish: bool = True,
) -> dict[str, Handler]:
    """The registry's projection: the handler of each logical topic whose records make its
    state, in the order ``accord registry rebuild`` replays them into a new store version
    (reports, then the decisions and the register taken on them, then the notifier's
    acknowledgements and exercises' after-action reports). Live, decisions are written as
    they are taken (service.py), so the running registry consumes only reports and the
    notifier's events."""
    # Exercises' after-action reports become mitigations, written by the register itself.
    register = RiskRegister(
        Registry(
            store=store,
            producer=lambda: producer,
            events_topic=topic_name(prefix, REGISTRY_EVENTS),
            clock=SYSTEM_CLOCK,
            journal=journal,
        )
    )
    return {
        REPORTS: ReportProjection(
            store,
            producer,
            events_topic=topic_name(prefix, REGISTRY_EVENTS),
            registry_url=registry_url,
            journal=journal,
            publish=publish,
        ),
        REGISTRY_EVENTS: lambda envelopes: (
            apply_decisions(store, envelopes),
            apply_risk_events(store, envelopes),
        ),
        NOTIFIER_EVENTS: lambda envelopes: (
            apply_notifier_events(store, envelopes),
            apply_after_action(register, envelopes),
        ),
    }


def replay_handlers(store: IncidentStore, *, prefix: str, registry_url: str) -> dict[str, Handler]:
    """The projection as ``accord registry rebuild`` replays it: publishing nothing (the
    registry's own events are on the bus already), not even building the
    ``incident.registered`` events it would drop."""
    return projection_handlers(
        store,
        NullProducer(),
        prefix=prefix,
        registry_url=registry_url,
        journal=Journal.in_memory(),
        publish=False,
    )


class ReportProjection:
    """The handler for the reports topic."""

    def __init__(
        self,
        store: IncidentStore,
        producer: Producer,
        *,
        events_topic: str,
        registry_url: str,
        journal: Journal,
        publish: bool = True,
    ) -> None:
        self._store = store
        self._producer = producer
        self._publish = publish
        self._events_topic = events_topic
        self._registry_url = registry_url
        self._registry = Registry(
            store=store,
            producer=lambda: producer,
            events_topic=events_topic,
            clock=SYSTEM_CLOCK,
            journal=journal,
        )

    def __call__(self, envelopes: list[Envelope]) -> None:
        incidents = apply_reports(self._store, envelopes)
        # In topic order: a report comes before any answer about it (both keyed by its id).
        for answer in envelopes:
            if answer.type == "report.information_provided":
                self._registry.record_answer(answer)
        if self._publish:
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
                "channel": incident.get("channel"),
                "severity_derived": bool(incident.get("severity_derivation")),
                "harm_domains": list(incident.get("harm_domains") or []),
                # What the notifier's regulatory clocks need: the rules that apply, when
                # the clock starts, the facts that pick a tier, and who may read them.
                "jurisdictions": list(incident.get("jurisdictions") or []),
                "detected_at": incident.get("detected_at"),
                "received_at": incident.get("received_at"),
                "quantities": dict(incident.get("quantities") or {}),
                "critical_infrastructure": bool(incident.get("critical_infrastructure")),
                "organization_id": incident.get("organization_id"),
                "recipients": list(incident.get("recipients") or []),
            },
        )
        self._producer.send(self._events_topic, key=incident["id"], value=encode(event))
