"""The risk register's pages through the real app: the register with its matrix, one
risk, and who may read them."""

from __future__ import annotations

import re

import pytest
from html_page import Page
from identities import client_with_key
from registry_pages import INCIDENTS, RISK_OWNER_EMAIL, key_client

from shared.access import REPORTER, RISK_OWNER

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
def risk_id(site, owner) -> str:
    rosa = site.identities.person("Secretariat", RISK_OWNER_EMAIL, roles=(RISK_OWNER,),
                                  password=None)  # fmt: skip
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
