"""Marshmallow schemas of intake's HTTP responses; the views dump through them and the
OpenAPI document is generated from them, so the two cannot disagree."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class FieldErrorSchema(Schema):
    pointer = fields.String(required=True, metadata={"description": "JSON Pointer to the field"})
    detail = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))


class FlagSchema(Schema):
    """A value the normalizer kept but could not map, and why."""

    field = fields.String(required=True)
    value = fields.Raw(required=True)
    reason = fields.String(required=True)


class ReceiptSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True)
    status_url = fields.Url(required=True, require_tld=False)
    flags = fields.List(fields.Nested(FlagSchema), required=True)


class BulkRowResultSchema(Schema):
    row = fields.Integer(required=True)
    source_id = fields.String(allow_none=True, required=True)
    id = fields.String()
    flags = fields.List(fields.Nested(FlagSchema))
    errors = fields.List(fields.Nested(FieldErrorSchema))


class BulkSummarySchema(Schema):
    rows = fields.Integer(required=True)
    accepted = fields.Integer(required=True)
    flagged = fields.Integer(required=True)
    rejected = fields.Integer(required=True)


class BulkResultSchema(Schema):
    summary = fields.Nested(BulkSummarySchema, required=True)
    results = fields.List(fields.Nested(BulkRowResultSchema), required=True)


class StatusChangeSchema(Schema):
    status = fields.String(required=True)
    at = fields.String(required=True)
    reason = fields.String(allow_none=True)


class QuestionSchema(Schema):
    request_id = fields.String(required=True)
    question = fields.String(required=True)
    asked_at = fields.String(required=True)
    answer = fields.String(allow_none=True)
    answered_at = fields.String(allow_none=True)


ANSWER_MAX = 10_000


class AnswerSchema(Schema):
    request_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    answer = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=ANSWER_MAX), validate.Regexp(r"\S", error="blank")],
    )


class AnswerReceiptSchema(Schema):
    request_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "accepted"})
    status_url = fields.Url(required=True, require_tld=False)


class ReportStatusSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(
        required=True,
        metadata={
            "description": "accepted: durable in intake; forwarded: on the bus; "
            "registered: in the risk registry; later, the triage decisions"
        },
    )
    accepted_at = fields.String(required=True)
    forwarded_at = fields.String(allow_none=True, attribute="published_at")
    history = fields.List(
        fields.Nested(StatusChangeSchema),
        required=True,
        metadata={"description": "Each status, with the registry's public rationale as reason"},
    )
    questions = fields.List(
        fields.Nested(QuestionSchema),
        required=True,
        metadata={"description": "The registry's requests for information, and the answers"},
    )


class ReportStatusListSchema(Schema):
    items = fields.List(fields.Nested(ReportStatusSchema), required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


# SQLite's largest integer: a larger OFFSET cannot even be bound to the query.
OFFSET_MAX = 2**63 - 1


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=OFFSET_MAX))
