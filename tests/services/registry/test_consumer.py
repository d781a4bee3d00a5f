"""The registry's projection over a real embedded store and bus: reports in, incidents and
``incident.registered`` events out, idempotent under replay."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from typing import Any
from unittest.mock import ANY

import pytest
from registry_support import VIEWERS
from waiting import wait_until

from services.registry.consumer import ReportProjection
from services.registry.journal import Journal
from services.registry.query import parse
from shared.bus.runner import ConsumerRunner
from shared.envelope import Envelope, decode, encode
from shared.topics import (
    CONTRACTS,
    DEAD_LETTERS,
    NOTIFIER_EVENTS,
    REGISTRY_EVENTS,
    REPORTS,
    topic_name,
)

PREFIX = "test"  # the prefix of the topics the bus fixture creates
REPORTS_TOPIC = topic_name(PREFIX, REPORTS)
EVENTS_TOPIC = topic_name(PREFIX, REGISTRY_EVENTS)
GROUP = f"{PREFIX}.registry"
REGISTRY_URL = "http://registry.test:8002"
# The golden report is AMBER and names no organization id: a risk owner reads it.
EVERYONE = VIEWERS["risk owner"]


def accepted(report: dict[str, Any]) -> Envelope:
    """A ``report.accepted`` envelope as it arrives off the bus (through the codec)."""
    envelope = Envelope(
        type="report.accepted", key=report["id"], producer="intake", payload={"report": report}
    )
    return decode(encode(envelope))


def golden(topic: str, event_type: str) -> Envelope:
    return Envelope(**copy.deepcopy(CONTRACTS[topic].events[event_type]["examples"][0]))


def registered_events(bus) -> list[Envelope]:
    """Every event on the registry-events topic, decoded (so validated) by the codec."""
    return [decode(record.value) for record in bus.replay(EVENTS_TOPIC)]


def all_incidents(store) -> list[dict[str, Any]]:
    return store.search(viewer=EVERYONE, limit=200).hits


@pytest.fixture
def projection(bus, store) -> Iterator[ReportProjection]:
    producer = bus.producer()
    yield ReportProjection(
        store,
        producer,
        events_topic=EVENTS_TOPIC,
        registry_url=REGISTRY_URL,
        journal=Journal.in_memory(),
    )
    producer.close()


def test_accepted_reports_become_new_incidents_with_every_report_field(
    projection, store, make_report
):
    reports = [make_report(1), make_report(2, severity="critical"), make_report(3, title="Other")]

    projection([accepted(r) for r in reports])

    for report in reports:
        incident = store.get(report["id"], viewer=EVERYONE)
        assert incident == {**report, "status": "new", "version": 1, "timeline": ANY}
        assert [entry["type"] for entry in incident["timeline"]] == ["incident.registered"]
    assert store.search(viewer=EVERYONE).total == 3


def test_each_incident_is_announced_once_with_its_registry_url(projection, bus, store, make_report):
    reports = {r["id"]: r for r in (make_report(1), make_report(2, severity="critical"))}

    projection([accepted(r) for r in reports.values()])

    events = registered_events(bus)
    assert sorted(e.payload["incident_id"] for e in events) == sorted(reports)
    for event in events:
        incident_id = event.payload["incident_id"]
        report = reports[incident_id]
        assert event.type == "incident.registered"
        assert event.key == incident_id
        assert event.producer == "registry"
        assert event.payload["url"] == f"{REGISTRY_URL}/v1/incidents/{incident_id}"
        assert event.payload["status"] == "new"
        for name in ("title", "severity", "event_type", "tlp"):
            assert event.payload[name] == report[name]


def test_replaying_a_batch_leaves_the_store_as_it_was(projection, store, make_report):
    batch = [accepted(make_report(n, title=f"Dosage incident {n}")) for n in range(1, 4)]
    projection(batch)
    before = all_incidents(store)

    projection(batch)

    assert all_incidents(store) == before
    assert store.search(viewer=EVERYONE).total == 3
    # The full-text index is rewritten, not appended to: each incident matches once.
    assert store.search(parse("dosage"), viewer=EVERYONE).total == 3


def test_envelopes_of_other_types_are_ignored(projection, bus, store, make_report):
    report = make_report(1)
    others = [
        golden(REGISTRY_EVENTS, "incident.registered"),
        golden(NOTIFIER_EVENTS, "notification.sent"),
        golden(DEAD_LETTERS, "message.dead_lettered"),
    ]

    projection([*others, accepted(report)])

    assert [i["id"] for i in all_incidents(store)] == [report["id"]]
    assert [e.key for e in registered_events(bus)] == [report["id"]]


def test_a_batch_without_reports_writes_and_publishes_nothing(projection, bus, store):
    projection([golden(REGISTRY_EVENTS, "incident.registered")])

    assert all_incidents(store) == []
    assert registered_events(bus) == []


def test_the_runner_projects_published_reports_and_commits_the_offsets(bus, store, make_report):
    reports = [make_report(n) for n in range(1, 6)]
    producer = bus.producer()
    for report in reports:
        producer.send(REPORTS_TOPIC, key=report["id"], value=encode(accepted(report)))
    producer.close()
    runner_producer = bus.producer()
    runner = ConsumerRunner(
        bus.consumer(GROUP, [REPORTS_TOPIC]),
        ReportProjection(
            store,
            runner_producer,
            events_topic=EVENTS_TOPIC,
            registry_url=REGISTRY_URL,
            journal=Journal.in_memory(),
        ),
        producer=runner_producer,
        dead_letter_topic=topic_name(PREFIX, DEAD_LETTERS),
        name="registry",
        poll_timeout=0.05,
    )
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: store.search(viewer=EVERYONE).total == len(reports), "the reports")
    finally:
        runner.stop()
        thread.join(5)
        runner_producer.close()
    assert not thread.is_alive(), "run() did not return after stop()"

    assert {i["id"] for i in all_incidents(store)} == {r["id"] for r in reports}
    assert len(registered_events(bus)) == len(reports)
    # The group committed past every report; another group still sees them all.
    for group, expected in ((GROUP, 0), (f"{PREFIX}.other", len(reports))):
        consumer = bus.consumer(group, [REPORTS_TOPIC])
        try:
            assert len(consumer.poll(timeout=0.2)) == expected
        finally:
            consumer.close()
