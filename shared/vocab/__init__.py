"""The controlled vocabularies of the shared schema: versioned data files, one per vocabulary.

Each ``<name>.json`` beside this module has ``vocabulary`` (its name), ``version`` (semver:
a new term or synonym is a minor version, a changed meaning a major one), ``noun`` (how an
error message names a value), optionally ``hint`` (what the message tells the reporter to
use) and ``terms``. A term has a canonical ``id``, an English ``label``, a ``definition``
where it matters and ``synonyms`` by language. Any other key is the vocabulary's own data
(severity crosswalks and derivation rules, jurisdiction deadlines, a subdomain's domain),
read through ``data``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    definition: str | None
    synonyms: Mapping[str, tuple[str, ...]]
    data: Mapping[str, Any]  # the whole entry, for keys particular to one vocabulary


@dataclass(frozen=True)
class Vocabulary:
    name: str
    version: str
    noun: str
    hint: str
    terms: tuple[Term, ...]
    data: Mapping[str, Any]  # the whole file

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(term.id for term in self.terms)

    def term(self, term_id: str) -> Term:
        return next(term for term in self.terms if term.id == term_id)


def names() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in _DIR.glob("*.json")))


@cache
def load(name: str) -> Vocabulary:
    data = json.loads((_DIR / f"{name}.json").read_text(encoding="utf-8"))
    terms = tuple(
        Term(
            id=entry["id"],
            label=entry.get("label", entry["id"]),
            definition=entry.get("definition"),
            synonyms={lang: tuple(words) for lang, words in entry.get("synonyms", {}).items()},
            data=entry,
        )
        for entry in data["terms"]
    )
    ids = [term.id for term in terms]
    return Vocabulary(
        name=data["vocabulary"],
        version=data["version"],
        noun=data["noun"],
        hint=data.get("hint") or f"use {', '.join(ids[:-1])} or {ids[-1]}",
        terms=terms,
        data=data,
    )


def versions() -> dict[str, str]:
    """Every vocabulary's version, by name: what a report's provenance records."""
    return {name: load(name).version for name in names()}
