"""A lab's status pages through the real app, CSRF protection on: a person of the lab signed
in with e-mail and password (``shared.directory.views``), the list of the organization's
reports and where each stands, revocation and signing out."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from html_page import Page
from identities import PASSWORD

from services.intake import status_pages
from services.intake.consumer import RegistryStatusProjection
from services.intake.outbox import StatusChange
from shared.access import COORDINATOR
from shared.envelope import decode

CONTRACT = Path(__file__).parents[3] / "shared" / "contracts" / "registry-events.json"
SCRIPT = "<script>alert(1)</script>"
EMAIL = "ada@aisi.example"


def row_ids(html: str) -> list[str]:
    """The references listed, in page order."""
    return re.findall(r'<tr id="report-([0-9A-Z]{26})">', html)


def csrf_token(client, path: str) -> str:
    """The CSRF token of a page's form, as a visitor would load it (setting the session)."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    [token] = Page(response.text).find("input", name="csrf_token")
    return token["value"]


def sign_in(client, email: str = EMAIL, lang: str = "en", password: str = PASSWORD):
    """Sign in as the status pages send one to do: back to the reports afterwards."""
    token = csrf_token(client, "/sign-in")
    data = {"csrf_token": token, "email": email, "password": password}
    return client.post("/sign-in", data={**data, "next": f"/reports?lang={lang}"})


def sign_out(client, lang: str = "en"):
    token = csrf_token(client, f"/reports?lang={lang}")
    return client.post("/sign-out", data={"csrf_token": token})


