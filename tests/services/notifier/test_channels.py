"""Each channel against a real receiver on loopback: the signed webhook, Slack's payload,
PagerDuty's trigger/acknowledge/resolve, e-mail over SMTP (aiosmtpd); bounded retries
with backoff on the test clock; failures that never echo a URL."""

from __future__ import annotations

import hashlib
import hmac
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from notifier_support import WEBHOOK_SECRET
from scrape import counted
from servers import free_port

from services.notifier.channels.email import EmailChannel
from services.notifier.channels.interfaces import (
    Message,
    Recipient,
    RetryPolicy,
    deliver,
    redacted_url,
)
from services.notifier.channels.null import NullChannel
from services.notifier.channels.pagerduty import PagerDutyChannel
from services.notifier.channels.slack import SlackChannel
from services.notifier.channels.webhook import WebhookChannel

RETRY = RetryPolicy(attempts=3, backoff=1.0)


def _message(action: str = "trigger") -> Message:
    return Message(
        action=action,
        dedup_key="esc-1/0/0",
        escalation_id="esc-1",
        summary="CRITICAL incident: weights leaked",
        severity="critical",
        incidents=(
            {
                "incident_id": "inc-1",
                "title": "Weights leaked",
                "severity": "critical",
                "tlp": "AMBER",
                "url": "http://registry.test/v1/incidents/inc-1",
            },
        ),
        recipients=(
            Recipient("p-1", "Oki Tanaka", "oki@accord.example", "http://notifier.test/ack/tok-1"),
        ),
        ack_url="http://notifier.test/ack/tok-1",
        step=0,
        round=0,
    )


def test_the_webhook_is_signed_over_timestamp_and_body(httpserver, session, clock):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    channel = WebhookChannel(
        httpserver.url_for("/hook"), secret=WEBHOOK_SECRET, clock=clock, session=session
    )
    delivery = deliver(channel, _message(), clock, RETRY)
    assert (delivery.ok, delivery.attempts) == (True, 1)
    [(request, _)] = httpserver.log
    assert request.headers["Accord-Timestamp"] == str(int(clock.time()))
    signed = f"{request.headers['Accord-Timestamp']}.".encode() + request.get_data()
    mac = hmac.new(WEBHOOK_SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert request.headers["Accord-Signature"] == f"v1={mac}"
    assert request.headers["Idempotency-Key"] == "esc-1/0/0"
    body = request.get_json()
    assert body["ack_url"] == "http://notifier.test/ack/tok-1"
    assert body["recipients"] == [
        {"id": "p-1", "name": "Oki Tanaka", "ack_url": "http://notifier.test/ack/tok-1"}
    ]


def test_a_transient_failure_is_retried_with_backoff_on_the_clock(httpserver, session, clock):
    for status in (503, 429):
        httpserver.expect_ordered_request("/hook").respond_with_data("", status=status)
    httpserver.expect_ordered_request("/hook").respond_with_data("", status=200)
    channel = WebhookChannel(httpserver.url_for("/hook"), secret="s", clock=clock, session=session)
    delivery = deliver(channel, _message(), clock, RETRY)
    assert (delivery.ok, delivery.attempts) == (True, 3)
    assert clock.waits == [1.0, 2.0]
    keys = {r.headers["Idempotency-Key"] for r, _ in httpserver.log}
    assert keys == {"esc-1/0/0"}


@pytest.mark.parametrize("status", [400, 404, 410])
def test_a_refused_request_is_not_retried(httpserver, session, clock, status):
    httpserver.expect_request("/hook").respond_with_data("", status=status)
    channel = WebhookChannel(httpserver.url_for("/hook"), secret="s", clock=clock, session=session)
    delivery = deliver(channel, _message(), clock, RETRY)
    assert (delivery.ok, delivery.attempts, delivery.retryable) == (False, 1, False)
    assert clock.waits == []


def test_an_unreachable_receiver_fails_every_attempt_without_naming_the_url(session, clock):
    url = f"http://127.0.0.1:{free_port()}/secret-token-path"
    channel = WebhookChannel(url, secret="s", clock=clock, session=session, timeout=2)
    delivery = deliver(channel, _message(), clock, RETRY)
    assert (delivery.ok, delivery.attempts, delivery.retryable) == (False, 3, True)
    assert delivery.errors == ("ConnectionError",) * 3
    assert delivery.target == f"http://127.0.0.1:{url.split(':')[2].split('/')[0]}/…"


def test_a_timeout_is_a_retryable_failure(clock, session):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        channel = WebhookChannel(url, secret="s", clock=clock, session=session, timeout=0.2)
        delivery = deliver(channel, _message(), clock, RetryPolicy(attempts=1))
    assert (delivery.ok, delivery.errors) == (False, ("ReadTimeout",))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/…"),
        ("https://user:pw@example.org:8443/p?key=1", "https://example.org:8443/…"),
    ],
)
def test_targets_are_redacted_to_scheme_and_host(url, shown):
    assert redacted_url(url) == shown


