"""Intake's HTML form channel: a server-rendered, accessible report form in four languages.

- ``GET /report`` shows the form; ``POST /report`` files it through the same ``accept`` as the
  JSON API (channel ``form``) and answers ``303`` to ``GET /report/<id>/receipt``; a rejected
  report comes back as the form again (``422``), values kept, an error summary at the top
  linking to each bad field, and a message at each field.
- No JavaScript: native controls only, so it works with the keyboard, a screen reader and
  without scripts.
- Language: ``?lang=en|fr|es|zh``, else the browser's ``Accept-Language``, else English. The
  texts are data: one JSON catalog per language in ``translations/``, read once per process.
- CSRF: Flask-WTF's ``CSRFProtect`` (maintained by the Pallets community), opted in for this
  blueprint only (``WTF_CSRF_CHECK_DEFAULT`` is off), so the JSON API, whose clients
  authenticate with API keys, stays exempt. The token lives in Flask's signed session cookie,
  so ``SECRET_KEY`` must be the same in every process of a deployment.
- Double submissions: each rendered form carries a random submission id, used as the
  report's idempotency key, so pressing "Submit" twice files one report.
- Who filed it: anonymous, unless a lab has signed in with its API key (``status_pages``);
  then the report is the lab's, as if sent through the API, and listed with its reports.
- The helpers shared by intake's pages (``translator``, ``render``, ``protect``,
  ``page_headers``) are public; ``status_pages`` uses them too.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from services.intake.lab_session import signed_in_lab
from services.intake.outbox import IdempotencyConflict
from services.intake.reports import accept
from shared import vocab
from shared.normalize import REQUIRED_FOR_REPORTERS
from shared.normalize.dates import NEEDS_ZONE

log = logging.getLogger(__name__)

LANGUAGES = ("en", "fr", "es", "zh")
DEFAULT_LANGUAGE = "en"
TRANSLATIONS = Path(__file__).with_name("translations")

# Controls whose values are a shared vocabulary's terms (``shared/vocab/<name>.json``); the
# catalogs say each term's label (and, for the first three, its definition) in every language.
VOCABULARIES = {
    "event_type": "event_types",
    "severity": "severity",
    "tlp": "tlp",
    "likelihood": "likelihood",
    "impact": "impact",
}
DEFINED = ("event_type", "severity", "tlp")  # shown with their definitions

# Every control, in page order (the error summary follows it). Dotted names are nested objects.
FIELDS = (
    "title",
    "description",
    "language",
    "event_type",
    "severity",
    "likelihood",
    "impact",
    "occurred_at",
    "timezone",
    "countries",
    "reporting_organization",
    "contact.name",
    "contact.email",
    "ai_system.name",
    "ai_system.developer",
    "ai_system.deployer",
    "ai_system.version",
    "ai_system.modality",
    "references",
    "tlp",
)
# What a reporter must give, as for the API, and the time zone: a date-time control has none.
REQUIRED = REQUIRED_FOR_REPORTERS | {"timezone"}
GROUPS = {
    "contact": ("name", "email"),
    "ai_system": ("name", "developer", "deployer", "version", "modality"),
}
ANONYMOUS = "form:anonymous"  # the submitter of a form report
LISTS = ("countries", "references")  # one control, several values: errors name an entry

# A form's submission id; the report's idempotency key is "form:" + it.
_SUBMISSION = re.compile(r"[0-9a-f]{32}")
# Chinese list punctuation (fullwidth comma and semicolon, enumeration comma) as the
# normalizer's separators.
_CJK_SEPARATORS = str.maketrans({"\uff0c": ",", "\u3001": ",", "\uff1b": ";"})
# The normalizer's messages the form says in the reader's language.
_REQUIRED_MESSAGES = frozenset(
    {"Missing data for required field.", "Field may not be null.", "Field may not be blank."}
)
_KNOWN_MESSAGES = {"Not a valid email address.": "errors.email", "Not a valid URL.": "errors.url"}

bp = Blueprint(
    "form",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/report/static",
)


def init_app(app: Flask) -> None:
    """Register the form with its CSRF protection.

    ``SECRET_KEY`` signs the session cookie that holds the CSRF token: ACCORD_SECRET_KEY
    when set, else a random key for this process alone, which is fine for one process but
    breaks forms across several (each would reject the others' tokens) and across
    restarts; a multi-process deployment must set it.
    """
    configured = app.config["ACCORD"].secret_key
    if not configured:
        log.warning("ACCORD_SECRET_KEY is not set: using a random key for this process only")
    app.config["SECRET_KEY"] = configured or secrets.token_hex(32)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # opt-in, per blueprint
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)  # a report can take a while to write
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if "csrf" not in app.extensions:
        CSRFProtect(app)
    app.register_blueprint(bp)


# --- Language ---------------------------------------------------------------------------------


@functools.cache
def catalogs() -> dict[str, dict[str, str]]:
    """Every language's messages, read from ``translations/<lang>.json`` once per process."""
    return {
        lang: json.loads((TRANSLATIONS / f"{lang}.json").read_text(encoding="utf-8"))
        for lang in LANGUAGES
    }


class Translator:
    """``t("key", n=2)``: the message in one language, with ``{placeholders}`` filled in."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._messages = catalogs()[lang]

    def __call__(self, key: str, **values: Any) -> str:
        text = self._messages[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._messages


def negotiate_language() -> str:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def translator() -> Translator:
    if "form_lang" not in g:
        g.form_lang = negotiate_language()
    return Translator(g.form_lang)


def terms(name: str) -> tuple[str, ...]:
    """The ids of a control's vocabulary, in the vocabulary's order."""
    return vocab.load(VOCABULARIES[name]).ids


@functools.cache
def time_zones() -> tuple[str, ...]:
    """IANA zone names a reporter might pick: regions and UTC, not the legacy aliases."""
    legacy = ("Etc/", "SystemV/", "US/", "posix", "right/")
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(legacy)
    }
    return ("UTC", *sorted(names))


# --- From the form to a raw report, and from errors back to the form ---------------------------


def raw_report(form: Mapping[str, str]) -> dict[str, Any]:
    """The lenient raw report the normalizer takes; blank controls are left out."""

    def value(name: str) -> str:
        return (form.get(name) or "").strip()

    raw: dict[str, Any] = {}
    for name in (
        "title",
        "description",
        "language",
        "event_type",
        "severity",
        "occurred_at",
        "timezone",
        "countries",  # one string: the normalizer splits it, and knows "Korea, Republic of"
        "reporting_organization",
        "tlp",
    ):
        if text := value(name):
            raw[name] = text
    for name in ("likelihood", "impact"):
        if text := value(name):
            raw[name] = int(text) if text.isdecimal() else text
    if "countries" in raw:
        raw["countries"] = raw["countries"].translate(_CJK_SEPARATORS)
    if references := [line.strip() for line in value("references").splitlines() if line.strip()]:
        raw["references"] = references
    for group, names in GROUPS.items():
        if nested := {name: text for name in names if (text := value(f"{group}.{name}"))}:
            raw[group] = nested
    return raw


@dataclass
class SummaryItem:
    text: str
    href: str | None


def field_id(name: str) -> str:
    return "field-" + name.replace(".", "-").replace("_", "-")


def _messages(errors: Any) -> list[str]:
    """Every message under one field, however deep marshmallow nested them."""
    if isinstance(errors, Mapping):
        return [message for nested in errors.values() for message in _messages(nested)]
    if isinstance(errors, list | tuple):
        return [message for nested in errors for message in _messages(nested)]
    return [str(errors)]


def _is_index(key: Any) -> bool:
    return isinstance(key, int) or (isinstance(key, str) and key.isdecimal())


def form_errors(
    messages: Mapping[Any, Any], form: Mapping[str, str], t: Translator
) -> dict[str, list[str]]:
    """The normalizer's ``{field: [messages]}`` (possibly nested) as ``{control: [messages]}``,
    said in the reader's language where the form knows the message; the key ``""`` collects
    what belongs to no control."""
    errors: dict[str, list[str]] = {}

    def add(name: str, nested: Any, entry: int | None = None) -> None:
        said = [_say(message, t) for message in _messages(nested)]
        if entry is not None:
            said = [t("errors.entry", n=entry + 1, message=message) for message in said]
        errors.setdefault(name, []).extend(said)

    for key, nested in messages.items():
        key = str(key)
        if key in GROUPS and isinstance(nested, Mapping):
            for sub, sub_errors in nested.items():
                name = f"{key}.{sub}"
                add(name if name in FIELDS else key, sub_errors)
        elif key in LISTS and isinstance(nested, Mapping):
            for index, item_errors in nested.items():
                add(key, item_errors, int(index) if _is_index(index) else None)
        else:
            add("" if key == "_schema" else key, nested)

    if "timezone" in errors and NEEDS_ZONE in errors.get("occurred_at", ()):
        # The missing time zone is said once, at its own control.
        errors["occurred_at"].remove(NEEDS_ZONE)
        if not errors["occurred_at"]:
            del errors["occurred_at"]
    for name in errors:
        value = (form.get(name) or "").strip()
        if name in REQUIRED and not value:
            errors[name] = [t("errors.required")]
        elif name in VOCABULARIES and value not in terms(name):
            errors[name] = [t("errors.choice")]
        else:
            errors[name] = list(dict.fromkeys(errors[name]))
    return errors


def _say(message: str, t: Translator) -> str:
    """A message the form knows, in the reader's language; any other as the normalizer said it."""
    if message in _REQUIRED_MESSAGES:
        return t("errors.required")
    if message.startswith("Must be one of"):
        return t("errors.choice")
    if known := _KNOWN_MESSAGES.get(message):
        return t(known)
    return message


def summary(errors: Mapping[str, list[str]], t: Translator) -> list[SummaryItem]:
    """One item per message, in page order; those about a control link to it."""
    order = {name: position for position, name in enumerate(FIELDS)}
    items = []
    for name in sorted(errors, key=lambda name: order.get(name, len(order))):
        label = t(f"field.{name}.label") if name in order else name
        href = "#" + field_id(name) if name in order else None
        for message in errors[name]:
            text = t("errors.summary_item", label=label, message=message) if label else message
            items.append(SummaryItem(text, href))
    return items


@dataclass
class FieldView:
    """What the template needs to draw one control."""

    name: str
    label: str
    hint: str | None
    required: bool
    value: str
    errors: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)  # a select's (value, text)
    definitions: list[tuple[str, str]] = field(default_factory=list)  # a vocabulary's terms

    @property
    def id(self) -> str:
        return field_id(self.name)

    @property
    def hint_id(self) -> str:
        return self.id + "-hint"

    @property
    def error_id(self) -> str:
        return self.id + "-error"

    @property
    def describedby(self) -> str:
        ids = [self.hint_id] if self.hint or self.definitions else []
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)


