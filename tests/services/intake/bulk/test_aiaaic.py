"""The AIAAIC Repository adapter, on hand-written rows shaped like its sheet export."""

from __future__ import annotations

import io

import pytest

from services.intake.bulk import UploadError, read_rows
from services.intake.bulk.aiaaic import aiaaic_report
from services.intake.bulk.formats import REQUIRED
from shared.http import field_errors
from shared.normalize import normalize
from shared.normalize.source import SourceRecord

HEADER = (
    "Incidents [ REPORT INCIDENT ],,,,,,,,,,,,,,,,,,,\n"
    "AIAAIC ID#,Headline,Occurred,Country(ies),Sector(s),Deployer(s),Developer(s),"
    "System name(s),Technology(ies),Purpose(s),News trigger(s),Issue(s),External harms,,,"
    "Internal impacts,,,,Summary/links\n"
    ",,,,,,,,,,,,Individual,Societal ,Environmental,Strategic/reputational,Operational,"
    "Financial,Legal/regulatory,\n"
)
STALKER = (
    "AIAAIC2151,ChatGPT encourages violent stalker,2025,USA,Health,Brett Michael Dadig,OpenAI,"
    "ChatGPT,Generative AI,Provide companionship,Legal threat/action,"
    "Accountability; Safety,,Anxiety/distress; Harassment,,Reputational damage,,,Litigation,"
    "https://www.aiaaic.org/aiaaic-repository/x\n"
)


def read(*lines: str):
    return list(read_rows(io.BytesIO((HEADER + "".join(lines)).encode()), source_format="aiaaic"))


def test_an_incident_becomes_a_public_incident_report():
    (row,) = read(STALKER)

    assert (row.number, row.source_id) == (4, "aiaaic:AIAAIC2151")
    assert row.raw == {
        "title": "ChatGPT encourages violent stalker",
        "description": "ChatGPT encourages violent stalker. Issues: Accountability; Safety. "
        "Harms: Anxiety/distress; Harassment.",
        "language": "en",
        "event_type": "incident",
        "occurred_at": "2025",
        "countries": ["USA"],
        "reporting_organization": "AIAAIC",
        "ai_system": {"name": "ChatGPT", "deployer": "Brett Michael Dadig", "developer": "OpenAI"},
        "harm_subdomains": ["Accountability", "Safety"],
        "harm_types": ["Anxiety/distress", "Harassment"],
        "references": ["https://www.aiaaic.org/aiaaic-repository/x"],
        "tlp": "CLEAR",
    }


def test_the_normalizer_maps_issues_and_harms_through_the_aiaaic_crosswalks():
    (row,) = read(STALKER)

    report = normalize(
        row.raw,
        channel="bulk",
        source_format="aiaaic",
        payload=row.payload,
        require=REQUIRED["aiaaic"],
    )

    assert report["harm_subdomains"] == ["6.5"]  # Accountability
    assert report["harm_domains"] == ["6"]
    assert report["harm_types"] == ["psychological"]  # Anxiety/distress; Harassment
    rules = {d["field"]: d["rule"] for d in report["provenance"]["decisions"]}
    assert "crosswalk aiaaic-issues" in rules["harm_subdomains/0"]
    assert "crosswalk aiaaic-harms" in rules["harm_types/0"]
    assert rules["harm_types/1"].endswith("; a duplicate, listed once")
    (safety,) = [f for f in report["provenance"]["flags"] if f["field"] == "harm_subdomains/1"]
    assert safety["value"] == "Safety"
    assert "left unmapped by crosswalk aiaaic-issues" in safety["reason"]


def record(**cells: str) -> dict[str, str]:
    return {"AIAAIC ID#": "AIAAIC0001", "Headline": "Robot fails", "Occurred": "2020", **cells}


@pytest.mark.parametrize(
    ("occurred", "expected"), [("2023-2024", "2023"), ("2023-", "2023"), ("2019", "2019")]
)
def test_a_span_of_years_occurred_in_its_first_year(occurred, expected):
    _, raw = aiaaic_report(record(Occurred=occurred))

    assert raw["occurred_at"] == expected