def test_slack_gets_a_text_message_with_the_links(httpserver, session, clock):
    httpserver.expect_request("/services/T0/B0/XYZ").respond_with_data("ok")
    channel = SlackChannel(httpserver.url_for("/services/T0/B0/XYZ"), session=session)
    assert deliver(channel, _message(), clock, RETRY).ok
    text = httpserver.log[0][0].get_json()["text"]
    assert text.splitlines() == [
        "*CRITICAL incident: weights leaked*",
        "• <http://registry.test/v1/incidents/inc-1|Weights leaked> (critical)",
        "Oki Tanaka: <http://notifier.test/ack/tok-1|acknowledge>",
    ]
    assert channel.target == f"http://localhost:{httpserver.port}/…"


@pytest.mark.parametrize("action", ["trigger", "acknowledge", "resolve"])
def test_pagerduty_events_v2(httpserver, session, clock, action):
    httpserver.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, status=202)
    channel = PagerDutyChannel("rk-123", url=httpserver.url_for("/v2/enqueue"), session=session)
    assert deliver(channel, _message(action), clock, RETRY).ok
    event = httpserver.log[0][0].get_json()
    assert {k: event[k] for k in ("routing_key", "event_action", "dedup_key")} == {
        "routing_key": "rk-123",
        "event_action": action,
        "dedup_key": "esc-1",
    }
    if action == "trigger":
        assert event["payload"]["severity"] == "critical"
        assert event["payload"]["source"] == "accord-notifier"
        assert {"href": "http://notifier.test/ack/tok-1", "text": "Acknowledge in Accord"} in (
            event["links"]
        )
    else:
        assert "payload" not in event


def test_pagerduty_refusing_the_key_is_not_retried(httpserver, session, clock):
    httpserver.expect_request("/v2/enqueue").respond_with_json({"status": "invalid"}, status=400)
    channel = PagerDutyChannel("bad", url=httpserver.url_for("/v2/enqueue"), session=session)
    delivery = deliver(channel, _message(), clock, RETRY)
    assert (delivery.ok, delivery.retryable, delivery.errors) == (
        False,
        False,
        ("400 BAD REQUEST",),
    )


class _Inbox:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, _Inbox]]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_email_has_a_text_and_an_html_part_with_the_ack_link(smtp, clock):
    controller, inbox = smtp
    channel = EmailChannel("127.0.0.1", controller.port, sender="notifier@accord.example")
    assert deliver(channel, _message(), clock, RETRY).ok
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["oki@accord.example"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "[Accord] CRITICAL incident: weights leaked"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Acknowledge: http://notifier.test/ack/tok-1" in text
    assert '<a href="http://notifier.test/ack/tok-1">Acknowledge</a>' in html
    assert mail["Message-ID"].endswith("@accord-notifier>")


def test_email_to_a_closed_port_fails_retryably(clock):
    channel = EmailChannel("127.0.0.1", free_port(), sender="n@accord.example", timeout=2)
    delivery = deliver(channel, _message(), clock, RetryPolicy(attempts=2, backoff=0.5))
    assert (delivery.ok, delivery.retryable, delivery.attempts) == (False, True, 2)
    assert delivery.target.startswith("smtp://127.0.0.1:")


def test_the_null_channel_keeps_what_it_was_given(clock):
    null = NullChannel()
    assert deliver(null, _message(), clock, RETRY).ok
    assert [m.dedup_key for m in null.sent] == ["esc-1/0/0"]


def test_sent_and_failed_notifications_are_counted(clock):
    sent = counted("accord_notifications_total", channel="null", outcome="sent")
    failed = counted("accord_notifications_total", channel="email", outcome="failed")
    closed = EmailChannel("127.0.0.1", free_port(), sender="n@accord.example", timeout=2)

    assert deliver(NullChannel(), _message(), clock, RETRY).ok
    assert not deliver(closed, _message(), clock, RetryPolicy(attempts=1)).ok

    assert counted("accord_notifications_total", channel="null", outcome="sent") == sent + 1
    assert counted("accord_notifications_total", channel="email", outcome="failed") == failed + 1
