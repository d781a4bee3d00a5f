"""The registry's OpenAPI 3.1 document, generated from the schemas the views load with."""

from __future__ import annotations

from functools import cache
from typing import Any

from services.registry import schemas
from shared.directory import api as whoami
from shared.openapi import SECURED, health_paths, json_content, new_spec, path_param, query_args
from shared.openapi import problems as _all_problems

_REASONS = {
    400: "The query cannot be read (position and expected given) or a bad cursor",
    401: "No API key on a members' route, or an unknown or revoked key",
    404: "No such incident, or not one this viewer may read",
    422: "Invalid arguments, each named by a JSON pointer",
    503: "The store is unavailable; see Retry-After",
}


def _problems(*codes: int) -> dict[str, Any]:
    return _all_problems(_REASONS, *codes)


@cache
def document(server_url: str) -> dict[str, Any]:
    spec = new_spec(
        title="Accord registry",
        description="Search the incident registry within your sharing level.",
        server_url=server_url,
        key_description="A member's API key",
    )
    for name in ("Problem", "SearchPage", "PublicPage"):
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))
    spec.components.schema("Incident", {"type": "object", "required": ["id"]})
    secured = SECURED
    spec.path(
        path="/v1/incidents",
        operations={
            "get": {
                "summary": "Search, with facet counts and cursor pages",
                "security": secured,
                "parameters": query_args(schemas.SearchArgsSchema),
                "responses": {
                    "200": {"description": "One page", "content": json_content("SearchPage")},
                    **_problems(400, 401, 422, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/incidents/export",
        operations={
            "get": {
                "summary": "The whole result set as a JSON array or CSV, streamed",
                "security": secured,
                "parameters": query_args(schemas.ExportArgsSchema),
                "responses": {
                    "200": {
                        "description": "Every matching incident the viewer may read",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"type": "object"}}
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    **_problems(400, 401, 422, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/incidents/{incident_id}",
        operations={
            "get": {
                "summary": "One incident, as this viewer may see it",
                "security": secured,
                "parameters": [path_param("incident_id")],
                "responses": {
                    "200": {"description": "The incident", "content": json_content("Incident")},
                    **_problems(401, 404, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/public/incidents",
        operations={
            "get": {
                "summary": "TLP:CLEAR incidents as redacted summaries, for anyone",
                "parameters": query_args(schemas.SearchArgsSchema),
                "responses": {
                    "200": {"description": "One page", "content": json_content("PublicPage")},
                    **_problems(400, 422, 503),
                },
            }
        },
    )
    spec.path(
        path="/public",
        operations={
            "get": {
                "summary": "The public view as a page",
                "parameters": query_args(schemas.SearchArgsSchema),
                "responses": {
                    "200": {
                        "description": "HTML",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    **_problems(400, 422, 503),
                },
            }
        },
    )
    whoami.document(spec, security=secured, unauthorized=_problems(401)["401"])
    health_paths(spec, ready="The bus and the store answer")
    return spec.to_dict()
