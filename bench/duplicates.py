"""Duplicate suggestions: precision and recall against AIID's known duplicates and the
hand-labelled AIID/AIAAIC pairs, and what one incident's suggestions cost."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from services.registry.duplicates.evaluate import load, render
from services.registry.store.embedded import EmbeddedStore

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="accord-bench-duplicates-") as tmp:
        store = EmbeddedStore(Path(tmp) / "registry.sqlite3")
        store.ensure()
        try:
            started = time.perf_counter()
            corpus = load(DATASETS, store)
            figures = render(DATASETS, store, corpus, time.perf_counter() - started)
        finally:
            store.close()
    return (
        "## Duplicate suggestions\n\n"
        "`python -m services.registry.duplicates.evaluate ../shared/datasets`:\n\n"
        f"```\n{figures}\n```\n"
    )
