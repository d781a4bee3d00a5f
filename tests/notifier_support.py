"""Helpers for the notifier's tests: registry events as the registry publishes them, and
the notifier's own events read back from the bus."""

from __future__ import annotations

import copy
from typing import Any

from shared.envelope import Envelope, decode, encode
from shared.topics import CONTRACTS, NOTIFIER_EVENTS, REGISTRY_EVENTS, topic_name

PREFIX = "test"
EVENTS_TOPIC = topic_name(PREFIX, NOTIFIER_EVENTS)
WEBHOOK_SECRET = "webhook-secret-for-tests"
_GOLDEN_REGISTERED = CONTRACTS[REGISTRY_EVENTS].events["incident.registered"]["examples"][0]
_GOLDEN_TRANSITIONED = CONTRACTS[REGISTRY_EVENTS].events["incident.transitioned"]["examples"][0]
_GOLDEN_ASSIGNED = CONTRACTS[REGISTRY_EVENTS].events["incident.assigned"]["examples"][0]
_GOLDEN_RISK = CONTRACTS[REGISTRY_EVENTS].events["risk.created"]["examples"][0]
REGISTRY_TOPIC = topic_name(PREFIX, REGISTRY_EVENTS)


def registered(incident_id: str, severity: str | None = "critical", **changes: Any) -> Envelope:
    event = copy.deepcopy(_GOLDEN_REGISTERED)
    event["id"] = "01JD" + incident_id[-22:]
    event["key"] = event["payload"]["incident_id"] = incident_id
    event["payload"]["severity"] = severity
    event["payload"]["url"] = f"http://registry.test/v1/incidents/{incident_id}"
    # No reporting duty unless a test names one (tests/services/notifier/deadlines).
    event["payload"]["jurisdictions"] = []
    event["payload"].update(changes)
    return Envelope(**event)


def transitioned(incident_id: str, to: str) -> Envelope:
    event = copy.deepcopy(_GOLDEN_TRANSITIONED)
    event["key"] = event["payload"]["incident_id"] = incident_id
    event["payload"]["to"] = to
    return Envelope(**event)


def assigned(incident_id: str, owner_id: str, name: str = "Rita Owner") -> Envelope:
    event = copy.deepcopy(_GOLDEN_ASSIGNED)
    event["key"] = event["payload"]["incident_id"] = incident_id
    event["payload"]["owner"] = {"id": owner_id, "name": name}
    return Envelope(**event)


def risk_event(
    risk_id: str, owner: str, next_review: str, version: int = 1, **changes: Any
) -> Envelope:
    """``risk.created`` (version 1) or ``risk.updated``, carrying the whole risk."""
    event = copy.deepcopy(_GOLDEN_RISK)
    event["id"] = f"01JE{risk_id[-18:]}{version:04d}"
    event["type"] = "risk.created" if version == 1 else "risk.updated"
    event["key"] = event["payload"]["risk_id"] = risk_id
    event["payload"]["version"] = version
    event["payload"]["risk"].update(
        id=risk_id, owner=owner, next_review=next_review, version=version, **changes
    )
    if version > 1:
        event["payload"]["changes"] = {"next_review": next_review}
    return Envelope(**event)


def publish_registry(producer, *events: Envelope) -> None:
    """Put ``events`` on registry-events as the registry does (what a restart replays)."""
    for event in events:
        producer.send(REGISTRY_TOPIC, key=event.key, value=encode(event))
    producer.flush()


def notifier_events(bus) -> list[Envelope]:
    return [decode(record.value) for record in bus.replay(EVENTS_TOPIC)]


def raw_notifier_events(bus) -> list[bytes]:
    return [record.value for record in bus.replay(EVENTS_TOPIC)]
