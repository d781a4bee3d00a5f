"""The slot finder: working hours in each participant's own zone, lead time (the caller's
earliest), weekdays, holidays by country, other exercises, quarter-hour starts, weeks in
which only some clocks changed, and the least bad when nothing suits everyone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from services.notifier.exercises.slots import (
    Participant,
    find_slots,
    is_holiday,
    minutes_outside,
    supported_country,
)

HOUR = timedelta(hours=1)
TWO_WEEKS = timedelta(days=14)


def person(key, zone, start="09:00", end="17:00", country=None, **extra):
    return Participant(
        key, zone, time.fromisoformat(start), time.fromisoformat(end), country=country, **extra
    )


PARIS = person("paris", "Europe/Paris", country="FR")
NEW_YORK = person("ny", "America/New_York", country="US")
TOKYO = person("tokyo", "Asia/Tokyo", country="JP")
LOS_ANGELES = person("la", "America/Los_Angeles", country="US")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(answer) -> list[datetime]:
    return [s.start for s in answer.slots]


def test_the_earliest_common_slot_inside_everyones_hours_with_local_times():
    answer = find_slots(
        [PARIS, NEW_YORK], length=HOUR, earliest=utc(2026, 12, 3, 16), horizon=TWO_WEEKS
    )
    assert answer.common
    # Thursday 16:00 UTC is 17:00 in Paris: the next is Friday 09:00 in New York.
    first = answer.slots[0]
    assert first.start == utc(2026, 12, 4, 14)
    assert [(p.key, p.start.isoformat(), p.outside_minutes) for p in first.local] == [
        ("paris", "2026-12-04T15:00:00+01:00", 0),
        ("ny", "2026-12-04T09:00:00-05:00", 0),
    ]
    assert len(answer.slots) == 3
    assert all(a.end <= b.start for a, b in zip(answer.slots, answer.slots[1:], strict=False))


def test_across_the_date_line_a_slot_may_fall_on_two_local_days():
    answer = find_slots(
        [TOKYO, LOS_ANGELES], length=HOUR, earliest=utc(2026, 12, 3, 16), horizon=TWO_WEEKS
    )
    # Tokyo's Friday 09:00 is Los Angeles' Thursday 16:00; Tokyo's Monday 09:00 is Los
    # Angeles' Sunday, so the next is Tuesday in Tokyo.
    assert starts(answer) == [utc(2026, 12, 4, 0), utc(2026, 12, 8, 0), utc(2026, 12, 9, 0)]


def test_a_start_off_the_quarter_hour_rounds_up():
    answer = find_slots(
        [PARIS], length=HOUR, earliest=utc(2026, 12, 3, 9, 7), horizon=timedelta(days=1)
    )
    assert answer.slots[0].start == utc(2026, 12, 3, 9, 15)


def test_weeks_when_only_some_clocks_changed():
    # Paris 09:00-17:00 and New York 09:00-17:00 share two hours in winter (14:00-16:00
    # UTC); from 14 March 2027 New York is on summer time and Paris not until 28 March,
    # so three hours: a three-hour exercise fits only in those two weeks.
    answer = find_slots(
        [PARIS, NEW_YORK],
        length=3 * HOUR,
        earliest=utc(2027, 3, 1),
        horizon=timedelta(days=40),
    )
    assert answer.common
    first = answer.slots[0]
    assert first.start == utc(2027, 3, 15, 13)
    assert [p.start.isoformat() for p in first.local] == [
        "2027-03-15T14:00:00+01:00",
        "2027-03-15T09:00:00-04:00",
    ]
    assert all(utc(2027, 3, 15) <= s <= utc(2027, 3, 26, 23) for s in starts(answer))
    # Once both have changed, the overlap is two hours again (13:00-15:00 UTC); Monday
    # 29 March 2027 is Easter Monday in France.
    later = find_slots(
        [PARIS, NEW_YORK], length=2 * HOUR, earliest=utc(2027, 3, 29), horizon=TWO_WEEKS
    )
    assert later.slots[0].start == utc(2027, 3, 30, 13)
    assert (
        find_slots(
            [PARIS, NEW_YORK], length=3 * HOUR, earliest=utc(2027, 3, 29), horizon=TWO_WEEKS
        ).common
        is False
    )


def test_the_other_clock_change_in_the_autumn():
    # Europe goes back on 31 October 2027, the US on 7 November: for that week Paris is
    # UTC+1 and New York UTC-4, five hours apart instead of six (Monday 1 November is All
    # Saints' Day in France).
    answer = find_slots(
        [PARIS, NEW_YORK], length=3 * HOUR, earliest=utc(2027, 10, 18), horizon=3 * TWO_WEEKS
    )
    assert answer.common
    assert answer.slots[0].start == utc(2027, 11, 2, 13)
    assert all(s < utc(2027, 11, 6) for s in starts(answer))


def test_public_holidays_of_each_participants_country():
    assert is_holiday("US", datetime(2026, 11, 26).date())  # Thanksgiving
    assert not is_holiday("FR", datetime(2026, 11, 26).date())
    answer = find_slots(
        [PARIS, NEW_YORK], length=HOUR, earliest=utc(2026, 11, 26), horizon=TWO_WEEKS
    )
    assert answer.slots[0].start == utc(2026, 11, 27, 14)
    # Without a country, no holidays are known.
    anywhere = person("ny", "America/New_York")
    answer = find_slots(
        [PARIS, anywhere], length=HOUR, earliest=utc(2026, 11, 26), horizon=TWO_WEEKS
    )
    assert answer.slots[0].start == utc(2026, 11, 26, 14)
    # A subdivision's own holidays: Epiphany in Bavaria, not in Berlin.
    assert supported_country("DE-BY") and not supported_country("XX")
    assert not supported_country("DE-XX")
    munich = person("munich", "Europe/Berlin", country="DE-BY")
    berlin = person("berlin", "Europe/Berlin", country="DE-BE")
    epiphany = utc(2027, 1, 6)
    assert find_slots([munich], length=HOUR, earliest=epiphany, horizon=TWO_WEEKS).slots[
        0
    ].start == utc(2027, 1, 7, 8)
    assert find_slots([berlin], length=HOUR, earliest=epiphany, horizon=TWO_WEEKS).slots[
        0
    ].start == utc(2027, 1, 6, 8)


def test_weekdays_only_even_for_someone_who_works_saturdays():
    six_days = person("six", "Europe/London", days=frozenset(range(1, 7)))
    answer = find_slots(
        [six_days], length=HOUR, earliest=utc(2026, 12, 5, 9), horizon=timedelta(days=3)
    )
    assert answer.slots[0].start == utc(2026, 12, 7, 9)  # Monday, not Saturday
    four_days = person("four", "Europe/London", days=frozenset({1, 2, 3, 4}))
    answer = find_slots(
        [four_days], length=HOUR, earliest=utc(2026, 12, 4, 9), horizon=timedelta(days=5)
    )
    assert answer.slots[0].start == utc(2026, 12, 7, 9)  # not their Friday


def test_clear_of_the_participants_other_exercises():
    # The shared window is 14:00-16:00 UTC; another exercise takes 14:00-14:45.
    busy = ((utc(2026, 12, 4, 14), utc(2026, 12, 4, 14, 45)),)
    ny = person("ny", "America/New_York", country="US", busy=busy)
    answer = find_slots([PARIS, ny], length=HOUR, earliest=utc(2026, 12, 4, 8), horizon=TWO_WEEKS)
    assert answer.slots[0].start == utc(2026, 12, 4, 14, 45)
    # Taken until 15:30, nothing fits that Friday: Monday.
    busy = ((utc(2026, 12, 4, 14), utc(2026, 12, 4, 15, 30)),)
    ny = person("ny", "America/New_York", country="US", busy=busy)
    answer = find_slots([PARIS, ny], length=HOUR, earliest=utc(2026, 12, 4, 8), horizon=TWO_WEEKS)
    assert answer.slots[0].start == utc(2026, 12, 7, 14)


def test_no_common_slot_says_so_and_proposes_the_least_bad():
    # Tokyo's day ends (08:00 UTC) as Paris' begins: no hour suits both.
    answer = find_slots(
        [TOKYO, PARIS], length=2 * HOUR, earliest=utc(2026, 12, 7), horizon=timedelta(days=3)
    )
    assert not answer.common
    assert len(answer.slots) == 3
    best = answer.slots[0]
    # One person outside beats two people an hour each; then the fewest minutes.
    assert (best.outside, best.outside_minutes) == (1, 120)
    assert all((s.outside, s.outside_minutes) >= (1, 120) for s in answer.slots)
    ranked = [(s.outside, s.outside_minutes, s.start) for s in answer.slots]
    assert ranked == sorted(ranked)


def test_least_bad_prefers_the_smallest_stretch_for_the_one_outside():
    # London 09:00-17:00 and New York 09:00-17:00 (14:00-17:00 UTC) with someone in
    # Tokyo whose day ends at 18:00 (09:00 UTC): nothing suits all three; the best keeps
    # two inside and asks Tokyo for the least.
    london = person("london", "Europe/London", country="GB")
    tokyo = person("tokyo", "Asia/Tokyo", end="18:00", country="JP")
    answer = find_slots(
        [london, NEW_YORK, tokyo], length=HOUR, earliest=utc(2026, 12, 7), horizon=TWO_WEEKS
    )
    assert not answer.common
    best = answer.slots[0]
    assert best.outside == 1
    assert [p.key for p in best.local if p.outside_minutes] == ["tokyo"]
    # 14:00 UTC is 23:00 in Tokyo: five hours past its end, the closest of the shared
    # London/New York window.
    assert best.start == utc(2026, 12, 7, 14)
    assert best.outside_minutes == 60


def test_nothing_in_the_horizon_at_all_still_proposes():
    answer = find_slots(
        [PARIS], length=HOUR, earliest=utc(2026, 12, 5, 9), horizon=timedelta(days=1)
    )
    assert not answer.common
    assert answer.slots and all(s.outside == 1 for s in answer.slots)


def test_a_horizon_shorter_than_the_length_has_no_slot():
    answer = find_slots([PARIS], length=2 * HOUR, earliest=utc(2026, 12, 3, 9), horizon=HOUR)
    assert (answer.slots, answer.common) == ((), False)


@pytest.mark.parametrize(
    ("start", "end", "outside"),
    [
        (utc(2026, 12, 3, 8), utc(2026, 12, 3, 9), 0),  # 09:00-10:00 in Paris
        (utc(2026, 12, 3, 7, 30), utc(2026, 12, 3, 8, 30), 30),
        (utc(2026, 12, 3, 15, 30), utc(2026, 12, 3, 16, 30), 30),
        (utc(2026, 12, 5, 9), utc(2026, 12, 5, 10), 60),  # Saturday
        (utc(2026, 12, 25, 9), utc(2026, 12, 25, 10), 60),  # Christmas Day
    ],
)
def test_minutes_outside(start, end, outside):
    assert minutes_outside(PARIS, start, end) == outside
