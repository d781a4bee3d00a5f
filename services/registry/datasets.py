"""The public datasets (../shared/datasets) as registry incidents, read and normalized as
bulk intake does, each with the ``source`` field intake keeps and its source id as incident
id (``aiid:4``): for the corpus tests and the duplicates evaluation."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from services.intake.bulk.formats import REQUIRED
from services.intake.bulk.survey import DATASETS, read_dataset
from shared.normalize import Rejected, normalize

RECEIVED_AT = "2026-11-01T00:00:00+00:00"


def _source(source_id: str, report: dict[str, Any]) -> dict[str, Any]:
    fmt, _, record = source_id.partition(":")
    references = report.get("references") or []
    return {"format": fmt, "id": record, "url": references[0] if references else None}


@cache
def incidents(folder: Path, source_format: str) -> tuple[dict[str, Any], ...]:
    """Every record of one dataset in ``folder`` the normalizer accepts, as a CLEAR incident
    with a unique id (a duplicated source id keeps its first record)."""
    if not folder.is_dir():
        raise RuntimeError(f"The public datasets are missing: expected them in {folder}.")
    dataset = next(d for d in DATASETS if d.source_format == source_format)
    found: dict[str, dict[str, Any]] = {}
    for row in read_dataset(folder, dataset):
        if row.raw is None or row.source_id is None or row.source_id in found:
            continue
        try:
            report = normalize(
                row.raw,
                channel="bulk",
                source_format=source_format,
                payload=row.payload,
                require=REQUIRED[source_format],
            )
        except Rejected:
            continue
        found[row.source_id] = {
            **report,
            "id": row.source_id,
            "received_at": RECEIVED_AT,
            "status": "new",
            "organization_id": None,
            "recipients": [],
            "source": _source(row.source_id, report),
        }
    return tuple(found.values())
