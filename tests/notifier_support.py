"""Helpers for the notifier's tests: registry events as the registry publishes them, and
the notifier's own events read back from the bus."""

from __future__ import annotations

import copy
from typing import Any

from shared.envelope import Envelope, decode
from shared.topics import CONTRACTS, NOTIFIER_EVENTS, REGISTRY_EVENTS, topic_name

PREFIX = "test"
EVENTS_TOPIC = topic_name(PREFIX, NOTIFIER_EVENTS)
WEBHOOK_SECRET = "webhook-secret-for-tests"
_GOLDEN_REGISTERED = CONTRACTS[REGISTRY_EVENTS].events["incident.registered"]["examples"][0]
_GOLDEN_TRANSITIONED = CONTRACTS[REGISTRY_EVENTS].events["incident.transitioned"]["examples"][0]


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


def notifier_events(bus) -> list[Envelope]:
    return [decode(record.value) for record in bus.replay(EVENTS_TOPIC)]


def raw_notifier_events(bus) -> list[bytes]:
    return [record.value for record in bus.replay(EVENTS_TOPIC)]
