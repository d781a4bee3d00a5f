"""One incident as a page: its facts, its timeline, and the triage actions.

Reading goes through the store with the viewer (``store.get``), as the API does: an
incident the viewer may not read is the same 404 page as a missing one, and ``shown_to``
leaves out what the viewer may not see (contacts, confidential timeline entries).

Each action is a form that posts to ``/incidents/<id>/<action>`` and goes through the
registry's write path (``service.Registry``), the same as the API's POST routes. The
version the page showed (its ETag) travels in a hidden field, as the API's If-Match:
when someone decided first, nothing is recorded and the page is shown again as the
incident stands now, with a conflict message and what the person typed. A recorded
decision answers 303 back to the page (post/redirect/get), which says so.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, get_flashed_messages, redirect, request, url_for
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import Forbidden, NotFound

from services.registry import decisions, schemas, service, triage
from services.registry.access import shown_to
from services.registry.i18n import translator
from services.registry.web import timeline
from services.registry.web.labels import labeller
from services.registry.web.pages import (
    NOTICE,
    deciders,
    form_problems,
    form_version,
    member,
    page_blueprint,
    render,
)
from shared.access import Viewer
from shared.report import SEVERITIES

bp = page_blueprint("incident_pages", __name__)

# Moves the status form does not offer: each has its own action (merge; ask the lab).
OWN_ACTIONS = frozenset({triage.DUPLICATE, triage.NEEDS_INFORMATION})
ACTIONS: dict[str, Schema] = {
    "transition": schemas.TransitionSchema(),
    "assign": schemas.AssignmentSchema(only=("owner",)),
    "severity": schemas.RerateSchema(),
    "question": schemas.InformationRequestSchema(),
    "merge": schemas.MergeSchema(),
}


def _registry() -> service.Registry:
    return current_app.extensions["accord.registry"]


def _actions(viewer: Viewer, incident: dict[str, Any]) -> dict[str, Any] | None:
    """What the triage forms offer on this incident; None for a viewer who may not decide."""
    if not triage.may_decide(viewer):
        return None
    allowed = triage.allowed(incident["status"])
    return {
        "to": [state for state in allowed if state not in OWN_ACTIONS],
        "severities": SEVERITIES,
        "owners": deciders(),
        "ask": triage.NEEDS_INFORMATION in allowed and bool(incident.get("organization_id")),
        "merge": triage.DUPLICATE in allowed,
    }


def _page(viewer: Viewer, incident_id: str, status: int = 200, **context: Any):
    found = _current(viewer, incident_id)
    shown = shown_to(viewer, found)
    t = translator()
    notices = get_flashed_messages(category_filter=[NOTICE])
    return render(
        "pages/incident.html",
        incident=shown,
        timeline=timeline.entries(shown.get("timeline") or [], t, labeller(t)),
        version=decisions.version(found),
        actions=_actions(viewer, found),
        notices=notices,
        form=context.pop("form", {}),
        **context,
    ), status


def _current(viewer: Viewer, incident_id: str) -> dict[str, Any]:
    found = current_app.extensions["accord.store"].get(incident_id, viewer=viewer)
    if found is None:
        raise NotFound()
    return found


@bp.get("/incidents/<incident_id>")
def incident(incident_id: str):
    return _page(member(), incident_id)


def _arguments(action: str, viewer: Viewer) -> dict[str, Any]:
    """The action's fields from the form, loaded by the API's schema."""
    schema = ACTIONS[action]
    args = schema.load({name: request.form[name] for name in schema.fields if name in request.form})
    if action == "assign":
        names = dict(deciders())
        if args["owner"] not in names:
            raise ValidationError({"owner": [translator()("decision.unknown_owner")]})
        args = {"owner": {"id": args["owner"], "name": names[args["owner"]]}}
    return args


def _decide(action: str, viewer: Viewer, incident_id: str, version: int, args: dict[str, Any]):
    registry = _registry()
    call = {
        "transition": registry.transition,
        "assign": registry.assign,
        "severity": registry.rerate,
        "question": registry.request_information,
        "merge": registry.merge,
    }[action]
    return call(viewer, incident_id, expected_version=version, **args)


@bp.post("/incidents/<incident_id>/<any(transition, assign, severity, question, merge):action>")
def decide(incident_id: str, action: str):
    viewer = member()
    t = translator()
    version = form_version()
    typed = {"action": action, **request.form.to_dict()}
    try:
        args = _arguments(action, viewer)
        changed = _decide(action, viewer, incident_id, version, args)
    except ValidationError as exc:
        error = t("decision.invalid", detail=form_problems(exc.messages, "triage"))
        return _page(viewer, incident_id, 422, form=typed, error=error, invalid=set(exc.messages))
    except service.Invalid as exc:
        error = t("decision.invalid", detail=str(exc))
        return _page(viewer, incident_id, 422, form=typed, error=error, invalid={exc.field})
    except service.Stale as exc:
        error = t("decision.stale", current=exc.current, yours=version)
        return _page(viewer, incident_id, 409, form=typed, error=error)
    except triage.DecisionRefused as exc:
        error = t("decision.refused", detail=str(exc))
        return _page(viewer, incident_id, 409, form=typed, error=error)
    except service.Forbidden as exc:
        raise Forbidden(str(exc)) from exc
    except service.NotFound as exc:
        raise NotFound() from exc
    flash(t("decision.recorded", version=decisions.version(changed)), NOTICE)
    target = url_for("incident_pages.incident", incident_id=incident_id, lang=t.lang)
    return redirect(target + "#timeline", 303)
