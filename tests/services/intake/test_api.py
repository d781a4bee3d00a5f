"""Intake's HTTP API through the real app: what a reporter sees and what reaches the outbox."""

from __future__ import annotations

import hashlib
import json

import pytest
from problems import assert_problem

from services.intake.relay import OutboxRelay
from shared.envelope import decode, new_id


def submit(client, body, **headers):
    return client.post("/v1/reports", json=body, headers=headers)


def stored_reports(outbox):
    return [decode(envelope) for _, envelope in outbox.unpublished(100)]


def test_a_valid_report_is_accepted_and_stored_in_the_outbox(client, outbox, valid_report):
    response = submit(client, valid_report(occurred_at="2026-03-01T14:05:00+01:00"))

    assert response.status_code == 202
    body = response.get_json()
    assert len(body["id"]) == 26
    assert body["status"] == "accepted"
    assert body["status_url"] == response.headers["Location"]
    assert body["status_url"].endswith(f"/v1/reports/{body['id']}")
    [envelope] = stored_reports(outbox)
    assert envelope.type == "report.accepted"
    assert envelope.key == body["id"]
    report = envelope.payload["report"]
    assert report["id"] == body["id"]
    assert report["channel"] == "api"
    assert report["occurred_at"] == "2026-03-01T13:05:00+00:00"
    assert report["countries"] == ["GB", "FR"]
    viewer = client.application.extensions["accord.authenticator"].viewer_for_key(
        client.environ_base["HTTP_AUTHORIZATION"].split()[1]
    )
    assert report["organization_id"] == viewer.organization_id
    assert report["submitted_by"] == viewer.person_id
    assert report["verified"] is True
    assert report["recipients"] == [viewer.person_id]
    assert report["publish_organization"] is False


def test_recipients_and_publishing_the_organization_are_kept(
    client, identities, outbox, valid_report
):
    reader = identities.person("CAISI", "reader@caisi.example", password=None)
    body = valid_report(tlp="RED", recipients=[reader], publish_organization=True)
    response = submit(client, body)

    assert response.status_code == 202
    [envelope] = stored_reports(outbox)
    report = envelope.payload["report"]
    assert report["recipients"] == [reader, report["submitted_by"]]
    assert report["publish_organization"] is True


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"recipients": "01JD00000000000000000000R1"}, "/recipients"),
        ({"recipients": [""]}, "/recipients/0"),
        ({"publish_organization": "yes"}, "/publish_organization"),
        ({"recipients": ["01JD00000000000000000000R1"]}, "/recipients/0"),  # no such person
    ],
)
def test_bad_sharing_fields_are_422_with_the_other_fields_errors(
    client, valid_report, changes, pointer
):
    body = assert_problem(submit(client, valid_report(title=None, **changes)), 422)
    assert {error["pointer"] for error in body["errors"]} == {pointer, "/title"}


def test_a_report_is_normalized_with_its_provenance(client, outbox, valid_report):
    body = valid_report(severity="SEV1", countries="Royaume-Uni; USA", tlp="TLP:WHITE")
    raw = json.dumps(body).encode()
    response = client.post("/v1/reports", data=raw, headers={"Content-Type": "application/json"})

    assert response.status_code == 202
    [envelope] = stored_reports(outbox)
    report = envelope.payload["report"]
    assert (report["severity"], report["countries"], report["tlp"]) == (
        "critical",
        ["GB", "US"],
        "CLEAR",
    )
    assert report["provenance"]["channel"] == "api"
    assert report["provenance"]["source_format"] == "json"
    assert report["provenance"]["payload_sha256"] == hashlib.sha256(raw).hexdigest()
    changed = {d["field"] for d in report["provenance"]["decisions"]}
    assert {"severity", "countries/0", "countries/1", "tlp"} <= changed


def test_markup_in_a_title_is_stored_exactly_as_given(client, outbox, valid_report):
    title = '<script>alert("x")</script> & co'
    assert submit(client, valid_report(title=title)).status_code == 202
    [envelope] = stored_reports(outbox)
    assert envelope.payload["report"]["title"] == title


def test_status_follows_the_report_from_accepted_to_forwarded(client, bus, outbox, valid_report):
    status_url = submit(client, valid_report()).get_json()["status_url"]

    before = client.get(status_url)
    assert before.status_code == 200
    assert before.get_json()["status"] == "accepted"
    assert before.get_json()["forwarded_at"] is None

    bus.create_topics({"reports": 1})
    producer = bus.producer()
    OutboxRelay(outbox, producer, "reports").publish(outbox.unpublished(100))
    producer.close()

    after = client.get(status_url).get_json()
    assert after["status"] == "forwarded"
    assert after["forwarded_at"] is not None


