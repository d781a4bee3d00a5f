"""The coordinators' exercise pages in headless Chromium: propose an exercise, schedule it
into the earliest common slot, reschedule it, read its after-action report, cancel it,
and the page in another language. Screenshots go to the test's folder (and
/tmp/issue-11-*.png for a person)."""

from __future__ import annotations

import pytest
from identities import PASSWORD
from notifier_support import notifier_events
from playwright.sync_api import Page, expect

from shared.access import COORDINATOR, ONCALL

pytestmark = pytest.mark.browser
EMAIL = "carl@accord.example"


@pytest.fixture
def carl(notifier) -> str:
    """A coordinator, and Oki (on call, no web password) to invite beside him."""
    ids = notifier.identities
    ids.person("Accord Secretariat", "oki@accord.example", roles=(ONCALL,), password=None)
    return ids.person("Accord Secretariat", EMAIL, roles=(COORDINATOR,))


def test_a_coordinator_proposes_schedules_reschedules_and_cancels(
    page: Page, notifier, carl, screenshot
):
    page.goto(notifier.url + "/exercises?lang=en")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tabletop exercises")
    expect(page.locator("#no-exercises")).to_be_visible()

    page.fill("#title", "Weights leak drill")
    page.get_by_label("Carl").check()
    page.get_by_label("Oki").check()
    page.select_option("#duration", "120")
    page.click("#propose")
    expect(page.get_by_role("status")).to_have_text("Proposed.")
    table = page.get_by_role("table", name="Exercises")
    expect(table.get_by_role("row").nth(1)).to_contain_text("Proposed")

    page.get_by_role(
        "button", name="Schedule Weights leak drill at the earliest common slot"
    ).click()
    expect(page.get_by_role("status")).to_have_text("Scheduled: the invitations are on their way.")
    # Both work 09:00-17:00 in London; 72 hours ahead of Thursday 14:00: Monday 09:00.
    expect(table.get_by_role("row").nth(1)).to_contain_text("07 Dec 2026, 09:00")
    screenshot(page, "exercises-scheduled", copy_to="/tmp/issue-11-exercises-scheduled.png")

    (exercise,) = notifier.escalations.state.exercise_list()
    page.fill(f"#start-{exercise.id}", "2026-12-09T10:30")
    page.get_by_role("button", name="Schedule Weights leak drill at this time").click()
    expect(table.get_by_role("row").nth(1)).to_contain_text("09 Dec 2026, 10:30")
    assert notifier.escalations.state.exercise(exercise.id).sequence == 1

    notifier.escalations.exercises.file_after_action(
        exercise.id,
        {"went_well": ["Paged at once"], "gaps": ["No Art. 73 owner"],
         "actions": [{"title": "Name an Art. 73 owner", "risk_id": None}]},
        {"id": carl, "name": "Carl"},
    )  # fmt: skip
    page.reload()
    expect(
        page.get_by_role("heading", name="After-action report: Weights leak drill")
    ).to_be_visible()
    expect(page.get_by_text("Name an Art. 73 owner")).to_be_visible()

    page.get_by_role("button", name="Cancel Weights leak drill").click()
    expect(page.get_by_role("status")).to_have_text("Cancelled: the participants are told.")
    expect(table.get_by_role("row").nth(1)).to_contain_text("Cancelled")
    types = [e.type for e in notifier_events(notifier.bus) if e.type.startswith("exercise.")]
    assert types == [
        "exercise.proposed",
        "exercise.scheduled",
        "exercise.scheduled",
        "exercise.after_action_filed",
        "exercise.cancelled",
    ]
    screenshot(page, "exercises-cancelled", copy_to="/tmp/issue-11-exercises-cancelled.png")

    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("桌面演练")
    screenshot(page, "exercises-zh", copy_to="/tmp/issue-11-exercises-zh.png")
