"""Intake served by two HTTP processes and a relay process (ACCORD_INTAKE_PROCESSES=2),
on the embedded bus: reports filed through both reach the bus exactly once, a key created
while running works in both, the rate limit counts across them, SIGTERM stops every
process cleanly, and a process that dies takes intake down."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from servers import free_ports
from waiting import wait_until

from shared import bus as buses
from shared.directory import demo
from shared.settings import Settings
from shared.topics import REPORTS, topic_name

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "example-report.json"
LIMIT = 40  # per minute: more than the test files with one key


class Intake:
    def __init__(self, tmp_path: Path) -> None:
        (port,) = free_ports(1)
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "ACCORD_DATA_DIR": str(tmp_path / "data"),
            "ACCORD_INTAKE_PORT": str(port),
            "ACCORD_TOPIC_PREFIX": "procs",
            "ACCORD_INTAKE_PROCESSES": "2",
            "ACCORD_INTAKE_RATE_LIMIT": f"{LIMIT}/minute",
        }
        self.settings = Settings.from_env(self.env)
        self.key = demo.lab_key(self.settings, "Lab A")
        self.log = tmp_path / "intake.log"
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.intake"],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return requests.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def post(self, key: str) -> requests.Response:
        # A new connection each time, so the kernel hands each to whichever process accepts.
        return requests.post(
            f"{self.url}/v1/reports",
            data=EXAMPLE.read_bytes(),
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Connection": "close",
            },
            timeout=10,
        )

    def served_by(self) -> dict[str, int]:
        """Each filing's request id → the pid of the process that answered it."""
        lines = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        return {
            line["request_id"]: line["pid"]
            for line in lines
            if line.get("message", "").startswith("POST /v1/reports")
        }

    def published(self) -> Counter:
        bus = buses.connect(self.settings)
        try:
            topic = topic_name(self.settings.topic_prefix, REPORTS)
            return Counter(record.key for record in bus.replay(topic))
        finally:
            bus.close()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


@pytest.fixture
def intake(tmp_path):
    intake = Intake(tmp_path)
    try:
        wait_until(intake.ready, "intake to be ready", timeout=60)
        assert len(intake.children()) == 3  # the relay and two HTTP processes
        # Ready means both HTTP processes have read the directory, whichever answers.
        checks = requests.get(f"{intake.url}/readyz", timeout=5).json()["checks"]
        assert checks["processes"] == "ok"
        yield intake
    finally:
        intake.stop()


def _file_until_both_answer(intake: Intake, key: str) -> dict[str, str]:
    """File reports until each HTTP process has answered at least one; request id →
    report id."""
    accepted: dict[str, str] = {}

    def both_answered() -> bool:
        response = intake.post(key)
        assert response.status_code == 202, response.text
        accepted[response.headers["X-Request-ID"]] = response.json()["id"]
        served = intake.served_by()
        return len({served[r] for r in accepted if r in served}) == 2

    wait_until(both_answered, "both HTTP processes to take a report")
    return accepted


def test_reports_through_both_processes_reach_the_bus_exactly_once(intake):
    accepted = _file_until_both_answer(intake, intake.key)
    ids = set(accepted.values())
    wait_until(lambda: ids <= set(intake.published()), "every report on the bus")
    published = intake.published()
    assert set(published) == ids
    assert set(published.values()) == {1}
    processes = set(intake.children())
    assert set(intake.served_by().values()) <= processes
    assert intake.stop() == 0
    assert all(not Path(f"/proc/{pid}").exists() for pid in processes)


def test_a_key_created_while_running_works_in_both_processes(intake):
    key = demo.lab_key(intake.settings, "Lab B")
    # Until a process has applied the new key it answers 401; each does within seconds.
    wait_until(lambda: intake.post(key).status_code == 202, "the new key to work")
    _file_until_both_answer(intake, key)


def test_the_rate_limit_counts_across_processes(intake):
    answers = [intake.post(intake.key).status_code for _ in range(LIMIT + 5)]
    assert answers == [202] * LIMIT + [429] * 5
    assert len(set(intake.served_by().values())) == 2


def _samples(intake: Intake) -> dict[tuple[str, frozenset], float]:
    """One scrape of /metrics on a new connection (so any process may answer it)."""
    text = requests.get(f"{intake.url}/metrics", headers={"Connection": "close"}, timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_add_up_every_process_whichever_answers(intake):
    for _ in range(LIMIT + 3):
        intake.post(intake.key)
    assert len(set(intake.served_by().values())) == 2
    filed = {"method": "POST", "route": "/v1/reports"}
    accepted = ("accord_http_requests_total", frozenset((filed | {"status": "202"}).items()))
    refused = ("accord_http_requests_total", frozenset((filed | {"status": "429"}).items()))
    # Published by the relay process, which serves no HTTP at all.
    produced = ("accord_messages_produced_total", frozenset({("topic", "procs.reports")}))
    wait_until(lambda: _samples(intake).get(produced) == LIMIT, "the relay's count")
    for _ in range(6):
        samples = _samples(intake)
        assert (samples[accepted], samples[refused]) == (LIMIT, 3)


def test_a_process_that_dies_takes_intake_down(intake):
    victim = intake.children()[-1]
    os.kill(victim, signal.SIGKILL)
    assert intake.process.wait(30) == 1
    log = intake.log.read_text()
    assert f"(pid {victim}) exited with -9" in log
    assert "stopping the others" in log
