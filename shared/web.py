"""What every service's HTML pages share: the signed session, CSRF and page headers, and
how an instant reads (``shown_time``); the page skeleton every service's pages extend
(``accord/page.html``) and the stylesheet they start from (``accord.css``).

``init_pages`` sets up Flask's signed session cookie (which holds the CSRF token and who
signed in) and Flask-WTF's ``CSRFProtect``, opted in per blueprint (``protect``) so JSON
APIs, whose clients send API keys, stay exempt. ``SECRET_KEY`` is ACCORD_SECRET_KEY when
set, else a random key for this process alone: fine for one process, but sessions and
forms then break across several processes and across restarts, so a multi-process
deployment must set it.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Flask, current_app
from flask_wtf.csrf import CSRFProtect

log = logging.getLogger(__name__)

SESSION_LIFETIME = timedelta(hours=8)  # a working day; then people sign in again


# The page skeleton, its macros (templates/accord/) and the stylesheet every page starts with.
_PAGE_PARTS = Blueprint(
    "accord",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/accord/static",
)


def init_pages(app: Flask) -> None:
    if "csrf" in app.extensions:
        return
    configured = app.config["ACCORD"].secret_key
    if not configured:
        log.warning("ACCORD_SECRET_KEY is not set: using a random key for this process only")
    app.config["SECRET_KEY"] = configured or secrets.token_hex(32)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # opt-in, per blueprint
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)  # a report can take a while to write
    app.permanent_session_lifetime = SESSION_LIFETIME  # Flask's default is 31 days
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    CSRFProtect(app)
    app.register_blueprint(_PAGE_PARTS)


def protect() -> None:
    """A blueprint's ``before_request``: the CSRF check on every POST."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        current_app.extensions["csrf"].protect()  # raises CSRFError (a 400) on a bad token


def page_headers(response):
    """A blueprint's ``after_request``: the headers of a page that carries a CSRF token."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # CSRF's HTTPS referrer check needs it
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"  # pages carry a CSRF token
    return response


def shown_time(at: str) -> str:
    """An ISO 8601 instant as people read it, in UTC to the minute: 2026-03-01 13:05 UTC."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.utcoffset() is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
