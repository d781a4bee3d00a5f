"""The webhook channel against a real HTTP receiver: one try when it works, bounded
retries with backoff on transient failures, none on a request the receiver refuses."""

from __future__ import annotations

import socket
import threading

import pytest
from scrape import counted
from waiting import wait_until
from werkzeug import Request, Response

from shared.clock import TestClock

BODY = {"event": "incident.registered", "dedup_key": "incident.registered:01JD1"}
KEY = "incident.registered:01JD1"


def hook_requests(httpserver) -> list[Request]:
    return [request for request, _ in httpserver.log]


def test_a_delivery_that_succeeds_takes_one_attempt(httpserver, webhook):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)

    delivery = webhook().send(BODY, dedup_key=KEY)

    assert (delivery.ok, delivery.attempts, delivery.error) == (True, 1, "")
    [request] = hook_requests(httpserver)
    assert request.get_json() == BODY
    assert request.headers["Idempotency-Key"] == KEY
    assert request.headers["Content-Type"] == "application/json"
    httpserver.check_assertions()


def test_a_transient_failure_is_retried_with_the_same_key(httpserver, webhook):
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("ok")

    delivery = webhook().send(BODY, dedup_key=KEY)

    assert (delivery.ok, delivery.attempts) == (True, 2)
    requests = hook_requests(httpserver)
    assert [r.headers["Idempotency-Key"] for r in requests] == [KEY, KEY]
    assert [r.get_json() for r in requests] == [BODY, BODY]
    httpserver.check_assertions()


@pytest.mark.parametrize("status", [400, 404, 422])
def test_a_refused_request_is_not_retried(httpserver, webhook, status):
    httpserver.expect_request("/hook", method="POST").respond_with_data("no", status=status)

    delivery = webhook().send(BODY, dedup_key=KEY)

    assert (delivery.ok, delivery.attempts) == (False, 1)
    assert delivery.error.startswith(str(status))
    assert len(hook_requests(httpserver)) == 1


def test_a_receiver_that_keeps_failing_gets_the_configured_attempts(httpserver, webhook):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=500)

    delivery = webhook(attempts=4, backoff=0.01).send(BODY, dedup_key=KEY)

    assert (delivery.ok, delivery.attempts) == (False, 4)
    assert delivery.error.startswith("500")
    assert len(hook_requests(httpserver)) == 4


def test_retries_back_off_exponentially(httpserver, webhook):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=503)
    clock = TestClock()

    webhook(attempts=4, backoff=0.05, clock=clock).send(BODY, dedup_key=KEY)

    assert clock.waits == [0.05, 0.1, 0.2]  # between four attempts, none after the last


def test_an_unreachable_receiver_is_a_failure_naming_the_error(webhook):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now: the connection is refused.

    delivery = webhook(f"http://127.0.0.1:{port}/hook", attempts=2).send(BODY, dedup_key=KEY)

    assert (delivery.ok, delivery.attempts) == (False, 2)
    assert delivery.error.startswith("ConnectionError")


def test_a_receiver_slower_than_the_timeout_is_a_failure(httpserver, webhook):
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5)
        return Response("late")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(slow)

    delivery = webhook(timeout=0.05, attempts=1).send(BODY, dedup_key=KEY)

    assert (delivery.ok, delivery.attempts) == (False, 1)
    assert delivery.error.startswith("ReadTimeout")
    # Let the receiver finish, so its late answer is not logged during the next test.
    release.set()
    wait_until(lambda: httpserver.log, "the receiver's late answer")


def test_sent_and_failed_notifications_are_counted(httpserver, webhook):
    sent = counted("accord_notifications_total", channel="webhook", outcome="sent")
    failed = counted("accord_notifications_total", channel="webhook", outcome="failed")
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("", status=204)
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("no", status=400)

    assert webhook().send(BODY, dedup_key=KEY).ok
    assert not webhook().send(BODY, dedup_key=KEY).ok

    assert counted("accord_notifications_total", channel="webhook", outcome="sent") == sent + 1
    assert counted("accord_notifications_total", channel="webhook", outcome="failed") == failed + 1
