"""Intake's cost per report in one thread, without HTTP or other processes: the Flask app
through its test client, normalization, the codec and the fsync'd outbox write; then
where that time goes, from a profile of the same requests."""

from __future__ import annotations

import cProfile
import json
import tempfile
import time
from pathlib import Path

from bench.profile import table
from services.intake.app import create_app
from shared import normalize
from shared.bus.embedded import EmbeddedBus
from shared.directory import demo
from shared.directory.projection import Directory, DirectoryProjection
from shared.settings import Settings

REPORTS = 1000
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-report.json"
# The accept path's parts, as (file suffix, function) in the profile.
PARTS = {
    "outbox write, fsync'd (Outbox.add)": ("services/intake/outbox.py", "add"),
    "envelope encode, re-validating the report (envelope.encode)": (
        "shared/envelope.py",
        "encode",
    ),
    "of which the compiled validators (compiled_schema.check)": (
        "shared/compiled_schema.py",
        "check",
    ),
    "normalization (normalize)": ("shared/normalize/normalizer.py", "normalize"),
    "of which language detection (py3langid)": ("shared/normalize/language.py", "detect"),
    "rate limit (flask-limiter)": ("flask_limiter/_extension.py", "_check_request_limit"),
}


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
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for _ in range(REPORTS):
            client.post("/v1/reports", json=body)
        profile.disable()
        profiled = time.perf_counter() - started
        producer.close()
        bus.close()
    return (
        "## Intake's cost per report (one thread, no HTTP server)\n\n"
        f"{REPORTS} copies of docs/example-report.json through the app's test client.\n\n"
        f"- {per_report * 1000:.1f} ms per report ({1 / per_report:,.0f} reports/s in one"
        " thread)\n\n"
        f"Where it goes: the same {REPORTS} requests under cProfile"
        f" ({profiled / REPORTS * 1000:.1f} ms per report with the profiler's overhead;"
        " the parts overlap where one calls another).\n\n"
        + table(profile, PARTS, n=REPORTS, total=profiled, unit="report")
    )
