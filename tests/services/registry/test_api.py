"""The registry's HTTP API through the real app on an embedded store: members' routes
behind keys, the search language's errors, facets and cursor pages, export, the public
view, readiness."""

from __future__ import annotations

import csv
import io
import json

import pytest
from problems import assert_problem
from registry_support import LAB_A, LAB_B, DictAuthenticator, headers

from services.registry.app import create_app
from services.registry.store.embedded import EmbeddedStore
from shared.settings import Settings

LAB_A_KEY = headers("lab A reporter")


def incident(make_report, n: int, **changes) -> dict:
    """Report ``n`` as the registry stores it, from lab A unless ``changes`` say otherwise."""
    return {
        **make_report(n),
        "status": "new",
        "organization_id": LAB_A,
        "recipients": [],
        **changes,
    }


def ids(body: dict) -> list[str]:
    return [item["id"] for item in body["items"]]


def get(client, path: str, viewer: str = "lab A reporter", **args):
    return client.get(path, query_string=args, headers=headers(viewer))


@pytest.mark.parametrize(
    "path", ["/v1/incidents", "/v1/incidents/export", "/v1/incidents/01JD0000000000000000000001"]
)
def test_members_routes_answer_401_to_anonymous_and_to_a_bad_key(client, path):
    body = assert_problem(client.get(path), 401)
    assert "Bearer" in body["detail"]
    assert client.get(path).headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(client.get(path, headers={"Authorization": "Bearer nonsense"}), 401)
    assert_problem(client.get(path, headers={"Authorization": "Basic abc"}), 401)


def test_search_answers_a_page_with_facets(client, store, make_report):
    chemistry = incident(make_report, 1, title="Chatbot gave harmful chemistry advice")
    robot = incident(
        make_report, 2, title="Robot arm collision", description="Harmful contact", severity="low"
    )
    store.upsert([chemistry, robot, incident(make_report, 3, title="Unrelated outage")])

    body = get(client, "/v1/incidents", q="harmful").get_json()

    assert body["total"] == 2
    assert sorted(ids(body)) == sorted([chemistry["id"], robot["id"]])
    assert (body["limit"], body["sort"], body["order"], body["next_cursor"]) == (
        20, "relevance", "desc", None,
    )  # fmt: skip
    assert body["facets"]["severity"] == [
        {"value": "high", "count": 1},
        {"value": "low", "count": 1},
    ]
    assert set(body["facets"]) == {
        "severity", "status", "type", "domain", "country", "organization", "tlp", "source",
    }  # fmt: skip
    assert get(client, "/v1/incidents", q="harmful -robot").get_json()["items"] == [chemistry]


def test_cursor_pages_walk_the_whole_result_once(client, store, make_report):
    store.upsert([incident(make_report, n, title=f"Deepfake {n}") for n in range(1, 8)])
    seen, cursor = [], None
    while True:
        args = {"q": "deepfake", "limit": 3, "sort": "received"}
        body = get(client, "/v1/incidents", **args, **({"cursor": cursor} if cursor else {}))
        body = body.get_json()
        assert body["total"] == 7
        seen += ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [make_report(n)["id"] for n in range(7, 0, -1)]


