"""Who is on call, pure.

A schedule has a time zone and layers (primary, secondary, ...). Each layer rotates its
people at a hand-off time on the wall clock of the schedule's zone: daily, weekly (on a
weekday) or custom (every ``shift_days`` days), from ``starts_on``. Because hand-offs are
wall-clock times turned into instants one day at a time, a shift across a daylight-saving
change is 23 or 25 hours long and the hand-off stays at, say, 09:00 local. A hand-off at a
wall time the change skips (01:30 on a spring-forward night in London) happens at the
instant the clock would have shown it before the change (zoneinfo's ``fold=0``); one the
change repeats happens at its first occurrence.

An override puts one person on a layer for a window, over the rotation; the latest
override added wins where two overlap.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ROTATIONS = ("daily", "weekly", "custom")


@dataclass(frozen=True)
class Layer:
    name: str
    rotation: str
    handoff_time: time
    starts_on: date
    people: tuple[str, ...]
    handoff_weekday: int = 1  # ISO weekday, weekly rotations
    shift_days: int = 1  # custom rotations

    @property
    def period_days(self) -> int:
        return {"daily": 1, "weekly": 7}.get(self.rotation, self.shift_days)

    def first_handoff_date(self) -> date:
        if self.rotation != "weekly":
            return self.starts_on
        return self.starts_on + timedelta(
            days=(self.handoff_weekday - 1 - self.starts_on.weekday()) % 7
        )


@dataclass(frozen=True)
class Override:
    layer: str
    person: str
    start: datetime
    end: datetime

    def covers(self, at: datetime) -> bool:
        at = at.astimezone(UTC)
        return self.start.astimezone(UTC) <= at < self.end.astimezone(UTC)


@dataclass(frozen=True)
class Schedule:
    id: str
    name: str
    time_zone: str
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name), None)


@dataclass(frozen=True)
class Shift:
    layer: str
    person: str
    start: datetime
    end: datetime
    override: bool = False


def handoff_instant(layer: Layer, day: date, zone: ZoneInfo) -> datetime:
    """The instant of ``layer``'s hand-off on local date ``day``, in UTC: arithmetic and
    comparisons between datetimes of one zone are wall-clock, which DST makes wrong."""
    return datetime.combine(day, layer.handoff_time, tzinfo=zone).astimezone(UTC)


def _rotation_at(layer: Layer, zone: ZoneInfo, at: datetime) -> tuple[date, int] | None:
    """The local date of the hand-off that began the shift covering ``at``, and that
    shift's number; None before the rotation starts."""
    first = layer.first_handoff_date()
    period = layer.period_days
    at = at.astimezone(UTC)
    local = at.astimezone(zone).date()
    steps = (local - first).days // period
    handoff = first + timedelta(days=steps * period)
    if at < handoff_instant(layer, handoff, zone):
        steps -= 1
        handoff -= timedelta(days=period)
    if steps < 0:
        return None
    return handoff, steps


def rotation_person(layer: Layer, zone: ZoneInfo, at: datetime) -> str | None:
    found = _rotation_at(layer, zone, at)
    if found is None or not layer.people:
        return None
    return layer.people[found[1] % len(layer.people)]


def oncall(schedule: Schedule, at: datetime) -> dict[str, str | None]:
    """Who is on call at ``at`` on each layer (None: nobody, the rotation has not begun)."""
    return {layer.name: oncall_on(schedule, layer.name, at) for layer in schedule.layers}


def oncall_on(schedule: Schedule, layer_name: str, at: datetime) -> str | None:
    for override in reversed(schedule.overrides):
        if override.layer == layer_name and override.covers(at):
            return override.person
    layer = schedule.layer(layer_name)
    return rotation_person(layer, schedule.zone, at) if layer else None


def rotation_shifts(
    layer: Layer, zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[Shift]:
    """The rotation's shifts that overlap ``[start, end)``, in order."""
    found = _rotation_at(layer, zone, start)
    if found is None:
        handoff, number = layer.first_handoff_date(), 0
    else:
        handoff, number = found
    period = timedelta(days=layer.period_days)
    while layer.people:
        begin = handoff_instant(layer, handoff, zone)
        if begin >= end:
            return
        finish = handoff_instant(layer, handoff + period, zone)
        yield Shift(layer.name, layer.people[number % len(layer.people)], begin, finish)
        handoff, number = handoff + period, number + 1


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Every shift of every layer overlapping ``[start, end)``, overrides cut in: the
    calendar a feed shows."""
    result: list[Shift] = []
    for layer in schedule.layers:
        overrides = [o for o in schedule.overrides if o.layer == layer.name]
        for shift in rotation_shifts(layer, schedule.zone, start, end):
            result += _minus(shift, overrides)
        result += [
            Shift(layer.name, o.person, o.start, o.end, override=True)
            for o in overrides
            if o.start < end and o.end > start
        ]
    return sorted(result, key=lambda s: (s.start, s.layer))


def _minus(shift: Shift, overrides: list[Override]) -> list[Shift]:
    pieces = [shift]
    for o in overrides:
        next_pieces = []
        for p in pieces:
            if o.end <= p.start or o.start >= p.end:
                next_pieces.append(p)
                continue
            if p.start < o.start:
                next_pieces.append(Shift(p.layer, p.person, p.start, o.start))
            if o.end < p.end:
                next_pieces.append(Shift(p.layer, p.person, o.end, p.end))
        pieces = next_pieces
    return pieces
