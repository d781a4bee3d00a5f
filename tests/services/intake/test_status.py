"""Following reports after filing them: one report's status, and a lab's list of reports."""

from __future__ import annotations

import pytest
from identities import client_for
from problems import assert_problem

from services.intake.consumer import RegistryStatusProjection
from services.intake.relay import OutboxRelay
from services.intake.schemas import OFFSET_MAX
from shared.envelope import Envelope, decode, encode

REGISTERED_AT = "2026-03-02T09:00:00+00:00"


def file_report(client, report: dict, **headers) -> str:
    response = client.post("/v1/reports", json=report, headers=headers)
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def registered(report_id: str, at: str = REGISTERED_AT) -> Envelope:
    """An ``incident.registered`` event as the registry publishes it, through the codec."""
    event = Envelope(
        type="incident.registered",
        key=report_id,
        producer="registry",
        payload={
            "incident_id": report_id,
            "title": "Model exfiltrated its weights during evaluation",
            "severity": "high",
            "event_type": "incident",
            "tlp": "AMBER",
            "status": "new",
            "registered_at": at,
            "url": f"http://127.0.0.1:8002/v1/incidents/{report_id}",
        },
    )
    return decode(encode(event))


def forward(bus, outbox) -> None:
    bus.create_topics({"reports": 1})
    producer = bus.producer()
    try:
        OutboxRelay(outbox, producer, "reports").publish(outbox.unpublished(100))
    finally:
        producer.close()


def test_a_new_report_is_accepted_with_no_history(client, valid_report):
    report_id = file_report(client, valid_report(title="Weights copied out"))

    response = client.get(f"/v1/reports/{report_id}")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {
        "id", "title", "status", "accepted_at", "forwarded_at", "history", "questions"
    }  # fmt: skip
    assert body["id"] == report_id
    assert body["title"] == "Weights copied out"
    assert body["status"] == "accepted"
    assert body["accepted_at"].endswith("+00:00")
    assert body["forwarded_at"] is None
    assert body["history"] == []


def test_the_status_follows_the_report_to_the_registry(client, bus, outbox, valid_report):
    report_id = file_report(client, valid_report())
    status_url = f"/v1/reports/{report_id}"

    forward(bus, outbox)
    forwarded = client.get(status_url).get_json()
    assert forwarded["status"] == "forwarded"
    assert forwarded["forwarded_at"] >= forwarded["accepted_at"]
    assert forwarded["history"] == []

    project = RegistryStatusProjection(outbox)
    project([registered(report_id)])
    after_once = client.get(status_url).get_json()
    assert after_once["status"] == "registered"
    assert after_once["forwarded_at"] == forwarded["forwarded_at"]
    assert after_once["history"] == [{"status": "registered", "at": REGISTERED_AT, "reason": None}]

    # At least once: the same event again, or a late duplicate, changes nothing.
    project([registered(report_id)])
    project([registered(report_id, at="2026-03-05T00:00:00+00:00")])
    assert client.get(status_url).get_json() == after_once


def test_another_labs_report_is_not_found_as_if_it_did_not_exist(
    app, identities, client, valid_report
):
    report_id = file_report(client, valid_report())
    other = client_for(app, identities, "CAISI")

    theirs = other.get(f"/v1/reports/{report_id}")
    missing = other.get("/v1/reports/01J00000000000000000000000")

    assert_problem(theirs, 404)
    assert_problem(missing, 404)
    assert {k: v for k, v in theirs.get_json().items() if k != "detail"} == {
        k: v for k, v in missing.get_json().items() if k != "detail"
    }
    assert "UK AISI" not in theirs.get_data(as_text=True)
    assert client.get(f"/v1/reports/{report_id}").status_code == 200


