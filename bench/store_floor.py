"""The registry next to raw SQLite, on the embedded store, in the same run:

- ingest: a backlog of the real datasets' reports (as intake accepts them) decoded and
  made searchable by the registry's report handler, next to a raw batched insert of the
  same documents into the same SQLite + FTS5 schema;
- search: p50/p95 over the corpus repeated to ``SEARCH_INCIDENTS``, ``store.search()``
  next to the raw FTS5 bm25 top-20 query of the same terms.
"""

from __future__ import annotations

import cProfile
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from bench.profile import table
from bench.stats import p50_p95_ms
from services.intake.bulk.survey import DATASETS, DryRun, survey
from services.registry.consumer import ReportProjection
from services.registry.decisions import registered
from services.registry.journal import Journal
from services.registry.query.ast import positive_text
from services.registry.query.document import KEYWORD_FIELDS
from services.registry.query.fts5 import match_expression
from services.registry.query.parser import parse
from services.registry.store.embedded import _KEYWORD_COLUMNS, EmbeddedStore
from services.registry.store.interfaces import IncidentStore
from shared.access import Viewer
from shared.bus.embedded import EmbeddedBus
from shared.envelope import Envelope, decode, encode, new_id, utcnow

DATASETS_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets"
BATCH = 500  # the registry consumer's poll size
INGEST_ROUNDS = 3  # the medians are reported
SEARCH_INCIDENTS = int(os.environ.get("BENCH_SEARCH_INCIDENTS", "100000"))
SEARCH_ROUNDS = 10
# The ingest's parts, as (file suffix, function) in the profile.
INGEST_PARTS = {
    "decode, validating the report (envelope.decode)": ("shared/envelope.py", "decode"),
    "validation, both ways (the compiled validators, compiled_schema.check)": (
        "shared/compiled_schema.py",
        "check",
    ),
    "store.create (SQLite + FTS5, the indexed fields)": (
        "services/registry/store/embedded.py",
        "create",
    ),
    "encode incident.registered (envelope.encode)": ("shared/envelope.py", "encode"),
}
PLAIN = ["facial recognition", "chatbot", "autonomous vehicle", "deepfake", "bias", "privacy"]
# Free text, filters, facets and a lab viewer's access filter.
MIX = [*PLAIN, "severity:high", "country:US chatbot", "type:incident deepfake", "tlp:CLEAR"]
COORDINATOR = Viewer(
    person_id="b", organization_id="s", member=True, roles=frozenset({"coordinator"})
)
LAB = Viewer(person_id="l", organization_id="o", member=True, roles=frozenset({"reporter"}))


def corpus() -> list[dict]:
    """The real datasets' reports as intake would accept them from a lab's bulk upload."""
    reports = []
    for dataset in DATASETS:
        dry = DryRun()
        survey(DATASETS_DIR, dataset, accept_fn=dry)
        reports += dry.reports
    received = utcnow().isoformat()
    return [
        {
            **report,
            "id": new_id(),
            "received_at": received,
            "channel": "bulk",
            "organization_id": LAB.organization_id,
            "submitted_by": LAB.person_id,
            "verified": True,
            "recipients": [LAB.person_id],
            "publish_organization": False,
        }
        for report in reports
    ]


def accepted(reports: list[dict]) -> list[bytes]:
    """``reports`` as the reports topic holds them."""
    return [
        encode(
            Envelope(type="report.accepted", key=r["id"], producer="intake", payload={"report": r})
        )
        for r in reports
    ]


def ingest(store: IncidentStore, bus_path: Path, backlog: list[bytes]) -> float:
    """Reports/s of the registry's report handler taking ``backlog`` into ``store`` (which
    it closes) in batches of ``BATCH``, publishing to an embedded bus at ``bus_path``."""
    store.ensure()
    bus = EmbeddedBus(bus_path)
    bus.create_topics({"registry-events": 6})
    producer = bus.producer()
    handler = ReportProjection(
        store,
        producer,
        events_topic="registry-events",
        registry_url="http://127.0.0.1:8002",
        journal=Journal.in_memory(),
    )
    started = time.perf_counter()
    for start in range(0, len(backlog), BATCH):
        handler([decode(raw) for raw in backlog[start : start + BATCH]])
    seconds = time.perf_counter() - started
    producer.close()
    bus.close()
    store.close()
    return len(backlog) / seconds


