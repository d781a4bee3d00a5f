"""The registry API's arguments and answers, as marshmallow schemas (views and OpenAPI)."""

from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate

from services.registry import risks, triage
from services.registry.duplicates.scoring import THRESHOLD
from services.registry.query.sorting import ORDERS, SORTS
from shared.report import SEVERITIES

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


# Decisions on incidents (bodies of the POST routes under /v1/incidents/<id>/).

TEXT_MAX = 10_000


def _text(description: str):
    return fields.String(
        required=True,
        validate=[validate.Length(min=1, max=TEXT_MAX), validate.Regexp(r"\S", error="blank")],
        metadata={"description": description},
    )


def _visibility():
    return fields.String(
        required=True,
        validate=validate.OneOf(triage.VISIBILITIES),
        metadata={"description": "public: the reporting lab reads it; confidential: not"},
    )


class TransitionSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(triage.states()))
    rationale = _text("Why, in a sentence or more")
    visibility = _visibility()


class AssignmentSchema(Schema):
    owner = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The owner's person id (from the directory)"},
    )
    owner_name = fields.String(load_default=None, validate=validate.Length(max=200))


class RerateSchema(Schema):
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    reason = _text("Why the severity changes")
    visibility = _visibility()


class InformationRequestSchema(Schema):
    question = _text("What the reporting lab is asked")


class LinkSchema(Schema):
    linked_id = fields.String(
        required=True,
        data_key="incident_id",
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The related incident"},
    )


class MergeSchema(Schema):
    original_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The incident this one duplicates"},
    )
    rationale = _text("Why they report the same event")
    visibility = _visibility()


class TimelineSchema(Schema):
    incident_id = fields.String(required=True)
    version = fields.Integer(required=True)
    items = fields.List(fields.Dict(), required=True)


# The risk register.


def _scale(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=5), **kwargs)


class MitigationSchema(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    status = fields.String(required=True, validate=validate.OneOf(risks.MITIGATION_STATUSES))


class RiskInputSchema(Schema):
    """POST /v1/risks (every required field) and PATCH (any of them, ``partial``)."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    description = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    likelihood = _scale(required=True, metadata={"description": "1 (rare) to 5"})
    impact = _scale(required=True, metadata={"description": "1 (negligible) to 5"})
    residual_likelihood = _scale(allow_none=True, metadata={"description": "After treatment"})
    residual_impact = _scale(allow_none=True, metadata={"description": "After treatment"})
    treatment = fields.String(required=True, validate=validate.OneOf(risks.TREATMENTS))
    owner = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The owner's person id"},
    )
    mitigations = fields.List(fields.Nested(MitigationSchema), validate=validate.Length(max=100))
    contingency = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX))
    next_review = fields.Date(required=True, metadata={"description": "YYYY-MM-DD"})
    incidents = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        validate=validate.Length(max=200),
        metadata={"description": "Ids of the incidents this risk is linked to"},
    )

    @post_load
    def _plain(self, data: dict, **kwargs) -> dict:
        """As stored: the date as text, the incident ids once each, in order."""
        if "next_review" in data:
            data["next_review"] = data["next_review"].isoformat()
        if "incidents" in data:
            data["incidents"] = list(dict.fromkeys(data["incidents"]))
        return data


class RiskListArgsSchema(Schema):
    due = fields.Date(
        load_default=None,
        metadata={"description": "Only risks whose next review is on or before this date"},
    )


class RiskListSchema(Schema):
    items = fields.List(fields.Dict(), required=True)
    matrix = fields.Dict(required=True, metadata={"description": "The scoring matrix"})


class ServiceLevelsSchema(Schema):
    at = fields.String(required=True)
    labs = fields.List(fields.Dict(), required=True)
    overdue = fields.List(fields.Dict(), required=True)


class DashboardArgsSchema(Schema):
    q = _query()
