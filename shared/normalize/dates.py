"""Free-form dates and time zones onto UTC.

A date may be ISO 8601, free text ("20 Nov 2026 10:00 CET"), numeric with slashes or dots
(read day-first unless the second number is over 12), Chinese ("2026年11月20日"), a year
("2025") or a year and month ("2025-06"). Its time zone comes from the value itself (an
offset, "Z", or an abbreviation from ``vocab/timezone_abbreviations.json``), else from the
report's ``timezone`` field (an IANA name, an offset or an abbreviation). A value without a
time of day is its date at 00:00 UTC, its precision recorded; a time of day without a time
zone is ``Unknown``: the caller decides whether that rejects the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from dateutil import parser as dateutil_parser

from shared import vocab
from shared.normalize.result import Mapped, Unknown

EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
NEEDS_ZONE = (
    "Give a time zone: an offset as in 2026-03-01T14:05:00+01:00 or Z, or a timezone field "
    "such as Europe/Paris."
)
_NOT_A_DATE = "Not a date we can read; use ISO 8601, e.g. 2026-03-01T14:05:00+01:00."

_YEAR = re.compile(r"\d{4}")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_ISO_DAY = re.compile(r"\d{4}-?\d{2}-?\d{2}|\d{4}-?W\d{2}(-?\d)?|\d{4}-?\d{3}")
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?(.*)", re.DOTALL)
_NUMERIC = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})(.*)", re.DOTALL)
# Humans mean "UTC+2" as +02:00; dateutil follows POSIX and would read it as -02:00.
_UTC_PLUS = re.compile(r"(?<![a-z])(?:UTC|GMT)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b", re.IGNORECASE)
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
# Two defaults that differ in every component show which ones a free-form date left out.
_DEFAULTS = (datetime(1904, 1, 1, 0, 0, 0), datetime(1908, 2, 2, 1, 1, 1))


@dataclass
class _Parsed:
    when: datetime
    precision: str  # year, month, day or time
    notes: list[str] = field(default_factory=list)


def _offset(sign: str, hours: str, minutes: str | None) -> str:
    if int(hours) > 14 or int(minutes or 0) > 59:
        raise Unknown(f"Not a UTC offset: {sign}{hours}:{minutes or '00'}.")
    return f"{sign}{int(hours):02d}:{minutes or '00'}"


def _fixed(offset: str) -> tzinfo:
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return timezone(-delta if offset[0] == "-" else delta)


@cache
def _iana() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def _abbreviation(name: str) -> tuple[str, str] | None:
    """The id and offset of a time zone abbreviation, ``None`` if it is none we know;
    ``Unknown`` if it is ambiguous."""
    data = vocab.load("timezone_abbreviations")
    key = name.upper()
    if key in data.data["ambiguous"]:
        raise Unknown(
            f"The time zone {name} is ambiguous ({data.data['ambiguous'][key]}); give an "
            "offset such as +08:00 or an IANA name such as Asia/Shanghai."
        )
    for term in data.terms:
        synonyms = {word.upper() for words in term.synonyms.values() for word in words}
        if key == term.id or key in synonyms:
            return term.id, term.data["offset"]
    return None


def _unknown_zone(name: str) -> Unknown:
    return Unknown(f"Unknown time zone {name!r}; give an offset such as +01:00 or an IANA name.")


def zone(value: str) -> Mapped:
    """A ``timezone`` field: a UTC offset, an abbreviation or an IANA name, canonical."""
    text = value.strip()
    if match := _OFFSET.fullmatch(text):
        return Mapped(_offset(*match.groups()), "timezone: UTC offset")
    if abbreviation := _abbreviation(text):
        name, offset = abbreviation
        if offset == "+00:00":
            return Mapped("UTC", f"timezone: abbreviation {name}")
        return Mapped(offset, f"timezone: abbreviation {name} = {offset}")
    if text.casefold() in _iana():
        return Mapped(_iana()[text.casefold()], "timezone: IANA name")
    raise _unknown_zone(text)


def _tzinfo(zone_name: str) -> tzinfo:
    return _fixed(zone_name) if zone_name[0] in "+-" else ZoneInfo(zone_name)


def _free_form(text: str, notes: list[str]) -> _Parsed:
    problems: list[Unknown] = []

    def tzinfos(name: str | None, offset: int | None) -> tzinfo | None:
        if offset is not None:
            return timezone(timedelta(seconds=offset))
        if name is None:
            return None
        try:
            abbreviation = _abbreviation(name)
        except Unknown as exc:
            problems.append(exc)
            return None
        if abbreviation is None:
            problems.append(_unknown_zone(name))
            return None
        abbreviation, fixed = abbreviation
        if fixed != "+00:00":
            notes.append(f"abbreviation {abbreviation} = {fixed}")
        return _fixed(fixed)

    first, second = (
        dateutil_parser.parse(text, dayfirst=True, tzinfos=tzinfos, default=default)
        for default in _DEFAULTS
    )
    if problems:
        raise problems[0]
    if first.year != second.year:
        raise Unknown(f"Give a year: {text!r} has none.")
    for unit, precision in (("month", "year"), ("day", "month"), ("hour", "day")):
        if getattr(first, unit) != getattr(second, unit):
            return _Parsed(first, precision, notes)
    return _Parsed(first, "time", notes)


def _parse(value: str | int) -> _Parsed:
    if isinstance(value, int):
        return _Parsed(datetime(value, 1, 1), "year")
    notes = []

    def as_offset(match: re.Match) -> str:
        offset = _offset(*match.groups())
        notes.append(f"{match[0]} read as {offset}")
        return offset

    text = _UTC_PLUS.sub(as_offset, value.strip())
    if _YEAR.fullmatch(text):
        return _Parsed(datetime(int(text), 1, 1), "year")
    if match := _YEAR_MONTH.fullmatch(text):
        return _Parsed(datetime(int(match[1]), int(match[2]), 1), "month")
    if match := _CHINESE.fullmatch(text):
        year, month, day, rest = match.groups()
        if day is None and not rest.strip():
            return _Parsed(datetime(int(year), int(month), 1), "month")
        text = f"{year}-{int(month):02d}-{int(day or 1):02d}{rest}"
    elif match := _NUMERIC.fullmatch(text):
        first, second, year, rest = match.groups()
        if int(second) > 12:
            month, day = first, second
            notes.append("month first: the second number is over 12")
        else:
            day, month = first, second
            ambiguous = int(first) <= 12 and int(first) != int(second)
            notes.append("day first: DD/MM/YYYY" + (" assumed" if ambiguous else ""))
        text = f"{year}-{int(month):02d}-{int(day):02d}{rest}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return _free_form(text, notes)
    return _Parsed(when, "day" if _ISO_DAY.fullmatch(text) else "time", notes)


def to_utc(value: str | int, zone_name: str | None = None) -> Mapped:
    """``value`` as a UTC ISO 8601 string; ``zone_name`` (a canonical ``zone``) places a
    value that has no offset of its own."""
    try:
        parsed = _parse(value)
    except (ValueError, OverflowError) as exc:
        raise exc if isinstance(exc, Unknown) else Unknown(_NOT_A_DATE) from None
    when, notes = parsed.when, parsed.notes
    if not EARLIEST_YEAR <= when.year <= LATEST_YEAR:
        raise Unknown(f"Not a plausible date: the year must be {EARLIEST_YEAR} to {LATEST_YEAR}.")
    if parsed.precision in ("year", "month"):
        notes.append(f"precision {parsed.precision}: its first day taken")
    if parsed.precision != "time":
        # A calendar date stays that date: in a zone, its midnight could fall on the day
        # (or, for a year, in the year) before.
        when = when.replace(tzinfo=UTC)
        notes.append("no time of day: the date at 00:00 UTC")
    elif when.tzinfo is None:
        if zone_name is None:
            raise Unknown(NEEDS_ZONE)
        when = when.replace(tzinfo=_tzinfo(zone_name))
        notes.append(f"time zone {zone_name} from the timezone field")
    notes.append("converted to UTC")
    # dict.fromkeys: free-form values are parsed twice, noting their abbreviation twice.
    return Mapped(when.astimezone(UTC).isoformat(), "dates: " + "; ".join(dict.fromkeys(notes)))
