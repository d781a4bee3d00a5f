"""Free-form dates and time zones onto UTC, each assumption named in the rule."""

from __future__ import annotations

import pytest

from shared.normalize.dates import NEEDS_ZONE, to_utc, zone
from shared.normalize.result import Unknown


@pytest.mark.parametrize(
    ("value", "zone_name", "expected", "notes"),
    [
        ("2026-11-20T10:00:00Z", None, "2026-11-20T10:00:00+00:00", []),
        ("2026-11-20T10:00:00+00:00", None, "2026-11-20T10:00:00+00:00", []),
        ("2026-03-01T14:05:00+01:00", None, "2026-03-01T13:05:00+00:00", []),
        ("2026-03-01T14:05:00.250-05:30", None, "2026-03-01T19:35:00.250000+00:00", []),
        ("2026-11-20T10:00:00+05:00", "Europe/Paris", "2026-11-20T05:00:00+00:00", []),
        (
            "2026-11-20 10:00",
            "Europe/Paris",
            "2026-11-20T09:00:00+00:00",
            ["time zone Europe/Paris from the timezone field"],
        ),
        (
            "2026-07-20 10:00",
            "Europe/Paris",
            "2026-07-20T08:00:00+00:00",
            ["time zone Europe/Paris from the timezone field"],
        ),
        (
            "2026-11-20 10:00",
            "+05:30",
            "2026-11-20T04:30:00+00:00",
            ["time zone +05:30 from the timezone field"],
        ),
        (
            "2026-11-20",
            None,
            "2026-11-20T00:00:00+00:00",
            ["no time of day: the date at 00:00 UTC"],
        ),
        (
            "2026-11-20",
            "Asia/Tokyo",
            "2026-11-20T00:00:00+00:00",
            ["no time of day: the date at 00:00 UTC"],
        ),
        (
            "20 Nov 2026",
            None,
            "2026-11-20T00:00:00+00:00",
            ["no time of day: the date at 00:00 UTC"],
        ),
        ("November 20, 2026", None, "2026-11-20T00:00:00+00:00", []),
        ("20/11/2026", None, "2026-11-20T00:00:00+00:00", ["day first: DD/MM/YYYY"]),
        ("05/11/2026", None, "2026-11-05T00:00:00+00:00", ["day first: DD/MM/YYYY assumed"]),
        ("05.11.2026 14:30", "UTC", "2026-11-05T14:30:00+00:00", ["day first: DD/MM/YYYY assumed"]),
        (
            "11/25/2026",
            None,
            "2026-11-25T00:00:00+00:00",
            ["month first: the second number is over 12"],
        ),
        ("2025", None, "2025-01-01T00:00:00+00:00", ["precision year: its first day taken"]),
        (2025, None, "2025-01-01T00:00:00+00:00", ["precision year: its first day taken"]),
        (
            "2025",
            "Europe/Paris",
            "2025-01-01T00:00:00+00:00",
            ["precision year: its first day taken"],
        ),
        ("2025-06", None, "2025-06-01T00:00:00+00:00", ["precision month: its first day taken"]),
        ("June 2025", None, "2025-06-01T00:00:00+00:00", ["precision month: its first day taken"]),
        ("2026年11月20日", None, "2026-11-20T00:00:00+00:00", []),
        ("2026年11月", None, "2026-11-01T00:00:00+00:00", ["precision month: its first day taken"]),
        ("2026年11月20日 10:00", "Asia/Shanghai", "2026-11-20T02:00:00+00:00", []),
        ("20 Nov 2026 10:00 CET", None, "2026-11-20T09:00:00+00:00", ["abbreviation CET = +01:00"]),
        (
            "20 November 2026, 10:00 PST",
            None,
            "2026-11-20T18:00:00+00:00",
            ["abbreviation PST = -08:00"],
        ),
        ("2026-11-20 10:00 UTC", None, "2026-11-20T10:00:00+00:00", []),
        ("2026-11-20 10:00 GMT", None, "2026-11-20T10:00:00+00:00", []),
        ("2026-11-20 10:00 UTC+2", None, "2026-11-20T08:00:00+00:00", ["UTC+2 read as +02:00"]),
        ("2026-11-20T10:00utc-3", None, "2026-11-20T13:00:00+00:00", ["utc-3 read as -03:00"]),
        ("2026-11-20 10:00 GMT-05:00", None, "2026-11-20T15:00:00+00:00", []),
        ("2026-11-20T23:30:00-02:00", None, "2026-11-21T01:30:00+00:00", []),
    ],
)
def test_a_date_becomes_utc_and_its_rule_names_each_assumption(value, zone_name, expected, notes):
    mapped = to_utc(value, zone_name)
    assert mapped.value == expected
    assert mapped.rule.startswith("dates: ")
    assert mapped.rule.endswith("converted to UTC")
    for note in notes:
        assert note in mapped.rule


