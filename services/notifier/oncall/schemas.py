"""The schedule as the API takes it (``POST /v1/schedules``) and as its event carries it.

The schema checks what the pure model cannot: a real IANA zone, times and dates that
parse, a weekday for weekly rotations, people the directory knows, overrides naming a
layer of the schedule with an end after their start.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.notifier.oncall.models import ROTATIONS, Layer, Override, Schedule

_HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Not a time of day as HH:MM.")


def _zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Not an IANA time zone, e.g. Europe/London.") from None


class LayerSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    rotation = fields.String(required=True, validate=validate.OneOf(ROTATIONS))
    handoff_time = fields.String(required=True, validate=_HHMM)
    handoff_weekday = fields.Integer(strict=True, validate=validate.Range(min=1, max=7))
    shift_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=366))
    starts_on = fields.Date(required=True)
    people = fields.List(
        fields.String(validate=validate.Length(min=1)),
        required=True,
        validate=validate.Length(min=1, max=100),
    )

    @validates_schema
    def _rotation_fields(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("rotation") == "weekly" and "handoff_weekday" not in data:
            raise ValidationError("Required for a weekly rotation.", "handoff_weekday")
        if data.get("rotation") == "custom" and "shift_days" not in data:
            raise ValidationError("Required for a custom rotation.", "shift_days")


class OverrideSchema(Schema):
    layer = fields.String(required=True)
    person = fields.String(required=True, validate=validate.Length(min=1))
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("Must be after start.", "end")


class ScheduleSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    time_zone = fields.String(required=True, validate=_zone)
    layers = fields.List(
        fields.Nested(LayerSchema), required=True, validate=validate.Length(min=1, max=10)
    )
    overrides = fields.List(fields.Nested(OverrideSchema), load_default=list)

    @validates_schema
    def _names(self, data: dict[str, Any], **_: Any) -> None:
        names = [layer["name"] for layer in data.get("layers", [])]
        errors: dict[str, Any] = {}
        for i, name in enumerate(names):
            if name in names[:i]:
                errors.setdefault("layers", {})[i] = {"name": ["Another layer has this name."]}
        for i, override in enumerate(data.get("overrides", [])):
            if override["layer"] not in names:
                errors.setdefault("overrides", {})[i] = {"layer": ["Not a layer of this schedule."]}
        if errors:
            raise ValidationError(errors)


SCHEDULE = ScheduleSchema()


def people_errors(body: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """Errors for every person id ``body`` names that is not in ``known``."""
    errors: dict[str, Any] = {}
    for i, layer in enumerate(body["layers"]):
        for j, person in enumerate(layer["people"]):
            if person not in known:
                errors.setdefault("layers", {}).setdefault(i, {}).setdefault("people", {})[j] = [
                    "Not a person in the directory."
                ]
    for i, override in enumerate(body["overrides"]):
        if override["person"] not in known:
            errors.setdefault("overrides", {})[i] = {"person": ["Not a person in the directory."]}
    return errors


def to_json(body: dict[str, Any]) -> dict[str, Any]:
    """A loaded body back to the plain JSON its event carries."""
    return SCHEDULE.dump(body)


def from_json(schedule_id: str, data: dict[str, Any]) -> Schedule:
    """The model of a schedule from its event's JSON (already validated)."""
    return Schedule(
        id=schedule_id,
        name=data["name"],
        time_zone=data["time_zone"],
        layers=tuple(
            Layer(
                name=layer["name"],
                rotation=layer["rotation"],
                handoff_time=time.fromisoformat(layer["handoff_time"]),
                starts_on=date.fromisoformat(layer["starts_on"]),
                people=tuple(layer["people"]),
                handoff_weekday=layer.get("handoff_weekday", 1),
                shift_days=layer.get("shift_days", 1),
            )
            for layer in data["layers"]
        ),
        overrides=tuple(
            Override(
                layer=o["layer"],
                person=o["person"],
                start=datetime.fromisoformat(o["start"]),
                end=datetime.fromisoformat(o["end"]),
            )
            for o in data.get("overrides", [])
        ),
    )
