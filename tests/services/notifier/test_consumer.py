"""The notifier's handler over a real embedded bus and HTTP receiver: page on critical
incidents, once each, even across redelivery and restarts."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from services.notifier.consumer import CriticalIncidentNotifier, sent_keys
from shared.envelope import Envelope, decode, encode
from shared.topics import CONTRACTS, NOTIFIER_EVENTS, topic_name

PREFIX = "test"  # the prefix of the topics the bus fixture creates
EVENTS_TOPIC = topic_name(PREFIX, NOTIFIER_EVENTS)
INCIDENT = "01JD0000000000000000000042"
KEY = f"incident.registered:{INCIDENT}"


@pytest.fixture
def producer(bus) -> Iterator:
    producer = bus.producer()
    yield producer
    producer.close()


@pytest.fixture
def notifier(webhook, producer):
    """A factory: a notifier paging ``/hook``, starting with ``already_sent``."""

    def make(already_sent: set[str] | None = None, **options) -> CriticalIncidentNotifier:
        return CriticalIncidentNotifier(
            webhook(**options),
            producer,
            events_topic=EVENTS_TOPIC,
            already_sent=set() if already_sent is None else already_sent,
        )

    return make


@pytest.fixture
def receiver(httpserver):
    """A webhook receiver that accepts every page."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    return httpserver


def pages(httpserver) -> list[dict]:
    return [request.get_json() for request, _ in httpserver.log]


def notifier_events(bus) -> list[Envelope]:
    return [decode(record.value) for record in bus.replay(EVENTS_TOPIC)]


def test_a_critical_incident_is_paged_and_the_page_recorded(receiver, bus, notifier, registered):
    event = registered(INCIDENT, "critical")

    notifier()([event])

    [(request, _)] = receiver.log
    assert request.headers["Idempotency-Key"] == KEY
    assert request.get_json() == {
        "event": "incident.registered",
        "dedup_key": KEY,
        "incident": event.payload,
    }
    [sent] = notifier_events(bus)
    assert sent.type == "notification.sent"
    assert sent.key == INCIDENT
    assert sent.producer == "notifier"
    assert sent.payload["dedup_key"] == KEY
    assert sent.payload["incident_id"] == INCIDENT
    assert sent.payload["channel"] == "webhook"
    assert sent.payload["target"] == receiver.url_for("/hook")
    assert sent.payload["attempts"] == 1


def test_a_redelivered_event_is_not_paged_again(receiver, bus, notifier, registered):
    page = notifier()
    page([registered(INCIDENT)])

    page([registered(INCIDENT)])
    page([registered(INCIDENT), registered(INCIDENT)])

    assert len(pages(receiver)) == 1
    assert len(notifier_events(bus)) == 1


@pytest.mark.parametrize("severity", ["high", "medium", "low"])
def test_a_less_than_critical_incident_is_not_paged(receiver, bus, notifier, registered, severity):
    notifier()([registered(INCIDENT, severity)])

    assert pages(receiver) == []
    assert notifier_events(bus) == []


def test_other_event_types_are_not_paged(receiver, bus, notifier):
    example = CONTRACTS[NOTIFIER_EVENTS].events["notification.sent"]["examples"][0]

    notifier()([Envelope(**copy.deepcopy(example))])

    assert pages(receiver) == []


def test_a_restarted_notifier_rebuilds_what_was_sent_and_does_not_page_again(
    receiver, bus, notifier, registered
):
    notifier()([registered(INCIDENT)])

    already_sent = sent_keys(bus.replay(EVENTS_TOPIC))
    assert already_sent == {KEY}
    restarted = notifier(already_sent)
    restarted([registered(INCIDENT), registered("01JD0000000000000000000043")])

    assert [page["incident"]["incident_id"] for page in pages(receiver)] == [
        INCIDENT,
        "01JD0000000000000000000043",
    ]


def test_a_failed_page_is_recorded_and_tried_again_on_redelivery(
    httpserver, bus, notifier, registered
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=500)
    page = notifier(attempts=2)

    page([registered(INCIDENT)])

    assert len(pages(httpserver)) == 2
    [failed] = notifier_events(bus)
    assert failed.type == "notification.failed"
    assert failed.payload["dedup_key"] == KEY
    assert failed.payload["attempts"] == 2
    assert failed.payload["error"].startswith("500")
    assert sent_keys(bus.replay(EVENTS_TOPIC)) == set()

    page([registered(INCIDENT)])

    assert len(pages(httpserver)) == 4


def test_sent_keys_skips_unreadable_records_and_failures(bus, producer):
    examples = CONTRACTS[NOTIFIER_EVENTS].events
    sent = examples["notification.sent"]["examples"][0]
    failed = copy.deepcopy(examples["notification.failed"]["examples"][0])
    failed["payload"]["dedup_key"] = KEY
    for value in (b"<html>oops</html>", b'{"type": "notification.sent"}'):
        producer.send(EVENTS_TOPIC, key="bad", value=value)
    for event in (sent, failed):
        producer.send(
            EVENTS_TOPIC, key=event["key"], value=encode(Envelope(**copy.deepcopy(event)))
        )
    producer.flush()

    assert sent_keys(bus.replay(EVENTS_TOPIC)) == {sent["payload"]["dedup_key"]}
