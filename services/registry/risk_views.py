"""The risk register's routes: list (``?due=``), create, read, change (If-Match).

Risk owners and coordinators only (403 for other members, 401 without a key). The
decisions blueprint maps the refusals (404, 403, 412, 422) for the whole app.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from marshmallow import ValidationError

from services.registry import risks, schemas
from services.registry.decision_views import RequestProblem, body
from services.registry.etag import etag, expected_version
from services.registry.risk_register import RiskRegister
from services.registry.views import member
from shared.http import validation_problem

bp = Blueprint("risks", __name__)

_NEW = schemas.RiskInputSchema()
_CHANGE = schemas.RiskInputSchema(partial=True)
_LIST_ARGS = schemas.RiskListArgsSchema()


def register() -> RiskRegister:
    return current_app.extensions["accord.risks"]


def _answer(risk: dict, status: int = 200):
    response = jsonify(risk)
    response.status_code = status
    response.headers["ETag"] = etag(risk["version"])
    return response


@bp.get("/v1/risks")
def list_risks():
    viewer = member()
    try:
        args = _LIST_ARGS.load(request.args.to_dict())
    except ValidationError as exc:
        raise RequestProblem(validation_problem(exc.messages, "The query")) from exc
    return {"items": register().list(viewer, due=args["due"]), "matrix": risks.matrix()}


@bp.post("/v1/risks")
def create_risk():
    viewer = member()
    fields = body(_NEW)
    risk = register().create(viewer, fields)
    response = _answer(risk, 201)
    response.headers["Location"] = url_for("risks.read_risk", risk_id=risk["id"])
    return response


@bp.get("/v1/risks/<risk_id>")
def read_risk(risk_id: str):
    return _answer(register().read(member(), risk_id))


@bp.patch("/v1/risks/<risk_id>")
def change_risk(risk_id: str):
    viewer = member()
    version = expected_version()
    fields = body(_CHANGE)
    return _answer(register().update(viewer, risk_id, expected_version=version, fields=fields))
