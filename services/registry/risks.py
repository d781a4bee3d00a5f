"""The risk register's rules, pure: the matrix (data/risk_matrix.json), scores, a risk
made from its fields, and which reviews fall due.

A risk's inherent score is likelihood x impact before treatment; its residual score is
the same after the mitigations (``residual_likelihood`` x ``residual_impact``), when
assessed. Each score carries its level and colour from the matrix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

MATRIX_PATH = Path(__file__).parent / "data" / "risk_matrix.json"
TREATMENTS = ("mitigate", "accept", "avoid", "transfer")
MITIGATION_STATUSES = ("planned", "in_progress", "done", "abandoned")
SCALE = (1, 5)

Risk = dict[str, Any]


@cache
def matrix() -> dict[str, Any]:
    data = json.loads(MATRIX_PATH.read_text())
    limits = [level["max_score"] for level in data["levels"]]
    if limits != sorted(limits) or limits[-1] < SCALE[1] ** 2:
        raise ValueError(f"{MATRIX_PATH}: levels must rise and cover every score up to 25")
    return data


def score(likelihood: int, impact: int) -> dict[str, Any]:
    """The score of a likelihood and an impact (1-5 each), with its level and colour."""
    value = likelihood * impact
    level = next(lv for lv in matrix()["levels"] if value <= lv["max_score"])
    return {
        "likelihood": likelihood,
        "impact": impact,
        "score": value,
        "level": level["id"],
        "colour": level["colour"],
    }


def scored(risk: Risk) -> Risk:
    """``risk`` with its inherent and residual scores worked out from its fields."""
    risk = {**risk, "inherent": score(risk["likelihood"], risk["impact"])}
    if risk.get("residual_likelihood") and risk.get("residual_impact"):
        risk["residual"] = score(risk["residual_likelihood"], risk["residual_impact"])
    else:
        risk["residual"] = None
    return risk


def created(risk_id: str, fields: Mapping[str, Any], *, actor: Mapping[str, Any], at: str) -> Risk:
    """A new risk at version 1."""
    risk = {
        "id": risk_id,
        "mitigations": [],
        "contingency": None,
        "incidents": [],
        "residual_likelihood": None,
        "residual_impact": None,
        **fields,
        "version": 1,
        "created_at": at,
        "created_by": dict(actor),
        "updated_at": at,
    }
    return scored(risk)


def changes(risk: Risk, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``fields`` that differ from the risk's."""
    return {name: value for name, value in fields.items() if risk.get(name) != value}


def updated(risk: Risk, changed: Mapping[str, Any], *, at: str) -> Risk:
    return scored({**risk, **changed, "version": risk["version"] + 1, "updated_at": at})


def review_to_announce(risk: Risk, day: date) -> bool:
    """Whether the review falling due is yet to be announced (once per review date)."""
    return (
        date.fromisoformat(risk["next_review"]) <= day
        and risk.get("review_announced_for") != risk["next_review"]
    )
