"""Looking values up in a vocabulary: by id, English label or synonym in any language.

Values are compared folded (case, accents, punctuation and spacing ignored, "&" read as
"and"), so "Near-miss", "near miss" and "NEAR_MISS" are one key. A vocabulary may declare
an ``optional_prefix`` ("TLP" lets "TLP:AMBER" match AMBER) and ``numbered_labels`` (the
MIT taxonomy's "7.3. Lack of capability or robustness" matches 7.3).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from shared import vocab
from shared.normalize.result import Mapped, Unknown

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("&", " and "))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join(_WORD.findall(text))


@cache
def _keys(name: str) -> dict[str, tuple[str, str]]:
    """Every folded key of vocabulary ``name``: the term id it means and how it matched."""
    vocabulary = vocab.load(name)
    keys: dict[str, tuple[str, str]] = {}

    def add(text: str, term_id: str, how: str) -> None:
        key = fold(text)
        known = keys.setdefault(key, (term_id, how))
        if known[0] != term_id:
            raise ValueError(f"{name}: {text!r} means both {known[0]} and {term_id}")

    for term in vocabulary.terms:
        add(term.id, term.id, "id")
        add(term.label, term.id, "label")
        if vocabulary.data.get("numbered_labels"):
            add(f"{term.id} {term.label}", term.id, "label")
        for lang, words in term.synonyms.items():
            for word in words:
                add(word, term.id, f"synonym ({lang})")
    return keys


def unknown(name: str, value: object) -> Unknown:
    vocabulary = vocab.load(name)
    return Unknown(f"Unknown {vocabulary.noun} {value!r}; {vocabulary.hint}.")


def lookup(name: str, value: str) -> Mapped:
    """The term of vocabulary ``name`` that ``value`` means; ``Unknown`` if none."""
    keys = _keys(name)
    key = fold(value)
    prefix = vocab.load(name).data.get("optional_prefix")
    if prefix and key.startswith(fold(prefix) + " "):
        key = key.removeprefix(fold(prefix) + " ")
    if key not in keys:
        raise unknown(name, value)
    term_id, how = keys[key]
    return Mapped(term_id, f"{name}: {how}")
