"""The on-call pages in headless Chromium: sign in, see what is open for me and my
schedule in my time zone, acknowledge; and the ack link a message carries, in another
language. Screenshots go to the test's folder (and /tmp/issue-10-*.png for a person)."""

# ruff: noqa: RUF001 (the translations use typographic quotes)

from __future__ import annotations

import pytest
from identities import PASSWORD
from notifier_support import notifier_events, registered
from playwright.sync_api import Page, expect

from shared.access import ONCALL
from shared.envelope import Envelope

pytestmark = pytest.mark.browser
EMAIL = "oki@accord.example"


@pytest.fixture
def oki(notifier) -> str:
    return notifier.identities.person("Accord Secretariat", EMAIL, roles=(ONCALL,))


def _schedule(notifier, person: str) -> None:
    """Oki is on the primary layer, Tokyo hand-off at 09:00, one person."""
    body = {
        "name": "Secretariat",
        "time_zone": "Asia/Tokyo",
        "layers": [
            {
                "name": "primary",
                "rotation": "weekly",
                "handoff_time": "09:00",
                "handoff_weekday": 1,
                "starts_on": "2026-11-30",
                "people": [person],
            }
        ],
        "overrides": [],
    }
    notifier.escalations.publish(
        Envelope(
            type="schedule.created",
            key="s-1",
            producer="test",
            payload={
                "schedule_id": "s-1",
                "schedule": body,
                "created_by": {"id": "x", "name": "Carl"},
                "at": "2026-12-01T00:00:00+00:00",
            },
        )
    )


def test_an_oncall_person_signs_in_sees_what_is_open_and_acknowledges(
    page: Page, notifier, oki, screenshot
):
    _schedule(notifier, oki)
    notifier.escalations([registered("01JD0000000000000000000042", title="Model weights leaked")])
    notifier.escalations.tick()

    page.goto(notifier.url + "/oncall?lang=en")
    assert page.url.startswith(notifier.url + "/sign-in?next=")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("On call")
    table = page.get_by_role("table", name="Open for me")
    expect(table.get_by_role("rowheader")).to_have_text("Model weights leaked")
    expect(table.get_by_role("row").nth(1)).to_contain_text("Critical")
    # my schedule in my time zone (Europe/London): the Tokyo rota's Monday 09:00 hand-off
    # is midnight in London
    shifts = page.get_by_role("table", name="My schedule")
    expect(shifts.get_by_role("row").nth(1)).to_contain_text("30 Nov 2026, 00:00")
    expect(shifts.get_by_role("row").nth(1)).to_contain_text("primary – now")
    expect(page.get_by_text("Times in your time zone, Europe/London")).to_be_visible()
    screenshot(page, "oncall-open", copy_to="/tmp/issue-10-oncall-open.png")

    page.get_by_role("button", name="Acknowledge Model weights leaked").click()
    expect(page.get_by_role("status")).to_have_text("Acknowledged: the escalation has stopped.")
    expect(page.locator("#nothing-open")).to_have_text("Nothing is open for you.")
    acks = [e for e in notifier_events(notifier.bus) if e.type == "escalation.acknowledged"]
    assert [a.payload["by"]["id"] for a in acks] == [oki]
    screenshot(page, "oncall-acknowledged", copy_to="/tmp/issue-10-oncall-acknowledged.png")

    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", name="Ouvert pour moi")).to_be_visible()


def test_the_ack_link_in_a_message_acknowledges_without_signing_in(
    page: Page, notifier, oki, screenshot
):
    notifier.escalations([registered("01JD0000000000000000000042", title="Agent escaped")])
    notifier.escalations.tick()
    (record,) = notifier.escalations.state.list_escalations()
    link = notifier.escalations.links.ack_url(record.escalation.id, oki)

    page.goto(link + "?lang=zh")
    expect(page.get_by_role("heading", level=1)).to_have_text("确认此升级")
    screenshot(page, "ack-link", copy_to="/tmp/issue-10-ack-link.png")
    page.get_by_role("button", name="确认").click()
    expect(page.locator("#message")).to_have_text("您已确认“Agent escaped”。不会再通知其他人。")
    assert notifier.escalations.state.escalation(record.escalation.id).status == "acknowledged"

    page.goto(link + "?lang=en")  # the link again: nothing left to do
    expect(page.locator("#status")).to_have_text(
        "Someone has already acknowledged this escalation."
    )
    page.goto(notifier.url + "/ack/not-a-token?lang=fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien n’est pas valide")
