"""The notifier's core over a real embedded bus and HTTP receiver, on the test clock:
a critical incident pages the on-call through a signed webhook with an ack link, re-pages
and escalates on the policy's schedule, stops when acknowledged, closes when resolved,
survives a restart without repeating or missing a page, and never pages twice for a
redelivered event."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import timedelta

import pytest
from notifier_support import (
    WEBHOOK_SECRET,
    notifier_events,
    raw_notifier_events,
    registered,
    transitioned,
)
from waiting import wait_until
from werkzeug import Response

from services.notifier.channels.null import InboxChannel
from services.notifier.channels.pagerduty import PagerDutyChannel
from services.notifier.channels.webhook import WebhookChannel
from services.notifier.dispatcher import Dispatcher
from services.notifier.escalations import AlreadyClosed

INCIDENT = "01JD0000000000000000000042"
MINUTE = 60


@pytest.fixture
def receiver(httpserver):
    """A webhook receiver that accepts every page."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    return httpserver


def pages(httpserver, path: str = "/hook") -> list[dict]:
    return [r.get_json() for r, _ in httpserver.log if r.path == path]


def types(bus) -> list[str]:
    return [e.type for e in notifier_events(bus)]


def test_a_critical_incident_pages_the_oncall_through_a_signed_webhook(
    bus, receiver, make_escalations, oncall_person, links
):
    escalations = make_escalations()
    escalations([registered(INCIDENT)])
    escalations.tick()

    [(request, _)] = receiver.log
    body = request.get_json()
    assert body["action"] == "trigger"
    assert body["incidents"][0]["incident_id"] == INCIDENT
    assert [r["id"] for r in body["recipients"]] == [oncall_person]
    assert body["recipients"][0]["name"] == "Oki"
    assert body["dedup_key"] == request.headers["Idempotency-Key"]
    # the signature is HMAC-SHA256 over "<timestamp>.<body>"
    timestamp = request.headers["Accord-Timestamp"]
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + request.get_data(), hashlib.sha256
    ).hexdigest()
    assert request.headers["Accord-Signature"] == f"v1={expected}"
    # the ack link names the escalation and the person it went to
    escalation_id = body["escalation_id"]
    token = body["ack_url"].removeprefix("http://notifier.test/ack/")
    assert links.read_ack(token) == (escalation_id, oncall_person)
    assert types(bus) == [
        "escalation.opened",
        "notification.sent",
        "notification.sent",
        "escalation.step",
    ]
    record = escalations.state.escalation(escalation_id).to_json()
    assert record["status"] == "open"
    assert [(s["key"], s["outcome"]) for s in record["steps"]] == [(f"{escalation_id}/0/0", "sent")]
    assert {d["channel"] for d in record["deliveries"]} == {"webhook", "inbox"}


def test_no_url_or_secret_reaches_an_event_or_a_log(
    bus, httpserver, make_escalations, oncall_person, caplog, session, clock
):
    caplog.set_level("INFO")
    httpserver.expect_request("/secret-path-T0K3N", method="POST").respond_with_data("", status=503)
    channels = {
        "webhook": WebhookChannel(
            httpserver.url_for("/secret-path-T0K3N"),
            secret=WEBHOOK_SECRET,
            clock=clock,
            session=session,
        ),
        "pagerduty": PagerDutyChannel(
            "R0UTING-KEY", url=httpserver.url_for("/pd-secret"), session=session
        ),
        "inbox": InboxChannel(),
    }
    escalations = make_escalations(channels)
    escalations([registered(INCIDENT)])
    escalations.tick()
    # every log line but the test receiver's own (werkzeug's), and every event
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    everything = b"".join(raw_notifier_events(bus)).decode() + "\n".join(ours)
    assert "webhook to http://localhost" in everything
    assert "notification.failed" in types(bus)
    for secret in ("secret-path-T0K3N", "R0UTING-KEY", "pd-secret", WEBHOOK_SECRET):
        assert secret not in everything
    failed = [e for e in notifier_events(bus) if e.type == "notification.failed"]
    assert {e.payload["target"] for e in failed} == {
        f"http://localhost:{httpserver.port}/…",
        "pagerduty:events-v2",
    }


