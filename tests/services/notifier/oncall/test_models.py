"""Who is on call, across the 2026 and 2027 daylight-saving changes of three zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notifier.oncall.models import (
    Layer,
    Override,
    Schedule,
    Shift,
    oncall,
    oncall_on,
    rotation_shifts,
    shifts,
)

PEOPLE = ("ana", "ben", "cy")


def _schedule(zone: str, *layers: Layer, overrides: tuple[Override, ...] = ()) -> Schedule:
    return Schedule(id="s", name="s", time_zone=zone, layers=layers, overrides=overrides)


def _daily(handoff: str = "09:00", starts_on: date = date(2026, 1, 1)) -> Layer:
    return Layer("primary", "daily", time.fromisoformat(handoff), starts_on, PEOPLE)


def _local(zone: str, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold)


# Each zone's changes in 2026 and 2027 (local date of the change) and the shift's length
# across it: 23 hours when the clocks go forward, 25 when they go back.
TRANSITIONS = [
    ("Europe/London", date(2026, 3, 29), 23),
    ("Europe/London", date(2026, 10, 25), 25),
    ("Europe/London", date(2027, 3, 28), 23),
    ("Europe/London", date(2027, 10, 31), 25),
    ("America/New_York", date(2026, 3, 8), 23),
    ("America/New_York", date(2026, 11, 1), 25),
    ("America/New_York", date(2027, 3, 14), 23),
    ("America/New_York", date(2027, 11, 7), 25),
    ("Australia/Sydney", date(2026, 4, 5), 25),
    ("Australia/Sydney", date(2026, 10, 4), 23),
    ("Australia/Sydney", date(2027, 4, 4), 25),
    ("Australia/Sydney", date(2027, 10, 3), 23),
]


@pytest.mark.parametrize(("zone", "day", "hours"), TRANSITIONS)
def test_a_daily_handoff_stays_at_nine_local_across_the_change(zone, day, hours):
    schedule = _schedule(zone, _daily())
    before = day - timedelta(days=1)
    eve = _local(zone, before.year, before.month, before.day, 9)
    morning = _local(zone, day.year, day.month, day.day, 9)
    # the utc offsets differ, so the shift is 23 or 25 hours long, not 24
    assert (morning - eve.astimezone(UTC)).total_seconds() == hours * 3600
    index = (before - date(2026, 1, 1)).days
    on_eve, on_day = PEOPLE[index % 3], PEOPLE[(index + 1) % 3]
    assert oncall(schedule, eve) == {"primary": on_eve}
    assert oncall(schedule, morning - timedelta(seconds=1)) == {"primary": on_eve}
    assert oncall(schedule, morning) == {"primary": on_day}
    # the 24-hours-later instant that a naive UTC rotation would use is still on_eve's
    # (clocks forward: it is 10:00 local, past the handoff; back: 08:00, before it)
    naive = eve.astimezone(UTC) + timedelta(hours=24)
    expected = on_day if hours == 23 else on_eve
    assert oncall(schedule, naive) == {"primary": expected}


@pytest.mark.parametrize(("zone", "day", "hours"), TRANSITIONS)
def test_the_shift_over_the_change_is_listed_with_its_true_length(zone, day, hours):
    layer = _daily()
    start = _local(zone, day.year, day.month, day.day, 0)
    (shift, *_) = rotation_shifts(layer, ZoneInfo(zone), start, start + timedelta(hours=1))
    assert shift.end - shift.start == timedelta(hours=hours)
    assert shift.end.astimezone(ZoneInfo(zone)).hour == 9


@pytest.mark.parametrize(("zone", "day", "hours"), TRANSITIONS)
def test_a_weekly_rotation_hands_off_on_its_weekday_at_local_time(zone, day, hours):
    # Weekly, on the weekday of the change (all are Sundays), at 09:00 local.
    layer = Layer("primary", "weekly", time(9), date(2026, 1, 1), PEOPLE, handoff_weekday=7)
    schedule = _schedule(zone, layer)
    morning = _local(zone, day.year, day.month, day.day, 9)
    first_sunday = date(2026, 1, 4)
    week = (day - first_sunday).days // 7
    assert oncall_on(schedule, "primary", morning) == PEOPLE[week % 3]
    assert oncall_on(schedule, "primary", morning - timedelta(minutes=1)) == PEOPLE[(week - 1) % 3]
    # the week that holds the change is an hour short or long
    (shift, *_) = rotation_shifts(layer, ZoneInfo(zone), morning - timedelta(hours=1), morning)
    assert shift.end == morning
    assert shift.end - shift.start == timedelta(hours=7 * 24 + hours - 24)


def test_a_handoff_in_the_skipped_hour_happens_at_the_instant_before_the_change():
    # New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT; a 02:30 handoff is 07:30 UTC
    schedule = _schedule("America/New_York", _daily("02:30"))
    handoff = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert oncall(schedule, handoff - timedelta(seconds=1)) != oncall(schedule, handoff)
    assert oncall(schedule, handoff) == oncall(schedule, handoff + timedelta(hours=20))


def test_a_handoff_in_the_repeated_hour_happens_at_its_first_occurrence():
    # London, 25 October 2026: 01:30 happens twice (BST 00:30 UTC, then GMT 01:30 UTC)
    schedule = _schedule("Europe/London", _daily("01:30"))
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert oncall(schedule, first - timedelta(seconds=1)) != oncall(schedule, first)
    assert oncall(schedule, first) == oncall(schedule, first + timedelta(hours=1, minutes=1))


def test_custom_rotation_every_three_days():
    layer = Layer("primary", "custom", time(8), date(2026, 6, 1), ("ana", "ben"), shift_days=3)
    schedule = _schedule("Australia/Sydney", layer)
    at = [_local("Australia/Sydney", 2026, 6, d, 8) for d in (1, 3, 4, 6, 7, 10)]
    assert [oncall_on(schedule, "primary", t) for t in at] == [
        "ana",
        "ana",
        "ben",
        "ben",
        "ana",
        "ben",
    ]
    assert oncall_on(schedule, "primary", at[0] - timedelta(seconds=1)) is None


def test_weekly_starts_on_the_first_handoff_weekday_on_or_after_starts_on():
    # starts Wednesday 2026-12-02, hands off Mondays: nobody until Monday 7 December
    layer = Layer("primary", "weekly", time(9), date(2026, 12, 2), PEOPLE, handoff_weekday=1)
    schedule = _schedule("Europe/London", layer)
    assert oncall(schedule, _local("Europe/London", 2026, 12, 7, 8, 59)) == {"primary": None}
    assert oncall(schedule, _local("Europe/London", 2026, 12, 7, 9)) == {"primary": "ana"}
    assert oncall(schedule, _local("Europe/London", 2026, 12, 14, 9)) == {"primary": "ben"}


def test_layers_and_overrides():
    primary = _daily()
    secondary = Layer(
        "secondary", "weekly", time(9), date(2026, 1, 1), ("sam", "tia"), handoff_weekday=1
    )
    cover = Override(
        "primary",
        "zed",
        _local("Europe/London", 2026, 12, 3, 12),
        _local("Europe/London", 2026, 12, 3, 18),
    )
    later = Override("primary", "yan", cover.start + timedelta(hours=5), cover.end)
    schedule = _schedule("Europe/London", primary, secondary, overrides=(cover, later))
    noon = cover.start
    rotation = oncall(_schedule("Europe/London", primary, secondary), noon)
    assert oncall(schedule, noon - timedelta(seconds=1)) == rotation
    assert oncall(schedule, noon) == {**rotation, "primary": "zed"}
    assert oncall(schedule, later.start) == {**rotation, "primary": "yan"}  # the later wins
    assert oncall(schedule, cover.end) == rotation
    assert oncall_on(schedule, "tertiary", noon) is None


def test_shifts_cut_the_overrides_in():
    layer = _daily()
    zone = "Europe/London"
    cover = Override("primary", "zed", _local(zone, 2026, 12, 3, 12), _local(zone, 2026, 12, 3, 18))
    schedule = _schedule(zone, layer, overrides=(cover,))
    listed = shifts(schedule, _local(zone, 2026, 12, 3, 10), _local(zone, 2026, 12, 4, 10))
    day = (date(2026, 12, 3) - date(2026, 1, 1)).days
    first, second = PEOPLE[day % 3], PEOPLE[(day + 1) % 3]
    assert listed == [
        Shift("primary", first, _local(zone, 2026, 12, 3, 9), cover.start),
        Shift("primary", "zed", cover.start, cover.end, override=True),
        Shift("primary", first, cover.end, _local(zone, 2026, 12, 4, 9)),
        Shift("primary", second, _local(zone, 2026, 12, 4, 9), _local(zone, 2026, 12, 5, 9)),
    ]
