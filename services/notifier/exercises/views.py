"""Exercise planning API (coordinators and admins): ``POST /v1/exercises/slots`` finds
when everyone can meet; exercises are proposed, scheduled (into the earliest common slot,
or at a given start), rescheduled, cancelled, and their invitation read as iCalendar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.exceptions import Forbidden, NotFound

from services.notifier.exercises import ical
from services.notifier.exercises.scenario import scenario
from services.notifier.exercises.schemas import (
    BOUNDS,
    MAX_PARTICIPANTS,
    SlotRequestSchema,
    from_person,
    given,
)
from services.notifier.exercises.service import AlreadyFiled, Cancelled, Exercises, NoSlot
from services.notifier.exercises.service import NotFound as ExerciseNotFound
from services.notifier.exercises.slots import Slot, find_slots
from services.notifier.exercises.triggers import load_policy
from shared.access import ADMIN, COORDINATOR
from shared.auth import current_viewer, unauthorized
from shared.http import problem, validation_problem

bp = Blueprint("notifier_exercises", __name__)

PLANNERS = (COORDINATOR, ADMIN)


def _slot_json(slot: Slot) -> dict[str, Any]:
    return {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "outside": slot.outside,
        "outside_minutes": slot.outside_minutes,
        "participants": [
            {
                "participant": p.key,
                "time_zone": p.time_zone,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "outside_minutes": p.outside_minutes,
            }
            for p in slot.local
        ],
    }


@bp.post("/v1/exercises/slots")
def find():
    viewer = current_viewer()
    if viewer.anonymous:
        raise unauthorized()
    if not viewer.has_role(*PLANNERS):
        raise Forbidden("Coordinators and admins plan exercises.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Bad Request", "The body must be a JSON object.")
    try:
        data = SlotRequestSchema().load(body)
    except ValidationError as exc:
        return validation_problem(exc.messages, "The slot request")
    directory = current_app.extensions["accord.directory"]
    people = directory.read(lambda d: dict(d.people))
    participants, unknown = [], {}
    for i, item in enumerate(data["participants"]):
        if "person" not in item:
            participants.append(given(str(i), item))
        elif item["person"] in people:
            participants.append(from_person(item["person"], people[item["person"]]))
        else:
            unknown[i] = ["No such person in the directory."]
    if unknown:
        return validation_problem({"participants": unknown}, "The slot request")
    now = current_app.extensions["accord.escalations"].clock.now()
    earliest = now + timedelta(hours=data["lead_time_hours"])
    if data["not_before"] is not None:
        earliest = max(earliest, data["not_before"])
    answer = find_slots(
        participants,
        length=timedelta(minutes=data["duration_minutes"]),
        earliest=earliest,
        horizon=timedelta(days=data["horizon_days"]),
    )
    return {"slots": [_slot_json(s) for s in answer.slots], "common": answer.common}


# --- the exercises themselves -----------------------------------------------------------


class ProposeSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    participants = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=MAX_PARTICIPANTS),
    )
    duration_minutes = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=15, max=24 * 60)
    )
    incident_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        load_default=list,
        validate=validate.Length(max=20),
    )


class ActionSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    risk_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


_ITEMS = fields.List(
    fields.String(validate=validate.Length(min=1, max=2000)),
    load_default=list,
    validate=validate.Length(max=50),
)


class AfterActionSchema(Schema):
    went_well = _ITEMS
    gaps = _ITEMS
    actions = fields.List(
        fields.Nested(ActionSchema), required=True, validate=validate.Length(max=50)
    )


class ScheduleSchema(Schema):
    start = fields.AwareDateTime(load_default=None, validate=BOUNDS)


def _planner() -> tuple[Any, dict[str, str]]:
    viewer = current_viewer()
    if viewer.anonymous:
        raise unauthorized()
    if not viewer.has_role(*PLANNERS):
        raise Forbidden("Coordinators and admins plan exercises.")
    return viewer, {"id": viewer.person_id, "name": viewer.name or ""}


def _exercises() -> Exercises:
    return current_app.extensions["accord.escalations"].exercises


def _load(schema: Schema, what: str):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, problem(400, "Bad Request", "The body must be a JSON object.")
    try:
        return schema.load(body), None
    except ValidationError as exc:
        return None, validation_problem(exc.messages, what)


def _record(exercise_id: str):
    try:
        return _exercises().get(exercise_id)
    except ExerciseNotFound:
        raise NotFound(f"No exercise {exercise_id}.") from None


def _known_incidents() -> dict[str, dict[str, Any]]:
    """What the notifier holds of each incident (title, TLP, harm domains)."""
    state = current_app.extensions["accord.escalations"].state
    known = {d.incident["incident_id"]: dict(d.incident) for d in state.deadline_list()}
    for record in state.list_escalations():
        known.setdefault(
            record.escalation.incident["incident_id"], dict(record.escalation.incident)
        )
    return known


@bp.post("/v1/exercises")
def propose():
    _, by = _planner()
    data, error = _load(ProposeSchema(), "The exercise")
    if error:
        return error
    people = current_app.extensions["accord.directory"].read(lambda d: set(d.people))
    unknown = {
        i: ["No such person in the directory."]
        for i, p in enumerate(data["participants"])
        if p not in people
    }
    if unknown:
        return validation_problem({"participants": unknown}, "The exercise")
    known = _known_incidents()
    incidents = [
        {"id": i, "title": known[i].get("title") or i, "tlp": known[i].get("tlp"),
         "harm_domains": known[i].get("harm_domains") or [], "timeline": []}
        for i in data["incident_ids"]
        if i in known
    ]  # fmt: skip
    record = _exercises().propose(
        title=data["title"],
        participants=list(dict.fromkeys(data["participants"])),
        duration_minutes=data["duration_minutes"],
        incident_ids=data["incident_ids"],
        scenario=scenario(incidents, load_policy()),
        organizer=by,
    )
    response = current_app.response_class(status=201, mimetype="application/json")
    response.set_data(current_app.json.dumps(record.to_json()))
    response.headers["Location"] = f"/v1/exercises/{record.id}"
    return response


@bp.get("/v1/exercises")
def list_exercises():
    _planner()
    state = current_app.extensions["accord.escalations"].state
    return {"items": [r.to_json() for r in state.exercise_list()]}


@bp.get("/v1/exercises/<exercise_id>")
def get_exercise(exercise_id: str):
    _planner()
    return _record(exercise_id).to_json()


@bp.post("/v1/exercises/<exercise_id>/schedule")
def schedule(exercise_id: str):
    _, by = _planner()
    _record(exercise_id)
    data, error = _load(ScheduleSchema(), "The schedule")
    if error:
        return error
    try:
        return _exercises().schedule(exercise_id, data["start"], by).to_json()
    except Cancelled:
        return problem(409, "Conflict", "This exercise was cancelled.")
    except NoSlot:
        return problem(
            409, "Conflict", "No slot suits every participant within three weeks; give a start."
        )


@bp.post("/v1/exercises/<exercise_id>/cancel")
def cancel(exercise_id: str):
    _, by = _planner()
    _record(exercise_id)
    return _exercises().cancel(exercise_id, by).to_json()


@bp.get("/v1/exercises/<exercise_id>/invitation.ics")
def invitation(exercise_id: str):
    _planner()
    record = _record(exercise_id)
    if record.start is None:
        raise NotFound("This exercise is not scheduled yet: no invitation.")
    method = ical.CANCEL if record.cancelled_at else ical.REQUEST
    body = _exercises().calendar(record, method)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "no-store"})


@bp.post("/v1/exercises/<exercise_id>/after-action")
def after_action(exercise_id: str):
    """The after-action report: what went well, the gaps, the actions (each may name the
    risk it mitigates; the registry adds it to that risk's mitigations)."""
    _, by = _planner()
    _record(exercise_id)
    data, error = _load(AfterActionSchema(), "The after-action report")
    if error:
        return error
    try:
        return _exercises().file_after_action(exercise_id, data, by).to_json()
    except AlreadyFiled:
        return problem(409, "Conflict", "This exercise's after-action report is filed already.")