def file_report(app, plain: str, report: dict) -> str:
    """A report filed through the JSON API with the lab's key."""
    response = app.test_client().post(
        "/v1/reports", json=report, headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def registered(report_id: str, at: str = "2026-11-20T09:15:01+00:00"):
    """The contract's golden ``incident.registered`` example, about this report."""
    example = json.loads(CONTRACT.read_text())["events"]["incident.registered"]["examples"][0]
    event = copy.deepcopy(example)
    event["key"] = event["payload"]["incident_id"] = report_id
    event["payload"]["registered_at"] = at
    return decode(json.dumps(event).encode())


@pytest.fixture
def visitor(app):
    """A person's browser: cookies, no Authorization header."""
    return app.test_client()


@pytest.fixture
def lab_key(identities):
    """A key of UK AISI, and a person of UK AISI (``EMAIL``) with a password."""
    identities.person("UK AISI", EMAIL)
    return identities.key("UK AISI")


# --- Signing in ---------------------------------------------------------------------------------


def test_the_reports_send_a_visitor_to_sign_in_and_back(visitor, lab_key):
    response = visitor.get("/reports?lang=es")

    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in?next=/reports?lang%3Des"
    signed = sign_in(visitor, lang="es")
    assert signed.status_code == 303
    assert signed.headers["Location"] == "/reports?lang=es"
    assert visitor.get("/reports?lang=es").status_code == 200


def test_the_session_keeps_the_person_id_not_the_password(visitor, identities, lab_key):
    sign_in(visitor)

    person = identities.directory.person_by_email(EMAIL)
    with visitor.session_transaction() as session:
        assert session["accord.person"] == {"id": person.id, "stamp": person.password_stamp}
        assert PASSWORD not in json.dumps(dict(session))
    cookie = visitor.get_cookie("session")
    assert cookie is not None and cookie.http_only


# --- The list -----------------------------------------------------------------------------------


def test_a_lab_sees_its_own_reports_newest_first_and_no_one_elses(
    app, visitor, identities, lab_key, valid_report
):
    plain = lab_key
    other = identities.key("Other Lab")
    first = file_report(app, plain, valid_report(title="First of ours"))
    theirs = file_report(app, other, valid_report(title="Someone else's"))
    second = file_report(app, plain, valid_report(title="Second of ours"))

    assert sign_in(visitor).status_code == 303
    response = visitor.get("/reports?lang=en")

    assert response.status_code == 200
    assert row_ids(response.text) == [second, first]
    assert theirs not in response.text
    assert "Someone else" not in response.text
    assert "Signed in as UK AISI." in response.text
    assert "Reports filed by UK AISI, newest first: 1 to 2" in response.text
    page = Page(response.text)
    assert [th["scope"] for th in page.find("th") if th.get("scope") == "col"] == ["col"] * 5
    assert len(page.find("th", scope="row")) == 2
    assert page.find("caption")
    assert {name for name, _ in page.elements if name == "script"} == set()
    assert "Accepted: safely stored by intake" in response.text


def test_a_lab_with_no_reports_is_told_so(visitor, lab_key):
    sign_in(visitor)

    response = visitor.get("/reports")

    assert 'id="no-reports">Your lab has not filed any reports yet.<' in response.text
    assert "<table" not in response.text


def test_the_status_follows_the_registrys_events(app, visitor, outbox, lab_key, valid_report):
    plain = lab_key
    report_id = file_report(app, plain, valid_report())
    sign_in(visitor)

    outbox.mark_published([report_id], "2026-11-20T09:15:00.500000+00:00")
    forwarded = visitor.get("/reports").text
    assert "Forwarded to the risk registry" in forwarded
    assert "Registered in the risk registry" not in forwarded

    RegistryStatusProjection(outbox)([registered(report_id)])
    page = visitor.get("/reports").text

    [row] = re.findall(rf'<tr id="report-{report_id}">.*?</tr>', page, re.S)
    status = re.search(r'class="report-status">([^<]*)<', row)
    assert status is not None and status.group(1) == "Registered in the risk registry"
    history = re.findall(r"<li><time datetime=\"([^\"]+)\">([^<]+)</time> ([^<]+?)\s*</li>", row)
    assert [(shown, text) for _, shown, text in history][1:] == [
        ("2026-11-20 09:15 UTC", "Forwarded to the risk registry"),
        ("2026-11-20 09:15 UTC", "Registered in the risk registry"),
    ]
    assert history[0][2] == "Accepted: safely stored by intake"
    assert history[2][0] == "2026-11-20T09:15:01+00:00"


def test_a_status_the_registry_adds_later_is_shown_with_its_reason(
    app, visitor, outbox, lab_key, valid_report
):
    plain = lab_key
    report_id = file_report(app, plain, valid_report())
    outbox.record_statuses(
        [(report_id, StatusChange("archived", "2026-11-21T10:00:00+00:00", "Duplicate <b>"))]
    )
    sign_in(visitor)

    page = visitor.get("/reports").text

    assert 'class="report-status">archived<' in page
    assert "(reason: Duplicate &lt;b&gt;)" in page


def test_markup_in_a_title_is_shown_as_text(app, visitor, lab_key, valid_report):
    plain = lab_key
    file_report(app, plain, valid_report(title=SCRIPT))
    sign_in(visitor)

    page = visitor.get("/reports").text

    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_list_is_said_in_french(app, visitor, outbox, lab_key, valid_report):
    plain = lab_key
    report_id = file_report(app, plain, valid_report())
    RegistryStatusProjection(outbox)([registered(report_id)])

    assert sign_in(visitor, lang="fr").headers["Location"] == "/reports?lang=fr"
    response = visitor.get("/reports?lang=fr")

    assert '<html lang="fr"' in response.text
    for text in (
        "Les signalements de votre laboratoire",
        "Connecté en tant que UK AISI.",
        "Signalements déposés par UK AISI, du plus récent au plus ancien : 1 à 1",
        "Référence",
        "Historique",
        "Inscrit au registre des risques",
        "Accepté : enregistré en lieu sûr",
        "Se déconnecter",
    ):
        assert text in response.text, text


def test_the_language_follows_the_browser(visitor, lab_key):
    sign_in(visitor)

    response = visitor.get("/reports", headers={"Accept-Language": "zh-CN,zh;q=0.9"})

    assert '<html lang="zh-Hans"' in response.text
    assert "本实验室的报告" in response.text
    assert "Accept-Language" in response.headers["Vary"]


def test_the_reports_come_50_a_page_with_plain_links(visitor, outbox, identities, lab_key):
    ids = [f"01K{n:023d}" for n in range(51)]
    for report_id in ids:
        outbox.add(
            report_id=report_id,
            organization_id=identities.organization("UK AISI"),
            title=f"Report {report_id}",
            envelope=b"{}",
            accepted_at="2026-11-20T09:00:00+00:00",
            request_sha256="0" * 64,
        )
    sign_in(visitor)

    first = visitor.get("/reports?lang=en").text
    assert row_ids(first) == ids[::-1][:50]
    assert 'href="/reports?page=2&amp;lang=en" rel="next"' in first
    assert 'rel="prev"' not in first

    second = visitor.get("/reports?page=2&lang=en").text
    assert row_ids(second) == [ids[0]]
    assert "Reports filed by UK AISI, newest first: 51 to 51" in second
    assert 'href="/reports?lang=en" rel="prev"' in second
    assert 'rel="next"' not in second
    assert 'href="/reports?page=2&amp;lang=fr"' in second  # another language, the same page

    past_the_end = visitor.get("/reports?page=99999999999999999999999").text
    assert "There are no reports on this page." in past_the_end


@pytest.mark.parametrize(
    ("value", "number"),
    [(None, 1), ("", 1), ("0", 1), ("-3", 1), ("x", 1), ("2", 2), ("٣", 1), ("9" * 30, None)],
)
def test_page_numbers(value, number):
    """Not a page number: the first page; past the last that can be queried: that one."""
    assert status_pages.page_number(value) == (number or status_pages.LAST_PAGE)


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        ("2026-03-01T13:05:59.999999+00:00", "2026-03-01 13:05 UTC"),
        ("2026-03-01T14:05:00+01:00", "2026-03-01 13:05 UTC"),
        ("not a time", "not a time"),
    ],
)
def test_times_are_shown_in_utc_to_the_minute(at, shown):
    assert status_pages.shown_time(at) == shown


