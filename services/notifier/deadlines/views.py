"""The deadlines API: one incident's deadlines, every open one, a tier a risk owner sets,
a report marked filed.

Access: a deadline is read by whoever may read its incident (the registry's TLP rule, on
the TLP, organization and RED recipients the deadline keeps), so a lab never learns of
another lab's AMBER incident through a deadline; one the viewer may not read is a 404,
like a missing one. Risk owners (and admins) set tiers and mark reports filed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, request
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.exceptions import Forbidden, NotFound

from services.notifier.deadlines.engine import Deadline
from services.notifier.deadlines.service import BadStage, Deadlines, deadline_json, report_name
from services.notifier.deadlines.service import NotFound as DeadlineNotFound
from services.notifier.oncall.ical import Entry
from services.registry.access.rules import may_read  # the collaboration's one TLP rule
from shared.access import ADMIN, RISK_OWNER, Viewer
from shared.auth import current_viewer, unauthorized
from shared.http import problem, validation_problem

bp = Blueprint("notifier_deadlines", __name__)

DECIDERS = (RISK_OWNER, ADMIN)
CALENDAR_SLOT = timedelta(minutes=30)  # a due time shows as a short event


def deadline_entries(
    deadlines: Iterable[Deadline], viewer: Viewer, start: datetime, end: datetime
) -> list[Entry]:
    """Calendar entries for the stages not yet filed, due between ``start`` and ``end``,
    of the incidents ``viewer`` may read."""
    return [
        Entry(
            uid=f"{d.id}-{s.id}@accord-notifier",
            start=s.due_at,
            end=s.due_at + CALENDAR_SLOT,
            summary=f"{report_name(d.regime, s.id)} due: {d.incident['title']}",
            description=f"{d.tier.reason}. {d.incident.get('url') or ''}".strip(),
        )
        for d in deadlines
        if may_read(viewer, d.incident)
        for s in d.stages
        if s.due_at is not None and start <= s.due_at <= end and not d.is_filed(s.id)
    ]


class DeadlineArgsSchema(Schema):
    incident = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    open = fields.Boolean(load_default=None)


class FiledSchema(Schema):
    stage = fields.String(required=True, validate=validate.Length(min=1, max=64))


class TierSchema(Schema):
    tier = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


def _deadlines() -> Deadlines:
    return current_app.extensions["accord.escalations"].deadlines


def _reader() -> Viewer:
    viewer = current_viewer()
    if viewer.anonymous:
        raise unauthorized()
    return viewer


def _json(deadline: Deadline) -> dict[str, Any]:
    history = _deadlines().state.deadline_history.get(deadline.id, [])
    return deadline_json(deadline, history)


def _readable(viewer: Viewer, deadline_id: str) -> Deadline:
    deadline = _deadlines().state.deadline(deadline_id)
    if deadline is None or not may_read(viewer, deadline.incident):
        raise NotFound(f"No deadline {deadline_id}.")
    return deadline


def _body(schema: Schema, what: str):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, problem(400, "Bad Request", "The body must be a JSON object.")
    try:
        return schema.load(body), None
    except ValidationError as exc:
        return None, validation_problem(exc.messages, what)


def _decider() -> tuple[Viewer, dict[str, str]]:
    viewer = _reader()
    if not viewer.has_role(*DECIDERS):
        raise Forbidden("Risk owners set a deadline's tier and mark its reports filed.")
    return viewer, {"id": viewer.person_id, "name": viewer.name or ""}


@bp.get("/v1/deadlines")
def list_deadlines():
    viewer = _reader()
    try:
        args = DeadlineArgsSchema().load(request.args.to_dict())
    except ValidationError as exc:
        return validation_problem(exc.messages, "The query")
    items = [d for d in _deadlines().state.deadline_list() if may_read(viewer, d.incident)]
    if args["incident"] is not None:
        items = [d for d in items if d.incident["incident_id"] == args["incident"]]
    if args["open"] is not None:
        items = [d for d in items if d.open == args["open"]]
    return {"items": [_json(d) for d in items]}


@bp.get("/v1/deadlines/<deadline_id>")
def get_deadline(deadline_id: str):
    return _json(_readable(_reader(), deadline_id))


@bp.post("/v1/deadlines/<deadline_id>/filed")
def mark_filed(deadline_id: str):
    viewer, by = _decider()
    _readable(viewer, deadline_id)
    body, error = _body(FiledSchema(), "The filing")
    if error:
        return error
    try:
        deadline = _deadlines().file(deadline_id, body["stage"], by)
    except DeadlineNotFound:
        raise NotFound(f"No deadline {deadline_id}.") from None
    except BadStage:
        return validation_problem({"stage": ["This deadline has no such stage."]}, "The filing")
    return _json(deadline)


@bp.post("/v1/deadlines/<deadline_id>/tier")
def set_tier(deadline_id: str):
    viewer, by = _decider()
    _readable(viewer, deadline_id)
    body, error = _body(TierSchema(), "The tier")
    if error:
        return error
    try:
        deadline = _deadlines().set_tier(deadline_id, body["tier"], body["reason"], by)
    except DeadlineNotFound:
        raise NotFound(f"No deadline {deadline_id}.") from None
    except KeyError:
        return validation_problem({"tier": ["The regime has no such tier."]}, "The tier")
    return _json(deadline)
