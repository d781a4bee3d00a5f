"""A lab's status pages in a real headless Chromium, used with the keyboard alone: set a
password through the one-time link, sign in with it, file a report through the form,
follow it in the lab's list, sign out."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from keyboard import press_and_load, tab_to
from playwright.sync_api import Page, expect

from services.intake.consumer import RegistryStatusProjection
from services.intake.status_pages import shown_time
from shared.envelope import decode, utcnow

pytestmark = pytest.mark.browser

# A copy of the lab's list, for a person to look at.
SHOWCASE = "/tmp/accord-status.png"
CONTRACT = Path(__file__).parents[2] / "shared" / "contracts" / "registry-events.json"


def registered(report_id: str, at: str):
    """The contract's golden ``incident.registered`` example, about this report."""
    contract = json.loads(CONTRACT.read_text())
    event = contract["events"]["incident.registered"]["examples"][0]
    event["key"] = event["payload"]["incident_id"] = report_id
    event["occurred_at"] = event["payload"]["registered_at"] = at
    return decode(json.dumps(event).encode())


EMAIL = "ada@aisi.example"
PASSWORD = "a long enough passphrase"


def set_password_through_the_link(page: Page, intake) -> None:
    """What a new person does with the link the admin's command printed."""
    person_id = intake.identities.person("UK AISI", EMAIL, password=None)
    link = f"{intake.url}/set-password/{intake.identities.password_link(person_id)}"
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "#confirm")
    page.keyboard.type("a different passphrase")
    press_and_load(page)
    expect(page.get_by_role("alert")).to_contain_text("The two passwords differ.")
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "#confirm")
    page.keyboard.type(PASSWORD)
    press_and_load(page)
    assert page.url == intake.url + "/sign-in"
    expect(page.get_by_role("status")).to_have_text("Your password is set. Sign in with it now.")
    page.goto(link)  # once only
    expect(page.locator("#message")).to_contain_text("This link is unknown, used or expired")


def test_a_lab_signs_in_and_follows_the_report_it_filed(page: Page, intake, screenshot):
    set_password_through_the_link(page, intake)
    page.goto(intake.url + "/reports")
    assert page.url == intake.url + "/sign-in?next=/reports?lang%3Den"  # not signed in yet

    tab_to(page, "#email")
    page.keyboard.type(EMAIL)
    tab_to(page, "#password")
    page.keyboard.type("not the password")
    press_and_load(page)
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.locator("#password")).to_have_value("")  # never sent back
    screenshot(page, "sign-in-refused")

    tab_to(page, "#password")  # the e-mail is kept
    page.keyboard.type(PASSWORD)
    press_and_load(page)  # Enter in the field submits the form
    assert page.url == intake.url + "/reports?lang=en"
    expect(page.get_by_role("heading", level=1)).to_have_text("Your lab's reports")
    expect(page.locator("#no-reports")).to_have_text("Your lab has not filed any reports yet.")

    tab_to(page, "header a[href='/report?lang=en']")
    press_and_load(page)
    expect(page.locator("#signed-in")).to_contain_text("You are signed in as UK AISI")
    tab_to(page, "#field-title")
    page.keyboard.type("Agent <b>copied</b> its weights")
    tab_to(page, "#field-description")
    page.keyboard.type("During an evaluation the agent copied checkpoints.")
    tab_to(page, "#field-event-type")
    page.keyboard.type("Near")
    tab_to(page, "#field-severity")
    page.keyboard.type("High")
    tab_to(page, "#field-occurred-at")
    page.keyboard.type("03012026")  # month, day, year
    page.keyboard.press("Tab")
    page.keyboard.type("0205P")
    tab_to(page, "#field-timezone")
    page.keyboard.type("Europe/Paris")
    tab_to(page, "#field-countries")
    page.keyboard.type("GB, FR")
    tab_to(page, "#field-reporting-organization")
    page.keyboard.type("UK AISI")
    tab_to(page, "#field-tlp")
    page.keyboard.type("TLP:AMBER")
    tab_to(page, "#submit-report")
    press_and_load(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Report received")
    report_id = page.locator("#report-id").inner_text()

    tab_to(page, "main a[href='/reports?lang=en']")  # the receipt's link, not the header's
    press_and_load(page)
    row = page.locator(f"#report-{report_id}")
    expect(row.get_by_role("rowheader")).to_have_text(report_id)
    expect(row.locator(".report-title")).to_have_text("Agent <b>copied</b> its weights")
    expect(row.locator(".report-status")).to_have_text("Accepted: safely stored by intake")

    # The relay forwards it and the registry registers it: the page says so when next loaded.
    forwarded_at = (utcnow() + timedelta(seconds=1)).isoformat()
    registered_at = (utcnow() + timedelta(seconds=2)).isoformat()
    intake.outbox.mark_published([report_id], forwarded_at)
    RegistryStatusProjection(intake.outbox)([registered(report_id, registered_at)])
    tab_to(page, "#nav-reports")
    press_and_load(page)
    expect(row.locator(".report-status")).to_have_text("Registered in the risk registry")
    expect(row.locator(".history li")).to_have_text(
        [
            f"{row.locator('.report-accepted').inner_text()} Accepted: safely stored by intake",
            f"{shown_time(forwarded_at)} Forwarded to the risk registry",
            f"{shown_time(registered_at)} Registered in the risk registry",
        ]
    )
    table = page.get_by_role("table", name="Reports filed by UK AISI, newest first: 1 to 1")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Reference", "Title", "Status", "Accepted", "History"]
    )
    screenshot(page, "reports-en", copy_to=SHOWCASE)

    tab_to(page, "#sign-out")
    press_and_load(page)
    assert page.url == intake.url + "/sign-in"
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    page.goto(intake.url + "/reports")
    assert page.url == intake.url + "/sign-in?next=/reports?lang%3Den"
