"""Regulatory deadlines, pure: which rules of ``shared/vocab/jurisdictions.json`` bind an
incident, which of a rule's deadlines (its tier) applies, and when each stage is due.

The clock runs from when the reporter became aware (``detected_at``, else
``received_at``). A tier is picked from the report's facts by the rule's data (each
deadline's ``when`` names facts, any of which selects it; the shortest selected wins; a
deadline without ``when`` is the fallback), or set by a risk owner; either way the record
keeps the reason. Rules marked ``informational`` drive nothing, so making a regime drive
reminders is a change of data alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

# The harm subdomain that means personal data leaked or inferred (MIT AI Risk Repository).
PERSONAL_DATA_SUBDOMAIN = "2.1"
DEFAULT_STAGES = ({"id": "report", "due": True},)


@dataclass(frozen=True)
class Tier:
    id: str
    days: int
    reason: str


@dataclass(frozen=True)
class Stage:
    id: str
    due_at: datetime | None  # None: tracked, with no date of its own


def facts(incident: Mapping[str, Any]) -> frozenset[str]:
    """The facts of ``incident`` that a deadline's ``when`` may name."""
    found = set()
    if ((incident.get("quantities") or {}).get("lives_lost") or 0) > 0:
        found.add("lives_lost")
    if incident.get("critical_infrastructure"):
        found.add("critical_infrastructure")
    if incident.get("widespread"):
        found.add("widespread")
    if any(d == PERSONAL_DATA_SUBDOMAIN for d in incident.get("harm_domains") or ()):
        found.add("personal_data")
    return frozenset(found)


def aware_at(incident: Mapping[str, Any]) -> datetime | None:
    """When the reporter became aware: ``detected_at``, else ``received_at``."""
    value = incident.get("detected_at") or incident.get("received_at")
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def binding_rules(
    rules: Iterable[Mapping[str, Any]], incident: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """The rules of ``incident``'s jurisdictions that set deadlines and are in force at
    the time the clock starts from."""
    start = aware_at(incident)
    named = set(incident.get("jurisdictions") or ())
    binding = []
    for rule in rules:
        if rule["id"] not in named or rule.get("informational") or not rule.get("deadlines"):
            continue
        applies_from = rule.get("applies_from")
        if start is None or (applies_from and start.date() < date.fromisoformat(applies_from)):
            continue
        if pick_tier(rule, incident) is not None:
            binding.append(rule)
    return binding


def pick_tier(rule: Mapping[str, Any], incident: Mapping[str, Any]) -> Tier | None:
    """The deadline the facts select, with the reason; None: no deadline of the rule fits
    (none without ``when``, and no fact selects one)."""
    known = facts(incident)
    selected = [d for d in rule["deadlines"] if set(d.get("when") or ()) & known]
    if selected:
        chosen = min(selected, key=lambda d: d["days"])
        why = ", ".join(sorted(set(chosen["when"]) & known))
        return Tier(chosen["id"], chosen["days"], f"from the report's facts: {why}")
    fallback = [d for d in rule["deadlines"] if not d.get("when")]
    if not fallback:
        return None
    chosen = min(fallback, key=lambda d: d["days"])
    return Tier(chosen["id"], chosen["days"], "from the report's facts: the general case")


def set_tier(rule: Mapping[str, Any], tier_id: str, reason: str) -> Tier:
    """The tier a risk owner sets; ``KeyError`` if the rule has no such deadline."""
    chosen = next((d for d in rule["deadlines"] if d["id"] == tier_id), None)
    if chosen is None:
        raise KeyError(tier_id)
    return Tier(chosen["id"], chosen["days"], f"set by a risk owner: {reason}")


def stages(rule: Mapping[str, Any], start: datetime, tier: Tier) -> tuple[Stage, ...]:
    due = start + timedelta(days=tier.days)
    return tuple(
        Stage(s["id"], due if s.get("due") else None) for s in rule.get("stages", DEFAULT_STAGES)
    )
