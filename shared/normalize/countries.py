"""Countries onto ISO 3166-1 alpha-2 codes, and currencies onto ISO 4217 codes.

A country is recognized, in this order of precedence, by its alpha-2, alpha-3 or numeric
code, the aliases of ``vocab/countries.json`` ("UK", "S. Korea", "Turkey"), its English
names (pycountry's name, common name and official name) and its names in pycountry's
French, Spanish, Chinese and German catalogs. When two countries share a key the earlier
source wins, so a translation never shadows a code or an English name. Regions ("Global", "Europe")
and placeholders ("Unknown") are ``Outside``: kept as flags, never mapped.
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

from shared import vocab
from shared.normalize import terms
from shared.normalize.result import Mapped, Outside, Unknown

CATALOGS = {"fr": "fr", "es": "es", "zh": "zh_CN", "zh-Hant": "zh_TW", "de": "de"}
_NAME_ATTRIBUTES = ("name", "common_name", "official_name")


@cache
def _keys() -> dict[str, tuple[str, str]]:
    keys: dict[str, tuple[str, str]] = {}

    def add(text: str, code: str, how: str) -> None:
        keys.setdefault(terms.fold(text), (code, how))

    countries = list(pycountry.countries)
    for kind in ("alpha_2", "alpha_3", "numeric"):
        for country in countries:
            add(getattr(country, kind), country.alpha_2, f"ISO 3166-1 {kind.replace('_', '-')}")
    for term in vocab.load("countries").terms:
        for lang, words in term.synonyms.items():
            for word in words:
                add(word, term.id, f"alias ({lang})")
    for country in countries:
        for attribute in _NAME_ATTRIBUTES:
            if hasattr(country, attribute):
                add(getattr(country, attribute), country.alpha_2, "name (en)")
    for lang, catalog in CATALOGS.items():
        translate = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [catalog]).gettext
        for country in countries:
            for attribute in _NAME_ATTRIBUTES:
                if hasattr(country, attribute):
                    add(translate(getattr(country, attribute)), country.alpha_2, f"name ({lang})")
    return keys


@cache
def _outside() -> dict[str, str]:
    """Folded regions and placeholders, each with the reason it is no country."""
    data = vocab.load("countries").data
    reasons = {"regions": "is a region, not a country", "placeholders": "names no country"}
    outside = {
        terms.fold(word): reason
        for group, reason in reasons.items()
        for words in data[group].values()
        for word in words
    }
    clashes = sorted(key for key in outside if key in _keys())
    if clashes:
        raise ValueError(f"countries: regions or placeholders that are countries: {clashes}")
    return outside


def country(value: str) -> Mapped:
    key = terms.fold(value)
    if key in _keys():
        code, how = _keys()[key]
        return Mapped(code, f"countries: {how}")
    if key in _outside() or not key:
        raise Outside(f"{value!r} {_outside().get(key, 'names no country')}.")
    raise terms.unknown("countries", value)


def split(text: str) -> list[str]:
    """The countries in one string: split on ";", then on "," unless the piece is itself a
    name with a comma ("Korea, Republic of")."""
    parts = []
    for piece in text.split(";"):
        known = terms.fold(piece) in _keys() or terms.fold(piece) in _outside()
        parts += [piece] if known else piece.split(",")
    return [part.strip() for part in parts if part.strip()]


@cache
def _currencies() -> dict[str, tuple[str, str]]:
    keys: dict[str, tuple[str, str]] = {}
    for kind in ("alpha_3", "numeric", "name"):
        for currency in pycountry.currencies:
            how = "name (en)" if kind == "name" else f"ISO 4217 {kind.replace('_', '-')}"
            keys.setdefault(terms.fold(getattr(currency, kind)), (currency.alpha_3, how))
    return keys


def currency(value: str) -> Mapped:
    key = terms.fold(value)
    if key not in _currencies():
        raise Unknown(f"Unknown currency {value!r}; use an ISO 4217 code such as EUR or USD.")
    code, how = _currencies()[key]
    return Mapped(code, f"currencies: {how}")
