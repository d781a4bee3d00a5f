"""The report form's controls: what a submitted form means as a raw report, and the
normalizer's errors said back at each control, in the reader's language.

- ``raw_report``: the submitted controls as the lenient raw report the normalizer takes.
- ``form_errors`` and ``summary``: the normalizer's (possibly nested) errors as messages at
  each control, and the error summary at the top of the page, in page order.
- ``field_views``: what the template needs to draw each control: label, hint, value,
  errors, and a select's options.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared import vocab
from shared.i18n import Translator
from shared.normalize import REQUIRED_FOR_REPORTERS
from shared.normalize.dates import NEEDS_ZONE

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
_GROUPS = {
    "contact": ("name", "email"),
    "ai_system": ("name", "developer", "deployer", "version", "modality"),
}
_LISTS = ("countries", "references")  # one control, several values: errors name an entry

# Chinese list punctuation (fullwidth comma and semicolon, enumeration comma) as the
# normalizer's separators.
_CJK_SEPARATORS = str.maketrans({"\uff0c": ",", "\u3001": ",", "\uff1b": ";"})
# The normalizer's messages the form says in the reader's language.
_REQUIRED_MESSAGES = frozenset(
    {"Missing data for required field.", "Field may not be null.", "Field may not be blank."}
)
_KNOWN_MESSAGES = {"Not a valid email address.": "errors.email", "Not a valid URL.": "errors.url"}


def _terms(name: str) -> tuple[str, ...]:
    """The ids of a control's vocabulary, in the vocabulary's order."""
    return vocab.load(VOCABULARIES[name]).ids


@functools.cache
def _time_zones() -> tuple[str, ...]:
    """IANA zone names a reporter might pick: regions and UTC, not the legacy aliases."""
    legacy = ("Etc/", "SystemV/", "US/", "posix", "right/")
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(legacy)
    }
    return ("UTC", *sorted(names))


# --- From the form to a raw report -------------------------------------------------------------


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
    for group, names in _GROUPS.items():
        if nested := {name: text for name in names if (text := value(f"{group}.{name}"))}:
            raw[group] = nested
    return raw


# --- From the normalizer's errors back to the form ---------------------------------------------


@dataclass
class SummaryItem:
    text: str
    href: str | None


def _field_id(name: str) -> str:
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
        if key in _GROUPS and isinstance(nested, Mapping):
            for sub, sub_errors in nested.items():
                name = f"{key}.{sub}"
                add(name if name in FIELDS else key, sub_errors)
        elif key in _LISTS and isinstance(nested, Mapping):
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
        elif name in VOCABULARIES and value not in _terms(name):
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
        href = "#" + _field_id(name) if name in order else None
        for message in errors[name]:
            text = t("errors.summary_item", label=label, message=message) if label else message
            items.append(SummaryItem(text, href))
    return items


# --- Drawing the controls ----------------------------------------------------------------------


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
        return _field_id(self.name)

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


def field_views(
    values: Mapping[str, str], errors: Mapping[str, list[str]], t: Translator
) -> dict[str, FieldView]:
    """Every control's view, by control name, with its value and its errors."""
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
            (term, t(f"{name}.{term}")) for term in _terms(name)
        ]
        views[name].definitions = [
            (t(f"{name}.{term}"), t(f"{name}.{term}.definition")) for term in _terms(name)
        ]
    for name in ("likelihood", "impact"):
        views[name].options = [("", t("scale.none"))] + [
            (term, t("scale.option", n=term, label=t(f"{name}.{term}"))) for term in _terms(name)
        ]
    views["timezone"].options = [("", t("form.choose"))] + [(zone, zone) for zone in _time_zones()]
    return views
