"""The notifier's handler over a real embedded bus and HTTP receiver: page on critical
incidents, once each, even across redelivery and restarts."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator

import pytest
from waiting import wait_until
from werkzeug import Response

from services.notifier.consumer import CriticalIncidentNotifier, sent_keys
from shared.bus.runner import ConsumerRunner
from shared.clock import TestClock
from shared.envelope import Envelope, decode, encode
from shared.errors import Rejected, Unavailable
from shared.topics import CONTRACTS, DEAD_LETTERS, NOTIFIER_EVENTS, REGISTRY_EVENTS, topic_name

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


def test_a_failed_page_is_recorded_and_not_committed_past(httpserver, bus, notifier, registered):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=500)

    with pytest.raises(Unavailable, match=r"paging about .* failed: 500"):
        notifier(attempts=2)([registered(INCIDENT)])

    assert len(pages(httpserver)) == 2
    [failed] = notifier_events(bus)
    assert failed.type == "notification.failed"
    assert failed.payload["dedup_key"] == KEY
    assert failed.payload["attempts"] == 2
    assert failed.payload["error"].startswith("500")
    assert sent_keys(bus.replay(EVENTS_TOPIC)) == set()


def test_a_page_the_receiver_refuses_is_rejected(httpserver, bus, notifier, registered):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=404)

    with pytest.raises(Rejected, match="refused the page"):
        notifier(attempts=3)([registered(INCIDENT)])

    assert len(pages(httpserver)) == 1  # a 404 is not worth a second try


def test_under_the_runner_a_failed_page_is_delivered_again_until_it_lands_once(
    httpserver, bus, producer, webhook, registered
):
    # The first delivery fails both its attempts; the second succeeds at its second.
    outcomes = iter([500, 500, 500, 204])
    httpserver.expect_request("/hook", method="POST").respond_with_handler(
        lambda request: Response("", status=next(outcomes))
    )
    handler = CriticalIncidentNotifier(webhook(attempts=2), producer, events_topic=EVENTS_TOPIC)
    source = topic_name(PREFIX, REGISTRY_EVENTS)
    producer.send(source, key=INCIDENT, value=encode(registered(INCIDENT)))
    producer.flush()
    clock = TestClock()
    runner = ConsumerRunner(
        bus.consumer("notifier", [source]),
        handler,
        producer=producer,
        dead_letter_topic=topic_name(PREFIX, DEAD_LETTERS),
        name="notifier",
        poll_timeout=0.05,
        clock=clock,
    )
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: bus.lag("notifier", source) == 0, "the notifier to commit")
    finally:
        runner.stop()
        thread.join(10)

    assert len(pages(httpserver)) == 4
    assert [e.type for e in notifier_events(bus)] == ["notification.failed", "notification.sent"]
    assert clock.waits == [0.2]  # the runner's backoff before delivering the batch again
    assert list(bus.replay(topic_name(PREFIX, DEAD_LETTERS))) == []


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
