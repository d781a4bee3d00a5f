"""Web sign-in, as a blueprint any service mounts: ``init_app(app, ...)``.

- ``GET/POST /sign-in``: e-mail and password (argon2id), then ``303`` to ``?next=`` (a path
  on this site) or ``/``. A refusal never says whether the e-mail is known.
- ``POST /sign-out``: ends the session.
- ``GET/POST /set-password/<token>``: the one-time link ``accord person password-link``
  prints. Setting the password publishes ``password.set`` and waits until this service's
  projection has applied it, so the sign-in that follows sees the new password.

Sessions are Flask's signed cookie (``shared.auth``), expiring after
``PERMANENT_SESSION_LIFETIME``; every form carries a CSRF token (``shared.web``). The pages
are in English only for now.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
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
from shared.directory import credentials, service
from shared.directory.projection import DirectoryProjection, publish
from shared.envelope import utcnow

log = logging.getLogger(__name__)

APPLY_TIMEOUT = 5.0  # seconds for this service's projection to apply a new password
NOTICES = {
    "signed_out": "You have signed out.",
    "ended": "Your session ended: your account or password changed. Please sign in again.",
    "password_set": "Your password is set. Sign in with it now.",
}
_EXTENSION = "accord.directory.pages"

bp = Blueprint(
    "directory",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/account/static",
)
bp.before_request(web.protect)
bp.after_request(web.page_headers)


def init_app(
    app: Flask, *, projection: DirectoryProjection, producer: Producer, service_name: str
) -> None:
    """Mount the pages; ``producer`` publishes new passwords under ``service_name``."""
    web.init_pages(app)
    app.extensions[_EXTENSION] = (projection, producer, service_name)
    app.register_blueprint(bp)


def _projection() -> DirectoryProjection:
    return current_app.extensions[_EXTENSION][0]


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
    return [NOTICES[kind] for kind in messages if kind in NOTICES]


def _refused(next_path: str, email: str, error: str):
    page = render_template("directory/sign_in.html", next=next_path, email=email, error=error)
    return page, 422


@bp.route("/sign-in", methods=["GET", "POST"], endpoint="sign_in")
def sign_in():
    next_path = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("directory/sign_in.html", next=next_path, notices=_notices())
    email = (request.form.get("email") or "").strip()
    password = request.form.get("password") or ""
    if not email or not password:
        return _refused(next_path, email, "Enter your e-mail address and your password.")
    person = _projection().read(lambda d: d.person_by_email(email))
    # Verify even for an unknown e-mail, so the time taken does not tell which are known.
    if not credentials.password_matches(person.password_hash if person else None, password):
        log.info("a sign-in was refused")
        return _refused(
            next_path, email, "This e-mail address and password do not match an account."
        )
    auth.start_session(person.id, person.password_stamp)
    log.info("person %s signed in", person.id)
    return redirect(next_path, 303)


@bp.post("/sign-out", endpoint="sign_out")
def sign_out():
    viewer = auth.current_viewer()
    auth.end_session()
    flash("signed_out", auth.NOTICE)
    if not viewer.anonymous:
        log.info("person %s signed out", viewer.person_id)
    return redirect(url_for("directory.sign_in"), 303)


@bp.route("/set-password/<token>", methods=["GET", "POST"], endpoint="set_password")
def set_password(token: str):
    projection, producer, service_name = current_app.extensions[_EXTENSION]
    now = utcnow()
    try:
        person = projection.read(lambda d: service.usable_link(d, token=token, now=now))
    except service.DirectoryError as exc:
        return render_template(
            "directory/message.html", heading="This link cannot be used", message=str(exc)
        ), 404
    if request.method == "GET":
        return render_template("directory/set_password.html", person=person)
    password = request.form.get("password") or ""
    if password != (request.form.get("confirm") or ""):
        error = "The two passwords differ. Type the same password twice."
        return render_template("directory/set_password.html", person=person, error=error), 422
    try:
        event = service.set_password(person, token=token, password=password, producer=service_name)
    except service.DirectoryError as exc:
        return render_template("directory/set_password.html", person=person, error=str(exc)), 422
    publish(producer, current_app.config["ACCORD"].topic_prefix, [event])
    if not projection.wait_for([event.id], APPLY_TIMEOUT):
        log.warning("password of %s published, not yet applied here", person.id)
    log.info("person %s set a password", person.id)
    flash("password_set", auth.NOTICE)
    return redirect(url_for("directory.sign_in"), 303)


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    """Errors on these pages are pages too, with the way back to signing in."""
    message = (
        "The page was open too long, or the form was not sent from this site. "
        "Nothing was changed: load the page again and retry."
        if isinstance(exc, CSRFError)
        else exc.description
    )
    return render_template("directory/message.html", message=message), exc.code or 500
