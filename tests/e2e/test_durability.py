"""No accepted report is lost when the broker goes away: intake keeps accepting into its
outbox, and once the broker is back every report reaches the registry exactly once."""

from __future__ import annotations

import threading

import pytest
import requests
from e2e.helpers import eventually, post, report, search, service_env
from servers import start_noida

from tools import stack

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.elasticsearch]

REPORTS = 120
STOP_AFTER = 40


def test_reports_accepted_while_the_broker_is_down_all_reach_the_registry_once(tmp_path):
    noida = start_noida(tmp_path / "noida")
    running = stack.start(service_env(tmp_path / "data", noida=noida), log_dir=tmp_path)
    try:
        running.wait_ready()
        intake, registry = running.urls["intake"], running.urls["registry"]
        accepted: list[str] = []
        broker_down = threading.Event()

        def file_reports() -> None:
            for n in range(REPORTS):
                accepted.append(post(intake, report(f"Durability report {n}")))
                if n == STOP_AFTER:
                    broker_down.set()

        poster = threading.Thread(target=file_reports)
        poster.start()
        assert broker_down.wait(60)
        noida.stop()  # mid-stream: intake goes on accepting into its outbox
        poster.join(120)
        assert len(accepted) == REPORTS
        # While the broker is down, the latest reports wait in the outbox.
        assert requests.get(f"{intake}/readyz", timeout=10).status_code == 503
        last = requests.get(f"{intake}/v1/reports/{accepted[-1]}", timeout=10).json()
        assert last["status"] == "accepted"
        noida = start_noida(tmp_path / "noida", ports=noida.ports)

        found = eventually(
            lambda: (r := search(registry, "durability", limit=200))["total"] >= REPORTS and r,
            timeout=90,
        )
        assert found["total"] == REPORTS
        assert sorted(hit["id"] for hit in found["items"]) == sorted(accepted)
    finally:
        codes = running.stop()
        noida.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")