def ingest_rounds(raw: Callable[[int], float], registry: Callable[[int], float]) -> dict:
    """Reports/s of the raw insert and of the registry's handler, measured alternately
    ``INGEST_ROUNDS`` times (each given the round's number), as their medians, every
    round, and the ratio."""
    raw_rates, registry_rates = [], []
    for n in range(INGEST_ROUNDS):
        raw_rates.append(raw(n))
        registry_rates.append(registry(n))
    raw_rate, registry_rate = statistics.median(raw_rates), statistics.median(registry_rates)
    return {
        "raw_docs_per_s": raw_rate,
        "registry_docs_per_s": registry_rate,
        "rounds": {"raw": raw_rates, "registry": registry_rates},
        "ratio": registry_rate / raw_rate,
    }


def _ingest(tmp: Path, backlog: list[bytes], name: str) -> float:
    return ingest(EmbeddedStore(tmp / f"{name}.sqlite3"), tmp / f"{name}-bus.sqlite3", backlog)


def raw_insert(tmp: Path, reports: list[dict], name: str = "raw") -> float:
    """Reports/s of a raw batched insert of ``reports`` into the store's schema."""
    store = EmbeddedStore(tmp / f"{name}.sqlite3")
    store.ensure()
    conn = store._conn()
    started = time.perf_counter()
    for start in range(0, len(reports), BATCH):
        conn.execute("BEGIN")
        for report in reports[start : start + BATCH]:
            rowid = conn.execute(
                "INSERT INTO incidents (id, doc) VALUES (?, ?)",
                # The store's own encoder: the floor is not slowed by a slower one.
                (report["id"], msgspec.json.encode(report).decode()),
            ).lastrowid
            conn.execute(
                "INSERT INTO incident_fields (rowid, id, received, occurred_sort, severity_rank,"
                f" facets, {_KEYWORD_COLUMNS})"
                f" VALUES (?, ?, 0, 0, 0, 0{', ?' * len(KEYWORD_FIELDS)})",
                (rowid, report["id"], *[""] * len(KEYWORD_FIELDS)),
            )
            conn.execute(
                "INSERT INTO incident_words (rowid, title, description) VALUES (?, ?, ?)",
                (rowid, report["title"], report.get("description") or ""),
            )
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    store.close()
    return len(reports) / seconds


def _timed(fn, queries: list[str]) -> dict[str, tuple[float, float]]:
    """p50/p95 in ms of wall-clock time and of the querying thread's CPU time (which the
    other processes of a shared machine do not inflate)."""
    fn(queries[0])  # warm the page cache
    wall, cpu = [], []
    for _ in range(SEARCH_ROUNDS):
        for q in queries:
            started, started_cpu = time.perf_counter(), time.thread_time()
            fn(q)
            cpu.append(time.thread_time() - started_cpu)
            wall.append(time.perf_counter() - started)
    return {"wall": p50_p95_ms(wall), "cpu": p50_p95_ms(cpu)}


def _search(tmp: Path, reports: list[dict]) -> dict:
    store = EmbeddedStore(tmp / "search.sqlite3")
    store.ensure()
    incidents = [registered(r) for r in reports]
    for n in range(0, SEARCH_INCIDENTS, BATCH):
        store.upsert(
            [{**incidents[(n + i) % len(incidents)], "id": new_id()} for i in range(BATCH)]
        )
    conn = store._conn()

    def raw(q: str) -> None:
        expression = " AND ".join(f"({match_expression(t)})" for t in positive_text(parse(q)))
        conn.execute(
            "SELECT rowid FROM incident_words WHERE incident_words MATCH ?"
            " ORDER BY bm25(incident_words, 10.0, 1.0, 10.0, 1.0, 0.0) LIMIT 20",
            (expression,),
        ).fetchall()

    results = {
        "incidents": SEARCH_INCIDENTS,
        "load_average": os.getloadavg()[0],
        "raw_plain": _timed(raw, PLAIN),
        "store_plain": _timed(lambda q: store.search(parse(q), viewer=COORDINATOR), PLAIN),
        "store_mix": _timed(lambda q: store.search(parse(q), viewer=LAB, facets=True), MIX),
    }
    store.close()
    return results


