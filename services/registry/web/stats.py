"""The dashboard's figures, from the incidents a viewer may read: pure counting.

Incidents over time go by the date each happened (``occurred_at``), else the date it was
received; by year when they span more than ``MONTHLY_YEARS`` years, else by month, with
every period in between present (an empty period is a gap the reader should see).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.report import HARM_DOMAINS, SEVERITIES

MONTHLY_YEARS = 3
NONE = "none"  # the key of incidents without a severity, or without a harm domain
SEVERITY_KEYS = (*SEVERITIES, NONE)
DOMAIN_KEYS = (*HARM_DOMAINS, NONE)


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
class Figures:
    total: int
    undated: int  # neither happened nor received date: left out of the charts over time
    by_severity: OverTime
    by_domain: OverTime


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


def figures(incidents: Iterable[Mapping[str, Any]]) -> Figures:
    total = 0
    severities: list[tuple[str, tuple[str, ...]]] = []
    domains: list[tuple[str, tuple[str, ...]]] = []
    for incident in incidents:
        total += 1
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
    )
