"""The real datasets (../shared/datasets) as registry incidents, for the tests that run on
them (services/registry/datasets.py reads them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.registry import datasets

DATASETS_DIR = (Path(__file__).resolve().parents[1].parent / "shared" / "datasets").resolve()


def incidents(source_format: str) -> tuple[dict[str, Any], ...]:
    return datasets.incidents(DATASETS_DIR, source_format)
