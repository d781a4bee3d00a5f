"""What every HTML page of intake shares, whichever blueprint serves it (``form``,
``status_pages``).

- ``protect``, a blueprint's ``before_request``: the request's language, and the CSRF check
  (``shared.web``).
- ``page_headers``, a blueprint's ``after_request``: ``shared.web``'s headers, and Vary on
  the language.
- ``signed_in_lab``: who signed in (``shared.directory.views``), and their organization.
- ``render``: a page with its language links and the signed-in lab.
- ``error_page``: an HTTP error as a page in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import current_app, g, make_response, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from services.intake.i18n import CATALOGS, translator
from shared import web
from shared.auth import current_viewer
from shared.directory.projection import Directory
from shared.i18n import Translator, negotiate_language


def protect():
    g.page_lang = negotiate_language()
    web.protect()


def page_headers(response):
    response.vary.add("Accept-Language")
    return web.page_headers(response)


@dataclass(frozen=True)
class Lab:
    """The signed-in person's organization, for the pages: its id scopes, its name shows."""

    organization_id: str
    organization: str


def signed_in_lab() -> Lab | None:
    viewer = current_viewer()
    if viewer.anonymous or viewer.organization_id is None:
        return None

    def lab(directory: Directory) -> Lab:
        name = directory.organizations[viewer.organization_id].name
        return Lab(organization_id=viewer.organization_id, organization=name)

    return current_app.extensions["accord.directory"].read(lab)


def render(template: str, t: Translator, **context: Any) -> str:
    """A page of intake's HTML channel, with its language links and the signed-in lab."""
    path, args = url_for("form.new_report"), {}
    adapter = current_app.create_url_adapter(request)
    if request.endpoint not in (None, "form.static") and adapter.test(request.path, "GET"):
        # This page itself, where a GET shows it again: a re-shown form or a list's page.
        path, args = quote(request.script_root + request.path), request.args.to_dict()
    links = CATALOGS.language_links(path, args)
    return render_template(
        template, t=t, lang=t.lang, languages=links, lab=signed_in_lab(), **context
    )


def error_page(exc: HTTPException, template: str, kinds: dict[int, str]):
    """``exc`` rendered with ``template``, its kind of error (``kinds`` by status, "csrf"
    for a bad token, else "generic") saying what to do; its headers (Allow, ...) kept."""
    status = exc.code or 500
    kind = "csrf" if isinstance(exc, CSRFError) else kinds.get(status, "generic")
    response = make_response(render(template, translator(), kind=kind, status=status), status)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