# --- Revocation and signing out ----------------------------------------------------------------


def test_a_new_password_ends_older_sessions(visitor, identities, lab_key):
    sign_in(visitor)
    assert visitor.get("/reports").status_code == 200
    person = identities.directory.person_by_email(EMAIL)

    identities.set_password(
        person.id, "a new password, longer", identities.password_link(person.id)
    )
    response = visitor.get("/reports?lang=en")

    assert response.status_code == 303
    with visitor.session_transaction() as session:
        assert "accord.person" not in session
    assert "Your session ended" in visitor.get("/sign-in").text


def test_a_revoked_key_does_not_sign_the_labs_people_out(visitor, identities, lab_key):
    sign_in(visitor)

    identities.revoke(lab_key)

    assert visitor.get("/reports").status_code == 200


def test_signing_out_ends_the_session(visitor, lab_key):
    sign_in(visitor)

    response = sign_out(visitor, lang="es")

    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in"
    assert "You have signed out." in visitor.get("/sign-in").text
    assert visitor.get("/reports").status_code == 303


def test_signing_out_needs_the_csrf_token(visitor, lab_key):
    """A cross-site post cannot sign a person out."""
    sign_in(visitor)

    response = visitor.post("/sign-out", data={"csrf_token": "forged"})

    assert response.status_code == 400
    assert visitor.get("/reports").status_code == 200


def test_a_session_that_was_tampered_with_is_not_trusted(app, visitor, identities, lab_key):
    other = identities.person("Other Lab", "bo@other.example")
    sign_in(visitor)
    with visitor.session_transaction() as session:
        session["accord.person"] = {"id": other, "stamp": None}

    assert visitor.get("/reports").status_code == 303


# --- The report form and the status pages together ----------------------------------------------


def test_the_form_links_to_the_labs_reports(visitor):
    form = visitor.get("/report?lang=fr").text

    assert 'href="/reports?lang=fr"' in form
    assert "Les signalements de votre laboratoire" in form


def test_a_report_filed_through_the_form_by_a_signed_in_lab_is_listed(
    visitor, outbox, identities, lab_key
):
    sign_in(visitor)
    form_page = visitor.get("/report?lang=en")
    assert "You are signed in as UK AISI" in form_page.text
    hidden = {
        found["name"]: found["value"] for found in Page(form_page.text).find("input", type="hidden")
    }
    values = {
        "title": "Filed through the form",
        "description": "An agentic eval run copied checkpoint files to an external bucket.",
        "event_type": "incident",
        "severity": "high",
        "occurred_at": "2026-03-01T14:05",
        "timezone": "Europe/Paris",
        "countries": "GB",
        "reporting_organization": "UK AISI",
        "tlp": "AMBER",
    }

    response = visitor.post("/report?lang=en", data={**hidden, **values})

    assert response.status_code == 303
    receipt = visitor.get(response.headers["Location"]).text
    assert 'href="/reports?lang=en"' in receipt
    [(report_id, envelope)] = outbox.unpublished(10)
    report = decode(envelope).payload["report"]
    person = identities.directory.person_by_email(EMAIL)
    assert (report["organization_id"], report["submitted_by"], report["verified"]) == (
        person.organization_id,
        person.id,
        True,
    )
    assert row_ids(visitor.get("/reports").text) == [report_id]


