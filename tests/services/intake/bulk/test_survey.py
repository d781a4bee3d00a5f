"""The survey command, on a small folder shaped like ../shared/datasets."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from services.intake.bulk import Accepted
from services.intake.bulk.survey import DATASETS, main, render, survey

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
    assert "AIID (aiid/incidents.csv + classifications_MIT.csv)" in text
    assert "  rejections (rows):\n         1  /occurred_at: " in text  # AIID incident 2, undated
    assert "('Global' 1)" in text  # AIAAIC's "Global" is flagged, quoted value by value
    assert "AVID (avid/reports.jsonl)" in text


def test_a_normalizer_that_raises_is_named_and_the_survey_goes_on(folder):
    def broken(raw, *, source_format, payload, idempotency_key):
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
