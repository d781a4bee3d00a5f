"""The AI Vulnerability Database adapter, on hand-written reports shaped like reports.jsonl."""

from __future__ import annotations

import io
import json

from services.intake.bulk import read_rows
from services.intake.bulk.avid import avid_report
from services.intake.bulk.formats import REQUIRED
from shared.http import field_errors
from shared.normalize import normalize
from shared.normalize.source import SourceRecord

REPORT = {
    "data_type": "AVID",
    "metadata": {"report_id": "AVID-2022-R0001"},
    "affects": {
        "developer": [],
        "deployer": ["HuggingFace"],
        "artifacts": [{"type": "Model", "name": "bert-base-uncased"}],
    },
    "problemtype": {
        "classof": "LLM Evaluation",
        "description": {"lang": "eng", "value": "\n    Gender Bias in Sentence Completion\n  "},
    },
    "references": [
        {"type": "source", "label": "HONEST", "url": "https://github.com/MilaNLProc/honest"},
        {"type": "model", "label": "no url"},
        {"type": "misc", "label": "relative", "url": "../img/R00031.png"},
        {"type": "misc", "label": "dataset id", "url": "heegyu/bbq"},
    ],
    "description": {"lang": "eng", "value": "Completions were biased."},
    "impact": {"avid": {"risk_domain": ["Ethics"], "sep_view": ["E0101: Group fairness"]}},
    "reported_date": "2022-11-09",
}


def test_a_report_becomes_a_public_issue():
    assert avid_report(REPORT) == (
        "avid:AVID-2022-R0001",
        {
            "title": "Gender Bias in Sentence Completion",
            "description": "Completions were biased.",
            "language": "eng",
            "event_type": "issue",
            "occurred_at": "2022-11-09",
            "reporting_organization": "AI Vulnerability Database",
            "ai_system": {"name": "bert-base-uncased", "deployer": "HuggingFace"},
            "harm_domains": ["Ethics"],
            "harm_subdomains": ["E0101: Group fairness"],
            "references": ["https://github.com/MilaNLProc/honest"],
            "tlp": "CLEAR",
        },
    )


def test_the_normalizer_maps_risk_domains_and_effect_codes_through_the_avid_crosswalks():
    impact = {
        "risk_domain": ["Security", "Performance"],
        "sep_view": ["S0403: Adversarial Example", "P0204: Accuracy"],
    }
    _, raw = avid_report({**REPORT, "impact": {"avid": impact}})

    report = normalize(
        raw, channel="bulk", source_format="avid", payload=b"{}", require=REQUIRED["avid"]
    )

    assert report["harm_domains"] == ["2", "7"]
    assert report["harm_subdomains"] == ["2.2", "7.3"]
    rules = {d["field"]: d["rule"] for d in report["provenance"]["decisions"]}
    assert "crosswalk avid-risk-domains" in rules["harm_domains/0"]
    assert "crosswalk avid-sep-view" in rules["harm_subdomains/1"]
    assert not [f for f in report["provenance"]["flags"] if f["field"].startswith("harm")]


def test_ethics_spans_several_mit_domains_and_is_flagged_while_its_codes_map():
    _, raw = avid_report(REPORT)

    report = normalize(
        raw, channel="bulk", source_format="avid", payload=b"{}", require=REQUIRED["avid"]
    )

    assert report["harm_subdomains"] == ["1.1"]
    assert report["harm_domains"] == ["1"]  # implied by 1.1
    (ethics,) = [f for f in report["provenance"]["flags"] if f["field"] == "harm_domains/0"]
    assert ethics["value"] == "Ethics"
    assert "left unmapped by crosswalk avid-risk-domains" in ethics["reason"]


def test_missing_and_null_parts_are_left_out():
    report = {
        "metadata": None,
        "affects": {"developer": ["a", None, " "], "artifacts": None},
        "problemtype": {"description": {"value": None}},
        "description": {"lang": "eng", "value": "Found a flaw."},
        "impact": {"cvss": {"baseSeverity": "HIGH"}},
        "references": [None, {"url": 7}],
    }

    assert avid_report(report) == (
        None,
        {
            "description": "Found a flaw.",
            "language": "eng",
            "event_type": "issue",
            "reporting_organization": "AI Vulnerability Database",
            "ai_system": {"developer": "a"},
            "tlp": "CLEAR",
        },
    )


def test_the_file_gives_reports_without_an_id_a_content_id_and_bad_lines_their_error():
    unnamed = json.dumps({**REPORT, "metadata": {"report_id": ""}})
    data = "\n".join([json.dumps(REPORT), unnamed, "{not json", unnamed]).encode()
    rows = list(read_rows(io.BytesIO(data), source_format="avid"))

    assert [row.number for row in rows] == [1, 2, 3, 4]
    assert rows[0].source_id == "avid:AVID-2022-R0001"
    assert rows[1].source_id.startswith("avid:sha256-")
    assert rows[1].source_id == rows[3].source_id
    assert field_errors(rows[2].error.messages)[0]["detail"].startswith("The line is not valid")


def test_long_lists_of_names_fit_the_field_and_repeats_are_listed_once():
    names = [f"TIBCO Runtime {n // 2}" for n in range(40)]
    report = {**REPORT, "affects": {"artifacts": [{"name": name} for name in names]}}

    name = avid_report(report)[1]["ai_system"]["name"]

    assert len(name) <= 200
    assert name.startswith("TIBCO Runtime 0; TIBCO Runtime 1; ")
    assert name.endswith(" more")


def test_the_source_record_names_the_avid_report_and_its_page():
    line = json.dumps(REPORT).encode() + b"\n" + json.dumps({**REPORT, "metadata": None}).encode()
    first, second = read_rows(io.BytesIO(line), source_format="avid")

    assert first.source == SourceRecord(
        "avid", "AVID-2022-R0001", "https://avidml.org/database/avid-2022-r0001/"
    )
    assert second.source == SourceRecord("avid")
