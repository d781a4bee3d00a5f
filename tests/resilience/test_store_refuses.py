"""The registry's store refuses writes for a while: on the embedded profile the test holds
SQLite's write lock on it (as a long backup or a stuck process would), on Elasticsearch
(noida-db) it closes the index. Reports keep coming in and wait on the bus, a triage
decision is a 503 that leaves nothing half-written, and once the store takes writes again
every accepted report is registered exactly once (none went to the dead letters)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import pytest
import requests
from e2e.helpers import accord, post, report
from resilience.support import assert_each_registered_once, deployed, registered_count
from waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.resilience, pytest.mark.timeout(240)]


@contextlib.contextmanager
def refusing_writes(env: dict[str, str], noida) -> Iterator[str]:
    """The store refuses writes inside the block; yields what the registry logs then."""
    if noida is None:
        lock = sqlite3.connect(f"{env['ACCORD_DATA_DIR']}/registry.sqlite3", isolation_level=None)
        try:
            lock.execute("BEGIN EXCLUSIVE")  # no other connection writes until the rollback
            yield "database is locked"
        finally:
            lock.rollback()
            lock.close()
    else:
        index = f"{noida.elasticsearch_url}/{env['ACCORD_INDEX_PREFIX']}-incidents-v2"
        assert requests.post(f"{index}/_close", timeout=30).ok
        try:
            yield "index_closed_exception"
        finally:
            assert requests.post(f"{index}/_open", timeout=30).ok


def test_while_the_store_refuses_writes_nothing_is_lost_or_half_written(
    tmp_path, httpserver, profile
):
    with deployed(tmp_path, httpserver, noida=profile) as d:
        accord(d.env, "person", "add", "--name", "Rita Owner", "--email", "rita@accord.example",
               "--org", "Accord Secretariat", "--role", "risk_owner")  # fmt: skip
        owner = {"Authorization": f"Bearer {accord(d.env, 'key', 'create', 'rita@accord.example')}"}
        intake, registry = d.urls["intake"], d.urls["registry"]
        accepted = [post(intake, d.key, report(f"Before the refusal {n}")) for n in range(3)]
        assert_each_registered_once(registry, d.key, accepted)
        incident_url = f"{registry}/v1/incidents/{accepted[0]}"
        wait_until(
            lambda: requests.get(incident_url, headers=owner, timeout=10).status_code == 200,
            "the risk owner's key in the registry",
        )

        with refusing_writes(d.env, profile) as logged:
            accepted += [post(intake, d.key, report(f"During the refusal {n}")) for n in range(10)]
            wait_until(
                lambda: logged in d.running.log("registry"),
                "the registry's consumer to meet the refusing store",
                60,
            )
            decided = requests.post(
                f"{incident_url}/transitions",
                json={"to": "triaged", "rationale": "In scope.", "visibility": "public"},
                headers={**owner, "If-Match": '"1"'},
                timeout=60,
            )
            assert decided.status_code == 503, decided.text
            assert "Retry-After" in decided.headers
            if profile is None:  # SQLite readers go on: nothing new was written
                assert registered_count(registry, d.key) == 3

        assert_each_registered_once(registry, d.key, accepted)
        incident = requests.get(incident_url, headers=owner, timeout=10)
        assert incident.headers["ETag"] == '"1"'
        assert incident.json()["status"] == "new"  # the refused decision left no trace
        assert [e["type"] for e in incident.json()["timeline"]] == ["incident.registered"]
