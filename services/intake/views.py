"""Intake's HTTP API: submit a report, follow its status."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request, url_for
from marshmallow import ValidationError

from services.intake.outbox import IdempotencyConflict
from services.intake.reports import accept
from shared.http import problem, validation_problem

bp = Blueprint("reports", __name__)


def _status_url(report_id: str) -> str:
    base = current_app.config["ACCORD"].intake_url
    return base + url_for("reports.status", report_id=report_id)


@bp.post("/v1/reports")
def submit():
    if not request.is_json:
        return problem(
            415,
            "Unsupported Media Type",
            f"Send the report as application/json, not {request.mimetype or 'no content type'}.",
        )
    body = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return problem(400, "Malformed JSON", f"The body is not valid JSON: {exc}.")
    if not isinstance(data, dict):
        return validation_problem({"_schema": ["The report must be a JSON object."]})
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 255:
        return problem(400, "Bad Idempotency-Key", "An Idempotency-Key has 1 to 255 characters.")
    try:
        report_id = accept(
            data,
            channel="api",
            outbox=current_app.extensions["accord.outbox"],
            request_body=body,
            idempotency_key=key,
        )
    except ValidationError as exc:
        return validation_problem(exc.messages)
    except IdempotencyConflict as exc:
        return problem(409, "Idempotency-Key Reused", str(exc))
    status_url = _status_url(report_id)
    return (
        {"id": report_id, "status": "accepted", "status_url": status_url},
        202,
        {"Location": status_url},
    )


@bp.get("/v1/reports/<report_id>")
def status(report_id: str):
    entry = current_app.extensions["accord.outbox"].get(report_id)
    if entry is None:
        return problem(404, "Not Found", f"No report with id {report_id}.")
    return {
        "id": entry.id,
        # "accepted": durable in intake; "forwarded": on the bus, on its way to the registry.
        "status": "forwarded" if entry.published_at else "accepted",
        "accepted_at": entry.accepted_at,
        "forwarded_at": entry.published_at,
    }
