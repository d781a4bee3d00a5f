"""The HTML form channel through the real app, CSRF protection on: what a person filing a
report in a browser gets back, in each of the four languages."""

# ruff: noqa: RUF001 (the translations use typographic apostrophes and fullwidth brackets)

from __future__ import annotations

import re
from typing import Any

import pytest
from html_page import Page

from services.intake import form_fields, i18n
from shared import vocab
from shared.envelope import decode
from shared.i18n import LANGUAGES

SCRIPT = "<script>alert(1)</script>"


def open_form(client, lang: str = "en") -> dict[str, str]:
    """Load the form as a browser would (which sets the session cookie) and return its
    hidden fields: the CSRF token and the submission id."""
    response = client.get(f"/report?lang={lang}")
    assert response.status_code == 200
    page = Page(response.text)
    return {field["name"]: field["value"] for field in page.find("input", type="hidden")}


def filled(**changes: str | None) -> dict[str, str]:
    """A complete, valid form as a browser sends it; ``None`` leaves a control blank."""
    values = {
        "title": "Model exfiltrated its weights during evaluation",
        "description": "An agentic eval run copied checkpoint files to an external bucket.",
        "language": "en",
        "event_type": "incident",
        "severity": "high",
        "likelihood": "3",
        "impact": "4",
        "occurred_at": "2026-03-01T14:05",
        "timezone": "Europe/Paris",
        "countries": "GB, FR",
        "reporting_organization": "UK AISI",
        "contact.name": "Ada Lovelace",
        "contact.email": "ada@example.org",
        "ai_system.name": "Evalbot",
        "ai_system.developer": "Example Labs",
        "ai_system.deployer": "UK AISI",
        "ai_system.version": "2.1",
        "ai_system.modality": "text",
        "references": "https://example.org/a\nhttps://example.org/b",
        "tlp": "AMBER",
    }
    values.update({name: value or "" for name, value in changes.items()})
    return values


def submit(client, values: dict[str, str], lang: str = "en", **hidden: str):
    fields = {**open_form(client, lang), **hidden}
    return client.post(f"/report?lang={lang}", data={**fields, **values})


def stored_reports(outbox) -> list[dict[str, Any]]:
    return [decode(envelope).payload["report"] for _, envelope in outbox.unpublished(100)]


# --- Languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "tag", "texts"),
    [
        ("en", "en", ["Report an AI incident", "Title", "Severity", "Near miss", "Submit report"]),
        ("fr", "fr", ["Signaler un incident d’IA", "Titre", "Gravité", "Quasi-incident", "Pays"]),
        ("es", "es", ["Notificar un incidente de IA", "Título", "Gravedad", "Cuasi incidente"]),
        ("zh", "zh-Hans", ["报告人工智能事件", "标题", "严重程度", "未遂事件", "提交报告"]),
    ],
)
def test_the_form_is_shown_in_each_language(client, lang, tag, texts):
    response = client.get(f"/report?lang={lang}")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert f'<html lang="{tag}"' in response.text
    for text in texts:
        assert text in response.text
    page = Page(response.text)
    [current] = page.find("a", **{"aria-current": "page"})
    assert current["hreflang"] == tag


@pytest.mark.parametrize(
    ("header", "tag"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.5", "fr"),
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("de-DE,de;q=0.9,es;q=0.4", "es"),
        ("de-DE", "en"),
        ("", "en"),
    ],
)
def test_the_language_follows_the_browser_when_none_is_asked_for(client, header, tag):
    response = client.get("/report", headers={"Accept-Language": header})

    assert f'<html lang="{tag}"' in response.text
    assert "Accept-Language" in response.headers["Vary"]


def test_an_asked_for_language_beats_the_browsers(client):
    response = client.get("/report?lang=es", headers={"Accept-Language": "zh-CN"})

    assert '<html lang="es"' in response.text


def test_the_vocabularies_are_said_as_the_shared_vocabulary_files_define_them():
    """When a vocabulary's term or definition changes, every catalog needs the new text."""
    catalogs = i18n.CATALOGS.messages
    for control, name in form_fields.VOCABULARIES.items():
        for term in vocab.load(name).terms:
            assert catalogs["en"][f"{control}.{term.id}"] == term.label
            if control in form_fields.DEFINED:
                assert catalogs["en"][f"{control}.{term.id}.definition"] == term.definition
            for lang in LANGUAGES:
                assert f"{control}.{term.id}" in catalogs[lang]


