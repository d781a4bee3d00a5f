"""Triage from the incident page, through the real app (CSRF on): each form goes through
the registry's write path, so the decision is in the store and on ``registry-events``;
the version the page showed travels in a hidden field, and a decision taken on an old
page is refused with a conflict message, what was typed kept, and nothing recorded."""

from __future__ import annotations

import pytest
from html_page import Page
from identities import client_with_key
from registry_pages import INCIDENTS, RISK_OWNER_EMAIL, key_client

from shared.access import REPORTER, RISK_OWNER
from shared.envelope import decode
from shared.topics import REGISTRY_EVENTS, topic_name

NEW = INCIDENTS[0]["id"]  # CLEAR, new, version 1, reported by a lab (organization_id)
PAGE = f"/incidents/{NEW}"


@pytest.fixture
def site(fresh_app):
    fresh_app.store.upsert(INCIDENTS)
    fresh_app.identities.person("Secretariat", RISK_OWNER_EMAIL, roles=(RISK_OWNER,),
                                password=None)  # fmt: skip
    return fresh_app


@pytest.fixture
def owner(site):
    """A risk owner's browser (sending a key, the same viewer as a session)."""
    return key_client(site.app, site.identities)


def form_of(client, form_id: str, **fields: str) -> tuple[str, dict[str, str]]:
    """The form's action and its hidden fields as the page has them, with ``fields``."""
    page = Page(client.get(PAGE).text)
    hidden, in_form = {}, False
    for tag, attrs in page.elements:
        if tag == "form":
            in_form = attrs.get("id") == form_id
        elif in_form and tag == "input" and attrs.get("type") == "hidden":
            hidden[attrs["name"]] = attrs["value"]
    return page.by_id(form_id)["action"], {**hidden, **fields}


def entries(client) -> list[dict[str, str]]:
    page = Page(client.get(PAGE).text)
    return [attrs for tag, attrs in page.elements if tag == "li" and "data-type" in attrs]


def events(site) -> list:
    records = site.bus.replay(topic_name("test", REGISTRY_EVENTS))
    return [decode(record.value) for record in records]


TRIAGED = {"to": "triaged", "visibility": "public", "rationale": "In scope: physical harm."}


