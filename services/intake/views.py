"""Intake's HTTP API: file reports (one, or a bulk file), follow their status, read the
OpenAPI document. Every /v1 route needs a lab's API key and is rate-limited per key."""

from __future__ import annotations

import io
import json
from functools import partial

from flask import Blueprint, current_app, request, url_for
from marshmallow import ValidationError

from services.intake import answers, schemas
from services.intake.auth import require_api_key, require_reporter
from services.intake.bulk import FORMATS, UploadError, import_rows, read_rows, summarize
from services.intake.bulk.formats import REQUIRED, read_parts
from services.intake.openapi import document
from services.intake.outbox import AlreadyAnswered, IdempotencyConflict
from services.intake.rate_limit import rate_limited
from services.intake.reports import accept
from shared.auth import current_viewer
from shared.http import problem, validation_problem
from shared.logs import bind

bp = Blueprint("reports", __name__)

BULK_MAX_BYTES = 32 << 20  # the largest sample dataset is about 4 MB

_RECEIPT = schemas.ReceiptSchema()
_BULK_RESULT = schemas.BulkResultSchema()
_STATUS = schemas.ReportStatusSchema()
_STATUS_LIST = schemas.ReportStatusListSchema()
_PAGE_ARGS = schemas.PageArgsSchema()
_ANSWER = schemas.AnswerSchema()
_ANSWER_RECEIPT = schemas.AnswerReceiptSchema()


def _outbox():
    return current_app.extensions["accord.outbox"]


def is_person(person_id: str) -> bool:
    """Whether the directory has a person with this id (a report's recipients must be)."""
    return current_app.extensions["accord.directory"].read(lambda d: person_id in d.people)


def _status_url(report_id: str) -> str:
    base = current_app.config["ACCORD"].intake_url
    return base + url_for("reports.status", report_id=report_id)


@bp.post("/v1/reports")
@require_api_key
@require_reporter
@rate_limited
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
    except ValueError as exc:  # not JSON, not UTF-8, or an integer of over 4,300 digits
        return problem(400, "Malformed JSON", f"The body is not valid JSON: {exc}.")
    except RecursionError:
        return problem(400, "Malformed JSON", "The body nests arrays or objects too deeply.")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 255:
        return problem(400, "Bad Idempotency-Key", "An Idempotency-Key has 1 to 255 characters.")
    try:
        accepted = accept(
            data,
            channel="api",
            source_format="json",
            viewer=current_viewer(),
            is_person=is_person,
            outbox=_outbox(),
            payload=body,
            idempotency_key=key,
        )
    except ValidationError as exc:
        return validation_problem(exc.messages)
    except IdempotencyConflict as exc:
        return problem(409, "Idempotency-Key Reused", str(exc))
    bind(incident_id=accepted.id)
    status_url = _status_url(accepted.id)
    receipt = {"id": accepted.id, "status": "accepted", "status_url": status_url}
    return _RECEIPT.dump({**receipt, "flags": accepted.flags}), 202, {"Location": status_url}


@bp.post("/v1/reports/bulk")
@require_api_key
@require_reporter
@rate_limited
def submit_bulk():
    """A CSV or JSON Lines file, or a source dataset's own format; one result per row. An
    AIID upload may be multipart, with its classification files as further parts."""
    source_format = request.args.get("format", "")
    if source_format not in FORMATS:
        return validation_problem(
            {"format": [f"Give ?format= one of {', '.join(FORMATS)}."]}, "The upload"
        )
    request.max_content_length = BULK_MAX_BYTES
    try:
        if request.mimetype == "multipart/form-data":
            files = {name: part.stream for name, part in request.files.items()}
            rows = read_parts(files, list(request.form), source_format=source_format)
        else:
            body = request.get_data(cache=False)
            rows = read_rows(io.BytesIO(body), source_format=source_format)
        results = import_rows(
            rows,
            source_format=source_format,
            accept_fn=partial(
                accept,
                channel="bulk",
                viewer=current_viewer(),
                is_person=is_person,
                outbox=_outbox(),
                require=REQUIRED[source_format],
            ),
        )
    except UploadError as exc:
        return problem(400, "Unreadable Upload", str(exc))
    return _BULK_RESULT.dump({"summary": summarize(results), "results": results})


@bp.get("/v1/reports")
@require_api_key
def mine():
    try:
        page = _PAGE_ARGS.load(request.args.to_dict())
    except ValidationError as exc:
        return validation_problem(exc.messages, "The query")
    entries = _outbox().of_organization(current_viewer().organization_id, **page)
    return _STATUS_LIST.dump({"items": entries, **page})


@bp.get("/v1/reports/<report_id>")
@require_api_key
def status(report_id: str):
    entry = _outbox().get(report_id)
    # Another lab's report is as invisible as a missing one.
    if entry is None or entry.organization_id != current_viewer().organization_id:
        return problem(404, "Not Found", f"Your lab has no report with id {report_id}.")
    return _STATUS.dump(entry)


@bp.post("/v1/reports/<report_id>/answers")
@require_api_key
def answer_question(report_id: str):
    """The lab answers the registry's request for information about its report."""
    if not request.is_json:
        return problem(
            415,
            "Unsupported Media Type",
            f"Send the answer as application/json, not {request.mimetype or 'no content type'}.",
        )
    try:
        data = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError) as exc:
        return problem(400, "Malformed JSON", f"The body is not valid JSON: {exc}.")
    if not isinstance(data, dict):
        return validation_problem({"_schema": ["Send a JSON object."]}, "The answer")
    try:
        args = _ANSWER.load(data)
    except ValidationError as exc:
        return validation_problem(exc.messages, "The answer")
    at = current_app.extensions["accord.clock"].now().isoformat()
    try:
        answers.answer(
            _outbox(), current_viewer(), report_id, args["request_id"], args["answer"], at
        )
    except answers.NoSuchQuestion as exc:
        return problem(404, "Not Found", str(exc))
    except AlreadyAnswered as exc:
        return problem(409, "Already Answered", str(exc))
    receipt = {"request_id": args["request_id"], "status": "accepted"}
    return _ANSWER_RECEIPT.dump({**receipt, "status_url": _status_url(report_id)}), 202


@bp.get("/openapi.json")
def openapi():
    return document(current_app.config["ACCORD"].intake_url)
