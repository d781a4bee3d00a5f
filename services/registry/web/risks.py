"""The risk register as pages, for risk owners and coordinators (a 403 page for anyone
else, as the API's 403): the register with its matrix, one risk, and the form that adds a
risk or changes one.

Read and written through the register's service (``risk_register.RiskRegister``), the same
as ``/v1/risks``: a risk's linked incidents are only those the viewer may read, and the
form's input is checked by the API's schema (``risk_form`` turns it into the API's
fields). A change carries the version the form was filled on, as the API's If-Match: when
someone changed the risk first, nothing is recorded and the form comes back with what was
typed and a message saying so. A recorded risk answers 303 to its page, which says so.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import current_app, flash, get_flashed_messages, redirect, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import Forbidden, NotFound

from services.registry import risks, service
from services.registry.i18n import translator
from services.registry.risk_register import RiskRegister
from services.registry.schemas import RiskInputSchema, RiskListArgsSchema
from services.registry.web import risk_form
from services.registry.web.pages import (
    NOTICE,
    argument_problems,
    deciders,
    form_problems,
    form_version,
    member,
    page_blueprint,
    render,
)
from shared.access import Viewer

bp = page_blueprint("risk_pages", __name__)

_ARGS = RiskListArgsSchema()
_FIELDS = RiskInputSchema()


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


def _keeper() -> Viewer:
    """The viewer, who must be one who keeps the register (else the 403 page)."""
    viewer = member()
    try:
        register().check(viewer)
    except service.Forbidden as exc:
        raise Forbidden(str(exc)) from exc
    return viewer


@bp.get("/risks")
def risk_register():
    viewer = _keeper()  # a reader who may not keep the register gets the 403 first
    form = {k: v for k, v in request.args.items() if k != "lang"}
    try:
        args = _ARGS.load(form)
    except ValidationError as exc:
        error = translator()("search.error.arguments", detail=argument_problems(exc.messages))
        return render("pages/risks.html", form=form, error=error, matrix=risks.matrix()), 422
    found = register().list(viewer, due=args["due"])
    return render(
        "pages/risks.html",
        form=form,
        found=found,
        cells=cells(found),
        matrix=risks.matrix(),
        names=_people(),
        today=_today(),
    )


def _read(viewer: Viewer, risk_id: str) -> dict[str, Any]:
    try:
        return register().read(viewer, risk_id)
    except service.Forbidden as exc:
        raise Forbidden(str(exc)) from exc
    except service.NotFound as exc:
        raise RiskNotFound() from exc


@bp.get("/risks/<risk_id>")
def risk(risk_id: str):
    found = _read(member(), risk_id)
    notices = get_flashed_messages(category_filter=[NOTICE])
    return render("pages/risk.html", risk=found, names=_people(), today=_today(), notices=notices)


def _form(risk: dict[str, Any] | None, shown: dict[str, Any], status: int = 200, **context: Any):
    """The form adding a risk (``risk`` None) or changing ``risk``, showing ``shown``."""
    page = render(
        "pages/risk_form.html",
        risk=risk,
        values=shown,
        rows=risk_form.with_spare_rows(shown),
        owners=deciders(),
        treatments=risks.TREATMENTS,
        statuses=risks.MITIGATION_STATUSES,
        matrix=risks.matrix(),
        **context,
    )
    return page, status


@bp.get("/risks/new")
def new_risk():
    viewer = _keeper()
    return _form(None, {"owner": viewer.person_id, "treatment": risks.TREATMENTS[0]})


@bp.get("/risks/<risk_id>/edit")
def edit_risk(risk_id: str):
    found = _read(member(), risk_id)
    return _form(found, risk_form.values(found), version=found["version"])


@bp.post("/risks")
def create_risk():
    return _save(_keeper(), None)


@bp.post("/risks/<risk_id>")
def change_risk(risk_id: str):
    viewer = member()
    return _save(viewer, _read(viewer, risk_id))


def _save(viewer: Viewer, risk: dict[str, Any] | None):
    """Add the risk the form describes (``risk`` None) or change ``risk``; the form again,
    with what was typed, when nothing could be recorded."""
    t = translator()
    version = None if risk is None else form_version()
    typed = risk_form.typed(request.form)
    try:
        fields = _FIELDS.load(risk_form.fields(request.form))
        if risk is None:
            saved = register().create(viewer, fields)
        else:
            saved = register().update(viewer, risk["id"], expected_version=version, fields=fields)
    except ValidationError as exc:
        error = t("decision.invalid", detail=form_problems(exc.messages, "risks.field"))
        return _form(risk, typed, 422, version=version, error=error, invalid=set(exc.messages))
    except service.Invalid as exc:
        field = exc.field.split("/")[0]
        error = t("decision.invalid", detail=form_problems({field: [str(exc)]}, "risks.field"))
        return _form(risk, typed, 422, version=version, error=error, invalid={field})
    except service.Stale as exc:
        # The form now carries the current version: sent again, it is recorded over it.
        error = t("risks.form.stale", current=exc.current, yours=version)
        return _form(_read(viewer, risk["id"]), typed, 409, version=exc.current, error=error)
    flash(t("risks.recorded", version=saved["version"]), NOTICE)
    return redirect(url_for("risk_pages.risk", risk_id=saved["id"], lang=t.lang), 303)