def test_a_transition_with_a_public_rationale_joins_the_timeline(site, owner):
    action, data = form_of(owner, "transition-form", **TRIAGED)
    assert data["version"] == "1"  # the ETag, in a hidden field
    response = owner.post(action, data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{PAGE}?lang=en#timeline"

    page = owner.get(PAGE)
    shown = Page(page.text)
    assert "Your decision is recorded: the incident is at version 2 now." in "".join(shown.text)
    assert [e["data-type"] for e in entries(owner)] == [
        "incident.registered",
        "incident.transitioned",
    ]
    assert entries(owner)[1]["data-visibility"] == "public"
    assert "Status changed from New to Triaged" in page.text
    assert "In scope: physical harm." in page.text
    [event] = events(site)
    assert event.type == "incident.transitioned"
    assert event.payload["rationale"] == "In scope: physical harm."
    assert (event.payload["from"], event.payload["to"], event.payload["version"]) == (
        "new",
        "triaged",
        2,
    )


def test_a_decision_on_an_old_page_is_a_conflict_and_records_nothing(site, owner):
    action, old = form_of(owner, "transition-form", **TRIAGED)
    assert owner.post(action, data=old).status_code == 303  # someone decides first
    stale = {**old, "to": "rejected", "rationale": "Out of scope, I think."}

    response = owner.post(action, data=stale)

    assert response.status_code == 409
    page = Page(response.text)
    assert "Someone else changed this incident while you were deciding: it is at version 2" in (
        "".join(page.text)
    )
    assert page.find("textarea", id="transition-rationale")  # typed text kept:
    assert "Out of scope, I think.</textarea>" in response.text
    assert page.find("input", name="version", value="2")  # the page as it stands now
    assert len(events(site)) == 1
    assert [e["data-type"] for e in entries(owner)][-1] == "incident.transitioned"


@pytest.mark.parametrize(
    ("form_id", "fields", "status", "message"),
    [
        ("transition-form", {"to": "triaged", "visibility": "public", "rationale": "  "}, 422,
         "Rationale: blank"),
        ("transition-form", {"to": "triaged", "visibility": "public"}, 422,
         "Rationale: Fill this in."),
        ("transition-form", {**TRIAGED, "to": "closed"}, 409,
         "An incident that is new can move to"),
        ("transition-form", {**TRIAGED, "visibility": "everyone"}, 422, "Who may read it"),
        ("assign-form", {"owner": "p-nobody"}, 422,
         "Choose one of the risk owners or coordinators listed."),
        ("severity-form", {"severity": "critical", "visibility": "public", "reason": "Same"},
         409, "severity is critical already"),
    ],
)  # fmt: skip
def test_a_refused_decision_says_why_and_records_nothing(owner, site, form_id, fields, status,
                                                        message):  # fmt: skip
    action, data = form_of(owner, form_id, **fields)
    response = owner.post(action, data=data)
    assert response.status_code == status
    assert message in "".join(Page(response.text).text)
    assert events(site) == []


def test_owner_severity_and_a_question_to_the_lab(site, owner):
    people = site.app.extensions["accord.directory"].read(lambda d: list(d.people.values()))
    [rosa] = [p for p in people if p.email == RISK_OWNER_EMAIL]
    for form_id, fields in (
        ("assign-form", {"owner": rosa.id}),
        ("severity-form", {"severity": "high", "visibility": "confidential", "reason": "Boxes."}),
        ("question-form", {"question": "Which firmware ran the arm?"}),
    ):
        action, data = form_of(owner, form_id, **fields)
        assert owner.post(action, data=data).status_code == 303, form_id
    page = owner.get(PAGE)
    assert Page(page.text).by_id("incident-owner") and ">Rosa</dd>" in page.text
    assert "Owner set to Rosa" in page.text
    assert "Severity changed from Critical to High" in page.text
    assert "Information requested from the reporting lab" in page.text
    assert "Question:</span> Which firmware ran the arm?" in page.text
    assert "Needs information" in page.text
    assert [e.type for e in events(site)] == [
        "incident.assigned",
        "incident.severity_rerated",
        "incident.information_requested",
    ]


def test_a_reader_who_may_not_decide_sees_no_forms_and_cannot_post(site, owner):
    action, data = form_of(owner, "transition-form", **TRIAGED)
    lab = client_with_key(site.app, site.identities.key("Lab B", roles=(REPORTER,)))
    page = lab.get(PAGE)
    assert page.status_code == 200 and 'id="triage"' not in page.text
    token = Page(page.text).find("input", name="csrf_token")[0]["value"]
    response = lab.post(action, data={**data, "csrf_token": token})
    assert response.status_code == 403
    assert "Triage pages and decisions are for risk owners and coordinators." in response.text
    assert events(site) == []


def test_a_form_without_its_token_or_version_is_refused(site, owner):
    action, data = form_of(owner, "transition-form", **TRIAGED)
    no_token = owner.post(action, data={k: v for k, v in data.items() if k != "csrf_token"})
    assert no_token.status_code == 400
    assert "The form has expired" in no_token.text
    no_version = owner.post(action, data={**data, "version": "two"})
    assert no_version.status_code == 400
    assert events(site) == []


def test_merging_from_the_duplicates_queue(site, owner):
    queue = Page(owner.get("/duplicates").text)
    [first] = [attrs for tag, attrs in queue.elements if tag == "form"
               and attrs.get("id", "").startswith("merge-")][:1]  # fmt: skip
    later, earlier = first["id"].removeprefix("merge-").split("-")
    hidden, in_form = {}, False
    for tag, attrs in queue.elements:
        if tag == "form":
            in_form = attrs.get("id") == first["id"]
        elif in_form and tag == "input" and attrs.get("type") == "hidden":
            hidden[attrs["name"]] = attrs["value"]
    assert hidden["original_id"] == earlier and hidden["version"] == "1"
    data = {**hidden, "rationale": "The same chatbot advice.", "visibility": "public"}

    response = owner.post(first["action"], data=data)

    assert response.status_code == 303
    page = owner.get(f"/incidents/{later}")
    assert f"Merged into incident {earlier} as a duplicate" in page.text
    assert "The same chatbot advice." in page.text
    listed = owner.get("/incidents?limit=200").text
    assert f"result-{later}" not in listed and f"result-{earlier}" in listed  # once
    assert [e.type for e in events(site)] == ["incident.merged", "incident.linked"]


def test_a_merge_into_an_unknown_incident_names_the_field(site, owner):
    action, data = form_of(owner, "merge-form", original_id="01JD9999999999999999999999",
                           rationale="Same event.", visibility="public")  # fmt: skip
    response = owner.post(action, data=data)
    assert response.status_code == 422
    page = Page(response.text)
    assert "No incident with id 01JD9999999999999999999999" in "".join(page.text)
    assert page.by_id("merge-original_id")["aria-invalid"] == "true"
    assert events(site) == []
