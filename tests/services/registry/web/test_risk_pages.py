"""The risk register's pages through the real app (CSRF on): the register with its
matrix, one risk, the form that adds or changes one, and who may read and keep them."""

from __future__ import annotations

import html
import re

import pytest
from html_page import Page
from identities import client_with_key
from registry_pages import INCIDENTS, RISK_OWNER_EMAIL, key_client

from shared.access import REPORTER, RISK_OWNER
from shared.envelope import decode
from shared.topics import REGISTRY_EVENTS, topic_name

TIMES = "\N{MULTIPLICATION SIGN}"
RISK = {
    "title": "Agents copying their own weights",
    "description": "An evaluated agent may exfiltrate its checkpoints.",
    "likelihood": 4,
    "impact": 5,
    "residual_likelihood": 2,
    "residual_impact": 5,
    "treatment": "mitigate",
    "mitigations": [{"description": "Egress filtering on eval hosts", "status": "in_progress"}],
    "contingency": "Revoke the bucket's keys.",
    "next_review": "2020-01-31",
    "incidents": [INCIDENTS[2]["id"]],  # AMBER: a risk owner reads it
}


@pytest.fixture
def site(fresh_app):
    fresh_app.store.upsert(INCIDENTS)
    return fresh_app


@pytest.fixture
def owner(site):
    return key_client(site.app, site.identities)


@pytest.fixture
def rosa(site) -> str:
    """A risk owner of the directory, whom the form offers as an owner."""
    return site.identities.person("Secretariat", RISK_OWNER_EMAIL, roles=(RISK_OWNER,),
                                  password=None)  # fmt: skip


@pytest.fixture
def risk_id(site, owner, rosa) -> str:
    response = owner.post("/v1/risks", json={**RISK, "owner": rosa})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_the_register_lists_each_risk_with_its_scores_and_its_matrix(owner, risk_id):
    response = owner.get("/risks")
    assert response.status_code == 200
    page = Page(response.text)
    row = page.by_id(f"risk-{risk_id}")
    assert row["data-level"] == "high"  # residual 2 x 5 = 10 stands now
    text = "".join(page.text)
    assert f"Extreme: 20 (4 {TIMES} 5)" in text and f"High: 10 (2 {TIMES} 5)" in text
    assert "Rosa" in text and "Mitigate" in text and "(overdue)" in text
    cells = {c["data-count"] for c in page.find("td") if c.get("data-count") not in (None, "0")}
    assert cells == {"1"}  # one risk, in one cell


def test_the_review_date_filter_and_a_bad_date(owner, risk_id):
    assert 'id="no-risks"' in owner.get("/risks?due=2019-12-31").text
    assert f"risk-{risk_id}" in owner.get("/risks?due=2020-01-31").text
    bad = owner.get("/risks?due=31/01/2020")
    assert bad.status_code == 422
    assert "due: Not a valid date." in "".join(Page(bad.text).text)


def test_one_risk_with_its_mitigations_and_linked_incidents(owner, risk_id):
    response = owner.get(f"/risks/{risk_id}?lang=fr")
    assert response.status_code == 200
    text = "".join(Page(response.text).text)
    assert "En cours: Egress filtering on eval hosts" in text
    assert "Revoke the bucket's keys." in text
    assert f'href="/incidents/{INCIDENTS[2]["id"]}?lang=fr"' in response.text
    missing = owner.get("/risks/nope")
    assert missing.status_code == 404
    assert "There is no risk with this reference." in missing.text


def test_a_lab_may_not_read_the_register(site, risk_id):
    lab = client_with_key(site.app, site.identities.key("Lab B", roles=(REPORTER,)))
    for path in ("/risks", f"/risks/{risk_id}", "/risks?due=bad"):
        response = lab.get(path)
        assert response.status_code == 403, path
        assert "for risk owners and coordinators" in response.text


def test_the_dashboard_counts_the_risks_by_the_level_that_stands(owner, risk_id):
    page = owner.get("/dashboard")
    assert page.status_code == 200
    assert "Risks by level" in page.text
    rows = dict(re.findall(r'<tr><th scope="row">(\w+)</th><td>(\d+)</td>', page.text))
    assert rows == {"Low": "0", "Medium": "0", "High": "1", "Extreme": "0"}
    public = owner.get("/public/dashboard")
    assert "Risks by level" not in public.text  # the register is not public


