"""Schedules as iCalendar (RFC 5545) feeds: one event per shift, with a stable UID per
shift so a calendar client updates rather than duplicates on each refresh; in UTC, or in
the reader's own zone (TZID, with its VTIMEZONE). A person's feed adds other entries
(regulatory deadlines)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from services.notifier.oncall.models import Shift


@dataclass(frozen=True)
class Entry:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str


def calendar(
    name: str,
    shifts: Iterable[tuple[str, Shift]],
    person_name: Callable[[str], str],
    *,
    stamp: datetime,
    time_zone: str | None = None,
    entries: Iterable[Entry] = (),
) -> bytes:
    """``shifts`` are (schedule name, shift) pairs; times in ``time_zone`` (else UTC)."""
    zone = ZoneInfo(time_zone) if time_zone else None

    def local(at: datetime) -> datetime:
        return at.astimezone(zone) if zone else at

    cal = Calendar()
    cal.add("prodid", "-//Accord//notifier on-call//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    if time_zone:
        cal.add("x-wr-timezone", time_zone)
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", local(entry.start))
        event.add("dtend", local(entry.end))
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        cal.add_component(event)
    for schedule_name, shift in shifts:
        event = Event()
        uid = f"{schedule_name}|{shift.layer}|{shift.person}|{shift.start.isoformat()}"
        event.add("uid", hashlib.sha256(uid.encode()).hexdigest()[:32] + "@accord-notifier")
        event.add("dtstamp", stamp)
        event.add("dtstart", local(shift.start))
        event.add("dtend", local(shift.end))
        kind = " (override)" if shift.override else ""
        event.add("summary", f"On call: {person_name(shift.person)}, {shift.layer}{kind}")
        event.add("description", f"{schedule_name}: {shift.layer} layer")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    if zone:
        cal.add_missing_timezones()
    return cal.to_ical()
