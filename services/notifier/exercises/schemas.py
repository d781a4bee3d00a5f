"""The slot request (``POST /v1/exercises/slots``): who takes part, how long, how far
ahead. A participant is a person id (time zone, working hours and days from the
directory; the country from the time zone) or given in full."""

from __future__ import annotations

from datetime import UTC, datetime, time
from importlib.resources import files
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.notifier.exercises.slots import Participant, supported_country
from services.notifier.oncall.schemas import _HHMM, _zone

MAX_PARTICIPANTS = 50
BOUNDS = validate.Range(min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2200, 1, 1, tzinfo=UTC))


def _country(value: str) -> None:
    if not supported_country(value):
        raise ValidationError("Not a country the holiday calendars know (e.g. FR, or DE-BY).")


class HoursSchema(Schema):
    start = fields.String(required=True, validate=_HHMM)
    end = fields.String(required=True, validate=_HHMM)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("Must be after start (hours within one day).", "end")


class GivenParticipantSchema(Schema):
    time_zone = fields.String(required=True, validate=_zone)
    working_hours = fields.Nested(HoursSchema, required=True)
    country = fields.String(load_default=None, validate=_country)


class ParticipantField(fields.Field):
    """A person id, or a participant given in full."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and 0 < len(value) <= 64:
            return {"person": value}
        if isinstance(value, dict):
            return GivenParticipantSchema().load(value)  # nested errors keep their pointers
        raise ValidationError("A person id, or an object with time_zone and working_hours.")


class SlotRequestSchema(Schema):
    participants = fields.List(
        ParticipantField(), required=True, validate=validate.Length(min=1, max=MAX_PARTICIPANTS)
    )
    duration_minutes = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=15, max=24 * 60)
    )
    lead_time_hours = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(min=0, max=24 * 90)
    )
    not_before = fields.AwareDateTime(load_default=None, validate=BOUNDS)
    horizon_days = fields.Integer(
        load_default=14, strict=True, validate=validate.Range(min=1, max=90)
    )


def _zone_countries() -> dict[str, str]:
    rows = files("tzdata").joinpath("zoneinfo/zone.tab").read_text().splitlines()
    return {
        cols[2]: cols[0]
        for cols in (row.split("\t") for row in rows if row and not row.startswith("#"))
    }


ZONE_COUNTRIES = _zone_countries()


def from_person(key: str, person: Any) -> Participant:
    """A participant from the directory: their zone, hours and days; the country whose
    holidays apply is their zone's (zone.tab), when the calendars know it."""
    country = ZONE_COUNTRIES.get(person.timezone)
    hours = person.working_hours
    return Participant(
        key,
        person.timezone,
        time.fromisoformat(hours.start),
        time.fromisoformat(hours.end),
        frozenset(hours.days),
        country if country and supported_country(country) else None,
    )


def given(key: str, data: dict[str, Any]) -> Participant:
    hours = data["working_hours"]
    return Participant(
        key,
        data["time_zone"],
        time.fromisoformat(hours["start"]),
        time.fromisoformat(hours["end"]),
        country=data["country"],
    )
