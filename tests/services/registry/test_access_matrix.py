"""The access matrix: every viewer, every TLP level, every read route, on both stores.

Lab A reports one incident per level (RED names ``p-red`` as its recipient), all alike, so
each is a candidate duplicate of the others. Each cell is the set of levels the viewer
finds by that route, or 401 (an API route; 403: the duplicates queue is for risk owners
and coordinators), or "sign in" (a page that sends the anonymous reader to sign in). The
expected table is written out by hand; ``render`` prints it as Markdown (``pytest -s``)
for the notes. The pages are read with the viewer's key, which resolves to the same viewer
as their signed-in session.
"""

from __future__ import annotations

import json
import re

import pytest
from html_page import Page
from registry_support import LAB_A, STORES, VIEWERS, app_client, headers, open_store

from services.registry import risks
from services.registry.access.rules import LEVELS
from shared.bus.embedded import EmbeddedBus

ROUTES = (
    "search", "facets", "export", "detail", "timeline", "confidential", "duplicates", "queue",
    "risks", "service levels", "public view",
    "search page", "facets page", "incident page", "confidential page", "dashboard",
    "public dashboard", "queue page", "risks page",
)  # fmt: skip
# Members' pages: the anonymous reader is sent to sign in.
PAGES = (
    "search page", "facets page", "incident page", "confidential page", "dashboard",
    "queue page", "risks page",
)  # fmt: skip
PUBLIC = ("public view", "public dashboard")  # the same for everyone
# The app's read routes this matrix covers; a new one fails the guard below until added.
COVERED = {
    "/v1/incidents": ("search", "facets"),
    "/v1/incidents/export": ("export",),
    "/v1/incidents/<incident_id>": ("detail", "confidential"),
    "/v1/incidents/<incident_id>/timeline": ("timeline", "confidential"),
    "/v1/risks": ("risks",),
    "/v1/service-levels": ("service levels",),
    "/v1/risks/<risk_id>": ("risks",),
    "/v1/incidents/<incident_id>/duplicates": ("duplicates",),
    "/v1/duplicates": ("queue",),
    "/v1/public/incidents": ("public view",),
    "/public": ("public view",),
    "/incidents": ("search page", "facets page"),
    "/incidents/<incident_id>": ("incident page", "confidential page"),
    "/dashboard": ("dashboard",),
    "/public/dashboard": ("public dashboard",),
    "/duplicates": ("queue page",),
    "/risks": ("risks page",),
    "/risks/<risk_id>": ("risks page",),
    "/risks/new": ("risks page",),
    "/risks/<risk_id>/edit": ("risks page",),
}
Y, N = True, False
# Which levels each viewer reads on the members' routes (None: anonymous gets 401).
READS = {
    #                  CLEAR GREEN AMBER AMBER+STRICT RED
    "anonymous":      None,
    "lab A reporter": (Y,    Y,    Y,    Y,           N),
    "lab B reporter": (Y,    Y,    N,    N,           N),
    "non-member org": (Y,    N,    N,    N,           N),
    "risk owner":     (Y,    Y,    Y,    N,           N),
    "coordinator":    (Y,    Y,    Y,    N,           N),
    "RED recipient":  (Y,    Y,    N,    N,           Y),
}  # fmt: skip


# Who reads confidential timeline entries (on the incidents they may read at all), the
# duplicates queue and the risk register.
CONFIDENTIAL_READERS = ("risk owner", "coordinator")


def expected(viewer: str, route: str) -> str | frozenset[str]:
    if route in PUBLIC:
        return frozenset({"CLEAR"})
    reads = READS[viewer]
    if reads is None:
        return "sign in" if route in PAGES else "401"
    if route in ("queue", "queue page") and viewer not in CONFIDENTIAL_READERS:
        return "403"
    if route in ("confidential", "confidential page") and viewer not in CONFIDENTIAL_READERS:
        return frozenset()  # a lab never reads a confidential rationale, even its own
    if route == "service levels" and viewer not in CONFIDENTIAL_READERS:
        # A lab counts only its own incidents (all of the matrix's are lab A's).
        own = viewer == "lab A reporter"
        return frozenset(lv for lv, ok in zip(LEVELS, reads, strict=True) if ok and own)
    if route in ("risks", "risks page") and viewer not in CONFIDENTIAL_READERS:
        return "403"  # the register is the risk owners' and coordinators'; a risk's
        # linked incidents are those of its levels the reader may read
    return frozenset(level for level, ok in zip(LEVELS, reads, strict=True) if ok)


