"""Normalizer throughput on the three real datasets (no I/O beyond reading the files)."""

from __future__ import annotations

from pathlib import Path

from services.intake.bulk.survey import DATASETS, survey

DATASETS_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def run() -> str:
    lines = []
    for dataset in DATASETS:
        result = survey(DATASETS_DIR, dataset)
        rows = len(result.results)
        lines.append(
            f"- {dataset.name}: {rows} rows read in {result.read_seconds:.2f} s, normalized in "
            f"{result.import_seconds:.2f} s ({rows / result.import_seconds:,.0f} rows/s)"
        )
    return (
        "## Normalizer on the real datasets\n\n"
        "Read with the source-format adapters, then normalized (the survey's dry run).\n\n"
        + "\n".join(lines)
        + "\n"
    )
