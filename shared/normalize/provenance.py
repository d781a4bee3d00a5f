"""What a normalization records: every mapping decision, every flagged value, every error."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import version
from typing import Any

from marshmallow.error_store import merge_errors

from shared import vocab

ErrorPath = tuple[str | int, ...]


def at(tree: Any, path: str) -> Any:
    """The value at a decision's field path (``quantities/lives_lost``) in a report, or None."""
    for name in path.split("/"):
        tree = tree.get(name) if isinstance(tree, dict) else None
    return tree


class Record:
    def __init__(self) -> None:
        self.decisions: list[dict[str, Any]] = []
        self.flags: list[dict[str, Any]] = []
        self.errors: dict[str | int, Any] = {}

    def decide(
        self, field: str, original: Any, normalized: Any, rule: str, *, basis: str | None = None
    ) -> None:
        """A value the normalizer changed (or supplied), and by which rule. ``basis`` marks a
        value that is not the report's own: "source" (a source's classification file),
        "derived" (a rule) or "suggested" (a model)."""
        decision = {"field": field, "original": original, "normalized": normalized, "rule": rule}
        if basis is not None:
            decision["basis"] = basis
        self.decisions.append(decision)

    def flag(self, field: str, value: Any, reason: str) -> None:
        """A value kept aside, not in the report's fields, and why."""
        self.flags.append({"field": field, "value": value, "reason": reason})

    def reject(self, path: ErrorPath, message: str) -> None:
        """An error at ``path`` (``("countries", 2)``), in marshmallow's nested shape."""
        error: Any = [message]
        for key in reversed(path):
            error = {key: error}
        self.add_errors(error)

    def add_errors(self, errors: dict) -> None:
        self.errors = merge_errors(self.errors, errors)

    def provenance(
        self, *, channel: str, source_format: str, payload: bytes, normalizer_version: str
    ) -> dict[str, Any]:
        return {
            "channel": channel,
            "source_format": source_format,
            "payload_sha256": hashlib.sha256(payload).hexdigest(),
            "normalizer_version": normalizer_version,
            "vocabulary_versions": dict(_vocabulary_versions()),
            "decisions": self.decisions,
            "flags": self.flags,
        }


@cache
def _vocabulary_versions() -> dict[str, str]:
    """The vocabularies' versions, and pycountry's: its ISO 3166 and 4217 data change.

    Cached: reading package metadata was most of the normalizer's time. Callers copy it.
    """
    return {**vocab.versions(), "pycountry": version("pycountry")}
