"""Facet counts in every search answer: name shown to clients → indexed keyword field."""

from __future__ import annotations

FACETS = {
    "severity": "severity",
    "status": "status",
    "type": "type",
    "domain": "domain",
    "country": "country",
    "organization": "organization",
    "tlp": "tlp",
    "source": "source_format",
}
FACET_SIZE = 50  # values per facet, most frequent first (then by value)

Facets = dict[str, list[dict[str, object]]]


def bucket(value: str, count: int) -> dict[str, object]:
    return {"value": value, "count": count}
