"""Intake's /metrics (requests, outbox depth) and its readiness on the outbox."""

from __future__ import annotations

from scrape import value


def test_metrics_show_the_request_and_the_report_waiting_in_the_outbox(client, valid_report):
    response = client.post("/v1/reports", json=valid_report(), headers={"X-Request-ID": "r-1"})
    assert response.status_code == 202
    assert response.headers["X-Request-ID"] == "r-1"

    text = client.get("/metrics").get_data(as_text=True)

    assert value(text, "accord_outbox_depth") == 1
    route = {"method": "POST", "route": "/v1/reports", "status": "202"}
    assert value(text, "accord_http_requests_total", **route) >= 1


def test_the_outbox_depth_falls_when_the_relay_has_published(client, outbox, valid_report):
    client.post("/v1/reports", json=valid_report())
    [(report_id, _)] = outbox.unpublished(10)
    outbox.mark_published([report_id], "2026-12-03T10:00:00+00:00")

    text = client.get("/metrics").get_data(as_text=True)

    assert value(text, "accord_outbox_depth") == 0


def test_not_ready_when_the_outbox_does_not_answer(client, outbox):
    outbox.close()

    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["bus"] == checks["directory"] == "ok"
    assert checks["outbox"].startswith("the outbox does not answer")
    assert client.get("/healthz").status_code == 200
    assert "accord_outbox_depth" not in client.get("/metrics").get_data(as_text=True)
