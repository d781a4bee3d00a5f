"""A risk owner's pages of the registry in a real headless Chromium, with the keyboard
alone: sign in, search, narrow by a facet, read an incident, chart the registry; and the
public dashboard for anyone."""

from __future__ import annotations

import pytest
from identities import PASSWORD
from keyboard import press_and_load, tab_to
from playwright.sync_api import Page, expect
from registry_pages import INCIDENTS, RISK_OWNER_EMAIL

from services.registry import risks
from shared.access import RISK_OWNER

pytestmark = pytest.mark.browser

# Copies for a person to look at.
SHOWCASE = "/tmp/accord-registry-{}.png"
RECEIVED = "2026-11-01T09:00:00+00:00"


@pytest.fixture
def loaded(registry):
    registry.store.upsert(INCIDENTS)
    rosa = registry.identities.person("Secretariat", RISK_OWNER_EMAIL, roles=(RISK_OWNER,))
    fields = {
        "title": "Health assistants advising doses", "description": "Dosage advice.",
        "likelihood": 4, "impact": 4, "residual_likelihood": 2, "residual_impact": 4,
        "treatment": "mitigate", "owner": rosa, "next_review": "2026-01-15",
        "mitigations": [{"description": "Dose checks", "status": "in_progress"}],
        "incidents": [INCIDENTS[3]["id"]],
    }  # fmt: skip
    actor = {"id": rosa, "name": "Rosa", "organization": None}
    registry.store.create_risk(risks.created("risk-1", fields, actor=actor, at=RECEIVED))
    return registry


def sign_in(page: Page, registry, goal: str) -> None:
    page.goto(registry.url + goal)
    assert page.url.startswith(registry.url + "/sign-in?next=")
    tab_to(page, "#email")
    page.keyboard.type(RISK_OWNER_EMAIL)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    press_and_load(page)


def test_a_risk_owner_signs_in_searches_and_narrows_by_a_facet(page: Page, loaded, screenshot):
    sign_in(page, loaded, "/incidents")
    assert page.url == loaded.url + "/incidents"
    expect(page.get_by_role("heading", level=1)).to_have_text("Search incidents")
    expect(page.locator("#signed-in-as")).to_have_text("Signed in as Rosa (Secretariat)")
    expect(page.locator("#total")).to_contain_text("Incidents found: 8")

    tab_to(page, "#q")
    page.keyboard.type("chatbot OR leak")
    press_and_load(page)  # Enter in the search field
    expect(page.locator("#total")).to_contain_text("Incidents found: 6")
    expect(page.locator("li.result h3")).to_have_count(6)
    screenshot(page, "search", copy_to=SHOWCASE.format("search"))

    tab_to(page, "[data-facet='severity'] a[title='Add severity:high to the search']")
    press_and_load(page)
    expect(page.locator("#q")).to_have_value("(chatbot OR leak) severity:high")
    expect(page.locator("#total")).to_contain_text("Incidents found: 1")
    expect(page.locator("[data-facet='severity'] strong[aria-current]")).to_have_text("High (1)")
    title = "Leak <script>alert(1)</script> of weights"
    expect(page.locator("li.result h3 a")).to_have_text(title)  # as text, never markup

    tab_to(page, "li.result h3 a")
    press_and_load(page)
    expect(page.locator("#incident-title")).to_have_text(title)
    expect(page.locator("#incident-status")).to_have_text("New")
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(1)

    # Triage: new → triaged, with a public rationale.
    tab_to(page, "#transition-to")
    page.keyboard.type("Triaged")
    tab_to(page, "#transition-rationale")
    page.keyboard.type("In scope: model weights left the lab. Investigating with the lab.")
    tab_to(page, "#transition-visibility-confidential")
    page.keyboard.press("ArrowDown")  # the radio group's next choice: public
    expect(page.locator("#transition-visibility-public")).to_be_checked()
    tab_to(page, "#transition-submit")
    press_and_load(page)
    expect(page.locator("#notice")).to_have_text(
        "Your decision is recorded: the incident is at version 2 now."
    )
    expect(page.locator("#incident-status")).to_have_text("Triaged")
    expect(timeline).to_have_count(2)
    latest = timeline.nth(1)
    expect(latest).to_contain_text("Status changed from New to Triaged by Rosa")
    expect(latest).to_contain_text("In scope: model weights left the lab.")
    expect(latest.locator(".badge")).to_have_text("Public")
    screenshot(page, "incident", copy_to=SHOWCASE.format("incident"))

    tab_to(page, "#nav-dashboard")
    press_and_load(page)
    expect(page.get_by_role("img", name="Incidents over time, by severity")).to_be_visible()
    expect(page.get_by_role("img", name="Incidents over time, by harm domain")).to_be_visible()
    expect(page.get_by_role("img", name="Risks by level")).to_be_visible()
    screenshot(page, "dashboard", copy_to=SHOWCASE.format("dashboard"))

    tab_to(page, "#nav-risks")
    press_and_load(page)
    expect(page.locator("#risk-risk-1")).to_contain_text("Health assistants advising doses")
    expect(page.locator("#risk-risk-1")).to_contain_text("(overdue)")
    screenshot(page, "risks", copy_to=SHOWCASE.format("risks"))


