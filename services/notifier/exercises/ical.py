"""Exercise invitations as iCalendar (RFC 5545, with the iTIP methods of RFC 5546): one
VEVENT with an ORGANIZER and an ATTENDEE per participant, its times in the organizer's
zone (TZID, with the VTIMEZONE it names), a UID that stays the same for the exercise's
life, and a SEQUENCE that each reschedule bumps; a cancellation is METHOD:CANCEL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

REQUEST, CANCEL = "REQUEST", "CANCEL"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Invitation:
    uid: str  # e.g. "<exercise id>@accord-notifier"
    sequence: int  # 0 when first sent; +1 on each reschedule and on the cancellation
    summary: str
    description: str
    start: datetime  # aware
    end: datetime
    time_zone: str  # the organizer's IANA zone: DTSTART and DTEND carry it as TZID
    organizer: Person
    attendees: tuple[Person, ...]


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def invitation(invite: Invitation, *, method: str, stamp: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Accord//notifier exercises//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    zone = ZoneInfo(invite.time_zone)
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", invite.start.astimezone(zone))
    event.add("dtend", invite.end.astimezone(zone))
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("organizer", _address(invite.organizer))
    for attendee in _unique(invite.attendees):
        event.add(
            "attendee",
            _address(
                attendee,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="TRUE",
                CUTYPE="INDIVIDUAL",
            ),
        )
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _unique(people: Iterable[Person]) -> list[Person]:
    """Each address once (the first name given for it)."""
    seen: dict[str, Person] = {}
    for person in people:
        seen.setdefault(person.email.lower(), person)
    return list(seen.values())
