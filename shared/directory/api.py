"""``GET /v1/whoami``: who the request's key or session is, as this service sees it.

Every service mounts it, so a person can check a key against any of them, and a revoked
key or role can be seen to stop working everywhere.
"""

from __future__ import annotations

from flask import Blueprint

from shared.auth import current_viewer

bp = Blueprint("whoami", __name__)


@bp.get("/v1/whoami")
def whoami():
    viewer = current_viewer()  # 401 for an unknown or revoked key
    return {
        "anonymous": viewer.anonymous,
        "person_id": viewer.person_id,
        "organization_id": viewer.organization_id,
        "member": viewer.member,
        "roles": sorted(viewer.roles),
    }
