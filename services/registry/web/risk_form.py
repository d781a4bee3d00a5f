"""The risk register's form, pure: what a person typed into the fields of ``POST
/v1/risks`` (so the API's schema checks the page's input too), and a risk back into what
the form shows.

The form has a row per mitigation, and ``SPARE_ROWS`` empty ones for new mitigations (no
JavaScript adds rows); a row without a description is left out. Linked incidents are ids
separated by commas, spaces or new lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REQUIRED_TEXT = ("title", "description", "treatment", "owner", "next_review")
REQUIRED_SCALES = ("likelihood", "impact")
OPTIONAL_SCALES = ("residual_likelihood", "residual_impact")
SPARE_ROWS = 2
_SEPARATORS = re.compile(r"[\s,]+")


def _number(text: str) -> int | str:
    """A scale's digits as a number; anything else as typed, for the schema to refuse."""
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 4 else text


def mitigation_rows(form: Mapping[str, str]) -> list[dict[str, str]]:
    """Every mitigation row the form sent, as typed, in order (blank ones included)."""
    rows = []
    while f"mitigations-{len(rows)}-description" in form:
        n = len(rows)
        rows.append(
            {
                "description": form[f"mitigations-{n}-description"],
                "status": form.get(f"mitigations-{n}-status", ""),
            }
        )
    return rows


def fields(form: Mapping[str, str]) -> dict[str, Any]:
    """The form's values as the API's JSON: a blank required field left out (the schema
    says it is missing), a blank optional one null."""
    data: dict[str, Any] = {}
    for name in REQUIRED_TEXT:
        if form.get(name, "").strip():
            data[name] = form[name].strip()
    for name in REQUIRED_SCALES:
        if form.get(name, "").strip():
            data[name] = _number(form[name].strip())
    for name in OPTIONAL_SCALES:
        value = form.get(name, "").strip()
        data[name] = _number(value) if value else None
    data["contingency"] = form.get("contingency", "").strip() or None
    data["mitigations"] = [
        {"description": row["description"].strip(), "status": row["status"]}
        for row in mitigation_rows(form)
        if row["description"].strip()
    ]
    data["incidents"] = [i for i in _SEPARATORS.split(form.get("incidents", "")) if i]
    return data


def values(risk: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows for ``risk``: its fields as text, its mitigations as rows."""
    shown: dict[str, Any] = {
        name: "" if risk.get(name) is None else str(risk[name])
        for name in (*REQUIRED_TEXT, *REQUIRED_SCALES, *OPTIONAL_SCALES, "contingency")
    }
    shown["incidents"] = "\n".join(risk.get("incidents", ()))
    shown["mitigations"] = [dict(m) for m in risk.get("mitigations", ())]
    return shown


def typed(form: Mapping[str, str]) -> dict[str, Any]:
    """What the person typed, shown again after a refusal."""
    return {**form, "mitigations": [row for row in mitigation_rows(form) if row["description"]]}


def with_spare_rows(shown: Mapping[str, Any]) -> list[dict[str, str]]:
    """The form's mitigation rows: those shown, then the empty ones."""
    spare = [{"description": "", "status": ""} for _ in range(SPARE_ROWS)]
    return [*shown.get("mitigations", ()), *spare]