# --- Accessibility of the markup ----------------------------------------------------------------


def test_every_control_has_a_label_and_its_hint(client):
    page = Page(client.get("/report").text)
    labelled = {label["for"] for label in page.find("label")}

    controls = page.controls()
    assert len(controls) == len(form_fields.FIELDS)
    for control in controls:
        assert control["id"] in labelled, control
        for described_by in control.get("aria-describedby", "").split():
            page.by_id(described_by)  # every reference resolves to exactly one element
    assert [c["name"] for c in controls] == list(form_fields.FIELDS)
    assert len(page.find("fieldset")) == len(page.find("legend")) == 6
    assert page.by_id("field-occurred-at")["type"] == "datetime-local"
    assert {name for name, _ in page.elements if name == "script"} == set()


# --- Errors ------------------------------------------------------------------------------------


def test_missing_fields_come_back_with_a_summary_and_a_message_at_each(client, outbox):
    values = filled(description=None, severity=None, countries=None, tlp=None, title="Kept title")
    response = submit(client, values)

    assert response.status_code == 422
    page = Page(response.text)
    summary = page.find("div", role="alert")
    assert len(summary) == 1
    assert summary[0]["tabindex"] == "-1"
    # The summary comes right after the heading, before the form.
    assert response.text.index('role="alert"') < response.text.index("<form")
    links = [found["href"] for found in page.find("a") if found.get("href", "").startswith("#f")]
    assert links == [
        "#field-description",
        "#field-severity",
        "#field-countries",
        "#field-tlp",
    ]
    for link in links:
        control = page.by_id(link[1:])
        assert control["aria-invalid"] == "true"
        error_id = control["aria-describedby"].split()[-1]
        assert error_id == f"{link[1:]}-error"
        page.by_id(error_id)
    assert response.text.count("This field is required.") == 2 * len(links)  # summary + field
    assert "There is a problem" in response.text
    assert "<title>Error: Report an AI incident" in response.text
    # What was typed and chosen is kept.
    assert page.by_id("field-title")["value"] == "Kept title"
    assert page.find("option", value="incident", selected="")
    assert page.find("option", value="Europe/Paris", selected="")
    assert "An agentic eval" not in response.text  # a blanked field stays blank
    assert "https://example.org/a\nhttps://example.org/b</textarea>" in response.text
    assert page.by_id("field-title").get("aria-invalid") is None
    assert stored_reports(outbox) == []


def test_errors_are_said_in_the_readers_language(client):
    response = submit(client, filled(title=None, severity="not-a-level"), lang="fr")

    assert response.status_code == 422
    assert '<html lang="fr"' in response.text
    assert "Il y a un problème" in response.text
    assert "Titre : Ce champ est obligatoire." in response.text
    assert "Gravité : Choisissez l’une des options proposées." in response.text


def test_a_missing_time_zone_is_said_once_at_its_own_control(client):
    response = submit(client, filled(timezone=None))

    assert response.status_code == 422
    page = Page(response.text)
    assert page.by_id("field-timezone")["aria-invalid"] == "true"
    assert page.by_id("field-occurred-at").get("aria-invalid") is None
    assert "Time zone: This field is required." in response.text


def test_the_common_format_errors_are_said_in_the_readers_language(client):
    values = filled(
        **{"contact.email": "not an address", "references": "https://a.org\nnot a link"}
    )
    response = submit(client, values, lang="es")

    assert response.status_code == 422
    assert "Correo electrónico de contacto: Escriba una dirección de correo" in response.text
    assert "Referencias: Elemento 2: Escriba un enlace que empiece por http://" in response.text


def test_an_error_in_a_list_names_the_entry(client):
    response = submit(client, filled(countries="GB, Narnia"))

    assert response.status_code == 422
    page = Page(response.text)
    assert page.by_id("field-countries")["aria-invalid"] == "true"
    assert page.by_id("field-countries")["value"] == "GB, Narnia"
    assert "Countries: Entry 2: " in response.text


