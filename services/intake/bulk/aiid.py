"""The AI Incident Database's ``incidents.csv`` (and, optionally, ``classifications_MIT.csv``).

One incident a row: ``incident_id, date, reports, Alleged deployer of AI system, Alleged
developer of AI system, Alleged harmed or nearly harmed parties, description, title``; the
three "Alleged" columns are JSON lists of slugs (``["youtube"]``). The MIT AI Risk
Repository labels of an incident come from ``classifications_MIT.csv``, joined on
``Incident ID``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from marshmallow import ValidationError

from services.intake.bulk.rows import (
    Row,
    canonical,
    content_id,
    csv_dicts,
    drop_empty,
    join_names,
)

ORGANIZATION = "AI Incident Database"
CITE_URL = "https://incidentdatabase.ai/cite/{}"
DEPLOYER = "Alleged deployer of AI system"
DEVELOPER = "Alleged developer of AI system"
HARMED = "Alleged harmed or nearly harmed parties"
COLUMNS = ("incident_id", "date", DEPLOYER, DEVELOPER, HARMED, "description", "title")
MIT_COLUMNS = ("Incident ID", "Risk Domain", "Risk Subdomain")


@dataclass(frozen=True)
class MitLabel:
    """An incident's MIT AI Risk Repository labels, e.g. ``7. AI system safety, failures,
    and limitations`` and ``7.3. Lack of capability or robustness``."""

    domain: str
    subdomain: str


def _slugs(cell: str) -> list[str] | None:
    """A JSON list of slugs, or None when the cell holds something else."""
    try:
        slugs = json.loads(cell) if cell.strip() else []
    except json.JSONDecodeError:
        return None
    if not isinstance(slugs, list) or not all(isinstance(slug, str) for slug in slugs):
        return None
    return [slug.strip() for slug in slugs if slug.strip()]


def _not_a_list(column: str) -> list[str]:
    return [f'"{column}" is not a JSON list of names, e.g. ["youtube"].']


def source_id(record: Mapping[str, str]) -> str | None:
    """``aiid:<incident id>``, or None for a record without one."""
    incident_id = record.get("incident_id", "").strip()
    return f"aiid:{incident_id}" if incident_id else None


def aiid_report(
    record: Mapping[str, str], mit: MitLabel | None = None
) -> tuple[str | None, dict[str, Any]]:
    """One ``incidents.csv`` record as ``(source id, raw report)``; the source id is None
    when the record has no incident id. Raises ``ValidationError`` for a malformed slug list.
    AIID has no severity, country or contact: they stay absent."""
    incident_id = record.get("incident_id", "").strip()
    deployer = _slugs(record.get(DEPLOYER, ""))
    developer = _slugs(record.get(DEVELOPER, ""))
    harmed = _slugs(record.get(HARMED, ""))
    errors: dict[str, Any] = {}
    if deployer is None:
        errors.setdefault("ai_system", {})["deployer"] = _not_a_list(DEPLOYER)
    if developer is None:
        errors.setdefault("ai_system", {})["developer"] = _not_a_list(DEVELOPER)
    if harmed is None:
        errors["affected_parties"] = _not_a_list(HARMED)
    if errors:
        raise ValidationError(errors)
    raw: dict[str, Any] = {
        "title": record.get("title", "").strip(),
        "description": record.get("description", "").strip(),
        "language": "en",  # incidents.csv holds the English titles and descriptions.
        "event_type": "incident",
        "occurred_at": record.get("date", "").strip(),
        "reporting_organization": ORGANIZATION,
        "ai_system": drop_empty(
            {"deployer": join_names(deployer), "developer": join_names(developer)}
        ),
        # As AIID gives them (slugs such as "pedestrians"): the normalizer's AIID crosswalk
        # maps groups and roles onto the vocabulary and flags the others (named people and
        # organizations among them).
        "affected_parties": harmed,
        "references": [CITE_URL.format(incident_id)] if incident_id else [],
        "tlp": "CLEAR",  # AIID is public.
    }
    if mit is not None:
        raw["harm_domains"] = [mit.domain]
        raw["harm_subdomains"] = [mit.subdomain]
    return source_id(record), drop_empty(raw)


def read_mit_labels(file: IO[bytes]) -> dict[str, MitLabel]:
    """``classifications_MIT.csv`` as incident id → labels (unpublished labels left out)."""
    labels = {}
    for _, record in csv_dicts(file, what="MIT classifications file", required=MIT_COLUMNS):
        domain, subdomain = record["Risk Domain"].strip(), record["Risk Subdomain"].strip()
        if record.get("Published", "").strip() != "False" and (domain or subdomain):
            labels[record["Incident ID"].strip()] = MitLabel(domain, subdomain)
    return labels


def read_aiid(file: IO[bytes], *, classifications: IO[bytes] | None = None) -> Iterator[Row]:
    """The rows of ``incidents.csv``, numbered as a spreadsheet numbers them (header: 1)."""
    labels = read_mit_labels(classifications) if classifications is not None else {}
    for number, record in csv_dicts(file, what="AIID incidents file", required=COLUMNS):
        payload = canonical(record)
        row_id = source_id(record) or content_id("aiid", payload)
        try:
            _, raw = aiid_report(record, labels.get(record["incident_id"].strip()))
        except ValidationError as exc:
            yield Row(number, error=exc, source_id=row_id, payload=payload)
        else:
            yield Row(number, raw=raw, source_id=row_id, payload=payload)
