"""A report's whole journey, with the three services as real processes: posted to intake,
found in registry search, and, when critical, paged to the on-call person through the
signed webhook with an ack link, once (until the policy's re-page), and acknowledged.

Runs on both profiles: embedded (SQLite bus and store) and cluster (Kafka and
Elasticsearch, both served by noida-db).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests
from e2e.helpers import (
    consumer_lag,
    create_api_key,
    create_oncall_person,
    eventually,
    post,
    report,
    search,
    service_env,
    signature_ok,
)

from shared.topics import REGISTRY_EVENTS
from tools import stack

pytestmark = pytest.mark.e2e

PROFILES = [
    "embedded",
    pytest.param("cluster", marks=[pytest.mark.kafka, pytest.mark.elasticsearch]),
]


@pytest.fixture(params=PROFILES)
def services(request, tmp_path, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_json({"ok": True})
    noida = request.getfixturevalue("noida") if request.param == "cluster" else None
    # Intake as it runs by default on a 2-core machine: two HTTP processes and a relay.
    env = service_env(
        tmp_path / "data",
        webhook_url=httpserver.url_for("/hook"),
        noida=noida,
        intake_processes=2,
    )
    key = create_api_key(env)
    oncall, oncall_key = create_oncall_person(env)
    running = stack.start(env, log_dir=tmp_path)
    try:
        running.wait_ready()
        yield SimpleNamespace(
            urls=running.urls, key=key, env=env, oncall=oncall, oncall_key=oncall_key
        )
    finally:
        codes = running.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")


def test_a_critical_report_is_searchable_and_paged_once(services, httpserver):
    intake, registry = services.urls["intake"], services.urls["registry"]
    post(intake, services.key, report("Routine drift in a ranking model", "low"))  # a digest
    critical = post(
        intake, services.key, report("Model weights exfiltrated by an insider", "critical")
    )

    found = eventually(lambda: search(registry, services.key, "exfiltrated insider")["items"])
    assert [hit["id"] for hit in found] == [critical]
    assert found[0]["status"] == "new"
    assert found[0]["occurred_at"] == "2026-11-20T09:00:00+00:00"
    eventually(lambda: search(registry, services.key, "routine drift")["items"])

    calls = eventually(lambda: [req for req, _ in httpserver.log])
    # Once the notifier has committed past every registry event, any duplicate page would
    # have been sent: count them then.
    eventually(lambda: consumer_lag(services.env, "notifier", REGISTRY_EVENTS) == 0)
    bodies = [req.get_json() for req, _ in httpserver.log]
    assert [[i["incident_id"] for i in b["incidents"]] for b in bodies] == [[critical]]
    (page,) = bodies
    assert calls[0].headers["Idempotency-Key"] == f"{page['escalation_id']}/0/0"
    assert signature_ok(calls[0])
    assert [r["id"] for r in page["recipients"]] == [services.oncall]
    assert page["ack_url"].startswith(f"{services.urls['notifier']}/ack/")

    # The on-call person acknowledges by the API; the escalation shows who and when.
    notifier = services.urls["notifier"]
    oncall_auth = {"Authorization": f"Bearer {services.oncall_key}"}
    acked = requests.post(
        f"{notifier}/v1/escalations/{page['escalation_id']}/ack", headers=oncall_auth, timeout=5
    )
    assert acked.status_code == 200, acked.text
    (escalation,) = requests.get(
        f"{notifier}/v1/escalations", params={"incident": critical}, headers=oncall_auth, timeout=5
    ).json()["items"]
    assert escalation["status"] == "acknowledged"
    assert escalation["acknowledged"]["by"] == {"id": services.oncall, "name": "Oki Tanaka"}

    # The lab sees its report registered, from the registry's own event.
    status = eventually(
        lambda: (
            (
                s := requests.get(
                    f"{intake}/v1/reports/{critical}",
                    headers={"Authorization": f"Bearer {services.key}"},
                    timeout=5,
                ).json()
            )["status"]
            == "registered"
            and s
        )
    )
    assert [change["status"] for change in status["history"]] == ["registered"]
