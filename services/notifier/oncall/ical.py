"""Schedules as iCalendar (RFC 5545) feeds: one event per shift, in UTC, with a stable
UID per shift so a calendar client updates rather than duplicates on each refresh."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime

from icalendar import Calendar, Event

from services.notifier.oncall.models import Shift


def calendar(
    name: str,
    shifts: Iterable[tuple[str, Shift]],
    person_name: Callable[[str], str],
    *,
    stamp: datetime,
) -> bytes:
    """``shifts`` are (schedule name, shift) pairs."""
    cal = Calendar()
    cal.add("prodid", "-//Accord//notifier on-call//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for schedule_name, shift in shifts:
        event = Event()
        uid = f"{schedule_name}|{shift.layer}|{shift.person}|{shift.start.isoformat()}"
        event.add("uid", hashlib.sha256(uid.encode()).hexdigest()[:32] + "@accord-notifier")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        kind = " (override)" if shift.override else ""
        event.add("summary", f"On call: {person_name(shift.person)}, {shift.layer}{kind}")
        event.add("description", f"{schedule_name}: {shift.layer} layer")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
