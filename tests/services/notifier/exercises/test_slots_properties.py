"""Properties of the slot finder for any participants, time zones, holidays and other
exercises: every slot it calls common lies inside everyone's working hours on a working
day that is not their holiday; no slot clashes with another exercise or overlaps another
slot; slots start on the quarter hour within the window, in the promised order."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.exercises.slots import WEEKDAYS, Participant, find_slots, is_holiday

# Zones with daylight saving on either hemisphere, half- and quarter-hour offsets, and
# both sides of the date line.
ZONES = [
    "UTC", "Europe/Paris", "Europe/London", "America/New_York", "America/Los_Angeles",
    "America/St_Johns", "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Sydney",
    "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Kiritimati",
]  # fmt: skip
COUNTRIES = [None, "FR", "US", "GB", "JP", "IN", "AU-NSW", "NZ", "DE-BY"]
QUARTER = timedelta(minutes=15)


@st.composite
def participants(draw, key: str) -> Participant:
    start = draw(st.integers(0, 22 * 4))  # in quarter hours
    end = draw(st.integers(start + 1, 24 * 4 - 1))
    busy = tuple(
        (at, at + timedelta(minutes=draw(st.integers(15, 240))))
        for at in draw(
            st.lists(
                st.datetimes(datetime(2026, 12, 1), datetime(2027, 4, 15), timezones=st.just(UTC)),
                max_size=3,
            )
        )
    )
    return Participant(
        key=key,
        time_zone=draw(st.sampled_from(ZONES)),
        start=time(start // 4, start % 4 * 15),
        end=time(end // 4, end % 4 * 15),
        days=frozenset(draw(st.sets(st.integers(1, 7), min_size=1))),
        country=draw(st.sampled_from(COUNTRIES)),
        busy=busy,
    )


requests = st.tuples(
    st.lists(st.integers(0, 1000), min_size=1, max_size=3, unique=True).flatmap(
        lambda keys: st.tuples(*(participants(str(k)) for k in keys))
    ),
    st.integers(1, 12).map(lambda q: q * QUARTER),  # length
    st.one_of(  # the Christmas and New Year holidays often, any day of the winter else
        st.datetimes(datetime(2026, 12, 20), datetime(2027, 1, 2), timezones=st.just(UTC)),
        st.datetimes(datetime(2026, 12, 1), datetime(2027, 4, 1), timezones=st.just(UTC)),
    ),
    st.integers(1, 6).map(lambda d: timedelta(days=d)),  # horizon
)


def inside_working_hours(p: Participant, start: datetime, end: datetime) -> bool:
    """Independently of the finder: the local day the slot starts on is a working day that
    is no holiday, and the slot lies between that day's opening and closing."""
    zone = ZoneInfo(p.time_zone)
    day = start.astimezone(zone).date()
    if day.isoweekday() not in p.days & WEEKDAYS or (p.country and is_holiday(p.country, day)):
        return False
    opens = datetime.combine(day, p.start, zone)
    closes = datetime.combine(day, p.end, zone)
    return opens <= start and end <= closes


def _quarters(first: datetime, last: datetime):
    at = first.replace(minute=first.minute - first.minute % 15, second=0, microsecond=0)
    at += QUARTER if at < first else timedelta(0)
    while at <= last:
        yield at
        at += QUARTER


@settings(max_examples=120, deadline=None)
@given(request=requests)
def test_every_slot_suits_everyone_or_is_honestly_the_least_bad(request):
    people, length, earliest, horizon = request
    answer = find_slots(list(people), length=length, earliest=earliest, horizon=horizon)
    slots = answer.slots
    assert len(slots) <= 3
    for slot in slots:
        assert slot.end - slot.start == length
        assert earliest <= slot.start and slot.end <= earliest + horizon
        assert slot.start.minute % 15 == 0 and slot.start.second == slot.start.microsecond == 0
        for p in people:
            assert not any(s < slot.end and slot.start < e for s, e in p.busy), "clash"
        assert [local.key for local in slot.local] == [p.key for p in people]
    for a in slots:
        for b in slots:
            assert a is b or a.end <= b.start or b.end <= a.start, "slots overlap"
    suitable = [
        at
        for at in _quarters(earliest, earliest + horizon - length)
        if all(
            inside_working_hours(p, at, at + length)
            and not any(s < at + length and at < e for s, e in p.busy)
            for p in people
        )
    ]
    assert answer.common == bool(suitable), "a common slot missed, or one claimed"
    if answer.common:
        assert slots[0].start == suitable[0]
        assert [s.start for s in slots] == sorted(s.start for s in slots)
        for slot in slots:
            for p in people:
                assert inside_working_hours(p, slot.start, slot.end), (p, slot.start)
            assert slot.outside == 0
    else:
        ranks = [(s.outside, s.outside_minutes, s.start) for s in slots]
        assert ranks == sorted(ranks)
        assert all(s.outside > 0 for s in slots)