def test_countries_split_on_semicolons_and_commas_and_a_region_names_its_country():
    cell = "UK - Scotland; Ireland, UAE - Abu Dhabi; Korea, Republic of;"

    _, raw = aiaaic_report(record(**{"Country(ies)": cell}))

    assert raw["countries"] == ["UK", "Ireland", "UAE", "Korea, Republic of"]


def test_issues_go_to_subdomains_and_external_harms_to_harm_types_listed_once():
    _, raw = aiaaic_report(
        record(
            **{
                "Issue(s)": "Privacy/surveillance; Transparency",
                "External harms: Individual": "Privacy loss; Financial loss",
                "External harms: Societal": "Financial loss; Institutional trust loss",
                "External harms: Environmental": "Excessive energy consumption",
                "Internal impacts: Legal/regulatory": "Litigation",
            }
        )
    )

    assert raw["harm_subdomains"] == ["Privacy/surveillance", "Transparency"]
    assert raw["harm_types"] == [
        "Privacy loss",
        "Financial loss",
        "Institutional trust loss",
        "Excessive energy consumption",
    ]


def test_a_headline_without_issues_or_harms_is_its_own_description():
    _, raw = aiaaic_report(record())

    assert raw["description"] == "Robot fails"


def test_blank_headline_and_date_are_left_absent_for_the_normalizer_to_reject():
    rows = read("AIAAIC0184,,,,,,,,,,,,,,,,,,,\n", "AIAAIC2064,Bot misleads,,USA,,,,,,,,,,,,,,,,\n")

    assert rows[0].source_id == "aiaaic:AIAAIC0184"
    assert rows[0].raw == {
        "language": "en",
        "event_type": "incident",
        "reporting_organization": "AIAAIC",
        "tlp": "CLEAR",
    }
    assert "occurred_at" not in rows[1].raw
    assert rows[1].raw["title"] == "Bot misleads"


def test_a_blank_row_is_that_rows_error_and_a_repeated_id_is_read_as_given():
    rows = read(STALKER, ",,,,,,,,,,,,,,,,,,,\n", STALKER.replace(",2025,", ",,"))

    assert [row.number for row in rows] == [4, 5, 6]
    assert field_errors(rows[1].error.messages) == [{"pointer": "", "detail": "The row is empty."}]
    # The importer, not the reader, refuses the second row with the same id.
    assert rows[0].source_id == rows[2].source_id == "aiaaic:AIAAIC2151"


def test_a_row_without_an_id_gets_an_id_from_its_content():
    (row,) = read(",Bot misleads,2020,USA,,,,,,,,,,,,,,,,\n")

    assert row.source_id.startswith("aiaaic:sha256-")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"AIAAIC ID#,Headline\nAIAAIC0001,A\n",  # one header row, not three
        HEADER.replace("Summary/links", "Links").encode(),
    ],
)
def test_a_file_that_is_not_an_aiaaic_export_is_an_upload_error(data):
    with pytest.raises(UploadError):
        list(read_rows(io.BytesIO(data), source_format="aiaaic"))


def test_the_source_record_names_the_aiaaic_id_and_its_page_there():
    (row,) = read(STALKER)
    (elsewhere,) = read(
        STALKER.replace("https://www.aiaaic.org/aiaaic-repository/x", "https://news.example/a")
    )

    assert row.source == SourceRecord(
        "aiaaic", "AIAAIC2151", "https://www.aiaaic.org/aiaaic-repository/x"
    )
    assert elsewhere.source == SourceRecord("aiaaic", "AIAAIC2151")


def test_the_loss_of_life_the_sheet_lists_derives_a_critical_severity():
    (row,) = read(STALKER.replace("Anxiety/distress; Harassment", "Loss of life"))

    report = normalize(
        row.raw,
        channel="bulk",
        source_format="aiaaic",
        payload=row.payload,
        require=REQUIRED["aiaaic"],
        source=row.source,
    )

    assert report["severity"] == "critical"
    assert report["severity_derivation"] == {
        "rule": "loss-of-life-harm",
        "reason": "the source lists the harm 'Loss of life'",
    }