def test_a_time_without_a_zone_asks_for_one():
    for value in ("2026-11-20 10:00", "2026-11-20T10:00:00", "20 Nov 2026 10:00"):
        with pytest.raises(Unknown) as caught:
            to_utc(value)
        assert str(caught.value) == NEEDS_ZONE


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("hello", "Not a date we can read"),
        ("2026-13-45", "Not a date we can read"),
        ("31/02/2026", "Not a date we can read"),
        ("10:00", "Give a year"),
        ("Nov 20", "Give a year"),
        ("1850", "the year must be 1900 to 2100"),
        ("2150-01-01T00:00:00Z", "the year must be 1900 to 2100"),
        (0, "Not a date we can read"),
        (10**30, "Not a date we can read"),
        ("2026-11-20 10:00 CST", "CST is ambiguous"),
        ("2026-11-20 10:00 IST", "IST is ambiguous"),
        ("2026-11-20 10:00 XYZ", "Unknown time zone 'XYZ'"),
        ("2026-11-20 10:00 UTC+99", "Not a UTC offset"),
    ],
)
def test_an_unreadable_date_says_why(value, message):
    with pytest.raises(Unknown, match=message):
        to_utc(value)


@pytest.mark.parametrize(
    ("value", "expected", "rule"),
    [
        ("Europe/Paris", "Europe/Paris", "timezone: IANA name"),
        ("europe/paris", "Europe/Paris", "timezone: IANA name"),
        ("America/New_York", "America/New_York", "timezone: IANA name"),
        ("+02:00", "+02:00", "timezone: UTC offset"),
        ("+2", "+02:00", "timezone: UTC offset"),
        ("-0530", "-05:30", "timezone: UTC offset"),
        ("UTC+01:00", "+01:00", "timezone: UTC offset"),
        ("GMT-3", "-03:00", "timezone: UTC offset"),
        ("UTC", "UTC", "timezone: abbreviation UTC"),
        ("Z", "UTC", "timezone: abbreviation UTC"),
        ("gmt", "UTC", "timezone: abbreviation UTC"),
        ("CET", "+01:00", "timezone: abbreviation CET = +01:00"),
        ("MESZ", "+02:00", "timezone: abbreviation CEST = +02:00"),
        ("PDT", "-07:00", "timezone: abbreviation PDT = -07:00"),
    ],
)
def test_a_timezone_field_becomes_canonical(value, expected, rule):
    mapped = zone(value)
    assert (mapped.value, mapped.rule) == (expected, rule)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Mars/Olympus", "Unknown time zone 'Mars/Olympus'"),
        ("Europe", "Unknown time zone 'Europe'"),
        ("../etc/passwd", "Unknown time zone"),
        ("+15:00", "Not a UTC offset"),
        ("BST", "BST is ambiguous"),
    ],
)
def test_an_unknown_timezone_field_says_why(value, message):
    with pytest.raises(Unknown, match=message):
        zone(value)
