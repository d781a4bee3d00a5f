"""Payload schemas of every event type, by (type, schema_version).

Topics list which event types they carry (``shared/contracts/*.json``); this module says
what each payload must look like. Payloads stay plain JSON: the codec validates them and
hands them on unchanged.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.directory.events import PAYLOAD_SCHEMAS as DIRECTORY_PAYLOAD_SCHEMAS
from shared.report import EVENT_TYPES, SEVERITIES, TLP_LEVELS, AcceptedReportSchema


class ReportAccepted(Schema):
    report = fields.Nested(AcceptedReportSchema, required=True)


class IncidentRegistered(Schema):
    incident_id = fields.String(required=True)
    title = fields.String(required=True)
    # None: the source gave no severity (bulk imports); triage assesses it.
    severity = fields.String(required=True, allow_none=True, validate=validate.OneOf(SEVERITIES))
    event_type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    tlp = fields.String(required=True, validate=validate.OneOf(TLP_LEVELS))
    status = fields.String(required=True)
    registered_at = fields.AwareDateTime(required=True)
    url = fields.Url(required=True, require_tld=False)


class _Notification(Schema):
    dedup_key = fields.String(required=True)
    incident_id = fields.String(required=True)
    channel = fields.String(required=True)
    target = fields.String(required=True)
    attempts = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class NotificationSent(_Notification):
    sent_at = fields.AwareDateTime(required=True)


class NotificationFailed(_Notification):
    error = fields.String(required=True)
    failed_at = fields.AwareDateTime(required=True)


class MessageDeadLettered(Schema):
    source_topic = fields.String(required=True)
    partition = fields.Integer(required=True, strict=True)
    offset = fields.Integer(required=True, strict=True)
    key = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True)
    value = fields.String(required=True)


class MessageReplayed(Schema):
    """An operator sent a dead letter's original back to its topic (``accord dead-letters
    replay``)."""

    dead_letter_id = fields.String(required=True)
    source_topic = fields.String(required=True)
    replayed_at = fields.AwareDateTime(required=True)


PAYLOAD_SCHEMAS: dict[tuple[str, int], Schema] = {
    ("report.accepted", 1): ReportAccepted(),
    ("incident.registered", 1): IncidentRegistered(),
    ("notification.sent", 1): NotificationSent(),
    ("notification.failed", 1): NotificationFailed(),
    ("message.dead_lettered", 1): MessageDeadLettered(),
    ("message.replayed", 1): MessageReplayed(),
    **DIRECTORY_PAYLOAD_SCHEMAS,
}
