"""The same JSON posted twice to intake without an Idempotency-Key: two incidents, and the
registry suggests each as the other's top duplicate (the three services as processes,
embedded profile; the API tests hold both stores to the same answers)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests
from e2e.helpers import create_api_key, eventually, post, report, search, service_env

from tools import stack

pytestmark = pytest.mark.e2e


@pytest.fixture
def services(tmp_path):
    env = service_env(tmp_path / "data")
    key = create_api_key(env)
    running = stack.start(env, log_dir=tmp_path)
    try:
        running.wait_ready()
        yield SimpleNamespace(urls=running.urls, key=key)
    finally:
        codes = running.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")


def test_the_same_json_posted_twice_is_each_others_top_suggestion(services):
    intake, registry = services.urls["intake"], services.urls["registry"]
    body = report("Model weights copied to an unapproved server")
    first, second = post(intake, services.key, body), post(intake, services.key, body)
    post(intake, services.key, report("Chatbot gave harmful chemistry advice"))
    assert first != second
    eventually(lambda: search(registry, services.key, "")["total"] == 3)

    for incident, original in ((second, first), (first, second)):
        response = requests.get(
            f"{registry}/v1/incidents/{incident}/duplicates",
            headers={"Authorization": f"Bearer {services.key}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        top = response.json()["items"][0]
        assert (top["incident"]["id"], top["score"]) == (original, 1.0)
        assert "the same title and description" in top["reasons"]
