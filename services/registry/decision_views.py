"""The registry's decision routes: triage transitions, owner, severity, requests for
information, links, merges (all POST, each with If-Match), and the timeline.

The views only parse and answer; the decision is the service's (service.py), so the
pages take the same path. Domain refusals map to HTTP here: 404 (missing or unreadable),
403 (may read, may not decide), 412 (stale version), 409 (not allowed from this state).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError

from services.registry import decisions, schemas
from services.registry.access.rules import shown_to, visible_timeline
from services.registry.etag import etag, expected_version
from services.registry.service import Forbidden, Invalid, NotFound, Registry, Stale
from services.registry.triage import DecisionRefused
from services.registry.views import member
from shared.http import problem, validation_problem

bp = Blueprint("decisions", __name__)


def registry() -> Registry:
    return current_app.extensions["accord.registry"]


class RequestProblem(Exception):
    """A problem found while reading the request, answered as the response it holds."""

    def __init__(self, response: Response) -> None:
        self.response = response


@bp.app_errorhandler(RequestProblem)
def _request_problem(exc: RequestProblem) -> Response:
    return exc.response


@bp.app_errorhandler(NotFound)
def _not_found(exc: NotFound) -> Response:
    return problem(404, "Not Found", str(exc))


@bp.app_errorhandler(Forbidden)
def _forbidden(exc: Forbidden) -> Response:
    return problem(403, "Forbidden", str(exc))


@bp.app_errorhandler(Stale)
def _stale(exc: Stale) -> Response:
    response = problem(412, "Precondition Failed", str(exc), current_version=exc.current)
    response.headers["ETag"] = etag(exc.current)
    return response


@bp.app_errorhandler(DecisionRefused)
def _refused(exc: DecisionRefused) -> Response:
    return problem(409, "Conflict", str(exc))


@bp.app_errorhandler(Invalid)
def _invalid(exc: Invalid) -> Response:
    errors: Any = [str(exc)]
    for segment in reversed(exc.field.split("/")):  # "incidents/0" → {"incidents": {"0": ..}}
        errors = {segment: errors}
    return validation_problem(errors, "The request")


def body(schema: Schema) -> dict[str, Any]:
    """The JSON body loaded by ``schema``: 415, 400 or 422 (every bad field) otherwise."""
    if not request.is_json:
        raise RequestProblem(
            problem(
                415,
                "Unsupported Media Type",
                f"Send application/json, not {request.mimetype or 'no content type'}.",
            )
        )
    try:
        data = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError) as exc:
        detail = f"The body is not valid JSON: {exc}."
        raise RequestProblem(problem(400, "Malformed JSON", detail)) from exc
    if not isinstance(data, dict):
        raise RequestProblem(
            validation_problem({"_schema": ["Send a JSON object."]}, "The request")
        )
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise RequestProblem(validation_problem(exc.messages, "The request")) from exc


def decided(incident: dict[str, Any]) -> Response:
    response = jsonify(shown_to(member(), incident))
    response.headers["ETag"] = etag(decisions.version(incident))
    return response


def _decision(schema: Schema, call: Callable[..., dict[str, Any]], incident_id: str):
    viewer = member()
    version = expected_version()
    args = body(schema)
    return decided(call(viewer, incident_id, expected_version=version, **args))


_TRANSITION = schemas.TransitionSchema()
_ASSIGNMENT = schemas.AssignmentSchema()
_RERATE = schemas.RerateSchema()
_QUESTION = schemas.InformationRequestSchema()
_LINK = schemas.LinkSchema()
_MERGE = schemas.MergeSchema()


@bp.post("/v1/incidents/<incident_id>/transitions")
def transition(incident_id: str):
    return _decision(_TRANSITION, registry().transition, incident_id)


@bp.post("/v1/incidents/<incident_id>/assignment")
def assign(incident_id: str):
    viewer = member()
    version = expected_version()
    args = body(_ASSIGNMENT)
    owner = {"id": args["owner"], "name": args["owner_name"]}
    return decided(registry().assign(viewer, incident_id, expected_version=version, owner=owner))


@bp.post("/v1/incidents/<incident_id>/severity")
def rerate(incident_id: str):
    return _decision(_RERATE, registry().rerate, incident_id)


@bp.post("/v1/incidents/<incident_id>/information-requests")
def request_information(incident_id: str):
    return _decision(_QUESTION, registry().request_information, incident_id)


@bp.post("/v1/incidents/<incident_id>/links")
def link(incident_id: str):
    return _decision(_LINK, registry().link, incident_id)


@bp.post("/v1/incidents/<incident_id>/merge")
def merge(incident_id: str):
    return _decision(_MERGE, registry().merge, incident_id)


@bp.get("/v1/incidents/<incident_id>/timeline")
def timeline(incident_id: str):
    """Append-only: every decision with who, when and why, as far as the viewer may read."""
    viewer = member()
    incident = registry().read(viewer, incident_id)
    response = jsonify(
        {
            "incident_id": incident_id,
            "version": decisions.version(incident),
            "items": visible_timeline(viewer, incident),
        }
    )
    response.headers["ETag"] = etag(decisions.version(incident))
    return response
