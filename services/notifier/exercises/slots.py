"""The slot finder, pure: the earliest time of a given length that suits everyone.

A slot suits a participant when it lies inside their working hours on one of their
working days, in their own time zone (wall-clock times made aware through zoneinfo, so a
week in which only some clocks changed is counted right), on a weekday that is not a
public holiday of their country, and clear of their other exercises. Slots start on the
quarter hour, at least the lead time ahead and within the horizon.

When no slot suits everyone, the answer says so and proposes the least bad: fewest
people outside their hours, then the fewest minutes outside in all, then the earliest.
A clash with another exercise is never proposed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

STEP = timedelta(minutes=15)
WEEKDAYS = frozenset({1, 2, 3, 4, 5})  # ISO: Monday is 1
PROPOSALS = 3


@dataclass(frozen=True)
class Participant:
    key: str  # a person id, or the participant's place in the request
    time_zone: str
    start: time
    end: time
    days: frozenset[int] = WEEKDAYS
    country: str | None = None  # ISO 3166-1 alpha-2, optionally "-" and a subdivision
    busy: tuple[tuple[datetime, datetime], ...] = ()  # other exercises (UTC)


@dataclass(frozen=True)
class Local:
    key: str
    time_zone: str
    start: datetime  # in the participant's zone
    end: datetime
    outside_minutes: int  # of the slot outside their working hours (0: inside)


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    local: tuple[Local, ...]

    @property
    def outside(self) -> int:
        return sum(1 for p in self.local if p.outside_minutes)

    @property
    def outside_minutes(self) -> int:
        return sum(p.outside_minutes for p in self.local)


@dataclass(frozen=True)
class Answer:
    slots: tuple[Slot, ...]
    common: bool  # False: no slot suits everyone; ``slots`` are the least bad


HolidayCheck = Callable[[str, date], bool]


@cache
def _calendar(country: str, year: int):
    code, _, subdivision = country.partition("-")
    return holidays.country_holidays(code, subdiv=subdivision or None, years=year)


def is_holiday(country: str, day: date) -> bool:
    return day in _calendar(country, day.year)


def supported_country(country: str) -> bool:
    code, _, subdivision = country.partition("-")
    supported = holidays.list_supported_countries()
    return code in supported and (not subdivision or subdivision in supported[code])


def working_intervals(
    p: Participant, start: datetime, end: datetime, holiday: HolidayCheck = is_holiday
) -> list[tuple[datetime, datetime]]:
    """``p``'s working hours (UTC) on the local days that ``start``-``end`` touches."""
    zone = ZoneInfo(p.time_zone)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    intervals = []
    day = first
    while day <= last:
        if day.isoweekday() in p.days & WEEKDAYS and not (p.country and holiday(p.country, day)):
            opens = datetime.combine(day, p.start, zone).astimezone(UTC)
            closes = datetime.combine(day, p.end, zone).astimezone(UTC)
            intervals.append((opens, closes))
        day += timedelta(days=1)
    return intervals


def minutes_outside(
    p: Participant, start: datetime, end: datetime, holiday: HolidayCheck = is_holiday
) -> int:
    inside = sum(
        (
            max(timedelta(0), min(end, closes) - max(start, opens))
            for opens, closes in working_intervals(p, start, end, holiday)
        ),
        timedelta(0),
    )
    return int(((end - start) - inside).total_seconds() // 60)


def clashes(p: Participant, start: datetime, end: datetime) -> bool:
    return any(s < end and start < e for s, e in p.busy)


def _slot(
    participants: Iterable[Participant], start: datetime, length: timedelta, holiday
) -> Slot | None:
    end = start + length
    local = []
    for p in participants:
        if clashes(p, start, end):
            return None
        zone = ZoneInfo(p.time_zone)
        local.append(
            Local(
                p.key,
                p.time_zone,
                start.astimezone(zone),
                end.astimezone(zone),
                minutes_outside(p, start, end, holiday),
            )
        )
    return Slot(start, end, tuple(local))


def _quarter(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    floor = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
    return floor if floor == at else floor + STEP


def find_slots(
    participants: list[Participant],
    *,
    length: timedelta,
    earliest: datetime,
    horizon: timedelta,
    count: int = PROPOSALS,
    holiday: HolidayCheck = is_holiday,
) -> Answer:
    """Up to ``count`` slots of ``length`` starting from ``earliest`` (the caller adds the
    lead time) to ``earliest + horizon``, none overlapping another: the earliest that
    suit everyone, or else the least bad."""
    candidates = []
    at, stop = _quarter(earliest), earliest + horizon
    while at + length <= stop:
        slot = _slot(participants, at, length, holiday)
        if slot is not None:
            candidates.append(slot)
        at += STEP
    common = [s for s in candidates if s.outside == 0]
    if common:
        return Answer(_apart(common, count), True)
    ranked = sorted(candidates, key=lambda s: (s.outside, s.outside_minutes, s.start))
    return Answer(_apart(ranked, count), False)


def _apart(slots: list[Slot], count: int) -> tuple[Slot, ...]:
    """The first ``count`` of ``slots`` that do not overlap one taken before."""
    chosen: list[Slot] = []
    for slot in slots:
        if all(slot.end <= c.start or c.end <= slot.start for c in chosen):
            chosen.append(slot)
            if len(chosen) == count:
                break
    return tuple(chosen)
