"""The shared incident report (schema v1): what every channel's input is normalized to."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

EVENT_TYPES = ("incident", "near_miss", "hazard", "issue")
SEVERITIES = ("critical", "high", "medium", "low")
TLP_LEVELS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
CHANNELS = ("api", "form", "bulk")


_NEEDS_ZONE = {"invalid_awareness": "Give a time zone, e.g. 2026-03-01T14:05:00Z or +02:00."}


class ReportSchema(Schema):
    """What a reporter submits."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    event_type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    occurred_at = fields.AwareDateTime(required=True, error_messages=_NEEDS_ZONE)
    countries = fields.List(
        fields.String(
            validate=validate.Regexp(r"^[A-Z]{2}$", error="Use an ISO 3166-1 alpha-2 code.")
        ),
        required=True,
        validate=validate.Length(min=1, max=250),
    )
    reporting_organization = fields.String(required=True, validate=validate.Length(min=1, max=200))
    tlp = fields.String(required=True, validate=validate.OneOf(TLP_LEVELS))


class AcceptedReportSchema(ReportSchema):
    """A report as intake accepted it: the submission plus what intake assigned."""

    id = fields.String(required=True, validate=validate.Length(equal=26))
    received_at = fields.AwareDateTime(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
