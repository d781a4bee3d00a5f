"""Accepting a report: validate, give it an id, and put it in the outbox."""

from __future__ import annotations

import hashlib
from datetime import UTC
from typing import Any

from services.intake.outbox import Outbox
from shared.envelope import Envelope, encode, new_id, utcnow
from shared.report import AcceptedReportSchema, ReportSchema

_SUBMITTED = ReportSchema()
_ACCEPTED = AcceptedReportSchema()


def accept(
    data: dict[str, Any],
    *,
    channel: str,
    outbox: Outbox,
    request_body: bytes,
    idempotency_key: str | None = None,
) -> str:
    """Store a valid report durably and return its id. Raises marshmallow's
    ``ValidationError`` for an invalid one and ``IdempotencyConflict`` for a reused key."""
    report = _SUBMITTED.load(data)
    report["occurred_at"] = report["occurred_at"].astimezone(UTC)
    report_id = new_id()
    received_at = utcnow()
    accepted = _ACCEPTED.dump(
        {**report, "id": report_id, "received_at": received_at, "channel": channel}
    )
    envelope = Envelope(
        type="report.accepted", key=report_id, producer="intake", payload={"report": accepted}
    )
    return outbox.add(
        report_id=report_id,
        envelope=encode(envelope),
        accepted_at=received_at.isoformat(),
        request_sha256=hashlib.sha256(request_body).hexdigest(),
        idempotency_key=idempotency_key,
    )