def test_unacknowledged_it_repages_every_five_minutes_and_escalates(
    bus, receiver, make_escalations, oncall_person, coordinator, clock
):
    escalations = make_escalations()
    escalations([registered(INCIDENT)])
    seen = []
    for minute in range(0, 36):
        escalations.tick()
        seen += [(minute, p["step"], p["round"]) for p in pages(receiver)[len(seen) :]]
        clock.advance(MINUTE)
    assert seen == [
        (0, 0, 0),
        (5, 0, 1),
        (10, 0, 2),
        (15, 0, 3),
        (15, 1, 0),
        (20, 0, 4),
        (20, 1, 1),
        (25, 0, 5),
        (25, 1, 2),
        (30, 0, 6),
        (30, 1, 3),
        (30, 2, 0),
        (35, 0, 7),
        (35, 1, 4),
        (35, 2, 1),
    ]
    # the coordinator step goes to the coordinators
    coordinator_page = next(p for p in pages(receiver) if p["step"] == 2)
    assert [r["id"] for r in coordinator_page["recipients"]] == [coordinator]


def test_acknowledged_it_stops_and_the_acknowledgement_is_published(
    bus, receiver, make_escalations, oncall_person, clock
):
    escalations = make_escalations()
    escalations([registered(INCIDENT)])
    escalations.tick()
    escalation_id = pages(receiver)[0]["escalation_id"]
    clock.advance(2 * MINUTE)
    record = escalations.acknowledge(escalation_id, person_id=oncall_person)
    assert record.to_json()["acknowledged"] == {
        "by": {"id": oncall_person, "name": "Oki"},
        "at": clock.now().isoformat(),
    }
    for _ in range(60):
        clock.advance(MINUTE)
        escalations.tick()
    # no more pages; the webhook hears once that it was acknowledged
    assert [p["action"] for p in pages(receiver)] == ["trigger", "acknowledge"]
    acks = [e for e in notifier_events(bus) if e.type == "escalation.acknowledged"]
    assert [a.payload["by"]["id"] for a in acks] == [oncall_person]
    escalations.acknowledge(escalation_id, person_id=oncall_person)  # twice: no change
    assert types(bus).count("escalation.acknowledged") == 1


def test_a_redelivered_registry_event_never_pages_twice(
    bus, receiver, make_escalations, oncall_person
):
    escalations = make_escalations()
    event = registered(INCIDENT)
    escalations([event])
    escalations.tick()
    escalations([event])
    escalations.tick()
    # and after a restart, delivered once more
    restarted = make_escalations(restore=True)
    restarted([event])
    restarted.tick()
    assert len(pages(receiver)) == 1
    assert types(bus).count("escalation.opened") == 1


def test_after_a_restart_no_page_is_repeated_and_none_missed(
    bus, receiver, make_escalations, oncall_person, clock
):
    first = make_escalations()
    first([registered(INCIDENT)])
    first.tick()
    clock.advance(3 * MINUTE)  # the process dies with the re-page due at minute 5
    restarted = make_escalations(restore=True)
    assert restarted.tick() == clock.now() + timedelta(minutes=2)
    assert len(pages(receiver)) == 1
    clock.advance(2 * MINUTE)
    restarted.tick()
    restarted.tick()
    assert [(p["step"], p["round"]) for p in pages(receiver)] == [(0, 0), (0, 1)]


def test_a_page_that_failed_every_attempt_stays_due_and_is_retried(
    bus, httpserver, make_escalations, oncall_person, clock
):
    httpserver.expect_ordered_request("/hook").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("", status=204)
    escalations = make_escalations()
    escalations([registered(INCIDENT)])
    clock.waits.clear()
    escalations.tick()
    assert clock.waits == [1.0]  # two attempts, one backoff, on the injected clock
    (escalation,) = escalations.state.list_escalations()
    assert [s["outcome"] for s in escalation.steps] == ["failed"]
    # not again before the policy's retry delay
    assert escalations.tick() == clock.now() + timedelta(minutes=1)
    assert len(httpserver.log) == 2
    clock.advance(MINUTE)
    escalations.tick()
    assert len(httpserver.log) == 3
    assert [s["outcome"] for s in escalation.steps] == ["failed", "sent"]
    # the inbox delivered the first time and is not sent again
    inbox = [d for d in escalation.deliveries if d["channel"] == "inbox"]
    assert len(inbox) == 1


