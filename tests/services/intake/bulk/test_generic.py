"""Generic uploads: CSV in the raw report shape, and JSON Lines."""

from __future__ import annotations

import io

import pytest

from services.intake.bulk import UploadError, read_rows
from shared.http import field_errors
from shared.normalize import Rejected, normalize


def read(text: str | bytes, source_format: str):
    data = text.encode() if isinstance(text, str) else text
    return list(read_rows(io.BytesIO(data), source_format=source_format))


def errors(row):
    return field_errors(row.error.messages)


DIGEST = "AB" * 32
CSV = (
    "title,description,event_type,severity,occurred_at,countries,reporting_organization,"
    "ai_system.name,ai_system.developer,contact.email,references,tlp,harm_domains,"
    "quantities.people_affected,quantities.financial_cost.amount,"
    "quantities.financial_cost.currency,evidence\n"
    'Eval escape,"Copied weights, then stopped.",incident,SEV2,2026-03-01,"GB; Korea, Republic of",'
    "UK AISI,Agent-7,Lab A,ops@example.org,https://a.example/1;https://a.example/2,AMBER,"
    f'"7. AI system safety, failures, and limitations",12,2500.5,EUR,{DIGEST}\n'
)


def test_a_csv_row_becomes_a_raw_report_with_lists_numbers_and_nested_objects():
    (row,) = read(CSV, "csv")

    assert row.number == 2
    assert row.error is None
    assert row.source_id is None
    assert row.raw == {
        "title": "Eval escape",
        "description": "Copied weights, then stopped.",
        "event_type": "incident",
        "severity": "SEV2",
        "occurred_at": "2026-03-01",
        # Term lists stay text: the normalizer splits them by its own rules.
        "countries": "GB; Korea, Republic of",
        "reporting_organization": "UK AISI",
        "ai_system": {"name": "Agent-7", "developer": "Lab A"},
        "contact": {"email": "ops@example.org"},
        "references": ["https://a.example/1", "https://a.example/2"],
        "tlp": "AMBER",
        "harm_domains": "7. AI system safety, failures, and limitations",
        "quantities": {
            "people_affected": 12,
            "financial_cost": {"amount": 2500.5, "currency": "EUR"},
        },
        "evidence": [{"sha256": DIGEST}],
    }


def test_a_csv_row_is_a_report_the_normalizer_accepts():
    (row,) = read(CSV, "csv")

    report = normalize(row.raw, channel="bulk", source_format="csv", payload=row.payload)

    assert report["countries"] == ["GB", "KR"]
    assert report["harm_domains"] == ["7"]
    assert report["quantities"]["people_affected"] == 12


def test_a_number_that_is_no_number_is_left_for_the_normalizer_to_refuse():
    (row,) = read("title,quantities.injuries\nA,many\n", "csv")

    assert row.raw == {"title": "A", "quantities": {"injuries": "many"}}
    with pytest.raises(Rejected) as rejected:
        normalize(row.raw, channel="bulk", source_format="csv", payload=row.payload)
    assert "/quantities/injuries" in {e["pointer"] for e in field_errors(rejected.value.messages)}


def test_blank_cells_are_absent_fields_and_blank_lines_are_no_rows():
    rows = read("title,severity,ai_system.name,countries\nA, ,,\n\nB,low,X,\n", "csv")

    assert [(row.number, row.raw) for row in rows] == [
        (2, {"title": "A"}),
        (4, {"title": "B", "severity": "low", "ai_system": {"name": "X"}}),
    ]


def test_an_unknown_column_is_an_error_of_the_rows_that_fill_it_only():
    rows = read("title,titel,ai_system.nme,title.x\nA,,,\nB,oops,,\nC,,X,\nD,,,y\n", "csv")

    assert rows[0].raw == {"title": "A"}
    assert errors(rows[1]) == [
        {"pointer": "/titel", "detail": "Unknown column: titel is not a field of the report."}
    ]
    assert errors(rows[2]) == [
        {
            "pointer": "/ai_system/nme",
            "detail": "Unknown column: ai_system.nme is not a field of the report.",
        }
    ]
    assert errors(rows[3]) == [
        {"pointer": "/title/x", "detail": "Unknown column: title has no members."}
    ]


def test_an_object_column_without_a_member_is_explained():
    (row,) = read("title,ai_system\nA,GPT\n", "csv")

    assert errors(row) == [
        {
            "pointer": "/ai_system",
            "detail": "ai_system is an object: give its members, e.g. ai_system.name.",
        }
    ]


def test_a_row_with_more_cells_than_the_header_is_that_rows_error():
    rows = read('title,description\nA,a\nB,b,"extra"\nC,c\n', "csv")

    assert [row.raw for row in rows] == [
        {"title": "A", "description": "a"},
        None,
        {"title": "C", "description": "c"},
    ]
    assert errors(rows[1]) == [
        {"pointer": "", "detail": "The row has 3 cells but the header names 2 columns."}
    ]


def test_a_cell_may_span_lines_and_rows_keep_their_record_numbers():
    rows = read('title,description\nA,"line one\nline two"\nB,b\n', "csv")

    assert [(row.number, row.raw["description"]) for row in rows] == [
        (2, "line one\nline two"),
        (3, "b"),
    ]


def test_a_byte_order_mark_is_not_part_of_the_first_column():
    (row,) = read("\ufefftitle\nA\n".encode(), "csv")

    assert row.raw == {"title": "A"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no header"),
        (b"\n\n", "no header"),
        (b"title,title\nA,B\n", "names a column twice: title"),
        (b"title\n\xff\xfe\n", "not UTF-8"),
    ],
)
def test_a_csv_that_cannot_be_read_as_a_whole_is_an_upload_error(data, message):
    with pytest.raises(UploadError, match=message):
        read(data, "csv")


def test_jsonl_reads_one_object_a_line_and_a_bad_line_is_that_lines_error():
    data = (
        b'{"title": "A", "countries": "GB; FR"}\n'
        b'{"title": "B",\n'
        b"\n"
        b"[1, 2]\n"
        b'{"title": "\xff"}\n'
        b'  {"title": "C"}  \r\n'
    )
    rows = read(data, "jsonl")

    assert [row.number for row in rows] == [1, 2, 4, 5, 6]
    assert rows[0].raw == {"title": "A", "countries": "GB; FR"}
    assert rows[0].payload == b'{"title": "A", "countries": "GB; FR"}'
    assert errors(rows[1])[0]["detail"].startswith("The line is not valid JSON")
    assert errors(rows[2]) == [{"pointer": "", "detail": "A line holds one JSON object."}]
    assert errors(rows[3])[0]["detail"].startswith("The line is not UTF-8")
    assert rows[4].raw == {"title": "C"}


def test_jsonl_survives_a_line_nested_too_deeply_for_the_parser():
    (row,) = read(b"[" * 100_000 + b"]" * 100_000, "jsonl")

    assert errors(row)[0]["pointer"] == ""
