"""From POST to searchable: how long until a report posted to intake is found in the
registry, with the three services running as processes on the embedded profile.
Also intake's acceptance rate under concurrent clients, and a whole dataset uploaded in
bulk until every accepted row is searchable."""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.stats import summary_ms
from shared.directory import demo
from shared.settings import Settings
from tools import stack

AIAAIC = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "aiaaic" / "incidents.csv"
SEQUENTIAL = 200
CONCURRENT_CLIENTS = 8
CONCURRENT_REPORTS = 2000
PORTS = {
    "ACCORD_INTAKE_PORT": "18101",
    "ACCORD_REGISTRY_PORT": "18102",
    "ACCORD_NOTIFIER_PORT": "18103",
}


def body(n: int) -> dict:
    return {
        "title": f"Benchmark report {n} about prompt injection",
        "description": "An agent followed instructions hidden in a web page. " * 10,
        "event_type": "incident",
        "severity": "medium",
        "occurred_at": "2026-11-20T10:00:00+01:00",
        "countries": ["FR", "DE"],
        "reporting_organization": "Bench Lab",
        "tlp": "GREEN",
    }


def time_to_searchable(session: requests.Session, urls: dict[str, str], n: int) -> float:
    started = time.perf_counter()
    response = session.post(f"{urls['intake']}/v1/reports", json=body(n), timeout=10)
    response.raise_for_status()
    incident = f"{urls['registry']}/v1/incidents/{response.json()['id']}"
    while session.get(incident, timeout=10).status_code != 200:
        time.sleep(0.005)
    return time.perf_counter() - started


def accept_rate(urls: dict[str, str], key: str) -> tuple[float, list[float]]:
    headers = {"Authorization": f"Bearer {key}"}

    def post(n: int) -> float:
        started = time.perf_counter()
        response = requests.post(
            f"{urls['intake']}/v1/reports", json=body(n), headers=headers, timeout=10
        )
        response.raise_for_status()
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENT_CLIENTS) as pool:
        latencies = list(pool.map(post, range(CONCURRENT_REPORTS)))
    return CONCURRENT_REPORTS / (time.perf_counter() - started), latencies


def bulk_to_searchable(urls: dict[str, str], key: str) -> tuple[int, float, float]:
    """Upload the AIAAIC sheet; return accepted rows, upload time, time until searchable."""
    incidents = f"{urls['registry']}/v1/incidents"
    auth = {"Authorization": f"Bearer {key}"}
    before = requests.get(incidents, headers=auth, timeout=10).json()["total"]
    started = time.perf_counter()
    response = requests.post(
        f"{urls['intake']}/v1/reports/bulk",
        params={"format": "aiaaic"},
        data=AIAAIC.read_bytes(),
        headers={**auth, "Content-Type": "text/csv"},
        timeout=300,
    )
    response.raise_for_status()
    uploaded = time.perf_counter() - started
    accepted = response.json()["summary"]["accepted"]
    while requests.get(incidents, headers=auth, timeout=10).json()["total"] < before + accepted:
        time.sleep(0.05)
    return accepted, uploaded, time.perf_counter() - started


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        key = demo.lab_key(settings, "Bench Lab")
        env = {
            "ACCORD_DATA_DIR": str(settings.data_dir),
            "ACCORD_LOG_LEVEL": "WARNING",
            "ACCORD_INTAKE_RATE_LIMIT": "1000000/minute",  # measure intake, not the limiter
            **PORTS,
        }
        running = stack.start(env, log_dir=Path(tmp))
        try:
            running.wait_ready()
            with requests.Session() as session:
                session.headers["Authorization"] = f"Bearer {key}"
                time_to_searchable(session, running.urls, -1)  # warm-up
                seen = [time_to_searchable(session, running.urls, n) for n in range(SEQUENTIAL)]
            rate, latencies = accept_rate(running.urls, key)
            bulk_rows, bulk_upload, bulk_searchable = bulk_to_searchable(running.urls, key)
        finally:
            running.stop()
    return (
        "## Report: POST to searchable (embedded profile)\n\n"
        "Three services as processes; each report posted, then its registry page polled "
        "every 5 ms until it answers 200.\n\n"
        f"- time to searchable, {SEQUENTIAL} reports one after another: {summary_ms(seen)}\n"
        f"- intake acceptance, {CONCURRENT_CLIENTS} concurrent clients, {CONCURRENT_REPORTS}"
        f" reports: {rate:.0f} reports/s; latency {summary_ms(latencies)}\n"
        f"- bulk: the AIAAIC sheet ({bulk_rows} rows accepted) uploaded in {bulk_upload:.1f} s;"
        f" all of them searchable {bulk_searchable:.1f} s after the upload began\n"
    )