def _field_views(
    values: Mapping[str, str], errors: Mapping[str, list[str]], t: Translator
) -> dict[str, FieldView]:
    views = {
        name: FieldView(
            name=name,
            label=t(f"field.{name}.label"),
            hint=t(f"field.{name}.hint") if t.has(f"field.{name}.hint") else None,
            required=name in REQUIRED,
            value=values.get(name) or "",
            errors=list(errors.get(name, ())),
        )
        for name in FIELDS
    }
    for name in DEFINED:
        views[name].options = [("", t("form.choose"))] + [
            (term, t(f"{name}.{term}")) for term in terms(name)
        ]
        views[name].definitions = [
            (t(f"{name}.{term}"), t(f"{name}.{term}.definition")) for term in terms(name)
        ]
    for name in ("likelihood", "impact"):
        views[name].options = [("", t("scale.none"))] + [
            (term, t("scale.option", n=term, label=t(f"{name}.{term}"))) for term in terms(name)
        ]
    views["timezone"].options = [("", t("form.choose"))] + [(zone, zone) for zone in time_zones()]
    return views


# --- Views ------------------------------------------------------------------------------------


@bp.before_request
def protect():
    g.form_lang = negotiate_language()
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        current_app.extensions["csrf"].protect()  # raises CSRFError (a 400) on a bad token


@bp.after_request
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


def _render_form(
    values: Mapping[str, str], errors: Mapping[str, list[str]], submission: str
) -> str:
    t = translator()
    return render(
        "form/form.html",
        t,
        f=_field_views(values, errors, t),
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
    return redirect(url_for("form.receipt", report_id=report_id, lang=g.form_lang), 303)


def _accept(raw: dict[str, Any], *, payload: bytes, idempotency_key: str) -> str:
    accepted = accept(
        raw,
        channel="form",
        source_format="form",
        # The signed-in lab's, else anonymous: the report says so rather than trust a typed name.
        submitted_by=lab.organization if (lab := signed_in_lab()) else ANONYMOUS,
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


_ERROR_PAGES = {400: "bad_request", 404: "not_found", 409: "conflict", 413: "too_large"}


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    """Errors on the form's pages are pages too, in the reader's language."""
    status = exc.code or 500
    kind = "csrf" if isinstance(exc, CSRFError) else _ERROR_PAGES.get(status, "generic")
    body = render("form/error.html", translator(), kind=kind, status=status)
    response = make_response(body, status)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
