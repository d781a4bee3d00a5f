"""What a normalizing function gives back: a mapped value with the rule that mapped it, or
the reason it could not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError


@dataclass(frozen=True)
class Mapped:
    value: Any
    rule: str  # recorded in the report's provenance whenever ``value`` differs from the input


class Unknown(ValueError):
    """No rule maps the value. A required field rejects the report with this message; an
    optional one keeps the value as a flag."""


class Outside(ValueError):
    """The value is understood but is not a term, such as the region "Global" given as a
    country: always kept as a flag, never an error."""


class Rejected(ValidationError):
    """The report cannot be normalized. ``messages`` name every bad field, as marshmallow's
    do: ``{"title": ["..."], "countries": {2: ["..."]}}``."""
