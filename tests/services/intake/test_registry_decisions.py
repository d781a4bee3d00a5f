"""The reporting lab and the registry's decisions, over a real embedded bus: the lab reads
public rationales (never confidential ones) in intake's status API, answers a request for
information there, and the answer lands in the registry's timeline."""

from __future__ import annotations

import pytest
from identities import client_for
from problems import assert_problem
from registry_support import app_client, headers

from services.intake.consumer import RegistryStatusProjection
from services.intake.relay import OutboxRelay
from services.registry.consumer import ReportProjection
from services.registry.journal import Journal
from services.registry.store.embedded import EmbeddedStore
from shared.envelope import decode
from shared.topics import REGISTRY_EVENTS, REPORTS, topic_name

REPORTS_TOPIC = topic_name("test", REPORTS)
EVENTS_TOPIC = topic_name("test", REGISTRY_EVENTS)
OWNER = headers("risk owner")


@pytest.fixture
def registry(tmp_path, bus):
    """The registry's consumer and API on the same bus, on an embedded store."""
    store = EmbeddedStore(tmp_path / "registry.sqlite3")
    store.ensure()
    producer = bus.producer()
    projection = ReportProjection(
        store,
        producer,
        events_topic=EVENTS_TOPIC,
        registry_url="http://registry.test",
        journal=Journal.in_memory(),
    )
    yield projection, app_client(tmp_path, bus, store)
    producer.close()
    store.close()


def relay(outbox, producer) -> None:
    """What intake's relay does in its loop: reports, then answers, onto the bus."""
    publisher = OutboxRelay(outbox, producer, REPORTS_TOPIC)
    publisher.publish(outbox.unpublished(100))
    publisher.publish_answers(outbox.unpublished_answers(100))


def deliver(bus, topic: str, handler) -> None:
    """Every record of ``topic`` to ``handler``, from the start: a redelivery each time."""
    handler([decode(record.value) for record in bus.replay(topic)])


def decide(api, incident_id: str, path: str, body: dict) -> dict:
    version = api.get(f"/v1/incidents/{incident_id}", headers=OWNER).headers["ETag"]
    response = api.post(
        f"/v1/incidents/{incident_id}/{path}", json=body, headers={**OWNER, "If-Match": version}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_lab_reads_public_rationales_and_answers_a_question(
    client, app, identities, bus, outbox, producer, registry, valid_report
):
    projection, api = registry
    filed = client.post("/v1/reports", json=valid_report(title="Weights copied out"))
    report_id = filed.get_json()["id"]
    relay(outbox, producer)
    deliver(bus, REPORTS_TOPIC, projection.__call__)
    public = {"to": "triaged", "rationale": "In scope: we are on it.", "visibility": "public"}
    decide(api, report_id, "transitions", public)
    secret = {
        "to": "investigating",
        "rationale": "Suspect an insider.",
        "visibility": "confidential",
    }
    decide(api, report_id, "transitions", secret)
    asked = decide(api, report_id, "information-requests", {"question": "Which checkpoint?"})
    assert asked["status"] == "needs-information"
    deliver(bus, EVENTS_TOPIC, RegistryStatusProjection(outbox))

    status = client.get(f"/v1/reports/{report_id}").get_json()
    assert status["status"] == "needs-information"
    assert [(h["status"], h["reason"]) for h in status["history"]] == [
        ("registered", None),
        ("triaged", "In scope: we are on it."),
        ("investigating", None),
        ("needs-information", "Which checkpoint?"),
    ]
    assert "Suspect an insider." not in str(status)
    [question] = status["questions"]
    assert question["question"] == "Which checkpoint?" and question["answer"] is None

    answers = f"/v1/reports/{report_id}/answers"
    request_id = question["request_id"]
    blank = client.post(answers, json={"request_id": request_id, "answer": " "})
    assert [e["pointer"] for e in assert_problem(blank, 422)["errors"]] == ["/answer"]
    unknown = client.post(answers, json={"request_id": "nope", "answer": "Step 4000."})
    assert_problem(unknown, 404)
    other_lab = client_for(app, identities, "Other Lab")
    assert_problem(other_lab.post(answers, json={"request_id": request_id, "answer": "x"}), 404)
    given = client.post(answers, json={"request_id": request_id, "answer": "Step 4000."})
    assert given.status_code == 202, given.get_json()
    again = client.post(answers, json={"request_id": request_id, "answer": "Step 4001."})
    assert_problem(again, 409)

    relay(outbox, producer)
    deliver(bus, REPORTS_TOPIC, projection.__call__)
    deliver(bus, REPORTS_TOPIC, projection.__call__)  # redelivered: answered once
    timeline = api.get(f"/v1/incidents/{report_id}/timeline", headers=OWNER).get_json()
    provided = [i for i in timeline["items"] if i["type"] == "incident.information_provided"]
    assert [(i["answer"], i["to"]) for i in provided] == [("Step 4000.", "investigating")]
    assert provided[0]["actor"]["organization"] == status_org(outbox, report_id)
    lab_view = api.get(f"/v1/incidents/{report_id}", headers=OWNER).get_json()
    assert lab_view["status"] == "investigating"
    assert lab_view["information_requests"][0]["answer"] == "Step 4000."

    deliver(bus, EVENTS_TOPIC, RegistryStatusProjection(outbox))
    after = client.get(f"/v1/reports/{report_id}").get_json()
    assert after["status"] == "investigating"
    assert after["questions"][0]["answer"] == "Step 4000."


def status_org(outbox, report_id: str) -> str:
    return outbox.get(report_id).organization_id
