"""``field:value`` in the search language: each field's allowed values, read into AST leaves."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from services.registry import triage
from services.registry.access.rules import LEVELS
from services.registry.query.analysis import fold
from services.registry.query.ast import Node, Range, Term
from services.registry.query.document import HAS
from shared.report import COUNTRIES, EVENT_TYPES, HARM_DOMAINS, HARM_SUBDOMAINS, SEVERITIES

STATUSES = triage.states()  # the triage rules' (data/triage.json)
SOURCE_FORMATS = ("aiid", "aiaaic", "avid")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class BadValue(ValueError):
    """The value is not one the field takes; ``expected`` says what it takes."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _one_of(choices: tuple[str, ...], canonical: Callable[[str], str]):
    def read(value: str) -> str:
        if canonical(value) not in choices:
            raise BadValue("one of " + ", ".join(choices))
        return canonical(value)

    return read


def _keyword(field: str, read: Callable[[str], str]) -> Callable[[str], Node]:
    return lambda value: Term(field, read(value))


def _source(value: str) -> Node:
    fmt, _, record = value.partition(":")
    if fmt.lower() not in SOURCE_FORMATS:
        raise BadValue("a source, one of " + ", ".join(SOURCE_FORMATS) + " (e.g. aiid:4)")
    if not record:
        return Term("source_format", fmt.lower())
    return Term("source", f"{fmt.lower()}:{fold(record)}")


def _period(value: str) -> tuple[int, int]:
    """The first and the after-last millisecond of a year, month or day (UTC)."""
    match = _DATE.match(value)
    if not match:
        raise BadValue("a date: YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        start = datetime(year, month or 1, day or 1, tzinfo=UTC)
        if day:
            end = datetime.fromordinal(start.toordinal() + 1).replace(tzinfo=UTC)
        elif month:
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        else:
            end = datetime(year + 1, 1, 1, tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise BadValue("a date that exists: YYYY, YYYY-MM or YYYY-MM-DD") from exc
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def _since(field: str) -> Callable[[str], Node]:
    return lambda value: Range(field, gte=_period(value)[0])


def _until(field: str) -> Callable[[str], Node]:
    return lambda value: Range(field, lt=_period(value)[1])


FIELDS: dict[str, Callable[[str], Node]] = {
    "severity": _keyword("severity", _one_of(SEVERITIES, str.lower)),
    "status": _keyword("status", _one_of(STATUSES, str.lower)),
    "type": _keyword("type", _one_of(EVENT_TYPES, lambda v: v.lower().replace("-", "_"))),
    "domain": _keyword("domain", _one_of(HARM_DOMAINS + HARM_SUBDOMAINS, str)),
    "country": _keyword("country", _one_of(COUNTRIES, str.upper)),
    "org": _keyword("org", fold),
    "tlp": _keyword("tlp", _one_of(LEVELS, lambda v: v.upper().removeprefix("TLP:"))),
    "lang": _keyword("lang", str.lower),
    "source": _source,
    "has": _keyword("has", _one_of(tuple(HAS), str.lower)),
    "since": _since("occurred"),
    "until": _until("occurred"),
    "received_since": _since("received"),
    "received_until": _until("received"),
}


def field_node(name: str, value: str) -> Node:
    """The leaf for ``name:value``; raises ``KeyError`` for an unknown field and
    ``BadValue`` for a value the field does not take."""
    return FIELDS[name.lower()](value)
