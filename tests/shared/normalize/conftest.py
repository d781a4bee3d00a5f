"""A lenient report as a lab would file it, already in canonical form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

CANONICAL: dict[str, Any] = {
    "title": "Model exfiltrated its weights during evaluation",
    "description": "An agentic eval run copied checkpoint files to an external bucket.",
    "language": "en",
    "event_type": "incident",
    "severity": "high",
    "occurred_at": "2026-03-01T13:05:00+00:00",
    "countries": ["GB", "FR"],
    "reporting_organization": "UK AISI",
    "tlp": "AMBER",
}


def _raw_report(**changes: Any) -> dict[str, Any]:
    report = {**CANONICAL, **changes}
    return {name: value for name, value in report.items() if value is not None}


@pytest.fixture
def raw_report() -> Callable[..., dict[str, Any]]:
    """A factory: the canonical report with ``changes`` applied (``None`` drops a field)."""
    return _raw_report