def test_anyone_reads_the_public_dashboard_in_their_language(page: Page, loaded, screenshot):
    page.goto(loaded.url + "/public/dashboard?lang=zh")
    expect(page.get_by_role("heading", level=1)).to_have_text("公开仪表板")
    expect(page.locator("#total")).to_have_attribute("data-total", "1")  # the CLEAR one only
    page.get_by_text("以表格显示数据").first.click()  # <details>: no script needed
    expect(page.locator("#by-severity-table")).to_be_visible()
    screenshot(page, "public-dashboard-zh", copy_to=SHOWCASE.format("public-dashboard-zh"))


def test_a_risk_owner_adds_a_risk_and_changes_it(page: Page, loaded, screenshot):
    sign_in(page, loaded, "/risks/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("A new risk")
    for selector, typed in (
        ("#risk-title", "Agents copying their own weights"),
        ("#risk-description", "An evaluated agent may exfiltrate its checkpoints."),
        ("#risk-likelihood", "4"),  # a select takes the option its text starts with
        ("#risk-impact", "5"),
        ("#mitigations-0-description", "Egress filtering on eval hosts"),
        ("#risk-next_review", "01312027"),  # the date field's month, day and year
        ("#risk-incidents", INCIDENTS[3]["id"]),
    ):
        tab_to(page, selector)
        page.keyboard.type(typed)
    screenshot(page, "risk-form", copy_to=SHOWCASE.format("risk-form"))
    tab_to(page, "#risk-submit")
    press_and_load(page)
    expect(page.locator("#notice")).to_have_text("The risk is recorded: it is at version 1 now.")
    expect(page.locator("#risk-title")).to_have_text("Agents copying their own weights")
    expect(page.locator(".facts")).to_contain_text("Extreme: 20 (4 \N{MULTIPLICATION SIGN} 5)")
    expect(page.locator(".facts")).to_contain_text("2027-01-31")
    expect(page.locator("#mitigations")).to_contain_text("Planned: Egress filtering")

    tab_to(page, "#edit-risk")
    press_and_load(page)
    tab_to(page, "#risk-residual_likelihood")
    page.keyboard.type("2")
    tab_to(page, "#risk-residual_impact")
    page.keyboard.type("5")
    tab_to(page, "#risk-submit")
    press_and_load(page)
    expect(page.locator("#notice")).to_have_text("The risk is recorded: it is at version 2 now.")
    expect(page.locator(".facts")).to_contain_text("High: 10 (2 \N{MULTIPLICATION SIGN} 5)")
    screenshot(page, "risk", copy_to=SHOWCASE.format("risk"))
