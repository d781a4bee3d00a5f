"""Web sign-in, as a blueprint any service mounts: ``init_app(app, ...)``.

- ``GET/POST /sign-in``: e-mail and password (argon2id), then ``303`` to ``?next=`` (a path
  on this site) or ``/``. A refusal never says whether the e-mail is known.
- ``POST /sign-out``: ends the session.
- ``GET/POST /set-password/<token>``: the one-time link ``accord person password-link``
  prints. Setting the password publishes ``password.set`` and waits until this service's
  projection has applied it, so the sign-in that follows sees the new password.

Sessions are Flask's signed cookie (``shared.auth``), expiring after
``PERMANENT_SESSION_LIFETIME``; every form carries a CSRF token (``shared.web``).

The pages speak the four languages of ``shared.i18n`` (catalogs in ``translations/``); a
language chosen with ``?lang=`` stays through the sign-in form and the redirects after it.
After ``throttle.LIMIT`` failed sign-ins for one e-mail, its further attempts get ``429``
without the password being checked.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from shared import auth, web
from shared.bus.interfaces import Producer
from shared.clock import SYSTEM_CLOCK, Clock
from shared.directory import credentials, service
from shared.directory.projection import DirectoryProjection, publish
from shared.directory.throttle import SignInThrottle
from shared.i18n import LANGUAGES, Catalogs, negotiate_language

log = logging.getLogger(__name__)

APPLY_TIMEOUT = 5.0  # seconds for this service's projection to apply a new password
NOTICES = ("signed_out", "ended", "password_set")  # flashed kinds, said by "notice.<kind>"
CATALOGS = Catalogs(Path(__file__).with_name("translations"))
_EXTENSION = "accord.directory.pages"
_THROTTLE = "accord.directory.throttle"

bp = Blueprint(
    "directory",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/account/static",
)


@bp.before_request
def _protect():
    g.page_lang = _chosen_lang() or negotiate_language()
    web.protect()


@bp.after_request
def _page_headers(response):
    response.vary.add("Accept-Language")
    return web.page_headers(response)


def init_app(
    app: Flask,
    *,
    projection: DirectoryProjection,
    producer: Producer,
    service_name: str,
    clock: Clock = SYSTEM_CLOCK,
    failures: Path | None = None,
) -> None:
    """Mount the pages; ``producer`` publishes new passwords under ``service_name``;
    ``clock`` dates links and counts failed sign-ins, kept in the file ``failures`` when
    several processes serve these pages, else in memory."""
    web.init_pages(app)
    app.extensions[_EXTENSION] = (projection, producer, service_name, clock)
    app.extensions[_THROTTLE] = SignInThrottle(clock, path=failures)
    app.register_blueprint(bp)


def _projection() -> DirectoryProjection:
    return current_app.extensions[_EXTENSION][0]


def _chosen_lang() -> str | None:
    """The language the reader picked (not merely their browser's): ``?lang=``, else that
    of the page that sent them here to sign in (``next``)."""
    next_lang = _lang_of(request.values.get("next") or "")
    lang = request.args.get("lang") or (next_lang[0] if next_lang else None)
    return lang if lang in LANGUAGES else None


def _lang_of(path: str) -> list[str]:
    return parse_qs(urlsplit(path).query).get("lang", [])


def _keeping_lang(path: str) -> str:
    """``path`` (on this site), in the language the reader picked, if they did."""
    lang = _chosen_lang()
    if lang is None or _lang_of(path):
        return path
    parts = urlsplit(path)
    query = f"{parts.query}&lang={lang}" if parts.query else f"lang={lang}"
    return urlunsplit(parts._replace(query=query))


def _page(template: str, **context):
    t = CATALOGS.for_request()
    args = {key: value for key, value in request.args.items() if key != "lang"}
    links = CATALOGS.language_links(quote(request.script_root + request.path), args)
    return render_template(
        template, t=t, lang=t.lang, languages=links, chosen_lang=_chosen_lang(), **context
    )


def sign_in_url(next_path: str) -> str:
    """The sign-in page, coming back to ``next_path`` (a path on this site) afterwards."""
    return url_for("directory.sign_in", next=next_path)


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never an open redirect to another."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def _notices() -> list[str]:
    auth.current_viewer()  # a session that just ended leaves its notice
    messages = get_flashed_messages(category_filter=[auth.NOTICE])
    t = CATALOGS.for_request()
    return [t(f"notice.{kind}") for kind in messages if kind in NOTICES]


def _refused(next_path: str, email: str, error: str, status: int = 422):
    page = _page("directory/sign_in.html", next=next_path, email=email, error=error)
    return page, status


@bp.route("/sign-in", methods=["GET", "POST"], endpoint="sign_in")
def sign_in():
    next_path = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return _page("directory/sign_in.html", next=next_path, notices=_notices())
    t = CATALOGS.for_request()
    email = (request.form.get("email") or "").strip()
    password = request.form.get("password") or ""
    if not email or not password:
        return _refused(next_path, email, t("error.missing"))
    throttle: SignInThrottle = current_app.extensions[_THROTTLE]
    wait = throttle.attempt(email)
    if wait is not None:
        # Refused before the password is checked, so a guesser learns nothing from it.
        log.warning("a sign-in was throttled")
        minutes = math.ceil(wait / 60)
        page, status = _refused(next_path, email, t("error.throttled", minutes=minutes), 429)
        return page, status, {"Retry-After": str(wait)}
    person = _projection().read(lambda d: d.person_by_email(email))
    # Verify even for an unknown e-mail, so the time taken does not tell which are known.
    if not credentials.password_matches(person.password_hash if person else None, password):
        log.info("a sign-in was refused")
        return _refused(next_path, email, t("error.mismatch"))
    throttle.succeeded(email)
    auth.start_session(person.id, person.password_stamp)
    log.info("person %s signed in", person.id)
    return redirect(_keeping_lang(next_path), 303)


@bp.post("/sign-out", endpoint="sign_out")
def sign_out():
    viewer = auth.current_viewer()
    auth.end_session()
    flash("signed_out", auth.NOTICE)
    if not viewer.anonymous:
        log.info("person %s signed out", viewer.person_id)
    return redirect(url_for("directory.sign_in", lang=_chosen_lang()), 303)


@bp.route("/set-password/<token>", methods=["GET", "POST"], endpoint="set_password")
def set_password(token: str):
    projection, producer, service_name, clock = current_app.extensions[_EXTENSION]
    t = CATALOGS.for_request()
    now = clock.now()
    try:
        person = projection.read(lambda d: service.usable_link(d, token=token, now=now))
    except service.DirectoryError:  # the only refusal: unknown, used or expired
        return _page(
            "directory/message.html", heading=t("error.link_heading"), message=t("error.link")
        ), 404
    form = {"person": person, "min_length": credentials.PASSWORD_MIN}
    if request.method == "GET":
        return _page("directory/set_password.html", **form)
    password = request.form.get("password") or ""
    if password != (request.form.get("confirm") or ""):
        return _page("directory/set_password.html", error=t("error.passwords_differ"), **form), 422
    try:
        event = service.set_password(person, token=token, password=password, producer=service_name)
    except service.DirectoryError:  # the only refusal: the password's length
        error = (
            t("error.password_short", min=credentials.PASSWORD_MIN)
            if len(password) < credentials.PASSWORD_MIN
            else t("error.password_long", max=credentials.PASSWORD_MAX)
        )
        return _page("directory/set_password.html", error=error, **form), 422
    publish(producer, current_app.config["ACCORD"].topic_prefix, [event])
    if not projection.wait_for([event.id], APPLY_TIMEOUT):
        log.warning("password of %s published, not yet applied here", person.id)
    log.info("person %s set a password", person.id)
    flash("password_set", auth.NOTICE)
    return redirect(url_for("directory.sign_in", lang=_chosen_lang()), 303)


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    """Errors on these pages are pages too, with the way back to signing in."""
    t = CATALOGS.for_request()
    status = exc.code or 500
    message = t("error.csrf") if isinstance(exc, CSRFError) else t("error.http", code=status)
    return _page("directory/message.html", message=message), status
