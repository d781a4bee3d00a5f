"""The AI Vulnerability Database adapter, on hand-written reports shaped like reports.jsonl."""

from __future__ import annotations

import io
import json

from services.intake.bulk import read_rows
from services.intake.bulk.avid import avid_report
from shared.http import field_errors

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
            "harm_types": ["Ethics"],
            "references": ["https://github.com/MilaNLProc/honest"],
            "tlp": "CLEAR",
        },
    )


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
