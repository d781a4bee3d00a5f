"""The duplicates routes through the real app, on both stores: the same JSON filed twice,
AIAAIC's copy of an AIID incident, access (404 like the detail; only readable candidates;
the queue for risk owners and coordinators), and bad arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from problems import assert_problem
from registry_datasets import incidents
from registry_support import LAB_A, LAB_B, app_client, headers

from shared.normalize import normalize

EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "example-report.json"
OTHER_TITLES = (
    "Chatbot gave harmful chemistry advice",
    "Robot arm collision on an assembly line",
    "Voice clone used to authorize a payment",
    "Model weights requested by an unknown caller",
)


@pytest.fixture
def client(tmp_path, bus, any_store):
    return app_client(tmp_path, bus, any_store)


def filed(n: int, raw: dict, organization: str = LAB_A) -> dict:
    """``raw`` as intake files it from ``organization``'s API key: normalized, with an id."""
    report = normalize(raw, channel="api", source_format="json", payload=json.dumps(raw).encode())
    return {
        **report,
        "id": f"01JDDUP{n:019d}",
        "received_at": f"2026-11-{n:02d}T09:15:00+00:00",
        "status": "new",
        "organization_id": organization,
        "recipients": [],
    }


def others(raw: dict) -> list[dict]:
    return [
        filed(10 + n, {**raw, "title": title, "description": f"{title}, seen in testing."})
        for n, title in enumerate(OTHER_TITLES)
    ]


def get(client, path: str, viewer: str = "lab A reporter", **args):
    return client.get(path, query_string=args, headers=headers(viewer))


def test_the_same_json_filed_twice_is_the_top_suggestion_both_ways(client, any_store):
    raw = json.loads(EXAMPLE.read_text())
    first, second = filed(1, raw), filed(2, raw)
    any_store.upsert([first, second, *others(raw)])

    for incident, original in ((second, first), (first, second)):
        response = get(client, f"/v1/incidents/{incident['id']}/duplicates")
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert body["incident_id"] == incident["id"]
        top = body["items"][0]
        assert top["incident"]["id"] == original["id"]
        assert top["score"] == 1.0
        assert "the same title and description" in top["reasons"]
        assert incident["id"] not in [item["incident"]["id"] for item in body["items"]]


def test_aiaaic_copy_of_an_aiid_incident_is_suggested_for_the_original(client, any_store):
    # The Tempe crash in both sources, among every record naming Uber or a pedestrian.
    def about(incident: dict) -> str:
        return f"{incident['title']} {incident.get('description') or ''}".lower()

    sample = [
        i
        for i in (*incidents("aiid"), *incidents("aiaaic"))
        if "uber" in about(i) or "pedestrian" in about(i)
    ]
    assert len(sample) > 30
    any_store.upsert(sample)

    for original, copy in (("aiid:4", "aiaaic:AIAAIC0187"), ("aiaaic:AIAAIC0187", "aiid:4")):
        body = get(client, f"/v1/incidents/{original}/duplicates").get_json()
        top = body["items"][0]
        assert top["incident"]["id"] == copy
        assert "same developer: uber" in [r.lower() for r in top["reasons"]]


def test_an_incident_the_viewer_may_not_read_is_the_same_404_as_its_detail(client, any_store):
    raw = json.loads(EXAMPLE.read_text())  # AMBER: lab B may not read it
    amber = filed(1, raw)
    any_store.upsert([amber])

    for incident_id in (amber["id"], "01JDNOSUCHINCIDENT00000000"):
        detail = assert_problem(get(client, f"/v1/incidents/{incident_id}", "lab B reporter"), 404)
        dupes = get(client, f"/v1/incidents/{incident_id}/duplicates", "lab B reporter")
        assert assert_problem(dupes, 404) == detail
    assert_problem(client.get(f"/v1/incidents/{amber['id']}/duplicates"), 401)


def test_suggestions_hold_only_incidents_the_viewer_may_read(client, any_store):
    raw = {**json.loads(EXAMPLE.read_text()), "tlp": "CLEAR"}
    clear = filed(1, raw, organization=LAB_B)
    amber = filed(2, {**raw, "tlp": "AMBER"})  # lab A's copy, not for lab B
    any_store.upsert([clear, amber])

    def suggested(viewer: str) -> list[str]:
        body = get(client, f"/v1/incidents/{clear['id']}/duplicates", viewer).get_json()
        return [item["incident"]["id"] for item in body["items"]]

    assert suggested("lab B reporter") == []
    assert suggested("risk owner") == [amber["id"]]


def test_the_queue_lists_each_pair_once_under_the_later_incident(client, any_store):
    raw = json.loads(EXAMPLE.read_text())
    first, second = filed(1, raw), filed(2, raw)
    any_store.upsert([first, second, *others(raw)])

    for viewer in ("risk owner", "coordinator"):
        response = get(client, "/v1/duplicates", viewer, min_score=0.9)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert body["min_score"] == 0.9
        assert [
            (item["incident"]["id"], [s["incident"]["id"] for s in item["suggestions"]])
            for item in body["items"]
        ] == [(second["id"], [first["id"]])]


def test_the_queue_is_for_risk_owners_and_coordinators(client):
    assert_problem(client.get("/v1/duplicates"), 401)
    body = assert_problem(get(client, "/v1/duplicates", "lab A reporter"), 403)
    assert "risk owners and coordinators" in body["detail"]


@pytest.mark.parametrize(
    ("path", "args", "pointer"),
    [
        ("/v1/incidents/{id}/duplicates", {"min_score": "2"}, "/min_score"),
        ("/v1/incidents/{id}/duplicates", {"min_score": "nan"}, "/min_score"),
        ("/v1/incidents/{id}/duplicates", {"limit": "0"}, "/limit"),
        ("/v1/duplicates", {"recent": "201"}, "/recent"),
        ("/v1/duplicates", {"min_score": "-0.1"}, "/min_score"),
    ],
)
def test_bad_arguments_are_a_422_naming_each(client, any_store, path, args, pointer):
    incident = filed(1, json.loads(EXAMPLE.read_text()))
    any_store.upsert([incident])
    response = get(client, path.format(id=incident["id"]), "risk owner", **args)
    body = assert_problem(response, 422)
    assert [error["pointer"] for error in body["errors"]] == [pointer]
