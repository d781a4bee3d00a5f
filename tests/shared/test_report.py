"""Schema 1.1 adds optional fields only: consumers take version 1 and 1.1 reports alike."""

from __future__ import annotations

import json

from shared.envelope import decode
from shared.report import AcceptedReportSchema
from shared.topics import CONTRACTS

V1_1_FIELDS = {
    "schema_version",
    "source",
    "causes",
    "critical_infrastructure",
    "severity_derivation",
    "suggestions",
}


def examples() -> list[dict]:
    return CONTRACTS["reports"].events["report.accepted"]["examples"]


def test_the_contract_has_golden_reports_of_both_versions():
    reports = [example["payload"]["report"] for example in examples()]
    versions = [report.get("schema_version", "1") for report in reports]

    assert "1" in versions and "1.1" in versions
    for report in reports:
        if "schema_version" not in report:
            assert not V1_1_FIELDS & set(report)
    assert set().union(*reports) >= V1_1_FIELDS


def test_both_versions_decode_as_a_consumer_decodes_them():
    for example in examples():
        envelope = decode(json.dumps(example).encode())
        assert AcceptedReportSchema().validate(envelope.payload["report"]) == {}


def test_a_derived_value_is_marked_in_provenance_in_the_golden_example():
    (imported,) = [e["payload"]["report"] for e in examples() if "source" in e["payload"]["report"]]
    bases = {d["field"]: d.get("basis") for d in imported["provenance"]["decisions"]}

    assert imported["source"] == {
        "format": "aiid",
        "id": "4",
        "url": "https://incidentdatabase.ai/cite/4",
    }
    assert bases["severity"] == "derived"
    assert bases["quantities/lives_lost"] == "source"
