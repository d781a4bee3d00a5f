"""The registry killed (SIGKILL) in the middle of a bulk load of a real dataset (the AIAAIC
sheet through intake's bulk upload), then started again: it resumes from its last
committed offset, and every report the upload accepted is in the registry exactly once.
On the embedded bus and store: on noida-db, whose search scans every document, the
export of two thousand incidents polled until complete takes minutes."""

from __future__ import annotations

import signal
import threading

import pytest
import requests
from registry_datasets import DATASETS_DIR
from resilience.support import assert_each_registered_once, deployed, registered_count
from waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.resilience, pytest.mark.timeout(300)]


def test_killed_mid_bulk_load_it_resumes_and_registers_each_report_once(tmp_path, httpserver):
    with deployed(tmp_path, httpserver) as d:
        intake, registry = d.urls["intake"], d.urls["registry"]
        uploaded: dict = {}

        def upload() -> None:
            with (DATASETS_DIR / "aiaaic" / "incidents.csv").open("rb") as sheet:
                uploaded["answer"] = requests.post(
                    f"{intake}/v1/reports/bulk",
                    params={"format": "aiaaic"},
                    data=sheet,
                    headers={"Authorization": f"Bearer {d.key}", "Content-Type": "text/csv"},
                    timeout=300,
                )

        uploader = threading.Thread(target=upload)
        uploader.start()
        try:
            # Killed once the first incidents are stored, while the upload still runs.
            wait_until(lambda: registered_count(registry, d.key) > 0, "the first incidents", 120)
            d.running.processes["registry"].send_signal(signal.SIGKILL)
            d.running.processes["registry"].wait(30)
        finally:
            uploader.join(300)
        answer = uploaded["answer"]
        assert answer.status_code == 200, answer.text
        accepted = [row["id"] for row in answer.json()["results"] if "id" in row]
        assert len(accepted) > 1000

        d.running.launch("registry")
        d.running.wait_ready(timeout=120)
        assert_each_registered_once(registry, d.key, accepted, timeout=240)
