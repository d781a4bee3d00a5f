"""The registry's HTTP API through the real app on an embedded store: search, paging,
argument errors as problem+json, reading one incident, readiness."""

from __future__ import annotations

import pytest

from services.registry.app import create_app
from services.registry.store.embedded import EmbeddedStore
from shared.settings import Settings

PROBLEM = "application/problem+json"


def incident(make_report, n: int, **changes) -> dict:
    return {**make_report(n, **changes), "status": "new"}


def ids(body: dict) -> list[str]:
    return [item["id"] for item in body["items"]]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["title"]
    return body


def test_search_finds_the_incidents_having_every_word(client, store, make_report):
    chemistry = incident(make_report, 1, title="Chatbot gave harmful chemistry advice")
    robot = incident(make_report, 2, title="Robot arm collision", description="Harmful contact")
    store.upsert([chemistry, robot, incident(make_report, 3, title="Unrelated outage")])

    harmful = client.get("/v1/incidents", query_string={"q": "harmful"}).get_json()
    both_words = client.get("/v1/incidents", query_string={"q": "Harmful CHEMISTRY"}).get_json()
    nothing = client.get("/v1/incidents", query_string={"q": "nonexistentword"}).get_json()

    assert harmful["total"] == 2
    assert sorted(ids(harmful)) == sorted([chemistry["id"], robot["id"]])
    assert both_words["total"] == 1
    assert both_words["items"] == [chemistry]
    assert nothing == {"total": 0, "limit": 20, "offset": 0, "items": []}


def test_an_empty_query_lists_every_incident_newest_first(client, store, make_report):
    store.upsert([incident(make_report, n) for n in (2, 5, 1, 4, 3)])

    body = client.get("/v1/incidents").get_json()

    assert body["total"] == 5
    assert (body["limit"], body["offset"]) == (20, 0)
    assert ids(body) == [make_report(n)["id"] for n in (5, 4, 3, 2, 1)]


def test_limit_and_offset_page_through_the_results(client, store, make_report):
    store.upsert([incident(make_report, n, title=f"Deepfake {n}") for n in range(1, 8)])

    response = client.get("/v1/incidents", query_string={"q": "deepfake", "limit": 3})
    last = client.get("/v1/incidents", query_string={"q": "deepfake", "limit": 3, "offset": 6})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["limit"], body["offset"]) == (7, 3, 0)
    assert len(body["items"]) == 3
    assert last.get_json()["total"] == 7
    assert len(last.get_json()["items"]) == 1
    pages = [
        client.get("/v1/incidents", query_string={"limit": 3, "offset": offset}).get_json()
        for offset in (0, 3, 6)
    ]
    assert [i for page in pages for i in ids(page)] == [
        make_report(n)["id"] for n in range(7, 0, -1)
    ]


@pytest.mark.parametrize(
    ("args", "pointer"),
    [
        ({"limit": "0"}, "/limit"),
        ({"limit": "abc"}, "/limit"),
        ({"limit": "1000"}, "/limit"),
        ({"limit": "2.5"}, "/limit"),
        ({"offset": "-1"}, "/offset"),
        ({"q": "x" * 501}, "/q"),
    ],
)
def test_bad_arguments_are_a_422_problem_pointing_at_the_argument(client, args, pointer):
    body = assert_problem(client.get("/v1/incidents", query_string=args), 422)

    assert [error["pointer"] for error in body["errors"]] == [pointer]
    assert all(error["detail"] for error in body["errors"])


def test_the_largest_accepted_arguments_are_accepted(client):
    response = client.get("/v1/incidents", query_string={"q": "x" * 500, "limit": 200})
    assert response.status_code == 200


def test_one_incident_is_read_by_id(client, store, make_report):
    doc = incident(make_report, 1, countries=["FR", "BE"])
    store.upsert([doc, incident(make_report, 2)])

    response = client.get(f"/v1/incidents/{doc['id']}")

    assert response.status_code == 200
    assert response.get_json() == doc


def test_an_unknown_incident_is_a_404_problem(client):
    body = assert_problem(client.get("/v1/incidents/01JD9999999999999999999999"), 404)
    assert "01JD9999999999999999999999" in body["detail"]


def test_ready_when_bus_and_store_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"bus": "ok", "store": "ok", "directory": "ok"},
    }


def test_not_ready_when_the_store_cannot_be_opened(tmp_path, bus):
    # A directory where the database file should be: SQLite cannot open it.
    store = EmbeddedStore(tmp_path)
    client = create_app(Settings(data_dir=tmp_path), bus=bus, store=store).test_client()

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["bus"] == "ok"
    assert body["checks"]["store"] != "ok"
