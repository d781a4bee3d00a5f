"""The AI Incident Database adapter, on hand-written rows shaped like incidents.csv."""

from __future__ import annotations

import io

import pytest
from marshmallow import ValidationError

from services.intake.bulk import UploadError
from services.intake.bulk.aiid import aiid_report, read_aiid
from services.intake.bulk.aiid_classifications import mit_row
from services.intake.bulk.formats import REQUIRED
from shared.http import field_errors
from shared.normalize import normalize

HEADER = (
    "_id,incident_id,date,reports,Alleged deployer of AI system,Alleged developer of AI system,"
    "Alleged harmed or nearly harmed parties,description,title\n"
)
MIT = (
    "Namespace,Incident ID,Published,Risk Domain,Risk Subdomain,Entity,Timing,Intent\n"
    'MIT,4,True,"7. AI system safety, failures, and limitations",'
    "7.3. Lack of capability or robustness,AI,Post-deployment,Unintentional\n"
    "MIT,5,False,2. Privacy & Security,2.1. Compromise of privacy,AI,Post-deployment,Other\n"
)


def record(**changes: str) -> dict[str, str]:
    row = {
        "incident_id": "4",
        "date": "2018-03-18",
        "Alleged deployer of AI system": '["uber"]',
        "Alleged developer of AI system": '["uber", "volvo"]',
        "Alleged harmed or nearly harmed parties": '["elaine-herzberg","pedestrians"]',
        "description": "An Uber autonomous vehicle struck and killed a pedestrian. ",
        "title": "Uber AV Killed Pedestrian in Arizona",
    }
    return {**row, **changes}


def test_an_incident_becomes_a_public_incident_report():
    label = mit_row(
        2,
        {
            "Namespace": "MIT",
            "Risk Domain": "7. AI system safety, failures, and limitations",
            "Risk Subdomain": "7.3. Lack of capability or robustness",
        },
    )

    assert aiid_report(record(), label) == (
        "aiid:4",
        {
            "title": "Uber AV Killed Pedestrian in Arizona",
            "description": "An Uber autonomous vehicle struck and killed a pedestrian.",
            "language": "en",
            "event_type": "incident",
            "occurred_at": "2018-03-18",
            "reporting_organization": "AI Incident Database",
            "ai_system": {"deployer": "uber", "developer": "uber; volvo"},
            "affected_parties": ["elaine-herzberg", "pedestrians"],
            "references": ["https://incidentdatabase.ai/cite/4"],
            "tlp": "CLEAR",
            "harm_domains": ["7. AI system safety, failures, and limitations"],
            "harm_subdomains": ["7.3. Lack of capability or robustness"],
        },
    )


def test_the_normalizer_maps_harmed_parties_through_the_aiid_crosswalk_and_flags_names():
    parties = '["elaine-herzberg", "pedestrians", "tesla-drivers", "uber-drivers", "minors"]'
    _, raw = aiid_report(record(**{"Alleged harmed or nearly harmed parties": parties}))

    report = normalize(
        raw, channel="bulk", source_format="aiid", payload=b"{}", require=REQUIRED["aiid"]
    )

    assert report["affected_parties"] == ["general_public", "users", "workers", "children"]
    rules = {d["field"]: d["rule"] for d in report["provenance"]["decisions"]}
    assert "crosswalk aiid-harmed-parties" in rules["affected_parties/1"]
    assert rules["affected_parties/4"] == "affected_parties: synonym (en)"
    (name,) = [f for f in report["provenance"]["flags"] if f["field"] == "affected_parties/0"]
    assert name["value"] == "elaine-herzberg"
    assert name["reason"].startswith("Unknown affected party 'elaine-herzberg'")


def test_empty_lists_and_blank_cells_are_left_out_and_severity_stays_absent():
    source_id, raw = aiid_report(
        record(
            **{
                "Alleged deployer of AI system": "[]",
                "Alleged developer of AI system": "",
                "Alleged harmed or nearly harmed parties": '[" "]',
                "description": "",
            }
        )
    )

    assert source_id == "aiid:4"
    assert "ai_system" not in raw
    assert "affected_parties" not in raw
    assert "description" not in raw
    assert "severity" not in raw
    assert "harm_domains" not in raw


def test_a_malformed_slug_list_is_a_field_error():
    with pytest.raises(ValidationError) as raised:
        aiid_report(
            record(
                **{
                    "Alleged deployer of AI system": "uber",
                    "Alleged harmed or nearly harmed parties": '{"a": 1}',
                }
            )
        )

    assert [e["pointer"] for e in field_errors(raised.value.messages)] == [
        "/ai_system/deployer",
        "/affected_parties",
    ]


def test_the_file_joins_published_mit_labels_by_incident_id():
    incidents = HEADER + (
        'x,4,2018-03-18,[1],"[""uber""]","[""uber""]","[""pedestrians""]",Struck.,Uber AV\n'
        'x,5,2015-07-13,[2],"[]","[]",[],Malfunctions.,Robotic surgery\n'
        'x,6,2016-03-24,[3],"[""microsoft""]",not json,[],Tay.,TayBot\n'
    )
    mit = {"classifications_MIT": io.BytesIO(MIT.encode())}
    rows = list(read_aiid(io.BytesIO(incidents.encode()), classifications=mit))

    assert [(row.number, row.source_id) for row in rows] == [
        (2, "aiid:4"),
        (3, "aiid:5"),
        (4, "aiid:6"),
    ]
    assert rows[0].raw["harm_subdomains"] == ["7.3. Lack of capability or robustness"]
    assert "harm_subdomains" not in rows[1].raw  # the label of 5 is not published
    assert rows[2].raw is None
    assert field_errors(rows[2].error.messages)[0]["pointer"] == "/ai_system/developer"


def test_a_record_without_an_incident_id_gets_an_id_from_its_content():
    incidents = HEADER + ",,2018-03-18,[],[],[],[],Struck.,Uber AV\n"
    (first,) = read_aiid(io.BytesIO(incidents.encode()))
    (again,) = read_aiid(io.BytesIO(incidents.encode()))

    assert first.source_id.startswith("aiid:sha256-")
    assert first.source_id == again.source_id
    assert "references" not in first.raw


def test_a_file_without_the_aiid_columns_is_an_upload_error():
    with pytest.raises(UploadError, match="no column incident_id"):
        list(read_aiid(io.BytesIO(b"title,description\nA,B\n")))
