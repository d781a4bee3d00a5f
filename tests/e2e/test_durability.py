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
        eventually(lambda: search(registry, key, "durability")["total"] == BEFORE)

        noida.stop()
        accepted += [post(intake, key, report(f"Durability report {n}")) for n in range(DURING)]
        assert requests.get(f"{intake}/readyz", timeout=30).status_code == 503
        waiting = requests.get(f"{intake}/v1/reports/{accepted[-1]}", headers=auth, timeout=10)
        assert waiting.json()["status"] == "accepted"  # in the outbox, not on the bus

        noida = start_noida(tmp_path / "noida", ports=noida.ports)
        found = eventually(
            lambda: (
                (r := search(registry, key, "durability", limit=200))["total"] >= len(accepted)
                and r
            ),
            timeout=90,
        )
        assert found["total"] == BEFORE + DURING
        assert sorted(hit["id"] for hit in found["items"]) == sorted(accepted)
    finally:
        codes = running.stop()
        noida.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")


def test_services_restarted_while_the_broker_is_away_accept_and_deliver_once_it_is_back(
    tmp_path,
):
    noida = start_noida(tmp_path / "noida")
    env = service_env(tmp_path / "data", noida=noida)
    key = create_api_key(env)
    first = stack.start(env, log_dir=tmp_path)
    try:
        first.wait_ready()  # every service has read the directory from the bus
    finally:
        assert set(first.stop().values()) == {0}
    noida.stop()

    running = stack.start(env, log_dir=tmp_path)  # with nothing behind the broker's address
    try:
        running.wait_ready(probe="/healthz")
        intake, registry = running.urls["intake"], running.urls["registry"]
        not_ready = requests.get(f"{intake}/readyz", timeout=30)
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["bus"] != "ok"
        # The key works from the directory intake kept on its own disk.
        accepted = [post(intake, key, report(f"Early report {n}")) for n in range(DURING)]

        noida = start_noida(tmp_path / "noida", ports=noida.ports)
        running.wait_ready(timeout=90)  # every service connects by itself

        def all_found() -> dict | None:
            answer = requests.get(
                f"{registry}/v1/incidents",
                params={"q": "early", "limit": 200},
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
            if answer.status_code == 503:  # the registry is still creating its index
                return None
            assert answer.status_code == 200, answer.text
            return answer.json() if answer.json()["total"] >= DURING else None

        found = eventually(all_found, timeout=90)
        assert found["total"] == DURING
        assert sorted(hit["id"] for hit in found["items"]) == sorted(accepted)
    finally:
        codes = running.stop()
        noida.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")
