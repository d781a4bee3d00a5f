"""Bulk import through the real ``accept`` and outbox: how the HTTP endpoint will wire it."""

from __future__ import annotations

import functools
import io

from services.intake.bulk import import_rows, read_rows
from services.intake.bulk.formats import REQUIRED
from services.intake.reports import accept
from shared.access import REPORTER, Viewer
from shared.envelope import decode

LAB = Viewer(
    person_id="01JD00000000000000000000B1",
    organization_id="01JD00000000000000000000A1",
    member=True,
    roles=frozenset({REPORTER}),
)

HEADER = (
    "Incidents,,,,,,,,,,,,,,,,,,,\n"
    "AIAAIC ID#,Headline,Occurred,Country(ies),Sector(s),Deployer(s),Developer(s),"
    "System name(s),Technology(ies),Purpose(s),News trigger(s),Issue(s),External harms,,,"
    "Internal impacts,,,,Summary/links\n"
    ",,,,,,,,,,,,Individual,Societal,Environmental,Strategic/reputational,Operational,"
    "Financial,Legal/regulatory,\n"
)
SHEET = HEADER + (
    "AIAAIC0001,Robot fails,2020,UK,,,,,,,,Safety,,,,,,,,\n"
    "AIAAIC0002,Undated bot,,USA,,,,,,,,,,,,,,,,\n"
    "AIAAIC0003,Chatbot misleads,2021,France,,,,,,,,,,,,,,,,\n"
)


def import_sheet(outbox, sheet: str):
    rows = read_rows(io.BytesIO(sheet.encode()), source_format="aiaaic")
    intake = functools.partial(
        accept,
        channel="bulk",
        viewer=LAB,
        is_person=lambda _: True,
        outbox=outbox,
        require=REQUIRED["aiaaic"],
    )
    return import_rows(rows, source_format="aiaaic", accept_fn=intake)


def test_accepted_rows_reach_the_outbox_and_a_rejected_row_does_not(outbox):
    results = import_sheet(outbox, SHEET)

    assert ["id" in result for result in results] == [True, False, True]
    assert results[1]["errors"][0]["pointer"] == "/occurred_at"
    stored = [decode(envelope).payload["report"] for _, envelope in outbox.unpublished(10)]
    assert [report["id"] for report in stored] == [results[0]["id"], results[2]["id"]]
    assert stored[0]["countries"] == ["GB"]
    assert stored[0]["provenance"]["source_format"] == "aiaaic"


def test_importing_the_same_sheet_again_accepts_nothing_twice(outbox):
    first = import_sheet(outbox, SHEET)
    again = import_sheet(outbox, SHEET)

    assert [result.get("id") for result in again] == [result.get("id") for result in first]
    assert len(outbox.unpublished(10)) == 2


def test_a_changed_row_under_a_known_source_id_is_that_rows_error(outbox):
    import_sheet(outbox, SHEET)

    results = import_sheet(outbox, SHEET.replace("Robot fails", "Robot fails badly"))

    assert results[0]["errors"] == [
        {
            "pointer": "",
            "detail": "The source id aiaaic:AIAAIC0001 was imported before with other content; "
            "the report it made stays as it was.",
        }
    ]
    assert "id" in results[2]
