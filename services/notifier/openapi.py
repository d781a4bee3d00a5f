"""The notifier's OpenAPI 3.1 document, from the schemas its API loads with
(``shared.openapi`` holds what the three services' documents share)."""

from __future__ import annotations

from functools import cache
from typing import Any

from services.notifier.api import EscalationArgsSchema, OncallArgsSchema
from services.notifier.deadlines.views import DeadlineArgsSchema, FiledSchema, TierSchema
from services.notifier.exercises.views import AfterActionSchema, ProposeSchema
from services.notifier.exercises.views import ScheduleSchema as ExerciseScheduleSchema
from services.notifier.oncall.schemas import ScheduleSchema
from shared import metrics
from shared.directory import api as whoami
from shared.openapi import (
    SECURED,
    health_paths,
    json_content,
    new_spec,
    path_param,
    problems,
    query_args,
)

_REASONS = {
    400: "The body is not a JSON object",
    401: "No API key, or an unknown or revoked one",
    403: "The key's owner lacks the role (on-call, coordinator or admin; coordinator or"
    " admin to create schedules; risk owner or admin to set a deadline's tier or mark a"
    " report filed; coordinator or admin to plan exercises)",
    404: "No such schedule, escalation or deadline (or one whose incident the key may not"
    " read), or a calendar token that does not match",
    409: "The escalation is closed (the incident was resolved), or the exercise was cancelled"
    " or has no common slot",
    422: "Invalid fields or arguments, each named by a JSON pointer",
    503: "The bus is unavailable; see Retry-After",
}
_OBJECT = {"type": "object"}
_SCHEMAS = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["pointer", "detail"],
                    "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
                },
            },
        },
    },
    "Schedule": {
        "type": "object",
        "required": ["id", "name", "time_zone", "layers", "overrides", "feed_url"],
        "properties": {"id": {"type": "string"}, "feed_url": {"type": "string"}},
    },
    "ScheduleList": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Schedule"}}
        },
    },
    "OnCall": {
        "type": "object",
        "required": ["schedule_id", "at", "time_zone", "layers"],
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "layers": {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [
                        {"type": "null"},
                        {"type": "object", "required": ["id", "name"]},
                    ]
                },
            },
        },
    },
    "Escalation": {
        "type": "object",
        "required": ["id", "incident_id", "status", "opened_at", "steps", "deliveries"],
        "properties": {
            "status": {"enum": ["open", "acknowledged", "closed"]},
            "steps": {"type": "array", "items": _OBJECT},
            "deliveries": {"type": "array", "items": _OBJECT},
        },
    },
    "EscalationList": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Escalation"}}
        },
    },
    "Deadline": {
        "type": "object",
        "required": ["id", "incident_id", "regime", "tier", "starts_at", "stages", "status"],
        "properties": {
            "regime": {"type": "string"},
            "tier": {
                "type": "object",
                "required": ["id", "days", "reason"],
                "properties": {"days": {"type": "integer"}, "reason": {"type": "string"}},
            },
            "starts_at": {"type": "string", "format": "date-time"},
            "stages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "due_at", "filed", "satisfied"],
                    "properties": {"due_at": {"type": ["string", "null"]}},
                },
            },
            "status": {"enum": ["open", "filed"]},
        },
    },
    "SlotRequest": {
        "type": "object",
        "required": ["participants", "duration_minutes"],
        "additionalProperties": False,
        "properties": {
            "participants": {
                "type": "array",
                "minItems": 1,
                "maxItems": 50,
                "items": {
                    "oneOf": [
                        {"type": "string", "minLength": 1, "maxLength": 64},
                        {
                            "type": "object",
                            "required": ["time_zone", "working_hours"],
                            "additionalProperties": False,
                            "properties": {
                                "time_zone": {"type": "string"},
                                "working_hours": {
                                    "type": "object",
                                    "required": ["start", "end"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "start": {"type": "string", "pattern": "^\\d\\d:\\d\\d$"},
                                        "end": {"type": "string", "pattern": "^\\d\\d:\\d\\d$"},
                                    },
                                },
                                "country": {"type": ["string", "null"]},
                            },
                        },
                    ]
                },
            },
            "duration_minutes": {"type": "integer", "minimum": 15, "maximum": 1440},
            "lead_time_hours": {"type": "integer", "minimum": 0, "maximum": 2160},
            "not_before": {"type": ["string", "null"], "format": "date-time"},
            "horizon_days": {"type": "integer", "minimum": 1, "maximum": 90},
        },
    },
    "Slots": {
        "type": "object",
        "required": ["slots", "common"],
        "properties": {
            "common": {"type": "boolean"},
            "slots": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["start", "end", "outside", "outside_minutes", "participants"],
                    "properties": {
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"},
                        "participants": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": [
                                    "participant",
                                    "time_zone",
                                    "start",
                                    "end",
                                    "outside_minutes",
                                ],
                            },
                        },
                    },
                },
            },
        },
    },
    "Exercise": {
        "type": "object",
        "required": ["id", "title", "status", "participants", "scenario", "sequence"],
        "properties": {
            "status": {"enum": ["proposed", "scheduled", "cancelled"]},
            "start": {"type": ["string", "null"]},
            "sequence": {"type": "integer"},
        },
    },
    "ExerciseList": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Exercise"}}
        },
    },
    "DeadlineList": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Deadline"}}
        },
    },
}


