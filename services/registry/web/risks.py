"""The risk register as pages, for risk owners and coordinators (a 403 page for anyone
else, as the API's 403): the register with its matrix, and one risk.

Read through the register's service (``risk_register.RiskRegister``), the same as
``GET /v1/risks``: a risk's linked incidents are only those the viewer may read.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from flask import current_app, request
from marshmallow import ValidationError
from werkzeug.exceptions import Forbidden, NotFound

from services.registry import risks, service
from services.registry.i18n import translator
from services.registry.risk_register import RiskRegister
from services.registry.schemas import RiskListArgsSchema
from services.registry.web.pages import argument_problems, member, page_blueprint, render
from shared.access import Viewer

bp = page_blueprint("risk_pages", __name__)

_ARGS = RiskListArgsSchema()


class RiskNotFound(NotFound):
    page_kind = "not_found_risk"


def register() -> RiskRegister:
    return current_app.extensions["accord.risks"]


def current(risk: dict[str, Any]) -> dict[str, Any]:
    """The score that stands now: residual once assessed, else inherent."""
    return risk.get("residual") or risk["inherent"]


def cells(found: list[dict[str, Any]]) -> Counter[tuple[int, int]]:
    """How many risks stand in each (likelihood, impact) cell of the matrix."""
    return Counter((current(r)["likelihood"], current(r)["impact"]) for r in found)


def _people() -> dict[str, str]:
    directory = current_app.extensions["accord.directory"]
    return directory.read(lambda d: {p.id: p.name for p in d.people.values()})


def _today() -> str:
    """The registry clock's day: a review before it is overdue."""
    return register().registry.clock.now().date().isoformat()


def _listed(viewer: Viewer, due: date | None) -> list[dict[str, Any]]:
    try:
        return register().list(viewer, due=due)
    except service.Forbidden as exc:
        raise Forbidden(str(exc)) from exc


@bp.get("/risks")
def risk_register():
    viewer = member()
    form = {k: v for k, v in request.args.items() if k != "lang"}
    try:
        args = _ARGS.load(form)
    except ValidationError as exc:
        _listed(viewer, None)  # a reader who may not keep the register gets the 403 first
        error = translator()("search.error.arguments", detail=argument_problems(exc.messages))
        return render("pages/risks.html", form=form, error=error, matrix=risks.matrix()), 422
    found = _listed(viewer, args["due"])
    return render(
        "pages/risks.html",
        form=form,
        found=found,
        cells=cells(found),
        matrix=risks.matrix(),
        names=_people(),
        today=_today(),
    )


@bp.get("/risks/<risk_id>")
def risk(risk_id: str):
    viewer = member()
    try:
        found = register().read(viewer, risk_id)
    except service.Forbidden as exc:
        raise Forbidden(str(exc)) from exc
    except service.NotFound as exc:
        raise RiskNotFound() from exc
    return render("pages/risk.html", risk=found, names=_people(), today=_today())
