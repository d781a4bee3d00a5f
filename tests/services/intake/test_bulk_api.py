"""POST /v1/reports/bulk through the real app: one result per row, and what a re-upload does."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from shared.envelope import decode

PROBLEM = "application/problem+json"


def upload(client, source_format: str, body: bytes, content_type: str = "text/csv"):
    return client.post(
        f"/v1/reports/bulk?format={source_format}", data=body, content_type=content_type
    )


def stored_reports(outbox) -> list[dict]:
    return [decode(envelope).payload["report"] for _, envelope in outbox.unpublished(100)]


def jsonl(*lines: object) -> bytes:
    return b"\n".join(
        line if isinstance(line, bytes) else json.dumps(line).encode() for line in lines
    )


def datasets() -> Path:
    """``../shared/datasets`` beside the checkout (see tests/services/intake/bulk/conftest.py)."""
    root = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
    folder = root.parent / "shared" / "datasets"
    if not folder.is_dir():
        pytest.fail(f"The public datasets are missing: expected them in {folder}.")
    return folder


def test_jsonl_rows_are_each_accepted_or_rejected(client, outbox, valid_report):
    body = jsonl(valid_report(), valid_report(severity="purple", tlp=None), b'{"title": "cut')

    response = upload(client, "jsonl", body, "application/x-ndjson")

    assert response.status_code == 200
    result = response.get_json()
    assert result["summary"] == {"rows": 3, "accepted": 1, "flagged": 0, "rejected": 2}
    first, second, third = result["results"]
    assert first["row"] == 1
    assert first["source_id"] is None
    assert first["flags"] == []
    assert "errors" not in first
    assert {e["pointer"] for e in second["errors"]} == {"/severity", "/tlp"}
    assert all(e["detail"] for e in second["errors"])
    assert "id" not in second
    assert third["row"] == 3
    assert [e["pointer"] for e in third["errors"]] == [""]
    assert "not valid JSON" in third["errors"][0]["detail"]
    [report] = stored_reports(outbox)
    assert report["id"] == first["id"]
    assert report["channel"] == "bulk"
    assert report["verified"] is True
    assert report["organization_id"] is not None
    assert report["provenance"]["source_format"] == "jsonl"


def test_a_generic_upload_sent_again_files_its_rows_again(client, outbox, valid_report):
    # Generic rows carry no source id, so nothing tells a re-upload from new reports
    # (services/intake/bulk/rows.py: "generic uploads have none"); sources with ids dedupe.
    body = jsonl(valid_report(), valid_report(severity="purple"))

    first = upload(client, "jsonl", body).get_json()
    again = upload(client, "jsonl", body).get_json()

    summary = {"rows": 2, "accepted": 1, "flagged": 0, "rejected": 1}
    assert first["summary"] == again["summary"] == summary
    assert again["results"][0]["id"] != first["results"][0]["id"]
    assert [r["id"] for r in stored_reports(outbox)] == [
        first["results"][0]["id"],
        again["results"][0]["id"],
    ]


def test_a_csv_upload_maps_its_header_onto_the_report(client, outbox):
    body = (
        b"title,description,event_type,severity,occurred_at,countries,"
        b"reporting_organization,tlp,ai_system.name\n"
        b"Agent deleted a repo,It ran rm -rf on a mounted volume.,incident,high,"
        b"2026-02-01T10:00:00Z,GB; FR,UK AISI,AMBER,CodeAgent\n"
        b"No date,Something happened.,incident,low,,GB,UK AISI,GREEN,\n"
    )

    response = upload(client, "csv", body)

    assert response.status_code == 200
    result = response.get_json()
    assert result["summary"] == {"rows": 2, "accepted": 1, "flagged": 0, "rejected": 1}
    accepted, rejected = result["results"]
    assert (accepted["row"], rejected["row"]) == (2, 3)  # the header is row 1
    assert [e["pointer"] for e in rejected["errors"]] == ["/occurred_at"]
    [report] = stored_reports(outbox)
    assert report["id"] == accepted["id"]
    assert report["countries"] == ["GB", "FR"]
    assert report["ai_system"]["name"] == "CodeAgent"
    assert report["provenance"]["source_format"] == "csv"


@pytest.fixture(scope="module")
def aiid_sample() -> tuple[bytes, list[str]]:
    """The header and first three incidents of the real AIID ``incidents.csv``."""
    text = (datasets() / "aiid" / "incidents.csv").read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO(newline="")
    csv.writer(out).writerows(records[:4])
    ids = [record[records[0].index("incident_id")] for record in records[1:4]]
    return out.getvalue().encode(), [f"aiid:{incident_id}" for incident_id in ids]


def test_an_aiid_upload_is_accepted_with_flags(client, outbox, aiid_sample):
    body, source_ids = aiid_sample

    response = upload(client, "aiid", body)

    assert response.status_code == 200
    result = response.get_json()
    assert result["summary"] == {"rows": 3, "accepted": 3, "flagged": 3, "rejected": 0}
    assert [r["source_id"] for r in result["results"]] == source_ids
    assert [r["row"] for r in result["results"]] == [2, 3, 4]
    for row in result["results"]:
        # AIID rates no severity and names no country: flagged, not rejected.
        flagged = {flag["field"] for flag in row["flags"]}
        assert {"severity", "countries"} <= flagged
    reports = stored_reports(outbox)
    assert [r["id"] for r in reports] == [r["id"] for r in result["results"]]
    assert {r["reporting_organization"] for r in reports} == {"AI Incident Database"}
    assert {r["provenance"]["source_format"] for r in reports} == {"aiid"}


def test_an_aiid_upload_sent_again_returns_the_same_ids(client, outbox, aiid_sample):
    body, _ = aiid_sample

    first = upload(client, "aiid", body).get_json()
    again = upload(client, "aiid", body).get_json()

    assert again["summary"]["accepted"] == 3
    assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
    assert len(stored_reports(outbox)) == 3


@pytest.mark.parametrize("query", ["?format=xlsx", "?format=", "", "?format=CSV"])
def test_an_unknown_format_is_unprocessable_and_names_format(client, outbox, query):
    response = client.post(f"/v1/reports/bulk{query}", data=b"title\nx\n")

    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    errors = response.get_json()["errors"]
    assert [e["pointer"] for e in errors] == ["/format"]
    assert "csv, jsonl, aiid" in errors[0]["detail"]
    assert stored_reports(outbox) == []


@pytest.mark.parametrize("source_format", ["csv", "aiid", "aiaaic"])
def test_a_file_that_is_not_utf8_is_a_bad_request(client, outbox, source_format):
    response = upload(client, source_format, "title\nCafé\n".encode("latin-1"))

    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert "not UTF-8" in response.get_json()["detail"]
    assert stored_reports(outbox) == []


def test_a_bulk_upload_needs_a_key(app, outbox, valid_report):
    response = app.test_client().post("/v1/reports/bulk?format=jsonl", data=jsonl(valid_report()))

    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored_reports(outbox) == []


def test_a_bulk_file_may_exceed_the_single_report_limit(client, outbox, valid_report):
    body = b"\n" * (2 << 20) + jsonl(valid_report())  # 2 MiB of blank lines, then a report

    response = upload(client, "jsonl", body, "application/x-ndjson")

    assert response.status_code == 200
    assert response.get_json()["summary"]["accepted"] == 1


def test_a_bulk_file_over_32_mebibytes_is_too_large(client, outbox, valid_report):
    body = jsonl(valid_report()) + b"\n" * (32 << 20)

    response = upload(client, "jsonl", body, "application/x-ndjson")

    assert response.status_code == 413
    assert response.mimetype == PROBLEM
    assert stored_reports(outbox) == []


def multipart(client, source_format: str, parts: dict[str, bytes], fields=None):
    data = {name: (io.BytesIO(body), f"{name}.csv") for name, body in parts.items()}
    return client.post(
        f"/v1/reports/bulk?format={source_format}",
        data={**data, **(fields or {})},
        content_type="multipart/form-data",
    )


def test_an_aiid_upload_in_parts_joins_its_classification_files(client, outbox):
    folder = datasets() / "aiid"
    ids = {"1", "4", "6"}  # incidents both classification files label (4: one life lost)
    parts = {}
    for part, name, key in (
        ("incidents", "incidents.csv", "incident_id"),
        ("classifications_MIT", "classifications_MIT.csv", "Incident ID"),
        ("classifications_CSETv1", "classifications_CSETv1.csv", "Incident ID"),
    ):
        with (folder / name).open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if row[key] in ids)
        parts[part] = out.getvalue().encode()

    response = multipart(client, "aiid", parts)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["summary"]["accepted"] == 3
    reports = {r["source"]["id"]: r for r in stored_reports(outbox)}
    assert set(reports) == ids
    uber = reports["4"]
    assert uber["source"] == {
        "format": "aiid",
        "id": "4",
        "url": "https://incidentdatabase.ai/cite/4",
    }
    assert (uber["harm_subdomains"], uber["quantities"]["lives_lost"]) == (["7.3"], 1)
    assert uber["severity_derivation"]["rule"] == "lives-lost"
    cited = [d["rule"] for d in uber["provenance"]["decisions"] if d.get("basis") == "source"]
    assert any(rule.startswith("from classifications_CSETv1.csv row ") for rule in cited)
    assert any(rule.startswith("from classifications_MIT.csv row ") for rule in cited)


def test_an_aiid_upload_in_parts_needs_only_the_incidents(client, outbox, aiid_sample):
    body, source_ids = aiid_sample

    response = multipart(client, "aiid", {"incidents": body})

    assert [r["source_id"] for r in response.get_json()["results"]] == source_ids


@pytest.mark.parametrize(
    ("source_format", "parts", "fields", "detail"),
    [
        ("aiid", {"classifications_MIT": b"x"}, None, "no part incidents"),
        ("aiid", {"incidents": b"x", "gmf": b"x"}, None, "Unknown part 'gmf'"),
        ("aiid", {"incidents": b"x"}, {"classifications_MIT": "text"}, "is not a file"),
        ("avid", {"incidents": b"x"}, None, "Only aiid uploads come in parts"),
    ],
)
def test_parts_that_do_not_fit_are_a_bad_request(
    client, outbox, source_format, parts, fields, detail
):
    response = multipart(client, source_format, parts, fields)

    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert detail in response.get_json()["detail"]
    assert stored_reports(outbox) == []
