"""The operator's view of a running stack, each service started by ``accord start``:
/metrics on all three, request ids in the JSON logs, and the ``accord`` commands (outbox,
lag, export, dead letters, rebuild) against the live services. On the embedded profile
only: a cluster stack costs a minute of the suite, and the same code paths run on Kafka and
Elasticsearch in the bus contract suite (lag per partition) and test_rebuild.py."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
import requests
from e2e.helpers import accord, create_api_key, eventually, post, report, search, service_env
from scrape import samples, value

from tools import stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    """One stack for the module's tests (starting one takes seconds)."""
    folder = tmp_path_factory.mktemp("operations")
    env = service_env(folder / "data")
    key = create_api_key(env)
    running = stack.start(env, log_dir=folder)
    try:
        running.wait_ready()
        yield SimpleNamespace(urls=running.urls, key=key, env=env, stack=running)
    finally:
        codes = running.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")


def metrics(url: str) -> str:
    response = requests.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return response.text


def test_every_service_serves_metrics_and_logs_request_ids(services):
    intake, registry = services.urls["intake"], services.urls["registry"]
    prefix = services.env["ACCORD_TOPIC_PREFIX"]
    incident = post(intake, services.key, report("Metrics are counted"))
    eventually(lambda: search(registry, services.key, "metrics counted")["items"])

    read = requests.get(
        f"{registry}/v1/incidents/{incident}",
        headers={"Authorization": f"Bearer {services.key}", "X-Request-ID": "e2e-read-1"},
        timeout=10,
    )

    assert read.headers["X-Request-ID"] == "e2e-read-1"
    for name, url in services.urls.items():
        text = metrics(url)
        assert value(text, "accord_http_requests_total", method="GET", route="/readyz",
                     status="200"), name  # fmt: skip
    posted = {"method": "POST", "route": "/v1/reports", "status": "202"}
    assert value(metrics(intake), "accord_http_requests_total", **posted) >= 1
    assert eventually(lambda: value(metrics(intake), "accord_outbox_depth") == 0)
    produced = {"topic": f"{prefix}.reports"}
    assert value(metrics(intake), "accord_messages_produced_total", **produced) >= 1
    scraped = metrics(registry)
    consumed = {"consumer": "registry", "topic": f"{prefix}.reports"}
    assert value(scraped, "accord_messages_consumed_total", **consumed) >= 1
    lags = [v for (name, labels), v in samples(scraped).items() if name == "accord_consumer_lag"
            and dict(labels)["group"] == f"{prefix}.registry"]  # fmt: skip
    assert lags and sum(lags) == 0
    lines = [json.loads(line) for line in services.stack.log("registry").splitlines()
             if line.startswith("{")]  # fmt: skip
    [access] = [line for line in lines if line.get("request_id") == "e2e-read-1"]
    assert access["incident_id"] == incident
    assert access["service"] == "registry"
    assert access["message"] == f"GET /v1/incidents/{incident} 200"


def test_the_commands_against_the_running_stack(services):
    intake, registry = services.urls["intake"], services.urls["registry"]
    env = services.env
    first = post(intake, services.key, report("Before the rebuild"))
    eventually(lambda: search(registry, services.key, "before rebuild")["items"])

    assert accord(env, "outbox").startswith("0 reports wait to be published")
    lag = [line.split() for line in accord(env, "lag", "--service", "registry").splitlines()]
    assert lag[-1][2:] == ["total", "0"]
    assert accord(env, "dead-letters", "list") == "0 dead letters, 0 replayed"
    query = "before rebuild"
    through_api = accord(env, "export", "--url", registry, "--key", services.key, "--query", query)
    assert [json.loads(line)["id"] for line in through_api.splitlines()] == [first]
    from_store = [json.loads(line) for line in accord(env, "export", "--store").splitlines()]
    assert first in {incident["id"] for incident in from_store}

    rebuilt = accord(env, "registry", "rebuild")

    # from the reports and the events the stack has published on them meanwhile
    assert re.search(r"from \d+ records .* 0 skipped; it is served now", rebuilt)
    assert [json.loads(line) for line in accord(env, "export", "--store").splitlines()] == (
        from_store
    )
    assert [hit["id"] for hit in search(registry, services.key, "before rebuild")["items"]] == [
        first
    ]
    after = post(intake, services.key, report("After the rebuild"))
    found = eventually(lambda: search(registry, services.key, "after rebuild")["items"])
    assert [hit["id"] for hit in found] == [after]
    assert len(accord(env, "export", "--store").splitlines()) == len(from_store) + 1
