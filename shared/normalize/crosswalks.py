"""Source crosswalks: a public dataset's own categories onto a vocabulary's terms.

A vocabulary file may hold ``source_crosswalks``, each for one bulk source format (AIAAIC,
AVID, AIID) and one report field; it is versioned with the vocabulary::

    {"scheme": "aiaaic-issues", "source_format": "aiaaic", "field": "harm_subdomains",
     "description": "...",
     "entries": [
        {"from": ["Privacy/surveillance", "Privacy"], "to": "2.1", "note": "why, if not obvious"},
        {"from": ["Ethics/values"], "to": null, "note": "why no term fits"},
        {"patterns": ["Fairness - *"], "to": "1.1"}]}

Values are compared folded, as terms are (``terms.fold``). A value is looked up first among
the crosswalk's ``from`` values, then in the vocabulary itself, then against the
``patterns`` in the order given (``*`` stands for any number of words: ``*-users`` matches
"facebook-users"). Each mapping's rule names the crosswalk and the vocabulary's version.
``"to": null`` marks a value understood and deliberately left unmapped: it raises
``Outside``, kept as a flag with its note. A value nothing matches stays ``Unknown``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from shared import vocab
from shared.normalize import terms
from shared.normalize.result import Mapped, Outside, Unknown

# The report fields a crosswalk may fill: their vocabulary, and the MIT level they hold.
FIELDS: Mapping[str, tuple[str, str | None]] = {
    "event_type": ("event_types", None),
    "harm_domains": ("mit_risk_domains", "domain"),
    "harm_subdomains": ("mit_risk_domains", "subdomain"),
    "harm_types": ("harm_types", None),
    "affected_parties": ("affected_parties", None),
}


@dataclass(frozen=True)
class Target:
    to: str | None
    note: str | None
    crosswalk: str  # "crosswalk aiaaic-issues (mit_risk_domains 1.1.0)"
    rule: str  # the crosswalk, and the pattern that matched if one did


@dataclass(frozen=True)
class Crosswalk:
    scheme: str
    exact: Mapping[str, Target]  # by folded source value
    patterns: tuple[tuple[re.Pattern[str], Target], ...]


def pattern(text: str) -> re.Pattern[str]:
    """``*-users`` as a regular expression over folded text padded with spaces, each ``*``
    standing for any number of words: " facebook users " and " users " match."""
    pieces = text.split("*")
    if len(pieces) == 1 or not terms.fold(text):
        raise ValueError(f"The pattern {text!r} needs a * and a word: list it under from.")
    regex = " "
    for index, piece in enumerate(pieces):
        if index:
            regex += r"(?:\S+ )*"
        regex += "".join(f"{re.escape(word)} " for word in terms.fold(piece).split())
    return re.compile(regex)


def _check_entry(name: str, level: str | None, scheme: str, entry: Mapping[str, Any]) -> None:
    if "to" not in entry or not (entry.get("from") or entry.get("patterns")):
        raise ValueError(f"{name} {scheme}: {entry} needs from or patterns, and to.")
    to = entry["to"]
    if to is None:
        if not entry.get("note"):
            raise ValueError(f"{name} {scheme}: {entry} maps to nothing and says not why.")
        return
    vocabulary = vocab.load(name)
    if to not in vocabulary.ids:
        raise ValueError(f"{name} {scheme}: {to!r} is no term of {name}.")
    if level and vocabulary.term(to).data.get("level") != level:
        raise ValueError(f"{name} {scheme}: {to!r} is not a {level}.")


def _compile(name: str, level: str | None, data: Mapping[str, Any]) -> Crosswalk:
    version = vocab.load(name).version
    scheme = data["scheme"]
    exact: dict[str, Target] = {}
    patterns: list[tuple[re.Pattern[str], Target]] = []
    for entry in data["entries"]:
        _check_entry(name, level, scheme, entry)
        to, note = entry["to"], entry.get("note")
        crosswalk = f"crosswalk {scheme} ({name} {version})"
        for value in entry.get("from", []):
            key = terms.fold(value)
            if key in exact:
                raise ValueError(f"{name} {scheme}: {value!r} is listed twice.")
            exact[key] = Target(to, note, crosswalk, f"{name} {version}: crosswalk {scheme}")
        for text in entry.get("patterns", []):
            rule = f"{name} {version}: crosswalk {scheme}, pattern {text}"
            patterns.append((pattern(text), Target(to, note, crosswalk, rule)))
    return Crosswalk(scheme, exact, tuple(patterns))


@cache
def crosswalks(source_format: str, field: str) -> tuple[Crosswalk, ...]:
    """The crosswalks from ``source_format`` into ``field``; none for most formats."""
    if field not in FIELDS:
        return ()
    name, level = FIELDS[field]
    return tuple(
        _compile(name, level, data)
        for data in vocab.load(name).data.get("source_crosswalks", [])
        if data["source_format"] == source_format and data["field"] == field
    )


def _listed(found: tuple[Crosswalk, ...], key: str) -> Target | None:
    return next((c.exact[key] for c in found if key in c.exact), None)


def _matching(found: tuple[Crosswalk, ...], key: str) -> Target | None:
    padded = f" {key} "
    targets = (target for c in found for regex, target in c.patterns if regex.fullmatch(padded))
    return next(targets, None)


def mapper(
    source_format: str, field: str, vocabulary: Callable[[str], Mapped]
) -> Callable[[str], Mapped]:
    """``vocabulary`` (the field's own lookup), with the crosswalks of ``source_format``
    around it: their listed values first, their patterns last."""
    found = crosswalks(source_format, field)
    if not found:
        return vocabulary

    def lookup(value: str) -> Mapped:
        key = terms.fold(value)
        target = _listed(found, key)
        if target is None:
            try:
                return vocabulary(value)
            except Unknown:
                target = _matching(found, key)
                if target is None:
                    raise
        if target.to is None:
            raise Outside(f"{value!r} is left unmapped by {target.crosswalk}: {target.note}")
        return Mapped(target.to, target.rule)

    return lookup
