"""A severity derived from a report's facts, by the rule table in the severity vocabulary
(``derivation_rules``), for a report that gives none: lives lost, injuries, disrupted
critical infrastructure. Where no rule holds there is no severity: it is never guessed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared import vocab
from shared.normalize import terms
from shared.normalize.provenance import at


@dataclass(frozen=True)
class Derived:
    severity: str
    rule: str  # the rule's id
    reason: str  # what in the report meets it: "5 lives lost"


def _met(rule: Mapping[str, Any], report: Mapping[str, Any], given: Mapping[str, Any]) -> Any:
    """The value that meets ``rule``'s condition, or None."""
    if "at_least" in rule:
        value = at(report, rule["field"])
        is_number = isinstance(value, int) and not isinstance(value, bool)
        return value if is_number and value >= rule["at_least"] else None
    if "equals" in rule:
        value = at(report, rule["field"])
        return value if value is not None and value == rule["equals"] else None
    if "given_any" in rule:
        value = at(given, rule["field"])
        entries = [value] if isinstance(value, str) else value or []
        wanted = {terms.fold(text) for text in rule["given_any"]}
        return next((e for e in entries if isinstance(e, str) and terms.fold(e) in wanted), None)
    raise ValueError(f"Severity rule {rule['id']} has no condition (at_least, equals, given_any).")


def rules() -> list[Mapping[str, Any]]:
    return vocab.load("severity").data["derivation_rules"]["rules"]


def derive(report: Mapping[str, Any], given: Mapping[str, Any]) -> Derived | None:
    """The severity the first rule that holds gives (the table runs from the most severe
    down), or None. ``report`` is the normalized report, ``given`` the input as given."""
    for rule in rules():
        value = _met(rule, report, given)
        if value is not None:
            return Derived(rule["severity"], rule["id"], rule["reason"].format(value=value))
    return None
