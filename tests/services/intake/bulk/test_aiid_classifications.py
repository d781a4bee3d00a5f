"""AIID's classification files joined to its incidents: what each row gives, and where from."""

from __future__ import annotations

import io

import pytest

from services.intake.bulk import UploadError
from services.intake.bulk.aiid import read_aiid
from services.intake.bulk.aiid_classifications import (
    HARM_LEVELS,
    cset_row,
    joined,
    mit_row,
    read_classifications,
)
from services.intake.bulk.formats import REQUIRED
from shared import vocab
from shared.normalize import normalize

INCIDENTS = (
    "_id,incident_id,date,reports,Alleged deployer of AI system,Alleged developer of AI system,"
    "Alleged harmed or nearly harmed parties,description,title\n"
    'x,4,2018-03-18,[1],"[""uber""]","[""uber""]","[""pedestrians""]",Struck.,Uber AV\n'
    "x,7,2016-03-24,[3],[],[],[],Tay.,TayBot\n"
    "x,9,2017-01-01,[4],[],[],[],Other.,Unclassified\n"
)
MIT = (
    "Namespace,Incident ID,Published,Risk Domain,Risk Subdomain,Entity,Timing,Intent\n"
    'MIT,4,True,"7. AI system safety, failures, and limitations",'
    "7.3. Lack of capability or robustness,AI,Post-deployment,Unintentional\n"
    "MIT,7,False,1. Discrimination and Toxicity,1.2. Exposure to toxic content,AI,,\n"
)
CSET = (
    "Namespace,Incident ID,Published,AI Harm Level,Lives Lost,Injuries,"
    "Impact on Critical Services\n"
    "CSETv1,7,True,AI tangible harm near-miss,0,,maybe\n"
    "CSETv1,4,True,AI tangible harm event,1,0,no\n"
)


def cset(**cells: str) -> dict[str, str]:
    return {"Namespace": "CSETv1", **cells}


def test_a_mit_row_gives_domain_subdomain_and_causes_each_with_its_column():
    label = mit_row(
        5,
        {
            "Namespace": "MIT",
            "Risk Domain": "2. Privacy & Security",
            "Risk Subdomain": "2.1. Compromise of privacy",
            "Entity": "Human",
            "Timing": "",
            "Intent": "Intentional",
        },
    )

    assert label.raw == {
        "harm_domains": ["2. Privacy & Security"],
        "harm_subdomains": ["2.1. Compromise of privacy"],
        "causes": {"entity": "Human", "intent": "Intentional"},
    }
    assert label.origins["causes/intent"] == (
        "classifications_MIT.csv row 5 (namespace MIT, column Intent)"
    )
    assert "causes/timing" not in label.origins


@pytest.mark.parametrize(
    ("cells", "raw"),
    [
        (
            {"Lives Lost": "2", "Injuries": "10", "AI Harm Level": "AI tangible harm event"},
            {
                "quantities": {"lives_lost": 2, "injuries": 10},
                "event_type": "AI tangible harm event",
            },
        ),
        ({"AI Harm Level": "none", "Lives Lost": "", "Injuries": "n/a"}, {}),
        (
            {"AI Harm Level": "unclear", "Impact on Critical Services": "yes"},
            {"critical_infrastructure": True},
        ),
        ({"Impact on Critical Services": "No"}, {"critical_infrastructure": False}),
        ({"Impact on Critical Services": "maybe"}, {}),
    ],
)
def test_a_cset_row_gives_only_what_it_says(cells, raw):
    assert cset_row(3, cset(**cells)).raw == raw


def test_unpublished_rows_are_left_out_and_files_join_by_incident_id():
    mit = read_classifications("classifications_MIT", io.BytesIO(MIT.encode()))
    csets = read_classifications("classifications_CSETv1", io.BytesIO(CSET.encode()))

    assert set(mit) == {"4"}
    both = joined([mit["4"], csets["4"]])
    assert both.raw["quantities"] == {"lives_lost": 1, "injuries": 0}
    assert both.raw["harm_subdomains"] == ["7.3. Lack of capability or robustness"]
    assert both.origins["quantities/lives_lost"].startswith("classifications_CSETv1.csv row 3 ")
    assert set(both.rows) == {"classifications_MIT.csv", "classifications_CSETv1.csv"}


def test_a_classification_file_without_its_key_columns_is_an_upload_error():
    with pytest.raises(UploadError, match="no column Published"):
        read_classifications("classifications_MIT", io.BytesIO(b"Namespace,Incident ID\nMIT,1\n"))


def read(**classifications: str):
    files = {name: io.BytesIO(text.encode()) for name, text in classifications.items()}
    return list(read_aiid(io.BytesIO(INCIDENTS.encode()), classifications=files))


def test_the_incidents_carry_what_both_files_say_and_where_it_came_from():
    first, second, third = read(classifications_MIT=MIT, classifications_CSETv1=CSET)

    assert first.raw["event_type"] == "AI tangible harm event"
    assert first.raw["causes"] == {
        "entity": "AI",
        "intent": "Unintentional",
        "timing": "Post-deployment",
    }
    assert first.source.id == "4" and first.source.url == "https://incidentdatabase.ai/cite/4"
    assert set(first.source.origins) == {
        "harm_domains",
        "harm_subdomains",
        "causes/entity",
        "causes/intent",
        "causes/timing",
        "quantities/lives_lost",
        "quantities/injuries",
        "event_type",
        "critical_infrastructure",
    }
    assert second.raw["event_type"] == "AI tangible harm near-miss"  # MIT's label unpublished
    assert "harm_domains" not in second.raw
    assert third.raw["event_type"] == "incident"
    assert third.source.origins == {}


def test_the_payload_covers_the_classification_rows():
    (alone, *_) = read()
    (classified, *_) = read(classifications_MIT=MIT)

    assert alone.source_id == classified.source_id == "aiid:4"
    assert alone.payload != classified.payload


def test_normalized_the_classifications_become_the_shared_vocabulary():
    first, second, _ = read(classifications_MIT=MIT, classifications_CSETv1=CSET)

    def run(row):
        return normalize(
            row.raw,
            channel="bulk",
            source_format="aiid",
            payload=row.payload,
            require=REQUIRED["aiid"],
            source=row.source,
        )

    report = run(first)
    assert (report["harm_domains"], report["harm_subdomains"]) == (["7"], ["7.3"])
    assert report["causes"] == {
        "entity": "ai",
        "intent": "unintentional",
        "timing": "post_deployment",
    }
    assert report["event_type"] == "incident"
    assert (report["severity"], report["severity_derivation"]["rule"]) == ("critical", "lives-lost")
    assert run(second)["event_type"] == "near_miss"


def test_the_harm_levels_passed_on_are_those_the_event_type_crosswalk_maps():
    (crosswalk,) = vocab.load("event_types").data["source_crosswalks"]

    assert {value for entry in crosswalk["entries"] for value in entry["from"]} == set(HARM_LEVELS)
