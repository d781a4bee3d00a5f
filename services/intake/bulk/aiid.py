"""The AI Incident Database's ``incidents.csv``, with its classification files if given.

One incident a row: ``incident_id, date, reports, Alleged deployer of AI system, Alleged
developer of AI system, Alleged harmed or nearly harmed parties, description, title``; the
three "Alleged" columns are JSON lists of slugs (``["youtube"]``). What
``classifications_MIT.csv`` and ``classifications_CSETv1.csv`` say of an incident is
joined on its id (``aiid_classifications``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from marshmallow import ValidationError

from services.intake.bulk.aiid_classifications import (
    Classification,
    joined,
    read_classifications,
)
from services.intake.bulk.rows import (
    Row,
    canonical,
    content_id,
    csv_dicts,
    drop_empty,
    join_names,
)
from shared.normalize.source import SourceRecord

ORGANIZATION = "AI Incident Database"
CITE_URL = "https://incidentdatabase.ai/cite/{}"
DEPLOYER = "Alleged deployer of AI system"
DEVELOPER = "Alleged developer of AI system"
HARMED = "Alleged harmed or nearly harmed parties"
COLUMNS = ("incident_id", "date", DEPLOYER, DEVELOPER, HARMED, "description", "title")


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
    record: Mapping[str, str], classification: Classification | None = None
) -> tuple[str | None, dict[str, Any]]:
    """One ``incidents.csv`` record, with what the classification files give it, as
    ``(source id, raw report)``; the source id is None when the record has no incident id.
    Raises ``ValidationError`` for a malformed slug list. AIID has no severity, country or
    contact: they stay absent (a severity may be derived from CSETv1's counts)."""
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
    if classification is not None:
        # CSETv1's harm level replaces the "incident" every AIID record is by default.
        raw.update(classification.raw)
    return source_id(record), drop_empty(raw)


def aiid_source(record: Mapping[str, str], classification: Classification | None) -> SourceRecord:
    incident_id = record.get("incident_id", "").strip() or None
    return SourceRecord(
        "aiid",
        incident_id,
        CITE_URL.format(incident_id) if incident_id else None,
        classification.origins if classification else {},
    )


def read_aiid(
    file: IO[bytes], *, classifications: Mapping[str, IO[bytes]] | None = None
) -> Iterator[Row]:
    """The rows of ``incidents.csv``, numbered as a spreadsheet numbers them (header: 1).
    ``classifications``: the files that come with it, by name (``classifications_MIT``,
    ``classifications_CSETv1``); each is read whole before the first row."""
    by_file = [read_classifications(name, part) for name, part in (classifications or {}).items()]
    for number, record in csv_dicts(file, what="AIID incidents file", required=COLUMNS):
        row_id = source_id(record) or content_id("aiid", canonical(record))
        incident_id = record["incident_id"].strip()
        found = [labels[incident_id] for labels in by_file if incident_id in labels]
        classification = joined(found) if found else None
        # The hash covers the classification rows too: importing the incident again with
        # other classifications is a conflict, not a silent no-op.
        payload = canonical(
            {"incidents.csv": record, **classification.rows} if classification else record
        )
        source = aiid_source(record, classification)
        try:
            _, raw = aiid_report(record, classification)
        except ValidationError as exc:
            yield Row(number, error=exc, source_id=row_id, payload=payload, source=source)
        else:
            yield Row(number, raw=raw, source_id=row_id, payload=payload, source=source)
