"""No accepted report is lost when the broker goes away: intake keeps accepting into its
outbox, and once the broker is back every report reaches the registry exactly once."""

from __future__ import annotations

import pytest
import requests
from e2e.helpers import create_api_key, eventually, post, report, search, service_env
from servers import start_noida

from tools import stack

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.elasticsearch]

BEFORE, DURING = 40, 80


def test_reports_accepted_while_the_broker_is_down_all_reach_the_registry_once(tmp_path):
    noida = start_noida(tmp_path / "noida")
    env = service_env(tmp_path / "data", noida=noida)
    key = create_api_key(env)
    auth = {"Authorization": f"Bearer {key}"}
    running = stack.start(env, log_dir=tmp_path)
    try:
        running.wait_ready()
        intake, registry = running.urls["intake"], running.urls["registry"]
        accepted = [post(intake, key, report(f"Durability report {n}")) for n in range(BEFORE)]
        # Wait for the first reports to land before the stop: noida-db can lose a record it
        # acknowledged while it shuts down (a test-server flaw a real cluster with acks=all
        # does not have), and this test is about intake, not about the broker.
        eventually(lambda: search(registry, "durability")["total"] == BEFORE)

        noida.stop()
        accepted += [post(intake, key, report(f"Durability report {n}")) for n in range(DURING)]
        assert requests.get(f"{intake}/readyz", timeout=30).status_code == 503
        waiting = requests.get(f"{intake}/v1/reports/{accepted[-1]}", headers=auth, timeout=10)
        assert waiting.json()["status"] == "accepted"  # in the outbox, not on the bus

        noida = start_noida(tmp_path / "noida", ports=noida.ports)
        found = eventually(
            lambda: (
                (r := search(registry, "durability", limit=200))["total"] >= len(accepted) and r
            ),
            timeout=90,
        )
        assert found["total"] == BEFORE + DURING
        assert sorted(hit["id"] for hit in found["items"]) == sorted(accepted)
    finally:
        codes = running.stop()
        noida.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")
