"""Triage as data: the states, the allowed transitions (data/triage.json) and who may
decide. Pure: the write path (service.py) and the pages ask here, then record an event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from services.registry.access.rules import TRIAGE_ROLES
from shared.access import Viewer

RULES_PATH = Path(__file__).parent / "data" / "triage.json"
VISIBILITIES = ("public", "confidential")
NEEDS_INFORMATION = "needs-information"
DUPLICATE = "duplicate"


class DecisionRefused(Exception):
    """This decision cannot be taken on the incident as it stands (a 409 at the edge)."""


@cache
def rules() -> dict[str, Any]:
    return json.loads(RULES_PATH.read_text())


def states() -> tuple[str, ...]:
    return tuple(rules()["states"])


def allowed(status: str) -> tuple[str, ...]:
    """The states an incident in ``status`` may move to."""
    return tuple(rules()["transitions"].get(status, ()))


def initial_status(report: Mapping[str, Any]) -> str:
    """Where a new report starts: an unverified form report (no signed-in lab) needs
    verification first; reports without the flag (older ones, imports) are new."""
    if report.get("verified") is False:
        return rules()["initial_unverified"]
    return rules()["initial"]


def may_decide(viewer: Viewer) -> bool:
    """Triage decisions are taken by risk owners and coordinators."""
    return viewer.has_role(*TRIAGE_ROLES)


def check_transition(status: str, to: str) -> None:
    """Raise ``DecisionRefused`` unless ``status`` → ``to`` is an allowed transition."""
    if to == status:
        raise DecisionRefused(f"The incident is already {status}.")
    if to not in allowed(status):
        moves = ", ".join(allowed(status)) or "nowhere"
        raise DecisionRefused(f"An incident that is {status} can move to {moves}; not to {to}.")
