"""Intake's cost per report in one thread, without HTTP or other processes: the Flask app
through its test client, normalization, the codec and the fsync'd outbox write."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from services.intake.app import create_app
from shared import normalize
from shared.bus.embedded import EmbeddedBus
from shared.directory import demo
from shared.directory.projection import Directory, DirectoryProjection
from shared.settings import Settings

REPORTS = 1000
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-report.json"


def run() -> str:
    normalize.warm_up()
    body = json.loads(EXAMPLE.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), intake_rate_limit="1000000/minute", secret_key="bench"
        )
        bus = EmbeddedBus(Path(tmp) / "bus.sqlite3")
        producer = bus.producer()
        directory = DirectoryProjection()
        events, key = demo.lab_key_events(Directory(), "Bench Lab")
        directory(events)
        app = create_app(settings, bus=bus, directory=directory, producer=producer)
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        for _ in range(20):  # warm-up
            client.post("/v1/reports", json=body)
        started = time.perf_counter()
        for _ in range(REPORTS):
            assert client.post("/v1/reports", json=body).status_code == 202
        per_report = (time.perf_counter() - started) / REPORTS
        producer.close()
        bus.close()
    return (
        "## Intake's cost per report (one thread, no HTTP server)\n\n"
        f"{REPORTS} copies of docs/example-report.json through the app's test client.\n\n"
        f"- {per_report * 1000:.1f} ms per report ({1 / per_report:,.0f} reports/s in one thread)\n"
    )