def run() -> tuple[str, dict]:
    reports = corpus()
    backlog = accepted(reports)
    with tempfile.TemporaryDirectory() as tmp:
        load_average = os.getloadavg()[0]
        rates = ingest_rounds(  # each round into new files
            lambda n: raw_insert(Path(tmp), reports, f"raw-{n}"),
            lambda n: _ingest(Path(tmp), backlog, f"registry-{n}"),
        )
        raw_rate, ingest_rate = rates["raw_docs_per_s"], rates["registry_docs_per_s"]
        profile = cProfile.Profile()
        profile.enable()
        profiled = len(backlog) / _ingest(Path(tmp), backlog, "profiled")
        profile.disable()
        search = _search(Path(tmp), reports)
    raw50, raw95 = search["raw_plain"]["wall"]
    plain50, plain95 = search["store_plain"]["wall"]
    mix50, mix95 = search["store_mix"]["wall"]
    cpu_raw50, cpu_raw95 = search["raw_plain"]["cpu"]
    cpu_plain50, cpu_plain95 = search["store_plain"]["cpu"]
    cpu_mix50, cpu_mix95 = search["store_mix"]["cpu"]
    results = {
        "ingest": {"reports": len(reports), **rates, "load_average": load_average},
        "search": search
        | {
            "plain_p95_ratio": plain95 / raw95,
            "mix_p95_ratio": mix95 / raw95,
            "plain_p95_cpu_ratio": cpu_plain95 / cpu_raw95,
            "mix_p95_cpu_ratio": cpu_mix95 / cpu_raw95,
        },
    }
    text = (
        "## Registry ingest and search next to raw SQLite (embedded store)\n\n"
        f"Ingest: a backlog of {len(reports):,} real reports (the three datasets, as intake"
        f" accepts them) decoded and handled by the registry's report handler in batches of"
        f" {BATCH} (creating the incidents, publishing `incident.registered`); the floor is"
        " a raw batched insert of the same documents into the same schema; medians of"
        f" {INGEST_ROUNDS} rounds of each, alternately, each into new files. Search: the"
        f" corpus repeated to {SEARCH_INCIDENTS:,} incidents; the floor is the FTS5 bm25"
        f" top-20 of the same expression; {SEARCH_ROUNDS} rounds of each query."
        f" Plain: {', '.join(PLAIN)} (a coordinator). Mix: those and {', '.join(MIX[len(PLAIN) :])}"
        " with facets, as a lab's reporter (its access filter).\n\n"
        "| measure | floor | Accord | ratio |\n|---|---|---|---|\n"
        f"| registry ingest (load {load_average:.1f}) | {raw_rate:,.0f} docs/s |"
        f" {ingest_rate:,.0f} docs/s | {ingest_rate / raw_rate:.2f} |\n"
        f"| search, plain ranked, p50 / p95 (load {search['load_average']:.1f}) |"
        f" {raw50:.2f} / {raw95:.2f} ms | {plain50:.2f} / {plain95:.2f} ms |"
        f" {raw50 / plain50:.2f} / {raw95 / plain95:.2f} |\n"
        f"| search, the mix, p50 / p95 | {raw50:.2f} / {raw95:.2f} ms |"
        f" {mix50:.2f} / {mix95:.2f} ms | {raw50 / mix50:.2f} / {raw95 / mix95:.2f} |\n"
        f"| the same plain, CPU time of the querying thread | {cpu_raw50:.2f} /"
        f" {cpu_raw95:.2f} ms | {cpu_plain50:.2f} / {cpu_plain95:.2f} ms |"
        f" {cpu_raw50 / cpu_plain50:.2f} / {cpu_raw95 / cpu_plain95:.2f} |\n"
        f"| the same mix, CPU time | {cpu_raw50:.2f} / {cpu_raw95:.2f} ms |"
        f" {cpu_mix50:.2f} / {cpu_mix95:.2f} ms |"
        f" {cpu_raw50 / cpu_mix50:.2f} / {cpu_raw95 / cpu_mix95:.2f} |\n\n"
        "Goals: plain p95 within 1.5x of the floor's (a ratio of at least 0.67), the mix"
        " within 5x (at least 0.20). Wall-clock figures include waiting for a core on a"
        " shared machine; CPU time does not.\n\n"
        "Where the ingest's time goes: the same backlog again under cProfile"
        f" ({profiled / len(backlog) * 1000:.2f} ms per report with the profiler's overhead).\n\n"
        + table(profile, INGEST_PARTS, n=len(backlog), total=profiled, unit="report")
    )
    return text, results