def form_of(client, path: str, **fields: str) -> tuple[str, dict[str, str]]:
    """The form's action and what a browser would send from it as the page has it (a
    select without a selected option sends its first), with ``fields`` typed over that."""
    text = client.get(path).text
    page = Page(text)
    values, select = {}, None
    for tag, attrs in page.elements:
        if tag == "input" and "name" in attrs:
            values[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            select = attrs["name"]
        elif tag == "option" and (select not in values or "selected" in attrs):
            values[select] = attrs["value"]
    for name, typed in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', text):
        values[name] = html.unescape(typed)
    return page.by_id("risk-form")["action"], {**values, **fields}


NEW_RISK = {
    "title": "Agents copying their own weights",
    "description": "An evaluated agent may exfiltrate its checkpoints.",
    "likelihood": "4",
    "impact": "5",
    "treatment": "mitigate",
    "mitigations-0-description": "Egress filtering on eval hosts",
    "mitigations-0-status": "in_progress",
    "next_review": "2027-01-31",
    "incidents": f"{INCIDENTS[2]['id']}, {INCIDENTS[0]['id']}",
}


def error_of(response) -> str:
    return html.unescape(re.search(r'<p id="risk-error">([^<]*)</p>', response.text)[1])


def register_events(site) -> list:
    records = site.bus.replay(topic_name("test", REGISTRY_EVENTS))
    return [e for e in (decode(r.value) for r in records) if e.type.startswith("risk.")]


def test_a_risk_owner_adds_a_risk_through_the_form(site, owner, rosa):
    assert 'id="new-risk"' in owner.get("/risks").text
    action, data = form_of(owner, "/risks/new", **NEW_RISK, owner=rosa)
    assert (data["residual_likelihood"], data["mitigations-1-status"]) == ("", "planned")
    response = owner.post(action, data=data)
    assert response.status_code == 303
    [event] = register_events(site)
    risk = event.payload["risk"]
    assert response.headers["Location"] == f"/risks/{risk['id']}?lang=en"
    assert (risk["owner"], risk["inherent"]["score"], risk["residual"]) == (rosa, 20, None)
    assert risk["mitigations"] == [
        {"description": "Egress filtering on eval hosts", "status": "in_progress"}
    ]  # the spare row left blank is left out
    assert risk["incidents"] == [INCIDENTS[2]["id"], INCIDENTS[0]["id"]]
    assert risk["contingency"] is None
    page = owner.get(response.headers["Location"])
    assert "The risk is recorded: it is at version 1 now." in "".join(Page(page.text).text)
    assert owner.get(f"/v1/risks/{risk['id']}").get_json() == risk


def test_a_bad_risk_is_refused_with_what_was_typed_and_nothing_recorded(site, owner, rosa):
    bad = {"title": " ", "residual_likelihood": "2", "incidents": "no-such-incident"}
    action, data = form_of(owner, "/risks/new", **{**NEW_RISK, **bad, "owner": rosa})
    response = owner.post(action, data=data)
    assert response.status_code == 422
    page = Page(response.text)
    assert "Title: Fill this in." in error_of(response)
    assert page.by_id("risk-title")["aria-invalid"] == "true"
    assert page.by_id("mitigations-0-description")["value"] == "Egress filtering on eval hosts"
    # The title given, the link is refused next, then the residual score given by half.
    response = owner.post(action, data={**data, "title": "Weights copied"})
    assert response.status_code == 422
    assert "Linked incidents: No incident with id no-such-incident." in error_of(response)
    response = owner.post(action, data={**data, "title": "W", "incidents": ""})
    assert response.status_code == 422
    assert "Residual impact: Give residual likelihood and impact together" in error_of(response)
    assert register_events(site) == []


def test_a_change_records_a_new_version_and_a_stale_form_records_nothing(site, owner, risk_id):
    path = f"/risks/{risk_id}/edit"
    assert f'href="{path}?lang=en"' in owner.get(f"/risks/{risk_id}").text
    action, first = form_of(owner, path, treatment="avoid")
    _, second = form_of(owner, path, title="Renamed on an old page")
    assert first["version"] == second["version"] == "1"
    assert first["incidents"] == INCIDENTS[2]["id"]
    assert first["mitigations-0-status"] == "in_progress"
    assert owner.post(action, data=first).status_code == 303
    assert owner.get(f"/v1/risks/{risk_id}").get_json()["treatment"] == "avoid"

    stale = owner.post(action, data=second)
    assert stale.status_code == 409
    page = Page(stale.text)
    assert "it is at version 2 now, and your form was filled on version 1" in error_of(stale)
    assert page.by_id("risk-title")["value"] == "Renamed on an old page"  # what was typed
    risk = owner.get(f"/v1/risks/{risk_id}").get_json()
    assert (risk["version"], risk["title"]) == (2, RISK["title"])  # nothing recorded
    # Sent again from the form that now says version 2, it is recorded over that.
    assert Page(stale.text).by_id("risk-form")["action"] == action
    again = {**second, "version": re.search(r'name="version" value="(\d+)"', stale.text)[1]}
    assert owner.post(action, data=again).status_code == 303
    risk = owner.get(f"/v1/risks/{risk_id}").get_json()
    assert (risk["version"], risk["title"], risk["treatment"]) == (
        3, "Renamed on an old page", "mitigate"
    )  # fmt: skip
    assert [e.type for e in register_events(site)] == ["risk.created"] + ["risk.updated"] * 2


def test_a_lab_may_not_add_or_change_a_risk(site, risk_id):
    lab = client_with_key(site.app, site.identities.key("Lab B", roles=(REPORTER,)))
    for path in ("/risks/new", f"/risks/{risk_id}/edit"):
        assert lab.get(path).status_code == 403, path
    # With a valid CSRF token from a page the lab may read: refused for who they are.
    token = re.search(r'name="csrf_token" value="([^"]+)"', lab.get("/incidents").text)[1]
    for path in ("/risks", f"/risks/{risk_id}"):
        response = lab.post(path, data={**NEW_RISK, "version": "1", "csrf_token": token})
        assert response.status_code == 403, path
        assert "for risk owners and coordinators" in response.text
    assert [e.type for e in register_events(site)] == ["risk.created"]
