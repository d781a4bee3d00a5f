"""Exercise triggers, pure: ``(policy, incidents, exercises already proposed, now) ->
triggers``, each known by a key so it proposes one exercise however often it is asked.

- a critical incident resolved (``resolved:<incident>``);
- ``count`` incidents in one MIT harm domain registered within ``window_days``, none of
  them in an exercise of that domain yet (``cluster:<domain>:<first incident>``);
- a cadence per domain: one exercise every ``every_days`` from ``anchor``
  (``cadence:<domain>:<period>``), drawn from that domain's latest incidents;
- a coordinator by hand (``manual:<id>``; not decided here).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_POLICY = Path(__file__).with_name("policy.json")
CADENCE_INCIDENTS = 3


@dataclass(frozen=True)
class Incident:
    id: str
    severity: str | None
    harm_domains: tuple[str, ...]
    registered_at: datetime
    resolved_at: datetime | None = None

    @property
    def domains(self) -> frozenset[str]:
        """The top-level MIT domains ("7" for "7.3")."""
        return frozenset(d.split(".")[0] for d in self.harm_domains)


@dataclass(frozen=True)
class Trigger:
    key: str
    reason: str
    incident_ids: tuple[str, ...]
    harm_domain: str | None = None


@dataclass(frozen=True)
class Proposed:
    """An exercise already proposed: its trigger's key, domain and incidents."""

    key: str
    harm_domain: str | None
    incident_ids: frozenset[str] = field(default_factory=frozenset)


def load_policy(path: Path = DEFAULT_POLICY) -> dict[str, Any]:
    return json.loads(path.read_text())


def due_triggers(
    policy: Mapping[str, Any],
    incidents: Iterable[Incident],
    proposed: Iterable[Proposed],
    now: datetime,
) -> list[Trigger]:
    incidents = sorted(incidents, key=lambda i: (i.registered_at, i.id))
    proposed = list(proposed)
    taken = {p.key for p in proposed}
    rules = policy["triggers"]
    found: list[Trigger] = []
    if rules.get("critical_resolved"):
        found += [
            Trigger(f"resolved:{i.id}", "a critical incident was resolved", (i.id,))
            for i in incidents
            if i.severity == "critical" and i.resolved_at is not None and i.resolved_at <= now
        ]
    cluster = rules.get("domain_cluster")
    if cluster:
        found += _clusters(incidents, proposed, now, cluster["count"], cluster["window_days"])
    for cadence in rules.get("cadence", ()):
        trigger = _cadence(incidents, now, cadence, rules["anchor"])
        if trigger is not None:
            found.append(trigger)
    return [t for t in found if t.key not in taken]


def next_cadence(policy: Mapping[str, Any], now: datetime) -> datetime | None:
    """When the next cadence period of any domain begins (a new trigger falls due)."""
    rules = policy["triggers"]
    cadences = rules.get("cadence", ())
    if not cadences:
        return None
    start = datetime.fromisoformat(rules["anchor"]).replace(tzinfo=now.tzinfo)
    if now < start:
        return start
    return min(
        start + timedelta(days=((now - start).days // c["every_days"] + 1) * c["every_days"])
        for c in cadences
    )


def _clusters(
    incidents: list[Incident], proposed: list[Proposed], now: datetime, count: int, days: int
) -> list[Trigger]:
    window = timedelta(days=days)
    triggers = []
    for domain in sorted({d for i in incidents for d in i.domains}):
        used = {i for p in proposed if p.harm_domain == domain for i in p.incident_ids}
        fresh = [
            i
            for i in incidents
            if domain in i.domains and i.id not in used and now - window <= i.registered_at <= now
        ]
        if len(fresh) >= count:
            chosen = fresh[-count:]
            triggers.append(
                Trigger(
                    f"cluster:{domain}:{chosen[0].id}",
                    f"{len(fresh)} incidents in harm domain {domain} within {days} days",
                    tuple(i.id for i in chosen),
                    domain,
                )
            )
    return triggers


def _cadence(
    incidents: list[Incident], now: datetime, cadence: Mapping[str, Any], anchor: str
) -> Trigger | None:
    start = datetime.fromisoformat(anchor).replace(tzinfo=now.tzinfo)
    if now < start:
        return None
    domain, every = cadence["harm_domain"], cadence["every_days"]
    period = (now - start).days // every
    latest = [i for i in incidents if domain in i.domains and i.registered_at <= now]
    return Trigger(
        f"cadence:{domain}:{period}",
        f"the every-{every}-days exercise for harm domain {domain}",
        tuple(i.id for i in latest[-CADENCE_INCIDENTS:]),
        domain,
    )