def test_an_anonymous_form_report_is_kept_unverified_and_no_labs(app, visitor, outbox, lab_key):
    anonymous = app.test_client()
    hidden = {
        found["name"]: found["value"]
        for found in Page(anonymous.get("/report").text).find("input", type="hidden")
    }
    values = {
        "title": "Anonymous",
        "description": "Filed without signing in.",
        "event_type": "incident",
        "severity": "low",
        "occurred_at": "2026-03-01T14:05",
        "timezone": "UTC",
        "countries": "GB",
        "reporting_organization": "UK AISI",
        "tlp": "CLEAR",
    }
    assert anonymous.post("/report", data={**hidden, **values}).status_code == 303

    [(_, envelope)] = outbox.unpublished(10)
    report = decode(envelope).payload["report"]
    assert report["reporting_organization"] == "UK AISI"  # what it says, kept as said
    assert (report["organization_id"], report["submitted_by"], report["verified"]) == (
        None,
        None,
        False,
    )
    assert report["recipients"] == []
    sign_in(visitor)
    assert row_ids(visitor.get("/reports").text) == []  # not UK AISI's, though it names it


def test_a_signed_in_person_without_the_reporter_role_cannot_file(visitor, identities):
    identities.person("UK AISI", "co@aisi.example", roles=[COORDINATOR])
    sign_in(visitor, "co@aisi.example")
    hidden = {
        found["name"]: found["value"]
        for found in Page(visitor.get("/report").text).find("input", type="hidden")
    }

    response = visitor.post("/report", data={**hidden, "title": "x"})

    assert response.status_code == 403
    assert "reporter role" in response.text


def golden_decision(event_type: str, report_id: str, version: int, **payload):
    """A golden registry decision, about this report, at ``version``."""
    example = json.loads(CONTRACT.read_text())["events"][event_type]["examples"][0]
    event = copy.deepcopy(example)
    event["key"] = report_id
    event["payload"].update(incident_id=report_id, version=version, **payload)
    return decode(json.dumps(event).encode())


def test_the_page_shows_public_rationales_and_takes_an_answer(
    app, visitor, lab_key, outbox, valid_report
):
    report_id = file_report(app, lab_key, valid_report(title="Weights copied out"))
    RegistryStatusProjection(outbox)(
        [
            registered(report_id),
            golden_decision("incident.transitioned", report_id, 2, rationale="We are on it."),
            golden_decision(
                "incident.transitioned", report_id, 3, to="investigating",
                rationale="Suspect an insider.", visibility="confidential",
            ),
            golden_decision(
                "incident.information_requested", report_id, 4, **{"from": "investigating"}
            ),
        ]
    )  # fmt: skip
    sign_in(visitor)

    page = visitor.get("/reports?lang=en").text
    assert "We are on it." in page
    assert "Suspect an insider." not in page
    assert "Waiting for your answer" in page
    assert "The registry asks: Which model version was deployed?" in page

    [form] = Page(page).find("form", action=f"/reports/{report_id}/answers?lang=en")
    token = Page(page).find("input", name="csrf_token")[0]  # one per form, all the same
    request_id = "01JD0000000000000000000R01"
    blank = {"csrf_token": token["value"], "request_id": request_id, "answer": "  "}
    assert visitor.post(form["action"], data=blank).status_code == 422
    data = {**blank, "answer": "Build 2026-11-02."}
    assert visitor.post(form["action"], data=data).status_code == 303
    assert visitor.post(form["action"], data=data).status_code == 409
    after = visitor.get("/reports?lang=en").text
    assert "Your answer: Build 2026-11-02." in after
    [(_, key, envelope)] = outbox.unpublished_answers(10)
    answer = decode(envelope)
    assert key == report_id
    assert answer.payload["answer"] == "Build 2026-11-02."
    assert answer.payload["actor"]["name"] == "Ada"