def matrix_incident(n: int, tlp: str) -> dict:
    return {
        "id": f"01JDM{n:021d}",
        "title": f"Matrix incident {tlp}",
        "description": f"Call +44 20 7946 0958 or write to desk{n}@lab-a.example.",
        "event_type": "incident",
        "severity": "high",
        "tlp": tlp,
        "status": "new",
        "organization_id": LAB_A,
        "reporting_organization": "Lab A",
        "recipients": ["p-red"],
        "contact": {"name": "Desk", "email": f"desk{n}@lab-a.example"},
        "received_at": f"2026-11-{n:02d}T10:00:00+00:00",
        "version": 3,
        "timeline": [
            {"type": "incident.registered", "version": 1, "visibility": "public"},
            _decision(2, "public", "Public rationale"),
            _decision(3, "confidential", "Confidential rationale"),
        ],
    }


def _decision(version: int, visibility: str, rationale: str) -> dict:
    return {
        "type": "incident.transitioned",
        "version": version,
        "visibility": visibility,
        "rationale": rationale,
        "actor": {"id": "p-risk", "name": "Risk Owner", "organization": "org-sec"},
    }


INCIDENTS = [matrix_incident(n, tlp) for n, tlp in enumerate(LEVELS, start=1)]
LEVEL_OF = {incident["id"]: incident["tlp"] for incident in INCIDENTS}


