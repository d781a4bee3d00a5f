"""Accepting a report: normalize it, give it an id, and put it in the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.intake.outbox import Outbox
from shared.envelope import Envelope, encode, new_id, utcnow
from shared.normalize import NO_DEFAULTS, REQUIRED_FOR_REPORTERS, normalize
from shared.normalize.source import SourceRecord


@dataclass(frozen=True)
class Accepted:
    id: str
    flags: list[dict[str, Any]]


def accept(
    raw: Any,
    *,
    channel: str,
    source_format: str,
    submitted_by: str,
    outbox: Outbox,
    payload: bytes,
    idempotency_key: str | None = None,
    require: frozenset[str] = REQUIRED_FOR_REPORTERS,
    defaults: Mapping[str, Any] = NO_DEFAULTS,
    source: SourceRecord | None = None,
) -> Accepted:
    """Store a report durably; return its id and what the normalizer flagged.

    ``payload`` is the bytes the report came in (a request body, a bulk file's row): its
    hash goes into the provenance and tells an idempotent retry from a reused key.
    ``require``, ``defaults`` and ``source`` are ``normalize``'s. Raises ``Rejected`` (a marshmallow
    ``ValidationError``) for a report that cannot be normalized and ``IdempotencyConflict``
    for a reused key.
    """
    report = normalize(
        raw,
        channel=channel,
        source_format=source_format,
        payload=payload,
        require=require,
        defaults=defaults,
        source=source,
    )
    report_id = new_id()
    received_at = utcnow().isoformat()
    accepted = {
        **report,
        "id": report_id,
        "received_at": received_at,
        "channel": channel,
        "submitted_by": submitted_by,
    }
    envelope = Envelope(
        type="report.accepted", key=report_id, producer="intake", payload={"report": accepted}
    )
    stored_id = outbox.add(
        report_id=report_id,
        submitted_by=submitted_by,
        title=report["title"],
        envelope=encode(envelope),
        accepted_at=received_at,
        request_sha256=report["provenance"]["payload_sha256"],
        idempotency_key=idempotency_key,
    )
    # A retry gets the first report's id; its flags were the same (same payload).
    return Accepted(stored_id, report["provenance"]["flags"])
