"""The survey command, on a small folder shaped like ../shared/datasets."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from services.intake.bulk import Accepted
from services.intake.bulk.survey import DATASETS, field_counts, main, origin, render, survey

AIID = (
    "_id,incident_id,date,reports,Alleged deployer of AI system,Alleged developer of AI system,"
    "Alleged harmed or nearly harmed parties,description,title\n"
    'x,1,2015-05-19,[1],"[""youtube""]","[""youtube""]","[""children""]",Bad videos.,YouTube Kids\n'
    "x,2,,[2],[],[],[],No date.,Undated\n"
)
MIT = "Namespace,Incident ID,Published,Risk Domain,Risk Subdomain\n"
AIAAIC = (
    "Incidents,,,,,,,,,,,,,,,,,,,\n"
    "AIAAIC ID#,Headline,Occurred,Country(ies),Sector(s),Deployer(s),Developer(s),"
    "System name(s),Technology(ies),Purpose(s),News trigger(s),Issue(s),External harms,,,"
    "Internal impacts,,,,Summary/links\n"
    ",,,,,,,,,,,,Individual,Societal,Environmental,Strategic/reputational,Operational,"
    "Financial,Legal/regulatory,\n"
    "AIAAIC0001,Robot fails,2020,Global,,,,,,,,Safety,,,,,,,,\n"
)
AVID = {
    "metadata": {"report_id": "AVID-2022-R0001"},
    "problemtype": {"description": {"lang": "eng", "value": "Bias in completions"}},
    "description": {"lang": "eng", "value": "Completions were biased."},
    "reported_date": "2022-11-09",
}


@pytest.fixture
def folder(tmp_path):
    for path, text in {
        "aiid/incidents.csv": AIID,
        "aiid/classifications_MIT.csv": MIT,
        "aiaaic/incidents.csv": AIAAIC,
        "avid/reports.jsonl": json.dumps(AVID) + "\n",
    }.items():
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).write_text(text)
    return tmp_path


def test_the_survey_prints_counts_and_reasons_for_each_dataset(folder):
    lines = []

    assert main([str(folder)], out=lines.append) == 0

    text = "\n".join(lines)
    assert "AIID (aiid/incidents.csv + classifications_MIT.csv" in text
    assert "  rejections (rows):\n         1  /occurred_at: " in text  # AIID incident 2, undated
    assert "('Global' 1)" in text  # AIAAIC's "Global" is flagged, quoted value by value
    assert "AVID (avid/reports.jsonl)" in text


def test_a_normalizer_that_raises_is_named_and_the_survey_goes_on(folder):
    def broken(raw, *, source_format, payload, idempotency_key, source):
        if raw["title"] == "Undated":
            raise TypeError("boom")
        if raw["title"] == "Robot fails":
            raise ValidationError({"title": ["Bad."]})
        return Accepted("x", [])

    result = survey(folder, DATASETS[0], accept_fn=broken)

    assert result.crashes == ["aiid:2: TypeError: boom"]
    assert [("id" in r, r.get("errors")) for r in result.results] == [
        (True, None),
        (False, [{"pointer": "", "detail": "The normalizer raised TypeError."}]),
    ]
    assert "THE NORMALIZER RAISED on 1 rows" in render(result)


def test_a_folder_without_the_datasets_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main([str(tmp_path)])

    assert exited.value.code == 2
    assert "aiid/incidents.csv" in capsys.readouterr().err


def report(decisions=(), **fields):
    return {**fields, "provenance": {"decisions": list(decisions)}}


def test_a_fields_origin_is_the_source_a_rule_or_the_model():
    derived = {"field": "severity", "basis": "derived"}
    suggested = {"harm_domains": [{"id": "4", "confidence": 0.5}]}

    assert origin(report(severity="high"), "severity") == "source"
    assert origin(report([derived], severity="high"), "severity") == "derived"
    assert origin(report(suggestions=suggested), "harm_domains") == "suggested"
    assert origin(report(harm_domains=["7"], suggestions=suggested), "harm_domains") == "source"
    assert origin(report(quantities={"injuries": 0}), "quantities/injuries") == "source"
    assert origin(report(harm_types=[]), "harm_types") is None


def test_field_counts_count_each_report_once_a_field(folder):
    counts = field_counts(
        [
            report(severity="high"),
            report([{"field": "severity", "basis": "derived"}], severity="low"),
        ]
    )

    assert counts["severity"] == {"source": 1, "derived": 1}
    assert counts["harm_domains"] == {}


def test_the_survey_counts_the_vocabulary_fields_by_origin(folder):
    result = survey(folder, DATASETS[0])

    assert result.fields["event_type"] == {"source": 1}
    assert "event_type" in render(result)