@pytest.mark.parametrize(
    ("q", "position", "expected"),
    [
        ('severity:"unclosed', 10, 'a "quoted phrase"'),
        ("severity:bogus", 10, "one of critical, high, medium, low"),
        ("(chemistry", 11, ")"),
        ("nope:value", 1, "severity:"),
        ("leak OR", 8, "a word"),
        ("since:2020-13-01", 7, "a date that exists: YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_bad_syntax_is_a_400_with_position_and_expectation(client, q, position, expected):
    for path in ("/v1/incidents", "/v1/incidents/export", "/v1/public/incidents"):
        viewer = "anonymous" if "public" in path else "lab A reporter"
        body = assert_problem(get(client, path, viewer, q=q), 400)
        assert body["position"] == position
        assert expected in body["expected"]
        assert body["errors"][0]["pointer"] == "/q"


@pytest.mark.parametrize(
    ("args", "pointer"),
    [
        ({"limit": "0"}, "/limit"),
        ({"limit": "abc"}, "/limit"),
        ({"limit": "1000"}, "/limit"),
        ({"limit": "2.5"}, "/limit"),
        ({"offset": "3"}, "/offset"),  # no offsets: pages come by cursor
        ({"sort": "title"}, "/sort"),
        ({"order": "up"}, "/order"),
        ({"q": "x" * 501}, "/q"),
    ],
)
def test_bad_arguments_are_a_422_problem_pointing_at_the_argument(client, args, pointer):
    body = assert_problem(get(client, "/v1/incidents", **args), 422)

    assert [error["pointer"] for error in body["errors"]] == [pointer]
    assert all(error["detail"] for error in body["errors"])


def test_a_bad_cursor_is_a_400_naming_it(client, store, make_report):
    store.upsert([incident(make_report, n) for n in (1, 2)])
    cursor = get(client, "/v1/incidents", limit=1).get_json()["next_cursor"]
    for bad in ("garbage", cursor[:-2], cursor):
        response = get(client, "/v1/incidents", limit=1, cursor=bad, sort="severity")
        assert assert_problem(response, 400)["errors"][0]["pointer"] == "/cursor"


def test_the_largest_accepted_arguments_are_accepted(client):
    response = get(client, "/v1/incidents", q="x" * 500, limit=200)
    assert response.status_code == 200


def test_one_incident_is_read_by_id_with_private_fields_for_its_organization(
    client, store, make_report
):
    doc = incident(make_report, 1, tlp="GREEN", countries=["FR", "BE"], recipients=["p-x"])
    store.upsert([doc, incident(make_report, 2)])

    own = get(client, f"/v1/incidents/{doc['id']}")
    other = get(client, f"/v1/incidents/{doc['id']}", "lab B reporter").get_json()
    risk_owner = get(client, f"/v1/incidents/{doc['id']}", "risk owner").get_json()

    assert own.status_code == 200
    assert own.get_json().pop("service_level")["triage"]["target_hours"] == 48
    assert {**own.get_json(), "service_level": None} == {**doc, "service_level": None}
    assert {**risk_owner, "service_level": None} == {**doc, "service_level": None}
    assert "contact" not in other
    assert "recipients" not in other
    assert other["provenance"] == {"channel": "api", "source_format": "json"}
    assert other["title"] == doc["title"]


def test_an_unknown_or_unreadable_incident_is_the_same_404(client, store, make_report):
    hidden = incident(make_report, 1, tlp="AMBER+STRICT")
    store.upsert([hidden])
    missing = assert_problem(get(client, "/v1/incidents/01JD9999999999999999999999"), 404)
    unreadable = assert_problem(get(client, f"/v1/incidents/{hidden['id']}", "lab B reporter"), 404)
    assert "01JD9999999999999999999999" in missing["detail"]
    assert unreadable["detail"] == missing["detail"].replace(
        "01JD9999999999999999999999", hidden["id"]
    )


def test_export_streams_the_whole_result_within_access_as_json_and_csv(client, store, make_report):
    mine = [incident(make_report, 1 + n % 28, id=f"01JDA{n:021d}") for n in range(620)]
    theirs = incident(make_report, 3, id="01JDB000000000000000000001", organization_id=LAB_B)
    store.upsert([*mine, theirs])

    as_json = get(client, "/v1/incidents/export", q="dosage")
    assert as_json.status_code == 200
    assert as_json.is_streamed
    exported = json.loads(as_json.get_data(as_text=True))
    as_csv = get(client, "/v1/incidents/export", "lab B reporter", q="dosage", format="csv")

    assert sorted(i["id"] for i in exported) == sorted(i["id"] for i in mine)  # 620 > a page
    assert exported[0]["contact"] == mine[0]["contact"]
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert [row["id"] for row in rows] == [theirs["id"]]  # AMBER: lab B reads only its own
    assert rows[0]["countries"] == "FR;BE"
    assert as_csv.headers["Content-Disposition"] == 'attachment; filename="incidents.csv"'


def test_export_keeps_spreadsheet_formulas_out(client, store, make_report):
    store.upsert([incident(make_report, 1, title='=HYPERLINK("http://x")')])
    body = get(client, "/v1/incidents/export", format="csv").get_data(as_text=True)
    assert next(iter(csv.DictReader(io.StringIO(body))))["title"].startswith("'=")


def test_the_public_view_serves_redacted_clear_summaries_to_anyone(client, store, make_report):
    clear = incident(
        make_report,
        1,
        tlp="CLEAR",
        title="Call +33 1 42 68 53 00 about the leak",
        description="Write to whistle@example.org or phone (415) 555-2671.",
        source={"format": "aiid", "id": "4", "url": "https://incidentdatabase.ai/cite/4"},
    )
    opted_in = incident(make_report, 2, tlp="CLEAR", publish_organization=True)
    store.upsert([clear, opted_in, incident(make_report, 3, tlp="GREEN")])

    body = client.get("/v1/public/incidents", headers=headers("risk owner")).get_json()

    assert body["total"] == 2
    by_id = {item["id"]: item for item in body["items"]}
    shown = by_id[clear["id"]]
    assert shown["title"] == "Call [phone number removed] about the leak"
    assert shown["description"] == ("Write to [e-mail removed] or phone [phone number removed].")
    assert "contact" not in shown
    assert "reporting_organization" not in shown
    assert shown["provenance"] == {"channel": "api", "source_format": "json"}
    assert shown["source"] == clear["source"]
    assert by_id[opted_in["id"]]["reporting_organization"] == opted_in["reporting_organization"]
    assert "@" not in json.dumps(body)  # neither the contact's e-mail nor the one in the text
    for removed in ("whistle", '"example org"', "2671", "+33"):
        found = client.get("/v1/public/incidents", query_string={"q": removed}).get_json()
        assert found["total"] == 0, removed  # the view cannot be searched for what it hides
        assert get(client, "/v1/incidents", "risk owner", q=removed).get_json()["total"] == 1
    page = client.get("/public", query_string={"q": "leak"})
    assert page.status_code == 200
    assert "[phone number removed]" in page.get_data(as_text=True)
    assert "53 00" not in page.get_data(as_text=True)


def test_openapi_document_is_served(client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert {"/v1/incidents", "/v1/incidents/export", "/v1/public/incidents"} <= set(
        document["paths"]
    )


def test_ready_when_bus_and_store_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"bus": "ok", "store": "ok", "directory": "ok"},
    }


def test_not_ready_and_503_when_the_store_cannot_be_opened(tmp_path, bus):
    # A directory where the database file should be: SQLite cannot open it.
    store = EmbeddedStore(tmp_path)
    client = create_app(
        Settings(data_dir=tmp_path), bus=bus, store=store, authenticator=DictAuthenticator({})
    ).test_client()

    response = client.get("/readyz")
    public = client.get("/v1/public/incidents")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["bus"] == "ok"
    assert body["checks"]["store"] != "ok"
    assert assert_problem(public, 503)
    assert public.headers["Retry-After"]
