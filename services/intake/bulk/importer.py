"""Importing the rows of an upload: each row accepted or rejected on its own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, Required, TypedDict

from marshmallow import ValidationError

from services.intake.bulk.rows import Row
from services.intake.outbox import IdempotencyConflict
from services.intake.reports import Accepted
from shared.http import field_errors
from shared.normalize.source import SourceRecord


class AcceptFn(Protocol):
    """Accepts one raw report; ``services.intake.reports.accept`` with the channel,
    submitter and outbox bound (``functools.partial``) is one. Returns the report id and
    the normalizer's flags. Raises ``ValidationError`` (the normalizer's
    ``Rejected``) for a report it refuses and ``IdempotencyConflict`` for a reused key."""

    def __call__(
        self,
        raw: dict[str, Any],
        *,
        source_format: str,
        payload: bytes,
        idempotency_key: str | None,
        source: SourceRecord | None,
    ) -> Accepted: ...


class RowResult(TypedDict, total=False):
    """``{"row", "source_id", "id", "flags"}`` for an accepted row, ``{"row", "source_id",
    "errors"}`` for a rejected one; ``errors`` are ``{"pointer", "detail"}`` items whose JSON
    Pointers point into the raw report (``/occurred_at``, ``/ai_system/name``)."""

    row: Required[int]
    source_id: Required[str | None]
    id: str
    flags: list[Any]
    errors: list[dict[str, str]]


def _whole_row(detail: str) -> list[dict[str, str]]:
    return [{"pointer": "", "detail": detail}]


def import_rows(rows: Iterable[Row], *, source_format: str, accept_fn: AcceptFn) -> list[RowResult]:
    """Accept every row that can be accepted and say, row by row, what happened.

    A row that could not be read, that the normalizer rejects, or whose source id an
    earlier row of the same upload already brought in, gets errors; the other rows go on.
    The source id is the idempotency key, so importing the same file again accepts nothing
    twice. ``UploadError`` (raised before the first row) and ``Unavailable`` (the outbox is
    down) stop the import: the rows accepted so far stay accepted and a retry is safe for
    the rows that have a source id.
    """
    results: list[RowResult] = []
    accepted_by: dict[str, int] = {}  # source id → the row that brought it in
    for row in rows:
        result: RowResult = {"row": row.number, "source_id": row.source_id}
        results.append(result)
        if row.error is not None:
            result["errors"] = field_errors(row.error.messages)
            continue
        if row.source_id in accepted_by:
            first = accepted_by[row.source_id]
            result["errors"] = _whole_row(
                f"Row {first} already brought in the source id {row.source_id}."
            )
            continue
        try:
            accepted = accept_fn(
                row.raw,
                source_format=source_format,
                payload=row.payload,
                idempotency_key=row.source_id,
                source=row.source,
            )
        except ValidationError as exc:
            result["errors"] = field_errors(exc.messages)
            continue
        except IdempotencyConflict as exc:
            # The client sent no key: the source id was one, and says more than the outbox.
            detail = str(exc)
            if row.source_id is not None:
                detail = (
                    f"The source id {row.source_id} was imported before with other content; "
                    "the report it made stays as it was."
                )
            result["errors"] = _whole_row(detail)
            continue
        result.update(id=accepted.id, flags=list(accepted.flags))
        if row.source_id is not None:
            accepted_by[row.source_id] = row.number
    return results


def summarize(results: Sequence[RowResult]) -> dict[str, int]:
    """Counts for a response or a log line: rows, accepted (of which flagged), rejected."""
    accepted = [result for result in results if "id" in result]
    return {
        "rows": len(results),
        "accepted": len(accepted),
        "flagged": sum(1 for result in accepted if result["flags"]),
        "rejected": len(results) - len(accepted),
    }
