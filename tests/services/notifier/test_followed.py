"""What the notifier follows on registry-events without deciding on it: each risk's next
review in its owner's calendar feed, and the incidents' owners among an exercise's
participants; both rebuilt by replaying registry-events after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import recurring_ical_events
from icalendar import Calendar
from notifier_support import (
    assigned,
    publish_registry,
    registered,
    risk_event,
    transitioned,
)

from services.notifier.app import create_app
from shared.settings import Settings

RISK = "01JD0000000000000000000K21"
OTHER_RISK = "01JD0000000000000000000K22"
INCIDENT = "01JD0000000000000000000094"


def reviews(app, escalations, person_id: str, clock) -> list:
    url = escalations.links.feed_url("person", person_id).removeprefix("http://notifier.test")
    calendar = Calendar.from_ical(app.test_client().get(url).data)
    return [
        e
        for e in recurring_ical_events.of(calendar).between(
            clock.now(), clock.now() + timedelta(days=60)
        )
        if str(e["summary"]).startswith("Risk review")
    ]


def test_a_risks_next_review_is_in_its_owners_feed_across_a_restart(
    app, tmp_path, bus, producer, directory, escalations, make_escalations,
    oncall_person, coordinator, clock,
):  # fmt: skip
    created = risk_event(RISK, oncall_person, "2026-12-15", title="Weights exfiltrated")
    others = risk_event(OTHER_RISK, coordinator, "2026-12-16")
    moved = risk_event(RISK, oncall_person, "2027-01-12", version=2, title="Weights exfiltrated")
    publish_registry(producer, created, others, moved)
    escalations([created, others])

    (review,) = reviews(app, escalations, oncall_person, clock)
    assert str(review["summary"]) == "Risk review: Weights exfiltrated"
    # At 09:00 on the review day in the owner's own zone.
    assert review["dtstart"].params["TZID"] == "Europe/London"
    assert review.decoded("dtstart").astimezone(UTC) == datetime(2026, 12, 15, 9, tzinfo=UTC)
    assert review.decoded("dtend") - review.decoded("dtstart") == timedelta(minutes=30)
    (theirs,) = reviews(app, escalations, coordinator, clock)
    assert theirs.decoded("dtstart").date().isoformat() == "2026-12-16"

    escalations([moved, created])  # the update, then the creation redelivered
    (review,) = reviews(app, escalations, oncall_person, clock)
    assert review.decoded("dtstart").date().isoformat() == "2027-01-12"

    restarted = make_escalations(restore=True)
    after = create_app(Settings(data_dir=tmp_path / "again"), bus=bus, escalations=restarted,
                       directory=directory, producer=producer)  # fmt: skip
    (review,) = reviews(after, restarted, oncall_person, clock)
    assert review.decoded("dtstart").date().isoformat() == "2027-01-12"
    assert str(review["uid"]) == f"{RISK}-review-2027-01-12@accord-notifier"


def test_the_resolved_incidents_owner_takes_part_after_a_restart(
    bus, producer, escalations, make_escalations, oncall_person, coordinator, ids
):
    owner = ids.person("Accord Secretariat", "owner@accord.example", roles=(), password=None)
    registered_event, owned = registered(INCIDENT), assigned(INCIDENT, owner)
    publish_registry(producer, registered_event, owned)
    escalations([registered_event, owned])

    restarted = make_escalations(restore=True)
    restarted([transitioned(INCIDENT, "resolved")])
    (exercise,) = restarted.state.exercise_list()
    assert set(exercise.participants) == {coordinator, oncall_person, owner}