def test_status_of_an_unknown_report_is_404(client):
    unknown = new_id()
    body = assert_problem(client.get(f"/v1/reports/{unknown}"), 404)
    assert unknown in body["detail"]


def test_a_repeated_idempotency_key_returns_the_first_report(client, outbox, valid_report):
    first = submit(client, valid_report(), **{"Idempotency-Key": "retry-1"})
    again = submit(client, valid_report(), **{"Idempotency-Key": "retry-1"})

    assert first.status_code == again.status_code == 202
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(outbox.unpublished(100)) == 1


def test_an_idempotency_key_reused_for_another_report_is_a_conflict(client, outbox, valid_report):
    submit(client, valid_report(), **{"Idempotency-Key": "retry-1"})
    response = submit(client, valid_report(title="Other"), **{"Idempotency-Key": "retry-1"})

    assert "different report" in assert_problem(response, 409)["detail"]
    assert len(outbox.unpublished(100)) == 1


def test_an_over_long_idempotency_key_is_refused(client, outbox, valid_report):
    response = submit(client, valid_report(), **{"Idempotency-Key": "k" * 256})
    assert "255" in assert_problem(response, 400)["detail"]
    assert outbox.unpublished(100) == []


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"Content-Type": "text/plain"}, "text/plain"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "x-www-form-urlencoded"),
        ({}, "no content type"),
    ],
)
def test_a_body_that_is_not_json_is_unsupported(client, outbox, valid_report, headers, named):
    data = json.dumps(valid_report())
    response = client.post("/v1/reports", data=data, headers=headers)
    assert named in assert_problem(response, 415)["detail"]
    assert outbox.unpublished(100) == []


def test_a_body_over_one_mebibyte_is_too_large(client, outbox, valid_report):
    response = submit(client, valid_report(description="x" * (1 << 20)))
    assert_problem(response, 413)
    assert outbox.unpublished(100) == []


def test_malformed_json_names_the_error(client, outbox):
    response = client.post(
        "/v1/reports", data='{"title": ', headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 400)
    assert "Expecting value: line 1 column 11" in body["detail"]
    assert outbox.unpublished(100) == []


@pytest.mark.parametrize("body", [[], ["a report"], "a report", 42, None])
def test_json_that_is_not_an_object_is_unprocessable(client, outbox, body):
    response = client.post(
        "/v1/reports", data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 422)
    assert [e["detail"] for e in problem["errors"]] == ["The report must be a JSON object."]
    assert outbox.unpublished(100) == []


@pytest.mark.parametrize(
    ("changes", "pointers"),
    [
        ({"title": None, "tlp": None}, {"/title", "/tlp"}),
        ({"reporter_email": "a@example.org"}, {"/reporter_email"}),
        ({"severity": "purple", "event_type": "rumour"}, {"/severity", "/event_type"}),
        ({"occurred_at": "2026-03-01T14:05:00"}, {"/occurred_at"}),
        ({"countries": ["Atlantis", "FR", "XX"]}, {"/countries/0", "/countries/2"}),
        ({"countries": []}, {"/countries"}),
        ({"title": ""}, {"/title"}),
    ],
)
def test_invalid_fields_are_each_named_by_a_json_pointer(
    client, outbox, valid_report, changes, pointers
):
    problem = assert_problem(submit(client, valid_report(**changes)), 422)

    assert {e["pointer"] for e in problem["errors"]} == pointers
    assert len(problem["errors"]) == len(pointers)
    assert all(e["detail"] for e in problem["errors"])
    assert problem["detail"] == f"The report has {len(pointers)} invalid field" + (
        "s." if len(pointers) > 1 else "."
    )
    assert outbox.unpublished(100) == []


def test_a_naive_datetime_is_explained(client, valid_report):
    problem = assert_problem(submit(client, valid_report(occurred_at="2026-03-01T14:05")), 422)
    assert "time zone" in problem["errors"][0]["detail"]


def test_health_and_readiness(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {
        "status": "ok",
        "checks": {"bus": "ok", "outbox": "ok", "directory": "ok"},
    }


def test_an_occurrence_a_year_ahead_is_a_422_naming_the_field(client, outbox, valid_report):
    response = submit(client, valid_report(occurred_at="2099-01-01T00:00:00Z"))

    body = assert_problem(response, 422)
    [error] = body["errors"]
    assert error["pointer"] == "/occurred_at"
    assert "cannot have happened yet" in error["detail"]
    assert outbox.unpublished(100) == []