def _problems(*codes: int) -> dict[str, Any]:
    return problems(_REASONS, *codes)


def _get(summary: str, response: str, *codes: int, **extra: Any) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "security": SECURED,
            **extra,
            "responses": {
                "200": {"description": summary, "content": json_content(response)},
                **_problems(*codes),
            },
        }
    }


def _feed(summary: str, name: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [
                path_param(name),
                {"name": "token", "in": "query", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {
                    "description": "An iCalendar (RFC 5545) feed",
                    "content": {"text/calendar": {"schema": {"type": "string"}}},
                },
                **_problems(404),
            },
        }
    }


@cache
def document(server_url: str) -> dict[str, Any]:
    spec = new_spec(
        title="Accord notifier",
        description="On-call schedules, escalations and their acknowledgement, regulatory"
        " deadlines.",
        server_url=server_url,
        key_description="An on-call contact's, coordinator's or admin's API key",
    )
    for name, schema in _SCHEMAS.items():
        spec.components.schema(name, schema)
    spec.components.schema("ScheduleInput", schema=ScheduleSchema)
    spec.components.schema("DeadlineFiled", schema=FiledSchema)
    spec.components.schema("ExerciseInput", schema=ProposeSchema)
    spec.components.schema("AfterAction", schema=AfterActionSchema)
    spec.components.schema("ExerciseSchedule", schema=ExerciseScheduleSchema)
    spec.components.schema("DeadlineTier", schema=TierSchema)
    spec.path(
        path="/v1/schedules",
        operations={
            "post": {
                "summary": "Create an on-call schedule (coordinators, admins)",
                "security": SECURED,
                "requestBody": {"required": True, "content": json_content("ScheduleInput")},
                "responses": {
                    "201": {"description": "Created", "content": json_content("Schedule")},
                    **_problems(400, 401, 403, 422, 503),
                },
            },
            **_get("Every schedule", "ScheduleList", 401, 403),
        },
    )
    spec.path(
        path="/v1/schedules/{schedule_id}",
        operations=_get(
            "One schedule", "Schedule", 401, 403, 404, parameters=[path_param("schedule_id")]
        ),
    )
    spec.path(
        path="/v1/schedules/{schedule_id}/oncall",
        operations=_get(
            "Who is on call on each layer at a time (now by default)",
            "OnCall",
            401,
            403,
            404,
            422,
            parameters=[path_param("schedule_id"), *query_args(OncallArgsSchema)],
        ),
    )
    spec.path(
        path="/v1/escalations",
        operations=_get(
            "Escalations, newest first",
            "EscalationList",
            401,
            403,
            422,
            parameters=query_args(EscalationArgsSchema),
        ),
    )
    spec.path(
        path="/v1/escalations/{escalation_id}",
        operations=_get(
            "One escalation: its state, every step and delivery",
            "Escalation",
            401,
            403,
            404,
            parameters=[path_param("escalation_id")],
        ),
    )
    spec.path(
        path="/v1/escalations/{escalation_id}/ack",
        operations={
            "post": {
                "summary": "Acknowledge: the chain stops (again: no change)",
                "security": SECURED,
                "parameters": [path_param("escalation_id")],
                "responses": {
                    "200": {"description": "Acknowledged", "content": json_content("Escalation")},
                    **_problems(401, 403, 404, 409, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/deadlines",
        operations=_get(
            "Regulatory deadlines of the incidents the key may read (by incident, open or not)",
            "DeadlineList",
            401,
            422,
            parameters=query_args(DeadlineArgsSchema),
        ),
    )
    spec.path(
        path="/v1/deadlines/{deadline_id}",
        operations=_get(
            "One regulatory deadline: tier and reason, stages, filings",
            "Deadline",
            401,
            404,
            parameters=[path_param("deadline_id")],
        ),
    )
    for action, schema, summary in (
        ("filed", "DeadlineFiled", "Mark a stage's report filed (risk owners; again: no change)"),
        ("tier", "DeadlineTier", "Set the tier, with the reason (risk owners)"),
    ):
        spec.path(
            path=f"/v1/deadlines/{{deadline_id}}/{action}",
            operations={
                "post": {
                    "summary": summary,
                    "security": SECURED,
                    "parameters": [path_param("deadline_id")],
                    "requestBody": {"required": True, "content": json_content(schema)},
                    "responses": {
                        "200": {"description": summary, "content": json_content("Deadline")},
                        **_problems(400, 401, 403, 404, 422, 503),
                    },
                }
            },
        )
    spec.path(
        path="/v1/exercises/slots",
        operations={
            "post": {
                "summary": "Find the earliest slots that suit every participant (coordinators,"
                " admins); or, when none does, the least bad",
                "security": SECURED,
                "requestBody": {"required": True, "content": json_content("SlotRequest")},
                "responses": {
                    "200": {"description": "Slots", "content": json_content("Slots")},
                    **_problems(400, 401, 403, 422),
                },
            }
        },
    )
    spec.path(
        path="/v1/exercises",
        operations={
            "post": {
                "summary": "Propose an exercise by hand (coordinators, admins)",
                "security": SECURED,
                "requestBody": {"required": True, "content": json_content("ExerciseInput")},
                "responses": {
                    "201": {"description": "Proposed", "content": json_content("Exercise")},
                    **_problems(400, 401, 403, 422, 503),
                },
            },
            **_get("Every exercise", "ExerciseList", 401, 403),
        },
    )
    spec.path(
        path="/v1/exercises/{exercise_id}",
        operations=_get(
            "One exercise", "Exercise", 401, 403, 404, parameters=[path_param("exercise_id")]
        ),
    )
    for action, body, summary in (
        ("schedule", "ExerciseSchedule", "Schedule or reschedule (the earliest common slot"
         " when no start is given); sends the invitations"),
        ("cancel", None, "Cancel; sends METHOD:CANCEL to those invited (again: no change)"),
        ("after-action", "AfterAction", "File the after-action report (once); actions that"
         " name a risk become its mitigations in the registry"),
    ):  # fmt: skip
        operation: dict[str, Any] = {
            "summary": summary,
            "security": SECURED,
            "parameters": [path_param("exercise_id")],
            "responses": {
                "200": {"description": summary, "content": json_content("Exercise")},
                **_problems(400, 401, 403, 404, 409, 422, 503),
            },
        }
        if body:
            operation["requestBody"] = {"required": True, "content": json_content(body)}
        spec.path(path=f"/v1/exercises/{{exercise_id}}/{action}", operations={"post": operation})
    spec.path(
        path="/v1/exercises/{exercise_id}/invitation.ics",
        operations={
            "get": {
                "summary": "The exercise's current invitation (REQUEST, or CANCEL once cancelled)",
                "security": SECURED,
                "parameters": [path_param("exercise_id")],
                "responses": {
                    "200": {
                        "description": "An iCalendar (RFC 5545) invitation",
                        "content": {"text/calendar": {"schema": {"type": "string"}}},
                    },
                    **_problems(401, 403, 404),
                },
            }
        },
    )
    spec.path(
        path="/v1/calendars/schedule/{schedule_id}.ics",
        operations=_feed("A schedule's shifts", "schedule_id"),
    )
    spec.path(
        path="/v1/calendars/person/{person_id}.ics",
        operations=_feed("One person's shifts on every schedule", "person_id"),
    )
    whoami.document(spec, security=SECURED, unauthorized=_problems(401)["401"])
    health_paths(
        spec, ready="The bus answers, the directory is read and the state replayed from the bus"
    )
    metrics.document(spec)
    return spec.to_dict()