def test_a_historical_import_never_pages(bus, receiver, make_escalations, oncall_person):
    escalations = make_escalations()
    escalations([registered(INCIDENT, channel="bulk", severity_derived=True)])
    escalations.tick()
    assert pages(receiver) == []
    assert types(bus) == []
    # a lab's own bulk upload with its own critical severity does page
    escalations([registered("01JD0000000000000000000043", channel="bulk", severity_derived=False)])
    escalations.tick()
    assert len(pages(receiver)) == 1


def test_resolving_the_incident_closes_the_escalation_and_resolves_pagerduty(
    bus, httpserver, make_escalations, oncall_person, session, clock
):
    httpserver.expect_request("/pd", method="POST").respond_with_json(
        {"status": "success"}, status=202
    )
    pagerduty = PagerDutyChannel("routing-key-1", url=httpserver.url_for("/pd"), session=session)
    escalations = make_escalations({"pagerduty": pagerduty, "inbox": InboxChannel()})
    escalations([registered(INCIDENT)])
    escalations.tick()
    escalations([transitioned(INCIDENT, "resolved")])
    clock.advance(10 * MINUTE)
    escalations.tick()
    sent = pages(httpserver, "/pd")
    assert [p["event_action"] for p in sent] == ["trigger", "resolve"]
    escalation_id = sent[0]["dedup_key"]
    assert {p["dedup_key"] for p in sent} == {escalation_id}
    assert sent[0]["routing_key"] == "routing-key-1"
    assert sent[0]["payload"]["severity"] == "critical"
    record = escalations.state.escalation(escalation_id)
    assert record.to_json()["closed"]["reason"] == "incident resolved"
    with pytest.raises(AlreadyClosed):
        escalations.acknowledge(escalation_id, person_id=oncall_person)


@pytest.mark.parametrize("tlp", ["RED", "AMBER+STRICT"])
def test_the_title_of_a_restricted_incident_is_never_held_or_sent(
    bus, receiver, make_escalations, oncall_person, tlp
):
    escalations = make_escalations()
    escalations([registered(INCIDENT, tlp=tlp, title="Secret model codename leaked")])
    escalations.tick()
    (page,) = pages(receiver)
    assert page["incidents"][0]["title"] == f"TLP:{tlp} incident (title withheld)"
    assert b"codename" not in b"".join(raw_notifier_events(bus))


def test_a_transition_that_does_not_close_changes_nothing(
    bus, receiver, make_escalations, oncall_person
):
    escalations = make_escalations()
    escalations([registered(INCIDENT), transitioned(INCIDENT, "investigating")])
    assert escalations.state.list_escalations()[0].status == "open"


def test_medium_incidents_wait_for_the_daily_digest(
    bus, receiver, make_escalations, oncall_person, clock
):
    escalations = make_escalations()
    escalations([registered(INCIDENT, "medium"), registered("01JD0000000000000000000043", "low")])
    wake = escalations.tick()
    assert pages(receiver) == []
    assert wake.isoformat() == "2026-12-04T09:00:00+00:00"
    clock.advance((wake - clock.now()).total_seconds())
    escalations.tick()
    (digest,) = pages(receiver)
    assert digest["action"] == "digest"
    assert [i["incident_id"] for i in digest["incidents"]] == [INCIDENT]
    escalations.tick()
    assert len(pages(receiver)) == 1


def test_a_slow_channel_never_stalls_the_consumer(bus, httpserver, make_escalations, oncall_person):
    entered, release = threading.Event(), threading.Event()

    def slow(request):
        entered.set()
        release.wait(10)
        return Response("", status=204)

    httpserver.expect_request("/hook").respond_with_handler(slow)
    escalations = make_escalations()
    dispatcher = Dispatcher(workers=2)
    escalations.submit = dispatcher.submit
    try:
        escalations([registered(INCIDENT)])
        escalations.tick()
        wait_until(entered.is_set, "the page to reach the hanging receiver")
        # while the page hangs, the consumer goes on: the next incidents open at once
        escalations([registered("01JD0000000000000000000043")])
        assert len(escalations.state.list_escalations()) == 2
        assert "escalation.opened" in types(bus)
    finally:
        release.set()
        dispatcher.close()
    wait_until(lambda: not dispatcher.in_flight(), "the dispatcher to finish")
    assert len(pages(httpserver)) == 1  # the second incident's page is due at the next tick
