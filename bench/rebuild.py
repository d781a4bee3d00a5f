"""`accord registry rebuild` of ``REBUILD_INCIDENTS`` incidents on the embedded profile: the
real datasets' reports repeated (each copy with ids of its own) on an embedded bus, replayed
into a new store version and promoted, as the command does (``services.registry.rebuild``
with the projection handlers and a producer that drops what they publish).

The floor is a raw batched insert of the same documents into the same store schema, and
where the time goes is a cProfile of a rebuild of the first ``PROFILED`` of them.
"""

from __future__ import annotations

import cProfile
import os
import tempfile
import time
from pathlib import Path

from bench.profile import table
from bench.store_floor import corpus, raw_insert
from services.registry.consumer import replay_handlers
from services.registry.rebuild import Rebuilt, rebuild
from services.registry.store.embedded import EmbeddedStore
from shared.bus.embedded import EmbeddedBus
from shared.envelope import Envelope, encode, new_id
from shared.topics import REPORTS, all_topics, topic_name

REBUILD_INCIDENTS = int(os.environ.get("BENCH_REBUILD_INCIDENTS", "100000"))
PROFILED = 10_000
PREFIX = "bench"
PARTS = {
    "decode, validating the report (envelope.decode)": ("shared/envelope.py", "decode"),
    "the projection's own work (apply_reports)": (
        "services/registry/projection.py",
        "apply_reports",
    ),
    "of which the store write (EmbeddedStore.create)": (
        "services/registry/store/embedded.py",
        "create",
    ),
    "of which the indexed fields (document.derived)": (
        "services/registry/query/document.py",
        "derived",
    ),
}


def _publish(bus: EmbeddedBus, n: int) -> list[dict]:
    """``n`` report.accepted records, the corpus over and over; returns the reports."""
    reports = corpus()
    templates = []
    for report in reports:
        envelope = Envelope(type="report.accepted", key=report["id"], producer="intake",
                            payload={"report": report})  # fmt: skip
        templates.append((envelope.id.encode(), report["id"].encode(), encode(envelope)))
    producer = bus.producer()
    published = []
    for k in range(n):
        envelope_id, report_id, raw = templates[k % len(templates)]
        new = new_id().encode()
        if k >= len(templates):  # a copy: ids of its own (both are ULIDs, the same length)
            raw = raw.replace(envelope_id, new_id().encode()).replace(report_id, new)
        report = reports[k % len(reports)]
        published.append({**report, "id": new.decode()} if k >= len(templates) else report)
        producer.send(topic_name(PREFIX, REPORTS), key=published[-1]["id"], value=raw)
        if k % 1000 == 999:
            producer.flush()
    producer.close()
    return published


def _rebuild(tmp: Path, bus: EmbeddedBus, name: str) -> Rebuilt:
    store = EmbeddedStore(tmp / f"{name}.sqlite3", pointer=tmp / f"{name}.current")
    try:
        return rebuild(
            bus,
            store,
            lambda version: replay_handlers(
                version, prefix=PREFIX, registry_url="http://127.0.0.1:8002"
            ),
            prefix=PREFIX,
            stamp=name,
        )
    finally:
        store.close()


def run() -> tuple[str, dict]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        bus = EmbeddedBus(tmp / "bus.sqlite3")
        bus.create_topics(all_topics(PREFIX))
        reports = _publish(bus, REBUILD_INCIDENTS)
        load_average = os.getloadavg()[0]
        raw_rate = raw_insert(tmp, reports)
        started, started_cpu = time.perf_counter(), time.process_time()
        done = _rebuild(tmp, bus, "registry")
        seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        small = EmbeddedBus(tmp / "small-bus.sqlite3")
        small.create_topics(all_topics(PREFIX))
        _publish(small, PROFILED)
        profile = cProfile.Profile()
        profile.enable()
        started = time.perf_counter()
        _rebuild(tmp, small, "profiled")
        profiled = time.perf_counter() - started
        profile.disable()
        small.close()
        bus.close()
    results = {
        "incidents": REBUILD_INCIDENTS,
        "applied": done.replayed.applied,
        "skipped": len(done.replayed.skipped),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "docs_per_s": REBUILD_INCIDENTS / seconds,
        "raw_docs_per_s": raw_rate,
        "load_average": load_average,
    }
    text = (
        "## Rebuild of the registry's store (embedded)\n\n"
        f"`accord registry rebuild` as a function: {REBUILD_INCIDENTS:,} `report.accepted`"
        " records (the three datasets' reports over and over, each copy with ids of its own)"
        " on an embedded bus, replayed through the registry's projection into a new store"
        " version, then promoted. The floor is a raw batched insert of the same documents"
        " into the same schema (bench/store_floor.py). Goal: under 60 s.\n\n"
        "| measure | floor | Accord | ratio |\n|---|---|---|---|\n"
        f"| rebuild of {REBUILD_INCIDENTS:,} incidents (load {load_average:.1f}) |"
        f" {REBUILD_INCIDENTS / raw_rate:.1f} s ({raw_rate:,.0f} docs/s) |"
        f" {seconds:.1f} s ({REBUILD_INCIDENTS / seconds:,.0f} docs/s) |"
        f" {REBUILD_INCIDENTS / seconds / raw_rate:.2f} |\n\n"
        f"{done.replayed.applied:,} records applied, {len(done.replayed.skipped)} skipped;"
        f" the rebuild's own CPU time {cpu:.1f} s (wall-clock time includes waiting for a"
        " core on a shared machine)."
        f" Where the time goes: a rebuild of {PROFILED:,} of them under cProfile"
        f" ({profiled / PROFILED * 1000:.2f} ms per incident with the profiler's overhead).\n\n"
        + table(profile, PARTS, n=PROFILED, total=profiled, unit="incident")
    )
    return text, results
