"""Registry ingest on the Elasticsearch store, next to its floor, in the same run: the
backlog of bench/store_floor.py taken by the registry's report handler into an
ElasticsearchStore, beside a raw bulk insert of the same documents (each incident as the
store writes it, its indexed fields computed beforehand) into an index of the same
mappings, in the same batches with the same refresh.

The server is noida-db, the Elasticsearch test server the tests use (TOOLING.md): its own
cost per document is far above a real cluster's, so the ratio says what Accord adds on
top of a slow store, not what a cluster would show.

Run alone: ``.venv/bin/python -m bench.elasticsearch_ingest``."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from bench import system
from bench.store_floor import BATCH, INGEST_ROUNDS, accepted, corpus, ingest, ingest_rounds
from services.registry.decisions import registered
from services.registry.query.document import derived
from services.registry.store.elasticsearch import DERIVED, ElasticsearchStore

WARM_UP = 500  # reports into a scratch index first: the server's first writes are slower


def _store(url: str) -> ElasticsearchStore:
    return ElasticsearchStore.from_url(url, prefix=f"bench-{uuid.uuid4().hex[:8]}")


def raw_insert(url: str, reports: list[dict]) -> float:
    """Documents/s of bulk creates of the stored form of ``reports``."""
    documents = [{**incident, DERIVED: derived(incident)} for incident in map(registered, reports)]
    store = _store(url)
    store.ensure()
    started = time.perf_counter()
    for start in range(0, len(documents), BATCH):
        operations: list[dict] = []
        for document in documents[start : start + BATCH]:
            operations += [{"create": {"_id": document["id"]}}, document]
        response = store.client.bulk(index=store.alias, operations=operations, refresh="wait_for")
        assert not response["errors"], "the raw insert was refused"
    seconds = time.perf_counter() - started
    store.close()
    return len(documents) / seconds


def run() -> tuple[str, dict]:
    reports = corpus()
    backlog = accepted(reports)
    with system.elasticsearch_server() as url, tempfile.TemporaryDirectory() as tmp:
        ingest(_store(url), Path(tmp) / "warm-up.sqlite3", backlog[:WARM_UP])
        load_average = os.getloadavg()[0]
        # Alternately: the server slows as its indexes add up.
        rates = ingest_rounds(
            lambda _n: raw_insert(url, reports),
            lambda n: ingest(_store(url), Path(tmp) / f"bus-{n}.sqlite3", backlog),
        )
    raw_rate, ingest_rate = rates["raw_docs_per_s"], rates["registry_docs_per_s"]
    results = {"reports": len(reports), **rates, "load_average": load_average}
    text = (
        "## Registry ingest on the Elasticsearch store (noida-db)\n\n"
        f"The same {len(reports):,} reports taken by the registry's report handler into the"
        f" Elasticsearch store (batches of {BATCH}, `refresh=wait_for`, as the live consumer"
        " writes them), next to a raw bulk insert of the same documents, their indexed fields"
        " computed beforehand, into an index of the same mappings; medians of"
        f" {INGEST_ROUNDS} rounds, each on new indexes. noida-db's own cost per"
        " document is far above a real cluster's: the ratio is what Accord adds on top of a"
        " slow store.\n\n"
        "| measure | floor | Accord | ratio |\n|---|---|---|---|\n"
        f"| registry ingest, Elasticsearch store (load {load_average:.1f}) |"
        f" {raw_rate:,.0f} docs/s | {ingest_rate:,.0f} docs/s | {ingest_rate / raw_rate:.2f} |\n"
    )
    return text, results


if __name__ == "__main__":
    print(run()[0])
