"""A report's whole journey, with the three services as real processes: posted to intake,
found in registry search, and, when critical, paged to the webhook exactly once.

Runs on both profiles: embedded (SQLite bus and store) and cluster (Kafka and
Elasticsearch, both served by noida-db).
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests
from servers import free_ports

from tools import stack

pytestmark = pytest.mark.e2e

PROFILES = [
    "embedded",
    pytest.param("cluster", marks=[pytest.mark.kafka, pytest.mark.elasticsearch]),
]


def report(title: str, severity: str) -> dict:
    return {
        "title": title,
        "description": "Found during an end-to-end test of Accord.",
        "event_type": "incident",
        "severity": severity,
        "occurred_at": "2026-11-20T10:00:00+01:00",
        "countries": ["FR"],
        "reporting_organization": "Test Lab",
        "tlp": "GREEN",
    }


@pytest.fixture(params=PROFILES)
def services(request, tmp_path, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_json({"ok": True})
    intake, registry, notifier = free_ports(3)
    env = {
        "ACCORD_DATA_DIR": str(tmp_path / "data"),
        "ACCORD_INTAKE_PORT": str(intake),
        "ACCORD_REGISTRY_PORT": str(registry),
        "ACCORD_NOTIFIER_PORT": str(notifier),
        "ACCORD_WEBHOOK_URL": httpserver.url_for("/hook"),
        "ACCORD_TOPIC_PREFIX": f"e2e-{uuid.uuid4().hex[:8]}",
        "ACCORD_INDEX_PREFIX": f"e2e-{uuid.uuid4().hex[:8]}",
    }
    if request.param == "cluster":
        noida = request.getfixturevalue("noida")
        env |= {
            "ACCORD_BUS": "kafka",
            "ACCORD_STORE": "elasticsearch",
            "ACCORD_KAFKA_BOOTSTRAP_SERVERS": noida.kafka_bootstrap,
            "ACCORD_ELASTICSEARCH_URL": noida.elasticsearch_url,
            "ACCORD_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "ACCORD_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        }
    running = stack.start(env, log_dir=tmp_path)
    try:
        running.wait_ready()
        yield running
    finally:
        codes = running.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")


def eventually(check, timeout: float = 30.0):
    """Return check()'s first truthy value, polling until ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout:.0f}s")


def post(services, body: dict) -> str:
    response = requests.post(f"{services.urls['intake']}/v1/reports", json=body, timeout=5)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def search(services, text: str) -> list[dict]:
    response = requests.get(
        f"{services.urls['registry']}/v1/incidents", params={"q": text}, timeout=5
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_critical_report_is_searchable_and_paged_once(services, httpserver):
    routine = post(services, report("Routine drift in a ranking model", "low"))
    critical = post(services, report("Model weights exfiltrated by an insider", "critical"))

    found = eventually(lambda: search(services, "exfiltrated insider"))
    assert [hit["id"] for hit in found] == [critical]
    assert found[0]["status"] == "new"
    assert found[0]["occurred_at"] == "2026-11-20T09:00:00+00:00"
    eventually(lambda: search(services, "routine drift"))

    calls = eventually(lambda: [req for req, _ in httpserver.log])
    time.sleep(1.0)  # room for a duplicate page, which must not come
    bodies = [req.get_json() for req, _ in httpserver.log]
    assert [b["incident"]["incident_id"] for b in bodies] == [critical]
    assert calls[0].headers["Idempotency-Key"] == f"incident.registered:{critical}"
    assert routine not in {b["incident"]["incident_id"] for b in bodies}

    status = requests.get(f"{services.urls['intake']}/v1/reports/{critical}", timeout=5).json()
    assert status["status"] == "forwarded"
