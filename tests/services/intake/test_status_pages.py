"""A lab's status pages through the real app, CSRF protection on: signing in with an API key,
the list of the lab's reports and where each stands, revocation and signing out."""

# ruff: noqa: RUF001 (the translations use typographic apostrophes)

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pytest
from html_page import Page

from services.intake import status_pages
from services.intake.consumer import RegistryStatusProjection
from services.intake.outbox import StatusChange
from shared.envelope import decode

CONTRACT = Path(__file__).parents[3] / "shared" / "contracts" / "registry-events.json"
SCRIPT = "<script>alert(1)</script>"
REFUSED = "This API key is unknown or revoked. Check that you pasted all of it."


def row_ids(html: str) -> list[str]:
    """The references listed, in page order."""
    return re.findall(r'<tr id="report-([0-9A-Z]{26})">', html)


def csrf_token(client, path: str) -> str:
    """The CSRF token of a page's form, as a visitor would load it (setting the session)."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    [token] = Page(response.text).find("input", name="csrf_token")
    return token["value"]


def sign_in(client, plain: str, lang: str = "en"):
    token = csrf_token(client, f"/reports/sign-in?lang={lang}")
    return client.post(
        f"/reports/sign-in?lang={lang}", data={"csrf_token": token, "api_key": plain}
    )


def sign_out(client, lang: str = "en"):
    token = csrf_token(client, f"/reports?lang={lang}")
    return client.post(f"/reports/sign-out?lang={lang}", data={"csrf_token": token})


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
def lab_key(keys):
    return keys.create("UK AISI")


# --- Signing in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "tag", "heading", "label"),
    [
        ("en", "en", "Sign in to see your lab's reports", "API key"),
        ("fr", "fr", "Se connecter pour voir les signalements de votre laboratoire", "Clé d’API"),
        ("es", "es", "Inicie sesión para ver las notificaciones de su laboratorio", "Clave de API"),
        ("zh", "zh-Hans", "登录以查看本实验室的报告", "API 密钥"),
    ],
)
def test_the_sign_in_page_asks_for_the_key_in_each_language(visitor, lang, tag, heading, label):
    response = visitor.get(f"/reports/sign-in?lang={lang}")

    assert response.status_code == 200
    assert f'<html lang="{tag}"' in response.text
    assert heading in html.unescape(response.text)
    page = Page(response.text)
    [key_input] = page.find("input", name="api_key")
    assert key_input["type"] == "password"
    [key_label] = page.find("label", **{"for": key_input["id"]})
    assert f">{label}</label>" in response.text
    assert key_label is not None
    for described_by in key_input["aria-describedby"].split():
        page.by_id(described_by)
    assert page.find("input", type="hidden", name="csrf_token")
    assert {name for name, _ in page.elements if name == "script"} == set()
    assert "no-store" in response.headers["Cache-Control"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_a_wrong_key_is_refused_with_an_error_summary(visitor, keys, lab_key):
    _, plain = lab_key
    wrong = plain[:-4] + "AAAA"

    response = sign_in(visitor, wrong)

    assert response.status_code == 422
    page = Page(response.text)
    [summary] = page.find("div", role="alert")
    assert summary["class"] == "error-summary"
    assert page.find("a", href="#field-api-key")
    assert f"API key: {REFUSED}" in response.text
    assert page.by_id("field-api-key")["aria-invalid"] == "true"
    assert "field-api-key-error" in page.by_id("field-api-key")["aria-describedby"]
    assert wrong not in response.text  # the key typed is never sent back
    assert visitor.get("/reports").status_code == 303


def test_a_blank_key_is_asked_for(visitor):
    response = sign_in(visitor, "   ")

    assert response.status_code == 422
    assert "Enter your lab&#39;s API key." in response.text  # apostrophes are escaped too


def test_a_revoked_key_cannot_sign_in(visitor, keys, lab_key):
    key, plain = lab_key
    keys.revoke(key.key_id)

    response = sign_in(visitor, plain, lang="fr")

    assert response.status_code == 422
    assert "Cette clé d’API est inconnue ou révoquée." in response.text


def test_signing_in_without_the_csrf_token_is_refused(visitor, lab_key):
    _, plain = lab_key
    visitor.get("/reports/sign-in")

    response = visitor.post("/reports/sign-in?lang=fr", data={"api_key": plain})

    assert response.status_code == 400
    assert '<html lang="fr"' in response.text
    assert "Le formulaire a expiré" in response.text
    assert visitor.get("/reports").status_code == 303


def test_a_good_key_signs_in_and_the_session_keeps_no_key(visitor, lab_key):
    key, plain = lab_key

    response = sign_in(visitor, plain)

    assert response.status_code == 303
    assert response.headers["Location"] == "/reports?lang=en"
    with visitor.session_transaction() as session:
        assert session["lab"] == {"key_id": key.key_id, "organization": "UK AISI"}
        assert plain not in json.dumps(dict(session))
    cookie = visitor.get_cookie("session")
    assert cookie is not None and plain not in cookie.value
    assert cookie.http_only


# --- The list -----------------------------------------------------------------------------------


def test_the_reports_need_a_signed_in_lab(visitor):
    response = visitor.get("/reports?lang=es")

    assert response.status_code == 303
    assert response.headers["Location"] == "/reports/sign-in?lang=es"


def test_a_lab_sees_its_own_reports_newest_first_and_no_one_elses(
    app, visitor, keys, lab_key, valid_report
):
    _, plain = lab_key
    _, other = keys.create("Other Lab")
    first = file_report(app, plain, valid_report(title="First of ours"))
    theirs = file_report(app, other, valid_report(title="Someone else's"))
    second = file_report(app, plain, valid_report(title="Second of ours"))

    assert sign_in(visitor, plain).status_code == 303
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
    sign_in(visitor, lab_key[1])

    response = visitor.get("/reports")

    assert 'id="no-reports">Your lab has not filed any reports yet.<' in response.text
    assert "<table" not in response.text


def test_the_status_follows_the_registrys_events(app, visitor, outbox, lab_key, valid_report):
    _, plain = lab_key
    report_id = file_report(app, plain, valid_report())
    sign_in(visitor, plain)

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
    _, plain = lab_key
    report_id = file_report(app, plain, valid_report())
    outbox.record_statuses(
        [(report_id, StatusChange("rejected", "2026-11-21T10:00:00+00:00", "Duplicate <b>"))]
    )
    sign_in(visitor, plain)

    page = visitor.get("/reports").text

    assert 'class="report-status">rejected<' in page
    assert "(reason: Duplicate &lt;b&gt;)" in page


def test_markup_in_a_title_is_shown_as_text(app, visitor, lab_key, valid_report):
    _, plain = lab_key
    file_report(app, plain, valid_report(title=SCRIPT))
    sign_in(visitor, plain)

    page = visitor.get("/reports").text

    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_list_is_said_in_french(app, visitor, outbox, lab_key, valid_report):
    _, plain = lab_key
    report_id = file_report(app, plain, valid_report())
    RegistryStatusProjection(outbox)([registered(report_id)])

    assert sign_in(visitor, plain, lang="fr").headers["Location"] == "/reports?lang=fr"
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
    sign_in(visitor, lab_key[1])

    response = visitor.get("/reports", headers={"Accept-Language": "zh-CN,zh;q=0.9"})

    assert '<html lang="zh-Hans"' in response.text
    assert "本实验室的报告" in response.text
    assert "Accept-Language" in response.headers["Vary"]


def test_the_reports_come_50_a_page_with_plain_links(visitor, outbox, lab_key):
    _, plain = lab_key
    ids = [f"01K{n:023d}" for n in range(51)]
    for report_id in ids:
        outbox.add(
            report_id=report_id,
            submitted_by="UK AISI",
            title=f"Report {report_id}",
            envelope=b"{}",
            accepted_at="2026-11-20T09:00:00+00:00",
            request_sha256="0" * 64,
        )
    sign_in(visitor, plain)

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


def test_revoking_the_key_signs_the_lab_out_at_its_next_request(visitor, keys, lab_key):
    key, plain = lab_key
    sign_in(visitor, plain)
    assert visitor.get("/reports").status_code == 200

    assert keys.revoke(key.key_id)
    response = visitor.get("/reports?lang=en")

    assert response.status_code == 303
    assert response.headers["Location"] == "/reports/sign-in?lang=en"
    with visitor.session_transaction() as session:
        assert "lab" not in session
    notice = visitor.get("/reports/sign-in").text
    assert "You were signed out because your API key is no longer valid." in notice
    assert visitor.get("/reports").status_code == 303


def test_another_key_of_the_lab_keeps_working_when_one_is_revoked(visitor, keys, lab_key):
    old, _ = lab_key
    _, new = keys.create("UK AISI")
    sign_in(visitor, new)

    keys.revoke(old.key_id)

    assert visitor.get("/reports").status_code == 200


def test_signing_out_ends_the_session(visitor, lab_key):
    sign_in(visitor, lab_key[1])

    response = sign_out(visitor, lang="es")

    assert response.status_code == 303
    assert response.headers["Location"] == "/reports/sign-in?lang=es"
    assert "Ha cerrado la sesión." in visitor.get("/reports/sign-in?lang=es").text
    assert visitor.get("/reports").status_code == 303


def test_signing_out_needs_the_csrf_token(visitor, lab_key):
    """A cross-site post cannot sign a lab out."""
    sign_in(visitor, lab_key[1])

    response = visitor.post("/reports/sign-out?lang=zh", data={"csrf_token": "forged"})

    assert response.status_code == 400
    assert '<html lang="zh-Hans"' in response.text
    assert 'href="/reports?lang=zh"' in response.text  # the way back
    assert visitor.get("/reports").status_code == 200


def test_a_session_that_was_tampered_with_is_not_trusted(app, visitor, lab_key):
    sign_in(visitor, lab_key[1])
    with visitor.session_transaction() as session:
        session["lab"] = {"key_id": "0123456789ab", "organization": "Other Lab"}

    assert visitor.get("/reports").status_code == 303


# --- The report form and the status pages together ----------------------------------------------


def test_the_form_links_to_the_labs_reports(visitor):
    form = visitor.get("/report?lang=fr").text

    assert 'href="/reports?lang=fr"' in form
    assert "Les signalements de votre laboratoire" in form


def test_a_report_filed_through_the_form_by_a_signed_in_lab_is_listed(visitor, outbox, lab_key):
    sign_in(visitor, lab_key[1])
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
    [(report_id, _)] = outbox.unpublished(10)
    assert outbox.get(report_id).submitted_by == "UK AISI"
    assert row_ids(visitor.get("/reports").text) == [report_id]


def test_an_anonymous_form_report_is_no_labs(app, outbox, keys, lab_key):
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

    [(report_id, _)] = outbox.unpublished(10)
    assert outbox.get(report_id).submitted_by == "form:anonymous"


# --- Keys ---------------------------------------------------------------------------------------


def test_a_key_is_active_until_revoked(keys, lab_key):
    key, _ = lab_key

    assert keys.is_active(key.key_id)
    assert not keys.is_active("0123456789ab")
    keys.revoke(key.key_id)
    assert not keys.is_active(key.key_id)
