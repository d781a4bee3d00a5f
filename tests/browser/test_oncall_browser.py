"""The on-call pages in headless Chromium: sign in, see what is open for me and my
schedule in my time zone, acknowledge; and the ack link a message carries, in another
language. Screenshots go to the test's folder (and /tmp/issue-10-*.png for a person)."""

# ruff: noqa: RUF001 (the translations use typographic quotes)

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from identities import PASSWORD, Identities
from notifier_support import EVENTS_TOPIC, notifier_events, registered
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from services.notifier.app import create_app
from services.notifier.channels.null import InboxChannel
from services.notifier.escalations import Escalations
from services.notifier.links import Links
from services.notifier.policies.models import load_policy
from services.notifier.state import NotifierState
from shared.access import ONCALL
from shared.bus.embedded import EmbeddedBus
from shared.clock import TestClock
from shared.directory.projection import DirectoryProjection
from shared.envelope import Envelope
from shared.settings import Settings
from shared.topics import all_topics

pytestmark = pytest.mark.browser
EMAIL = "oki@accord.example"


@dataclass
class LiveNotifier:
    url: str
    escalations: Escalations
    person: str
    bus: EmbeddedBus


@pytest.fixture
def notifier(tmp_path: Path) -> Iterator[LiveNotifier]:
    settings = Settings(data_dir=tmp_path, topic_prefix="test")
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics(all_topics("test"))
    producer = bus.producer()
    directory = DirectoryProjection()
    ids = Identities(directory)
    person = ids.person("Accord Secretariat", EMAIL, roles=(ONCALL,))
    clock = TestClock(datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
    escalations = Escalations(
        state=NotifierState(),
        policy=load_policy(),
        directory=directory,
        channels={"inbox": InboxChannel()},
        producer=producer,
        events_topic=EVENTS_TOPIC,
        links=Links("links-secret", "http://placeholder", clock),
        clock=clock,
    )
    app = create_app(
        settings, bus=bus, escalations=escalations, directory=directory, producer=producer
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    escalations.links = Links("links-secret", url, clock)
    thread = threading.Thread(target=server.serve_forever, name="notifier-http", daemon=True)
    thread.start()
    try:
        yield LiveNotifier(url, escalations, person, bus)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        producer.close()
        bus.close()


def _schedule(notifier: LiveNotifier) -> None:
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
                "people": [notifier.person],
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
    page: Page, notifier, screenshot
):
    _schedule(notifier)
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
    assert [a.payload["by"]["id"] for a in acks] == [notifier.person]
    screenshot(page, "oncall-acknowledged", copy_to="/tmp/issue-10-oncall-acknowledged.png")

    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", name="Ouvert pour moi")).to_be_visible()


def test_the_ack_link_in_a_message_acknowledges_without_signing_in(
    page: Page, notifier, screenshot
):
    notifier.escalations([registered("01JD0000000000000000000042", title="Agent escaped")])
    notifier.escalations.tick()
    (record,) = notifier.escalations.state.list_escalations()
    link = notifier.escalations.links.ack_url(record.escalation.id, notifier.person)

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
