"""What every HTML page of intake shares, whichever blueprint serves it (``form``,
``status_pages``).

- ``protect``, a blueprint's ``before_request``: the request's language, and the CSRF check
  (``form.init_app`` sets up ``CSRFProtect``, opted in per blueprint).
- ``page_headers``, a blueprint's ``after_request``: the content security policy and the
  other headers of a page that carries a CSRF token.
- ``render``: a page with its language links and the signed-in lab.
- ``error_page``: an HTTP error as a page in the reader's language.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from flask import current_app, g, make_response, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from services.intake.i18n import LANGUAGES, Translator, catalogs, negotiate_language, translator
from services.intake.lab_session import signed_in_lab


def protect():
    g.page_lang = negotiate_language()
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        current_app.extensions["csrf"].protect()  # raises CSRFError (a 400) on a bad token


def page_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # CSRF's HTTPS referrer check needs it
    response.vary.add("Accept-Language")
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"  # pages carry a CSRF token
    return response


def render(template: str, t: Translator, **context: Any) -> str:
    """A page of intake's HTML channel, with its language links and the signed-in lab."""
    path, args = url_for("form.new_report"), {}
    adapter = current_app.create_url_adapter(request)
    if request.endpoint not in (None, "form.static") and adapter.test(request.path, "GET"):
        # This page itself, where a GET shows it again: a re-shown form or a list's page.
        path, args = quote(request.script_root + request.path), request.args.to_dict()
    links = [
        {
            "code": code,
            "tag": catalogs()[code]["meta.lang_tag"],
            "name": catalogs()[code]["meta.native_name"],
            "href": path + "?" + urlencode({**args, "lang": code}),
        }
        for code in LANGUAGES
    ]
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
