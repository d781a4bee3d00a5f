"""Intake's status pages: a lab signs in with its API key and sees its reports and where
each one stands, the page twin of ``GET /v1/reports``.

- ``GET /reports/sign-in`` asks for the key; ``POST`` checks it and answers ``303`` to
  ``/reports``, or shows the form again (``422``) with an error summary. The session keeps
  the key's id and the lab's name, never the key (``lab_session``), and every request checks
  that the key is still live, so revoking it signs the lab out.
- ``GET /reports?page=N`` lists the lab's reports, newest first, 50 a page: reference,
  title, status in words, when intake accepted it and each step since (forwarded to the
  registry, then what the registry's events said).
- ``POST /reports/sign-out`` ends the session.

Same language negotiation (``i18n``), CSRF protection and headers as the report form
(``pages``); no JavaScript.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import (
    Blueprint,
    current_app,
    g,
    get_flashed_messages,
    redirect,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException

from services.intake.i18n import Translator, translator
from services.intake.lab_session import NOTICE, Lab, sign_in, sign_out, signed_in_lab
from services.intake.outbox import OutboxEntry
from services.intake.pages import error_page, page_headers, protect, render
from services.intake.schemas import OFFSET_MAX

log = logging.getLogger(__name__)

PAGE_SIZE = 50
LAST_PAGE = OFFSET_MAX // PAGE_SIZE  # any later page's offset could not be queried
KEY_FIELD = "api_key"
KEY_FIELD_ID = "field-api-key"

bp = Blueprint("status_pages", __name__, template_folder="templates")
bp.before_request(protect)  # the language, and CSRF on every POST
bp.after_request(page_headers)


@dataclass(frozen=True)
class Step:
    """One status a report reached, and when."""

    status: str
    text: str
    at: str  # ISO 8601, for <time datetime>
    shown_at: str
    reason: str | None = None


@dataclass(frozen=True)
class ReportRow:
    id: str
    title: str
    status: str
    status_text: str
    accepted: Step
    steps: tuple[Step, ...]


def shown_time(at: str) -> str:
    """An ISO 8601 instant as people read it, in UTC to the minute: 2026-03-01 13:05 UTC."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.utcoffset() is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def status_text(status: str, t: Translator) -> str:
    """A status in words; one the registry adds later is shown as it is named until then."""
    return t(f"status.{status}") if t.has(f"status.{status}") else status


def steps(entry: OutboxEntry, t: Translator) -> tuple[Step, ...]:
    """Every status the report reached, oldest first: accepted, forwarded, then the
    registry's."""
    reached = [("accepted", entry.accepted_at, None)]
    if entry.published_at:
        reached.append(("forwarded", entry.published_at, None))
    reached += [(change.status, change.at, change.reason) for change in entry.history]
    return tuple(
        Step(status, status_text(status, t), at, shown_time(at), reason)
        for status, at, reason in reached
    )


def report_row(entry: OutboxEntry, t: Translator) -> ReportRow:
    history = steps(entry, t)
    return ReportRow(
        id=entry.id,
        title=entry.title,
        status=entry.status,
        status_text=status_text(entry.status, t),
        accepted=history[0],
        steps=history,
    )


def page_number(value: str | None) -> int:
    """``?page=`` as a page number: 1 when absent or not one, at most the last possible."""
    if value is None or not (value.isascii() and value.isdecimal()):
        return 1
    return min(max(int(value), 1), LAST_PAGE)


def _sign_in_url() -> str:
    return url_for("status_pages.sign_in", lang=g.page_lang)


def _notices(t: Translator) -> list[str]:
    return [
        t(f"signin.notice.{kind}")
        for kind in get_flashed_messages(category_filter=[NOTICE])
        if t.has(f"signin.notice.{kind}")
    ]


def _sign_in_page(error: str | None = None) -> str:
    t = translator()
    return render(
        "status/sign_in.html",
        t,
        error=error,
        notices=[] if error else _notices(t),
        field_id=KEY_FIELD_ID,
        field_name=KEY_FIELD,
        action=_sign_in_url(),
    )


@bp.route("/reports/sign-in", methods=["GET", "POST"], endpoint="sign_in")
def sign_in_page():
    if request.method == "GET":
        return _sign_in_page()
    plain = (request.form.get(KEY_FIELD) or "").strip()
    if not plain:
        return _sign_in_page(translator()("signin.error.required")), 422
    key = current_app.extensions["accord.keys"].verify(plain)
    if key is None:
        log.info("a sign-in to the status pages was refused: unknown or revoked key")
        return _sign_in_page(translator()("signin.error.refused")), 422
    sign_in(key)
    log.info("key %s signed in to the status pages", key.key_id)
    return redirect(url_for("status_pages.reports", lang=g.page_lang), 303)


@bp.get("/reports")
def reports():
    lab = signed_in_lab()
    if lab is None:
        return redirect(_sign_in_url(), 303)
    page = page_number(request.args.get("page"))
    entries = current_app.extensions["accord.outbox"].submitted_by(
        lab.organization, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    t = translator()
    return render(
        "status/reports.html",
        t,
        rows=[report_row(entry, t) for entry in entries[:PAGE_SIZE]],
        page=page,
        first=(page - 1) * PAGE_SIZE + 1,
        newer=_page_url(page - 1) if page > 1 else None,
        older=_page_url(page + 1) if len(entries) > PAGE_SIZE else None,
    )


def _page_url(page: int) -> str:
    if page == 1:
        return url_for("status_pages.reports", lang=g.page_lang)
    return url_for("status_pages.reports", page=page, lang=g.page_lang)


@bp.post("/reports/sign-out", endpoint="sign_out")
def sign_out_page():
    lab: Lab | None = signed_in_lab()
    sign_out()
    if lab is not None:
        log.info("key %s signed out of the status pages", lab.key_id)
    return redirect(_sign_in_url(), 303)


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    """Errors here are pages too, in the reader's language, leading back to the reports."""
    return error_page(exc, "status/error.html", {})