@pytest.fixture(scope="module", params=STORES)
def client(request, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("matrix")
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    store = open_store(request.param, request, tmp_path)
    store.upsert(INCIDENTS)
    store.create_risk(
        risks.created(
            "risk-matrix",
            {
                "title": "Matrix risk",
                "description": "Linked to every matrix incident.",
                "likelihood": 3,
                "impact": 4,
                "treatment": "mitigate",
                "owner": "p-risk",
                "next_review": "2026-12-01",
                "incidents": [incident["id"] for incident in INCIDENTS],
            },
            actor={"id": "p-risk", "name": "Risk Owner", "organization": "org-sec"},
            at="2026-11-20T10:00:00+00:00",
        )
    )
    yield request.param, app_client(tmp_path, bus, store)
    store.close()
    bus.close()


def _page(client, path: str, auth: dict[str, str], **args: str) -> Page | str:
    """The page, or "sign in" when it sends the reader there."""
    response = client.get(path, query_string=args, headers=auth)
    if response.status_code == 303:
        assert response.headers["Location"].startswith("/sign-in?next=")
        return "sign in"
    assert response.status_code == 200, (path, args, response.status_code)
    return Page(response.get_data(as_text=True))


def observe_page(client, viewer: str, route: str) -> str | frozenset[str]:
    auth = headers(viewer)
    if route in ("incident page", "confidential page"):
        # The page shows the timeline: "confidential page" is the levels whose
        # confidential rationale reaches the viewer there.
        found, codes = set(), set()
        for incident_id, level in LEVEL_OF.items():
            response = client.get(f"/incidents/{incident_id}", headers=auth)
            codes.add(response.status_code)
            if response.status_code != 200:
                continue
            assert "Public rationale" in response.text
            if route == "incident page" or "Confidential rationale" in response.text:
                found.add(level)
        if codes == {303}:
            return "sign in"
        assert codes <= {200, 404}, codes
        return frozenset(found)
    if route == "risks page":
        return _linked_on_pages(client, auth)
    if route == "queue page":
        response = client.get("/duplicates", query_string={"min_score": 0}, headers=auth)
        if response.status_code == 303:
            return "sign in"
        if response.status_code == 403:
            return "403"
        assert response.status_code == 200
        page = Page(response.text)
        shown = page.find("li", **{"class": "result"}) + page.find("li", **{"class": "suggestion"})
        return frozenset(item["data-tlp"] for item in shown)
    if route in ("dashboard", "public dashboard"):
        # Charts count; the levels counted show by charting one level at a time.
        path = "/public/dashboard" if route == "public dashboard" else "/dashboard"
        page = _page(client, path, auth)
        if page == "sign in":
            return page
        levels = frozenset(
            level
            for level in LEVELS
            if int(_page(client, path, auth, q=f"tlp:{level}").by_id("total")["data-total"])
        )
        assert int(page.by_id("total")["data-total"]) == len(levels)
        return levels
    listed: frozenset[str] = frozenset()
    for q in ("", "matrix", "lab-a.example"):
        page = _page(client, "/incidents", auth, q=q)
        if page == "sign in":
            return page
        total = int(page.by_id("total")["data-total"])
        if route == "facets page":
            counts = {}
            facet = False
            for tag, attrs in page.elements:
                if tag == "ul" and "data-facet" in attrs:
                    facet = attrs["data-facet"] == "tlp"
                elif tag == "li" and facet and "data-value" in attrs:
                    counts[attrs["data-value"]] = int(attrs["data-count"])
            assert sum(counts.values()) == total
            levels = frozenset(counts)
        else:
            results = page.find("li", **{"class": "result"})
            assert len(results) == total
            levels = frozenset(result["data-tlp"] for result in results)
        if q == "":
            listed = levels
        else:
            assert levels <= listed
    return listed


def observe(client, viewer: str, route: str) -> str | frozenset[str]:
    if route in PAGES or route == "public dashboard":
        return observe_page(client, viewer, route)
    auth = headers(viewer)
    if route == "public view":
        body = client.get("/v1/public/incidents", headers=auth).get_json()
        return frozenset(item["tlp"] for item in body["items"])
    if route == "duplicates":
        # min_score 0: every candidate retrieved, so access alone decides what is shown.
        answers = {
            i: client.get(
                f"/v1/incidents/{i}/duplicates", query_string={"min_score": 0}, headers=auth
            )
            for i in LEVEL_OF
        }
        codes = {i: answer.status_code for i, answer in answers.items()}
        if set(codes.values()) == {401}:
            return "401"
        assert set(codes.values()) <= {200, 404}, codes
        readable = frozenset(LEVEL_OF[i] for i, code in codes.items() if code == 200)
        for i, answer in answers.items():
            if answer.status_code == 200:
                # The other readable incidents are suggested, and nothing else.
                suggested = {s["incident"]["tlp"] for s in answer.get_json()["items"]}
                assert suggested == readable - {LEVEL_OF[i]}, (viewer, LEVEL_OF[i])
        return readable
    if route == "queue":
        response = client.get("/v1/duplicates", query_string={"min_score": 0}, headers=auth)
        if response.status_code in (401, 403):
            return str(response.status_code)
        assert response.status_code == 200
        return frozenset(
            incident["tlp"]
            for item in response.get_json()["items"]
            for incident in (item["incident"], *(s["incident"] for s in item["suggestions"]))
        )
    if route in ("detail", "timeline", "confidential"):
        return _per_incident(client, auth, route)
    if route == "risks":
        return _linked(client, auth)
    if route == "service levels":
        response = client.get("/v1/service-levels", headers=auth)
        if response.status_code == 401:
            return "401"
        body = response.get_json()  # every matrix incident is long overdue for triage
        assert sum(lab["incidents"] for lab in body["labs"]) == len(body["overdue"])
        return frozenset(LEVEL_OF[item["incident_id"]] for item in body["overdue"])
    path = "/v1/incidents/export" if route == "export" else "/v1/incidents"
    for q in ("", "matrix", "lab-a.example"):  # listing, words, and the e-mail's words
        response = client.get(path, query_string={"q": q}, headers=auth)
        if response.status_code == 401:
            return "401"
        assert response.status_code == 200
        if route == "export":
            levels = frozenset(i["tlp"] for i in json.loads(response.get_data(as_text=True)))
        elif route == "facets":
            body = response.get_json()
            counts = {b["value"]: b["count"] for b in body["facets"]["tlp"]}
            assert sum(counts.values()) == body["total"]
            levels = frozenset(counts)
        else:
            body = response.get_json()
            assert body["total"] == len(body["items"])
            levels = frozenset(i["tlp"] for i in body["items"])
        if q == "":
            listed = levels
        else:
            assert levels <= listed
    return listed


def _per_incident(client, auth: dict, route: str) -> str | frozenset[str]:
    """The levels whose incident the route shows; for "confidential", those whose
    confidential rationale reaches the viewer, by the detail or the timeline."""
    found = set()
    for incident_id, level in LEVEL_OF.items():
        paths = [f"/v1/incidents/{incident_id}", f"/v1/incidents/{incident_id}/timeline"]
        if route != "confidential":
            paths = paths[:1] if route == "detail" else paths[1:]
        for path in paths:
            response = client.get(path, headers=auth)
            if response.status_code == 401:
                return "401"
            assert response.status_code in (200, 404), (path, response.status_code)
            if response.status_code == 404:
                continue
            text = response.get_data(as_text=True)
            assert "Public rationale" in text
            if route != "confidential" or "Confidential rationale" in text:
                found.add(level)
    return frozenset(found)


def _linked_on_pages(client, auth: dict) -> str | frozenset[str]:
    """The levels of the incidents the risk links to, as the register's pages show them:
    links on the register and the risk, ids in the form that changes it."""
    paths = ("/risks", "/risks/risk-matrix", "/risks/risk-matrix/edit", "/risks/new")
    answers = [client.get(path, headers=auth) for path in paths]
    codes = {answer.status_code for answer in answers}
    if codes == {303}:
        return "sign in"
    if codes == {403}:
        return "403"
    assert codes == {200}, codes
    shown = [
        frozenset(re.findall(r'href="/incidents/([0-9A-Z]+)\?', answer.text))
        for answer in answers[:2]
    ]
    [typed] = re.findall(r'<textarea id="risk-incidents"[^>]*>([^<]*)</textarea>', answers[2].text)
    assert shown[0] == shown[1] == frozenset(typed.split())
    return frozenset(LEVEL_OF[i] for i in shown[0])


def _linked(client, auth: dict) -> str | frozenset[str]:
    """The levels of the incidents a risk links to, as the list and the risk show them."""
    listed = client.get("/v1/risks", headers=auth)
    one = client.get("/v1/risks/risk-matrix", headers=auth)
    assert listed.status_code == one.status_code
    if listed.status_code in (401, 403):
        return str(listed.status_code)
    [risk] = listed.get_json()["items"]
    assert risk["incidents"] == one.get_json()["incidents"]
    return frozenset(LEVEL_OF[i] for i in risk["incidents"])


def render(table: dict[tuple[str, str], str | frozenset[str]]) -> str:
    def cell(value: str | frozenset[str]) -> str:
        if isinstance(value, str):
            return value
        return ", ".join(level for level in LEVELS if level in value) or "nothing"

    lines = ["| viewer | " + " | ".join(ROUTES) + " |", "|---" * (len(ROUTES) + 1) + "|"]
    for viewer in VIEWERS:
        lines.append(f"| {viewer} | " + " | ".join(cell(table[viewer, r]) for r in ROUTES) + " |")
    return "\n".join(lines)


def test_the_access_matrix(client):
    store, app = client
    observed = {(v, r): observe(app, v, r) for v in VIEWERS for r in ROUTES}
    print(f"\nAccess matrix on the {store} store:\n{render(observed)}")
    assert observed == {(v, r): expected(v, r) for v in VIEWERS for r in ROUTES}


# GET routes that serve no incident data: probes, the API document, the caller's own
# identity, static files. Any other read route, from any blueprint, must be in COVERED.
NO_INCIDENT_DATA = {
    "/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/whoami", "/static/<path:filename>",
    "/", "/sign-in", "/set-password/<token>", "/account/static/<path:filename>",
    "/pages/static/<path:filename>", "/accord/static/<path:filename>",
}  # fmt: skip


def test_every_read_route_of_the_app_is_in_the_matrix(client):
    _, app = client
    routes = {rule.rule for rule in app.application.url_map.iter_rules() if "GET" in rule.methods}
    assert routes - NO_INCIDENT_DATA == set(COVERED)


def test_lab_b_finds_nothing_of_lab_a_amber_by_any_text(client):
    _, app = client
    auth = headers("lab B reporter")
    for q in ("desk3", '"Matrix incident AMBER"', "tlp:AMBER", "has:contact tlp:amber", "+44"):
        body = app.get("/v1/incidents", query_string={"q": q}, headers=auth).get_json()
        assert "AMBER" not in {item["tlp"] for item in body["items"]}, q
        assert all(b["value"] != "AMBER" for b in body["facets"]["tlp"]), q
