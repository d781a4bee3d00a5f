"""Intake's OpenAPI 3 document, generated from the same marshmallow schemas the views use."""

from __future__ import annotations

from functools import cache
from typing import Any

from services.intake import schemas
from services.intake.bulk import FORMATS
from services.intake.bulk.formats import PARTS
from shared import metrics
from shared.directory import api as whoami
from shared.openapi import SECURED, health_paths, json_content, new_spec, path_param
from shared.openapi import problems as _all_problems
from shared.report import ReportInputSchema, ReportSharingInputSchema


class _ReportInputSchema(ReportInputSchema, ReportSharingInputSchema):
    """What POST /v1/reports takes: the report, and who may read it (intake's own fields)."""


_REASONS = {
    400: "Malformed request (e.g. invalid JSON)",
    401: "Missing, unknown or revoked API key",
    403: "The key's owner lacks the reporter role",
    404: "No such report for this lab (or no such question about it)",
    409: "Idempotency-Key reused for a different report, or a question answered already",
    413: "Body too large (1 MiB for a report, 32 MiB for a bulk file)",
    415: "Wrong content type",
    422: "Invalid fields, each named by a JSON pointer",
    429: "Rate limit reached; see Retry-After",
}


def _problems(*codes: int) -> dict[str, Any]:
    return _all_problems(_REASONS, *codes)


@cache
def document(server_url: str) -> dict[str, Any]:
    spec = new_spec(
        title="Accord intake",
        description="File AI incidents, near misses and hazards; follow their status.",
        server_url=server_url,
        key_description="A lab's API key",
    )
    spec.components.schema("ReportInput", schema=_ReportInputSchema)
    for name in (
        "Problem", "Receipt", "ReportStatus", "ReportStatusList", "BulkResult", "Answer",
        "AnswerReceipt",
    ):  # fmt: skip
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))
    secured = SECURED
    spec.path(
        path="/v1/reports",
        operations={
            "post": {
                "summary": "File a report",
                "security": secured,
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                        "description": "A retry with the same key returns the same report id",
                    }
                ],
                "requestBody": {"required": True, "content": json_content("ReportInput")},
                "responses": {
                    "202": {
                        "description": "Accepted and durably stored",
                        "content": json_content("Receipt"),
                    },
                    **_problems(400, 401, 403, 409, 413, 415, 422, 429),
                },
            },
            "get": {
                "summary": "This lab's reports, newest first, with where each stands",
                "security": secured,
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    },
                    {
                        "name": "offset",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": schemas.OFFSET_MAX,
                        },
                    },
                ],
                "responses": {
                    "200": {"description": "Reports", "content": json_content("ReportStatusList")},
                    **_problems(401, 422),
                },
            },
        },
    )
    spec.path(
        path="/v1/reports/bulk",
        operations={
            "post": {
                "summary": "File many reports from one file; one result per row",
                "security": secured,
                "parameters": [
                    {
                        "name": "format",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "enum": list(FORMATS)},
                        "description": "csv and jsonl carry ReportInput fields (CSV: dotted "
                        "headers for nested fields, ';' between list items); aiid, aiaaic "
                        "and avid are those databases' own export formats",
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        **{
                            media: {"schema": {"type": "string"}}
                            for media in ("text/csv", "application/x-ndjson")
                        },
                        # format=aiid: incidents.csv with its classification files.
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": [PARTS["aiid"][0]],
                                "properties": {
                                    part: {"type": "string", "format": "binary"}
                                    for part in PARTS["aiid"]
                                },
                            }
                        },
                    },
                },
                "responses": {
                    "200": {
                        "description": "A result per row",
                        "content": json_content("BulkResult"),
                    },
                    **_problems(400, 401, 403, 413, 422, 429),
                },
            }
        },
    )
    spec.path(
        path="/v1/reports/{report_id}",
        operations={
            "get": {
                "summary": "Where one of this lab's reports stands",
                "security": secured,
                "parameters": [path_param("report_id")],
                "responses": {
                    "200": {
                        "description": "Status and history",
                        "content": json_content("ReportStatus"),
                    },
                    **_problems(401, 404),
                },
            }
        },
    )
    spec.path(
        path="/v1/reports/{report_id}/answers",
        operations={
            "post": {
                "summary": "Answer the registry's request for information about this report",
                "security": secured,
                "parameters": [path_param("report_id")],
                "requestBody": {"required": True, "content": json_content("Answer")},
                "responses": {
                    "202": {
                        "description": "Kept; on its way to the registry",
                        "content": json_content("AnswerReceipt"),
                    },
                    **_problems(400, 401, 404, 409, 413, 415, 422, 429),
                },
            }
        },
    )
    whoami.document(spec, security=secured, unauthorized=_problems(401)["401"])
    metrics.document(spec)
    health_paths(spec, ready="The bus, the outbox and the directory answer")
    return spec.to_dict()
