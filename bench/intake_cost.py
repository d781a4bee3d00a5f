"""Intake's cost per report in one thread, without HTTP or other processes: the Flask app
through its test client, normalization, the codec and the fsync'd outbox write; then
where that time goes, from a profile of the same requests."""

from __future__ import annotations

import cProfile
import json
import os
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
# The accept path's parts, as (file suffix, function) in the profile: the request as
# Flask runs it, then the view within it, then the view's parts.
PARTS = {
    "the request in Flask (wsgi_app: hooks, auth, view, response)": ("flask/app.py", "wsgi_app"),
    "the API key (current_viewer)": ("shared/auth.py", "current_viewer"),
    "rate limit (RateLimiter.hit)": ("services/intake/rate_limit.py", "hit"),
    "the view (submit)": ("services/intake/views.py", "submit"),
    "normalization (normalize)": ("shared/normalize/normalizer.py", "normalize"),
    "of which language detection (fastText)": ("shared/normalize/language.py", "detect"),
    "envelope encode, re-validating the report (envelope.encode)": (
        "shared/envelope.py",
        "encode",
    ),
    "of which the compiled validators (compiled_schema.check)": (
        "shared/compiled_schema.py",
        "check",
    ),
    "outbox write, fsync'd (Outbox.add)": ("services/intake/outbox.py", "add"),
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
        started, started_cpu = time.perf_counter(), time.process_time()
        for _ in range(REPORTS):
            assert client.post("/v1/reports", json=body).status_code == 202
        per_report = (time.perf_counter() - started) / REPORTS
        cpu_per_report = (time.process_time() - started_cpu) / REPORTS
        # On this process's CPU time: the machine is shared, and wall time counts the
        # other processes' turns on the cores too (but not the fsync's wait, see above).
        profile = cProfile.Profile(time.process_time)
        started = time.process_time()
        profile.enable()
        for _ in range(REPORTS):
            client.post("/v1/reports", json=body)
        profile.disable()
        profiled = time.process_time() - started
        producer.close()
        bus.close()
    return (
        "## Intake's cost per report (one thread, no HTTP server)\n\n"
        f"{REPORTS} copies of docs/example-report.json through the app's test client.\n\n"
        f"- {per_report * 1000:.1f} ms per report ({1 / per_report:,.0f} reports/s in one"
        f" thread), of which {cpu_per_report * 1000:.1f} ms on the CPU; the rest is mostly"
        " the outbox's fsync, which one thread cannot share, and other processes' turns on"
        f" the cores (1-minute load average {os.getloadavg()[0]:.1f})\n\n"
        f"Where the CPU time goes: the same {REPORTS} requests under cProfile, timed on"
        f" the process's CPU clock ({profiled / REPORTS * 1000:.1f} ms per report with the"
        " profiler's overhead; the parts overlap where one calls another).\n\n"
        + table(profile, PARTS, n=REPORTS, total=profiled, unit="report")
    )
