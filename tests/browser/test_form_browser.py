"""The report form in a real headless Chromium, used with the keyboard alone: Tab to move,
typing to fill and choose, Enter to submit and to follow links."""

# ruff: noqa: RUF001 (the translations use typographic apostrophes and fullwidth brackets)

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from shared.envelope import decode

pytestmark = pytest.mark.browser

# A copy of the French error page, for a person to look at.
SHOWCASE = "/tmp/accord-form.png"


def focused(page: Page, attribute: str = "id") -> str | None:
    return page.evaluate(f"document.activeElement.getAttribute({attribute!r})")


def tab_to(page: Page, *, element_id: str | None = None, href: str | None = None) -> None:
    """Press Tab until the element with this id (or the link to this href) has the focus."""
    attribute, wanted = ("id", element_id) if element_id else ("href", href)
    for _ in range(80):
        page.keyboard.press("Tab")
        if focused(page, attribute) == wanted:
            return
    raise AssertionError(f"Tab never reached the element with {attribute}={wanted!r}")


def press_and_load(page: Page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def test_a_report_filed_with_the_keyboard_alone_gets_a_receipt(page: Page, intake, screenshot):
    page.goto(intake.url + "/report")

    tab_to(page, element_id="field-title")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # where the focus is can be seen
    page.keyboard.type("Agent <b>copied</b> its weights")
    tab_to(page, element_id="field-description")
    page.keyboard.type("During an evaluation the agent copied checkpoints.")
    page.keyboard.press("Enter")  # a new line in a textarea, not a submission
    page.keyboard.type("The run was stopped.")
    tab_to(page, element_id="field-event-type")
    page.keyboard.type("Near")  # a closed select picks the option typed
    tab_to(page, element_id="field-severity")
    page.keyboard.type("High")
    tab_to(page, element_id="field-occurred-at")
    page.keyboard.type("03012026")  # month, day, year
    page.keyboard.press("Tab")  # on to the time, inside the same control
    page.keyboard.type("0205P")  # 02:05 PM
    tab_to(page, element_id="field-timezone")
    page.keyboard.type("Europe/Paris")
    tab_to(page, element_id="field-countries")
    page.keyboard.type("GB, FR")
    tab_to(page, element_id="field-reporting-organization")
    page.keyboard.type("UK AISI")
    tab_to(page, element_id="field-tlp")
    page.keyboard.type("TLP:AMBER")
    assert page.input_value("#field-occurred-at") == "2026-03-01T14:05"
    assert page.input_value("#field-event-type") == "near_miss"
    assert page.input_value("#field-tlp") == "AMBER"
    tab_to(page, element_id="submit-report")
    press_and_load(page)

    assert re.search(r"/report/[0-9A-Z]{26}/receipt\?lang=en$", page.url), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Report received")
    report_id = page.locator("#report-id").inner_text()
    assert report_id in page.url
    screenshot(page, "receipt-en")
    [(stored_id, envelope)] = intake.outbox.unpublished(10)
    assert stored_id == report_id
    report = decode(envelope).payload["report"]
    assert report["channel"] == "form"
    assert report["title"] == "Agent <b>copied</b> its weights"
    assert report["event_type"] == "near_miss"
    assert report["occurred_at"].startswith("2026-03-01T13:05")

    # Nothing relays the outbox in this test, so the report waits, safely stored, in intake.
    expect(page.locator("#report-status")).to_have_text("Accepted: safely stored by intake")


def test_an_empty_form_shows_a_summary_whose_links_move_the_focus(page: Page, intake, screenshot):
    page.goto(intake.url + "/report")
    tab_to(page, element_id="submit-report")
    press_and_load(page)

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name="Title: This field is required.")).to_be_visible()
    expect(page.locator("#field-title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-title-error")).to_contain_text("This field is required.")
    screenshot(page, "errors-en")

    tab_to(page, href="#field-description")
    page.keyboard.press("Enter")
    assert focused(page) == "field-description"
    page.keyboard.type("Typed straight after following the link.")
    assert page.input_value("#field-description") == "Typed straight after following the link."

    tab_to(page, href="#field-countries")  # on round the page and back to the summary
    page.keyboard.press("Enter")
    assert focused(page) == "field-countries"


def test_the_form_switches_to_french_and_chinese(page: Page, intake, screenshot):
    page.goto(intake.url + "/report")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    tab_to(page, href="/report?lang=fr")
    press_and_load(page)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signaler un incident d’IA")
    expect(page.get_by_label("Titre", exact=True)).to_be_visible()
    expect(page.get_by_label("Gravité")).to_be_visible()
    expect(page.locator("#field-severity option[value=critical]")).to_have_text("Critique")

    tab_to(page, element_id="field-title")
    page.keyboard.type("<script>alert(1)</script>")
    tab_to(page, element_id="submit-report")
    press_and_load(page)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Il y a un problème")
    expect(summary).to_contain_text("Description : Ce champ est obligatoire.")
    expect(page.locator("#field-title")).to_have_value("<script>alert(1)</script>")
    screenshot(page, "errors-fr", copy_to=SHOWCASE)

    tab_to(page, href="/report?lang=zh")
    press_and_load(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("报告人工智能事件")
    expect(page.get_by_label("标题")).to_be_visible()
    expect(page.get_by_label("共享级别（TLP）")).to_be_visible()
    expect(page.locator("#field-event-type option[value=near_miss]")).to_have_text("未遂事件")
    screenshot(page, "form-zh")
