"""``GET /v1/whoami``: who the request's key or session is, as this service sees it.

Every service mounts it, so a person can check a key against any of them, and a revoked
key or role can be seen to stop working everywhere.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask import Blueprint
from marshmallow import Schema, fields

from shared.auth import current_viewer

bp = Blueprint("whoami", __name__)


class ViewerSchema(Schema):
    anonymous = fields.Boolean(required=True)
    person_id = fields.String(
        required=True, allow_none=True, metadata={"description": "a person or service account"}
    )
    organization_id = fields.String(required=True, allow_none=True)
    member = fields.Boolean(
        required=True, metadata={"description": "the organization belongs to the collaboration"}
    )
    roles = fields.List(fields.String(), required=True)


_VIEWER = ViewerSchema()


@bp.get("/v1/whoami")
def whoami():
    viewer = current_viewer()  # 401 for an unknown or revoked key
    return _VIEWER.dump(
        {**vars(viewer), "anonymous": viewer.anonymous, "roles": sorted(viewer.roles)}
    )


def document(
    spec: APISpec, *, security: list[dict[str, Any]], unauthorized: dict[str, Any]
) -> None:
    """Add ``/v1/whoami`` to a service's OpenAPI document; ``unauthorized`` is that
    document's 401 response."""
    spec.components.schema("Viewer", schema=ViewerSchema)
    spec.path(
        path="/v1/whoami",
        operations={
            "get": {
                "summary": "Who this key (or signed-in session) is, by id, with its roles",
                "security": [{}, *security],
                "responses": {
                    "200": {
                        "description": "The viewer",
                        "content": {"application/json": {"schema": "Viewer"}},
                    },
                    "401": unauthorized,
                },
            }
        },
    )
