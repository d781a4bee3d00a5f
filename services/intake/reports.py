"""Accepting a report: normalize it, stamp who sent it, give it an id, put it in the outbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError

from services.intake.outbox import ANONYMOUS, Outbox
from shared.access import Viewer
from shared.envelope import Envelope, encode, new_id, utcnow
from shared.normalize import NO_DEFAULTS, REQUIRED_FOR_REPORTERS, normalize
from shared.normalize.source import SourceRecord
from shared.report import ReportSharingInputSchema

_SHARING = ReportSharingInputSchema()


@dataclass(frozen=True)
class Accepted:
    id: str
    flags: list[dict[str, Any]]


def attribution(viewer: Viewer) -> dict[str, Any]:
    """Who a report is from, by id: the organization of the key or session that sent it,
    verified; for the anonymous viewer (the web form), no one, unverified, whatever
    organization the report itself names."""
    return {
        "organization_id": viewer.organization_id,
        "submitted_by": viewer.person_id,
        "verified": not viewer.anonymous,
    }


def sharing(
    raw: Any, submitter: str | None, is_person: Callable[[str], bool]
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """``raw`` without its sharing fields, those fields (defaults filled, the submitter
    among the recipients), and their errors. They are intake's, not the normalizer's;
    every recipient must be a person in the directory."""
    if not isinstance(raw, Mapping):
        return raw, {"recipients": [], "publish_organization": False}, {}
    given = {name: raw[name] for name in _SHARING.fields if name in raw}
    rest = {name: value for name, value in raw.items() if name not in _SHARING.fields}
    errors: dict[str, Any] = {}
    try:
        loaded = _SHARING.load(given)
    except ValidationError as exc:
        errors, loaded = exc.messages, {}  # type: ignore[assignment]
    unknown = {
        index: ["No person in the directory has this id."]
        for index, person_id in enumerate(loaded.get("recipients", []))
        if not is_person(person_id)
    }
    if unknown:
        errors["recipients"] = unknown
    recipients = list(dict.fromkeys([*loaded.get("recipients", []), *filter(None, [submitter])]))
    chosen = {
        "recipients": recipients,
        "publish_organization": loaded.get("publish_organization", False),
    }
    return rest, chosen, errors


def accept(
    raw: Any,
    *,
    channel: str,
    source_format: str,
    viewer: Viewer,
    is_person: Callable[[str], bool],
    outbox: Outbox,
    payload: bytes,
    idempotency_key: str | None = None,
    require: frozenset[str] = REQUIRED_FOR_REPORTERS,
    defaults: Mapping[str, Any] = NO_DEFAULTS,
    source: SourceRecord | None = None,
) -> Accepted:
    """Store a report durably; return its id and what the normalizer flagged.

    ``viewer`` sent it (``attribution``); idempotency keys are scoped by its organization.
    ``is_person`` tells the directory's people ids, which recipients must be.
    ``payload`` is the bytes the report came in (a request body, a bulk file's row): its
    hash goes into the provenance and tells an idempotent retry from a reused key.
    ``require``, ``defaults`` and ``source`` are ``normalize``'s. Raises ``Rejected`` (a
    marshmallow ``ValidationError``, naming every bad field at once) for a report that cannot
    be accepted and ``IdempotencyConflict`` for a reused key.
    """
    raw, shared_with, errors = sharing(raw, viewer.person_id, is_person)
    now = utcnow()
    try:
        report = normalize(
            raw,
            channel=channel,
            source_format=source_format,
            payload=payload,
            require=require,
            defaults=defaults,
            source=source,
            received_at=now,
        )
    except ValidationError as exc:
        raise ValidationError({**exc.messages, **errors}) from None  # type: ignore[dict-item]
    if errors:
        raise ValidationError(errors)
    report_id = new_id()
    received_at = now.isoformat()
    accepted = {
        **report,
        "id": report_id,
        "received_at": received_at,
        "channel": channel,
        **attribution(viewer),
        **shared_with,
    }
    envelope = Envelope(
        type="report.accepted", key=report_id, producer="intake", payload={"report": accepted}
    )
    stored_id = outbox.add(
        report_id=report_id,
        organization_id=viewer.organization_id or ANONYMOUS,
        title=report["title"],
        envelope=encode(envelope),
        accepted_at=received_at,
        request_sha256=report["provenance"]["payload_sha256"],
        idempotency_key=idempotency_key,
    )
    # A retry gets the first report's id; its flags were the same (same payload).
    return Accepted(stored_id, report["provenance"]["flags"])