def test_a_lab_lists_only_its_own_reports_newest_first(app, identities, client, valid_report):
    other = client_for(app, identities, "CAISI")
    mine = [file_report(client, valid_report(title=f"Ours {n}")) for n in range(3)]
    theirs = file_report(other, valid_report(title="Theirs"))

    response = client.get("/v1/reports")

    assert response.status_code == 200
    body = response.get_json()
    assert [item["id"] for item in body["items"]] == mine[::-1]
    assert [item["title"] for item in body["items"]] == ["Ours 2", "Ours 1", "Ours 0"]
    assert all(item["status"] == "accepted" for item in body["items"])
    assert (body["limit"], body["offset"]) == (50, 0)
    assert [item["id"] for item in other.get("/v1/reports").get_json()["items"]] == [theirs]


def test_the_list_pages_with_limit_and_offset(client, valid_report):
    ids = [file_report(client, valid_report(title=f"Report {n}")) for n in range(5)][::-1]

    def page(query: str) -> list[str]:
        response = client.get(f"/v1/reports?{query}")
        assert response.status_code == 200
        return [item["id"] for item in response.get_json()["items"]]

    assert page("limit=2") == ids[:2]
    assert page("limit=2&offset=2") == ids[2:4]
    assert page("limit=2&offset=4") == ids[4:]
    assert page("offset=5") == []
    assert client.get("/v1/reports?limit=2&offset=3").get_json()["offset"] == 3


def test_the_list_shows_each_reports_status(client, bus, outbox, valid_report):
    first = file_report(client, valid_report(title="First"))
    forward(bus, outbox)
    RegistryStatusProjection(outbox)([registered(first)])
    file_report(client, valid_report(title="Second"))

    items = client.get("/v1/reports").get_json()["items"]

    assert [(item["title"], item["status"]) for item in items] == [
        ("Second", "accepted"),
        ("First", "registered"),
    ]


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("limit=0", "/limit"),
        ("limit=501", "/limit"),
        ("limit=abc", "/limit"),
        ("limit=2.5", "/limit"),
        ("offset=-1", "/offset"),
        ("offset=x", "/offset"),
        # Past SQLite's largest integer: was a 500 (OverflowError binding the OFFSET).
        (f"offset={OFFSET_MAX + 1}", "/offset"),
    ],
)
def test_bad_paging_is_unprocessable(client, query, pointer):
    response = client.get(f"/v1/reports?{query}")

    errors = assert_problem(response, 422)["errors"]
    assert [error["pointer"] for error in errors] == [pointer]


def test_the_largest_offset_is_an_empty_page(client, valid_report):
    file_report(client, valid_report())
    response = client.get(f"/v1/reports?offset={OFFSET_MAX}")
    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_an_idempotency_key_is_scoped_to_the_lab(app, identities, client, outbox, valid_report):
    other = client_for(app, identities, "CAISI")
    key = {"Idempotency-Key": "batch-7/report-1"}

    ours = file_report(client, valid_report(), **key)
    theirs = file_report(other, valid_report(), **key)

    assert ours != theirs
    assert file_report(client, valid_report(), **key) == ours
    assert file_report(other, valid_report(), **key) == theirs
    assert len(outbox.unpublished(100)) == 2
    assert other.get(f"/v1/reports/{theirs}").status_code == 200
    assert other.get(f"/v1/reports/{ours}").status_code == 404


def test_reports_are_scoped_by_organization_id_not_by_the_name_they_give(
    app, identities, client, valid_report
):
    """Lab B's report naming lab A is lab B's; another key of lab A sees lab A's reports."""
    lab_b = client_for(app, identities, "CAISI")
    same_lab = client_for(app, identities, "UK AISI")
    ours = file_report(client, valid_report())
    theirs = file_report(lab_b, valid_report(reporting_organization="UK AISI"))

    assert [item["id"] for item in same_lab.get("/v1/reports").get_json()["items"]] == [ours]
    assert same_lab.get(f"/v1/reports/{ours}").status_code == 200
    assert client.get(f"/v1/reports/{theirs}").status_code == 404
    assert lab_b.get(f"/v1/reports/{ours}").status_code == 404
