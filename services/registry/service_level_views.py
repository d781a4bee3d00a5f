"""``GET /v1/service-levels``: each lab's service levels and the incidents overdue now.

Counted over the incidents the viewer may read (the store's access rule), and for a lab
only over its own: risk owners and coordinators see every lab they may read.
"""

from __future__ import annotations

from flask import Blueprint, current_app

from services.registry.access.rules import TRIAGE_ROLES
from services.registry.merged import originals_only
from services.registry.query.ast import MatchAll
from services.registry.service_levels import Policy, report
from services.registry.store.interfaces import scan
from services.registry.views import member

bp = Blueprint("service_levels", __name__)


def policy() -> Policy:
    return current_app.extensions["accord.service_levels"]


@bp.get("/v1/service-levels")
def service_levels():
    viewer = member()
    registry = current_app.extensions["accord.registry"]
    incidents = scan(registry.store, originals_only(MatchAll()), viewer=viewer)
    if not viewer.has_role(*TRIAGE_ROLES):
        incidents = (i for i in incidents if i.get("organization_id") == viewer.organization_id)
    return report(incidents, policy(), registry.clock.now())
