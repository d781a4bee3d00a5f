"""The on-call contacts' pages: what is open for me (acknowledge it), my schedule in my
time zone with my calendar feed, and the page an ack link opens.

Server-rendered, in English, French, Spanish and Chinese (``?lang=`` or the browser's
languages), working without JavaScript. People sign in through the directory's pages
(``/sign-in``); every form carries a CSRF token. An ack link needs no sign-in: its
signature names the escalation and the person it was sent to; opening it only shows the
button (a GET changes nothing, so a mail scanner following links acknowledges nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden, HTTPException, NotFound

from services.notifier.api import READERS, escalations, person_shifts
from services.notifier.escalations import AlreadyClosed
from services.notifier.i18n import CATALOGS, translator
from services.notifier.links import InvalidLink
from services.notifier.state import EscalationRecord
from shared import web
from shared.auth import current_viewer
from shared.directory.views import sign_in_url
from shared.i18n import Translator, negotiate_language

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/notifier/static",
)

SCHEDULE_DAYS = 14


@bp.before_request
def _protect():
    g.page_lang = negotiate_language()
    web.protect()


@bp.after_request
def _headers(response):
    response.vary.add("Accept-Language")
    return web.page_headers(response)


def _render(template: str, t: Translator, code: int = 200, **context: Any):
    path = quote(request.script_root + request.path)
    adapter = current_app.create_url_adapter(request)
    if not adapter.test(request.path, "GET"):
        path = url_for("pages.oncall")
    links = CATALOGS.language_links(path, {})
    body = render_template(template, t=t, lang=t.lang, languages=links, **context)
    return make_response(body, code)


def _local(at: datetime | str, zone: ZoneInfo, t: Translator) -> str:
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.astimezone(zone).strftime(t("time.format"))


def _person(person_id: str):
    return current_app.extensions["accord.directory"].read(lambda d: d.people.get(person_id))


def _row(record: EscalationRecord, zone: ZoneInfo, t: Translator) -> dict[str, Any]:
    e = record.escalation
    failed = bool(record.steps) and record.steps[-1]["outcome"] == "failed"
    return {
        "id": e.id,
        "title": e.incident.get("title"),
        "severity": t("severity." + (e.incident.get("severity") or "unrated")),
        "url": e.incident.get("url"),
        "opened": _local(e.opened_at, zone, t),
        "opened_at": e.opened_at.isoformat(),
        "pages": sum(1 for s in record.steps if s["outcome"] == "sent"),
        "failed": failed,
    }


@bp.get("/")
def home():
    return redirect(url_for("pages.oncall", lang=g.page_lang))


@bp.get("/oncall")
def oncall():
    t = translator()
    viewer = current_viewer()
    if viewer.anonymous:
        return redirect(sign_in_url(url_for("pages.oncall", lang=t.lang)))
    if not viewer.has_role(*READERS):
        raise Forbidden()
    person = _person(viewer.person_id)
    zone = ZoneInfo(person.timezone if person else "UTC")
    state = escalations().state
    mine = [
        r
        for r in state.list_escalations(recipient=viewer.person_id)
        if r.status == "open" and not r.digest
    ]
    now = escalations().clock.now()
    shifts = [
        {
            "schedule": name,
            "layer": shift.layer,
            "start": _local(shift.start, zone, t),
            "start_at": shift.start.isoformat(),
            "end": _local(shift.end, zone, t),
            "end_at": shift.end.isoformat(),
            "override": shift.override,
            "now": shift.start <= now < shift.end,
        }
        for name, shift in person_shifts(viewer.person_id, now, now + timedelta(days=SCHEDULE_DAYS))
    ]
    return _render(
        "notifier/oncall.html",
        t,
        name=person.name if person else viewer.person_id,
        time_zone=str(zone),
        open=[_row(r, zone, t) for r in mine],
        shifts=shifts,
        feed_url=escalations().links.feed_url("person", viewer.person_id),
        done=request.args.get("done"),
    )


@bp.post("/oncall/escalations/<escalation_id>/ack")
def acknowledge(escalation_id: str):
    viewer = current_viewer()
    if viewer.anonymous:
        return redirect(sign_in_url(url_for("pages.oncall")))
    if not viewer.has_role(*READERS):
        raise Forbidden()
    try:
        escalations().acknowledge(escalation_id, person_id=viewer.person_id)
    except LookupError:
        raise NotFound() from None
    except AlreadyClosed:
        pass  # resolved meanwhile: nothing left to acknowledge, the list shows it gone
    return redirect(url_for("pages.oncall", lang=g.page_lang, done=escalation_id), 303)


def _from_link(token: str) -> tuple[EscalationRecord, str | None]:
    try:
        escalation_id, person_id = escalations().links.read_ack(token)
    except InvalidLink as exc:
        raise _LinkError("expired" if "expired" in str(exc) else "invalid") from None
    record = escalations().state.escalation(escalation_id)
    if record is None:
        raise _LinkError("invalid")
    return record, person_id


class _LinkError(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind


@bp.errorhandler(_LinkError)
def _link_error(exc: _LinkError):
    t = translator()
    return _render(
        "notifier/message.html",
        t,
        410 if exc.kind == "expired" else 404,
        heading=t(f"link.{exc.kind}.heading"),
        text=t(f"link.{exc.kind}.text"),
    )


@bp.get("/ack/<token>")
def ack_link(token: str):
    t = translator()
    record, person_id = _from_link(token)
    person = _person(person_id) if person_id else None
    zone = ZoneInfo(person.timezone if person else "UTC")
    return _render(
        "notifier/ack.html", t, escalation=_row(record, zone, t), state=record.status, token=token
    )


@bp.post("/ack/<token>")
def ack_by_link(token: str):
    t = translator()
    record, person_id = _from_link(token)
    if record.status == "open":
        escalations().acknowledge(record.escalation.id, person_id=person_id or "link")
    return _render(
        "notifier/message.html",
        t,
        heading=t("ack.done.heading"),
        text=t("ack.done.text", title=record.escalation.incident.get("title")),
    )


def error_page(exc: HTTPException):
    """HTTP errors on the pages as pages; the API's stay problem+json."""
    t = translator()
    kind = (
        "csrf"
        if isinstance(exc, CSRFError)
        else {403: "forbidden", 404: "missing"}.get(exc.code or 500, "generic")
    )
    return _render(
        "notifier/message.html",
        t,
        exc.code or 500,
        heading=t(f"error.{kind}.heading"),
        text=t(f"error.{kind}.text"),
    )


bp.register_error_handler(HTTPException, error_page)
