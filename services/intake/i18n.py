"""The languages of intake's HTML pages: which one a request gets, and its messages.

- Language: ``?lang=en|fr|es|zh``, else the browser's ``Accept-Language``, else English.
- The texts are data: one JSON catalog per language in ``translations/``, read once per
  process; a ``Translator`` says one catalog's messages with their ``{placeholders}`` filled in.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from flask import g, request

LANGUAGES = ("en", "fr", "es", "zh")
_DEFAULT_LANGUAGE = "en"
_TRANSLATIONS = Path(__file__).with_name("translations")


@functools.cache
def catalogs() -> dict[str, dict[str, str]]:
    """Every language's messages, read from ``translations/<lang>.json`` once per process."""
    return {
        lang: json.loads((_TRANSLATIONS / f"{lang}.json").read_text(encoding="utf-8"))
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
    return request.accept_languages.best_match(LANGUAGES, default=_DEFAULT_LANGUAGE)


def translator() -> Translator:
    if "page_lang" not in g:
        g.page_lang = negotiate_language()
    return Translator(g.page_lang)
