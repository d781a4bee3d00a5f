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
    load_average = os.getloadavg()[0]
    decode_floor = _per_item(lambda raw: Envelope(**json.loads(raw)), raws)
    decode_compiled = _per_item(decode, raws)
    decode_marshmallow = _per_item(lambda raw: _marshmallow(json.loads(raw)), raws)
    encode_floor = _per_item(_dumps, dicts)
    encode_compiled = _per_item(encode, envelopes)
    encode_marshmallow = _per_item(lambda data: (_marshmallow(data), _dumps(data)), dicts)

    def row(name: str, floor: float, compiled: float, marshmallow: float) -> str:
        return (
            f"| {name} | {floor * 1000:.3f} ms | {compiled * 1000:.3f} ms |"
            f" {floor / compiled:.2f} | {marshmallow * 1000:.3f} ms |"
            f" {marshmallow / compiled:.1f}x |\n"
        )

    return (
        "## The event codec's cost per report\n\n"
        f"{len(reports):,} of the real datasets' reports as `report.accepted` envelopes"
        f" (load average {load_average:.1f}). Floor: JSON alone, no validation. Accord: the"
        " codec, validating with the msgspec types generated from the marshmallow schemas"
        " plus the checks they cannot state (`shared/compiled_schema.py`). Before: the"
        " same JSON, validated by walking the marshmallow schemas.\n\n"
        "| per report | floor (JSON only) | Accord (compiled) | ratio | marshmallow |"
        " compiled speed-up |\n|---|---|---|---|---|---|\n"
        + row("decode", decode_floor, decode_compiled, decode_marshmallow)
        + row("encode", encode_floor, encode_compiled, encode_marshmallow)
    )
