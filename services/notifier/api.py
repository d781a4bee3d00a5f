"""The notifier's JSON API: schedules, who is on call, escalations and acknowledgement,
and the calendar feeds.

Access (DESIGN.md): on-call contacts, coordinators and admins read schedules and
escalations and acknowledge; coordinators and admins create schedules; labs (reporters)
and risk owners get a 403, the anonymous a 401. Calendar feeds are read with their
secret token instead of a key, so calendar clients can subscribe.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.exceptions import Forbidden, NotFound

from services.notifier.deadlines.views import deadline_entries
from services.notifier.escalations import AlreadyClosed, Escalations
from services.notifier.escalations import NotFound as EscalationNotFound
from services.notifier.exercises.service import exercise_entries, review_entries
from services.notifier.oncall import ical, schemas
from services.notifier.oncall.models import oncall, shifts
from shared.access import ADMIN, COORDINATOR, ONCALL, Viewer
from shared.auth import current_viewer, unauthorized
from shared.directory.authenticator import viewer_of
from shared.envelope import Envelope, new_id
from shared.http import problem, validation_problem

bp = Blueprint("notifier_api", __name__)

READERS = (ONCALL, COORDINATOR, ADMIN)
PLANNERS = (COORDINATOR, ADMIN)
FEED_PAST = timedelta(days=7)
FEED_AHEAD = timedelta(days=90)


def escalations() -> Escalations:
    return current_app.extensions["accord.escalations"]


def _viewer(*roles: str) -> Viewer:
    viewer = current_viewer()
    if viewer.anonymous:
        raise unauthorized()
    if not viewer.has_role(*roles):
        raise Forbidden(
            "This needs one of the roles " + ", ".join(roles) + "; labs read incidents in the"
            " registry."
        )
    return viewer


class OncallArgsSchema(Schema):
    # Bounded: a rotation's arithmetic far outside them overflows the calendar.
    at = fields.AwareDateTime(
        load_default=None,
        validate=validate.Range(
            min=datetime(1970, 1, 1, tzinfo=UTC), max=datetime(2200, 1, 1, tzinfo=UTC)
        ),
    )


class EscalationArgsSchema(Schema):
    incident = fields.String(load_default=None)
    status = fields.String(
        load_default=None, validate=validate.OneOf(("open", "acknowledged", "closed"))
    )


class _BadRequest(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


@bp.errorhandler(_BadRequest)
def _bad(exc: _BadRequest) -> Response:
    return exc.response


def _args(schema: Schema) -> dict[str, Any]:
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as exc:
        raise _BadRequest(validation_problem(exc.messages, "The query")) from exc


def _person(person_id: str) -> dict[str, str]:
    directory = current_app.extensions["accord.directory"]
    person = directory.read(lambda d: d.people.get(person_id))
    return {"id": person.id, "name": person.name} if person else {"id": person_id, "name": ""}


def _schedule_json(record) -> dict[str, Any]:
    links = escalations().links
    return {
        "id": record.schedule.id,
        **record.body,
        "created_by": record.created_by,
        "created_at": record.created_at,
        "feed_url": links.feed_url("schedule", record.schedule.id),
    }


def _schedule_record(schedule_id: str):
    record = escalations().state.schedules.get(schedule_id)
    if record is None:
        raise NotFound(f"No schedule {schedule_id}.")
    return record


# --- schedules ---------------------------------------------------------------------


@bp.post("/v1/schedules")
def create_schedule():
    viewer = _viewer(*PLANNERS)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Bad Request", "The body must be a JSON object.")
    try:
        loaded = schemas.SCHEDULE.load(body)
    except ValidationError as exc:
        return validation_problem(exc.messages, "The schedule")
    directory = current_app.extensions["accord.directory"]
    known = directory.read(lambda d: set(d.people))
    errors = schemas.people_errors(loaded, known)
    if errors:
        return validation_problem(errors, "The schedule")
    schedule_id = new_id()
    creator = _person(viewer.person_id)
    event = Envelope(
        type="schedule.created",
        key=schedule_id,
        producer="notifier",
        payload={
            "schedule_id": schedule_id,
            "schedule": schemas.to_json(loaded),
            "created_by": creator,
            "at": escalations().clock.now().isoformat(),
        },
    )
    escalations().publish(event)
    escalations().on_change()  # who is on call may have changed for open escalations
    response = current_app.response_class(status=201)
    response.set_data(current_app.json.dumps(_schedule_json(_schedule_record(schedule_id))))
    response.mimetype = "application/json"
    response.headers["Location"] = f"/v1/schedules/{schedule_id}"
    return response


@bp.get("/v1/schedules")
def list_schedules():
    _viewer(*READERS)
    return {"items": [_schedule_json(r) for r in escalations().state.schedule_list()]}


@bp.get("/v1/schedules/<schedule_id>")
def get_schedule(schedule_id: str):
    _viewer(*READERS)
    return _schedule_json(_schedule_record(schedule_id))


@bp.get("/v1/schedules/<schedule_id>/oncall")
def who_is_oncall(schedule_id: str):
    _viewer(*READERS)
    record = _schedule_record(schedule_id)
    at = _args(OncallArgsSchema())["at"] or escalations().clock.now()
    return {
        "schedule_id": schedule_id,
        "at": at.astimezone(UTC).isoformat(),
        "time_zone": record.schedule.time_zone,
        "layers": {
            layer: _person(person) if person else None
            for layer, person in oncall(record.schedule, at).items()
        },
    }


# --- escalations -------------------------------------------------------------------


@bp.get("/v1/escalations")
def list_escalations():
    _viewer(*READERS)
    args = _args(EscalationArgsSchema())
    records = escalations().state.list_escalations(incident_id=args["incident"])
    if args["status"]:
        records = [r for r in records if r.status == args["status"]]
    return {"items": [r.to_json() for r in records]}


@bp.get("/v1/escalations/<escalation_id>")
def get_escalation(escalation_id: str):
    _viewer(*READERS)
    record = escalations().state.escalation(escalation_id)
    if record is None:
        raise NotFound(f"No escalation {escalation_id}.")
    return record.to_json()


@bp.post("/v1/escalations/<escalation_id>/ack")
def acknowledge(escalation_id: str):
    viewer = _viewer(*READERS)
    try:
        record = escalations().acknowledge(escalation_id, person_id=viewer.person_id)
    except EscalationNotFound:
        raise NotFound(f"No escalation {escalation_id}.") from None
    except AlreadyClosed:
        return problem(409, "Conflict", "This escalation is closed: the incident was resolved.")
    return record.to_json()


# --- calendar feeds ----------------------------------------------------------------


def _feed(kind: str, subject_id: str) -> None:
    if not escalations().links.feed_token_valid(kind, subject_id, request.args.get("token", "")):
        raise NotFound("No such calendar.")  # a wrong token reveals nothing


def _ics(name: str, pairs, **options: Any) -> Response:
    directory = current_app.extensions["accord.directory"]
    names = directory.read(lambda d: {p.id: p.name for p in d.people.values()})
    body = ical.calendar(
        name, pairs, lambda i: names.get(i, i), stamp=escalations().clock.now(), **options
    )
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "no-store"})


def _window() -> tuple[datetime, datetime]:
    now = escalations().clock.now()
    return now - FEED_PAST, now + FEED_AHEAD


@bp.get("/v1/calendars/schedule/<schedule_id>.ics")
def schedule_feed(schedule_id: str):
    _feed("schedule", schedule_id)
    record = _schedule_record(schedule_id)
    start, end = _window()
    name = record.schedule.name
    return _ics(name, [(name, s) for s in shifts(record.schedule, start, end)])


def person_shifts(person_id: str, start: datetime, end: datetime) -> list:
    return [
        (r.schedule.name, s)
        for r in escalations().state.schedule_list()
        for s in shifts(r.schedule, start, end)
        if s.person == person_id
    ]


@bp.get("/v1/calendars/person/<person_id>.ics")
def person_feed(person_id: str):
    """One person's collaboration calendar, in their own zone: their on-call shifts, their
    scheduled exercises, the reviews of the risks they own, and the regulatory deadlines
    of the incidents they may read."""
    _feed("person", person_id)
    start, end = _window()
    directory = current_app.extensions["accord.directory"]
    person, viewer = directory.read(
        lambda d: (
            (d.people.get(person_id), viewer_of(d, d.people[person_id]))
            if person_id in d.people
            else (None, None)
        )
    )
    return _ics(
        "My Accord calendar",
        person_shifts(person_id, start, end),
        time_zone=person.timezone if person else None,
        entries=[
            *(deadline_entries(escalations().state.deadline_list(), viewer, start, end)
              if viewer else ()),
            *exercise_entries(escalations().state.exercise_list(), person_id, start, end),
            *review_entries(escalations().state.risk_list(), person_id,
                            person.timezone if person else "UTC", start, end),
        ],
    )  # fmt: skip
