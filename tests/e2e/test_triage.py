"""Triage with the three services as real processes, on both profiles: a risk owner takes
a lab's incident from new to resolved through the registry's API, asks the lab a question
on the way, the lab answers through intake, and reads the public rationales (never the
confidential one) in intake's status API."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests
from e2e.helpers import accord, create_api_key, eventually, post, report, service_env

from tools import stack

pytestmark = pytest.mark.e2e

PROFILES = [
    "embedded",
    pytest.param("cluster", marks=[pytest.mark.kafka, pytest.mark.elasticsearch]),
]


@pytest.fixture(params=PROFILES)
def services(request, tmp_path):
    noida = request.getfixturevalue("noida") if request.param == "cluster" else None
    env = service_env(tmp_path / "data", noida=noida)
    lab_key = create_api_key(env)
    accord(env, "org", "add", "Secretariat")
    owner = accord(env, "account", "add", "--name", "Triage desk", "--org", "Secretariat",
                   "--role", "risk_owner")  # fmt: skip
    owner_key = accord(env, "key", "create", owner)
    running = stack.start(env, log_dir=tmp_path)
    try:
        running.wait_ready()
        yield SimpleNamespace(urls=running.urls, lab=lab_key, owner=owner_key)
    finally:
        codes = running.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")


def auth(key: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **extra}


def test_a_risk_owner_resolves_an_incident_and_the_lab_reads_why(services):
    intake, registry = services.urls["intake"], services.urls["registry"]
    incident_id = post(intake, services.lab, report("Agent copied checkpoints out", "high"))
    incident = f"{registry}/v1/incidents/{incident_id}"
    eventually(lambda: requests.get(incident, headers=auth(services.owner), timeout=5).ok)

    def decide(path: str, body: dict) -> dict:
        etag = requests.get(incident, headers=auth(services.owner), timeout=5).headers["ETag"]
        response = requests.post(
            f"{incident}/{path}", json=body, headers=auth(services.owner, **{"If-Match": etag}),
            timeout=10,
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return response.json()

    def move(to: str, rationale: str, visibility: str = "public") -> dict:
        body = {"to": to, "rationale": rationale, "visibility": visibility}
        return decide("transitions", body)

    move("triaged", "In scope: an agent left the sandbox.")
    move("investigating", "The insider is suspected.", "confidential")
    decide("information-requests", {"question": "Which evaluation harness?"})

    status_url = f"{intake}/v1/reports/{incident_id}"

    def status() -> dict:
        return requests.get(status_url, headers=auth(services.lab), timeout=5).json()

    asked = eventually(lambda: (s := status())["questions"] and s)
    answer = {"request_id": asked["questions"][0]["request_id"], "answer": "Harness v3."}
    answered = requests.post(
        f"{status_url}/answers", json=answer, headers=auth(services.lab), timeout=5
    )
    assert answered.status_code == 202, answered.text
    back = eventually(
        lambda: (
            (i := requests.get(incident, headers=auth(services.owner), timeout=5).json())["status"]
            == "investigating"
            and i
        )
    )
    assert back["information_requests"][0]["answer"] == "Harness v3."
    move("mitigating", "Credentials revoked.")
    resolved = move("resolved", "Egress is filtered now.")
    assert resolved["status"] == "resolved" and resolved["version"] == 7

    final = eventually(lambda: (s := status())["status"] == "resolved" and s)
    reasons = [change["reason"] for change in final["history"]]
    assert "In scope: an agent left the sandbox." in reasons
    assert "Egress is filtered now." in reasons
    assert "The insider is suspected." not in str(final)
    timeline = requests.get(f"{incident}/timeline", headers=auth(services.lab), timeout=5).json()
    assert "The insider is suspected." not in str(timeline)
    assert "Harness v3." in str(timeline)
