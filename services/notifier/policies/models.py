"""An escalation policy as data, and its validation.

A policy is a list of rules, tried in order; the first whose ``match`` fits an incident
(severity, and optionally harm domain or event type) decides: either a chain of steps
that runs until someone acknowledges, or a digest (daily or weekly) that lists the
incidents in one message. A bad policy is refused at start-up with ``PolicyError``, whose
message names the bad step by its JSON pointer and its place in the chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low")
EVENT_TYPES = ("incident", "near_miss", "hazard", "issue")
DIGESTS = ("daily", "weekly")
# "default" stands for the collaboration's configured channels (the demo webhook, or the
# notifier's own inbox when none is configured), so a policy need not name them.
CHANNELS = ("default", "webhook", "slack", "email", "pagerduty", "inbox")
TARGET_KINDS = ("oncall", "schedule", "person", "role", "team")
ROLES = ("oncall", "coordinator", "risk_owner", "admin")
DEFAULT_POLICY = Path(__file__).with_name("default.json")


class PolicyError(ValueError):
    """A policy that cannot be used; the message names the bad rule or step."""


@dataclass(frozen=True)
class Target:
    """Whom to notify: ``oncall`` (a layer of the collaboration's schedule, "primary" or
    "secondary"), ``schedule`` (a named schedule's ``layer``), ``person`` (an id),
    ``role`` (everyone holding it) or ``team`` (an organization's on-call people)."""

    kind: str
    value: str
    layer: str = "primary"


@dataclass(frozen=True)
class Step:
    notify: tuple[Target, ...]
    channels: tuple[str, ...]
    after: timedelta
    repeat_every: timedelta | None = None  # None: notify once


@dataclass(frozen=True)
class Match:
    severity: str
    harm_domain: str | None = None  # an MIT domain ("7") or subdomain ("7.1")
    event_type: str | None = None

    def fits(self, incident: dict[str, Any]) -> bool:
        if incident.get("severity") != self.severity:
            return False
        if self.event_type and incident.get("event_type") != self.event_type:
            return False
        if self.harm_domain:
            domains = incident.get("harm_domains") or []
            return any(
                d == self.harm_domain or d.startswith(self.harm_domain + ".") for d in domains
            )
        return True


@dataclass(frozen=True)
class Rule:
    match: Match
    steps: tuple[Step, ...] = ()
    digest: str | None = None
    notify: tuple[Target, ...] = ()  # a digest's recipients
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeadlinePolicy:
    """Regulatory deadlines: remind ``notify`` on ``channels`` at each of ``remind_before``
    ahead of a stage's due time; once ``escalate_within`` of it remains and nothing is
    filed, open an escalation that runs the chain of an incident of ``escalate_as``."""

    remind_before: tuple[timedelta, ...]
    notify: tuple[Target, ...]
    channels: tuple[str, ...]
    escalate_within: timedelta
    escalate_as: str = "critical"


@dataclass(frozen=True)
class Policy:
    name: str
    rules: tuple[Rule, ...]
    retry_failed_after: timedelta = timedelta(minutes=1)
    deadlines: DeadlinePolicy | None = None  # None: deadlines remind no one

    def rule_for(self, incident: dict[str, Any]) -> Rule | None:
        """The first rule that fits ``incident``; None: the policy does not notify."""
        return next((rule for rule in self.rules if rule.match.fits(incident)), None)

    def channel_names(self) -> set[str]:
        names = {c for rule in self.rules for c in rule.channels}
        return names | {c for rule in self.rules for step in rule.steps for c in step.channels}


def load_policy(path: Path = DEFAULT_POLICY) -> Policy:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PolicyError(f"policy {path}: {exc}") from None
    return parse_policy(data, source=str(path))


def parse_policy(data: Any, *, source: str = "policy") -> Policy:
    """Validate ``data`` (a policy file's JSON) into a ``Policy``, or raise ``PolicyError``
    naming the first bad place."""
    _object(
        data,
        "",
        source,
        required={"rules"},
        optional={"name", "description", "retry_failed_after_minutes", "deadlines"},
    )
    rules = data["rules"]
    if not isinstance(rules, list) or not rules:
        raise PolicyError(f"{source} /rules: must be a non-empty list")
    retry = _minutes(
        data.get("retry_failed_after_minutes", 1),
        "/retry_failed_after_minutes",
        source,
        positive=True,
    )
    return Policy(
        name=str(data.get("name", source)),
        rules=tuple(_rule(rule, f"/rules/{i}", source) for i, rule in enumerate(rules)),
        retry_failed_after=retry,
        deadlines=_deadlines(data["deadlines"], source) if "deadlines" in data else None,
    )


def _deadlines(data: Any, source: str) -> DeadlinePolicy:
    where = "/deadlines"
    _object(
        data,
        where,
        source,
        required={"remind_before_hours", "notify", "channels", "escalate_within_hours"},
        optional={"escalate_as"},
    )
    label = f"{source} {where}"
    hours = data["remind_before_hours"]
    if not isinstance(hours, list):
        raise PolicyError(f"{label}/remind_before_hours: must be a list of hours")
    escalate_as = data.get("escalate_as", "critical")
    if escalate_as not in SEVERITIES:
        raise PolicyError(f"{label}/escalate_as: must be one of {', '.join(SEVERITIES)}")
    return DeadlinePolicy(
        remind_before=tuple(
            sorted(
                (
                    _minutes(h * 60 if _number(h) else h, f"/remind_before_hours/{i}", label)
                    for i, h in enumerate(hours)
                ),
                reverse=True,
            )
        ),
        notify=_targets(data["notify"], f"{where}/notify", label),
        channels=_channels(data["channels"], f"{where}/channels", label),
        escalate_within=_minutes(
            data["escalate_within_hours"] * 60
            if _number(data["escalate_within_hours"])
            else data["escalate_within_hours"],
            "/escalate_within_hours",
            label,
        ),
        escalate_as=escalate_as,
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rule(data: Any, where: str, source: str) -> Rule:
    _object(
        data, where, source, required={"match"}, optional={"steps", "digest", "notify", "channels"}
    )
    match = _match(data["match"], f"{where}/match", source)
    label = f"{source} {where} (rule for {match.severity})"
    if ("steps" in data) == ("digest" in data):
        raise PolicyError(f"{label}: give either steps or a digest")
    if "digest" in data:
        if data["digest"] not in DIGESTS:
            raise PolicyError(f"{label} /digest: must be one of {', '.join(DIGESTS)}")
        return Rule(
            match=match,
            digest=data["digest"],
            notify=_targets(data.get("notify"), f"{where}/notify", label),
            channels=_channels(data.get("channels"), f"{where}/channels", label),
        )
    steps = data["steps"]
    if not isinstance(steps, list) or not steps:
        raise PolicyError(f"{label} {where}/steps: must be a non-empty list")
    parsed = tuple(
        _step(
            step,
            f"{where}/steps/{i}",
            f"{source} {where}/steps/{i} ({match.severity} step {i + 1})",
        )
        for i, step in enumerate(steps)
    )
    for i in range(1, len(parsed)):
        if parsed[i].after < parsed[i - 1].after:
            raise PolicyError(
                f"{source} {where}/steps/{i} ({match.severity} step {i + 1}) /after_minutes:"
                " must not come before the step above it"
            )
    return Rule(match=match, steps=parsed)


def _match(data: Any, where: str, source: str) -> Match:
    _object(data, where, source, required={"severity"}, optional={"harm_domain", "event_type"})
    if data["severity"] not in SEVERITIES:
        raise PolicyError(f"{source} {where}/severity: must be one of {', '.join(SEVERITIES)}")
    if "event_type" in data and data["event_type"] not in EVENT_TYPES:
        raise PolicyError(f"{source} {where}/event_type: must be one of {', '.join(EVENT_TYPES)}")
    domain = data.get("harm_domain")
    if domain is not None and not (isinstance(domain, str) and _is_domain(domain)):
        raise PolicyError(f"{source} {where}/harm_domain: must be an MIT domain such as 7 or 7.1")
    return Match(severity=data["severity"], harm_domain=domain, event_type=data.get("event_type"))


def _is_domain(value: str) -> bool:
    parts = value.split(".")
    return len(parts) <= 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[0]) <= 7


def _step(data: Any, where: str, label: str) -> Step:
    if not isinstance(data, dict):
        raise PolicyError(f"{label}: must be an object")
    unknown = set(data) - {"notify", "channels", "after_minutes", "repeat_every_minutes"}
    if unknown:
        raise PolicyError(f"{label}: unknown field {sorted(unknown)[0]!r}")
    for name in ("notify", "channels", "after_minutes"):
        if name not in data:
            raise PolicyError(f"{label} /{name}: is required")
    repeat = data.get("repeat_every_minutes")
    return Step(
        notify=_targets(data["notify"], f"{where}/notify", label),
        channels=_channels(data["channels"], f"{where}/channels", label),
        after=_minutes(data["after_minutes"], "/after_minutes", label),
        repeat_every=None
        if repeat is None
        else _minutes(repeat, "/repeat_every_minutes", label, positive=True),
    )


def _targets(data: Any, where: str, label: str) -> tuple[Target, ...]:
    if not isinstance(data, list) or not data:
        raise PolicyError(f"{label} /notify: must be a non-empty list of whom to notify")
    targets = []
    for i, item in enumerate(data):
        kinds = set(item) & set(TARGET_KINDS) if isinstance(item, dict) else set()
        if len(kinds) != 1 or not set(item) <= {*TARGET_KINDS, "layer"}:
            raise PolicyError(f"{label} /notify/{i}: must name one of {', '.join(TARGET_KINDS)}")
        (kind,) = kinds
        value = item[kind]
        if not isinstance(value, str) or not value:
            raise PolicyError(f"{label} /notify/{i}/{kind}: must be a non-empty string")
        if kind == "oncall" and value not in ("primary", "secondary"):
            raise PolicyError(f"{label} /notify/{i}/oncall: must be primary or secondary")
        if kind == "role" and value not in ROLES:
            raise PolicyError(f"{label} /notify/{i}/role: must be one of {', '.join(ROLES)}")
        layer = item.get("layer", value if kind == "oncall" else "primary")
        targets.append(Target(kind=kind, value=value, layer=layer))
    return tuple(targets)


def _channels(data: Any, where: str, label: str) -> tuple[str, ...]:
    if not isinstance(data, list) or not data:
        raise PolicyError(f"{label} /channels: must be a non-empty list")
    for i, name in enumerate(data):
        if name not in CHANNELS:
            raise PolicyError(
                f"{label} /channels/{i}: unknown channel {name!r} (one of {', '.join(CHANNELS)})"
            )
    return tuple(data)


def _minutes(value: Any, where: str, label: str, *, positive: bool = False) -> timedelta:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value < 0
        or (positive and value == 0)
    ):
        bound = "> 0" if positive else ">= 0"
        raise PolicyError(f"{label} {where}: must be a number of minutes {bound}")
    return timedelta(minutes=value)


def _object(data: Any, where: str, source: str, *, required: set[str], optional: set[str]) -> None:
    if not isinstance(data, dict):
        raise PolicyError(f"{source} {where or '/'}: must be an object")
    missing = required - set(data)
    if missing:
        raise PolicyError(f"{source} {where}/{sorted(missing)[0]}: is required")
    unknown = set(data) - required - optional
    if unknown:
        raise PolicyError(f"{source} {where}/{sorted(unknown)[0]}: unknown field")
