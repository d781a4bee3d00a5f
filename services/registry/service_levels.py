"""Per-lab service levels, pure: how long the registry took to triage each lab's incident
and to give the lab a first public answer, against targets from the settings, and which
incidents are overdue. Times run from the report's receipt; ``now`` comes from the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from shared.settings import Settings, sla_targets

# What is measured, and the incident field that says when it was met (decisions.py).
MEASURES = {"triage": "triaged_at", "first_answer": "first_answer_at"}


@dataclass(frozen=True)
class Targets:
    triage_hours: int
    first_answer_hours: int

    def hours(self, measure: str) -> int:
        return self.triage_hours if measure == "triage" else self.first_answer_hours


@dataclass(frozen=True)
class Policy:
    default: Targets
    per_lab: Mapping[str, Targets]

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            Targets(settings.sla_triage_hours, settings.sla_first_answer_hours),
            {org: Targets(*hours) for org, hours in sla_targets(settings.sla_targets).items()},
        )

    def targets(self, organization_id: str | None) -> Targets:
        return self.per_lab.get(organization_id or "", self.default)


def _hours(since: datetime, until: datetime) -> float:
    return round((until - since).total_seconds() / 3600, 2)


def measure(incident: Mapping[str, Any], targets: Targets, now: datetime) -> dict[str, Any]:
    """For each measure: when it is due, when it was met and in how many hours, and whether
    it is overdue (not met by its due time, or met late)."""
    received = datetime.fromisoformat(incident["received_at"])
    result = {}
    for name, field in MEASURES.items():
        due = received + timedelta(hours=targets.hours(name))
        met = incident.get(field)
        met_at = datetime.fromisoformat(met) if met else None
        result[name] = {
            "target_hours": targets.hours(name),
            "due": due.isoformat(),
            "met_at": met,
            "hours": _hours(received, met_at) if met_at else None,
            "overdue": (met_at or now) > due,
        }
    return result


def overdue(levels: Mapping[str, Any]) -> list[str]:
    """The measures still open past their due time (what needs someone now)."""
    return [name for name, m in levels.items() if m["overdue"] and m["met_at"] is None]


def report(incidents: Iterable[Mapping[str, Any]], policy: Policy, now: datetime) -> dict:
    """Per lab: counts, median hours, how many were late or are overdue; and the incidents
    overdue now. Incidents without a lab (unverified form reports) are not counted."""
    labs: dict[str, dict[str, Any]] = {}
    late_now = []
    for incident in incidents:
        organization = incident.get("organization_id")
        if not organization:
            continue
        targets = policy.targets(organization)
        levels = measure(incident, targets, now)
        lab = labs.setdefault(
            organization,
            {"organization_id": organization, "incidents": 0, "targets": targets.__dict__}
            | {name: {"met": 0, "late": 0, "overdue": 0, "hours": []} for name in MEASURES},
        )
        lab["incidents"] += 1
        for name, m in levels.items():
            if m["met_at"]:
                lab[name]["met"] += 1
                lab[name]["hours"].append(m["hours"])
                lab[name]["late"] += m["overdue"]
            elif m["overdue"]:
                lab[name]["overdue"] += 1
        if waiting := overdue(levels):
            late_now.append(
                {"incident_id": incident["id"], "organization_id": organization, "overdue": waiting}
            )
    for lab in labs.values():
        for name in MEASURES:
            hours = lab[name].pop("hours")
            lab[name]["median_hours"] = median(hours) if hours else None
    return {
        "at": now.isoformat(),
        "labs": sorted(labs.values(), key=lambda lab: lab["organization_id"]),
        "overdue": late_now,
    }
