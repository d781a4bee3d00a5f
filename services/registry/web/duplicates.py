"""The duplicates queue as a page: of the incidents received last, those that may repeat
an earlier one, each with the earlier incidents it may repeat.

The same call as the API's ``GET /v1/duplicates`` (``duplicates.service.queue``), with the
viewer: suggestions come only from incidents the viewer may read. Like the API, it is for
risk owners and coordinators (a 403 page for anyone else). Each suggestion has a form
that merges the later incident into the earlier one, through the incident page's merge
action (``incident.decide``), on the version this page showed.
"""

from __future__ import annotations

from flask import current_app, request
from marshmallow import ValidationError
from werkzeug.exceptions import Forbidden

from services.registry import decisions
from services.registry.access import shown_to
from services.registry.access.rules import TRIAGE_ROLES
from services.registry.duplicates import service as duplicates
from services.registry.i18n import translator
from services.registry.schemas import DuplicateQueueArgsSchema
from services.registry.web.pages import argument_problems, member, page_blueprint, render

bp = page_blueprint("duplicate_pages", __name__)

_ARGS = DuplicateQueueArgsSchema()


@bp.get("/duplicates")
def queue():
    viewer = member()
    if not viewer.has_role(*TRIAGE_ROLES):
        raise Forbidden("The duplicates queue is for risk owners and coordinators.")
    form = {k: v for k, v in request.args.items() if k != "lang"}
    try:
        args = _ARGS.load(form)
    except ValidationError as exc:
        error = translator()("search.error.arguments", detail=argument_problems(exc.messages))
        return render("pages/duplicates.html", form=form, error=error), 422
    found = duplicates.queue(
        current_app.extensions["accord.store"],
        viewer=viewer,
        recent=args["recent"],
        threshold=args["min_score"],
    )
    items = [
        {
            "incident": shown_to(viewer, dict(incident)),
            "version": decisions.version(incident),  # the merge forms decide on it
            "suggestions": [
                {
                    "incident": shown_to(viewer, dict(s.candidate)),
                    "percent": round(s.score * 100),
                    "reasons": s.reasons,
                }
                for s in suggestions
            ],
        }
        for incident, suggestions in found
    ]
    return render("pages/duplicates.html", form={**args, **form}, items=items)
