"""Intake's HTML form channel: a server-rendered, accessible report form in four languages.

- ``GET /report`` shows the form; ``POST /report`` files it through the same ``accept`` as the
  JSON API (channel ``form``) and answers ``303`` to ``GET /report/<id>/receipt``; a rejected
  report comes back as the form again (``422``), values kept, an error summary at the top
  linking to each bad field, and a message at each field (``form_fields``).
- No JavaScript: native controls only, so it works with the keyboard, a screen reader and
  without scripts.
- Language: ``?lang=en|fr|es|zh``, else the browser's ``Accept-Language``, else English
  (``i18n``).
- CSRF: Flask-WTF's ``CSRFProtect``, opted in per blueprint (``shared.web``), so the JSON
  API, whose clients authenticate with API keys, stays exempt. The token lives in Flask's
  signed session cookie, so ``SECRET_KEY`` must be the same in every process of a
  deployment. ``pages.protect`` checks it, here and on the status pages.
- Double submissions: each rendered form carries a random submission id, used as the
  report's idempotency key, so pressing "Submit" twice files one report.
- Who filed it: a person signed in (``shared.directory.views``) files it for their
  organization, as if through the API (the reporter role needed), and it is listed with
  its reports. Otherwise it is kept as anonymous and unverified, attributed to no
  organization, whatever organization it names.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from services.intake.form_fields import REQUIRED, field_views, form_errors, raw_report, summary
from services.intake.i18n import translator
from services.intake.outbox import IdempotencyConflict
from services.intake.pages import error_page, page_headers, protect, render
from services.intake.reports import accept
from services.intake.views import is_person
from shared import web
from shared.access import REPORTER
from shared.auth import current_viewer

# A form's submission id; the report's idempotency key is "form:" + it.
_SUBMISSION = re.compile(r"[0-9a-f]{32}")

bp = Blueprint(
    "form",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/report/static",
)
bp.before_request(protect)  # the language, and CSRF on every POST
bp.after_request(page_headers)


def init_app(app: Flask) -> None:
    """Register the form with its CSRF protection."""
    web.init_pages(app)
    app.register_blueprint(bp)


# --- Views ------------------------------------------------------------------------------------


def _render_form(
    values: Mapping[str, str], errors: Mapping[str, list[str]], submission: str
) -> str:
    t = translator()
    return render(
        "form/form.html",
        t,
        f=field_views(values, errors, t),
        summary=summary(errors, t),
        submission=submission,
        action=url_for("form.submit_report", lang=t.lang),
    )


@bp.get("/report")
def new_report():
    return _render_form({}, {}, secrets.token_hex(16))


@bp.post("/report")
def submit_report():
    form: MultiDict[str, str] = request.form
    submission = form.get("submission", "")
    if not _SUBMISSION.fullmatch(submission):
        submission = secrets.token_hex(16)
    token_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    # What the reporter sent, for the report's provenance hash; the CSRF token is not part of it.
    payload = urlencode([item for item in form.items(multi=True) if item[0] != token_field])
    try:
        report_id = _accept(
            raw_report(form), payload=payload.encode(), idempotency_key=f"form:{submission}"
        )
    except ValidationError as exc:
        errors = form_errors(exc.messages, form, translator())  # type: ignore[arg-type]
        return _render_form(form, errors, submission), 422
    except IdempotencyConflict:
        abort(409)
    return redirect(url_for("form.receipt", report_id=report_id, lang=g.page_lang), 303)


def _accept(raw: dict[str, Any], *, payload: bytes, idempotency_key: str) -> str:
    viewer = current_viewer()
    if not viewer.anonymous and not viewer.has_role(REPORTER):
        abort(403)
    accepted = accept(
        raw,
        channel="form",
        source_format="form",
        # The signed-in person's, else anonymous: never trust a typed organization name.
        viewer=viewer,
        is_person=is_person,
        outbox=current_app.extensions["accord.outbox"],
        payload=payload,
        idempotency_key=idempotency_key,
        require=REQUIRED,
    )
    return accepted.id


@bp.get("/report/<report_id>/receipt")
def receipt(report_id: str):
    entry = current_app.extensions["accord.outbox"].get(report_id)
    if entry is None:
        abort(404)
    return render(
        "form/receipt.html",
        translator(),
        report_id=entry.id,
        # The reference is a random 26-character id: knowing it is what lets one follow it.
        status=entry.status,
    )


_ERROR_PAGES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
}


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    """Errors on the form's pages are pages too, in the reader's language."""
    return error_page(exc, "form/error.html", _ERROR_PAGES)
