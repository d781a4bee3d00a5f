"""What every HTML page of the registry shares, whichever blueprint serves it.

- ``page_blueprint``: a blueprint of pages, with all of the below installed.
- ``protect``, a blueprint's ``before_request``: the request's language, and the CSRF check
  (``shared.web``).
- ``page_headers``, a blueprint's ``after_request``: ``shared.web``'s headers, and Vary on
  the language.
- ``member``: the viewer of a members' page, or ``SignIn`` (raised) for the anonymous.
- ``render``: a page with its language links and who is signed in.
- ``error_page``: an HTTP error, or a store that is away, as a page in the reader's language.
- For the forms: ``deciders`` (who may own an incident or a risk), ``form_version`` (the
  version a form was filled on), ``form_problems`` (a refusal in words), ``NOTICE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException

from services.registry.access.rules import TRIAGE_ROLES
from services.registry.i18n import CATALOGS, translator
from services.registry.web.labels import labeller
from shared import web
from shared.access import Viewer
from shared.auth import current_viewer
from shared.directory.projection import Directory, DirectoryProjection
from shared.directory.views import sign_in_url
from shared.errors import Unavailable
from shared.http import field_errors
from shared.i18n import negotiate_language

DIRECTORY = "accord.directory"  # the app's extension: this process's directory projection
RETRY_AFTER = "5"  # seconds, as the API's 503 says
NOTICE = "registry"  # the category of the messages flashed after a form is recorded
REQUIRED = "Missing data for required field."  # marshmallow's words for a blank field


def protect():
    g.page_lang = negotiate_language()
    web.protect()


def page_headers(response):
    response.vary.add("Accept-Language")
    return web.page_headers(response)


class SignIn(Exception):
    """A members' page asked for by an anonymous reader: answered with the sign-in page."""


def member() -> Viewer:
    """The viewer of a members' page (an API key or a signed-in person); raises ``SignIn``."""
    viewer = current_viewer()
    if viewer.anonymous:
        raise SignIn
    return viewer


def to_sign_in(_: SignIn):
    """A blueprint's handler for ``SignIn``: 303 to sign in, coming back to this page."""
    here = request.full_path if request.query_string else request.path
    return redirect(sign_in_url(here), 303)


@dataclass(frozen=True)
class SignedIn:
    name: str
    organization: str
    triage: bool  # a risk owner or coordinator: the triage pages are theirs


def _directory() -> DirectoryProjection:
    return current_app.extensions[DIRECTORY]


def signed_in(viewer: Viewer) -> SignedIn | None:
    """Who is signed in, by name, for the header (None for the anonymous)."""
    if viewer.anonymous:
        return None

    def names(directory: Directory) -> SignedIn:
        principal = directory.principal(viewer.person_id)
        organization = directory.organizations.get(viewer.organization_id or "")
        return SignedIn(
            name=principal.name if principal else viewer.person_id,
            organization=organization.name if organization else (viewer.organization_id or "?"),
            triage=viewer.has_role(*TRIAGE_ROLES),
        )

    return _directory().read(names)


def organization_names() -> dict[str, str]:
    """Organization ids to their names (the reporting organization facet shows names)."""
    return _directory().read(lambda d: {o.id: o.name for o in d.organizations.values()})


def render(template: str, **context: Any) -> str:
    """A page with its language links (to this page, with its arguments) and who is
    signed in."""
    t = translator()
    args = {k: v for k, v in request.args.items() if k != "lang"}
    links = CATALOGS.language_links(quote(request.script_root + request.path), args)
    return render_template(
        template,
        t=t,
        lang=t.lang,
        languages=links,
        label=labeller(t),
        # The view has resolved the viewer; an error page for a bad key has none.
        signed_in=signed_in(g.viewer) if "viewer" in g else None,
        **context,
    )


def deciders() -> list[tuple[str, str]]:
    """The people who may own an incident or a risk (risk owners, coordinators): id, name,
    by name."""

    def found(directory: Directory) -> list[tuple[str, str]]:
        people = [
            (person.id, person.name)
            for person in directory.people.values()
            if person.roles & set(TRIAGE_ROLES)
        ]
        return sorted(people, key=lambda person: person[1].casefold())

    return _directory().read(found)


def form_version() -> int:
    """The version a form was filled on, from its hidden field; a tampered form is a 400."""
    value = request.form.get("version", "")
    if not (value.isascii() and value.isdecimal() and len(value) <= 18):
        raise BadRequest("The form's version is missing or not a number.")
    return int(value)


def form_problems(messages: dict[str, Any], labels: str) -> str:
    """A form's problems as marshmallow gives them, each after its field's label (the
    catalogue's ``<labels>.<field>``; a row of a list by its number from 1)."""
    t = translator()

    def name(field: str) -> str:
        return t(f"{labels}.{field}") if t.has(f"{labels}.{field}") else field

    def said(problems: Any, where: str) -> list[str]:
        if isinstance(problems, dict):  # a list's rows, or a row's fields
            parts = []
            for key, inner in problems.items():
                inside = f"{where} {key + 1}" if isinstance(key, int) else f"{where}, {name(key)}"
                parts += said(inner, inside)
            return parts
        texts = problems if isinstance(problems, list) else [str(problems)]
        words = " ".join(t("decision.required") if text == REQUIRED else text for text in texts)
        return [f"{where}: {words}"]

    return "; ".join(part for field, inner in messages.items() for part in said(inner, name(field)))


def argument_problems(messages: dict[str, Any]) -> str:
    """Marshmallow's messages about a page's arguments, each after the argument's name."""
    return "; ".join(f"{e['pointer'][1:]}: {e['detail']}" for e in field_errors(messages))


_KINDS = {400: "bad_request", 403: "forbidden", 404: "not_found", 503: "unavailable"}


def error_page(exc: Exception):
    """``exc`` as a page: what happened and what to do, in the reader's language; an HTTP
    error's headers (Allow, ...) kept, and Retry-After for a store that is away."""
    if isinstance(exc, Unavailable):
        status, kind, headers = 503, "unavailable", [("Retry-After", RETRY_AFTER)]
    else:
        assert isinstance(exc, HTTPException)
        status = exc.code or 500
        kind = "csrf" if isinstance(exc, CSRFError) else _KINDS.get(status, "generic")
        kind = getattr(exc, "page_kind", kind)  # an error that names its own kind
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    response = make_response(render("pages/error.html", kind=kind, status=status), status)
    for name, value in headers:
        response.headers[name] = value
    return response


def page_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of pages: language, CSRF, headers, sign-in and errors as pages."""
    bp = Blueprint(name, import_name, template_folder="templates")
    bp.before_request(protect)
    bp.after_request(page_headers)
    bp.register_error_handler(SignIn, to_sign_in)
    bp.register_error_handler(HTTPException, error_page)
    bp.register_error_handler(Unavailable, error_page)
    return bp
