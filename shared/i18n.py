"""The languages of the HTML pages, shared by every service: which one a request gets,
and a service's messages in it.

- Language: ``?lang=en|fr|es|zh``, else the browser's ``Accept-Language``, else English.
- The texts are data: each service keeps one JSON catalog per language in its own
  ``translations/`` folder (``Catalogs``), read once per process; a ``Translator`` says
  one catalog's messages with their ``{placeholders}`` filled in.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import g, request

LANGUAGES = ("en", "fr", "es", "zh")
DEFAULT_LANGUAGE = "en"


class Translator:
    """``t("key", n=2)``: the message in one language, with ``{placeholders}`` filled in."""

    def __init__(self, lang: str, messages: dict[str, str]) -> None:
        self.lang = lang
        self._messages = messages

    def __call__(self, key: str, **values: Any) -> str:
        text = self._messages[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._messages


class Catalogs:
    """One service's messages in every language, from ``folder/<lang>.json``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @functools.cached_property
    def messages(self) -> dict[str, dict[str, str]]:
        return {
            lang: json.loads((self.folder / f"{lang}.json").read_text(encoding="utf-8"))
            for lang in LANGUAGES
        }

    def translator(self, lang: str) -> Translator:
        return Translator(lang, self.messages[lang])

    def for_request(self) -> Translator:
        """The request's language (negotiated once per request)."""
        if "page_lang" not in g:
            g.page_lang = negotiate_language()
        return self.translator(g.page_lang)

    def language_links(self, path: str, args: dict[str, str]) -> list[dict[str, str]]:
        """A link to ``path`` in each language, named in that language."""
        return [
            {
                "code": code,
                "tag": self.messages[code]["meta.lang_tag"],
                "name": self.messages[code]["meta.native_name"],
                "href": path + "?" + urlencode({**args, "lang": code}),
            }
            for code in LANGUAGES
        ]


def negotiate_language() -> str:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
