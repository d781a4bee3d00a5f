"""Intake's status pages: a person signed in (``shared.directory.views``, e-mail and
password) sees their organization's reports and where each one stands, the page twin of
``GET /v1/reports``.

- ``GET /reports?page=N`` lists the organization's reports (by its id), newest first, 50 a
  page: reference, title, status in words, when intake accepted it and each step since
  (forwarded to the registry, then what the registry's events said). Without a session it
  answers ``303`` to the sign-in page, which comes back here.
- Signing out is the sign-in blueprint's ``POST /sign-out``.

Same language negotiation (``i18n``), CSRF protection and headers as the report form
(``pages``); no JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from services.intake import answers
from services.intake.i18n import translator
from services.intake.outbox import AlreadyAnswered, OutboxEntry, Question
from services.intake.pages import error_page, page_headers, protect, render, signed_in_lab
from services.intake.schemas import ANSWER_MAX, OFFSET_MAX
from shared.auth import current_viewer
from shared.directory.views import sign_in_url
from shared.i18n import Translator
from shared.web import shown_time

PAGE_SIZE = 50
LAST_PAGE = OFFSET_MAX // PAGE_SIZE  # any later page's offset could not be queried

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
    questions: tuple[Question, ...] = ()


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
        questions=entry.questions,
    )


def page_number(value: str | None) -> int:
    """``?page=`` as a page number: 1 when absent or not one, at most the last possible."""
    if value is None or not (value.isascii() and value.isdecimal()):
        return 1
    return min(max(int(value), 1), LAST_PAGE)


@bp.get("/reports")
def reports():
    lab = signed_in_lab()
    if lab is None:
        return redirect(sign_in_url(url_for("status_pages.reports", lang=g.page_lang)), 303)
    page = page_number(request.args.get("page"))
    entries = current_app.extensions["accord.outbox"].of_organization(
        lab.organization_id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
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


@bp.post("/reports/<report_id>/answers")
def answer(report_id: str):
    """The page twin of ``POST /v1/reports/<id>/answers``: answer, then back to the list."""
    lab = signed_in_lab()
    if lab is None:
        return redirect(sign_in_url(url_for("status_pages.reports", lang=g.page_lang)), 303)
    text = request.form.get("answer", "").strip()
    if not text or len(text) > ANSWER_MAX:
        abort(422)
    at = current_app.extensions["accord.clock"].now().isoformat()
    try:
        answers.answer(
            current_app.extensions["accord.outbox"],
            current_viewer(),
            report_id,
            request.form.get("request_id", ""),
            text,
            at,
        )
    except answers.NoSuchQuestion:
        abort(404)
    except AlreadyAnswered:
        abort(409)
    return redirect(url_for("status_pages.reports", lang=g.page_lang), 303)


def _page_url(page: int) -> str:
    if page == 1:
        return url_for("status_pages.reports", lang=g.page_lang)
    return url_for("status_pages.reports", page=page, lang=g.page_lang)


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    """Errors here are pages too, in the reader's language, leading back to the reports."""
    return error_page(exc, "status/error.html", {404: "answer", 409: "answer", 422: "answer"})
