"""What every service's OpenAPI 3.1 document shares: the spec with its bearer-key scheme,
problem responses, JSON bodies, query and path parameters, and the health probes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

SECURED = [{"apiKey": []}]
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def new_spec(*, title: str, description: str, server_url: str, key_description: str) -> APISpec:
    spec = APISpec(
        title=title,
        version="1.0.0",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": description},
        servers=[{"url": server_url}],
    )
    spec.components.security_scheme(
        "apiKey", {"type": "http", "scheme": "bearer", "description": key_description}
    )
    return spec


def problems(reasons: Mapping[int, str], *codes: int) -> dict[str, Any]:
    """The problem+json responses ``codes``, each described by ``reasons``."""
    return {str(code): {"description": reasons[code], "content": PROBLEM} for code in codes}


def json_content(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def query_args(schema: type) -> list[dict[str, Any]]:
    return [{"in": "query", "schema": schema}]


def path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def health_paths(spec: APISpec, *, ready: str) -> None:
    """``/healthz`` and ``/readyz``; ``ready`` says what readiness checks."""
    for path, summary in (("/healthz", "The process answers"), ("/readyz", ready)):
        spec.path(
            path=path,
            operations={
                "get": {
                    "summary": summary,
                    "responses": {
                        "200": {"description": "OK", "content": {"application/json": {}}},
                        "503": {"description": "Not ready", "content": {"application/json": {}}},
                    },
                }
            },
        )
