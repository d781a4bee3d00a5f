"""Importing rows: one result a row, whatever happens to the others."""

from __future__ import annotations

import functools

import pytest
from marshmallow import ValidationError

from services.intake.bulk import Accepted, Row, import_rows, summarize
from services.intake.bulk.rows import row_error
from services.intake.outbox import IdempotencyConflict
from shared.errors import Unavailable
from shared.normalize.source import SourceRecord

SOURCE = SourceRecord("aiid", "1", "https://incidentdatabase.ai/cite/1")


class FakeIntake:
    """Accepts a report with a title, refuses one without; records every call."""

    def __init__(self, flags=()):
        self.calls = []
        self.flags = list(flags)

    def __call__(self, raw, *, source_format, payload, idempotency_key, source):
        self.calls.append((raw, source_format, payload, idempotency_key, source))
        if "title" not in raw:
            raise ValidationError({"title": ["Missing data for required field."]})
        if raw["title"] == "conflict":
            raise IdempotencyConflict("The Idempotency-Key was used for another report.")
        if raw["title"] == "down":
            raise Unavailable("The outbox is unavailable.")
        report_id = f"R{len(self.calls)}"
        return Accepted(report_id, self.flags)


def test_every_row_gets_one_result_and_a_bad_row_sinks_no_other():
    rows = [
        Row(2, raw={"title": "A"}, source_id="aiid:1", payload=b"a", source=SOURCE),
        Row(3, error=row_error("", "The row is empty.")),
        Row(4, raw={"description": "no title"}, source_id="aiid:3"),
        Row(5, raw={"title": "conflict"}, source_id="aiid:4"),
        Row(6, raw={"title": "B"}),
    ]
    intake = FakeIntake()

    results = import_rows(rows, source_format="aiid", accept_fn=intake)

    assert results == [
        {"row": 2, "source_id": "aiid:1", "id": "R1", "flags": []},
        {"row": 3, "source_id": None, "errors": [{"pointer": "", "detail": "The row is empty."}]},
        {
            "row": 4,
            "source_id": "aiid:3",
            "errors": [{"pointer": "/title", "detail": "Missing data for required field."}],
        },
        {
            "row": 5,
            "source_id": "aiid:4",
            "errors": [
                {
                    "pointer": "",
                    "detail": "The source id aiid:4 was imported before with other content; "
                    "the report it made stays as it was.",
                }
            ],
        },
        {"row": 6, "source_id": None, "id": "R4", "flags": []},
    ]
    assert intake.calls[0] == ({"title": "A"}, "aiid", b"a", "aiid:1", SOURCE)
    assert summarize(results) == {"rows": 5, "accepted": 2, "flagged": 0, "rejected": 3}


def test_flags_from_the_intake_are_kept():
    flags = [{"field": "severity", "note": "absent"}]

    (result,) = import_rows(
        [Row(1, raw={"title": "A"})], source_format="jsonl", accept_fn=FakeIntake(flags)
    )

    assert result["flags"] == flags
    assert summarize([result])["flagged"] == 1


def test_a_source_id_an_earlier_row_brought_in_is_refused_but_one_it_failed_is_tried():
    rows = [
        Row(4, raw={"description": "first try, no title"}, source_id="aiaaic:AIAAIC0001"),
        Row(5, raw={"title": "A"}, source_id="aiaaic:AIAAIC0001"),
        Row(6, raw={"title": "A again"}, source_id="aiaaic:AIAAIC0001"),
    ]

    results = import_rows(rows, source_format="aiaaic", accept_fn=FakeIntake())

    assert "errors" in results[0]
    assert results[1]["id"] == "R2"
    assert results[2]["errors"] == [
        {"pointer": "", "detail": "Row 5 already brought in the source id aiaaic:AIAAIC0001."}
    ]


def test_an_unavailable_outbox_stops_the_import():
    rows = [Row(1, raw={"title": "A"}), Row(2, raw={"title": "down"}), Row(3, raw={"title": "B"})]
    intake = FakeIntake()

    with pytest.raises(Unavailable):
        import_rows(rows, source_format="jsonl", accept_fn=functools.partial(intake))

    assert len(intake.calls) == 2


def test_a_row_has_a_report_or_an_error_never_both():
    with pytest.raises(ValueError, match="either"):
        Row(1)
    with pytest.raises(ValueError, match="either"):
        Row(1, raw={}, error=row_error("", "x"))
