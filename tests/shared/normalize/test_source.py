"""A public dataset's record: the report's ``source``, and a decision naming the file,
namespace and row for every value joined from the dataset's classification files."""

from __future__ import annotations

import json

from shared.normalize import normalize
from shared.normalize.source import SourceRecord
from shared.report import ReportV1Schema

MIT = "classifications_MIT.csv row 5 (namespace MIT, column Risk Subdomain)"
CSET = "classifications_CSETv1.csv row 14 (namespace CSETv1, column Lives Lost)"


def run(raw, source):
    report = normalize(
        raw,
        channel="bulk",
        source_format=source.format,
        payload=json.dumps(raw).encode(),
        require=frozenset({"title", "description"}),
        source=source,
    )
    assert ReportV1Schema().validate(report) == {}
    return report


def test_the_source_record_names_the_dataset_its_id_and_page(raw_report):
    source = SourceRecord("aiid", "4", "https://incidentdatabase.ai/cite/4")

    report = run(raw_report(), source)

    assert report["source"] == {
        "format": "aiid",
        "id": "4",
        "url": "https://incidentdatabase.ai/cite/4",
    }
    assert report["schema_version"] == "1.1"


def test_a_record_without_an_id_says_only_where_it_came_from(raw_report):
    assert run(raw_report(), SourceRecord("aiaaic"))["source"] == {"format": "aiaaic"}


def test_each_classified_value_is_a_decision_naming_its_file_and_row(raw_report):
    raw = raw_report(
        harm_subdomains=["7.3. Lack of capability or robustness"], quantities={"lives_lost": 1}
    )
    source = SourceRecord(
        "aiid", "4", origins={"harm_subdomains": MIT, "quantities/lives_lost": CSET}
    )

    report = run(raw, source)

    cited = {d["field"]: d for d in report["provenance"]["decisions"] if d.get("basis") == "source"}
    assert cited == {
        "harm_subdomains": {
            "field": "harm_subdomains",
            "original": ["7.3. Lack of capability or robustness"],
            "normalized": ["7.3"],
            "rule": f"from {MIT}",
            "basis": "source",
        },
        "quantities/lives_lost": {
            "field": "quantities/lives_lost",
            "original": 1,
            "normalized": 1,
            "rule": f"from {CSET}",
            "basis": "source",
        },
    }


def test_a_classified_value_the_normalizer_kept_aside_has_its_flag_not_a_citation(raw_report):
    source = SourceRecord("aiid", "4", origins={"harm_subdomains": MIT})

    report = run(raw_report(harm_subdomains=["9.9. Nothing"]), source)

    assert report.get("harm_subdomains", []) == []
    assert all(d.get("basis") != "source" for d in report["provenance"]["decisions"])
    assert any(f["field"] == "harm_subdomains/0" for f in report["provenance"]["flags"])


def test_the_causal_taxonomy_maps_onto_its_three_vocabularies(raw_report):
    raw = raw_report(causes={"entity": "Human", "intent": "Intentional", "timing": "Other"})

    report = run(raw, SourceRecord("aiid"))

    assert report["causes"] == {"entity": "human", "intent": "intentional", "timing": "other"}


def test_an_unknown_cause_is_flagged_and_the_others_kept(raw_report):
    raw = raw_report(causes={"entity": "Aliens", "timing": "Pre-deployment"})

    report = run(raw, SourceRecord("aiid"))

    assert report["causes"] == {"timing": "pre_deployment"}
    (flag,) = [f for f in report["provenance"]["flags"] if f["field"] == "causes/entity"]
    assert flag["value"] == "Aliens"
    assert flag["reason"].startswith("Unknown causal entity 'Aliens'")


def test_critical_infrastructure_is_kept_as_a_boolean(raw_report):
    assert (
        run(raw_report(critical_infrastructure="yes"), SourceRecord("aiid"))[
            "critical_infrastructure"
        ]
        is True
    )
