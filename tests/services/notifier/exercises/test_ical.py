"""Invitations parse back as valid iCalendar: ORGANIZER, an ATTENDEE each, the organizer's
zone as TZID with its VTIMEZONE, SEQUENCE bumped on a reschedule, METHOD:CANCEL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from services.notifier.exercises.ical import CANCEL, REQUEST, Invitation, Person, invitation

STAMP = datetime(2026, 12, 3, 14, tzinfo=UTC)
INVITE = Invitation(
    uid="01JDEXERCISE@accord-notifier",
    sequence=0,
    summary="Tabletop exercise: dosage advice beyond safe limits",
    description="Scenario: ...",
    start=datetime(2027, 3, 15, 13, tzinfo=UTC),
    end=datetime(2027, 3, 15, 15, tzinfo=UTC),
    time_zone="Europe/Paris",
    organizer=Person("Carl Coordinator", "carl@accord.example"),
    attendees=(
        Person("Oki Tanaka", "oki@accord.example"),
        Person("Rosa Okafor", "rosa@lab-a.example"),
        Person("Oki again", "OKI@accord.example"),  # the same address: one attendee
    ),
)


def parse(body: bytes):
    cal = Calendar.from_ical(body)
    (event,) = cal.walk("VEVENT")
    return cal, event


def test_an_invitation_parses_back_with_organizer_attendees_and_time_zone():
    cal, event = parse(invitation(INVITE, method=REQUEST, stamp=STAMP))
    assert str(cal["method"]) == "REQUEST"
    assert str(event["uid"]) == INVITE.uid
    assert int(event["sequence"]) == 0
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["organizer"]) == "mailto:carl@accord.example"
    assert event["organizer"].params["CN"] == "Carl Coordinator"
    attendees = event["attendee"]
    assert sorted(str(a) for a in attendees) == [
        "mailto:oki@accord.example",
        "mailto:rosa@lab-a.example",
    ]
    assert all(a.params["RSVP"] == "TRUE" for a in attendees)
    start = event.decoded("dtstart")
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    assert start == INVITE.start  # the same instant
    assert start.isoformat() == "2027-03-15T14:00:00+01:00"
    assert event.decoded("dtend") == INVITE.end
    (zone,) = cal.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Paris"


def test_a_reschedule_bumps_the_sequence_and_keeps_the_uid():
    moved = replace(INVITE, sequence=1, start=INVITE.start + timedelta(days=1),
                    end=INVITE.end + timedelta(days=1))  # fmt: skip
    _, event = parse(invitation(moved, method=REQUEST, stamp=STAMP))
    assert (str(event["uid"]), int(event["sequence"])) == (INVITE.uid, 1)
    assert event.decoded("dtstart") == datetime(2027, 3, 16, 13, tzinfo=UTC)


def test_a_cancellation_is_method_cancel():
    cancelled = replace(INVITE, sequence=2)
    cal, event = parse(invitation(cancelled, method=CANCEL, stamp=STAMP))
    assert str(cal["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert (str(event["uid"]), int(event["sequence"])) == (INVITE.uid, 2)
