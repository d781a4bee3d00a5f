"""Exercise planning API: ``POST /v1/exercises/slots`` finds when everyone can meet
(coordinators and admins)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, request
from marshmallow import ValidationError
from werkzeug.exceptions import Forbidden

from services.notifier.exercises.schemas import SlotRequestSchema, from_person, given
from services.notifier.exercises.slots import Slot, find_slots
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
