"""What the end-to-end tests share: the services' environment, polling, and API calls."""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from servers import Noida, free_ports

from shared import bus as buses
from shared.settings import Settings
from shared.topics import topic_name

WEBHOOK_SECRET = "e2e-webhook-secret"


def report(title: str, severity: str = "medium") -> dict:
    return {
        "title": title,
        "description": "Found during an end-to-end test of Accord.",
        "event_type": "incident",
        "severity": severity,
        "occurred_at": "2026-11-20T10:00:00+01:00",
        "countries": ["FR"],
        "reporting_organization": "Test Lab",
        "tlp": "GREEN",
    }


def service_env(
    data_dir: Path,
    *,
    webhook_url: str = "",
    noida: Noida | None = None,
    intake_processes: int = 1,
) -> dict:
    """Environment for the three services on free ports, with names unique to this test;
    on Kafka and Elasticsearch (noida-db) when ``noida`` is given, else embedded. Intake
    serves from one process unless told otherwise (fewer processes, quicker tests)."""
    intake, registry, notifier = free_ports(3)
    env = {
        "ACCORD_DATA_DIR": str(data_dir),
        "ACCORD_INTAKE_PORT": str(intake),
        "ACCORD_REGISTRY_PORT": str(registry),
        "ACCORD_NOTIFIER_PORT": str(notifier),
        "ACCORD_WEBHOOK_URL": webhook_url,
        "ACCORD_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ACCORD_TOPIC_PREFIX": f"e2e-{uuid.uuid4().hex[:8]}",
        "ACCORD_INDEX_PREFIX": f"e2e-{uuid.uuid4().hex[:8]}",
        "ACCORD_INTAKE_PROCESSES": str(intake_processes),
    }
    if noida is not None:
        env |= {
            "ACCORD_BUS": "kafka",
            "ACCORD_STORE": "elasticsearch",
            "ACCORD_KAFKA_BOOTSTRAP_SERVERS": noida.kafka_bootstrap,
            "ACCORD_ELASTICSEARCH_URL": noida.elasticsearch_url,
            "ACCORD_KAFKA_SESSION_TIMEOUT_MS": "6000",  # noida's minimum
            "ACCORD_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        }
    return env


def accord(env: dict[str, str], *args: str) -> str:
    """Run the ``accord`` command as an operator would; its standard output."""
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env={**os.environ, **env}, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.strip()


def consumer_lag(env: dict[str, str], group: str, topic: str) -> int:
    """What the service's consumer ``group`` has not committed yet on the logical ``topic``,
    read from the bus the services share."""
    settings = Settings.from_env(env)
    bus = buses.connect(settings)
    try:
        prefix = settings.topic_prefix
        return bus.lag(f"{prefix}.{group}", topic_name(prefix, topic))
    finally:
        bus.close()


def create_api_key(env: dict[str, str], organization: str = "Test Lab") -> str:
    """A lab, a reporter service account and its key, made with ``accord``."""
    accord(env, "org", "add", organization)
    account = accord(env, "account", "add", "--name", "Uploads", "--org", organization,
                     "--role", "reporter")  # fmt: skip
    return accord(env, "key", "create", account)


def create_oncall_person(env: dict[str, str]) -> tuple[str, str]:
    """An on-call person of the secretariat, made with ``accord``: their id and a key."""
    accord(env, "org", "add", "Accord Secretariat")
    person = accord(env, "person", "add", "--name", "Oki Tanaka", "--email", "oki@accord.example",
                    "--org", "Accord Secretariat", "--role", "oncall",
                    "--timezone", "Asia/Tokyo")  # fmt: skip
    return person, accord(env, "key", "create", "oki@accord.example")


def signature_ok(request) -> bool:
    """Whether a webhook request carries the notifier's signature over timestamp and body
    (the README's verification, as a receiver would do it)."""
    timestamp = request.headers["Accord-Timestamp"]
    mac = hmac.new(
        WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + request.get_data(), hashlib.sha256
    )
    return hmac.compare_digest(request.headers["Accord-Signature"], "v1=" + mac.hexdigest())


def eventually(check, timeout: float = 30.0):
    """Return check()'s first truthy value, polling until ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout:.0f}s")


def post(intake_url: str, key: str, body: dict) -> str:
    response = requests.post(
        f"{intake_url}/v1/reports",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    return response.json()["id"]


def search(registry_url: str, key: str, text: str, limit: int = 20) -> dict:
    """The registry's search as the owner of ``key`` sees it."""
    response = requests.get(
        f"{registry_url}/v1/incidents",
        params={"q": text, "limit": limit},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()
