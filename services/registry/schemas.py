"""The registry API's arguments and answers, as marshmallow schemas (views and OpenAPI)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.registry.duplicates.scoring import THRESHOLD
from services.registry.query.sorting import ORDERS, SORTS

QUERY_MAX = 500
LIMIT_MAX = 200
CURSOR_MAX = 2000
EXPORT_FORMATS = ("json", "csv")
RECENT_MAX = 200


def _query():
    return fields.String(
        load_default="",
        validate=validate.Length(max=QUERY_MAX),
        metadata={"description": 'The search language, e.g. severity:critical "model weights"'},
    )


class _OrderedArgs(Schema):
    q = _query()
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))
    order = fields.String(load_default="desc", validate=validate.OneOf(ORDERS))


class SearchArgsSchema(_OrderedArgs):
    limit = fields.Integer(
        load_default=20, strict=False, validate=validate.Range(min=1, max=LIMIT_MAX)
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=CURSOR_MAX),
        metadata={"description": "next_cursor of the previous page"},
    )


class ExportArgsSchema(_OrderedArgs):
    format = fields.String(load_default="json", validate=validate.OneOf(EXPORT_FORMATS))


def _min_score():
    return fields.Float(
        load_default=THRESHOLD,
        allow_nan=False,
        validate=validate.Range(min=0, max=1),
        metadata={"description": "The lowest score suggested (0 to 1)"},
    )


class DuplicateArgsSchema(Schema):
    min_score = _min_score()
    limit = fields.Integer(load_default=10, strict=False, validate=validate.Range(min=1, max=50))


class DuplicateQueueArgsSchema(Schema):
    min_score = _min_score()
    recent = fields.Integer(
        load_default=50,
        strict=False,
        validate=validate.Range(min=1, max=RECENT_MAX),
        metadata={"description": "How many of the incidents received last to look at"},
    )


class ProblemSchema(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Dict())
    position = fields.Integer(metadata={"description": "1-based character of q"})
    expected = fields.List(fields.String())


class FacetBucketSchema(Schema):
    value = fields.String(required=True)
    count = fields.Integer(required=True)


class SearchPageSchema(Schema):
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    sort = fields.String(required=True)
    order = fields.String(required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    items = fields.List(fields.Dict(), required=True)
    facets = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(FacetBucketSchema)), required=True
    )


class PublicPageSchema(Schema):
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    items = fields.List(fields.Dict(), required=True)


class SuggestionSchema(Schema):
    incident = fields.Dict(required=True)
    score = fields.Float(required=True, metadata={"description": "0 to 1; 1 is the same"})
    reasons = fields.List(fields.String(), required=True)


class DuplicatesSchema(Schema):
    incident_id = fields.String(required=True)
    min_score = fields.Float(required=True)
    items = fields.List(fields.Nested(SuggestionSchema), required=True)


class DuplicateQueueItemSchema(Schema):
    incident = fields.Dict(required=True)
    suggestions = fields.List(fields.Nested(SuggestionSchema), required=True)


class DuplicateQueueSchema(Schema):
    recent = fields.Integer(required=True)
    min_score = fields.Float(required=True)
    items = fields.List(fields.Nested(DuplicateQueueItemSchema), required=True)


class DashboardArgsSchema(Schema):
    q = _query()
