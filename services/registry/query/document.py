"""The fields both stores index for an incident, computed once here from the document.

Keyword fields are lists of canonical strings (a term query matches any entry); dates are
milliseconds since the epoch, UTC; text is the analyzed terms (analysis.indexed), once as
written and once as the public view shows it (redacted). The
Elasticsearch store keeps them under ``derived`` in each document, the embedded store in
its own columns, so both compilers filter, sort and count the same values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.registry.query.analysis import fold, indexed
from services.registry.redact import redact
from shared.errors import Rejected

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
# Sort key of a missing date: before every real one, so it comes last newest-first.
NO_DATE = -(2**53)
# has:<name> → the incident field that must be present and not empty.
HAS = {
    "severity": "severity",
    "occurred": "occurred_at",
    "detected": "detected_at",
    "country": "countries",
    "domain": "harm_domains",
    "contact": "contact",
    "source": "source",
    "references": "references",
    "evidence": "evidence",
    "ai_system": "ai_system",
    "quantities": "quantities",
    "likelihood": "likelihood",
    "impact": "impact",
    "jurisdiction": "jurisdictions",
    "organization": "organization_id",
    "duplicate_of": "duplicate_of",  # merged into another incident (merged.py)
}
KEYWORD_FIELDS = (
    "tlp",
    "organization",  # organization_id: who reported it, for access and the facet
    "recipients",
    "severity",
    "status",
    "type",
    "domain",
    "country",
    "org",  # organization id or folded display name, for org:
    "lang",
    "source",  # "format:id", folded
    "source_format",
    "has",
)
DATE_FIELDS = ("occurred", "received")


class DocumentRejected(Rejected):
    """The incident cannot be indexed as it is (no id, a date that is not a date)."""


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def _millis(incident: Mapping[str, Any], name: str) -> int | None:
    value = incident.get(name)
    if value in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise DocumentRejected(f"incident {incident.get('id')}: {name} {value!r}: {exc}") from exc
    if when.tzinfo is None:
        raise DocumentRejected(f"incident {incident.get('id')}: {name} has no time zone")
    return int(when.timestamp() * 1000)


def _language(tag: Any) -> list[str]:
    if not tag:
        return []
    tag = str(tag).lower()
    return sorted({tag, tag.split("-")[0]})


def _source(source: Any) -> tuple[list[str], list[str]]:
    if not isinstance(source, Mapping) or not source.get("format"):
        return [], []
    fmt = str(source["format"]).lower()
    keys = [f"{fmt}:{fold(str(source['id']))}"] if source.get("id") not in (None, "") else []
    return keys, [fmt]


def derived(incident: Mapping[str, Any]) -> dict[str, Any]:
    """Everything a store indexes for ``incident``; raises ``DocumentRejected``."""
    if not isinstance(incident.get("id"), str) or not incident["id"]:
        raise DocumentRejected(f"an incident needs a string id, not {incident.get('id')!r}")
    received = _millis(incident, "received_at")
    if received is None:
        raise DocumentRejected(f"incident {incident['id']} has no received_at")
    occurred = _millis(incident, "occurred_at")
    sources, source_formats = _source(incident.get("source"))
    organization = _list(incident.get("organization_id"))
    display = incident.get("reporting_organization")  # for org: only, never for access
    severity = incident.get("severity")
    title, description = incident.get("title") or "", incident.get("description") or ""
    public_title, public_description = redact(title), redact(description)
    title_terms, description_terms = indexed(title), indexed(description)
    return {
        "title": title_terms,
        "description": description_terms,
        # Analyzed again only where the public view removed something.
        "public_title": title_terms if public_title == title else indexed(public_title),
        "public_description": (
            description_terms if public_description == description else indexed(public_description)
        ),
        "tlp": _list(incident.get("tlp")),
        "organization": organization,
        "recipients": _list(incident.get("recipients")),
        "severity": _list(severity),
        "status": _list(incident.get("status")),
        "type": _list(incident.get("event_type")),
        "domain": _list(incident.get("harm_domains")) + _list(incident.get("harm_subdomains")),
        "country": _list(incident.get("countries")),
        "org": [fold(name) for name in [*organization, *_list(display)]],
        "lang": _language(incident.get("language")),
        "source": sources,
        "source_format": source_formats,
        "has": [
            name for name, field in HAS.items() if incident.get(field) not in (None, "", [], {})
        ],
        "occurred": occurred,
        "received": received,
        "occurred_sort": NO_DATE if occurred is None else occurred,
        "severity_rank": SEVERITY_RANK.get(str(severity), 0),
    }
