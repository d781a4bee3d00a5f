"""The dashboard's figures, from the incidents a viewer may read: pure counting.

Incidents over time go by the date each happened (``occurred_at``), else the date it was
received; by year when they span more than ``MONTHLY_YEARS`` years, else by month, with
every period in between present (an empty period is a gap the reader should see).

Time to triage runs from receipt to the first decision that takes the incident out of
``new``/``needs-verification`` (``triaged_at``); time to resolve, from receipt to its first
move to ``resolved`` (from its timeline). Each is counted in ``DURATION_BUCKETS``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.report import HARM_DOMAINS, SEVERITIES

MONTHLY_YEARS = 3
NONE = "none"  # the key of incidents without a severity, or without a harm domain
SEVERITY_KEYS = (*SEVERITIES, NONE)
DOMAIN_KEYS = (*HARM_DOMAINS, NONE)
# Upper bounds in days (the last is open): under a day, a week, a month, a quarter, more.
DURATION_BUCKETS = ("1", "7", "30", "90", "more")
RESOLVED = "resolved"


@dataclass(frozen=True)
class OverTime:
    """Counts per period and key: ``counts[key][i]`` in ``periods[i]``."""

    granularity: str  # "year" or "month"
    periods: tuple[str, ...]  # "2021", or "2021-03"
    counts: Mapping[str, tuple[int, ...]]

    @property
    def peak(self) -> int:
        return max((sum(column) for column in zip(*self.counts.values(), strict=True)), default=0)


@dataclass(frozen=True)
class Durations:
    """How long incidents took to reach a point, in days, counted per bucket."""

    counts: tuple[int, ...]  # per DURATION_BUCKETS
    median_days: float | None
    pending: int  # not there yet

    @property
    def measured(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Figures:
    total: int
    undated: int  # neither happened nor received date: left out of the charts over time
    by_severity: OverTime
    by_domain: OverTime
    to_triage: Durations
    to_resolve: Durations


def _month(incident: Mapping[str, Any]) -> str | None:
    """``YYYY-MM`` of when it happened, else of when it was received."""
    for key in ("occurred_at", "received_at"):
        value = incident.get(key)
        if isinstance(value, str) and len(value) >= 7 and value[4] == "-":
            return value[:7]
    return None


def _periods(months: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    months = sorted(set(months))
    if not months:
        return "year", ()
    first_year, last_year = int(months[0][:4]), int(months[-1][:4])
    if last_year - first_year >= MONTHLY_YEARS:
        return "year", tuple(str(year) for year in range(first_year, last_year + 1))
    first_month, last_month = int(months[0][5:]), int(months[-1][5:])
    periods = []
    year, month = first_year, first_month
    while (year, month) <= (last_year, last_month):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return "month", tuple(periods)


def _over_time(
    rows: list[tuple[str, tuple[str, ...]]], keys: tuple[str, ...], granularity: str, periods
) -> OverTime:
    width = 4 if granularity == "year" else 7
    index = {period: i for i, period in enumerate(periods)}
    counts = {key: [0] * len(periods) for key in keys}
    for month, row_keys in rows:
        for key in row_keys:
            counts[key][index[month[:width]]] += 1
    return OverTime(granularity, periods, {key: tuple(values) for key, values in counts.items()})


def _severity(incident: Mapping[str, Any]) -> tuple[str, ...]:
    severity = incident.get("severity")
    return (severity if severity in SEVERITIES else NONE,)


def _domains(incident: Mapping[str, Any]) -> tuple[str, ...]:
    domains = [d for d in incident.get("harm_domains") or () if d in HARM_DOMAINS]
    return tuple(dict.fromkeys(domains)) or (NONE,)


def _instant(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment and moment.utcoffset() is not None else None


def _days(incident: Mapping[str, Any], reached: Any) -> float | None:
    """Days from receipt to ``reached`` (an ISO instant); None when either is unknown."""
    start, end = _instant(incident.get("received_at")), _instant(reached)
    if start is None or end is None:
        return None
    return max((end - start).total_seconds() / 86400, 0.0)


def resolved_at(incident: Mapping[str, Any]) -> str | None:
    """When the incident first moved to resolved, from its timeline."""
    for entry in incident.get("timeline") or ():
        if entry.get("type") == "incident.transitioned" and entry.get("to") == RESOLVED:
            return entry.get("at")
    return None


def _bucket(days: float) -> int:
    for i, bound in enumerate(DURATION_BUCKETS[:-1]):
        if days < float(bound):
            return i
    return len(DURATION_BUCKETS) - 1


def _durations(days: list[float | None]) -> Durations:
    measured = [d for d in days if d is not None]
    counts = [0] * len(DURATION_BUCKETS)
    for d in measured:
        counts[_bucket(d)] += 1
    median = statistics.median(measured) if measured else None
    return Durations(tuple(counts), median, pending=len(days) - len(measured))


def figures(incidents: Iterable[Mapping[str, Any]]) -> Figures:
    total = 0
    severities: list[tuple[str, tuple[str, ...]]] = []
    domains: list[tuple[str, tuple[str, ...]]] = []
    to_triage: list[float | None] = []
    to_resolve: list[float | None] = []
    for incident in incidents:
        total += 1
        to_triage.append(_days(incident, incident.get("triaged_at")))
        to_resolve.append(_days(incident, resolved_at(incident)))
        month = _month(incident)
        if month is None:
            continue
        severities.append((month, _severity(incident)))
        domains.append((month, _domains(incident)))
    granularity, periods = _periods(month for month, _ in severities)
    return Figures(
        total=total,
        undated=total - len(severities),
        by_severity=_over_time(severities, SEVERITY_KEYS, granularity, periods),
        by_domain=_over_time(domains, DOMAIN_KEYS, granularity, periods),
        to_triage=_durations(to_triage),
        to_resolve=_durations(to_resolve),
    )
