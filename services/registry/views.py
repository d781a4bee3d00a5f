"""The registry's HTTP API: search incidents, read one."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from marshmallow import Schema, ValidationError, fields, validate

from shared.http import problem, validation_problem

bp = Blueprint("incidents", __name__)


class IncidentQueryArgsSchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=500))
    limit = fields.Integer(load_default=20, strict=False, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))


_QUERY_ARGS = IncidentQueryArgsSchema()


def _store():
    return current_app.extensions["accord.store"]


@bp.get("/v1/incidents")
def search():
    try:
        args = _QUERY_ARGS.load(request.args.to_dict())
    except ValidationError as exc:
        return validation_problem(exc.messages, "The query")
    result = _store().search(args["q"], limit=args["limit"], offset=args["offset"])
    return {
        "total": result.total,
        "limit": args["limit"],
        "offset": args["offset"],
        "items": result.hits,
    }


@bp.get("/v1/incidents/<incident_id>")
def read(incident_id: str):
    incident = _store().get(incident_id)
    if incident is None:
        return problem(404, "Not Found", f"No incident with id {incident_id}.")
    return incident
