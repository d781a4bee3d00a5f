"""The public view: TLP:CLEAR incidents as redacted summaries anyone may read.

No contact, no recipients; the submitting organization only when it opted in
(``publish_organization``); provenance reduced to channel and source format; e-mail
addresses and phone numbers in every text replaced by markers (redact.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.registry.access.rules import CLEAR, reduced_provenance
from services.registry.query.ast import And, Node, Term, redacted
from services.registry.redact import EMAIL, redact

# Fields a summary may carry, as the incident has them (texts redacted).
SUMMARY_FIELDS = (
    "id", "title", "description", "language", "event_type", "severity", "status",
    "occurred_at", "received_at", "countries", "harm_domains", "harm_subdomains",
    "harm_types", "affected_parties", "ai_system", "tlp",
)  # fmt: skip


def public_query(query: Node) -> Node:
    """``query`` over the redacted texts of CLEAR incidents, whoever asks."""
    return And((redacted(query), Term("tlp", CLEAR)))


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    return value


def _link(url: Any) -> Any:
    """A link is kept whole (redacting digits would break it) unless it names an address."""
    return None if isinstance(url, str) and EMAIL.search(url) else url


def summary(incident: Mapping[str, Any]) -> dict[str, Any]:
    shown = {name: _redacted(incident[name]) for name in SUMMARY_FIELDS if name in incident}
    if incident.get("publish_organization") and incident.get("reporting_organization"):
        shown["reporting_organization"] = redact(incident["reporting_organization"])
    shown["references"] = [u for u in map(_link, incident.get("references") or []) if u]
    source = incident.get("source")
    if isinstance(source, Mapping):
        shown["source"] = {
            "format": source.get("format"),
            "id": _redacted(source.get("id")),
            "url": _link(source.get("url")),
        }
    shown["provenance"] = reduced_provenance(incident)
    return shown