# --- Success -----------------------------------------------------------------------------------


def test_a_valid_form_is_accepted_and_shows_a_receipt(client, outbox):
    response = submit(client, filled(), lang="es")

    assert response.status_code == 303
    location = response.headers["Location"]
    match = re.fullmatch(r"/report/([0-9A-Z]{26})/receipt\?lang=es", location)
    assert match, location
    report_id = match.group(1)
    receipt = client.get(location)
    assert receipt.status_code == 200
    assert "Notificación recibida" in receipt.text
    assert Page(receipt.text).by_id("report-id") is not None
    assert f'id="report-id">{report_id}<' in receipt.text
    assert 'id="report-status">Aceptada: guardada de forma segura<' in receipt.text
    [report] = stored_reports(outbox)
    assert report["id"] == report_id
    assert report["channel"] == "form"
    assert report["occurred_at"].startswith("2026-03-01T13:05")  # 14:05 in Paris, in UTC
    assert report["countries"] == ["GB", "FR"]
    assert report["title"] == "Model exfiltrated its weights during evaluation"


def test_submitting_the_same_form_twice_files_one_report(client, outbox):
    hidden = open_form(client)
    first = client.post("/report", data={**hidden, **filled()})
    second = client.post("/report", data={**hidden, **filled()})

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(stored_reports(outbox)) == 1


def test_a_used_form_sent_again_with_other_answers_is_refused(client, outbox):
    hidden = open_form(client, "zh")
    assert client.post("/report?lang=zh", data={**hidden, **filled()}).status_code == 303

    response = client.post("/report?lang=zh", data={**hidden, **filled(title="Another")})

    assert response.status_code == 409
    assert "该表单已提交过" in response.text
    assert len(stored_reports(outbox)) == 1


def test_an_unknown_receipt_is_a_page_not_found(client):
    response = client.get("/report/01ARZ3NDEKTSV4RRFFQ69G5FAV/receipt?lang=fr")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Introuvable" in response.text


def test_an_oversized_form_is_a_page_in_the_readers_language(client, outbox):
    response = submit(client, filled(description="x" * (2 << 20)), lang="zh")

    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "报告内容过大" in response.text
    assert stored_reports(outbox) == []


# --- CSRF --------------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_refused_in_the_readers_language(client, outbox):
    hidden = open_form(client, "fr")
    del hidden["csrf_token"]

    response = client.post("/report?lang=fr", data={**hidden, **filled()})

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert '<html lang="fr"' in response.text
    assert "Le formulaire a expiré" in response.text
    assert 'href="/report?lang=fr"' in response.text  # the way back: reload the form
    assert stored_reports(outbox) == []


@pytest.mark.parametrize("token", ["forged", "IjEyMyI.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"])
def test_a_form_with_a_bad_csrf_token_is_refused(client, outbox, token):
    response = submit(client, filled(), csrf_token=token)

    assert response.status_code == 400
    assert "The form has expired" in response.text
    assert stored_reports(outbox) == []


def test_a_token_from_another_session_is_refused(client, outbox):
    """A cross-site post: the attacker has a valid token of their own, not the victim's."""
    attackers = client.application.test_client()
    hidden = open_form(attackers)

    open_form(client)  # the victim's own session
    response = client.post("/report", data={**hidden, **filled()})

    assert response.status_code == 400
    assert stored_reports(outbox) == []


def test_the_json_api_needs_no_csrf_token(client, identities, outbox, valid_report):
    open_form(client)  # a session cookie is there, with no token in the request
    secret = identities.key("UK AISI")
    headers = {"Authorization": f"Bearer {secret}"}

    response = client.post("/v1/reports", json=valid_report(), headers=headers)

    assert response.status_code == 202
    assert len(stored_reports(outbox)) == 1


# --- Escaping ----------------------------------------------------------------------------------


def test_markup_typed_into_the_form_is_shown_as_text(client):
    response = submit(client, filled(title=SCRIPT, description=SCRIPT, countries=SCRIPT))

    assert response.status_code == 422  # the country is not one
    assert SCRIPT not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
