"""The event codec's cost per report: decode and encode of ``report.accepted`` with the
validators compiled from the marshmallow schemas, next to JSON alone (the floor) and to
walking the marshmallow schemas themselves (what the codec did before), on the real
datasets' reports."""

from __future__ import annotations

import json
import os
import time

from bench.store_floor import corpus
from shared.envelope import Envelope, _EnvelopeSchema, decode, encode
from shared.events import PAYLOAD_SCHEMAS

SAMPLE = 1000  # every n-th report of the corpus, so each dataset is in it
ROUNDS = 5  # interleaved, the best of each kept: the machine is shared
WAYS = ("floor", "compiled", "marshmallow")
ENVELOPE = _EnvelopeSchema()


def _marshmallow(data: dict) -> None:
    assert not ENVELOPE.validate(data)
    assert not PAYLOAD_SCHEMAS[data["type"], data["schema_version"]].validate(data["payload"])


def _per_item(fn, items: list) -> float:
    started = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - started) / len(items)


def _dumps(data: dict) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def run() -> str:
    reports = corpus()
    reports = reports[:: max(1, len(reports) // SAMPLE)]
    envelopes = [
        Envelope(type="report.accepted", key=r["id"], producer="intake", payload={"report": r})
        for r in reports
    ]
    raws = [encode(e) for e in envelopes]
    dicts = [json.loads(raw) for raw in raws]
    measures = {  # the floor, the codec, and walking the marshmallow schemas, each way
        ("decode", "floor"): (lambda raw: Envelope(**json.loads(raw)), raws),
        ("decode", "compiled"): (decode, raws),
        ("decode", "marshmallow"): (lambda raw: _marshmallow(json.loads(raw)), raws),
        ("encode", "floor"): (_dumps, dicts),
        ("encode", "compiled"): (encode, envelopes),
        ("encode", "marshmallow"): (lambda data: (_marshmallow(data), _dumps(data)), dicts),
    }
    load_average = os.getloadavg()[0]
    rounds = [
        {name: _per_item(*measure) for name, measure in measures.items()} for _ in range(ROUNDS)
    ]
    best = {name: min(r[name] for r in rounds) for name in measures}

    def row(name: str, floor: float, compiled: float, marshmallow: float) -> str:
        return (
            f"| {name} | {floor * 1000:.3f} ms | {compiled * 1000:.3f} ms |"
            f" {floor / compiled:.2f} | {marshmallow * 1000:.3f} ms |"
            f" {marshmallow / compiled:.1f}x |\n"
        )

    return (
        "## The event codec's cost per report\n\n"
        f"{len(reports):,} of the real datasets' reports as `report.accepted` envelopes"
        f" (load average {load_average:.1f}); the best of {ROUNDS} interleaved rounds."
        " Floor: JSON alone, no validation. Accord: the"
        " codec, validating with the msgspec types generated from the marshmallow schemas"
        " plus the checks they cannot state (`shared/compiled_schema.py`). Before: the"
        " same JSON, validated by walking the marshmallow schemas.\n\n"
        "| per report | floor (JSON only) | Accord (compiled) | ratio | marshmallow |"
        " compiled speed-up |\n|---|---|---|---|---|---|\n"
        + "".join(row(side, *(best[side, way] for way in WAYS)) for side in ("decode", "encode"))
    )
